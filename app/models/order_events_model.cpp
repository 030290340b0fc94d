#include "models/order_events_model.h"

#include <QJsonDocument>
#include <algorithm>

#include "models/display_text.h"

namespace fleetdeck::console {

OrderEventsModel::OrderEventsModel(QObject* parent) : QAbstractTableModel(parent) {}

int OrderEventsModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(events_.size());
}

int OrderEventsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant OrderEventsModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const OrderEvent& event = events_.at(index.row());
  if (role == VersionRole) return event.version;
  if (role == Qt::DisplayRole) {
    switch (index.column()) {
      case Version: return event.version;
      case Type: return event.type;
      case Time: return display::timestamp(event.time);
      case Actor: return event.actor;
      case TraceId: return event.traceId;
      default: return {};
    }
  }
  if (role == Qt::ToolTipRole && index.column() == Type) {
    return QString::fromUtf8(QJsonDocument(event.payload).toJson(QJsonDocument::Indented));
  }
  return {};
}

QVariant OrderEventsModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case Version: return tr("Version", "event version column");
    case Type: return tr("Event");
    case Time: return tr("Time");
    case Actor: return tr("Actor");
    case TraceId: return tr("Trace");
    default: return {};
  }
}

void OrderEventsModel::setEvents(QVector<OrderEvent> events) {
  std::sort(events.begin(), events.end(), [](const OrderEvent& a, const OrderEvent& b) { return a.version < b.version; });
  beginResetModel();
  events_ = std::move(events);
  endResetModel();
}

bool OrderEventsModel::appendEvent(const OrderEvent& event) {
  if (!events_.isEmpty() && event.version <= events_.last().version) return false;
  const int row = static_cast<int>(events_.size());
  beginInsertRows({}, row, row);
  events_.append(event);
  endInsertRows();
  return true;
}

int OrderEventsModel::rowOfVersion(qint64 version) const {
  for (int row = 0; row < events_.size(); ++row) {
    if (events_.at(row).version == version) return row;
  }
  return -1;
}

}  // namespace fleetdeck::console
