#include "views/alerts_view.h"

#include <QAction>
#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>
#include <memory>
#include <optional>

#include "client/gateway_api.h"
#include "models/alerts_model.h"
#include "models/display_text.h"
#include "views/dialogs.h"
#include "views/list_table.h"

namespace fleetdeck::console {

AlertsView::AlertsView(GatewayClient* client, QWidget* parent)
    : ViewPage(parent),
      client_(client),
      model_(new AlertsModel(this)),
      proxy_(new QSortFilterProxyModel(this)),
      stateFilter_(new QComboBox(this)),
      table_(new QTableView(this)),
      detail_(new QLabel(this)),
      statusLine_(new QLabel(this)),
      refreshTimer_(new QTimer(this)) {
  setObjectName(QStringLiteral("alertsView"));
  stateFilter_->addItem(tr("Firing and pending"), QString());
  stateFilter_->addItem(display::alertState(QStringLiteral("firing")), QStringLiteral("firing"));
  stateFilter_->addItem(display::alertState(QStringLiteral("pending")), QStringLiteral("pending"));
  proxy_->setSourceModel(model_);
  proxy_->setFilterKeyColumn(AlertsModel::State);
  proxy_->setFilterRole(AlertsModel::RawValueRole);

  refreshAction_ = new QAction(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("Refresh"), this);
  refreshAction_->setObjectName(QStringLiteral("alerts.refresh"));
  chartAction_ = new QAction(tr("Chart the rule's expression"), this);
  chartAction_->setObjectName(QStringLiteral("alerts.chart"));
  sagasAction_ = new QAction(tr("Sagas of that time"), this);
  sagasAction_->setObjectName(QStringLiteral("alerts.sagas"));
  ordersAction_ = new QAction(tr("Orders of that time"), this);
  ordersAction_->setObjectName(QStringLiteral("alerts.orders"));
  acknowledgeAction_ = new QAction(tr("Acknowledge…", "alert"), this);
  acknowledgeAction_->setObjectName(QStringLiteral("alerts.acknowledge"));
  acknowledgeAction_->setToolTip(tr("Tell the other operators that someone is on this alert"));
  withdrawAction_ = new QAction(tr("Withdraw acknowledgement"), this);
  withdrawAction_->setObjectName(QStringLiteral("alerts.withdrawAcknowledgement"));

  auto* top = new QHBoxLayout;
  top->addWidget(stateFilter_);
  top->addStretch(1);
  // A tool bar, not a row of buttons: the six labels are wider than a 1024-pixel screen leaves the
  // page, and a tool bar moves the ones that do not fit into its » menu instead of widening the window.
  auto* actions = new QToolBar(this);
  actions->setObjectName(QStringLiteral("alertsActions"));
  actions->setToolButtonStyle(Qt::ToolButtonTextOnly);
  actions->setMovable(false);
  actions->setFloatable(false);
  actions->setStyleSheet(QStringLiteral("QToolBar { border: none; background: transparent; }"));
  actions->addActions({acknowledgeAction_, withdrawAction_, chartAction_, sagasAction_, ordersAction_, refreshAction_});
  top->addWidget(actions, 0, Qt::AlignRight);

  table_->setObjectName(QStringLiteral("alertsTable"));
  table_->setModel(proxy_);
  // The summary says what is wrong: it is the last column, stretched, and shareColumnWidths() gives it
  // what the others leave (the widest column at 1024 px and up; in a narrower window Acknowledged and
  // Labels keep their 80 px floor). With fixed widths (980 px for the others) it had 100 px at 1280 x 800 and ran off the
  // table at 1024 x 700. The name and the three short columns take what their texts need, in any
  // language and font.
  setUpListTable(table_, {});
  auto* header = table_->horizontalHeader();
  for (int column = AlertsModel::Name; column <= AlertsModel::Since; ++column) header->setSectionResizeMode(column, QHeaderView::ResizeToContents);
  // Queued: the header resizes its sections to their contents one by one, and says so for each.
  connect(
      header, &QHeaderView::sectionResized, this, [this](int column) {
        if (column <= AlertsModel::Since) shareColumnWidths();
      },
      Qt::QueuedConnection);
  table_->viewport()->installEventFilter(this);
  detail_->setObjectName(QStringLiteral("alertDetail"));
  detail_->setWordWrap(true);
  detail_->setTextFormat(Qt::RichText);
  detail_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  detail_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  detail_->setMinimumHeight(90);

  auto* splitter = new QSplitter(Qt::Vertical, this);
  splitter->addWidget(table_);
  splitter->addWidget(detail_);
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(splitter, 1);
  statusLine_->setObjectName(QStringLiteral("alertsStatus"));
  layout->addWidget(statusLine_);

  refreshTimer_->setInterval(15000);
  connect(refreshTimer_, &QTimer::timeout, this, [this] {
    if (isVisible()) refresh();
  });
  connect(stateFilter_, &QComboBox::currentIndexChanged, this, [this] {
    const QString state = stateFilter_->currentData().toString();
    proxy_->setFilterRegularExpression(state.isEmpty() ? QString() : QStringLiteral("^%1$").arg(state));
  });
  connect(refreshAction_, &QAction::triggered, this, &AlertsView::refresh);
  connect(chartAction_, &QAction::triggered, this, &AlertsView::chartSelected);
  connect(table_, &QTableView::doubleClicked, this, &AlertsView::chartSelected);
  connect(sagasAction_, &QAction::triggered, this, [this] { openWindow(QStringLiteral("sagas")); });
  connect(ordersAction_, &QAction::triggered, this, [this] { openWindow(QStringLiteral("orders")); });
  connect(acknowledgeAction_, &QAction::triggered, this, &AlertsView::acknowledgeSelected);
  connect(withdrawAction_, &QAction::triggered, this, &AlertsView::withdrawSelectedAcknowledgement);
  connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &AlertsView::showDetail);
  connect(model_, &QAbstractItemModel::modelReset, this, &AlertsView::showDetail);
  // A stream event can change the selected alert (an acknowledgement from another console).
  connect(model_, &QAbstractItemModel::dataChanged, this, [this] {
    showDetail();
    showCounts();
  });
  connect(model_, &AlertsModel::rowsInserted, this, &AlertsView::showCounts);
  // The last alert resolving empties the table: the line must not keep counting it.
  connect(model_, &AlertsModel::rowsRemoved, this, &AlertsView::showCounts);
  connect(model_, &QAbstractItemModel::modelReset, this, &AlertsView::showCounts);
  showDetail();
}

