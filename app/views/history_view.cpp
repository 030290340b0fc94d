#include "views/history_view.h"

#include <QAction>
#include <QCheckBox>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSlider>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "client/gateway_api.h"
#include "models/display_text.h"
#include "models/order_events_model.h"
#include "models/state_diff_model.h"
#include "views/dialogs.h"
#include "views/list_table.h"

namespace fleetdeck::console {

HistoryView::HistoryView(GatewayClient* client, QWidget* parent)
    : ViewPage(parent),
      client_(client),
      events_(new OrderEventsModel(this)),
      diff_(new StateDiffModel(this)),
      diffFilter_(new QSortFilterProxyModel(this)),
      orderEdit_(new QLineEdit(this)),
      slider_(new QSlider(Qt::Horizontal, this)),
      versionBox_(new QSpinBox(this)),
      versionLabel_(new QLabel(this)),
      onlyChanged_(new QCheckBox(tr("Only changed fields"), this)),
      eventsTable_(new QTableView(this)),
      diffTable_(new QTableView(this)),
      rebuildButton_(new QPushButton(tr("Rebuild orders projection"), this)),
      stopWatchingButton_(new QPushButton(tr("Stop watching"), this)),
      rebuildProgress_(new QProgressBar(this)),
      rebuildStatus_(new QLabel(this)),
      rebuildDifferences_(new QTreeWidget(this)),
      versionDelay_(new QTimer(this)),
      rebuildPoll_(new QTimer(this)) {
  setObjectName(QStringLiteral("historyView"));
  orderEdit_->setObjectName(QStringLiteral("historyOrderEdit"));
  orderEdit_->setPlaceholderText(tr("Order id"));
  orderEdit_->setClearButtonEnabled(true);
  auto* loadButton = new QPushButton(tr("Load history"), this);
  slider_->setObjectName(QStringLiteral("versionSlider"));
  slider_->setTickPosition(QSlider::TicksBelow);
  slider_->setPageStep(1);
  slider_->setEnabled(false);
  versionBox_->setObjectName(QStringLiteral("versionSpin"));
  versionBox_->setPrefix(tr("v", "version prefix"));
  versionBox_->setEnabled(false);
  versionLabel_->setObjectName(QStringLiteral("versionLabel"));
  versionLabel_->setText(tr("Enter an order id and press Load history, or open one from Orders with Event history."));
  onlyChanged_->setObjectName(QStringLiteral("onlyChangedFields"));

  diffFilter_->setSourceModel(diff_);
  diffFilter_->setFilterRole(StateDiffModel::ChangedRole);
  diffTable_->setObjectName(QStringLiteral("stateDiffTable"));
  diffTable_->setModel(diffFilter_);
  diffTable_->verticalHeader()->hide();
  diffTable_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  diffTable_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  diffTable_->setWordWrap(false);
  diffTable_->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
  diffTable_->setAlternatingRowColors(true);

  eventsTable_->setObjectName(QStringLiteral("historyEvents"));
  eventsTable_->setModel(events_);
  setUpListTable(eventsTable_, {{OrderEventsModel::Version, 60}, {OrderEventsModel::Type, 150}, {OrderEventsModel::Time, 120}},
                 ListRows::Tight);

  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel(tr("Order:"), this));
  top->addWidget(orderEdit_, 1);
  top->addWidget(loadButton);
  auto* stepper = new QHBoxLayout;
  auto* previous = new QPushButton(QStringLiteral("◀"), this);
  previous->setToolTip(tr("Previous version"));
  previous->setShortcut(QKeySequence(Qt::ALT | Qt::Key_Left));
  auto* next = new QPushButton(QStringLiteral("▶"), this);
  next->setToolTip(tr("Next version"));
  next->setShortcut(QKeySequence(Qt::ALT | Qt::Key_Right));
  stepper->addWidget(previous);
  stepper->addWidget(slider_, 1);
  stepper->addWidget(next);
  stepper->addWidget(versionBox_);
  stepper->addWidget(onlyChanged_);

  auto* statePanel = new QWidget(this);
  auto* stateLayout = new QVBoxLayout(statePanel);
  stateLayout->setContentsMargins(0, 0, 0, 0);
  stateLayout->addLayout(stepper);
  stateLayout->addWidget(versionLabel_);
  stateLayout->addWidget(diffTable_, 1);

  auto* splitter = new QSplitter(Qt::Horizontal, this);
  splitter->addWidget(eventsTable_);
  splitter->addWidget(statePanel);
  splitter->setStretchFactor(0, 2);
  splitter->setStretchFactor(1, 3);
  // The diff's least width took the stretch's share from the events: at 1280 x 800 they had 270 px
  // and their Time column was cut to "Tim". Room for the version, event and time (with its date);
  // actor and trace follow, behind the scroll bar.
  splitter->setSizes({360, 720});

