// StateDiffModel: two versions of an order side by side, one row per JSON field path, with the fields
// that changed between them highlighted — the time-travel view of the event history.
#pragma once

#include <QAbstractTableModel>
#include <QJsonObject>
#include <QMap>
#include <QVector>

namespace fleetdeck::console {

// {"a":{"b":1},"items":[{"sku":"X"}]} -> {"a.b":"1","items[0].sku":"X"}. A Money object
// ({currencyCode, units}) stays one field, its compact JSON: {"total":"{\"currencyCode\":…}"}.
QMap<QString, QString> flattenJson(const QJsonObject& object);

struct FieldDiff {
  QString path;
  QString before;  // as the console shows it: money with its currency's decimals, times in local time
  QString after;
  bool changed = false;  // the raw values differ
  bool added = false;    // absent before
  bool removed = false;  // absent after
  QString rawBefore;     // as the gateway sent it (the cell's tooltip)
  QString rawAfter;
};

// A flattened field's raw value shown as the rest of the console shows it: a Money object as
// "129.00 EUR", an RFC 3339 time with display::timestamp; the order's `status` and `cancelReason`
// (at that `path`) in words (display::orderStatus, display::reason); anything else as it is.
QString displayFieldValue(const QString& raw, const QString& path = QString());

// Every path of either side, in path order; unchanged fields included (changed = false).
QVector<FieldDiff> diffStates(const QJsonObject& before, const QJsonObject& after);

class StateDiffModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { Field, Before, After, ColumnCount };
  enum DataRole { ChangedRole = Qt::UserRole + 1, RawValueRole };

  explicit StateDiffModel(QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

  // `before` is empty for version 1 (everything is new).
  void setStates(const QJsonObject& before, const QJsonObject& after, qint64 beforeVersion, qint64 afterVersion);
  int changedCount() const;
  const QVector<FieldDiff>& rows() const { return rows_; }

 private:
  QVector<FieldDiff> rows_;
  qint64 beforeVersion_ = 0;
  qint64 afterVersion_ = 0;
};

}  // namespace fleetdeck::console
