#include "views/fleet_view.h"

#include <QAction>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSet>
#include <QSpinBox>
#include <QSplitter>
#include <QTimer>
#include <QToolButton>
#include <QTreeView>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <memory>

#include "client/gateway_api.h"
#include "models/display_text.h"
#include "models/fleet_model.h"
#include "views/action_button.h"
#include "views/dialogs.h"
#include "views/metric_queries.h"
#include "views/sparkline_delegate.h"

namespace fleetdeck::console {

FleetView::FleetView(GatewayClient* client, QWidget* parent)
    : ViewPage(parent),
      client_(client),
      model_(new FleetModel(this)),
      tree_(new QTreeView(this)),
      detail_(new QTreeWidget(this)),
      summary_(new QLabel(this)),
      actionStatus_(new QLabel(this)),
      faultsBox_(new QGroupBox(tr("Fault injection (local fleet)"), this)),
      declineRate_(new QDoubleSpinBox(this)),
      failureRate_(new QDoubleSpinBox(this)),
      addedLatency_(new QSpinBox(this)),
      refreshTimer_(new QTimer(this)),
      clockTimer_(new QTimer(this)) {
  setObjectName(QStringLiteral("fleetView"));
  refreshAction_ = new QAction(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("Refresh"), this);
  refreshAction_->setObjectName(QStringLiteral("fleet.refresh"));
  stopAction_ = new QAction(tr("Stop service…"), this);
  stopAction_->setObjectName(QStringLiteral("fleet.stop"));
  startAction_ = new QAction(tr("Start service"), this);
  startAction_->setObjectName(QStringLiteral("fleet.start"));
  applyFaultsAction_ = new QAction(tr("Apply faults"), this);
  applyFaultsAction_->setObjectName(QStringLiteral("fleet.applyFaults"));

  auto* toolbar = new QHBoxLayout;
  summary_->setObjectName(QStringLiteral("fleetSummary"));
  toolbar->addWidget(summary_, 1);
  actionStatus_->setObjectName(QStringLiteral("fleetActionStatus"));
  toolbar->addWidget(actionStatus_);
  for (QAction* action : {stopAction_, startAction_, refreshAction_}) toolbar->addWidget(actionButton(action, this));

  tree_->setObjectName(QStringLiteral("fleetTree"));
  tree_->setModel(model_);
  tree_->setAlternatingRowColors(true);
  tree_->setUniformRowHeights(true);
  tree_->setItemDelegateForColumn(FleetModel::RequestRate, new SparklineDelegate(FleetModel::SparklineRole, tree_));
  tree_->header()->setStretchLastSection(true);
  tree_->header()->resizeSection(FleetModel::Name, 230);
  tree_->header()->resizeSection(FleetModel::Status, 90);
  tree_->header()->resizeSection(FleetModel::Version, 80);
  tree_->header()->resizeSection(FleetModel::Uptime, 100);
  tree_->header()->resizeSection(FleetModel::RequestRate, 120);
  tree_->header()->resizeSection(FleetModel::ErrorRate, 80);
  tree_->header()->resizeSection(FleetModel::P99, 80);
  tree_->header()->resizeSection(FleetModel::LastHeartbeat, 100);

  detail_->setObjectName(QStringLiteral("fleetDetail"));
  detail_->setColumnCount(4);
  detail_->setHeaderLabels({tr("Check"), tr("Status", "readiness check status"), tr("Latency"),
                             // Why a check or the readiness poll failed; on an instance's own row, when it started.
                             tr("Detail", "readiness check detail: its error, or when the instance started")});
  detail_->setRootIsDecorated(true);
  // The check names are short, and their "(not critical)" suffix is what tells a check that only
  // degrades the instance from one that makes it not ready: the column is as wide as its rows,
  // never eliding them (a horizontal scroll bar rather than a cut), whatever the language.
  detail_->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);

