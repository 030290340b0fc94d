// OrdersModel: orders (GET /api/v1/orders) as a paged table filtered by status, user and creation time
// (all applied by the gateway, so every page is inside the filter), kept current by `order.event`
// notices from the stream.
#pragma once

#include <QDate>
#include <QVector>

#include "client/api_types.h"
#include "client/gateway_api.h"
#include "models/paged_table_model.h"

namespace fleetdeck::console {

class OrdersModel : public PagedTableModel {
  Q_OBJECT

 public:
  enum Column { Id, Customer, Status, Items, Total, Created, Updated, ColumnCount };
  enum DataRole { IdRole = Qt::UserRole + 1, RawValueRole };

  explicit OrdersModel(GatewayClient* client, QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

  void setFilter(const api::OrderFilter& filter);
  const api::OrderFilter& filter() const { return filter_; }
  const Order& order(int row) const { return rows_.at(row); }
  int rowOf(const QString& id) const;
  // Replaces the listed order, unless the row already holds a newer version.
  void updateOrder(const Order& order);
  void prependOrder(const Order& order);

 public slots:
  // Moves the row's status and version along; returns nothing since an unknown order is simply not shown.
  void applyNotice(const fleetdeck::console::OrderEventNotice& notice);

 protected:
  void requestPage(const QString& pageToken, int pageSize, quint64 generation) override;
  void clearRows() override { rows_.clear(); }

 private:
  // Whether the order belongs in the list as filtered (status, customer, creation time).
  bool matchesFilter(const Order& order) const;
  api::OrderFilter filter_;
  QVector<Order> rows_;
};

}  // namespace fleetdeck::console
