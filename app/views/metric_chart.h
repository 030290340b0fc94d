// MetricChart: one Qt Charts line chart of Prometheus series. Keeps the full data for CSV export, and
// gives each visible series its points in one QXYSeries::replace call per line, decimated to ~2x the
// plot width; a series with missing samples is one line per run between gaps, never joined across.
// Parsing and decimation run on a worker thread (SeriesPreparer); the chart only applies their result.
#pragma once

#include <QDateTime>
#include <QHash>
#include <QPointer>
#include <QVector>
#include <QWidget>

#include "client/api_types.h"
#include "models/series_preparation.h"

class QChart;
class QChartView;
class QDateTimeAxis;
class QLabel;
class QLineSeries;
class QTimer;
class QValueAxis;

namespace fleetdeck::console {

class FramePacer;
class SeriesPreparer;

class MetricChart : public QWidget {
  Q_OBJECT

 public:
  MetricChart(const QString& title, const QString& unit, QWidget* parent = nullptr);

  // Charts sharing a pacer apply their prepared data one per frame (see FramePacer); without one,
  // data is applied as soon as it is ready.
  void setPacer(FramePacer* pacer);
  void setTitle(const QString& title);
  QString title() const { return title_; }
  // Replaces all series with the query_range answers, once they are parsed and fitted on a worker
  // thread; x range fixed to [start, end] so an empty stretch shows as empty time. A later call drops
  // the result of an earlier one still being prepared.
  void setAnswers(const QList<QueryAnswer>& answers, const QDateTime& start, const QDateTime& end);
  // The same for series already parsed (fitted on the worker thread too), sampled every `stepSeconds`
  // (0: unknown, the closest samples stand for the step).
  void setSeries(const QVector<PromSeries>& series, const QDateTime& start, const QDateTime& end, int stepSeconds = 0);
  // Data handed to setAnswers/setSeries is still on its way to the screen.
  bool isPreparing() const { return preparingData_; }
  // Every sample of what is shown, as received.
  const QVector<PromSeries>& series() const { return shown_.series; }
  // Why queries behind what is shown failed (empty when none did).
  const QStringList& errors() const { return shown_.errors; }
  void setMessage(const QString& message);
  void setDark(bool dark);

  int seriesCount() const;
  // Points currently handed to Qt Charts for series `index` (after decimation), over all its lines.
  int plottedPointCount(int index) const;
  // The lines series `index` is drawn as: one per run of samples between gaps (at least one).
  QList<QLineSeries*> linesOf(int index) const { return lines_.at(index); }
  // Points received for series `index` (before decimation).
  int rawPointCount(int index) const;
  int plotWidth() const;
  QChartView* chartView() const { return view_; }
  // A value as the chart shows it (tooltips): fixed notation in the locale, with the decimals the
  // value axis' range calls for (none from a range of 100 up; more for smaller ranges), which may be
  // more than its labels need.
  QString valueText(double value) const;

  bool exportPng(const QString& path) const;
  // Long format: series,timestamp (RFC 3339),unix_ms,value — one line per sample, nothing decimated.
  bool exportCsv(const QString& path) const;

 public slots:
  void exportPngInteractive();
  void exportCsvInteractive();

 signals:
  // New data from setAnswers/setSeries is on the chart (not emitted when a resize only refits it).
  void seriesShown();

 protected:
  void resizeEvent(QResizeEvent* event) override;

 private:
  // Marks new data as on its way, drops what it supersedes; returns the point budget per series.
  int startNewData();
  // Asks for the shown data again, fitted to the current plot width.
  void refit();
  void apply(const PreparedChart& chart);
  // A line of series `seriesIndex` (its colour), shown in the legend only when `inLegend`.
  QLineSeries* addLine(int seriesIndex, bool inLegend);
  void removeLine(QLineSeries* line);
  bool decimationDiffersAt(int width) const;
  // Decimals for the labels of an axis spanning `range`: enough to tell its ticks apart.
  static int decimalsForRange(double range);
  // Decimals for the value axis' labels when its ticks are `step` apart: as many as the step needs.
  static int decimalsForStep(double step);

  QString title_;
  QString unit_;
  QChart* chart_;
  QChartView* view_;
  QDateTimeAxis* xAxis_;
  QValueAxis* yAxis_;
  QLabel* message_;
  QTimer* refitDelay_;
  SeriesPreparer* preparer_;
  QPointer<FramePacer> pacer_;
  PreparedChart shown_;
  QVector<QList<QLineSeries*>> lines_;  // per series, a line per segment; the first one in the legend
  int plottedForWidth_ = 0;
  bool preparingData_ = false;
};

}  // namespace fleetdeck::console
