#include "domain/notification.h"

#include <algorithm>
#include <cctype>

#include "fleetdeck/core/ids.h"

namespace fleetdeck::notifications {
namespace {

bool isControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

bool hasControlCharacter(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) { return isControl(static_cast<unsigned char>(c)); });
}

bool isBlank(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

std::string lengthProblem(std::string_view text, size_t max) {
  if (text.empty()) return "is required";
  if (characterCount(text) > max) return "must be at most " + std::to_string(max) + " characters long";
  return {};
}

}  // namespace

bool isValidKind(std::string_view kind) { return std::find(kKinds.begin(), kKinds.end(), kind) != kKinds.end(); }

size_t characterCount(std::string_view utf8) {
  // Every code point has exactly one byte that is not a continuation byte (10xxxxxx).
  return static_cast<size_t>(
      std::count_if(utf8.begin(), utf8.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string sourceIdProblem(std::string_view sourceId) {
  if (auto problem = lengthProblem(sourceId, kMaxSourceIdLength); !problem.empty()) return problem;
  if (hasControlCharacter(sourceId)) return "must not contain control characters";
  return {};
}

std::string userIdProblem(std::string_view userId) {
  if (userId.empty()) return "is required";
  if (!isUuid(userId)) return "must be a UUID";
  return {};
}

std::string titleProblem(std::string_view title) {
  if (auto problem = lengthProblem(title, kMaxTitleLength); !problem.empty()) return problem;
  if (isBlank(title)) return "must not be blank";
  if (hasControlCharacter(title)) return "must not contain control characters";
  return {};
}

std::string bodyProblem(std::string_view body) {
  if (characterCount(body) > kMaxBodyLength) {
    return "must be at most " + std::to_string(kMaxBodyLength) + " characters long";
  }
  const bool badControl = std::any_of(body.begin(), body.end(), [](char c) {
    return isControl(static_cast<unsigned char>(c)) && c != '\n' && c != '\r' && c != '\t';
  });
  if (badControl) return "must not contain control characters other than line breaks and tabs";
  return {};
}

Status prepareNewNotification(NewNotification& notification) {
  notification.userId = canonicalUuid(notification.userId);

  ValidationErrors errors;
  if (auto problem = sourceIdProblem(notification.sourceId); !problem.empty()) errors.add("sourceId", problem);
  if (auto problem = userIdProblem(notification.userId); !problem.empty()) errors.add("userId", problem);
  if (notification.kind.empty()) {
    errors.add("kind", "is required");
  } else if (!isValidKind(notification.kind)) {
    errors.add("kind", "must be one of welcome, order_confirmed, order_cancelled, order_shipped, payment_declined");
  }
  if (auto problem = titleProblem(notification.title); !problem.empty()) errors.add("title", problem);
  if (auto problem = bodyProblem(notification.body); !problem.empty()) errors.add("body", problem);
  return errors.toStatus();
}

bool sameContent(const Notification& stored, const NewNotification& requested) {
  return stored.userId == requested.userId && stored.kind == requested.kind && stored.title == requested.title &&
         stored.body == requested.body;
}

}  // namespace fleetdeck::notifications