  declineRate_->setRange(0, 100);
  declineRate_->setSuffix(QStringLiteral(" %"));
  declineRate_->setObjectName(QStringLiteral("declineRate"));
  failureRate_->setRange(0, 100);
  failureRate_->setSuffix(QStringLiteral(" %"));
  failureRate_->setObjectName(QStringLiteral("failureRate"));
  addedLatency_->setRange(0, 60000);
  addedLatency_->setSingleStep(50);
  addedLatency_->setSuffix(tr(" ms", "milliseconds suffix"));
  addedLatency_->setObjectName(QStringLiteral("addedLatency"));
  auto* faultsForm = new QFormLayout(faultsBox_);
  faultsForm->addRow(tr("Payments declined:"), declineRate_);
  faultsForm->addRow(tr("Payments failing:"), failureRate_);
  faultsForm->addRow(tr("Added latency:"), addedLatency_);
  faultsForm->addRow(QString(), actionButton(applyFaultsAction_, faultsBox_));
  // Why the faults cannot be changed now (payments down): the box stays, disabled, with this line.
  faultsNote_ = new QLabel(faultsBox_);
  faultsNote_->setObjectName(QStringLiteral("faultsNote"));
  faultsNote_->setWordWrap(true);
  faultsNote_->hide();
  faultsForm->addRow(faultsNote_);
  faultsBox_->setObjectName(QStringLiteral("faultsBox"));
  faultsBox_->hide();

  auto* bottom = new QWidget(this);
  auto* bottomLayout = new QHBoxLayout(bottom);
  bottomLayout->setContentsMargins(0, 0, 0, 0);
  bottomLayout->addWidget(detail_, 1);
  bottomLayout->addWidget(faultsBox_);

  auto* splitter = new QSplitter(Qt::Vertical, this);
  splitter->addWidget(tree_);
  splitter->addWidget(bottom);
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 1);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(toolbar);
  layout->addWidget(splitter, 1);

  refreshTimer_->setInterval(15000);
  connect(refreshTimer_, &QTimer::timeout, this, [this] {
    if (isVisible()) refresh();
  });
  clockTimer_->setInterval(5000);
  connect(clockTimer_, &QTimer::timeout, model_, &FleetModel::refreshTimes);
  connect(refreshAction_, &QAction::triggered, this, &FleetView::refresh);
  connect(stopAction_, &QAction::triggered, this, [this] { serviceAction(QStringLiteral("stop")); });
  connect(startAction_, &QAction::triggered, this, [this] { serviceAction(QStringLiteral("start")); });
  connect(applyFaultsAction_, &QAction::triggered, this, &FleetView::applyFaults);
  connect(tree_->selectionModel(), &QItemSelectionModel::currentChanged, this, [this] {
    showDetail();
    updateActions();
  });
  connect(model_, &QAbstractItemModel::modelAboutToBeReset, this, &FleetView::rememberTreeState);
  connect(model_, &QAbstractItemModel::modelReset, this, [this] {
    restoreTreeState();
    showDetail();
    updateActions();
  });
  // A refresh or a stream change may start or stop the selected service: Start and Stop follow, and
  // so do the counts above the tree.
  connect(model_, &QAbstractItemModel::dataChanged, this, [this] {
    showDetail();
    updateActions();
    showSummary();
  });
  updateActions();
}

QString FleetView::title() const { return tr("Fleet"); }
QIcon FleetView::icon() const { return QIcon(QStringLiteral(":/icons/fleet.svg")); }

void FleetView::setRefreshInterval(int seconds) { refreshTimer_->setInterval(qMax(2, seconds) * 1000); }

void FleetView::activate() {
  if (!started_) {
    started_ = true;
    refresh();
  }
  refreshTimer_->start();
  clockTimer_->start();
}

void FleetView::refresh() {
  loadFleet();
  loadStats();
  if (!faultsAvailable_ && !notLocalFleet_) loadFaults();
}

void FleetView::userChanged() {
  // Another user (an admin after an operator) or another gateway: the faults are asked again.
  notLocalFleet_ = false;
  if (started_) loadFaults();
}

