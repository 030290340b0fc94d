#include "views/orders_view.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QScopedValueRollback>
#include <QSignalBlocker>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QTreeWidget>
#include <QUuid>
#include <QVBoxLayout>
#include <algorithm>

#include "client/gateway_api.h"
#include "models/display_text.h"
#include "models/order_events_model.h"
#include "models/orders_model.h"
#include "views/action_button.h"
#include "views/dialogs.h"
#include "views/list_table.h"

namespace fleetdeck::console {

namespace {

// Stays open while its request is on its way (Esc, Cancel and the close button are refused): the
// gateway may take the order, and its answer must land here. Closed, the dialog took the answer with
// it, and the user's next try in a new dialog carried a new idempotency key: a second order.
class RequestDialog : public QDialog {
 public:
  using QDialog::QDialog;
  void setBusy(bool busy) { busy_ = busy; }
  void reject() override {
    if (!busy_) QDialog::reject();
  }

 private:
  bool busy_ = false;
};

// A wrapped line shown in a dialog that is open already. Qt does not grow a window for a label whose
// height depends on its width: the dialog kept its height and the question above it lost a line (the
// end of the order id). It grows to fit, keeping the width the user gave it.
void showInDialog(QDialog* dialog, QLabel* label, const QString& text) {
  label->setText(text);
  label->show();
  if (QLayout* layout = dialog->layout()) layout->activate();
  const int needed = dialog->heightForWidth(dialog->width());
  if (needed > dialog->height()) dialog->resize(dialog->width(), needed);
}

QString paymentStatus(const QString& status) {
  if (status == QLatin1String("CHARGED")) return OrdersView::tr("charged", "payment status");
  if (status == QLatin1String("DECLINED")) return OrdersView::tr("declined", "payment status");
  if (status == QLatin1String("REFUNDED")) return OrdersView::tr("refunded", "payment status");
  return status.toHtmlEscaped();
}

}  // namespace

OrdersView::OrdersView(GatewayClient* client, QWidget* parent)
    : ViewPage(parent),
      client_(client),
      model_(new OrdersModel(client, this)),
      events_(new OrderEventsModel(this)),
      statusFilter_(new QComboBox(this)),
      userFilter_(new QLineEdit(this)),
      dateFilterEnabled_(new QCheckBox(tr("Created between"), this)),
      fromDate_(new QDateTimeEdit(QDateTime(QDate::currentDate().addDays(-7), QTime(0, 0)), this)),
      toDate_(new QDateTimeEdit(QDateTime(QDate::currentDate(), QTime(23, 59)), this)),
      table_(new QTableView(this)),
      header_(new QLabel(this)),
      lines_(new QTreeWidget(this)),
      summary_(new QLabel(this)),
      eventsTable_(new QTableView(this)),
      statusLine_(new QLabel(this)),
      dateSettled_(new QTimer(this)),
      defaultTo_(toDate_->dateTime()) {
  setObjectName(QStringLiteral("ordersView"));
  statusFilter_->setObjectName(QStringLiteral("orderStatusFilter"));
  statusFilter_->addItem(tr("Any status", "order status filter"), QString());
  for (const char* status : {"PENDING", "CONFIRMED", "SHIPPED", "DELIVERED", "CANCELLED"}) {
    statusFilter_->addItem(display::orderStatus(QLatin1String(status)), QLatin1String(status));
  }
  userFilter_->setObjectName(QStringLiteral("orderUserFilter"));
  userFilter_->setPlaceholderText(tr("User id"));
  userFilter_->setClearButtonEnabled(true);
  dateFilterEnabled_->setObjectName(QStringLiteral("orderDateFilter"));
  fromDate_->setObjectName(QStringLiteral("orderCreatedFrom"));
  toDate_->setObjectName(QStringLiteral("orderCreatedTo"));
  fromDate_->setCalendarPopup(true);
  toDate_->setCalendarPopup(true);
  fromDate_->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm"));
  toDate_->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm"));
  fromDate_->setEnabled(false);
  toDate_->setEnabled(false);

  refreshAction_ = new QAction(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("Refresh"), this);
  refreshAction_->setObjectName(QStringLiteral("orders.refresh"));
  createAction_ = new QAction(QIcon::fromTheme(QStringLiteral("list-add")), tr("New order…"), this);
  createAction_->setObjectName(QStringLiteral("orders.create"));
  shipAction_ = new QAction(tr("Ship…"), this);
  shipAction_->setObjectName(QStringLiteral("orders.ship"));
  deliverAction_ = new QAction(tr("Mark delivered…"), this);
  deliverAction_->setObjectName(QStringLiteral("orders.deliver"));
  cancelAction_ = new QAction(tr("Cancel order…"), this);
  cancelAction_->setObjectName(QStringLiteral("orders.cancel"));
  historyAction_ = new QAction(tr("Event history"), this);
  historyAction_->setObjectName(QStringLiteral("orders.history"));
  sagaAction_ = new QAction(tr("Saga timeline"), this);
  sagaAction_->setObjectName(QStringLiteral("orders.saga"));

  auto* filters = new QHBoxLayout;
  filters->addWidget(statusFilter_);
  filters->addWidget(userFilter_, 1);
  filters->addWidget(dateFilterEnabled_);
  filters->addWidget(fromDate_);
  filters->addWidget(new QLabel(QStringLiteral("–"), this));
  filters->addWidget(toDate_);
  filters->addStretch(1);
  filters->addWidget(actionButton(createAction_, this));
  filters->addWidget(actionButton(refreshAction_, this));

  table_->setObjectName(QStringLiteral("ordersTable"));
  table_->setModel(model_);
  setUpListTable(table_, {{OrdersModel::Id, 95}, {OrdersModel::Customer, 75}, {OrdersModel::Status, 85}, {OrdersModel::Items, 50}, {OrdersModel::Total, 100}, {OrdersModel::Created, 80}});

  statusLine_->setObjectName(QStringLiteral("ordersStatusLine"));
  header_->setObjectName(QStringLiteral("orderHeader"));
  header_->setWordWrap(true);
  header_->setTextFormat(Qt::RichText);
  header_->setTextInteractionFlags(Qt::TextBrowserInteraction);
  lines_->setObjectName(QStringLiteral("orderLines"));
  lines_->setRootIsDecorated(false);
  lines_->setHeaderLabels({tr("SKU"), tr("Product"), tr("Qty", "quantity"), tr("Unit price"), tr("Line total")});
  lines_->header()->resizeSection(0, 90);
  lines_->header()->resizeSection(1, 170);
  lines_->header()->resizeSection(2, 40);
  summary_->setObjectName(QStringLiteral("orderSummary"));
  summary_->setWordWrap(true);
  summary_->setTextFormat(Qt::RichText);
  eventsTable_->setObjectName(QStringLiteral("orderEvents"));
  eventsTable_->setModel(events_);
  eventsTable_->verticalHeader()->hide();
  eventsTable_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  eventsTable_->setSelectionBehavior(QAbstractItemView::SelectRows);
  eventsTable_->horizontalHeader()->setStretchLastSection(true);
  eventsTable_->horizontalHeader()->resizeSection(OrderEventsModel::Version, 60);
  eventsTable_->horizontalHeader()->resizeSection(OrderEventsModel::Type, 140);

  auto* actions = new QHBoxLayout;
  for (QAction* action : {shipAction_, deliverAction_, cancelAction_}) actions->addWidget(actionButton(action, this));
  actions->addStretch(1);
  for (QAction* action : {sagaAction_, historyAction_}) actions->addWidget(actionButton(action, this));

  auto* detail = new QWidget(this);
  detail->setObjectName(QStringLiteral("orderDetailPanel"));
  auto* detailLayout = new QVBoxLayout(detail);
  detailLayout->setContentsMargins(0, 0, 0, 0);
  detailLayout->addWidget(header_);
  detailLayout->addLayout(actions);
  detailLayout->addWidget(lines_, 2);
  detailLayout->addWidget(summary_);
  detailLayout->addWidget(new QLabel(tr("<b>Events</b>"), this));
  detailLayout->addWidget(eventsTable_, 2);

  auto* left = new QWidget(this);
  auto* leftLayout = new QVBoxLayout(left);
  leftLayout->setContentsMargins(0, 0, 0, 0);
  leftLayout->addWidget(table_, 1);
  leftLayout->addWidget(statusLine_);
  auto* splitter = new QSplitter(Qt::Horizontal, this);
  splitter->addWidget(left);
  splitter->addWidget(detail);
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 2);
  splitter->setSizes({620, 740});

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(filters);
  layout->addWidget(splitter, 1);

