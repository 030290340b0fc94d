#include "models/fleet_model.h"

#include <QBrush>
#include <QLocale>
#include <QStringList>
#include <algorithm>

#include "models/display_text.h"

namespace fleetdeck::console {
namespace {

// Instance rows carry their service's row + 1 as internal id; service rows carry 0.
constexpr quintptr kServiceRow = 0;

bool sameShape(const QVector<FleetService>& a, const QVector<FleetService>& b) {
  if (a.size() != b.size()) return false;
  for (int i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].instances.size() != b[i].instances.size()) return false;
    for (int j = 0; j < a[i].instances.size(); ++j) {
      if (a[i].instances[j].instanceId != b[i].instances[j].instanceId) return false;
    }
  }
  return true;
}

QString breakersText(const QVector<Breaker>& breakers) {
  QStringList parts;
  for (const Breaker& breaker : breakers) {
    if (breaker.state == QLatin1String("closed")) continue;
    parts << breaker.upstream + QStringLiteral(": ") + display::breakerState(breaker.state);
  }
  return parts.join(QStringLiteral(", "));
}

}  // namespace

FleetModel::FleetModel(QObject* parent) : QAbstractItemModel(parent) {}

QModelIndex FleetModel::index(int row, int column, const QModelIndex& parent) const {
  if (!hasIndex(row, column, parent)) return {};
  if (!parent.isValid()) return createIndex(row, column, kServiceRow);
  if (parent.internalId() != kServiceRow) return {};
  return createIndex(row, column, static_cast<quintptr>(parent.row() + 1));
}

QModelIndex FleetModel::parent(const QModelIndex& child) const {
  if (!child.isValid() || child.internalId() == kServiceRow) return {};
  return createIndex(static_cast<int>(child.internalId() - 1), 0, kServiceRow);
}

int FleetModel::rowCount(const QModelIndex& parent) const {
  if (!parent.isValid()) return static_cast<int>(services_.size());
  if (parent.internalId() != kServiceRow || parent.column() != 0) return 0;
  return static_cast<int>(services_.at(parent.row()).instances.size());
}

int FleetModel::columnCount(const QModelIndex&) const { return ColumnCount; }

const FleetService* FleetModel::serviceAt(const QModelIndex& index) const {
  if (!index.isValid()) return nullptr;
  const int row = index.internalId() == kServiceRow ? index.row() : static_cast<int>(index.internalId() - 1);
  return row >= 0 && row < services_.size() ? &services_[row] : nullptr;
}

const FleetInstance* FleetModel::instanceAt(const QModelIndex& index) const {
  if (!index.isValid() || index.internalId() == kServiceRow) return nullptr;
  const FleetService* service = serviceAt(index);
  if (service == nullptr || index.row() >= service->instances.size()) return nullptr;
  return &service->instances[index.row()];
}

QModelIndex FleetModel::indexOf(const QString& service, const QString& instanceId) const {
  for (int row = 0; row < services_.size(); ++row) {
    if (services_[row].name != service) continue;
    const QModelIndex serviceIndex = index(row, 0);
    if (instanceId.isEmpty()) return serviceIndex;
    const QVector<FleetInstance>& instances = services_[row].instances;
    for (int child = 0; child < instances.size(); ++child) {
      if (instances[child].instanceId == instanceId) return index(child, 0, serviceIndex);
    }
    return {};
  }
  return {};
}

QVariant FleetModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
  if (index.internalId() == kServiceRow) return serviceData(index.row(), index.column(), role);
  const FleetInstance* instance = instanceAt(index);
  if (instance == nullptr) return {};
  if (role == ServiceNameRole) return serviceAt(index)->name;
  return instanceData(*instance, index.column(), role);
}

QVariant FleetModel::serviceData(int row, int column, int role) const {
  const FleetService& service = services_.at(row);
  const ServiceStats stats = stats_.value(service.name);
  if (role == ServiceNameRole) return service.name;
  if (role == SparklineRole && column == RequestRate) return QVariant::fromValue(stats.requestRateHistory);
  if (role == Qt::ForegroundRole && column == Status) return QBrush(display::fleetStatusColor(service.status));
  if (role == Qt::DecorationRole && column == Name) return display::fleetStatusColor(service.status);
  if (role == Qt::TextAlignmentRole && column >= RequestRate && column <= P99) {
    return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
  }
  if (role == RawValueRole) {
    switch (column) {
      case Name: return service.name;
      case Status: return service.status;
      case RequestRate: return stats.requestRate;
      case ErrorRate: return stats.errorPercent;
      case P99: return stats.p99Ms;
      default: return {};
    }
  }
  if (role != Qt::DisplayRole) return {};
  const QLocale locale;
  switch (column) {
    case Name: return tr("%1 (%n instance(s))", "service name and instance count", static_cast<int>(service.instances.size())).arg(service.name);
    case Status: return display::fleetStatus(service.status);
    case Version: {
      QStringList versions;
      for (const FleetInstance& instance : service.instances) {
        if (!versions.contains(instance.version)) versions << instance.version;
      }
      return versions.join(QStringLiteral(", "));
    }
    case Uptime: {
      QDateTime oldest;
      for (const FleetInstance& instance : service.instances) {
        if (instance.status != QLatin1String("down") && (!oldest.isValid() || instance.startTime < oldest)) oldest = instance.startTime;
      }
      return oldest.isValid() ? display::duration(oldest.secsTo(QDateTime::currentDateTimeUtc())) : QString();
    }
    case RequestRate: return stats.requestRate < 0 ? QString() : tr("%1/s", "requests per second").arg(locale.toString(stats.requestRate, 'f', 1));
    case ErrorRate: return stats.errorPercent < 0 ? QString() : tr("%1 %", "error percentage").arg(locale.toString(stats.errorPercent, 'f', 2));
    case P99: return stats.p99Ms < 0 ? QString() : tr("%1 ms", "latency").arg(locale.toString(stats.p99Ms, 'f', 1));
    case LastHeartbeat: {
      QDateTime latest;
      for (const FleetInstance& instance : service.instances) latest = qMax(latest, instance.lastHeartbeat);
      return display::age(latest);
    }
    case Breakers: {
      QStringList parts;
      for (const FleetInstance& instance : service.instances) {
        const QString text = breakersText(instance.breakers);
        if (!text.isEmpty() && !parts.contains(text)) parts << text;
      }
      return parts.join(QStringLiteral("; "));
    }
    default: return {};
  }
}