  auto* rebuildBox = new QGroupBox(tr("Projection rebuild"), this);
  rebuildBox->setObjectName(QStringLiteral("rebuildBox"));
  rebuildBox_ = rebuildBox;
  rebuildButton_->setObjectName(QStringLiteral("rebuildButton"));
  rebuildProgress_->setObjectName(QStringLiteral("rebuildProgress"));
  rebuildProgress_->setRange(0, 1);
  rebuildProgress_->setValue(0);
  rebuildProgress_->setTextVisible(false);
  stopWatchingButton_->setObjectName(QStringLiteral("stopWatchingButton"));
  stopWatchingButton_->hide();
  rebuildStatus_->setObjectName(QStringLiteral("rebuildStatus"));
  rebuildStatus_->setText(tr("Replays every order event into a fresh read model and reports where it differs from the live one."));
  rebuildStatus_->setWordWrap(true);
  rebuildDifferences_->setObjectName(QStringLiteral("rebuildDifferences"));
  rebuildDifferences_->setRootIsDecorated(false);
  rebuildDifferences_->setHeaderLabels({tr("Order"), tr("Field"), tr("Live", "live projection value"), tr("Rebuilt")});
  rebuildDifferences_->hide();
  auto* rebuildLayout = new QVBoxLayout(rebuildBox);
  auto* rebuildRow = new QHBoxLayout;
  rebuildRow->addWidget(rebuildButton_);
  rebuildRow->addWidget(rebuildProgress_, 1);
  rebuildRow->addWidget(stopWatchingButton_);
  rebuildLayout->addLayout(rebuildRow);
  rebuildLayout->addWidget(rebuildStatus_);
  rebuildLayout->addWidget(rebuildDifferences_);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(splitter, 1);
  layout->addWidget(rebuildBox);

  rebuildAction_ = new QAction(tr("Rebuild orders projection"), this);
  rebuildAction_->setObjectName(QStringLiteral("history.rebuild"));

  versionDelay_->setSingleShot(true);
  versionDelay_->setInterval(150);
  // One read at a time: the next is timed from the last answer, so a slow gateway is not asked again
  // before it answered (a read may take up to the client's 15 s timeout).
  rebuildPoll_->setSingleShot(true);
  rebuildPoll_->setInterval(rebuildPollMs_);
  connect(versionDelay_, &QTimer::timeout, this, [this] { loadVersion(wantedVersion_); });
  connect(rebuildPoll_, &QTimer::timeout, this, &HistoryView::fetchRebuildReport);
  connect(loadButton, &QPushButton::clicked, this, [this] { showOrder(orderEdit_->text().trimmed()); });
  connect(orderEdit_, &QLineEdit::returnPressed, this, [this] { showOrder(orderEdit_->text().trimmed()); });
  connect(slider_, &QSlider::valueChanged, this, [this](int value) { setVersion(value); });
  connect(versionBox_, &QSpinBox::valueChanged, this, [this](int value) { setVersion(value); });
  connect(previous, &QPushButton::clicked, this, [this] { setVersion(qMax<qint64>(1, version_ - 1)); });
  connect(next, &QPushButton::clicked, this, [this] { setVersion(qMin<qint64>(slider_->maximum(), version_ + 1)); });
  connect(onlyChanged_, &QCheckBox::toggled, this, [this](bool only) {
    diffFilter_->setFilterFixedString(only ? QStringLiteral("true") : QString());
  });
  connect(eventsTable_->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& current) {
    if (current.isValid()) setVersion(current.data(OrderEventsModel::VersionRole).toLongLong());
  });
  connect(rebuildButton_, &QPushButton::clicked, this, &HistoryView::startRebuild);
  connect(rebuildAction_, &QAction::triggered, this, &HistoryView::startRebuild);
  connect(stopWatchingButton_, &QPushButton::clicked, this, [this] {
    stopWatchingRebuild();
    rebuildStatus_->setText(tr("No longer watching; the rebuild goes on in the gateway."));
  });
  // Signed out (the window is hidden, not destroyed): nobody is watching, and reads would go out
  // without a session.
  connect(client_, &GatewayClient::sessionChanged, this, [this] {
    if (client_->isSignedIn() || rebuildId_.isEmpty()) return;
    stopWatchingRebuild();
    rebuildStatus_->setText(tr("No longer watching; the rebuild goes on in the gateway."));
  });
}