  connect(statusFilter_, &QComboBox::currentIndexChanged, this, &OrdersView::applyFilter);
  connect(userFilter_, &QLineEdit::editingFinished, this, &OrdersView::applyFilter);
  auto applyDates = [this] {
    dateSettled_->stop();
    // Whole minutes as shown: the end minute is included, and the gateway's end is exclusive.
    createdAfter_ = fromDate_->dateTime();
    createdBefore_ = toDate_->dateTime().addSecs(60);
    applyFilter();
  };
  dateSettled_->setSingleShot(true);
  dateSettled_->setInterval(400);
  connect(dateSettled_, &QTimer::timeout, this, applyDates);
  connect(dateFilterEnabled_, &QCheckBox::toggled, this, [this, applyDates](bool on) {
    fromDate_->setEnabled(on);
    toDate_->setEnabled(on);
    if (on && toDate_->dateTime() == defaultTo_ && defaultTo_.date() < QDate::currentDate()) {
      const QSignalBlocker quiet(toDate_);
      toDate_->setDateTime(QDateTime(QDate::currentDate(), QTime(23, 59)));
      defaultTo_ = toDate_->dateTime();
    }
    applyDates();
  });
  auto dateEdited = [this] {
    if (dateFilterEnabled_->isChecked()) dateSettled_->start();  // off, the range is not in use
  };
  connect(fromDate_, &QDateTimeEdit::dateTimeChanged, this, dateEdited);
  connect(toDate_, &QDateTimeEdit::dateTimeChanged, this, dateEdited);
  connect(refreshAction_, &QAction::triggered, this, &OrdersView::refresh);
  connect(createAction_, &QAction::triggered, this, &OrdersView::createOrder);
  // Each dialog acts on the order it names, at the version shown when it opened: details of another
  // order (a row chosen just before) or a newer version may arrive while it is open.
  connect(shipAction_, &QAction::triggered, this, [this] { openActionDialog(details_.order, QStringLiteral("ship")); });
  connect(deliverAction_, &QAction::triggered, this,
          [this] { openActionDialog(details_.order, QStringLiteral("deliver")); });
  connect(cancelAction_, &QAction::triggered, this, [this] { openActionDialog(details_.order, QStringLiteral("cancel")); });
  connect(historyAction_, &QAction::triggered, this, [this] {
    if (!details_.order.id.isEmpty()) emit openHistoryRequested(details_.order.id, details_.order.version);
  });
  connect(sagaAction_, &QAction::triggered, this, [this] {
    if (!details_.order.sagaId.isEmpty()) emit openSagaRequested(details_.order.sagaId);
  });
  connect(header_, &QLabel::linkActivated, this, [this](const QString& link) {
    if (link.startsWith(QLatin1String("saga:"))) emit openSagaRequested(link.mid(5));
  });
  connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& current) {
    // showOrder() marks its row and loads the order itself: one load, not a second one from here.
    if (current.isValid() && !selectingShownRow_) loadDetails(current.data(OrdersModel::IdRole).toString());
  });
  connect(eventsTable_, &QTableView::doubleClicked, this, [this](const QModelIndex& index) {
    emit openHistoryRequested(details_.order.id, index.data(OrderEventsModel::VersionRole).toLongLong());
  });
  connect(model_, &PagedTableModel::pageLoaded, this, [this] {
    answered_ = true;
    statusLine_->setText(model_->hasMore() ? tr("%n order(s) loaded; scroll for more.", "", model_->rowCount())
                                           : tr("%n order(s).", "", model_->rowCount()));
    const QString shown = displayedOrderId();
    if (shown.isEmpty()) {
      if (model_->rowCount() > 0) table_->selectRow(0);
      return;
    }
    // Opened by id before the list arrived: mark it in the list once it is there.
    const int row = model_->rowOf(shown);
    if (row >= 0 && table_->currentIndex().row() != row) {
      const QSignalBlocker block(table_->selectionModel());
      table_->selectRow(row);
    }
  });
  connect(model_, &PagedTableModel::loadFailed, this, [this](const ApiError& error) {
    answered_ = true;
    statusLine_->setText(model_->isStale()
                             ? tr("Showing older data: the last refresh failed (%1).").arg(error.summary())
                             : tr("Could not load orders: %1").arg(error.summary()));
  });
  renderDetails();
}

