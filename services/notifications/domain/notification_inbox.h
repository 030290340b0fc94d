// The notifications service's use cases (record once per source, list a user's newest first) over its port.
#pragma once

#include <string>
#include <vector>

#include "domain/notification.h"
#include "ports/notification_repository.h"

namespace fleetdeck::notifications {

// How a notify call ended; repeats are normal (retries, redelivered events), conflicting repeats
// (same source id, other content) point at a caller bug and are worth a warning.
enum class NotifyOutcome { kCreated, kRepeated, kConflictingRepeat };

struct NotifyResult {
  Notification notification;  // the first one stored for the source id
  NotifyOutcome outcome = NotifyOutcome::kCreated;
};

struct ListRequest {
  std::string userId;
  int pageSize = 0;  // 0: default; clamped to [1, kMaxPageSize]
  std::string pageToken;
};

struct ListResult {
  std::vector<Notification> notifications;  // newest first
  std::string nextPageToken;                // empty on the last page
};

class NotificationInbox {
 public:
  static constexpr int kDefaultPageSize = 50;
  static constexpr int kMaxPageSize = 200;

  explicit NotificationInbox(NotificationRepository& repository) : repository_(repository) {}

  // Records the notification once per sourceId. A repeat returns the first stored notification
  // unchanged, even when it carries different content (the first one wins; see kConflictingRepeat).
  Result<NotifyResult> notify(NewNotification request);
  // One user's notifications, newest first, in pages with opaque tokens.
  Result<ListResult> list(const ListRequest& request);

 private:
  NotificationRepository& repository_;
};

// Page tokens are opaque to clients: base64url of a versioned "createdAt:id" cursor.
std::string encodePageToken(const NotificationCursor& cursor);
// INVALID_ARGUMENT naming "pageToken" for anything a list call did not return.
Result<NotificationCursor> decodePageToken(const std::string& token);

}  // namespace fleetdeck::notifications