QString HistoryView::title() const { return tr("History", "order event history view"); }
QIcon HistoryView::icon() const { return QIcon(QStringLiteral(":/icons/history.svg")); }

void HistoryView::activate() {}

void HistoryView::refresh() {
  if (!orderId_.isEmpty()) showOrder(orderId_, version_);
}

void HistoryView::setRebuildPollInterval(int ms) {
  rebuildPollMs_ = ms;
  rebuildRetryMs_ = ms;
  rebuildPoll_->setInterval(ms);
}

bool HistoryView::isReady() const { return !eventsPending_ && statesPending_ == 0; }

void HistoryView::setEditable(bool editable) {
  ViewPage::setEditable(editable);
  rebuildButton_->setVisible(editable);
  rebuildBox_->setVisible(editable);
  rebuildAction_->setVisible(editable);
  updateRebuildActions();
}

QList<QAction*> HistoryView::paletteActions() const {
  if (!isEditable()) return {};
  return {rebuildAction_};
}

void HistoryView::showOrder(const QString& id, qint64 version) {
  // The gateway reads an id in any case and answers (and streams) it lower-case: one spelling here,
  // so a pasted upper-case UUID still follows its live events.
  const QString orderId = id.trimmed().toLower();
  if (orderId.isEmpty()) return;
  if (orderId != orderId_) {
    states_.clear();
    reloadWhenLoaded_ = false;
  }
  orderId_ = orderId;
  orderEdit_->setText(orderId);
  wantedVersion_ = version;
  loadEvents();
}

void HistoryView::loadEvents() {
  eventsPending_ = true;
  const QString orderId = orderId_;
  api::orderEvents(client_, orderId, this, [this, orderId](const Result<QVector<OrderEvent>>& result) {
    if (orderId != orderId_) return;
    eventsPending_ = false;
    if (std::exchange(reloadWhenLoaded_, false)) {
      // An event was committed after this list was read: read it again, following the newest version
      // if that is where the user was. On the order's first load nothing of it is on screen yet (the
      // slider and version are still the previous order's): the version asked for stays wanted.
      if (shownOrderId_ == orderId) {
        wantedVersion_ = result && !result->isEmpty() && version_ != slider_->maximum() ? version_ : 0;
      }
      loadEvents();
      return;
    }
    if (!result) {
      versionLabel_->setText(result.error().httpStatus == 404 ? tr("No order %1.").arg(orderId)
                                                              : tr("Could not load the history: %1").arg(result.error().message));
      // Nothing of the order shown before stays: its events under this order's id would ask for
      // states this order does not have.
      events_->setEvents({});
      diff_->setStates({}, {}, 0, 0);
      slider_->setEnabled(false);
      versionBox_->setEnabled(false);
      shownOrderId_.clear();
      return;
    }
    events_->setEvents(result.value());
    shownOrderId_ = orderId;
    const qint64 latest = events_->events().isEmpty() ? 0 : events_->events().last().version;
    const qint64 first = events_->events().isEmpty() ? 0 : events_->events().first().version;
    const QSignalBlocker blockSlider(slider_);
    const QSignalBlocker blockBox(versionBox_);
    slider_->setRange(static_cast<int>(first), static_cast<int>(latest));
    versionBox_->setRange(static_cast<int>(first), static_cast<int>(latest));
    slider_->setEnabled(latest > first);
    versionBox_->setEnabled(latest > 0);
    if (latest == 0) {
      versionLabel_->setText(tr("Order %1 has no events.").arg(orderId));
      return;
    }
    const qint64 target = wantedVersion_ > 0 ? qBound(first, wantedVersion_, latest) : latest;
    version_ = 0;
    setVersion(target);
    versionDelay_->stop();
    loadVersion(target);
  });
}

void HistoryView::setVersion(qint64 version) {
  if (version <= 0 || version == version_) return;
  version_ = version;
  wantedVersion_ = version;
  {
    const QSignalBlocker blockSlider(slider_);
    const QSignalBlocker blockBox(versionBox_);
    slider_->setValue(static_cast<int>(version));
    versionBox_->setValue(static_cast<int>(version));
  }
  const int row = events_->rowOfVersion(version);
  if (row >= 0 && eventsTable_->currentIndex().row() != row) {
    const QSignalBlocker block(eventsTable_->selectionModel());
    eventsTable_->selectRow(row);
  }
  // Dragging the slider fires many values; only the one it rests on is fetched.
  versionDelay_->start();
}

void HistoryView::loadVersion(qint64 version) {
  if (orderId_.isEmpty() || version <= 0) return;
  if (!states_.contains(version)) fetchState(version);
  if (version > 1 && !states_.contains(version - 1)) fetchState(version - 1);
  showDiffIfReady();
}

