// Chart data made ready away from the GUI thread: query_range answers parsed, labelled and decimated,
// so the GUI thread only hands each line series its finished point list (one QXYSeries::replace).
#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QPointF>
#include <QString>
#include <QStringList>
#include <QVector>

#include "client/api_types.h"
#include "models/series_decimation.h"

namespace fleetdeck::console {

// One query's answer for a chart: the body as received, or why there is none.
struct QueryAnswer {
  QByteArray body;
  QString error;  // set when the call failed; the body is then empty
  // Tells apart the series of several queries in one chart (p50/p95/p99); empty for a single query.
  QString quantileLabel;
  // The step the query_range was asked with: samples further apart than that (kGapSteps) leave a gap.
  // 0 when unknown.
  int stepSeconds = 0;
};

struct PreparedChart {
  QVector<PromSeries> series;     // every sample as received: CSV export and later refits need them all
  // Per series, its runs without missing samples, each decimated to its share of the budget: one line
  // (one QXYSeries::replace) per segment, so no line bridges a gap.
  QList<SeriesSegments> plotted;
  // The step the samples were asked at (the answers'); 0 when unknown, and the closest samples of
  // each series stand for it.
  int stepSeconds = 0;
  double top = 0;                 // highest sample of all series, for the y axis
  double bottom = 0;  // the lowest point, 0 when none is below zero (deriv(), delta() can be)
  QStringList errors;             // failed calls and error answers, in query order
  // The range the data was asked for. It travels with the data so that the axis always matches the
  // points shown, whatever was asked for since.
  QDateTime start;
  QDateTime end;
};

// Parses `answers` (PromQueryResult::fromBody; NaN and ±Inf samples skipped), labels the series of
// multi-query charts, takes their step and fits them with fitToBudget. Touches no shared state: safe
// on any thread.
PreparedChart prepareAnswers(const QList<QueryAnswer>& answers, int maxPoints, const QDateTime& start,
                             const QDateTime& end);

// (Re)computes `plotted` (decimateSegments of each series at `chart.stepSeconds`, `maxPoints` per
// series) and `top`/`bottom` from `chart.series`; the rest is kept. Used for a refit after a resize
// and for series set directly. Safe on any thread.
PreparedChart fitToBudget(PreparedChart chart, int maxPoints);

}  // namespace fleetdeck::console