void FleetView::setEditable(bool editable) {
  ViewPage::setEditable(editable);
  stopAction_->setVisible(editable);
  startAction_->setVisible(editable);
  applyFaultsAction_->setVisible(editable);
  faultsBox_->setVisible(editable && (faultsAvailable_ || !faultsProblem_.isEmpty()));
  updateActions();
}

QList<QAction*> FleetView::paletteActions() const {
  QList<QAction*> actions{refreshAction_};
  if (isEditable()) actions << stopAction_ << startAction_;
  return actions;
}

void FleetView::loadFleet() {
  if (fleetInFlight_) {
    // The answer on its way may predate what asked for this load (a stream change): load once more.
    reloadWhenLoaded_ = true;
    return;
  }
  fleetInFlight_ = true;
  api::fleet(client_, this, [this](const Result<QVector<FleetService>>& result) {
    fleetInFlight_ = false;
    answered_ = true;
    // Shown even when a load was asked for meanwhile: under a steady stream of changes, throwing
    // each answer away for the next would never show one. The load asked for follows, once.
    showFleet(result);
    if (std::exchange(reloadWhenLoaded_, false)) loadFleet();
  });
}

void FleetView::showFleet(const Result<QVector<FleetService>>& result) {
  if (!result) {
    fleetError_ = model_->services().isEmpty()
                      ? tr("Could not load the fleet: %1").arg(result.error().summary())
                      : tr("Showing older data: the last refresh failed (%1).").arg(result.error().summary());
    showSummary();
    return;
  }
  fleetError_.clear();
  fleetUpdated_ = QDateTime::currentDateTimeUtc();
  model_->setFleet(result.value());
  showSummary();
}

void FleetView::loadStats() {
  if (statsPending_ > 0) return;
  const QDateTime end = QDateTime::currentDateTimeUtc();
  const QDateTime start = end.addSecs(-15 * 60);
  statsPending_ = 3;
  struct Round {
    QHash<QString, ServiceStats> fresh;
    bool rateFailed = false;
    bool errorsFailed = false;
    bool latencyFailed = false;
    QStringList problems;
  };
  auto round = std::make_shared<Round>();
  auto finish = [this, round] {
    if (--statsPending_ > 0) return;
    // A query that failed keeps its columns as they were (said in the summary), instead of blanking them.
    const bool anyFailed = round->rateFailed || round->errorsFailed || round->latencyFailed;
    for (auto it = stats_.cbegin(); anyFailed && it != stats_.cend(); ++it) {
      ServiceStats& stats = round->fresh[it.key()];
      if (round->rateFailed) {
        stats.requestRateHistory = it->requestRateHistory;
        stats.requestRate = it->requestRate;
      }
      if (round->errorsFailed) stats.errorPercent = it->errorPercent;
      if (round->latencyFailed) stats.p99Ms = it->p99Ms;
    }
    stats_ = round->fresh;
    model_->setStats(stats_);
    round->problems.removeDuplicates();
    metricsProblem_ = round->problems.join(QStringLiteral("; "));
    showSummary();
  };
  auto failed = [round](bool& flag, const ApiError& error) {
    flag = true;
    round->problems << error.message;
  };
  constexpr int kStepSeconds = 30;
  api::promQueryRange(client_, queries::requestRateByService(), start, end, kStepSeconds, this,
                      [round, finish, failed, start, end](const Result<PromQueryResult>& result) {
                        if (!result) {
                          failed(round->rateFailed, result.error());
                          finish();
                          return;
                        }
                        // The rate now is the last point only if it is recent: a stopped service's
                        // series ends where it stopped, and its last rate would stand for minutes.
                        const double recentSince = static_cast<double>(end.toMSecsSinceEpoch()) - 2.0 * kStepSeconds * 1000;
                        for (const PromSeries& series : result->series) {
                          ServiceStats& stats = round->fresh[series.metric.value(QStringLiteral("service"))];
                          // With their times: a new or stopped service covers only its part of the
                          // window, and a scrape that is missing shows as a gap.
                          stats.requestRateHistory = Sparkline{series.points, static_cast<double>(start.toMSecsSinceEpoch()),
                                                               static_cast<double>(end.toMSecsSinceEpoch()), kStepSeconds * 1000.0};
                          if (!series.points.isEmpty() && series.points.last().x() >= recentSince) {
                            stats.requestRate = series.points.last().y();
                          }
                        }
                        finish();
                      });
  api::promQuery(client_, queries::errorPercentByService(), end, this, [round, finish, failed](const Result<PromQueryResult>& result) {
    if (!result) {
      failed(round->errorsFailed, result.error());
    } else {
      for (const PromSeries& series : result->series) {
        if (!series.points.isEmpty()) round->fresh[series.metric.value(QStringLiteral("service"))].errorPercent = series.points.last().y();
      }
    }
    finish();
  });
  api::promQuery(client_, queries::latencyMsByService(QStringLiteral("0.99")), end, this,
                 [round, finish, failed](const Result<PromQueryResult>& result) {
                   if (!result) {
                     failed(round->latencyFailed, result.error());
                   } else {
                     for (const PromSeries& series : result->series) {
                       if (!series.points.isEmpty()) round->fresh[series.metric.value(QStringLiteral("service"))].p99Ms = series.points.last().y();
                     }
                   }
                   finish();
                 });
}

