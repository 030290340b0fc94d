#include "views/dead_letters_view.h"

#include <QAction>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include "client/gateway_api.h"
#include "models/dead_letters_model.h"
#include "models/display_text.h"
#include "views/action_button.h"
#include "views/dialogs.h"
#include "views/list_table.h"

namespace fleetdeck::console {
namespace {

constexpr const char* kErrorStyle = "color: #d13d3d;";

// Events of the order aggregate name the order: the detail links to it.
bool isOrderEvent(const DeadLetter& letter) {
  return letter.eventType.startsWith(QLatin1String("Order")) && !letter.aggregateId.isEmpty();
}

}  // namespace

DeadLettersView::DeadLettersView(GatewayClient* client, QWidget* parent)
    : ViewPage(parent),
      client_(client),
      model_(new DeadLettersModel(this)),
      consumerFilter_(new QComboBox(this)),
      table_(new QTableView(this)),
      notice_(new QLabel(this)),
      detail_(new QLabel(this)),
      statusLine_(new QLabel(this)) {
  setObjectName(QStringLiteral("deadLettersView"));
  consumerFilter_->setObjectName(QStringLiteral("deadLetterConsumerFilter"));
  consumerFilter_->addItem(tr("All consumers"), QString());
  consumerFilter_->setSizeAdjustPolicy(QComboBox::AdjustToContents);

  refreshAction_ = new QAction(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("Refresh"), this);
  refreshAction_->setObjectName(QStringLiteral("deadLetters.refresh"));
  replayAction_ = new QAction(tr("Replay…", "dead letter"), this);
  replayAction_->setObjectName(QStringLiteral("deadLetters.replay"));
  replayAllAction_ = new QAction(this);
  replayAllAction_->setObjectName(QStringLiteral("deadLetters.replayAll"));

  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel(tr("Consumer:", "dead letter filter label"), this));
  top->addWidget(consumerFilter_);
  top->addStretch(1);
  for (QAction* action : {replayAction_, replayAllAction_, refreshAction_}) top->addWidget(actionButton(action, this));

  notice_->setObjectName(QStringLiteral("deadLettersNotice"));
  notice_->setWordWrap(true);
  notice_->hide();

  table_->setObjectName(QStringLiteral("deadLettersTable"));
  table_->setModel(model_);
  setUpListTable(table_, {{DeadLettersModel::Sequence, 60}, {DeadLettersModel::Consumer, 170}, {DeadLettersModel::Event, 150}, {DeadLettersModel::Aggregate, 110}, {DeadLettersModel::Deliveries, 75}, {DeadLettersModel::Replayed, 75}, {DeadLettersModel::Occurred, 120}});

  detail_->setObjectName(QStringLiteral("deadLetterDetail"));
  detail_->setWordWrap(true);
  detail_->setTextFormat(Qt::RichText);
  detail_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  detail_->setTextInteractionFlags(Qt::TextBrowserInteraction);
  detail_->setMargin(6);
  auto* detailScroll = new QScrollArea(this);
  detailScroll->setWidget(detail_);
  detailScroll->setWidgetResizable(true);
  detailScroll->setFrameShape(QFrame::NoFrame);

  statusLine_->setObjectName(QStringLiteral("deadLettersStatus"));
  statusLine_->setWordWrap(true);

  auto* splitter = new QSplitter(Qt::Vertical, this);
  splitter->addWidget(table_);
  splitter->addWidget(detailScroll);
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 2);
  splitter->setSizes({420, 280});
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(notice_);
  layout->addWidget(splitter, 1);
  layout->addWidget(statusLine_);

  connect(consumerFilter_, &QComboBox::currentIndexChanged, this, [this] {
    updateActions();
    refresh();
  });
  connect(refreshAction_, &QAction::triggered, this, &DeadLettersView::refresh);
  connect(replayAction_, &QAction::triggered, this, &DeadLettersView::replaySelected);
  connect(replayAllAction_, &QAction::triggered, this, &DeadLettersView::replayAllOfConsumer);
  connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] {
    showDetail();
    updateActions();
  });
  connect(detail_, &QLabel::linkActivated, this, [this](const QString& link) {
    if (link.startsWith(QLatin1String("order:"))) emit openOrderRequested(link.mid(6));
  });
  showDetail();
  updateActions();
}

