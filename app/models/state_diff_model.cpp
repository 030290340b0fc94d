#include "models/state_diff_model.h"

#include <QBrush>
#include <QColor>
#include <QFont>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>
#include <algorithm>

#include "client/api_types.h"
#include "models/display_text.h"

namespace fleetdeck::console {
namespace {

// google.type.Money-like {currencyCode, units} (proto3 JSON), nothing else in it.
bool isMoney(const QJsonObject& object) {
  if (!object.contains(QLatin1String("currencyCode")) || !object.contains(QLatin1String("units"))) return false;
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (it.key() != QLatin1String("currencyCode") && it.key() != QLatin1String("units")) return false;
  }
  return object.value(QLatin1String("currencyCode")).isString();
}

void flattenInto(const QJsonValue& value, const QString& path, QMap<QString, QString>& out) {
  if (value.isObject() && !path.isEmpty() && isMoney(value.toObject())) {
    out.insert(path, jsonText(value));
  } else if (value.isObject()) {
    const QJsonObject object = value.toObject();
    if (object.isEmpty() && !path.isEmpty()) out.insert(path, QStringLiteral("{}"));
    for (auto it = object.begin(); it != object.end(); ++it) {
      flattenInto(it.value(), path.isEmpty() ? it.key() : path + QLatin1Char('.') + it.key(), out);
    }
  } else if (value.isArray()) {
    const QJsonArray array = value.toArray();
    if (array.isEmpty()) out.insert(path, QStringLiteral("[]"));
    for (int i = 0; i < array.size(); ++i) flattenInto(array.at(i), QStringLiteral("%1[%2]").arg(path).arg(i), out);
  } else {
    out.insert(path, jsonText(value));
  }
}

}  // namespace

QString displayFieldValue(const QString& raw, const QString& path) {
  // An order's state and reason code in the words the rest of the console uses.
  if (path == QLatin1String("status")) return display::orderStatus(raw);
  if (path == QLatin1String("cancelReason")) return display::reason(raw);
  if (raw.startsWith(QLatin1Char('{'))) {
    const QJsonObject object = QJsonDocument::fromJson(raw.toUtf8()).object();
    if (isMoney(object)) return Money::fromJson(object).format();
    return raw;
  }
  // proto3 JSON timestamps: "2024-03-01T10:00:00Z", with 0-9 fraction digits and Z or an offset.
  static const QRegularExpression rfc3339(
      QStringLiteral("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$"));
  if (rfc3339.match(raw).hasMatch()) {
    const QDateTime time = jsonTime(QJsonValue(raw));
    if (time.isValid()) return display::timestamp(time);
  }
  return raw;
}

QMap<QString, QString> flattenJson(const QJsonObject& object) {
  QMap<QString, QString> out;
  flattenInto(object, QString(), out);
  return out;
}

QVector<FieldDiff> diffStates(const QJsonObject& before, const QJsonObject& after) {
  const QMap<QString, QString> a = flattenJson(before);
  const QMap<QString, QString> b = flattenJson(after);
  QVector<FieldDiff> rows;
  rows.reserve(qMax(a.size(), b.size()));
  auto ia = a.cbegin();
  auto ib = b.cbegin();
  // Both maps iterate in key order: one merge pass.
  while (ia != a.cend() || ib != b.cend()) {
    FieldDiff diff;
    if (ib == b.cend() || (ia != a.cend() && ia.key() < ib.key())) {
      diff = FieldDiff{ia.key(), displayFieldValue(ia.value(), ia.key()), QString(), true, false, true, ia.value(), QString()};
      ++ia;
    } else if (ia == a.cend() || ib.key() < ia.key()) {
      diff = FieldDiff{ib.key(), QString(), displayFieldValue(ib.value(), ib.key()), true, true, false, QString(), ib.value()};
      ++ib;
    } else {
      // Changed means the values the gateway sent differ, even where they read the same (two times
      // in the same minute).
      diff = FieldDiff{ia.key(), displayFieldValue(ia.value(), ia.key()), displayFieldValue(ib.value(), ib.key()), ia.value() != ib.value(),
                       false, false, ia.value(), ib.value()};
      ++ia;
      ++ib;
    }
    rows.append(diff);
  }
  return rows;
}

StateDiffModel::StateDiffModel(QObject* parent) : QAbstractTableModel(parent) {}

int StateDiffModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(rows_.size()); }

int StateDiffModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant StateDiffModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const FieldDiff& diff = rows_.at(index.row());
  if (role == ChangedRole) return diff.changed;
  if (role == RawValueRole || role == Qt::ToolTipRole) {
    // The tooltip shows the value as sent where the cell shows it otherwise (money, times).
    const bool before = index.column() == Before;
    if (index.column() != Before && index.column() != After) return {};
    if ((before && diff.added) || (!before && diff.removed)) return {};
    const QString raw = before ? diff.rawBefore : diff.rawAfter;
    if (role == Qt::ToolTipRole && raw == (before ? diff.before : diff.after)) return {};
    return raw;
  }
  if (role == Qt::DisplayRole) {
    switch (index.column()) {
      case Field: return diff.path;
      case Before: return diff.added ? QStringLiteral("—") : diff.before;
      case After: return diff.removed ? QStringLiteral("—") : diff.after;
      default: return {};
    }
  }
  if (role == Qt::BackgroundRole && diff.changed) {
    if (diff.added) return QBrush(QColor(46, 160, 67, 70));
    if (diff.removed) return QBrush(QColor(209, 61, 61, 70));
    return QBrush(QColor(210, 153, 34, 80));
  }
  if (role == Qt::FontRole && diff.changed) {
    QFont font;
    font.setBold(true);
    return font;
  }
  return {};
}

QVariant StateDiffModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case Field: return tr("Field");
    case Before: return beforeVersion_ > 0 ? tr("Version %1", "order version").arg(beforeVersion_) : tr("Before");
    case After: return afterVersion_ > 0 ? tr("Version %1", "order version").arg(afterVersion_) : tr("After");
    default: return {};
  }
}

void StateDiffModel::setStates(const QJsonObject& before, const QJsonObject& after, qint64 beforeVersion,
                               qint64 afterVersion) {
  beginResetModel();
  rows_ = diffStates(before, after);
  beforeVersion_ = beforeVersion;
  afterVersion_ = afterVersion;
  endResetModel();
  emit headerDataChanged(Qt::Horizontal, Before, After);
}

int StateDiffModel::changedCount() const {
  return static_cast<int>(std::count_if(rows_.begin(), rows_.end(), [](const FieldDiff& d) { return d.changed; }));
}

}  // namespace fleetdeck::console
