// StateDiffModel: two versions of an order side by side, one row per JSON field path, with the fields
// that changed between them highlighted — the time-travel view of the event history.
#pragma once

#include <QAbstractTableModel>
#include <QJsonObject>
#include <QMap>
#include <QVector>

namespace fleetdeck::console {

// {"a":{"b":1},"items":[{"sku":"X"}]} -> {"a.b":"1","items[0].sku":"X"}.
QMap<QString, QString> flattenJson(const QJsonObject& object);

struct FieldDiff {
  QString path;
  QString before;
  QString after;
  bool changed = false;
  bool added = false;    // absent before
  bool removed = false;  // absent after
};

// Every path of either side, in path order; unchanged fields included (changed = false).
QVector<FieldDiff> diffStates(const QJsonObject& before, const QJsonObject& after);

class StateDiffModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { Field, Before, After, ColumnCount };
  enum DataRole { ChangedRole = Qt::UserRole + 1 };

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