QString DeadLettersView::title() const { return tr("Dead letters"); }
QIcon DeadLettersView::icon() const { return QIcon(QStringLiteral(":/icons/dead-letters.svg")); }

QList<QAction*> DeadLettersView::paletteActions() const {
  QList<QAction*> actions{refreshAction_};
  if (isEditable()) actions << replayAction_ << replayAllAction_;
  return actions;
}

void DeadLettersView::setEditable(bool editable) {
  ViewPage::setEditable(editable);
  updateActions();
}

QString DeadLettersView::consumerFilter() const { return consumerFilter_->currentData().toString(); }

void DeadLettersView::setConsumerFilter(const QString& consumer) {
  if (!consumer.isEmpty()) rememberConsumers({consumer});
  consumerFilter_->setCurrentIndex(qMax(0, consumerFilter_->findData(consumer)));
}

void DeadLettersView::activate() {
  if (!started_) refresh();
}

void DeadLettersView::refresh() {
  started_ = true;
  loading_ = true;
  const quint64 load = ++loads_;
  const QString consumer = consumerFilter();
  if (!answered_) statusLine_->setText(tr("Loading dead letters…"));
  api::listDeadLetters(client_, consumer, api::kDeadLettersMaxLimit, this,
                       [this, load, consumer](const Result<DeadLetterList>& result) {
                         // The newest load wins: the filter may have changed while this one was on its way.
                         if (load != loads_) return;
                         loading_ = false;
                         answered_ = true;
                         if (!result) {
                           showLoadError(result.error());
                           return;
                         }
                         const DeadLetter* before = selected();
                         const qint64 selectedSequence = before != nullptr ? before->sequence : 0;
                         model_->setLetters(result.value());
                         rememberConsumers(model_->consumers());
                         statusLine_->setStyleSheet(QString());
                         const int rows = model_->rowCount();
                         if (rows == 0) {
                           statusLine_->setText(consumer.isEmpty()
                                                    ? tr("No dead letters: every consumer has handled every event.")
                                                    : tr("No dead letters of %1.").arg(consumer));
                         } else {
                           QString text = tr("%n dead letter(s), oldest first.", "", rows);
                           if (model_->total() > rows) {
                             text += QLatin1Char(' ') +
                                     tr("%n in the dead-letter stream in all.", "", static_cast<int>(model_->total()));
                           }
                           statusLine_->setText(text);
                         }
                         const int row = selectedSequence > 0 ? model_->rowOf(selectedSequence) : -1;
                         if (row >= 0 || rows > 0) table_->selectRow(qMax(0, row));
                         showDetail();
                         updateActions();
                       });
}

void DeadLettersView::showLoadError(const ApiError& error) {
  QString text;
  if (error.isNetworkFailure()) {
    text = tr("The gateway did not answer (%1). Check the connection to the gateway, then press Refresh.").arg(error.message);
  } else if (error.httpStatus == 403) {
    text = tr("Your account may not see dead letters: sign in as an operator or an admin.");
  } else if (error.httpStatus == 503) {
    text = tr("The gateway cannot reach the event bus (%1). Check that NATS is running and that the gateway's "
              "nats.url is set, then press Refresh.")
               .arg(error.message);
  } else if (error.isThrottled()) {
    text = tr("The gateway is busy with other dead-letter requests. Wait a moment, then press Refresh.");
  } else {
    text = tr("Could not load the dead letters: %1. Press Refresh to try again.").arg(error.summary());
  }
  if (model_->rowCount() > 0) text = tr("Showing older data. %1").arg(text);
  statusLine_->setStyleSheet(QLatin1String(kErrorStyle));
  statusLine_->setText(text);
  showDetail();
  updateActions();
}

void DeadLettersView::rememberConsumers(const QStringList& consumers) {
  const QSignalBlocker block(consumerFilter_);
  for (const QString& consumer : consumers) {
    if (consumerFilter_->findData(consumer) >= 0) continue;
    // Sorted after "All consumers".
    int position = 1;
    while (position < consumerFilter_->count() && consumerFilter_->itemData(position).toString() < consumer) ++position;
    consumerFilter_->insertItem(position, consumer, consumer);
  }
}