void HistoryView::fetchState(qint64 version) {
  ++statesPending_;
  const QString orderId = orderId_;
  api::orderStateAt(client_, orderId, version, this, [this, orderId, version](const Result<QJsonObject>& result) {
    --statesPending_;
    if (orderId != orderId_) return;
    if (!result) {
      versionLabel_->setText(tr("Could not load version %1: %2").arg(version).arg(result.error().message));
      return;
    }
    states_.insert(version, result.value());
    showDiffIfReady();
  });
}

void HistoryView::showDiffIfReady() {
  const qint64 version = version_;
  if (!states_.contains(version) || (version > 1 && !states_.contains(version - 1))) return;
  const QJsonObject before = version > 1 ? states_.value(version - 1) : QJsonObject{};
  diff_->setStates(before, states_.value(version), version > 1 ? version - 1 : 0, version);
  const int row = events_->rowOfVersion(version);
  const QString type = row >= 0 ? events_->events().at(row).type : QString();
  versionLabel_->setText(tr("Version %1 of %2 · %3 · %n field(s) changed", "", diff_->changedCount())
                             .arg(version)
                             .arg(slider_->maximum())
                             .arg(type));
}

void HistoryView::applyNotice(const OrderEventNotice& notice) {
  if (orderId_.isEmpty() || notice.orderId.compare(orderId_, Qt::CaseInsensitive) != 0) return;
  if (eventsPending_) {
    // The list on its way may have been read before this event: load once more when it arrives.
    reloadWhenLoaded_ = true;
    return;
  }
  // A new event: reload the list, and follow it if the user was looking at the latest version (of
  // this order: after a failed load nothing of it is shown, and the version asked for stays wanted).
  if (shownOrderId_ == orderId_) wantedVersion_ = version_ == slider_->maximum() ? 0 : version_;
  loadEvents();
}

void HistoryView::startRebuild() {
  if (!isEditable() || rebuildStarting_ || !rebuildId_.isEmpty()) return;
  confirmAction(this, tr("Rebuild projection"),
                tr("Replay every order event into a fresh read model and compare it with the live one? "
                   "The live projection keeps serving meanwhile."),
                tr("Rebuild"), [this] {
                  // Another confirmation (the button, then the palette) may have started one already.
                  if (!isEditable() || rebuildStarting_ || !rebuildId_.isEmpty()) return;
                  rebuildStarting_ = true;
                  updateRebuildActions();
                  rebuildDifferences_->clear();
                  rebuildDifferences_->hide();
                  rebuildStatus_->setText(tr("Starting…"));
                  api::startOrdersRebuild(client_, this, [this](const Result<RebuildReport>& result) {
                    rebuildStarting_ = false;
                    if (!result) {
                      updateRebuildActions();
                      rebuildStatus_->setText(tr("Could not start the rebuild: %1").arg(result.error().summary()));
                      return;
                    }
                    if (!client_->isSignedIn()) {  // signed out meanwhile: nobody watches it
                      updateRebuildActions();
                      rebuildStatus_->setText(tr("No longer watching; the rebuild goes on in the gateway."));
                      return;
                    }
                    rebuildId_ = result->rebuildId;
                    rebuildRetryMs_ = rebuildPollMs_;
                    if (result->done) {  // over before its answer left the gateway
                      showRebuildReport(result.value());
                      return;
                    }
                    updateRebuildActions();
                    rebuildProgress_->setRange(0, 0);
                    stopWatchingButton_->show();
                    rebuildStatus_->setText(tr("Rebuild %1 running…").arg(rebuildId_));
                    // The rebuild is read until it is no longer RUNNING; a progress event on the
                    // stream, where a gateway sends one, pushes the next read back.
                    rebuildPoll_->start(rebuildPollMs_);
                  });
                });
}

void HistoryView::applyReplayProgress(const ReplayProgress& progress) {
  if (rebuildId_.isEmpty() || progress.rebuildId != rebuildId_) return;
  if (rebuildCall_ == 0) rebuildPoll_->start(rebuildPollMs_);  // the next read waits its full interval
  if (progress.total > 0) {
    rebuildProgress_->setRange(0, 1000);
    rebuildProgress_->setTextVisible(true);
    rebuildProgress_->setValue(static_cast<int>(1000 * progress.processed / progress.total));
    rebuildProgress_->setFormat(QStringLiteral("%1 / %2").arg(progress.processed).arg(progress.total));
  }
  rebuildStatus_->setText(tr("Replayed %1 of %n event(s)…", "", static_cast<int>(progress.total)).arg(progress.processed));
  if (progress.done) fetchRebuildReport();
}

