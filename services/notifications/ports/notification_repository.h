// Where notifications are stored; the PostgreSQL adapter implements it, unit tests fake it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "domain/notification.h"
#include "fleetdeck/core/status.h"

namespace fleetdeck::notifications {

// What recordOnce did: stored the given notification, or found one already stored for its source id.
struct Recorded {
  Notification notification;  // always the stored row: the first one for this source id
  bool created = false;
};

// Keyset cursor of a newest-first listing: the (createdAt, id) of the last notification seen.
struct NotificationCursor {
  int64_t createdAtMicros = 0;
  std::string id;
  bool empty() const { return id.empty(); }
};

struct NotificationQuery {
  std::string userId;
  int pageSize = 50;
  NotificationCursor after;  // empty: from the newest; otherwise strictly older than this position
};

struct NotificationPage {
  std::vector<Notification> notifications;  // newest first: createdAt descending, then id descending
  bool hasMore = false;
};

class NotificationRepository {
 public:
  virtual ~NotificationRepository() = default;
  // Stores `notification` unless one with its sourceId exists; either way returns the stored one.
  // Safe under concurrent calls with the same sourceId: exactly one row results, every caller
  // gets it. The store sets createdAt.
  virtual Result<Recorded> recordOnce(const Notification& notification) = 0;
  virtual Result<NotificationPage> listForUser(const NotificationQuery& query) = 0;
};

}  // namespace fleetdeck::notifications