void FleetView::showSummary() {
  // Counted from the tree as it is now, so a stream change (an instance going down between two
  // refreshes) is in the counts too, not only in its row.
  QString text = fleetError_;
  if (text.isEmpty() && fleetUpdated_.isValid()) {
    int instances = 0;
    int up = 0;
    QStringList notRunning;  // services without any instance: "5 of 5 instances up" would hide them
    for (const FleetService& service : model_->services()) {
      if (service.instances.isEmpty()) notRunning << service.name;
      for (const FleetInstance& instance : service.instances) {
        ++instances;
        if (instance.status == QLatin1String("up")) ++up;
      }
    }
    text = tr("%n service(s), %1 of %2 instances up.", "", static_cast<int>(model_->services().size())).arg(up).arg(instances);
    if (!notRunning.isEmpty()) {
      text += QLatin1Char(' ') + tr("No instance running: %1.", "services").arg(notRunning.join(QStringLiteral(", ")));
    }
    text += QLatin1Char(' ') + tr("Updated %1.", "the fleet").arg(display::timestamp(fleetUpdated_));
  }
  if (!metricsProblem_.isEmpty()) {
    text += QLatin1Char(' ') +
            tr("Metrics unavailable: %1; requests, errors and p99 show the last values read.").arg(metricsProblem_);
  }
  summary_->setText(text);
}

void FleetView::loadFaults() {
  // The route is for admins: an operator would only be refused.
  if (!isEditable() || faultsInFlight_) return;
  faultsInFlight_ = true;
  api::getFaults(client_, this, [this](const Result<PaymentFaults>& result) {
    faultsInFlight_ = false;
    faultsAvailable_ = result.ok();
    notLocalFleet_ = !result && result.error().httpStatus == 404;
    // Not a local fleet (404) or not an admin: no box. Payments down (or any other failure): the
    // box, disabled, and a line saying why, as the summary says what else is missing.
    faultsProblem_.clear();
    if (!result && !notLocalFleet_ && result.error().httpStatus != 401 && result.error().httpStatus != 403) {
      const ApiError& error = result.error();
      // No answer at all is the gateway's silence, not payments': blaming payments would send the
      // operator to the wrong process.
      if (error.isNetworkFailure()) {
        faultsProblem_ = tr("Faults unavailable: the gateway did not answer (%1).").arg(error.summary());
      } else if (error.httpStatus == 503 || error.httpStatus == 502 || error.httpStatus == 504) {
        faultsProblem_ = tr("Faults unavailable: payments is not running.");
      } else {
        faultsProblem_ = tr("Faults unavailable: %1").arg(error.summary());
      }
    }
    faultsNote_->setText(faultsProblem_);
    faultsNote_->setVisible(!faultsProblem_.isEmpty());
    for (QWidget* input : {static_cast<QWidget*>(declineRate_), static_cast<QWidget*>(failureRate_),
                           static_cast<QWidget*>(addedLatency_)}) {
      input->setEnabled(faultsAvailable_);
    }
    applyFaultsAction_->setEnabled(faultsAvailable_);
    faultsBox_->setVisible(isEditable() && (faultsAvailable_ || !faultsProblem_.isEmpty()));
    if (!result) return;
    declineRate_->setValue(result->declineRate * 100);
    failureRate_->setValue(result->failureRate * 100);
    addedLatency_->setValue(result->addedLatencyMs);
    failureCode_ = result->failureCode;
  });
}