QString OrdersView::title() const { return tr("Orders"); }
QIcon OrdersView::icon() const { return QIcon(QStringLiteral(":/icons/orders.svg")); }

void OrdersView::activate() {
  if (started_) return;
  started_ = true;
  model_->reload();
}

void OrdersView::refresh() {
  started_ = true;
  model_->reload(PagedTableModel::Keep::RowsUntilReplaced);
  // The order shown, or the one whose details could not be read: Refresh tries it again.
  const QString shown = displayedOrderId();
  if (!shown.isEmpty()) loadDetails(shown);
}

void OrdersView::showWindow(const QDateTime& from, const QDateTime& to) {
  started_ = true;  // the filtered list below is the first load
  {
    const QSignalBlocker blockFrom(fromDate_);
    const QSignalBlocker blockTo(toDate_);
    const QSignalBlocker blockCheck(dateFilterEnabled_);
    fromDate_->setDateTime(from.toLocalTime());
    toDate_->setDateTime(to.toLocalTime());
    dateFilterEnabled_->setChecked(true);
    fromDate_->setEnabled(true);
    toDate_->setEnabled(true);
  }
  // The window as given, not rounded to the minutes the editors show; `to` is included.
  createdAfter_ = from;
  createdBefore_ = to.addMSecs(1);
  applyFilter();
  emit statusMessage(tr("Orders created between %1 and %2.").arg(display::timestamp(from), display::timestamp(to)));
}

