// SagasModel: recent sagas (GET /api/v1/admin/sagas) as a paged table filtered by state and start time
// (both applied by the gateway, so every page is inside the filter), updated live by `saga.step`
// events — a new saga appears on top, a known one moves its state and current step.
#pragma once

#include <QHash>
#include <QVector>

#include "client/api_types.h"
#include "client/gateway_api.h"
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

  void setFilter(const api::SagaFilter& filter);
  const api::SagaFilter& filter() const { return filter_; }
  const Saga& saga(int row) const { return rows_.at(row); }
  int rowOf(const QString& id) const;

 public slots:
  void applyStep(const fleetdeck::console::SagaStepEvent& event);

 protected:
  void requestPage(const QString& pageToken, int pageSize, quint64 generation) override;
  void clearRows() override { rows_.clear(); }

 private:
  // At most this many pages' worth of sagas the stream put on top are kept: past it the oldest of
  // them leaves the list, so a long session's does not grow for ever (a refresh pages through every
  // saga again).
  static constexpr int kStreamedPages = 4;
  void removeRowAt(int row);
  void reindex();
  // Whether a saga started at `time` is inside the filter's range (the gateway's: createdAfter
  // included, createdBefore not).
  bool inCreatedRange(const QDateTime& time) const;

  api::SagaFilter filter_;
  QVector<Saga> rows_;
  // Row of each saga by id, as position - top_: a saga put on top moves top_ instead of every other
  // saga's position (the stream asks for a row by id at every step of every saga).
  QHash<QString, qint64> positions_;
  qint64 top_ = 0;
  int streamed_ = 0;  // rows 0..streamed_-1 came from the stream, newest first
};

}  // namespace fleetdeck::console
