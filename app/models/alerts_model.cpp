#include "models/alerts_model.h"

#include <QBrush>
#include <QGuiApplication>
#include <QHash>
#include <QPalette>
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

bool isFiring(const PromAlert& alert) { return alert.state == QLatin1String("firing"); }

// Acknowledged alerts are drawn calmer, so the unacknowledged firing ones stand out: the severity
// colour faded most of the way into the background, on the light and the dark theme alike.
QColor calmer(const QColor& colour) {
  const QColor background = QGuiApplication::palette().color(QPalette::Base);
  constexpr float kKept = 0.35f;
  return QColor::fromRgbF(colour.redF() * kKept + background.redF() * (1 - kKept),
                          colour.greenF() * kKept + background.greenF() * (1 - kKept),
                          colour.blueF() * kKept + background.blueF() * (1 - kKept));
}

}  // namespace

AlertsModel::AlertsModel(QObject* parent) : QAbstractTableModel(parent) {}

int AlertsModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(rows_.size()); }

int AlertsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant AlertsModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const PromAlert& alert = rows_.at(index.row());
  const bool acknowledged = alert.acknowledgement.has_value();
  if (role == Qt::DisplayRole || role == RawValueRole) {
    const bool raw = role == RawValueRole;
    switch (index.column()) {
      case Name: return alert.name;
      case Severity: return raw ? alert.severity : display::severity(alert.severity);
      case State: return raw ? alert.state : display::alertState(alert.state);
      case Since: return raw ? QVariant(alert.activeAt) : QVariant(display::age(alert.activeAt));
      case Acknowledged:
        if (!acknowledged) return QString();
        return raw ? alert.acknowledgement->byUsername : acknowledgementText(*alert.acknowledgement);
      case Labels: return alert.labelsText();
      case Summary: {
        const QString summary = alert.annotations.value(QStringLiteral("summary"));
        return summary.isEmpty() ? alert.annotations.value(QStringLiteral("description")) : summary;
      }
      default: return {};
    }
  }
  if (role == AcknowledgedRole) return acknowledged;
  if (role == Qt::ForegroundRole) {
    if (acknowledged) return QBrush(QGuiApplication::palette().color(QPalette::Disabled, QPalette::Text));
    if (index.column() == Severity) return QBrush(display::severityColor(alert.severity));
    return {};
  }
  if (role == Qt::DecorationRole && index.column() == Name) {
    return acknowledged ? calmer(display::severityColor(alert.severity)) : display::severityColor(alert.severity);
  }
  if (role == Qt::ToolTipRole) {
    QStringList lines;
    for (auto it = alert.annotations.cbegin(); it != alert.annotations.cend(); ++it) lines << it.key() + QStringLiteral(": ") + it.value();
    if (alert.activeAt.isValid()) lines << tr("Active since %1").arg(alert.activeAt.toLocalTime().toString(Qt::ISODate));
    if (acknowledged) lines << tr("Acknowledged %1").arg(acknowledgementText(*alert.acknowledgement));
    return lines.join(QLatin1Char('\n'));
  }
  return {};
}

QString AlertsModel::acknowledgementText(const AlertAcknowledgement& acknowledgement) {
  const QString who = acknowledgement.byUsername.isEmpty() ? acknowledgement.byUserId : acknowledgement.byUsername;
  const QString text =
      tr("by %1 at %2", "alert acknowledged by a user at a time").arg(who, display::timestamp(acknowledgement.at));
  return acknowledgement.comment.isEmpty() ? text : text + QStringLiteral(": ") + acknowledgement.comment;
}

QVariant AlertsModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case Name: return tr("Alert");
    case Severity: return tr("Severity");
    case State: return tr("State", "alert state column");
    case Since: return tr("Since");
    case Acknowledged: return tr("Acknowledged", "alert column");
    case Labels: return tr("Labels");
    case Summary: return tr("Summary");
    default: return {};
  }
}

bool AlertsModel::isShown(const PromAlert& alert) {
  return alert.state == QLatin1String("firing") || alert.state == QLatin1String("pending");
}

void AlertsModel::setAlerts(const QVector<PromAlert>& alerts,
                            const std::optional<QVector<AlertAcknowledgement>>& acknowledgements) {
  QSet<QString> wasFiring;
  QHash<QString, AlertAcknowledgement> known;
  for (const PromAlert& alert : rows_) {
    if (isFiring(alert)) wasFiring.insert(alert.key());
    if (!acknowledgements && alert.acknowledgement) known.insert(alert.key(), *alert.acknowledgement);
  }
  if (acknowledgements) {
    for (const AlertAcknowledgement& acknowledgement : *acknowledgements) {
      known.insert(acknowledgement.alertKey(), acknowledgement);
    }
  }
  QVector<PromAlert> shown;
  shown.reserve(alerts.size());
  for (const PromAlert& alert : alerts) {
    if (!isShown(alert)) continue;
    shown.append(alert);
    const auto found = known.constFind(alert.key());
    shown.last().acknowledgement = found == known.cend() ? std::nullopt : std::optional(*found);
  }
  std::sort(shown.begin(), shown.end(), before);
  beginResetModel();
  rows_ = std::move(shown);
  endResetModel();
  for (const PromAlert& alert : rows_) {
    if (!wasFiring.contains(alert.key()) && isNewFiring(alert)) emit alertFired(alert);
  }
}

bool AlertsModel::isNewFiring(const PromAlert& alert) {
  if (!isFiring(alert) || alert.acknowledgement) return false;
  const auto reported = reported_.find(alert.key());
  if (reported != reported_.end()) {
    // Without a start time on one side, the same key is taken for the same firing.
    if (*reported == alert.activeAt || !reported->isValid() || !alert.activeAt.isValid()) {
      if (!reported->isValid()) *reported = alert.activeAt;
      return false;
    }
  }
  reported_.insert(alert.key(), alert.activeAt);
  return true;
}

int AlertsModel::rowOf(const QString& key) const {
  for (int row = 0; row < rows_.size(); ++row) {
    if (rows_.at(row).key() == key) return row;
  }
  return -1;
}

int AlertsModel::firingCount() const { return static_cast<int>(std::count_if(rows_.begin(), rows_.end(), isFiring)); }

int AlertsModel::pendingCount() const {
  return static_cast<int>(
      std::count_if(rows_.begin(), rows_.end(), [](const PromAlert& a) { return a.state == QLatin1String("pending"); }));
}

int AlertsModel::acknowledgedCount() const {
  return static_cast<int>(
      std::count_if(rows_.begin(), rows_.end(), [](const PromAlert& a) { return a.acknowledgement.has_value(); }));
}

bool AlertsModel::setAcknowledgement(const QString& alertKey, const std::optional<AlertAcknowledgement>& acknowledgement) {
  const int row = rowOf(alertKey);
  if (row < 0) return false;
  rows_[row].acknowledgement = acknowledgement;
  emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
  return true;
}

void AlertsModel::applyAlert(const PromAlert& alert) {
  const int row = rowOf(alert.key());
  const bool wasFiring = row >= 0 && isFiring(rows_.at(row));
  if (!isShown(alert)) {
    reported_.remove(alert.key());
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
  if (!wasFiring && isNewFiring(alert)) emit alertFired(alert);
}

}  // namespace fleetdeck::console
