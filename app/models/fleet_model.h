// FleetModel: services and their instances as a two-level tree (GET /api/v1/admin/fleet), with per-service
// request rate, error % and p99 from Prometheus, and live `fleet.change` updates applied in place.
#pragma once

#include <QAbstractItemModel>
#include <QHash>
#include <QList>
#include <QMetaType>
#include <QPointF>
#include <QVector>

#include "client/api_types.h"

namespace fleetdeck::console {

// Recent values for a sparkline, at their times over the window they were asked for: a service that
// started or stopped within it fills only its part of the line, and missing samples leave a gap
// (splitAtGaps) instead of being drawn over.
struct Sparkline {
  QList<QPointF> points;  // x: ms since the epoch, oldest first
  double startMs = 0;
  double endMs = 0;
  double stepMs = 0;  // the step the samples were asked at
};

struct ServiceStats {
  Sparkline requestRateHistory;
  double requestRate = -1;  // per second; -1 when unknown
  double errorPercent = -1;
  double p99Ms = -1;
};

class FleetModel : public QAbstractItemModel {
  Q_OBJECT

 public:
  enum Column { Name, Status, Version, Uptime, RequestRate, ErrorRate, P99, LastHeartbeat, Breakers, ColumnCount };
  enum DataRole { RawValueRole = Qt::UserRole + 1, SparklineRole, ServiceNameRole, InstanceIdRole };

  explicit FleetModel(QObject* parent = nullptr);

  QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
  QModelIndex parent(const QModelIndex& child) const override;
  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

  // Replaces the fleet. When the services and instances are the same as before, rows only change
  // in place (views keep selection and expansion); otherwise the model resets.
  void setFleet(QVector<FleetService> services);
  const QVector<FleetService>& services() const { return services_; }
  void setStats(const QHash<QString, ServiceStats>& stats);
  const FleetService* serviceAt(const QModelIndex& index) const;
  const FleetInstance* instanceAt(const QModelIndex& index) const;
  // The row of `service`, or of its instance `instanceId` when given; invalid when not listed.
  QModelIndex indexOf(const QString& service, const QString& instanceId = {}) const;

  // Applies a `fleet.change`; false when it names an instance the model does not know (time to refetch).
  bool applyChange(const FleetChange& change);
  // Emits dataChanged for the time columns so ages and uptimes move on.
  void refreshTimes();

 private:
  static QString derivedStatus(const FleetService& service);
  QVariant serviceData(int row, int column, int role) const;
  QVariant instanceData(const FleetInstance& instance, int column, int role) const;

  QVector<FleetService> services_;
  QHash<QString, ServiceStats> stats_;
};

}  // namespace fleetdeck::console

Q_DECLARE_METATYPE(fleetdeck::console::Sparkline)