bool OrdersView::isReady() const { return answered_ && detailAnswered_ && !model_->isLoading(); }

void OrdersView::setEditable(bool editable) {
  ViewPage::setEditable(editable);
  for (QAction* action : {createAction_, shipAction_, deliverAction_, cancelAction_}) action->setVisible(editable);
  updateActions();
}

QList<QAction*> OrdersView::paletteActions() const {
  QList<QAction*> actions{refreshAction_};
  if (isEditable()) actions << createAction_ << shipAction_ << deliverAction_ << cancelAction_;
  return actions;
}

void OrdersView::applyFilter() {
  api::OrderFilter filter{statusFilter_->currentData().toString(), userFilter_->text().trimmed(), {}, {}};
  // Sent to the gateway, so paging stays inside the range (an inverted one is its 400, shown below the list).
  if (dateFilterEnabled_->isChecked()) {
    filter.createdAfter = createdAfter_;
    filter.createdBefore = createdBefore_;
  }
  if (filter == model_->filter() && model_->pagesLoaded() > 0) return;
  model_->setFilter(filter);
}

QString OrdersView::selectedOrderId() const { return details_.order.id; }

QString OrdersView::displayedOrderId() const {
  if (!pendingId_.isEmpty()) return pendingId_;
  return details_.order.id.isEmpty() ? failedOrderId_ : details_.order.id;
}

void OrdersView::showOrder(const QString& orderId) {
  activate();
  const int row = model_->rowOf(orderId);
  if (row >= 0) {
    // The selection handler loads nothing for this row (the view still scrolls to it and draws it
    // selected): the order is loaded once, below, whether or not its row was current already.
    const QScopedValueRollback<bool> selecting(selectingShownRow_, true);
    table_->selectRow(row);
  }
  loadDetails(orderId);
}