bool AlertsView::eventFilter(QObject* watched, QEvent* event) {
  if (watched == table_->viewport() && event->type() == QEvent::Resize) shareColumnWidths();
  return ViewPage::eventFilter(watched, event);
}

void AlertsView::shareColumnWidths() {
  int shortColumns = 0;
  for (int column = AlertsModel::Name; column <= AlertsModel::Since; ++column) shortColumns += table_->columnWidth(column);
  // With the demo's alerts, 1280 x 800: Acknowledged and Labels 143 px each, the summary 430; 1024 x 700:
  // 92 each and 276.
  const int side = qBound(80, (table_->viewport()->width() - shortColumns) / 5, 220);
  table_->horizontalHeader()->resizeSection(AlertsModel::Acknowledged, side);
  table_->horizontalHeader()->resizeSection(AlertsModel::Labels, side);
}

QString AlertsView::title() const { return tr("Alerts"); }
QIcon AlertsView::icon() const { return QIcon(QStringLiteral(":/icons/alerts.svg")); }
QList<QAction*> AlertsView::paletteActions() const {
  return {refreshAction_, acknowledgeAction_, withdrawAction_, chartAction_, sagasAction_, ordersAction_};
}

void AlertsView::setRefreshInterval(int seconds) { refreshTimer_->setInterval(qMax(2, seconds) * 1000); }

void AlertsView::activate() {
  if (!started_) {
    started_ = true;
    refresh();
  }
  refreshTimer_->start();
}

void AlertsView::userChanged() {
  if (started_) loadRules();
}

namespace {

// `list` with each of `events` (oldest first) put in place of the alert it names; a resolved one
// stays in the list for setAlerts() to leave out.
QVector<PromAlert> withEvents(QVector<PromAlert> list, const QVector<PromAlert>& events) {
  for (const PromAlert& event : events) {
    const QString key = event.key();
    list.removeIf([&key](const PromAlert& alert) { return alert.key() == key; });
    list.append(event);
  }
  return list;
}

}  // namespace

