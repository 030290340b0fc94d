// Errors as values: a Status with a gRPC canonical code, and Result<T> = a value or a Status.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace fleetdeck {

// The gRPC canonical codes, numerically identical to grpc::StatusCode.
enum class StatusCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

// "INVALID_ARGUMENT", as clients see it in error bodies.
std::string_view statusCodeName(StatusCode code);
// Inverse of statusCodeName; kUnknown for anything unrecognised.
StatusCode statusCodeFromName(std::string_view name);

// One invalid input field, named as the client spelled it (e.g. "email" or "items[2].quantity").
struct FieldViolation {
  std::string field;
  std::string reason;
  bool operator==(const FieldViolation&) const = default;
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message, std::vector<FieldViolation> violations = {})
      : code_(code), message_(std::move(message)), violations_(std::move(violations)) {}

  static Status ok() { return {}; }

  bool isOk() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::vector<FieldViolation>& violations() const { return violations_; }

  // "NOT_FOUND: user 42 does not exist"
  std::string toString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::vector<FieldViolation> violations_;
};

// Shorthands for the codes services return most.
// UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED: a failure that may clear up when the
// same work is tried again later (a dependency down or busy, a lost race), as opposed to a refusal.
bool isTransientFailure(const Status& status);

Status invalidArgument(std::string message, std::vector<FieldViolation> violations = {});
Status invalidField(std::string field, std::string reason);
Status notFound(std::string message);
Status alreadyExists(std::string message, std::vector<FieldViolation> violations = {});
Status failedPrecondition(std::string message);
Status aborted(std::string message);
Status unavailable(std::string message);
Status internalError(std::string message);
Status deadlineExceeded(std::string message);
Status resourceExhausted(std::string message);
Status unauthenticated(std::string message);
Status permissionDenied(std::string message);

// Collects field violations while validating a request, then yields one INVALID_ARGUMENT.
class ValidationErrors {
 public:
  void add(std::string field, std::string reason) { violations_.push_back({std::move(field), std::move(reason)}); }
  bool empty() const { return violations_.empty(); }
  // OK when nothing was added; otherwise INVALID_ARGUMENT naming every field.
  Status toStatus() const;

 private:
  std::vector<FieldViolation> violations_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT: implicit by design, like std::expected
  Result(Status status) : state_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(state_).isOk() && "a Result built from a Status must carry an error");
  }

  bool isOk() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return isOk(); }

  const T& value() const& { return std::get<T>(state_); }
  T& value() & { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  // The error, or OK when a value is held.
  Status status() const { return isOk() ? Status::ok() : std::get<Status>(state_); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace fleetdeck

// Propagates a non-OK Status from an expression returning Status.
#define FLEETDECK_RETURN_IF_ERROR(expr)                 \
  do {                                                  \
    ::fleetdeck::Status fleetdeck_status_ = (expr);     \
    if (!fleetdeck_status_.isOk()) return fleetdeck_status_; \
  } while (false)