QVariant FleetModel::instanceData(const FleetInstance& instance, int column, int role) const {
  if (role == InstanceIdRole) return instance.instanceId;
  if (role == Qt::ForegroundRole && column == Status) return QBrush(display::fleetStatusColor(instance.status));
  if (role == Qt::DecorationRole && column == Name) return display::fleetStatusColor(instance.status);
  if (role == Qt::ToolTipRole && column == Name) {
    return tr("gRPC %1, admin %2").arg(instance.grpcAddress, instance.adminAddress);
  }
  if (role == RawValueRole) {
    if (column == Name) return instance.instanceId;
    if (column == Status) return instance.status;
    return {};
  }
  if (role != Qt::DisplayRole) return {};
  switch (column) {
    case Name: return instance.instanceId;
    case Status: return display::fleetStatus(instance.status);
    case Version: return instance.version;
    case Uptime:
      return instance.startTime.isValid() && instance.status != QLatin1String("down")
                 ? display::duration(instance.startTime.secsTo(QDateTime::currentDateTimeUtc()))
                 : QString();
    case LastHeartbeat: return display::age(instance.lastHeartbeat);
    case Breakers: return breakersText(instance.breakers);
    default: return {};
  }
}

QVariant FleetModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case Name: return tr("Service");
    case Status: return tr("Status", "service status column");
    case Version: return tr("Version");
    case Uptime: return tr("Uptime");
    case RequestRate: return tr("Requests");
    case ErrorRate: return tr("Errors");
    case P99: return tr("p99");
    case LastHeartbeat: return tr("Heartbeat");
    case Breakers: return tr("Breakers", "circuit breakers column");
    default: return {};
  }
}

void FleetModel::setFleet(QVector<FleetService> services) {
  std::sort(services.begin(), services.end(), [](const FleetService& a, const FleetService& b) { return a.name < b.name; });
  for (FleetService& service : services) {
    std::sort(service.instances.begin(), service.instances.end(),
              [](const FleetInstance& a, const FleetInstance& b) { return a.instanceId < b.instanceId; });
  }
  if (sameShape(services_, services)) {
    services_ = std::move(services);
    if (services_.isEmpty()) return;
    emit dataChanged(index(0, 0), index(static_cast<int>(services_.size()) - 1, ColumnCount - 1));
    for (int row = 0; row < services_.size(); ++row) {
      const int instances = static_cast<int>(services_[row].instances.size());
      if (instances == 0) continue;
      const QModelIndex parent = index(row, 0);
      emit dataChanged(index(0, 0, parent), index(instances - 1, ColumnCount - 1, parent));
    }
    return;
  }
  beginResetModel();
  services_ = std::move(services);
  endResetModel();
}

void FleetModel::setStats(const QHash<QString, ServiceStats>& stats) {
  stats_ = stats;
  if (services_.isEmpty()) return;
  emit dataChanged(index(0, RequestRate), index(static_cast<int>(services_.size()) - 1, P99));
}

QString FleetModel::derivedStatus(const FleetService& service) {
  int up = 0;
  int down = 0;
  for (const FleetInstance& instance : service.instances) {
    if (instance.status == QLatin1String("up")) ++up;
    if (instance.status == QLatin1String("down")) ++down;
  }
  if (service.instances.isEmpty() || down == service.instances.size()) return QStringLiteral("down");
  if (up == service.instances.size()) return QStringLiteral("up");
  return QStringLiteral("degraded");
}

bool FleetModel::applyChange(const FleetChange& change) {
  for (int row = 0; row < services_.size(); ++row) {
    FleetService& service = services_[row];
    if (service.name != change.service) continue;
    for (int child = 0; child < service.instances.size(); ++child) {
      FleetInstance& instance = service.instances[child];
      if (instance.instanceId != change.instance) continue;
      // Only the status: a change says nothing of the heartbeat (an instance is often degraded
      // precisely because its heartbeat is late), which the next fleet answer brings.
      instance.status = change.status;
      service.status = derivedStatus(service);
      const QModelIndex parent = index(row, 0);
      emit dataChanged(index(child, 0, parent), index(child, ColumnCount - 1, parent));
      emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
      return true;
    }
    // A service-level change without an instance (the whole service went away or came back).
    if (change.instance.isEmpty()) {
      service.status = change.status;
      emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
      return true;
    }
    return false;
  }
  return false;
}

void FleetModel::refreshTimes() {
  if (services_.isEmpty()) return;
  emit dataChanged(index(0, Uptime), index(static_cast<int>(services_.size()) - 1, Uptime));
  emit dataChanged(index(0, LastHeartbeat), index(static_cast<int>(services_.size()) - 1, LastHeartbeat));
  for (int row = 0; row < services_.size(); ++row) {
    const int instances = static_cast<int>(services_[row].instances.size());
    if (instances == 0) continue;
    const QModelIndex parent = index(row, 0);
    emit dataChanged(index(0, Uptime, parent), index(instances - 1, LastHeartbeat, parent));
  }
}

}  // namespace fleetdeck::console
