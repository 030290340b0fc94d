// MetricsView: request rate, error rate and latency percentiles per service from the proxied
// Prometheus API, over 5m/1h/6h/24h, auto-refreshing; a PromQL box for any query; PNG/CSV export.
#pragma once

#include <QDateTime>
#include <QHash>
#include <QList>

#include "views/view_page.h"

class QButtonGroup;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTimer;

namespace fleetdeck::console {

class FramePacer;
class GatewayClient;
class MetricChart;

class MetricsView : public ViewPage {
  Q_OBJECT

 public:
  explicit MetricsView(GatewayClient* client, QWidget* parent = nullptr);

  QString key() const override { return QStringLiteral("metrics"); }
  QString title() const override;
  QIcon icon() const override;
  void activate() override;
  void refresh() override;
  // Answered, and every chart has its data on screen (they prepare it on a worker thread).
  bool isReady() const override;
  QList<QAction*> paletteActions() const override;

  void setRefreshInterval(int seconds);
  void setDark(bool dark);
  // 300, 3600, 21600 or 86400.
  void setRangeSeconds(qint64 seconds);
  qint64 rangeSeconds() const { return rangeSeconds_; }
  MetricChart* requestRateChart() const { return requestRate_; }
  MetricChart* customChart() const { return custom_; }

 public slots:
  // Shows `query` in the custom chart over [start, end] (alert cross-link); 0 = the current range.
  void runQuery(const QString& query, qint64 startSecs = 0, qint64 endSecs = 0);

 private:
  void load(MetricChart* chart, const QList<QPair<QString, QString>>& queries, const QDateTime& start,
            const QDateTime& end);
  void loadLatency(const QDateTime& start, const QDateTime& end);
  void runCustom();
  void cancelCustom();
  void addLatencyServices();

  GatewayClient* client_;
  MetricChart* requestRate_;
  MetricChart* errorRate_;
  MetricChart* latency_;
  MetricChart* custom_;
  QComboBox* latencyService_;
  QButtonGroup* ranges_;
  QCheckBox* autoRefresh_;
  QLineEdit* queryEdit_;
  QPushButton* runButton_;
  QPushButton* cancelButton_;
  QLabel* queryError_;
  QTimer* refreshTimer_;
  // The four charts' data lands one chart per frame: each costs the event loop one apply and one
  // paint, instead of every chart of a refresh in a single long pause.
  FramePacer* drawPacer_;
  QAction* refreshAction_;
  QAction* focusQueryAction_;
  QList<quint64> inFlight_;  // the preset charts' loads
  quint64 customCall_ = 0;   // the custom query on its way (0: none); Cancel stops this one only
  qint64 rangeSeconds_ = 3600;
  qint64 customStart_ = 0;
  qint64 customEnd_ = 0;
  int pending_ = 0;
  QHash<MetricChart*, quint64> chartLoads_;  // numbers each chart's loads; older answers are dropped
  bool answered_ = false;
  bool started_ = false;
};

}  // namespace fleetdeck::console
