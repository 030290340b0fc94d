#include "models/alerts_model.h"

#include <QBrush>
#include <QSet>
#include <algorithm>

#include "models/display_text.h"

namespace fleetdeck::console {
namespace {

int severityRank(const QString& severity) {
  if (severity == QLatin1String("critical")) return 0;
  if (severity == QLatin1String("warning")) return 1;
  return 2;
}

bool before(const PromAlert& a, const PromAlert& b) {
  const bool aFiring = a.state == QLatin1String("firing");
  const bool bFiring = b.state == QLatin1String("firing");
  if (aFiring != bFiring) return aFiring;
  if (severityRank(a.severity) != severityRank(b.severity)) return severityRank(a.severity) < severityRank(b.severity);
  if (a.activeAt != b.activeAt) return a.activeAt > b.activeAt;
  return a.key() < b.key();
}

}  // namespace

AlertsModel::AlertsModel(QObject* parent) : QAbstractTableModel(parent) {}

int AlertsModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(rows_.size()); }

int AlertsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant AlertsModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const PromAlert& alert = rows_.at(index.row());
  if (role == Qt::DisplayRole || role == RawValueRole) {
    const bool raw = role == RawValueRole;
    switch (index.column()) {
      case Name: return alert.name;
      case Severity: return raw ? alert.severity : display::severity(alert.severity);
      case State: return raw ? alert.state : display::alertState(alert.state);
      case Since: return raw ? QVariant(alert.activeAt) : QVariant(display::age(alert.activeAt));
      case Labels: return alert.labelsText();
      case Summary: {
        const QString summary = alert.annotations.value(QStringLiteral("summary"));
        return summary.isEmpty() ? alert.annotations.value(QStringLiteral("description")) : summary;
      }
      default: return {};
    }
  }
  if (role == Qt::ForegroundRole && index.column() == Severity) return QBrush(display::severityColor(alert.severity));
  if (role == Qt::DecorationRole && index.column() == Name) return display::severityColor(alert.severity);
  if (role == Qt::ToolTipRole) {
    QStringList lines;
    for (auto it = alert.annotations.cbegin(); it != alert.annotations.cend(); ++it) lines << it.key() + QStringLiteral(": ") + it.value();
    if (alert.activeAt.isValid()) lines << tr("Active since %1").arg(alert.activeAt.toLocalTime().toString(Qt::ISODate));
    return lines.join(QLatin1Char('\n'));
  }
  return {};
}

QVariant AlertsModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case Name: return tr("Alert");
    case Severity: return tr("Severity");
    case State: return tr("State", "alert state column");
    case Since: return tr("Since");
    case Labels: return tr("Labels");
    case Summary: return tr("Summary");
    default: return {};
  }
}

bool AlertsModel::isShown(const PromAlert& alert) {
  return alert.state == QLatin1String("firing") || alert.state == QLatin1String("pending");
}

void AlertsModel::setAlerts(const QVector<PromAlert>& alerts) {
  QSet<QString> wasFiring;
  for (const PromAlert& alert : rows_) {
    if (alert.state == QLatin1String("firing")) wasFiring.insert(alert.key());
  }
  QVector<PromAlert> shown;
  shown.reserve(alerts.size());
  for (const PromAlert& alert : alerts) {
    if (isShown(alert)) shown.append(alert);
  }
  std::sort(shown.begin(), shown.end(), before);
  beginResetModel();
  rows_ = std::move(shown);
  endResetModel();
  for (const PromAlert& alert : rows_) {
    if (alert.state == QLatin1String("firing") && !wasFiring.contains(alert.key())) emit alertFired(alert);
  }
}

int AlertsModel::rowOf(const QString& key) const {
  for (int row = 0; row < rows_.size(); ++row) {
    if (rows_.at(row).key() == key) return row;
  }
  return -1;
}

int AlertsModel::firingCount() const {
  return static_cast<int>(std::count_if(rows_.begin(), rows_.end(),
                                        [](const PromAlert& a) { return a.state == QLatin1String("firing"); }));
}

void AlertsModel::applyAlert(const PromAlert& alert) {
  const int row = rowOf(alert.key());
  const bool wasFiring = row >= 0 && rows_.at(row).state == QLatin1String("firing");
  if (!isShown(alert)) {
    if (row < 0) return;
    beginRemoveRows({}, row, row);
    rows_.removeAt(row);
    endRemoveRows();
    return;
  }
  if (row >= 0) {
    rows_[row] = alert;
    emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
  } else {
    const int position = static_cast<int>(std::lower_bound(rows_.begin(), rows_.end(), alert, before) - rows_.begin());
    beginInsertRows({}, position, position);
    rows_.insert(position, alert);
    endInsertRows();
  }
  if (alert.state == QLatin1String("firing") && !wasFiring) emit alertFired(alert);
}

}  // namespace fleetdeck::console
