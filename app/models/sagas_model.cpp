#include "models/sagas_model.h"

#include <QBrush>

#include "client/gateway_api.h"
#include "models/display_text.h"

namespace fleetdeck::console {

SagasModel::SagasModel(GatewayClient* client, QObject* parent) : PagedTableModel(client, parent) {}

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

void SagasModel::setStateFilter(const QString& state) {
  stateFilter_ = state;
  reload(Keep::Nothing);
}

int SagasModel::rowOf(const QString& id) const {
  for (int row = 0; row < rows_.size(); ++row) {
    if (rows_.at(row).id == id) return row;
  }
  return -1;
}

void SagasModel::applyStep(const SagaStepEvent& event) {
  const int row = rowOf(event.sagaId);
  if (row >= 0) {
    Saga& saga = rows_[row];
    saga.apply(event);
    // The list shows no steps; keeping them would grow memory with every event of a long session.
    saga.steps.clear();
    if (!stateFilter_.isEmpty() && saga.state != stateFilter_) {
      beginRemoveRows({}, row, row);
      rows_.removeAt(row);
      endRemoveRows();
      return;
    }
    emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
    return;
  }
  // A saga we have not seen: new ones start RUNNING, so it belongs on top of an unfiltered or RUNNING list.
  // Not before the list was loaded once: the first page brings it, and a view never opened would
  // otherwise collect every saga of the session.
  if (pagesLoaded() == 0) return;
  if (!stateFilter_.isEmpty() && stateFilter_ != QLatin1String("RUNNING")) return;
  Saga saga;
  saga.id = event.sagaId;
  saga.orderId = event.orderId;
  saga.state = QStringLiteral("RUNNING");
  saga.startTime = event.time;
  saga.apply(event);
  saga.steps.clear();
  if (!stateFilter_.isEmpty() && saga.state != stateFilter_) return;
  beginInsertRows({}, 0, 0);
  rows_.prepend(saga);
  endInsertRows();
}

void SagasModel::requestPage(const QString& pageToken, int pageSize, quint64 generation) {
  api::listSagas(client(), stateFilter_, pageToken, pageSize, this,
                 [this, generation](const Result<Page<Saga>>& result) { acceptPage(rows_, generation, result); });
}

}  // namespace fleetdeck::console
