// PagedTableModel: a table filled page by page from a list endpoint (pageSize/pageToken), through
// canFetchMore/fetchMore, so views scroll thousands of rows while only the visible pages are fetched.
#pragma once

#include <QAbstractTableModel>
#include <QSet>
#include <QString>
#include <QVector>
#include <optional>

#include "client/api_error.h"
#include "client/api_types.h"
#include "client/result.h"

namespace fleetdeck::console {

class GatewayClient;

class PagedTableModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  explicit PagedTableModel(GatewayClient* client, QObject* parent = nullptr);

  bool canFetchMore(const QModelIndex& parent) const override;
  void fetchMore(const QModelIndex& parent) override;

  enum class Keep { Nothing, RowsUntilReplaced };
  // The first reload() starts the model; until then canFetchMore() is false.
  // Fetches the first page again. After a filter change drop the rows at once (Keep::Nothing); for a
  // refresh keep them on screen until the new first page replaces them, so a failed refresh loses nothing.
  void reload(Keep keep = Keep::Nothing);
  // Asks again for the page whose fetch failed.
  void retry();

  bool isLoading() const { return loading_; }
  bool hasMore() const { return !exhausted_; }
  // True while the rows shown are older than the gateway's (a refresh or next page failed).
  bool isStale() const { return stale_; }
  std::optional<ApiError> lastError() const { return lastError_; }
  int pageSize() const { return pageSize_; }
  void setPageSize(int pageSize) { pageSize_ = qBound(1, pageSize, 200); }
  int pagesLoaded() const { return pagesLoaded_; }

 signals:
  void loadingChanged(bool loading);
  void pageLoaded(int rowsAdded);
  void loadFailed(const fleetdeck::console::ApiError& error);
  void staleChanged(bool stale);

 protected:
  GatewayClient* client() const { return client_; }
  // Issues the call for one page; its reply handler passes the result to acceptPage() with `generation`.
  virtual void requestPage(const QString& pageToken, int pageSize, quint64 generation) = 0;
  // Empties the row storage; called between beginResetModel() and endResetModel().
  virtual void clearRows() = 0;

  // Appends a page to `rows` (or replaces them when a keep-rows reload completes) with the right
  // model signals, or records the failure. Replies of superseded requests are dropped.
  template <class T>
  void acceptPage(QVector<T>& rows, quint64 generation, const Result<Page<T>>& result) {
    if (generation != generation_) return;
    if (!result) {
      pageFailed(result.error());
      return;
    }
    const QVector<T>& items = result->items;
    if (replacing_) {
      beginResetModel();
      rows = items;
      endResetModel();
      replacing_ = false;
    } else if (!items.isEmpty()) {
      // A row the stream put on top before this page came (a new saga, a new order) is listed once.
      QSet<QString> listed;
      for (const auto& row : rows) listed.insert(row.id);
      QVector<T> fresh;
      for (const auto& item : items) {
        if (!listed.contains(item.id)) fresh.push_back(item);
      }
      if (!fresh.isEmpty()) {
        beginInsertRows({}, static_cast<int>(rows.size()), static_cast<int>(rows.size() + fresh.size() - 1));
        rows += fresh;
        endInsertRows();
      }
    }
    pageSucceeded(result->nextPageToken, static_cast<int>(items.size()));
  }

 private:
  void pageSucceeded(const QString& nextPageToken, int rowsAdded);
  void pageFailed(const ApiError& error);
  void setLoading(bool loading);
  void setStale(bool stale);
  void requestNext();

  GatewayClient* client_;
  QString nextPageToken_;
  quint64 generation_ = 0;
  int pageSize_ = 50;
  int pagesLoaded_ = 0;
  bool started_ = false;  // nothing is fetched before the first reload(): the owner decides when
  bool loading_ = false;
  bool exhausted_ = false;
  bool failed_ = false;     // no automatic fetchMore after a failure: that would storm an offline gateway
  bool replacing_ = false;  // a keep-rows reload is waiting for its first page
  bool stale_ = false;
  std::optional<ApiError> lastError_;
};

}  // namespace fleetdeck::console
