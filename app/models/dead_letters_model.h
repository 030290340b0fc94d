// DeadLettersModel: the events consumers gave up on (GET /api/v1/admin/dead-letters), oldest first, as
// the gateway listed them; letters kept without their body, which cannot be replayed, are drawn greyed.
#pragma once

#include <QAbstractTableModel>
#include <QStringList>
#include <QVector>

#include "client/api_types.h"

namespace fleetdeck::console {

class DeadLettersModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { Sequence, Consumer, Event, Aggregate, Deliveries, Replayed, Occurred, Reason, ColumnCount };
  enum DataRole {
    // The value behind the shown text (a bool for Replayed), for sorting and filtering.
    RawValueRole = Qt::UserRole + 1,
    // qint64, on every column: the letter's sequence in the dead-letter stream.
    SequenceRole,
  };

  explicit DeadLettersModel(QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

  // Replaces the rows with `list` as the gateway sent it (oldest first).
  void setLetters(const DeadLetterList& list);
  const DeadLetter& letter(int row) const { return rows_.at(row); }
  int rowOf(qint64 sequence) const;
  // Letters in the dead-letter stream, of every consumer: more than rowCount() when filtered or capped.
  qint64 total() const { return total_; }
  // The consumers of the rows, sorted, each once.
  QStringList consumers() const;
  // Rows of `consumer` kept without their body (a replay of that consumer leaves them in place).
  int bodyDroppedCount(const QString& consumer) const;

 private:
  QVector<DeadLetter> rows_;
  qint64 total_ = 0;
};

}  // namespace fleetdeck::console
