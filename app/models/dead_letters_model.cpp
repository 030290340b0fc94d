#include "models/dead_letters_model.h"

#include <QBrush>
#include <QGuiApplication>
#include <QPalette>
#include <algorithm>

#include "models/display_text.h"

namespace fleetdeck::console {

DeadLettersModel::DeadLettersModel(QObject* parent) : QAbstractTableModel(parent) {}

int DeadLettersModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int DeadLettersModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant DeadLettersModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const DeadLetter& letter = rows_.at(index.row());
  if (role == Qt::DisplayRole || role == RawValueRole) {
    const bool raw = role == RawValueRole;
    switch (index.column()) {
      case Sequence: return raw ? QVariant(letter.sequence) : QVariant(QString::number(letter.sequence));
      case Consumer: return letter.consumer;
      case Event:
        // A poison message's envelope may not decode: then only its subject says what it was.
        if (raw || !letter.eventType.isEmpty()) return letter.eventType;
        return tr("(undecodable) %1", "dead letter whose event could not be read; %1 = its subject").arg(letter.subject);
      case Aggregate: return letter.aggregateId;
      case Deliveries: return raw ? QVariant(letter.deliveries) : QVariant(QString::number(letter.deliveries));
      // Replayed already and back again: another replay is likely to fail the same way.
      case Replayed:
        if (raw) return letter.replayed;
        return letter.replayed ? tr("Yes", "dead letter replayed before") : tr("No", "dead letter not replayed yet");
      case Occurred: return raw ? QVariant(letter.occurredAt) : QVariant(display::timestamp(letter.occurredAt));
      case Reason: return raw ? letter.reason : letter.reason.simplified();
      default: return {};
    }
  }
  if (role == SequenceRole) return letter.sequence;
  if (role == Qt::TextAlignmentRole && (index.column() == Sequence || index.column() == Deliveries)) {
    return QVariant(Qt::AlignRight | Qt::AlignVCenter);
  }
  if (role == Qt::ForegroundRole && letter.bodyDropped) {
    return QBrush(QGuiApplication::palette().color(QPalette::Disabled, QPalette::Text));
  }
  if (role == Qt::ToolTipRole) {
    QStringList lines{letter.reason};
    if (letter.replayed) lines << tr("It failed again after a replay.");
    if (letter.bodyDropped) lines << tr("Kept without its body: it cannot be replayed.");
    return lines.join(QLatin1Char('\n'));
  }
  return {};
}

QVariant DeadLettersModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case Sequence: return tr("#", "dead letter sequence column");
    case Consumer: return tr("Consumer");
    case Event: return tr("Event", "dead letter column");
    case Aggregate: return tr("Aggregate");
    case Deliveries: return tr("Deliveries");
    case Replayed: return tr("Replayed", "dead letter column: replayed before and failed again");
    case Occurred: return tr("Occurred");
    case Reason: return tr("Reason");
    default: return {};
  }
}

void DeadLettersModel::setLetters(const DeadLetterList& list) {
  beginResetModel();
  rows_ = list.letters;
  total_ = list.total;
  endResetModel();
}

int DeadLettersModel::rowOf(qint64 sequence) const {
  for (int row = 0; row < rows_.size(); ++row) {
    if (rows_.at(row).sequence == sequence) return row;
  }
  return -1;
}

QStringList DeadLettersModel::consumers() const {
  QStringList names;
  for (const DeadLetter& letter : rows_) {
    if (!letter.consumer.isEmpty() && !names.contains(letter.consumer)) names << letter.consumer;
  }
  std::sort(names.begin(), names.end());
  return names;
}

int DeadLettersModel::bodyDroppedCount(const QString& consumer) const {
  return static_cast<int>(std::count_if(rows_.cbegin(), rows_.cend(), [&](const DeadLetter& letter) {
    return letter.bodyDropped && letter.consumer == consumer;
  }));
}

}  // namespace fleetdeck::console