void AlertsView::refresh() {
  if (!rulesLoaded_) loadRules();
  if (refreshInFlight_) {
    refreshAgain_ = true;
    return;
  }
  refreshInFlight_ = true;
  eventsDuringRefresh_.clear();
  // The list and the acknowledgements are fetched side by side and joined once both have answered.
  struct Answers {
    std::optional<Result<QVector<PromAlert>>> alerts;
    std::optional<Result<QVector<AlertAcknowledgement>>> acknowledgements;
  };
  auto answers = std::make_shared<Answers>();
  auto join = [this, answers, changesBefore = acknowledgementChanges_] {
    if (!answers->alerts || !answers->acknowledgements) return;
    refreshInFlight_ = false;
    answered_ = true;
    const QVector<PromAlert> events = std::exchange(eventsDuringRefresh_, {});
    const Result<QVector<PromAlert>>& alerts = *answers->alerts;
    if (!alerts) {
      statusLine_->setText(model_->rowCount() > 0
                               ? tr("Showing older data: the last refresh failed (%1).").arg(alerts.error().summary())
                               : tr("Could not load alerts: %1").arg(alerts.error().summary()));
    } else {
      const Result<QVector<AlertAcknowledgement>>& acknowledgements = *answers->acknowledgements;
      // Without them the alerts keep the acknowledgements already shown (from the stream or earlier);
      // so they do when one changed while this refresh was on its way.
      acknowledgementsError_ = acknowledgements ? QString() : acknowledgements.error().message;
      const bool current = acknowledgements && changesBefore == acknowledgementChanges_;
      const PromAlert* selectedAlert = selected();
      const QString selectedKey = selectedAlert != nullptr ? selectedAlert->key() : QString();
      model_->setAlerts(withEvents(alerts.value(), events), current ? std::optional(acknowledgements.value()) : std::nullopt);
      showCounts();
      if (!selectedKey.isEmpty()) selectAlert(selectedKey);
      if (!table_->currentIndex().isValid() && proxy_->rowCount() > 0) table_->selectRow(0);
    }
    // Asked for while this one was on its way: once more, after this answer is shown.
    if (std::exchange(refreshAgain_, false)) refresh();
  };
  api::alerts(client_, this, [answers, join](const Result<QVector<PromAlert>>& result) {
    answers->alerts.emplace(result);
    join();
  });
  api::alertAcknowledgements(client_, this, [answers, join](const Result<QVector<AlertAcknowledgement>>& result) {
    answers->acknowledgements.emplace(result);
    join();
  });
}

void AlertsView::showCounts() {
  if (model_->rowCount() == 0) {
    statusLine_->setText(tr("No alerts are firing or pending."));
    return;
  }
  QString text = tr("%n alert(s) firing.", "", model_->firingCount());
  // Pending ones too: "0 alerts firing." under a table of pending alerts read as an empty table.
  if (const int pending = model_->pendingCount(); pending > 0) {
    text += QLatin1Char(' ') + tr("%n pending.", "alerts", pending);
  }
  if (const int acknowledged = model_->acknowledgedCount(); acknowledged > 0) {
    text += QLatin1Char(' ') + tr("%n acknowledged.", "alerts", acknowledged);
  }
  if (!acknowledgementsError_.isEmpty()) {
    text += QLatin1Char(' ') + tr("Acknowledgements could not be loaded: %1").arg(acknowledgementsError_);
  }
  statusLine_->setText(text);
}

void AlertsView::selectAlert(const QString& key) {
  const int row = model_->rowOf(key);
  if (row < 0) return;
  const QModelIndex index = proxy_->mapFromSource(model_->index(row, 0));
  if (index.isValid()) table_->selectRow(index.row());
}

void AlertsView::loadRules() {
  if (rulesInFlight_) return;
  rulesInFlight_ = true;
  api::rules(client_, this, [this](const Result<QVector<PromRule>>& result) {
    rulesInFlight_ = false;
    if (!result) return;  // the expressions known so far stay; the next refresh asks again
    rulesLoaded_ = true;
    expressions_.clear();
    for (const PromRule& rule : result.value()) {
      if (rule.type == QLatin1String("alerting")) expressions_.insert(rule.name, rule.query);
    }
    showDetail();
  });
}

void AlertsView::applyAlert(const PromAlert& alert) {
  ++acknowledgementChanges_;
  if (refreshInFlight_) eventsDuringRefresh_.append(alert);
  model_->applyAlert(alert);
}

const PromAlert* AlertsView::selected() const {
  const QModelIndex current = proxy_->mapToSource(table_->currentIndex());
  return current.isValid() ? &model_->alert(current.row()) : nullptr;
}

