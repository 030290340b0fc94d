// A notification the fleet sent a customer, and the rules its fields follow; pure C++, no I/O.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "fleetdeck/core/status.h"

namespace fleetdeck::notifications {

// The kinds the fleet sends; the table's CHECK constraint lists the same set.
inline constexpr std::array<std::string_view, 5> kKinds = {"welcome", "order_confirmed", "order_cancelled",
                                                           "order_shipped", "payment_declined"};

inline constexpr size_t kMaxSourceIdLength = 200;
inline constexpr size_t kMaxTitleLength = 200;
inline constexpr size_t kMaxBodyLength = 2000;

struct Notification {
  std::string id;
  std::string sourceId;  // the event (or caller key) it came from; unique
  std::string userId;
  std::string kind;
  std::string title;
  std::string body;
  int64_t createdAtMicros = 0;
};

// What a caller asks to be recorded; `sourceId` makes repeating the request harmless.
struct NewNotification {
  std::string sourceId;
  std::string userId;
  std::string kind;
  std::string title;
  std::string body;
};

bool isValidKind(std::string_view kind);

// Length in Unicode code points of UTF-8 text (what a client calls "characters").
size_t characterCount(std::string_view utf8);

// Each returns an empty string when valid, otherwise the reason, worded for the client.
std::string sourceIdProblem(std::string_view sourceId);
std::string userIdProblem(std::string_view userId);
std::string titleProblem(std::string_view title);
std::string bodyProblem(std::string_view body);

// Normalises (user id to lower case) and validates every field at once; violations name the
// fields as clients spell them in JSON: sourceId, userId, kind, title, body.
Status prepareNewNotification(NewNotification& notification);

// True when a stored notification carries exactly the content of a request (its source id aside).
bool sameContent(const Notification& stored, const NewNotification& requested);

}  // namespace fleetdeck::notifications
