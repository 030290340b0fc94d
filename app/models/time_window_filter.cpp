#include "models/time_window_filter.h"

namespace fleetdeck::console {

TimeWindowFilter::TimeWindowFilter(int column, int role, QObject* parent)
    : QSortFilterProxyModel(parent), column_(column), role_(role) {}

void TimeWindowFilter::setWindow(const QDateTime& from, const QDateTime& to) {
  active_ = true;
  from_ = from;
  to_ = to;
  invalidateFilter();
}

void TimeWindowFilter::clearWindow() {
  if (!active_) return;
  active_ = false;
  from_ = {};
  to_ = {};
  invalidateFilter();
}

QDateTime TimeWindowFilter::timeOf(int sourceRow) const {
  return sourceModel()->index(sourceRow, column_).data(role_).toDateTime();
}

bool TimeWindowFilter::needsOlderRows() const {
  if (!active_ || !from_.isValid() || sourceModel() == nullptr) return false;
  const int rows = sourceModel()->rowCount();
  if (rows == 0) return true;
  const QDateTime oldest = timeOf(rows - 1);
  return !oldest.isValid() || oldest >= from_;
}

bool TimeWindowFilter::canFetchMore(const QModelIndex& parent) const {
  if (active_ && from_.isValid() && !needsOlderRows()) return false;
  return QSortFilterProxyModel::canFetchMore(parent);
}

bool TimeWindowFilter::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
  if (!active_ || sourceParent.isValid()) return true;
  const QDateTime time = timeOf(sourceRow);
  // A row without a time cannot be placed in a window: it is shown rather than hidden.
  if (!time.isValid()) return true;
  return (!from_.isValid() || time >= from_) && (!to_.isValid() || time <= to_);
}

}  // namespace fleetdeck::console
