// TimeWindowFilter: a proxy that keeps the rows whose time (one column, read with a raw-value role)
// falls inside [from, to] — the sagas of an alert's window. The sagas list has no time parameters, so
// it filters the rows loaded so far (orders have createdAfter/createdBefore and need no proxy).
#pragma once

#include <QDateTime>
#include <QSortFilterProxyModel>

namespace fleetdeck::console {

class TimeWindowFilter : public QSortFilterProxyModel {
  Q_OBJECT

 public:
  // `column` holds the time, returned as a QDateTime for `role`.
  TimeWindowFilter(int column, int role, QObject* parent = nullptr);

  // Both ends inclusive; an invalid end is open.
  void setWindow(const QDateTime& from, const QDateTime& to);
  void clearWindow();
  bool isActive() const { return active_; }
  QDateTime from() const { return from_; }
  QDateTime to() const { return to_; }

  // True while rows older than `from` may still be on the server: the source is sorted newest first
  // and its last loaded row is not yet older than the window's start.
  bool needsOlderRows() const;
  // Views ask for more rows whenever the filtered ones do not fill them; once the loaded rows reach
  // past the window's start, older pages cannot add to it, so none are fetched.
  bool canFetchMore(const QModelIndex& parent) const override;

 protected:
  bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

 private:
  QDateTime timeOf(int sourceRow) const;

  int column_;
  int role_;
  bool active_ = false;
  QDateTime from_;
  QDateTime to_;
};

}  // namespace fleetdeck::console
