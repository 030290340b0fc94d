// TracesModel: the traces GET /api/v1/admin/traces listed (newest first), one row each — when it
// started, where it entered the fleet, how long it took, how many spans, which services, whether a span
// failed. The Traces page sorts it through a proxy on RawValueRole.
#pragma once

#include <QAbstractTableModel>
#include <QVector>

#include "client/api_types.h"

namespace fleetdeck::console {

class TracesModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { Started, RootService, RootName, Duration, Spans, Error, Services, ColumnCount };
  enum DataRole {
    // The value behind the shown text (a QDateTime, a double, a number, a bool), for sorting: the
    // shown durations ("850 µs", "1.25 s") and times do not sort as text.
    RawValueRole = Qt::UserRole + 1,
    // QString, on every column: the row's trace id.
    TraceIdRole,
  };

  explicit TracesModel(QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

  // Replaces the rows with the list as the gateway sent it.
  void setTraces(const QVector<TraceSummary>& traces);
  const TraceSummary& trace(int row) const { return rows_.at(row); }
  int rowOf(const QString& traceId) const;

 private:
  QVector<TraceSummary> rows_;
};

}  // namespace fleetdeck::console