void OrdersView::loadDetails(const QString& orderId) {
  if (orderId.isEmpty()) return;
  pendingId_ = orderId;
  detailAnswered_ = false;
  // Answers of an older load (of the order shown before, or of this one read before a change was
  // noticed) may come before or after this load's: only the newest load is shown, whatever order
  // its details, payments and events arrive in.
  const quint64 load = ++detailsLoad_;
  if (details_.order.id != orderId) {
    payments_.clear();
    paymentsError_.clear();
  }
  api::getOrderDetails(client_, orderId, this, [this, orderId, load](const Result<OrderDetails>& result) {
    if (load != detailsLoad_) return;
    pendingId_.clear();
    detailAnswered_ = true;
    if (!result) {
      // The order shown before does not stay beside the one chosen (its header and actions above
      // the chosen one's events): the panel says which order could not be read, and acts on none.
      details_ = OrderDetails{};
      failedOrderId_ = orderId;
      detailsError_ = tr("Could not load order %1: %2").arg(orderId, result.error().summary());
      renderDetails();
      emit statusMessage(tr("Order %1: %2").arg(orderId, result.error().summary()));
      return;
    }
    failedOrderId_.clear();
    detailsError_.clear();
    // Still older than what is shown (an action's answer came first, or the read lags behind it):
    // the newer version stays.
    if (details_.order.id == orderId && result->order.version < details_.order.version) return;
    const bool otherOrder = details_.order.id != orderId;
    details_ = result.value();
    model_->updateOrder(details_.order);
    renderDetails();
    // The events shown are this order's, or none until they come.
    if (otherOrder) events_->setEvents({});
    showLoadedEvents();
  });
  api::orderPayments(client_, orderId, this, [this, orderId, load](const Result<QVector<Payment>>& result) {
    if (load != detailsLoad_) return;
    payments_ = result ? result.value() : QVector<Payment>{};
    paymentsError_ = result ? QString() : result.error().message;
    if (details_.order.id == orderId) renderDetails();
  });
  api::orderEvents(client_, orderId, this, [this, orderId, load](const Result<QVector<OrderEvent>>& result) {
    if (load != detailsLoad_) return;
    eventsOrderId_ = orderId;
    loadedEvents_ = result ? result.value() : QVector<OrderEvent>{};
    showLoadedEvents();
  });
}

void OrdersView::showLoadedEvents() {
  // Only under the order whose details are shown: not under the previous order while the chosen
  // one's details are on their way, nor under an error.
  if (!details_.order.id.isEmpty() && details_.order.id == eventsOrderId_) events_->setEvents(loadedEvents_);
}