void FleetView::applyFaults() {
  if (!isEditable()) return;
  // The failure code has no control here: sent back as read, so applying rates does not reset it.
  PaymentFaults faults{declineRate_->value() / 100.0, failureRate_->value() / 100.0, addedLatency_->value(),
                       failureCode_};
  api::putFaults(client_, faults, this, [this](const Result<PaymentFaults>& result) {
    if (!result) {
      showError(this, tr("Could not change the faults"), result.error().summary(), result.error().traceId);
      return;
    }
    emit statusMessage(tr("Payments now decline %1 %, fail %2 %, with %3 ms added latency.")
                           .arg(result->declineRate * 100)
                           .arg(result->failureRate * 100)
                           .arg(result->addedLatencyMs));
  });
}

void FleetView::rememberTreeState() {
  const QModelIndex current = tree_->currentIndex();
  const FleetService* service = model_->serviceAt(current);
  const FleetInstance* instance = model_->instanceAt(current);
  keptService_ = service != nullptr ? service->name : QString();
  keptInstance_ = instance != nullptr ? instance->instanceId : QString();
  foldedServices_.clear();
  for (int row = 0; row < model_->rowCount(); ++row) {
    const QModelIndex index = model_->index(row, 0);
    if (!tree_->isExpanded(index)) foldedServices_.insert(model_->serviceAt(index)->name);
  }
}

void FleetView::restoreTreeState() {
  // Services new to the tree open like the first time.
  for (int row = 0; row < model_->rowCount(); ++row) {
    const QModelIndex index = model_->index(row, 0);
    tree_->setExpanded(index, !foldedServices_.contains(model_->serviceAt(index)->name));
  }
  // The instance itself when it is still there; a restarted one has a new id, so its service.
  QModelIndex current = model_->indexOf(keptService_, keptInstance_);
  if (!current.isValid()) current = model_->indexOf(keptService_);
  if (!current.isValid() && model_->rowCount() > 0) current = model_->index(0, 0);
  if (current.isValid()) tree_->setCurrentIndex(current);
}

QString FleetView::selectedService() const {
  const FleetService* service = model_->serviceAt(tree_->currentIndex());
  return service != nullptr ? service->name : QString();
}

void FleetView::updateActions() {
  const FleetService* service = model_->serviceAt(tree_->currentIndex());
  const bool usable = isEditable() && service != nullptr && !serviceActionInFlight_;
  // As the fleet last said: running while an instance serves (up or degraded), stopped when none is
  // registered any more. Instances that are all down may be either (a stopped one the registry still
  // lists, or one running but not ready), so both actions stay and the launcher decides (409).
  bool running = false;
  const bool stopped = service != nullptr && service->instances.isEmpty();
  if (service != nullptr && service->status != QLatin1String("down")) {
    for (const FleetInstance& instance : service->instances) running = running || instance.status != QLatin1String("down");
  }
  stopAction_->setEnabled(usable && !stopped);
  startAction_->setEnabled(usable && !running);
}

