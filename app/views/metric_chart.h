// MetricChart: one Qt Charts line chart of Prometheus series. Keeps the full data for CSV export, and
// gives each visible series its points in one QXYSeries::replace call, decimated to ~2x the plot width.
#pragma once

#include <QDateTime>
#include <QHash>
#include <QVector>
#include <QWidget>

#include "client/api_types.h"

class QChart;
class QChartView;
class QDateTimeAxis;
class QLabel;
class QLineSeries;
class QTimer;
class QValueAxis;

namespace fleetdeck::console {

class MetricChart : public QWidget {
  Q_OBJECT

 public:
  MetricChart(const QString& title, const QString& unit, QWidget* parent = nullptr);

  void setTitle(const QString& title);
  QString title() const { return title_; }
  // Replaces all series; x range fixed to [start, end] so an empty stretch shows as empty time.
  void setSeries(const QVector<PromSeries>& series, const QDateTime& start, const QDateTime& end);
  void setMessage(const QString& message);
  void setDark(bool dark);

  int seriesCount() const;
  // Points currently handed to Qt Charts for series `index` (after decimation).
  int plottedPointCount(int index) const;
  // Points received for series `index` (before decimation).
  int rawPointCount(int index) const;
  int plotWidth() const;
  QChartView* chartView() const { return view_; }

  bool exportPng(const QString& path) const;
  // Long format: series,timestamp (RFC 3339),unix_ms,value — one line per sample, nothing decimated.
  bool exportCsv(const QString& path) const;

 public slots:
  void exportPngInteractive();
  void exportCsvInteractive();

 protected:
  void resizeEvent(QResizeEvent* event) override;

 private:
  void replot();
  bool decimationDiffersAt(int width) const;

  QString title_;
  QString unit_;
  QChart* chart_;
  QChartView* view_;
  QDateTimeAxis* xAxis_;
  QValueAxis* yAxis_;
  QLabel* message_;
  QTimer* replotDelay_;
  QVector<PromSeries> data_;
  QVector<QLineSeries*> lines_;
  QDateTime start_;
  QDateTime end_;
  int plottedForWidth_ = 0;
};

}  // namespace fleetdeck::console
