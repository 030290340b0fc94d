#include "domain/notification_inbox.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/ids.h"

namespace fleetdeck::notifications {
namespace {

constexpr std::string_view kTokenPrefix = "n1:";

// 9999-12-31T23:59:59.999999Z: the cursor's time is made a timestamp in the query, and one far beyond
// any row's (int64 allows year 292277) failed there as "timestamp out of range", an INTERNAL error.
constexpr int64_t kLatestCursorMicros = 253'402'300'799'999'999;

Status badPageToken() { return invalidField("pageToken", "is not a token returned by a previous list call"); }

}  // namespace

std::string encodePageToken(const NotificationCursor& cursor) {
  return base64UrlEncode(std::string(kTokenPrefix) + std::to_string(cursor.createdAtMicros) + ":" + cursor.id);
}

Result<NotificationCursor> decodePageToken(const std::string& token) {
  auto decoded = base64UrlDecode(token);
  if (!decoded || !decoded->starts_with(kTokenPrefix)) return badPageToken();
  const std::string_view rest = std::string_view(*decoded).substr(kTokenPrefix.size());
  const size_t colon = rest.find(':');
  if (colon == std::string_view::npos || colon == 0) return badPageToken();
  NotificationCursor cursor;
  const std::string_view micros = rest.substr(0, colon);
  const auto [end, error] = std::from_chars(micros.data(), micros.data() + micros.size(), cursor.createdAtMicros);
  if (error != std::errc() || end != micros.data() + micros.size() || cursor.createdAtMicros < 0 ||
      cursor.createdAtMicros > kLatestCursorMicros) {
    return badPageToken();
  }
  cursor.id = std::string(rest.substr(colon + 1));
  if (!isUuid(cursor.id)) return badPageToken();
  return cursor;
}

Result<NotifyResult> NotificationInbox::notify(NewNotification request) {
  FLEETDECK_RETURN_IF_ERROR(prepareNewNotification(request));
  Notification notification;
  notification.id = newUuid();
  notification.sourceId = request.sourceId;
  notification.userId = request.userId;
  notification.kind = request.kind;
  notification.title = request.title;
  notification.body = request.body;
  auto recorded = repository_.recordOnce(notification);
  if (!recorded) return recorded.status();

  NotifyResult result;
  result.outcome = recorded->created                                  ? NotifyOutcome::kCreated
                   : sameContent(recorded->notification, request) ? NotifyOutcome::kRepeated
                                                                      : NotifyOutcome::kConflictingRepeat;
  result.notification = std::move(recorded->notification);
  return result;
}

Result<ListResult> NotificationInbox::list(const ListRequest& request) {
  ValidationErrors errors;
  if (auto problem = userIdProblem(request.userId); !problem.empty()) errors.add("userId", problem);
  if (request.pageSize < 0) errors.add("pageSize", "must not be negative");
  NotificationCursor after;
  if (!request.pageToken.empty()) {
    auto cursor = decodePageToken(request.pageToken);
    if (cursor) {
      after = std::move(*cursor);
    } else {
      errors.add("pageToken", cursor.status().violations().at(0).reason);
    }
  }
  FLEETDECK_RETURN_IF_ERROR(errors.toStatus());

  NotificationQuery query;
  query.userId = canonicalUuid(request.userId);
  query.pageSize = request.pageSize == 0 ? kDefaultPageSize : std::min(request.pageSize, kMaxPageSize);
  query.after = std::move(after);
  auto page = repository_.listForUser(query);
  if (!page) return page.status();

  ListResult result;
  result.notifications = std::move(page->notifications);
  if (page->hasMore && !result.notifications.empty()) {
    const Notification& last = result.notifications.back();
    result.nextPageToken = encodePageToken({last.createdAtMicros, last.id});
  }
  return result;
}

}  // namespace fleetdeck::notifications