void FleetView::serviceAction(const QString& action) {
  const QString service = selectedService();
  if (!isEditable() || service.isEmpty() || serviceActionInFlight_) return;
  auto run = [this, service, action] {
    if (serviceActionInFlight_) return;
    const bool stop = action == QLatin1String("stop");
    // The launcher answers once the service has stopped (or is ready): up to a minute.
    serviceActionInFlight_ = true;
    updateActions();
    const QString progress = stop ? tr("Stopping %1…").arg(service) : tr("Starting %1…").arg(service);
    actionStatus_->setText(progress);
    emit statusMessage(progress);
    api::serviceAction(client_, service, action, this, [this, service, stop](const Result<Done>& result) {
      serviceActionInFlight_ = false;
      updateActions();
      if (!result) {
        actionStatus_->clear();
        showError(this, stop ? tr("Could not stop %1").arg(service) : tr("Could not start %1").arg(service),
                  result.error().httpStatus == 404 ? tr("Services can only be stopped and started on a local fleet.")
                                                   : result.error().summary(),
                  result.error().traceId);
        return;
      }
      const QString outcome = stop ? tr("%1 stopped.").arg(service) : tr("%1 started.").arg(service);
      actionStatus_->setText(outcome);
      emit statusMessage(outcome);
      loadFleet();
    });
  };
  if (action == QLatin1String("stop")) {
    confirmAction(this, tr("Stop service"),
                  tr("Stop every instance of %1? Sagas that need it will retry and then compensate.").arg(service),
                  tr("Stop", "stop a service"), run);
  } else {
    run();
  }
}

namespace {

// Whether `shown` and `fresh` list the same rows (instances, and below each the same checks and
// breakers in the same order), so the shown ones can take the fresh texts in place.
bool sameRows(const QTreeWidget* shown, const QList<QTreeWidgetItem*>& fresh) {
  if (shown->topLevelItemCount() != fresh.size()) return false;
  for (int i = 0; i < fresh.size(); ++i) {
    const QTreeWidgetItem* old = shown->topLevelItem(i);
    if (old->text(0) != fresh[i]->text(0) || old->childCount() != fresh[i]->childCount()) return false;
    for (int child = 0; child < old->childCount(); ++child) {
      if (old->child(child)->text(0) != fresh[i]->child(child)->text(0)) return false;
    }
  }
  return true;
}

void copyCells(const QTreeWidgetItem* from, QTreeWidgetItem* to) {
  for (int column = 0; column < from->columnCount(); ++column) {
    if (to->text(column) != from->text(column)) to->setText(column, from->text(column));
    if (to->foreground(column) != from->foreground(column)) to->setForeground(column, from->foreground(column));
    if (to->toolTip(column) != from->toolTip(column)) to->setToolTip(column, from->toolTip(column));
  }
}

}  // namespace

