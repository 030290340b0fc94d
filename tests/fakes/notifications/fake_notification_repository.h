// In-memory NotificationRepository for unit tests of the notifications domain.
#pragma once

#include <algorithm>
#include <map>
#include <mutex>
#include <tuple>
#include <vector>

#include "ports/notification_repository.h"

namespace fleetdeck::notifications::testing {

class FakeNotificationRepository final : public NotificationRepository {
 public:
  Result<Recorded> recordOnce(const Notification& notification) override {
    std::lock_guard lock(mutex_);
    ++recordCalls;
    if (!failWith.isOk()) return failWith;
    if (auto found = bySource_.find(notification.sourceId); found != bySource_.end()) {
      return Recorded{rows_[found->second], false};
    }
    Notification stored = notification;
    stored.createdAtMicros = nextMicros_;
    nextMicros_ += sameTimestamp ? 0 : 1;
    bySource_[stored.sourceId] = rows_.size();
    rows_.push_back(stored);
    return Recorded{stored, true};
  }

  Result<NotificationPage> listForUser(const NotificationQuery& query) override {
    std::lock_guard lock(mutex_);
    lastQuery = query;
    std::vector<Notification> mine;
    for (const auto& row : rows_) {
      if (row.userId == query.userId) mine.push_back(row);
    }
    const auto key = [](const Notification& n) { return std::tie(n.createdAtMicros, n.id); };
    std::sort(mine.begin(), mine.end(), [&](const auto& a, const auto& b) { return key(a) > key(b); });
    NotificationPage page;
    for (const auto& row : mine) {
      if (!query.after.empty() &&
          std::tie(row.createdAtMicros, row.id) >= std::tie(query.after.createdAtMicros, query.after.id)) {
        continue;
      }
      if (static_cast<int>(page.notifications.size()) == query.pageSize) {
        page.hasMore = true;
        break;
      }
      page.notifications.push_back(row);
    }
    return page;
  }

  size_t size() {
    std::lock_guard lock(mutex_);
    return rows_.size();
  }

  NotificationQuery lastQuery;
  int recordCalls = 0;
  Status failWith;            // non-OK: recordOnce answers it (a database outage)
  bool sameTimestamp = false; // every row gets the same createdAt (ties broken by id)

 private:
  std::mutex mutex_;
  std::vector<Notification> rows_;
  std::map<std::string, size_t> bySource_;
  int64_t nextMicros_ = 1'700'000'000'000'000;
};

}  // namespace fleetdeck::notifications::testing