void OrdersView::renderDetails() {
  const Order& order = details_.order;
  lines_->clear();
  if (order.id.isEmpty()) {
    header_->setText(detailsError_.isEmpty()
                         ? tr("Select an order to see its details.")
                         : QStringLiteral("<span style=\"color:#d13d3d\">%1</span>").arg(detailsError_.toHtmlEscaped()));
    summary_->clear();
    summary_->setToolTip(QString());
    events_->setEvents({});
    updateActions();
    return;
  }
  QString html = QStringLiteral("<h3>%1 <span style=\"color:%2\">%3</span></h3>")
                     .arg(tr("Order %1").arg(order.id.toHtmlEscaped()), display::orderStatusColor(order.status).name(),
                          display::orderStatus(order.status));
  if (details_.user.has_value()) {
    html += tr("Customer: %1 &lt;%2&gt;").arg(details_.user->displayName.toHtmlEscaped(), details_.user->email.toHtmlEscaped());
  } else {
    html += tr("Customer: %1").arg(order.userId.toHtmlEscaped());
  }
  html += QStringLiteral("<br>") + tr("Created %1 · updated %2 · version %3")
                                       .arg(display::timestamp(order.createTime), display::timestamp(order.updateTime))
                                       .arg(order.version);
  if (!order.sagaId.isEmpty()) html += QStringLiteral("<br>") + tr("Saga: <a href=\"saga:%1\">%1</a>").arg(order.sagaId.toHtmlEscaped());
  if (!details_.missing.isEmpty()) {
    html += QStringLiteral("<br><span style=\"color:#d29922\">%1</span>")
                .arg(tr("Not available right now: %1").arg(details_.missing.join(QStringLiteral(", ")).toHtmlEscaped()));
  }
  header_->setText(html);
  for (const OrderItem& item : order.items) {
    Money lineTotal = item.unitPrice;
    lineTotal.units *= item.quantity;
    auto* row = new QTreeWidgetItem(lines_, {item.sku, item.name, QString::number(item.quantity), item.unitPrice.format(),
                                             lineTotal.format()});
    row->setTextAlignment(2, Qt::AlignRight | Qt::AlignVCenter);
    row->setTextAlignment(3, Qt::AlignRight | Qt::AlignVCenter);
    row->setTextAlignment(4, Qt::AlignRight | Qt::AlignVCenter);
  }
  QString summary = tr("<b>Total: %1</b>").arg(order.total.format());
  if (!order.trackingNumber.isEmpty()) summary += QStringLiteral("<br>") + tr("Tracking number: %1").arg(order.trackingNumber.toHtmlEscaped());
  // Reason codes are shown in words; the codes as the fleet sent them (what its logs and API say)
  // are the summary's tooltip.
  QStringList codes;
  const auto reason = [&codes](const QString& code, const QString& codeLine) {
    const QString words = display::reason(code);
    if (words != code) codes << codeLine.arg(code);
    return words.toHtmlEscaped();
  };
  if (!order.cancelReason.isEmpty()) {
    summary += QStringLiteral("<br>") + tr("Cancelled because: %1").arg(reason(order.cancelReason, tr("Cancel reason: %1", "the code as the fleet sent it")));
  }
  const bool paymentsOfThisOrder = std::all_of(payments_.cbegin(), payments_.cend(), [&](const Payment& p) { return p.orderId.isEmpty() || p.orderId == order.id; });
  if (!paymentsError_.isEmpty()) {
    summary += QStringLiteral("<br>") + tr("Payment: not available right now (%1)").arg(paymentsError_.toHtmlEscaped());
  } else if (paymentsOfThisOrder) {
    for (const Payment& payment : payments_) {
      QString line = tr("Payment: %1 %2 · %3").arg(paymentStatus(payment.status), payment.amount.format(), display::timestamp(payment.createTime));
      if (!payment.declineReason.isEmpty()) {
        line += QStringLiteral(" · ") + reason(payment.declineReason, tr("Decline reason: %1", "the code as the fleet sent it"));
      }
      summary += QStringLiteral("<br>") + line;
    }
  }
  summary_->setText(summary);
  summary_->setToolTip(codes.join(QLatin1Char('\n')));
  updateActions();
}

void OrdersView::updateActions() {
  const QString status = details_.order.status;
  const bool has = !details_.order.id.isEmpty();
  // One change at a time: a second click while the first is on its way would get a 409 and call
  // the order "no longer in a state that allows this" although the first one did it.
  const bool canChange = isEditable() && actionInFlight_.isEmpty();
  shipAction_->setEnabled(canChange && status == QLatin1String("CONFIRMED"));
  deliverAction_->setEnabled(canChange && status == QLatin1String("SHIPPED"));
  cancelAction_->setEnabled(canChange && (status == QLatin1String("PENDING") || status == QLatin1String("CONFIRMED")));
  createAction_->setEnabled(isEditable());
  historyAction_->setEnabled(has);
  sagaAction_->setEnabled(has && !details_.order.sagaId.isEmpty());
}

