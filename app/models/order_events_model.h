// OrderEventsModel: an order's event history (GET /api/v1/orders/{id}/events), oldest first.
#pragma once

#include <QAbstractTableModel>
#include <QVector>

#include "client/api_types.h"

namespace fleetdeck::console {

class OrderEventsModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { Version, Type, Time, Actor, TraceId, ColumnCount };
  enum DataRole { VersionRole = Qt::UserRole + 1 };

  explicit OrderEventsModel(QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

  void setEvents(QVector<OrderEvent> events);
  // Appends a newer event (from the stream); older or duplicate versions are ignored.
  bool appendEvent(const OrderEvent& event);
  const QVector<OrderEvent>& events() const { return events_; }
  int rowOfVersion(qint64 version) const;

 private:
  QVector<OrderEvent> events_;
};

}  // namespace fleetdeck::console
