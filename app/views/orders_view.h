// OrdersView: orders filtered by status, user and date; a detail panel with lines, totals, customer,
// saga and events; ship / deliver / cancel with confirmation; create an order for a user (admins).
#pragma once

#include <QDateTime>
#include <functional>

#include "client/api_types.h"
#include "client/result.h"
#include "views/view_page.h"

class QComboBox;
class QDateTimeEdit;
class QLabel;
class QLineEdit;
class QTableView;
class QTreeWidget;
class QCheckBox;

class QTimer;

namespace fleetdeck::console {

class GatewayClient;
class OrderEventsModel;
class OrdersModel;

class OrdersView : public ViewPage {
  Q_OBJECT

 public:
  explicit OrdersView(GatewayClient* client, QWidget* parent = nullptr);

  QString key() const override { return QStringLiteral("orders"); }
  QString title() const override;
  QIcon icon() const override;
  void activate() override;
  void refresh() override;
  bool isReady() const override;
  void setEditable(bool editable) override;
  QList<QAction*> paletteActions() const override;

  OrdersModel* model() const { return model_; }
  QTableView* table() const { return table_; }
  QString shownOrderId() const { return details_.order.id; }
  OrderEventsModel* eventsModel() const { return events_; }

 public slots:
  void showOrder(const QString& orderId);
  void applyNotice(const fleetdeck::console::OrderEventNotice& notice);
  void createOrder();
  // Orders created in [from, to] (an alert's window): sets the date filter, which the gateway applies.
  void showWindow(const QDateTime& from, const QDateTime& to);

 private:
  void applyFilter();
  void loadDetails(const QString& orderId);
  void renderDetails();
  // The events read last, if they are the shown order's.
  void showLoadedEvents();
  void updateActions();
  // The ship / deliver / cancel dialog for `order` as shown now: it keeps the order's id, version and
  // one idempotency key for as long as it is open, and stays open for a retry when an answer is lost.
  void openActionDialog(const Order& order, const QString& action);
  // `order` as it was when the user chose the action: its id and version, not whatever is shown now.
  // `answered` gets the outcome before the view shows it; false when nothing was sent (another change
  // is on its way).
  bool act(const Order& order, const QString& action, const QString& argument, const QString& idempotencyKey,
           std::function<void(const Result<Order>&)> answered);
  QString selectedOrderId() const;
  // The order the detail panel shows, or the one whose details are on their way to it.
  QString displayedOrderId() const;

  GatewayClient* client_;
  OrdersModel* model_;
  OrderEventsModel* events_;
  QComboBox* statusFilter_;
  QLineEdit* userFilter_;
  QCheckBox* dateFilterEnabled_;
  QDateTimeEdit* fromDate_;
  QDateTimeEdit* toDate_;
  QTableView* table_;
  QLabel* header_;
  QTreeWidget* lines_;
  QLabel* summary_;
  QTableView* eventsTable_;
  QLabel* statusLine_;
  // Edits of the range apply once they pause (each step of a date editor changes it: the list was
  // cleared and refetched for every one, with short-lived inverted ranges among them).
  QTimer* dateSettled_;
  // The range's end as first shown (today, 23:59 when the view was built): still that when the filter
  // is switched on a later day, it moves to the end of that day, or today's orders were left out.
  QDateTime defaultTo_;
  QAction* refreshAction_;
  QAction* createAction_;
  QAction* shipAction_;
  QAction* deliverAction_;
  QAction* cancelAction_;
  QAction* historyAction_;
  QAction* sagaAction_;
  OrderDetails details_;
  QVector<Payment> payments_;
  QString paymentsError_;  // why the payments could not be read, when they could not
  QString pendingId_;
  // The order whose details could not be read, and why (shown in the panel instead of an order).
  QString failedOrderId_;
  QString detailsError_;
  // The events read by the newest load, and whose they are; shown only under that order's details.
  QString eventsOrderId_;
  QVector<OrderEvent> loadedEvents_;
  QString actionInFlight_;  // the order a ship/deliver/cancel is on its way for
  quint64 detailsLoad_ = 0;  // numbers each loadDetails(); older answers are dropped
  // The date filter's range while "Created between" is checked: [createdAfter_, createdBefore_).
  QDateTime createdAfter_;
  QDateTime createdBefore_;
  bool started_ = false;
  bool answered_ = false;
  bool detailAnswered_ = true;
  bool selectingShownRow_ = false;  // showOrder() is marking its row; it loads the order itself
};

}  // namespace fleetdeck::console
