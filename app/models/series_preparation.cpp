#include "models/series_preparation.h"

#include "models/series_decimation.h"

namespace fleetdeck::console {

PreparedChart prepareAnswers(const QList<QueryAnswer>& answers, int maxPoints, const QDateTime& start,
                             const QDateTime& end) {
  PreparedChart chart;
  chart.start = start;
  chart.end = end;
  for (const QueryAnswer& answer : answers) {
    if (!answer.error.isEmpty()) {
      chart.errors.append(answer.error);
      continue;
    }
    chart.stepSeconds = qMax(chart.stepSeconds, answer.stepSeconds);
    PromQueryResult result = PromQueryResult::fromBody(answer.body);
    if (!result.errorMessage.isEmpty()) {
      chart.errors.append(result.errorMessage);
      continue;
    }
    for (PromSeries& series : result.series) {
      if (!answer.quantileLabel.isEmpty()) series.metric.insert(QStringLiteral("quantile"), answer.quantileLabel);
      chart.series.append(std::move(series));
    }
  }
  return fitToBudget(std::move(chart), maxPoints);
}

PreparedChart fitToBudget(PreparedChart chart, int maxPoints) {
  chart.plotted.clear();
  chart.plotted.reserve(chart.series.size());
  chart.top = 0;
  chart.bottom = 0;
  for (const PromSeries& series : std::as_const(chart.series)) {
    chart.plotted.append(decimateSegments(series.points, chart.stepSeconds * 1000.0, maxPoints));
    for (const QPointF& point : series.points) {
      chart.top = qMax(chart.top, point.y());
      chart.bottom = qMin(chart.bottom, point.y());
    }
  }
  return chart;
}

}  // namespace fleetdeck::console