void OrdersView::openActionDialog(const Order& order, const QString& action) {
  if (!isEditable() || order.id.isEmpty()) return;
  QString title;
  QString question;
  QString acceptText;
  QString missingText;  // what to say when the text is left empty; none for deliver, which takes no text
  if (action == QLatin1String("ship")) {
    title = tr("Ship order");
    question = tr("Tracking number for order %1:").arg(order.id);
    acceptText = tr("Ship", "order action button");
    missingText = tr("Enter the tracking number.");
  } else if (action == QLatin1String("deliver")) {
    title = tr("Mark delivered");
    question = tr("Mark order %1 as delivered?").arg(order.id);
    acceptText = tr("Mark delivered");
  } else {
    title = tr("Cancel order");
    question = tr("Why is order %1 cancelled? Payment is refunded and stock released.").arg(order.id);
    acceptText = tr("Cancel order");
    missingText = tr("Enter why the order is cancelled.");
  }
  auto* dialog = new RequestDialog(this);
  dialog->setObjectName(QStringLiteral("orderActionDialog"));
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->setWindowTitle(title);
  auto* label = new QLabel(question, dialog);
  label->setWordWrap(true);
  QLineEdit* text = nullptr;
  if (!missingText.isEmpty()) {
    text = new QLineEdit(dialog);
    text->setObjectName(QStringLiteral("orderActionText"));
  }
  auto* error = new QLabel(dialog);
  error->setObjectName(QStringLiteral("orderActionError"));
  error->setStyleSheet(QStringLiteral("color: #d13d3d;"));
  error->setWordWrap(true);
  error->hide();
  // "Close", not "Cancel": beside "Cancel order" a plain "Cancel" would read as the action itself.
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Close, dialog);
  buttons->button(QDialogButtonBox::Ok)->setText(acceptText);
  // Wide enough for the question's order id on one line.
  dialog->setMinimumWidth(qMax(440, label->fontMetrics().horizontalAdvance(question) / 2 + 40));
  auto* layout = new QVBoxLayout(dialog);
  layout->addWidget(label);
  if (text != nullptr) layout->addWidget(text);
  layout->addWidget(error);
  layout->addWidget(buttons);
  // One key per dialog: pressing the button again after a lost answer repeats the same request, which
  // the gateway recognises (the order as the first one left it) instead of refusing it with a 409.
  const QString idempotencyKey = QUuid::createUuid().toString(QUuid::WithoutBraces);
  connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
  connect(buttons, &QDialogButtonBox::accepted, dialog,
          [this, dialog, text, error, buttons, order, action, acceptText, missingText, idempotencyKey] {
            const QString argument = text != nullptr ? text->text().trimmed() : QString();
            if (text != nullptr && argument.isEmpty()) {
              showInDialog(dialog, error, missingText);
              return;
            }
            QPointer<RequestDialog> open(dialog);
            const bool sent = act(order, action, argument, idempotencyKey,
                                  [open, error, buttons, acceptText](const Result<Order>& result) {
                                    if (open.isNull()) return;
                                    open->setBusy(false);
                                    buttons->setEnabled(true);
                                    if (!result && result.error().answerMayBeLost()) {
                                      showInDialog(open, error,
                                                   tr("No answer arrived (%1). The order may have been changed "
                                                      "already: press \"%2\" again to retry. The gateway recognises "
                                                      "the retry and does not change the order twice.")
                                                       .arg(result.error().summary(), acceptText));
                                      return;
                                    }
                                    // Done, or refused for good (the view explains why): nothing to retry.
                                    open->accept();
                                  });
            if (!sent) return;
            error->hide();
            buttons->setEnabled(false);
            dialog->setBusy(true);
          });
  dialog->open();
  if (text != nullptr) text->setFocus();
}

bool OrdersView::act(const Order& order, const QString& action, const QString& argument, const QString& idempotencyKey,
                     std::function<void(const Result<Order>&)> answered) {
  if (!isEditable() || order.id.isEmpty() || !actionInFlight_.isEmpty()) return false;
  const QString orderId = order.id;
  actionInFlight_ = orderId;
  updateActions();
  auto done = [this, orderId, action, answered = std::move(answered)](const Result<Order>& result) {
    actionInFlight_.clear();
    updateActions();
    if (answered) answered(result);
    if (!result) {
      // The dialog, still open, says so and offers the retry; what the order is now is read again.
      if (!result.error().answerMayBeLost()) {
        QString text = result.error().summary();
        if (result.error().httpStatus == 409) {
          text = tr("Order %1 is no longer in a state that allows this: %2").arg(orderId, result.error().message);
        } else if (result.error().httpStatus == 412) {
          text = tr("Order %1 changed after you chose this. Look at it again and retry if it still applies.").arg(orderId);
        }
        showError(this, tr("The order was not changed"), text, result.error().traceId);
      }
      // Another order chosen meanwhile stays on screen.
      if (displayedOrderId() == orderId) loadDetails(orderId);
      return;
    }
    model_->updateOrder(result.value());
    if (details_.order.id == orderId) {
      details_.order = result.value();
      renderDetails();
    }
    if (displayedOrderId() == orderId) loadDetails(orderId);
    if (action == QLatin1String("ship")) {
      emit statusMessage(tr("Order %1 shipped.").arg(orderId));
    } else if (action == QLatin1String("deliver")) {
      emit statusMessage(tr("Order %1 marked delivered.").arg(orderId));
    } else {
      emit statusMessage(tr("Order %1 cancelled.").arg(orderId));
    }
  };
  if (action == QLatin1String("ship")) {
    api::shipOrder(client_, orderId, order.version, argument, idempotencyKey, this, done);
  } else if (action == QLatin1String("deliver")) {
    api::deliverOrder(client_, orderId, order.version, idempotencyKey, this, done);
  } else if (action == QLatin1String("cancel")) {
    api::cancelOrder(client_, orderId, order.version, argument, idempotencyKey, this, done);
  }
  return true;
}