const DeadLetter* DeadLettersView::selected() const {
  const QModelIndex current = table_->currentIndex();
  return current.isValid() && current.row() < model_->rowCount() ? &model_->letter(current.row()) : nullptr;
}

QString DeadLettersView::replayAllTarget() const {
  if (const QString consumer = consumerFilter(); !consumer.isEmpty()) return consumer;
  const DeadLetter* letter = selected();
  return letter != nullptr ? letter->consumer : QString();
}

void DeadLettersView::updateActions() {
  const DeadLetter* letter = selected();
  const QString target = replayAllTarget();
  const bool canReplay = isEditable() && !replayInFlight_;
  replayAction_->setEnabled(canReplay && letter != nullptr && !letter->bodyDropped);
  replayAllAction_->setEnabled(canReplay && !target.isEmpty());
  replayAllAction_->setText(target.isEmpty() ? tr("Replay all of a consumer…") : tr("Replay all of %1…").arg(target));
  if (!isEditable()) {
    const QString adminsOnly = tr("Only admins can replay dead letters.");
    replayAction_->setToolTip(adminsOnly);
    replayAllAction_->setToolTip(adminsOnly);
    return;
  }
  replayAction_->setToolTip(letter != nullptr && letter->bodyDropped
                                ? tr("This letter was kept without its body and cannot be replayed.")
                                : tr("Send the selected letter again to the consumer that gave up on it"));
  replayAllAction_->setToolTip(target.isEmpty() ? tr("Choose a consumer, or select one of its letters, first.")
                                                : tr("Send the dead letters of %1 (its oldest 500) to it again").arg(target));
}

void DeadLettersView::showDetail() {
  const DeadLetter* letter = selected();
  if (letter == nullptr) {
    detail_->setText(model_->rowCount() == 0
                         ? tr("When a consumer gives up on an event (its retries ran out, or it cannot read the event), "
                              "the event is kept here for 14 days, until an admin replays it to that consumer.")
                         : tr("Select a dead letter to see its reason in full, its event and its trace id."));
    return;
  }
  QString html = QStringLiteral("<h3>%1</h3>").arg(tr("Dead letter %1").arg(letter->sequence));
  html += tr("%1 gave up on it after %n delivery(ies).", "", static_cast<int>(letter->deliveries))
              .arg(QStringLiteral("<b>%1</b>").arg(letter->consumer.toHtmlEscaped()));
  html += QStringLiteral("<p style=\"white-space: pre-wrap\">%1</p>").arg(letter->reason.toHtmlEscaped());
  if (letter->eventType.isEmpty()) {
    html += tr("Its event could not be read: only the message is known.");
  } else {
    QString event = tr("Event: %1").arg(QStringLiteral("<b>%1</b>").arg(letter->eventType.toHtmlEscaped()));
    if (!letter->aggregateId.isEmpty()) {
      const QString aggregate = letter->aggregateId.toHtmlEscaped();
      event += QStringLiteral(" · ") + (isOrderEvent(*letter) ? tr("order <a href=\"order:%1\">%1</a>").arg(aggregate)
                                                              : tr("aggregate %1").arg(aggregate));
    }
    if (letter->occurredAt.isValid()) event += QStringLiteral(" · ") + tr("occurred %1").arg(display::timestamp(letter->occurredAt));
    html += event;
    if (!letter->eventId.isEmpty()) html += QStringLiteral("<br>") + tr("Event id: %1").arg(letter->eventId.toHtmlEscaped());
  }
  if (!letter->traceId.isEmpty()) {
    html += QStringLiteral("<br>") + tr("Trace id: %1").arg(QStringLiteral("<code>%1</code>").arg(letter->traceId.toHtmlEscaped()));
  }
  html += QStringLiteral("<br>") + tr("Message %1 on %2 (stream %3), %n byte(s).", "", static_cast<int>(letter->sizeBytes))
                                       .arg(letter->msgId.toHtmlEscaped(), letter->subject.toHtmlEscaped(),
                                            letter->stream.toHtmlEscaped());
  if (letter->replayed) {
    html += QStringLiteral("<br><span style=\"color:#d29922\">%1</span>").arg(tr("It failed again after a replay."));
  }
  if (letter->bodyDropped) {
    html += QStringLiteral("<br><span style=\"color:#d13d3d\">%1</span>")
                .arg(tr("It was kept without its body (too large), so it cannot be replayed: republish the original "
                        "event from its stream position."));
  }
  detail_->setText(html);
}

