#include "models/paged_table_model.h"

namespace fleetdeck::console {

PagedTableModel::PagedTableModel(GatewayClient* client, QObject* parent) : QAbstractTableModel(parent), client_(client) {}

bool PagedTableModel::canFetchMore(const QModelIndex& parent) const {
  if (parent.isValid()) return false;
  return started_ && !loading_ && !exhausted_ && !failed_ && !replacing_;
}

void PagedTableModel::fetchMore(const QModelIndex& parent) {
  if (!canFetchMore(parent)) return;
  requestNext();
}

void PagedTableModel::reload(Keep keep) {
  started_ = true;
  ++generation_;
  nextPageToken_.clear();
  exhausted_ = false;
  failed_ = false;
  pagesLoaded_ = 0;
  // Loading before the reset goes out: a view (or the model tester) answering the reset with
  // fetchMore() must not ask for the first page a second time.
  loading_ = true;
  if (keep == Keep::Nothing || rowCount() == 0) {
    beginResetModel();
    clearRows();
    endResetModel();
    replacing_ = false;
    setStale(false);
  } else {
    replacing_ = true;
  }
  emit loadingChanged(true);
  requestPage(nextPageToken_, pageSize_, generation_);
}

void PagedTableModel::retry() {
  if (loading_) return;
  failed_ = false;
  if (!exhausted_ || replacing_) requestNext();
}

void PagedTableModel::requestNext() {
  setLoading(true);
  requestPage(nextPageToken_, pageSize_, generation_);
}

void PagedTableModel::pageSucceeded(const QString& nextPageToken, int rowsAdded) {
  nextPageToken_ = nextPageToken;
  exhausted_ = nextPageToken.isEmpty();
  ++pagesLoaded_;
  lastError_.reset();
  failed_ = false;
  setStale(false);
  setLoading(false);
  emit pageLoaded(rowsAdded);
}

void PagedTableModel::pageFailed(const ApiError& error) {
  lastError_ = error;
  failed_ = true;
  // The rows already shown stay, marked stale.
  setStale(rowCount() > 0);
  setLoading(false);
  emit loadFailed(error);
}

void PagedTableModel::setLoading(bool loading) {
  if (loading_ == loading) return;
  loading_ = loading;
  emit loadingChanged(loading);
}

void PagedTableModel::setStale(bool stale) {
  if (stale_ == stale) return;
  stale_ = stale;
  emit staleChanged(stale);
}

}  // namespace fleetdeck::console