void OrdersView::createOrder() {
  if (!isEditable()) return;
  auto* dialog = new RequestDialog(this);
  dialog->setObjectName(QStringLiteral("newOrderDialog"));
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->setWindowTitle(tr("New order"));
  auto* user = new QLineEdit(dialog);
  user->setObjectName(QStringLiteral("newOrderUser"));
  user->setPlaceholderText(tr("User id"));
  auto* items = new QPlainTextEdit(dialog);
  items->setObjectName(QStringLiteral("newOrderItems"));
  items->setPlaceholderText(tr("One line per product: <product id> <quantity>"));
  auto* error = new QLabel(dialog);
  error->setStyleSheet(QStringLiteral("color: #d13d3d;"));
  error->setWordWrap(true);
  error->hide();
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, dialog);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Place order"));
  auto* form = new QFormLayout;
  form->addRow(tr("&Customer:"), user);
  form->addRow(tr("&Items:"), items);
  auto* layout = new QVBoxLayout(dialog);
  layout->addLayout(form);
  layout->addWidget(error);
  layout->addWidget(buttons);
  // One key per dialog: pressing "Place order" again after a lost answer cannot order twice.
  const QString idempotencyKey = QUuid::createUuid().toString(QUuid::WithoutBraces);
  connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
  connect(buttons, &QDialogButtonBox::accepted, dialog, [this, dialog, user, items, error, buttons, idempotencyKey] {
    QVector<api::NewOrderLine> lines;
    const QStringList rows = items->toPlainText().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    for (const QString& row : rows) {
      const QStringList parts = row.simplified().split(QLatin1Char(' '));
      bool ok = parts.size() <= 2;
      const qint64 quantity = parts.size() == 2 ? parts[1].toLongLong(&ok) : 1;
      if (!ok || quantity <= 0 || parts[0].isEmpty()) {
        showInDialog(dialog, error, tr("Cannot read \"%1\": write a product id and a quantity.").arg(row));
        return;
      }
      lines.append({parts[0], quantity});
    }
    if (user->text().trimmed().isEmpty() || lines.isEmpty()) {
      showInDialog(dialog, error, tr("Enter the customer and at least one product."));
      return;
    }
    buttons->setEnabled(false);
    dialog->setBusy(true);
    api::createOrder(client_, user->text().trimmed(), lines, idempotencyKey, dialog,
                     [this, dialog, error, buttons](const Result<Order>& result) {
                       buttons->setEnabled(true);
                       dialog->setBusy(false);
                       if (!result) {
                         QString text = result.error().message;
                         for (auto it = result.error().fieldErrors.cbegin(); it != result.error().fieldErrors.cend(); ++it) {
                           text += QLatin1Char('\n') + it.key() + QStringLiteral(": ") + it.value();
                         }
                         showInDialog(dialog, error, text);
                         return;
                       }
                       model_->prependOrder(result.value());
                       emit statusMessage(tr("Order %1 placed; its saga is running.").arg(result->id));
                       dialog->accept();
                       showOrder(result->id);
                     });
  });
  dialog->open();
}

void OrdersView::applyNotice(const OrderEventNotice& notice) {
  model_->applyNotice(notice);
  if (notice.orderId == details_.order.id && notice.version > details_.order.version) loadDetails(notice.orderId);
  // The order whose details could not be read changed: it may read now.
  if (details_.order.id.isEmpty() && pendingId_.isEmpty() && notice.orderId == failedOrderId_) loadDetails(notice.orderId);
}

}  // namespace fleetdeck::console
