#include "models/sagas_model.h"

#include <QBrush>

#include "models/display_text.h"

namespace fleetdeck::console {

SagasModel::SagasModel(GatewayClient* client, QObject* parent) : PagedTableModel(client, parent) {
  // The index by id follows the model's own signals, so pages, the stream and the filter all keep it
  // right; connected first, it is current before any view hears of a change.
  connect(this, &QAbstractItemModel::modelReset, this, [this] {
    streamed_ = 0;  // a first page (a filter change, a refresh's rows) lists what the stream had added
    reindex();
  });
  connect(this, &QAbstractItemModel::rowsInserted, this, [this](const QModelIndex&, int first, int last) {
    if (first == 0) {
      top_ -= last - first + 1;  // on top: every listed saga moves down at once
    } else if (last != rows_.size() - 1) {
      reindex();
      return;
    }
    for (int row = first; row <= last; ++row) positions_.insert(rows_.at(row).id, row + top_);
  });
  connect(this, &QAbstractItemModel::rowsAboutToBeRemoved, this, [this](const QModelIndex&, int first, int last) {
    const int count = last - first + 1;
    for (int row = first; row <= last; ++row) positions_.remove(rows_.at(row).id);
    // The rows on the shorter side of the gap change their stored position.
    if (first < rows_.size() - 1 - last) {
      for (int row = 0; row < first; ++row) positions_[rows_.at(row).id] += count;
      top_ += count;
    } else {
      for (int row = last + 1; row < rows_.size(); ++row) positions_[rows_.at(row).id] -= count;
    }
  });
}

int SagasModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(rows_.size()); }

int SagasModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant SagasModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const Saga& saga = rows_.at(index.row());
  if (role == IdRole) return saga.id;
  if (role == Qt::DisplayRole || role == RawValueRole) {
    const bool raw = role == RawValueRole;
    switch (index.column()) {
      case Id: return saga.id;
      case OrderId: return saga.orderId;
      case State: return raw ? saga.state : display::sagaState(saga.state);
      case CurrentStep: return saga.currentStep;
      case Started: return raw ? QVariant(saga.startTime) : QVariant(display::timestamp(saga.startTime));
      case Updated: return raw ? QVariant(saga.updateTime) : QVariant(display::timestamp(saga.updateTime));
      default: return {};
    }
  }
  if (role == Qt::ForegroundRole && index.column() == State) return QBrush(display::sagaStateColor(saga.state));
  return {};
}

QVariant SagasModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case Id: return tr("Saga");
    case OrderId: return tr("Order");
    case State: return tr("State", "saga state column");
    case CurrentStep: return tr("Current step");
    case Started: return tr("Started", "start time column");
    case Updated: return tr("Updated", "time of last change");
    default: return {};
  }
}

void SagasModel::setFilter(const api::SagaFilter& filter) {
  filter_ = filter;
  reload(Keep::Nothing);
}

bool SagasModel::inCreatedRange(const QDateTime& time) const {
  return (!filter_.createdAfter.isValid() || time >= filter_.createdAfter) &&
         (!filter_.createdBefore.isValid() || time < filter_.createdBefore);
}

int SagasModel::rowOf(const QString& id) const {
  const auto found = positions_.constFind(id);
  return found == positions_.cend() ? -1 : static_cast<int>(*found - top_);
}

void SagasModel::reindex() {
  top_ = 0;
  positions_.clear();
  positions_.reserve(rows_.size());
  for (int row = 0; row < rows_.size(); ++row) positions_.insert(rows_.at(row).id, row);
}

void SagasModel::removeRowAt(int row) {
  beginRemoveRows({}, row, row);
  rows_.removeAt(row);
  if (row < streamed_) --streamed_;
  endRemoveRows();
}

void SagasModel::applyStep(const SagaStepEvent& event) {
  const int row = rowOf(event.sagaId);
  if (row >= 0) {
    Saga& saga = rows_[row];
    saga.apply(event);
    // The list shows no steps; keeping them would grow memory with every event of a long session.
    saga.steps.clear();
    if (!filter_.state.isEmpty() && saga.state != filter_.state) {
      removeRowAt(row);
      return;
    }
    emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
    return;
  }
  // A saga we have not seen: new ones start RUNNING, so it belongs on top of an unfiltered or RUNNING list.
  // Not before the list was loaded once: the first page brings it, and a view never opened would
  // otherwise collect every saga of the session.
  if (pagesLoaded() == 0) return;
  if (!filter_.state.isEmpty() && filter_.state != QLatin1String("RUNNING")) return;
  Saga saga;
  saga.id = event.sagaId;
  saga.orderId = event.orderId;
  saga.state = QStringLiteral("RUNNING");
  saga.startTime = event.time;
  saga.apply(event);
  saga.steps.clear();
  if (!filter_.state.isEmpty() && saga.state != filter_.state) return;
  // A list of an earlier time range: a saga starting now is not in it.
  if (!inCreatedRange(saga.startTime)) return;
  beginInsertRows({}, 0, 0);
  rows_.prepend(saga);
  ++streamed_;
  endInsertRows();
  if (streamed_ > kStreamedPages * pageSize()) removeRowAt(streamed_ - 1);
}

void SagasModel::requestPage(const QString& pageToken, int pageSize, quint64 generation) {
  api::listSagas(client(), filter_, pageToken, pageSize, this,
                 [this, generation](const Result<Page<Saga>>& result) { acceptPage(rows_, generation, result); });
}

}  // namespace fleetdeck::console
