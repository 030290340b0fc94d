#include "views/metrics_view.h"

#include <QAction>
#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSet>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>
#include <memory>

#include "client/gateway_api.h"
#include "client/gateway_client.h"
#include "models/series_decimation.h"
#include "models/series_preparation.h"
#include "views/frame_pacer.h"
#include "views/metric_chart.h"
#include "views/metric_queries.h"

namespace fleetdeck::console {
namespace {
// Samples asked of Prometheus per series: about the pixel width of a wide chart. Decimation then
// fits them to the chart's actual width.
constexpr int kTargetSamples = 720;
}  // namespace

MetricsView::MetricsView(GatewayClient* client, QWidget* parent)
    : ViewPage(parent),
      client_(client),
      requestRate_(new MetricChart(tr("Request rate"), tr("req/s"), this)),
      errorRate_(new MetricChart(tr("Error rate"), tr("%", "percent unit"), this)),
      latency_(new MetricChart(tr("Latency"), tr("ms", "milliseconds unit"), this)),
      custom_(new MetricChart(tr("Custom query"), QString(), this)),
      latencyService_(new QComboBox(this)),
      ranges_(new QButtonGroup(this)),
      autoRefresh_(new QCheckBox(tr("Auto refresh"), this)),
      queryEdit_(new QLineEdit(this)),
      runButton_(new QPushButton(tr("Run"), this)),
      cancelButton_(new QPushButton(tr("Cancel"), this)),
      queryError_(new QLabel(this)),
      refreshTimer_(new QTimer(this)),
      drawPacer_(new FramePacer(this)) {
  setObjectName(QStringLiteral("metricsView"));
  requestRate_->setObjectName(QStringLiteral("requestRateChart"));
  errorRate_->setObjectName(QStringLiteral("errorRateChart"));
  latency_->setObjectName(QStringLiteral("latencyChart"));
  custom_->setObjectName(QStringLiteral("customChart"));

  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel(tr("Range:"), this));
  const QList<QPair<QString, qint64>> rangeChoices = {{tr("5m", "5 minutes range"), 300},
                                                      {tr("1h", "1 hour range"), 3600},
                                                      {tr("6h", "6 hours range"), 21600},
                                                      {tr("24h", "24 hours range"), 86400}};
  for (const auto& [label, seconds] : rangeChoices) {
    auto* button = new QToolButton(this);
    button->setText(label);
    button->setCheckable(true);
    button->setObjectName(QStringLiteral("range%1").arg(seconds));
    ranges_->addButton(button, static_cast<int>(seconds));
    top->addWidget(button);
  }
  ranges_->button(3600)->setChecked(true);
  top->addSpacing(12);
  autoRefresh_->setChecked(true);
  top->addWidget(autoRefresh_);
  top->addStretch(1);
  top->addWidget(new QLabel(tr("Latency of:"), this));
  latencyService_->setObjectName(QStringLiteral("latencyService"));
  latencyService_->addItem(tr("All services"), QString());
  latencyService_->setMinimumContentsLength(12);
  top->addWidget(latencyService_);

  custom_->setMessage(tr("Type a PromQL query below and press Run."));
  queryEdit_->setObjectName(QStringLiteral("promqlEdit"));
  queryEdit_->setPlaceholderText(tr("PromQL, e.g. sum by (service) (rate(fleetdeck_requests_total[5m]))"));
  queryEdit_->setClearButtonEnabled(true);
  queryError_->setObjectName(QStringLiteral("promqlError"));
  queryError_->setStyleSheet(QStringLiteral("color: #d13d3d;"));
  queryError_->setWordWrap(true);
  queryError_->hide();
  cancelButton_->hide();
  auto* queryRow = new QHBoxLayout;
  queryRow->addWidget(new QLabel(tr("PromQL:"), this));
  queryRow->addWidget(queryEdit_, 1);
  queryRow->addWidget(runButton_);
  queryRow->addWidget(cancelButton_);

  auto* grid = new QGridLayout;
  grid->addWidget(requestRate_, 0, 0);
  grid->addWidget(errorRate_, 0, 1);
  grid->addWidget(latency_, 1, 0);
  grid->addWidget(custom_, 1, 1);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addLayout(grid, 1);
  layout->addLayout(queryRow);
  layout->addWidget(queryError_);

  refreshAction_ = new QAction(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("Refresh charts"), this);
  refreshAction_->setObjectName(QStringLiteral("metrics.refresh"));
  focusQueryAction_ = new QAction(tr("Run a PromQL query"), this);
  focusQueryAction_->setObjectName(QStringLiteral("metrics.query"));