void DeadLettersView::replaySelected() {
  const DeadLetter* letter = selected();
  if (!isEditable() || letter == nullptr || letter->bodyDropped || replayInFlight_) return;
  const DeadLetter target = *letter;
  QString what = target.eventType.isEmpty() ? target.subject : target.eventType;
  if (!target.eventType.isEmpty() && !target.aggregateId.isEmpty()) what += QLatin1Char(' ') + target.aggregateId;
  confirmAction(this, tr("Replay dead letter"),
                tr("Replay dead letter %1 (%2) to %3? Only %3 handles it again; the other consumers of its stream "
                   "skip it. If it fails again, it comes back to this list.")
                    .arg(QString::number(target.sequence), what, target.consumer),
                tr("Replay", "dead letter"), [this, target] {
                  if (replayInFlight_) return;
                  replayInFlight_ = true;
                  updateActions();
                  api::replayDeadLetter(client_, target.sequence, this, [this, target](const Result<int>& result) {
                    replayInFlight_ = false;
                    if (!result) {
                      replayFailed(result.error(), target.sequence);
                      return;
                    }
                    finishReplay(tr("Dead letter %1 replayed to %2.").arg(QString::number(target.sequence), target.consumer));
                  });
                });
}

void DeadLettersView::replayAllOfConsumer() {
  const QString consumer = replayAllTarget();
  if (!isEditable() || consumer.isEmpty() || replayInFlight_) return;
  int listed = 0;
  for (int row = 0; row < model_->rowCount(); ++row) {
    if (model_->letter(row).consumer == consumer) ++listed;
  }
  confirmAction(this, tr("Replay dead letters"),
                tr("Replay the dead letters of %1 (%n listed here; at most its oldest 500)? Only %1 handles them "
                   "again; the other consumers of their streams skip them. Letters that fail again come back to "
                   "this list.",
                   "", listed)
                    .arg(consumer),
                tr("Replay all"), [this, consumer] {
                  if (replayInFlight_) return;
                  replayInFlight_ = true;
                  updateActions();
                  api::replayDeadLetters(client_, consumer, this, [this, consumer](const Result<int>& result) {
                    replayInFlight_ = false;
                    if (!result) {
                      replayFailed(result.error(), 0);
                      return;
                    }
                    QString message = tr("%n dead letter(s) of %1 replayed.", "", result.value()).arg(consumer);
                    // The gateway leaves the letters kept without their body in place.
                    if (const int kept = model_->bodyDroppedCount(consumer); kept > 0) {
                      message += QLatin1Char(' ') + tr("%n letter(s) kept without a body stay(s) listed: republish "
                                                       "them from their stream.", "", kept);
                    }
                    finishReplay(message);
                  });
                });
}

void DeadLettersView::finishReplay(const QString& message) {
  notice_->setStyleSheet(QString());
  notice_->setText(message);
  notice_->show();
  emit statusMessage(message);
  updateActions();
  refresh();
}

void DeadLettersView::replayFailed(const ApiError& error, qint64 sequence) {
  QString text;
  if (error.httpStatus == 403) {
    text = tr("Only admins can replay dead letters.");
  } else if (error.httpStatus == 404 && sequence > 0) {
    text = tr("Dead letter %1 is gone: it was replayed already, or it aged out.").arg(sequence);
  } else if (error.httpStatus == 409 && sequence > 0) {
    text = tr("Dead letter %1 was kept without its body, so it cannot be replayed: republish the original event "
              "from its stream position (docs/events.md, \"Dead letters and replay\").")
               .arg(sequence);
  } else if (error.isNetworkFailure() || error.httpStatus >= 500) {
    text = tr("No answer came back (%1), so the replay may or may not have happened. The list is read again: "
              "the letters still in it were not replayed.")
               .arg(error.message);
  } else {
    text = error.summary();
  }
  notice_->setStyleSheet(QLatin1String(kErrorStyle));
  notice_->setText(text);
  notice_->show();
  showError(this, tr("Could not replay"), text, error.traceId);
  updateActions();
  refresh();
}

}  // namespace fleetdeck::console