// Called on every model change, the 5 s clock tick included: rows that are still the same rows take
// their new texts in place, so the operator's scroll position, collapsed instances and selected row
// in the pane survive; only a different set of rows rebuilds it (and even then keeps what it can).
void FleetView::showDetail() {
  const QModelIndex current = tree_->currentIndex();
  QVector<const FleetInstance*> instances;
  if (const FleetInstance* instance = model_->instanceAt(current)) {
    instances.append(instance);
  } else if (const FleetService* service = model_->serviceAt(current)) {
    for (const FleetInstance& instance : service->instances) instances.append(&instance);
  }
  QList<QTreeWidgetItem*> fresh;
  if (const FleetService* service = model_->serviceAt(current); service != nullptr && service->instances.isEmpty()) {
    // Nothing registered: an empty pane would say nothing at all.
    auto* none = new QTreeWidgetItem(QStringList{service->name, display::fleetStatus(service->status), QString(),
                                                 tr("No instance is registered: the service is stopped, or has not started yet.")});
    none->setForeground(1, display::fleetStatusColor(service->status));
    none->setToolTip(3, none->text(3));
    fresh.append(none);
  }
  for (const FleetInstance* instance : instances) {
    auto* top = new QTreeWidgetItem(QStringList{instance->instanceId, display::fleetStatus(instance->status), QString(),
                                                tr("started %1").arg(display::timestamp(instance->startTime))});
    top->setForeground(1, display::fleetStatusColor(instance->status));
    fresh.append(top);
    // Why it is down or degraded: the readiness poll (no answer, not ready), a check that is down,
    // Prometheus failing to scrape it, a breaker that is not closed.
    auto* readiness = new QTreeWidgetItem(top, {tr("Readiness"), display::readinessStatus(instance->readinessStatus),
                                                QString(), instance->readinessError});
    readiness->setToolTip(3, instance->readinessError);  // the column may be too narrow for all of it
    readiness->setForeground(1, display::readinessStatusColor(instance->readinessStatus));
    if (!instance->readinessError.isEmpty()) readiness->setForeground(3, display::fleetStatusColor(QStringLiteral("down")));
    for (const ReadinessCheck& check : instance->checks) {
      const QString name = check.critical ? check.name : tr("%1 (not critical)", "readiness check").arg(check.name);
      auto* item = new QTreeWidgetItem(top, {name, display::fleetStatus(check.status),
                                             tr("%1 ms", "latency").arg(QLocale().toString(check.latencyMs, 'f', 1)), check.error});
      item->setToolTip(0, check.critical ? tr("Critical: the instance is not ready while this check is down.")
                                         : tr("Not critical: the instance stays ready, degraded, while this check is down."));
      item->setToolTip(3, check.error);
      // A check that is down makes the instance not ready when critical, degraded otherwise.
      const QString health = check.status == QLatin1String("up") ? QStringLiteral("up")
                             : check.critical                    ? QStringLiteral("down")
                                                                 : QStringLiteral("degraded");
      item->setForeground(1, display::fleetStatusColor(health));
      if (!check.error.isEmpty()) item->setForeground(3, display::fleetStatusColor(health));
    }
    if (instance->prometheusUp.has_value()) {
      const bool scraped = *instance->prometheusUp;
      auto* item = new QTreeWidgetItem(top, {tr("Prometheus scrape"), display::fleetStatus(scraped ? QStringLiteral("up") : QStringLiteral("down")),
                                             QString(), scraped ? QString() : tr("Prometheus cannot scrape its metrics")});
      item->setForeground(1, display::fleetStatusColor(scraped ? QStringLiteral("up") : QStringLiteral("degraded")));
    }
    for (const Breaker& breaker : instance->breakers) {
      auto* item = new QTreeWidgetItem(top, {tr("breaker → %1").arg(breaker.upstream), display::breakerState(breaker.state)});
      if (breaker.state != QLatin1String("closed")) item->setForeground(1, display::fleetStatusColor(QStringLiteral("degraded")));
    }
  }

  if (sameRows(detail_, fresh)) {
    for (int i = 0; i < fresh.size(); ++i) {
      QTreeWidgetItem* shown = detail_->topLevelItem(i);
      copyCells(fresh[i], shown);
      for (int child = 0; child < shown->childCount(); ++child) copyCells(fresh[i]->child(child), shown->child(child));
    }
    qDeleteAll(fresh);
    return;
  }
  QSet<QString> collapsed;  // instances the operator folded, by id
  for (int i = 0; i < detail_->topLevelItemCount(); ++i) {
    if (!detail_->topLevelItem(i)->isExpanded()) collapsed.insert(detail_->topLevelItem(i)->text(0));
  }
  detail_->clear();
  detail_->addTopLevelItems(fresh);
  for (QTreeWidgetItem* top : fresh) top->setExpanded(!collapsed.contains(top->text(0)));
}

void FleetView::applyChange(const FleetChange& change) {
  // An instance that left, a breaker that moved (its state is in the fleet answer), or an instance we
  // do not know yet (scaled up, restarted with a new id): fetch the whole fleet.
  if (change.removed || !change.kind.isEmpty() || !model_->applyChange(change)) loadFleet();
}

}  // namespace fleetdeck::console
