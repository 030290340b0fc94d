// SagasModel: recent sagas (GET /api/v1/admin/sagas) as a paged table filtered by state, updated live by
// `saga.step` events — a new saga appears on top, a known one moves its state and current step.
#pragma once

#include <QVector>

#include "client/api_types.h"
#include "models/paged_table_model.h"

namespace fleetdeck::console {

class SagasModel : public PagedTableModel {
  Q_OBJECT

 public:
  enum Column { Id, OrderId, State, CurrentStep, Started, Updated, ColumnCount };
  enum DataRole { IdRole = Qt::UserRole + 1, RawValueRole };

  explicit SagasModel(GatewayClient* client, QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

  // "" for every state.
  void setStateFilter(const QString& state);
  QString stateFilter() const { return stateFilter_; }
  const Saga& saga(int row) const { return rows_.at(row); }
  int rowOf(const QString& id) const;

 public slots:
  void applyStep(const fleetdeck::console::SagaStepEvent& event);

 protected:
  void requestPage(const QString& pageToken, int pageSize, quint64 generation) override;
  void clearRows() override { rows_.clear(); }

 private:
  QString stateFilter_;
  QVector<Saga> rows_;
};

}  // namespace fleetdeck::console