void HistoryView::fetchRebuildReport() {
  if (rebuildId_.isEmpty() || rebuildCall_ != 0) return;
  const QString rebuildId = rebuildId_;
  rebuildCall_ = api::getRebuild(client_, rebuildId, this, [this, rebuildId](const Result<RebuildReport>& result) {
    if (rebuildId != rebuildId_) return;
    rebuildCall_ = 0;
    if (!result) {
      const ApiError& error = result.error();
      if (error.isNetworkFailure() || error.httpStatus >= 500 || error.isThrottled()) {
        // Passing trouble (the gateway or the orders service down, or busy): read again, less often.
        rebuildRetryMs_ = qMin(rebuildRetryMs_ * 2, kRebuildRetryMaxMs);
        const int delayMs = qMax(rebuildRetryMs_, error.retryAfterSeconds * 1000);
        rebuildPoll_->start(delayMs);
        rebuildStatus_->setText(tr("Could not read rebuild %1 (%2); trying again in %n s.", "", qMax(1, delayMs / 1000))
                                    .arg(rebuildId, error.summary()));
        return;
      }
      // Refused (4xx: no such rebuild any more, or not allowed), or an answer that cannot be read:
      // another read would get the same.
      stopWatchingRebuild();
      rebuildStatus_->setText(error.httpStatus == 404
                                  ? tr("Rebuild %1 is not known to the gateway (%2). The orders service may have "
                                       "restarted; no longer watching it.")
                                        .arg(rebuildId, error.summary())
                                  : tr("Could not read rebuild %1: %2. No longer watching it.").arg(rebuildId, error.summary()));
      return;
    }
    rebuildRetryMs_ = rebuildPollMs_;
    if (!result->done) {
      applyReplayProgress(ReplayProgress{rebuildId, result->processed, result->total, false});
      return;
    }
    showRebuildReport(result.value());
  });
}

void HistoryView::updateRebuildActions() {
  // One rebuild at a time: none while one is being started or watched.
  const bool canStart = isEditable() && !rebuildStarting_ && rebuildId_.isEmpty();
  rebuildButton_->setEnabled(canStart);
  rebuildAction_->setEnabled(canStart);
}

void HistoryView::stopWatchingRebuild() {
  rebuildId_.clear();
  rebuildPoll_->stop();
  if (rebuildCall_ != 0) client_->cancel(std::exchange(rebuildCall_, 0));
  stopWatchingButton_->hide();
  updateRebuildActions();
  if (rebuildProgress_->maximum() == 0) {  // still the busy bar: no count was read
    rebuildProgress_->setRange(0, 1);
    rebuildProgress_->setValue(0);
  }
}

void HistoryView::showRebuildReport(const RebuildReport& report) {
  stopWatchingRebuild();
  rebuildProgress_->setRange(0, 1000);
  rebuildProgress_->setTextVisible(true);
  rebuildProgress_->setValue(report.total > 0 ? static_cast<int>(1000 * qMin(report.processed, report.total) / report.total)
                                              : (report.failed() ? 0 : 1000));
  rebuildProgress_->setFormat(QStringLiteral("%1 / %2").arg(report.processed).arg(report.total));
  rebuildDifferences_->clear();
  if (report.failed()) {
    rebuildDifferences_->hide();
    rebuildStatus_->setText(
        tr("The rebuild failed after %n event(s): %1", "", static_cast<int>(report.processed))
            .arg(report.error.isEmpty() ? tr("the orders service gave no reason") : report.error));
    return;
  }
  for (const RebuildDifference& difference : report.differences) {
    new QTreeWidgetItem(rebuildDifferences_, {difference.orderId, difference.field, difference.live, difference.rebuilt});
  }
  rebuildDifferences_->setVisible(!report.differences.isEmpty());
  // Sentences each with its own count, so each can be plural where a language needs it. The count is
  // of the events replayed: the Rebuild does not say how many orders they made.
  QString text = tr("Replayed %n event(s).", "", static_cast<int>(report.processed)) + QLatin1Char(' ');
  if (report.differenceCount == 0) {
    text += tr("The rebuilt projection matches the live one.");
  } else {
    text += tr("%n difference(s) from the live projection.", "", static_cast<int>(report.differenceCount));
    if (report.differences.size() < report.differenceCount) {
      text += QLatin1Char(' ') + tr("The first %n are listed.", "", static_cast<int>(report.differences.size()));
    }
  }
  rebuildStatus_->setText(text);
}

}  // namespace fleetdeck::console