  for (MetricChart* chart : {requestRate_, errorRate_, latency_, custom_}) chart->setPacer(drawPacer_);
  connect(requestRate_, &MetricChart::seriesShown, this, &MetricsView::addLatencyServices);
  // Failed queries are reported where they were asked: on a preset chart, under the PromQL box.
  for (MetricChart* chart : {requestRate_, errorRate_, latency_}) {
    connect(chart, &MetricChart::seriesShown, this, [chart] {
      if (!chart->errors().isEmpty()) chart->setMessage(tr("Query failed: %1").arg(chart->errors().join(QStringLiteral("; "))));
    });
  }
  connect(custom_, &MetricChart::seriesShown, this, [this] {
    if (custom_->errors().isEmpty()) {
      // Still nothing asked: the hint, not "No data in this range."
      if (custom_->series().isEmpty() && queryEdit_->text().trimmed().isEmpty()) {
        custom_->setMessage(tr("Type a PromQL query below and press Run."));
      }
      return;
    }
    queryError_->setText(custom_->errors().join(QStringLiteral("; ")));
    queryError_->show();
  });
  refreshTimer_->setInterval(15000);
  connect(refreshTimer_, &QTimer::timeout, this, [this] {
    // A tick while the last round is still out lets it finish: cancelling it every time would keep
    // the charts from ever changing when Prometheus answers slower than the interval.
    if (isVisible() && autoRefresh_->isChecked() && pending_ == 0) refresh();
  });
  connect(ranges_, &QButtonGroup::idClicked, this, [this](int seconds) { setRangeSeconds(seconds); });
  connect(latencyService_, &QComboBox::currentIndexChanged, this, [this] {
    const QDateTime end = QDateTime::currentDateTimeUtc();
    loadLatency(end.addSecs(-rangeSeconds_), end);
  });
  connect(runButton_, &QPushButton::clicked, this, [this] {
    customStart_ = customEnd_ = 0;
    runCustom();
  });
  connect(queryEdit_, &QLineEdit::returnPressed, runButton_, &QPushButton::click);
  connect(cancelButton_, &QPushButton::clicked, this, &MetricsView::cancelCustom);
  connect(refreshAction_, &QAction::triggered, this, &MetricsView::refresh);
  connect(focusQueryAction_, &QAction::triggered, this, [this] {
    queryEdit_->setFocus();
    queryEdit_->selectAll();
  });
}

QString MetricsView::title() const { return tr("Metrics"); }
QIcon MetricsView::icon() const { return QIcon(QStringLiteral(":/icons/metrics.svg")); }
QList<QAction*> MetricsView::paletteActions() const { return {refreshAction_, focusQueryAction_}; }

void MetricsView::setRefreshInterval(int seconds) { refreshTimer_->setInterval(qMax(2, seconds) * 1000); }

void MetricsView::setDark(bool dark) {
  for (MetricChart* chart : {requestRate_, errorRate_, latency_, custom_}) chart->setDark(dark);
}

void MetricsView::setRangeSeconds(qint64 seconds) {
  rangeSeconds_ = seconds;
  if (QAbstractButton* button = ranges_->button(static_cast<int>(seconds))) button->setChecked(true);
  customStart_ = customEnd_ = 0;
  refresh();
}

void MetricsView::activate() {
  if (!started_) {
    started_ = true;
    refresh();
  }
  refreshTimer_->start();
}

void MetricsView::refresh() {
  // A refresh replaces whatever is still in flight: no pile-up when Prometheus is slow.
  for (quint64 id : std::as_const(inFlight_)) client_->cancel(id);
  inFlight_.clear();
  // A custom query cancelled here never calls back to give Run back; runCustom() below takes it
  // again if the box still holds a query.
  cancelCustom();
  pending_ = 0;
  const QDateTime end = QDateTime::currentDateTimeUtc();
  const QDateTime start = end.addSecs(-rangeSeconds_);
  load(requestRate_, {{queries::requestRateByService(), QString()}}, start, end);
  load(errorRate_, {{queries::errorPercentByService(), QString()}}, start, end);
  loadLatency(start, end);
  if (!queryEdit_->text().trimmed().isEmpty()) {
    runCustom();
  } else if (custom_->series().isEmpty() && custom_->errors().isEmpty()) {
    // No query yet: the empty chart's time axis follows the range as the charts beside it do (it
    // kept the hour before the page first opened, whatever range was chosen).
    custom_->setSeries({}, start, end);
  }
}

void MetricsView::loadLatency(const QDateTime& start, const QDateTime& end) {
  const QString service = latencyService_->currentData().toString();
  QList<QPair<QString, QString>> queries;
  for (const QString& quantile : {QStringLiteral("0.5"), QStringLiteral("0.95"), QStringLiteral("0.99")}) {
    QString query = queries::latencyMsByService(quantile);
    if (!service.isEmpty()) {
      query.replace(QStringLiteral("fleetdeck_request_duration_seconds_bucket[1m]"),
                    QStringLiteral("fleetdeck_request_duration_seconds_bucket{service=\"%1\"}[1m]").arg(service));
    } else {
      query.replace(QStringLiteral("sum by (service, le)"), QStringLiteral("sum by (le)"));
    }
    queries.append({query, QStringLiteral("p%1").arg(QString::number(quantile.toDouble() * 100))});
  }
  latency_->setTitle(service.isEmpty() ? tr("Latency p50/p95/p99, all services")
                                       : tr("Latency p50/p95/p99, %1").arg(service));
  load(latency_, queries, start, end);
}