void AlertsView::showDetail() {
  const PromAlert* alert = selected();
  chartAction_->setEnabled(alert != nullptr && expressions_.contains(alert->name));
  sagasAction_->setEnabled(alert != nullptr);
  ordersAction_->setEnabled(alert != nullptr);
  acknowledgeAction_->setEnabled(alert != nullptr && !alert->acknowledgement && !acknowledgementInFlight_);
  withdrawAction_->setEnabled(alert != nullptr && alert->acknowledgement && !acknowledgementInFlight_);
  if (alert == nullptr) {
    detail_->setText(model_->rowCount() == 0
                         ? tr("Nothing is firing. When an alert fires, select it here to see its details, "
                              "chart its rule and open the sagas and orders of its time.")
                         : tr("Select an alert to see its details."));
    return;
  }
  QString html = QStringLiteral("<b style=\"color:%1\">%2</b> — %3 %4<br>")
                     .arg(display::severityColor(alert->severity).name(), alert->name.toHtmlEscaped(),
                          display::alertState(alert->state), display::age(alert->activeAt));
  if (alert->acknowledgement) {
    html += tr("Acknowledged %1").arg(AlertsModel::acknowledgementText(*alert->acknowledgement)).toHtmlEscaped() +
            QStringLiteral("<br>");
  }
  for (auto it = alert->annotations.cbegin(); it != alert->annotations.cend(); ++it) {
    html += QStringLiteral("<i>%1</i>: %2<br>").arg(it.key().toHtmlEscaped(), it.value().toHtmlEscaped());
  }
  html += tr("Labels: %1").arg(alert->labelsText().toHtmlEscaped());
  if (const QString expression = expressions_.value(alert->name); !expression.isEmpty()) {
    html += QStringLiteral("<br>") + tr("Expression: <code>%1</code>").arg(expression.toHtmlEscaped());
  }
  detail_->setText(html);
}

QPair<QDateTime, QDateTime> AlertsView::alertWindow(const PromAlert& alert) {
  // From a while before the alert became active until now; at least 15 minutes, an hour when the
  // start is unknown.
  const QDateTime end = QDateTime::currentDateTimeUtc();
  QDateTime start = alert.activeAt.isValid() ? alert.activeAt.addSecs(-15 * 60) : end.addSecs(-3600);
  if (start.secsTo(end) < 15 * 60) start = end.addSecs(-15 * 60);
  return {start, end};
}

void AlertsView::chartSelected() {
  const PromAlert* alert = selected();
  if (alert == nullptr) return;
  const QString expression = expressions_.value(alert->name);
  if (expression.isEmpty()) return;
  const auto [start, end] = alertWindow(*alert);
  emit openMetricsRequested(expression, start.toSecsSinceEpoch(), end.toSecsSinceEpoch());
}

void AlertsView::openWindow(const QString& pageKey) {
  const PromAlert* alert = selected();
  if (alert == nullptr) return;
  const auto [start, end] = alertWindow(*alert);
  emit openWindowRequested(pageKey, start, end);
}

void AlertsView::acknowledgeSelected() {
  const PromAlert* alert = selected();
  if (alert == nullptr || alert->acknowledgement || acknowledgementInFlight_) return;
  const PromAlert target = *alert;
  QInputDialog* dialog = askOptionalText(
      this, tr("Acknowledge %1").arg(target.name),
      tr("What are you doing about it? (optional, at most %n characters)", "", api::kAlertCommentMaxLength),
      api::kAlertCommentMaxLength, [this, target](const QString& comment) { acknowledge(target, comment); });
  dialog->setObjectName(QStringLiteral("acknowledgeDialog"));
}

void AlertsView::acknowledge(const PromAlert& alert, const QString& comment) {
  acknowledgementInFlight_ = true;
  showDetail();
  api::acknowledgeAlert(client_, alert, comment, this,
                        [this, key = alert.key(), name = alert.name](const Result<AlertAcknowledgement>& result) {
                          acknowledgementInFlight_ = false;
                          if (!result) {
                            const bool resolved = result.error().httpStatus == 404;
                            showError(this, tr("Could not acknowledge %1").arg(name),
                                      resolved ? tr("%1 is no longer active.").arg(name) : result.error().summary(),
                                      result.error().traceId);
                            showDetail();
                            if (resolved) refresh();
                            return;
                          }
                          // The stream sends the alert again with it; this shows it at once, and while
                          // the stream is down.
                          ++acknowledgementChanges_;
                          model_->setAcknowledgement(key, result.value());
                          emit statusMessage(tr("Acknowledged %1.").arg(name));
                          showDetail();
                        });
}

void AlertsView::withdrawSelectedAcknowledgement() {
  const PromAlert* alert = selected();
  if (alert == nullptr || !alert->acknowledgement || acknowledgementInFlight_) return;
  acknowledgementInFlight_ = true;
  showDetail();
  api::unacknowledgeAlert(client_, *alert, this,
                          [this, key = alert->key(), name = alert->name](const Result<Done>& result) {
                            acknowledgementInFlight_ = false;
                            if (!result) {
                              showError(this, tr("Could not withdraw the acknowledgement of %1").arg(name),
                                        result.error().summary(), result.error().traceId);
                              showDetail();
                              return;
                            }
                            ++acknowledgementChanges_;
                            model_->setAcknowledgement(key, std::nullopt);
                            emit statusMessage(tr("Withdrew the acknowledgement of %1.").arg(name));
                            showDetail();
                          });
}

}  // namespace fleetdeck::console
