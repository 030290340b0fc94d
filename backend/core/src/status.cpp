#include "fleetdeck/core/status.h"

#include <array>

#include "fleetdeck/core/http_status.h"

namespace fleetdeck {
namespace {

constexpr std::array<std::string_view, 17> kCodeNames = {
    "OK",           "CANCELLED",         "UNKNOWN",   "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
    "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
    "OUT_OF_RANGE", "UNIMPLEMENTED",     "INTERNAL",  "UNAVAILABLE",      "DATA_LOSS",         "UNAUTHENTICATED",
};

}  // namespace

bool isTransientFailure(const Status& status) {
  switch (status.code()) {
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kResourceExhausted:
    case StatusCode::kAborted:
      return true;
    default:
      return false;
  }
}

std::string_view statusCodeName(StatusCode code) {
  const auto index = static_cast<size_t>(code);
  return index < kCodeNames.size() ? kCodeNames[index] : "UNKNOWN";
}

StatusCode statusCodeFromName(std::string_view name) {
  for (size_t i = 0; i < kCodeNames.size(); ++i) {
    if (kCodeNames[i] == name) return static_cast<StatusCode>(i);
  }
  return StatusCode::kUnknown;
}

std::string Status::toString() const {
  if (isOk()) return "OK";
  std::string text(statusCodeName(code_));
  text += ": ";
  text += message_;
  for (const auto& violation : violations_) {
    text += " [" + violation.field + ": " + violation.reason + "]";
  }
  return text;
}

Status invalidArgument(std::string message, std::vector<FieldViolation> violations) {
  return {StatusCode::kInvalidArgument, std::move(message), std::move(violations)};
}
Status invalidField(std::string field, std::string reason) {
  std::string message = field + ": " + reason;
  return {StatusCode::kInvalidArgument, std::move(message), {{std::move(field), std::move(reason)}}};
}
Status notFound(std::string message) { return {StatusCode::kNotFound, std::move(message)}; }
Status alreadyExists(std::string message, std::vector<FieldViolation> violations) {
  return {StatusCode::kAlreadyExists, std::move(message), std::move(violations)};
}
Status failedPrecondition(std::string message) { return {StatusCode::kFailedPrecondition, std::move(message)}; }
Status aborted(std::string message) { return {StatusCode::kAborted, std::move(message)}; }
Status unavailable(std::string message) { return {StatusCode::kUnavailable, std::move(message)}; }
Status internalError(std::string message) { return {StatusCode::kInternal, std::move(message)}; }
Status deadlineExceeded(std::string message) { return {StatusCode::kDeadlineExceeded, std::move(message)}; }
Status resourceExhausted(std::string message) { return {StatusCode::kResourceExhausted, std::move(message)}; }
Status unauthenticated(std::string message) { return {StatusCode::kUnauthenticated, std::move(message)}; }
Status permissionDenied(std::string message) { return {StatusCode::kPermissionDenied, std::move(message)}; }

Status ValidationErrors::toStatus() const {
  if (violations_.empty()) return Status::ok();
  std::string message = "invalid request: ";
  for (size_t i = 0; i < violations_.size(); ++i) {
    if (i > 0) message += "; ";
    message += violations_[i].field + " " + violations_[i].reason;
  }
  return invalidArgument(std::move(message), violations_);
}

int httpStatusFor(StatusCode code, bool conditionalRequest) {
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kCancelled: return 499;
    case StatusCode::kUnknown: return 500;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kDeadlineExceeded: return 504;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists: return 409;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kResourceExhausted: return 429;
    // The resource is not in a state that allows the call (e.g. shipping a cancelled order):
    // RFC 9110's "conflict with the current state of the target resource".
    case StatusCode::kFailedPrecondition: return 409;
    case StatusCode::kAborted: return conditionalRequest ? 412 : 409;
    case StatusCode::kOutOfRange: return 400;
    case StatusCode::kUnimplemented: return 501;
    case StatusCode::kInternal: return 500;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kDataLoss: return 500;
    case StatusCode::kUnauthenticated: return 401;
  }
  return 500;
}

StatusCode statusCodeForHttp(int httpStatus) {
  if (httpStatus >= 200 && httpStatus < 400) return StatusCode::kOk;
  switch (httpStatus) {
    case 400: return StatusCode::kInvalidArgument;
    case 401: return StatusCode::kUnauthenticated;
    case 403: return StatusCode::kPermissionDenied;
    case 404: return StatusCode::kNotFound;
    case 409: return StatusCode::kAborted;
    case 412: return StatusCode::kFailedPrecondition;
    case 429: return StatusCode::kResourceExhausted;
    case 501: return StatusCode::kUnimplemented;
    case 502:
    case 503: return StatusCode::kUnavailable;
    case 504: return StatusCode::kDeadlineExceeded;
    default: return httpStatus >= 500 ? StatusCode::kInternal : StatusCode::kInvalidArgument;
  }
}

}  // namespace fleetdeck