void MetricsView::load(MetricChart* chart, const QList<QPair<QString, QString>>& queries, const QDateTime& start,
                       const QDateTime& end) {
  const int step = stepForRange(start.secsTo(end), kTargetSamples);
  // The answers stay unparsed bodies here: the chart parses and fits them on its worker thread. They
  // are kept in query order, so p50/p95/p99 keep their colours whichever answer comes first.
  auto answers = std::make_shared<QList<QueryAnswer>>(queries.size());
  auto remaining = std::make_shared<int>(static_cast<int>(queries.size()));
  // Only the chart's newest load is drawn: the answers of an earlier one (another service chosen
  // meanwhile) would otherwise land under the new title.
  const quint64 generation = ++chartLoads_[chart];
  for (int index = 0; index < queries.size(); ++index) {
    const auto& [query, label] = queries[index];
    ++pending_;
    const quint64 id = api::promQueryRangeBody(
        client_, query, start, end, step, this,
        [this, chart, answers, remaining, index, label = label, start, end, step, generation](const Result<QByteArray>& result) {
          --pending_;
          answered_ = true;
          QueryAnswer& answer = (*answers)[index];
          answer.quantileLabel = label;
          answer.stepSeconds = step;
          if (result) {
            answer.body = result.value();
          } else {
            answer.error = result.error().message;
          }
          if (--*remaining > 0 || generation != chartLoads_.value(chart)) return;
          chart->setAnswers(*answers, start, end);
        });
    inFlight_.append(id);
  }
}

void MetricsView::addLatencyServices() {
  // The services seen in the request-rate chart feed the latency selector.
  QSet<QString> known;
  for (int i = 1; i < latencyService_->count(); ++i) known.insert(latencyService_->itemData(i).toString());
  for (const PromSeries& series : requestRate_->series()) {
    const QString service = series.metric.value(QStringLiteral("service"));
    if (!service.isEmpty() && !known.contains(service)) {
      latencyService_->addItem(service, service);
      known.insert(service);
    }
  }
}

bool MetricsView::isReady() const {
  const bool drawing = requestRate_->isPreparing() || errorRate_->isPreparing() || latency_->isPreparing() ||
                       custom_->isPreparing();
  return pending_ == 0 && answered_ && !drawing;
}

void MetricsView::runQuery(const QString& query, qint64 startSecs, qint64 endSecs) {
  queryEdit_->setText(query);
  customStart_ = startSecs;
  customEnd_ = endSecs;
  runCustom();
}

void MetricsView::runCustom() {
  const QString query = queryEdit_->text().trimmed();
  if (query.isEmpty()) return;
  queryError_->hide();
  const QDateTime end = customEnd_ > 0 ? QDateTime::fromSecsSinceEpoch(customEnd_, Qt::UTC) : QDateTime::currentDateTimeUtc();
  const QDateTime start = customStart_ > 0 ? QDateTime::fromSecsSinceEpoch(customStart_, Qt::UTC) : end.addSecs(-rangeSeconds_);
  custom_->setTitle(query.size() > 60 ? query.left(57) + QStringLiteral("…") : query);
  cancelCustom();  // a query still on its way is replaced by this one
  runButton_->setEnabled(false);
  cancelButton_->show();
  ++pending_;
  const int step = stepForRange(start.secsTo(end), kTargetSamples);
  customCall_ = api::promQueryRangeBody(client_, query, start, end, step, this,
                                        [this, start, end, step](const Result<QByteArray>& result) {
                                          --pending_;
                                          customCall_ = 0;
                                          answered_ = true;
                                          cancelButton_->hide();
                                          runButton_->setEnabled(true);
                                          // A failure goes through the chart too: the title names this query
                                          // now, so the lines of the one before must go (and the hint to type
                                          // a query), and the chart reports it under the PromQL box.
                                          QueryAnswer answer{{}, {}, {}, step};
                                          if (result) {
                                            answer.body = result.value();
                                          } else {
                                            answer.error = result.error().message;
                                          }
                                          custom_->setAnswers({answer}, start, end);
                                        });
}

void MetricsView::cancelCustom() {
  // The preset charts' loads go on: each keeps its own data coming.
  if (customCall_ != 0) {
    client_->cancel(customCall_);  // a cancelled call never calls back
    customCall_ = 0;
    --pending_;
  }
  cancelButton_->hide();
  runButton_->setEnabled(true);
}

}  // namespace fleetdeck::console
