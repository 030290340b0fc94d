#include "models/traces_model.h"

#include <QBrush>
#include <QColor>

#include "models/display_text.h"

namespace fleetdeck::console {

TracesModel::TracesModel(QObject* parent) : QAbstractTableModel(parent) {}

int TracesModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(rows_.size()); }

int TracesModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant TracesModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const TraceSummary& trace = rows_.at(index.row());
  if (role == Qt::DisplayRole || role == RawValueRole) {
    const bool raw = role == RawValueRole;
    switch (index.column()) {
      // Local time, as every other time the console shows.
      case Started: return raw ? QVariant(trace.startTime) : QVariant(display::timestamp(trace.startTime));
      case RootService: return trace.rootService;
      case RootName: return trace.rootName;
      case Duration:
        return raw ? QVariant(trace.durationMs)
                   : QVariant(display::durationNanos(static_cast<qint64>(trace.durationMs * 1'000'000)));
      case Spans: return raw ? QVariant(trace.spanCount) : QVariant(QString::number(trace.spanCount));
      case Error:
        if (raw) return trace.error;
        return trace.error ? tr("Error", "trace with a failed span") : QString();
      case Services: return trace.services.join(QStringLiteral(", "));
      default: return {};
    }
  }
  if (role == TraceIdRole) return trace.traceId;
  if (role == Qt::TextAlignmentRole && (index.column() == Duration || index.column() == Spans)) {
    return QVariant(Qt::AlignRight | Qt::AlignVCenter);
  }
  // The error marker in the colour the console uses for failures, so failed requests stand out.
  if (role == Qt::ForegroundRole && index.column() == Error && trace.error) return QBrush(QColor(0xd1, 0x3d, 0x3d));
  if (role == Qt::ToolTipRole) return tr("Trace %1").arg(trace.traceId);
  return {};
}

QVariant TracesModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case Started: return tr("Started", "trace column");
    case RootService: return tr("Root service");
    case RootName: return tr("Root span");
    case Duration: return tr("Duration", "trace column");
    case Spans: return tr("Spans");
    case Error: return tr("Error", "trace column: a span failed");
    case Services: return tr("Services");
    default: return {};
  }
}

void TracesModel::setTraces(const QVector<TraceSummary>& traces) {
  beginResetModel();
  rows_ = traces;
  endResetModel();
}

int TracesModel::rowOf(const QString& traceId) const {
  for (int row = 0; row < rows_.size(); ++row) {
    if (rows_.at(row).traceId == traceId) return row;
  }
  return -1;
}

}  // namespace fleetdeck::console
