#include "models/orders_model.h"

#include <QBrush>

#include "models/display_text.h"

namespace fleetdeck::console {

OrdersModel::OrdersModel(GatewayClient* client, QObject* parent) : PagedTableModel(client, parent) {}

int OrdersModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(rows_.size()); }

int OrdersModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant OrdersModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const Order& order = rows_.at(index.row());
  if (role == IdRole) return order.id;
  if (role == Qt::DisplayRole || role == RawValueRole) {
    const bool raw = role == RawValueRole;
    switch (index.column()) {
      case Id: return order.id;
      case Customer: return order.userId;
      case Status: return raw ? order.status : display::orderStatus(order.status);
      case Items: {
        qint64 quantity = 0;
        for (const OrderItem& item : order.items) quantity += item.quantity;
        return quantity;
      }
      case Total: return raw ? QVariant(order.total.units) : QVariant(order.total.format());
      case Created: return raw ? QVariant(order.createTime) : QVariant(display::timestamp(order.createTime));
      case Updated: return raw ? QVariant(order.updateTime) : QVariant(display::timestamp(order.updateTime));
      default: return {};
    }
  }
  if (role == Qt::ForegroundRole && index.column() == Status) return QBrush(display::orderStatusColor(order.status));
  if (role == Qt::TextAlignmentRole && (index.column() == Items || index.column() == Total)) {
    return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
  }
  // The list cuts ids in the middle to fit their columns (setUpListTable): the whole id is the tooltip,
  // to compare rows by. The display text stays whole too, for Ctrl+C (the view copies it).
  if (role == Qt::ToolTipRole && index.column() == Id) return order.id;
  if (role == Qt::ToolTipRole && index.column() == Customer) return order.userId;
  if (role == Qt::ToolTipRole && index.column() == Status && !order.cancelReason.isEmpty()) {
    return tr("Cancelled: %1").arg(order.cancelReason);
  }
  return {};
}

QVariant OrdersModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case Id: return tr("Order");
    case Customer: return tr("Customer");
    case Status: return tr("Status", "order status column");
    case Items: return tr("Items", "number of items");
    case Total: return tr("Total", "order total");
    case Created: return tr("Created");
    case Updated: return tr("Updated", "time of last change");
    default: return {};
  }
}

void OrdersModel::setFilter(const api::OrderFilter& filter) {
  filter_ = filter;
  reload(Keep::Nothing);
}

int OrdersModel::rowOf(const QString& id) const {
  for (int row = 0; row < rows_.size(); ++row) {
    if (rows_.at(row).id == id) return row;
  }
  return -1;
}

void OrdersModel::updateOrder(const Order& order) {
  const int row = rowOf(order.id);
  // An answer read before the row's last notice or action is older than the row: it stays.
  if (row < 0 || order.version < rows_.at(row).version) return;
  rows_[row] = order;
  emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void OrdersModel::prependOrder(const Order& order) {
  if (rowOf(order.id) >= 0) {
    updateOrder(order);
    return;
  }
  // A list filtered by status or customer shows only its own: a new PENDING order does not belong
  // on top of a Shipped list.
  if (!matchesFilter(order)) return;
  beginInsertRows({}, 0, 0);
  rows_.prepend(order);
  endInsertRows();
}

void OrdersModel::applyNotice(const OrderEventNotice& notice) {
  const int row = rowOf(notice.orderId);
  if (row < 0) return;
  Order& order = rows_[row];
  if (notice.version <= order.version) return;  // already known, or a late duplicate
  order.version = notice.version;
  if (const QString status = OrderEventNotice::statusAfter(notice.type); !status.isEmpty()) order.status = status;
  if (notice.time.isValid()) order.updateTime = notice.time;
  if (!matchesFilter(order)) {
    // Confirmed in a list of pending orders: it leaves the list, as a reload would show it.
    beginRemoveRows({}, row, row);
    rows_.removeAt(row);
    endRemoveRows();
    return;
  }
  emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

bool OrdersModel::matchesFilter(const Order& order) const {
  // The gateway's range: from createdAfter on, up to but not including createdBefore.
  return (filter_.status.isEmpty() || order.status == filter_.status) &&
         (filter_.userId.isEmpty() || order.userId == filter_.userId) &&
         (!filter_.createdAfter.isValid() || order.createTime >= filter_.createdAfter) &&
         (!filter_.createdBefore.isValid() || order.createTime < filter_.createdBefore);
}

void OrdersModel::requestPage(const QString& pageToken, int pageSize, quint64 generation) {
  api::listOrders(client(), filter_, pageToken, pageSize, this,
                  [this, generation](const Result<Page<Order>>& result) { acceptPage(rows_, generation, result); });
}

}  // namespace fleetdeck::console
