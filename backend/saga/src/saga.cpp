#include "fleetdeck/saga/saga.h"

#include <algorithm>
#include <cmath>

namespace fleetdeck::saga {

bool isTransient(const Status& status) { return isTransientFailure(status); }

bool isDefiniteRefusal(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kNotFound:
    case StatusCode::kAlreadyExists:
    case StatusCode::kOutOfRange:
    case StatusCode::kPermissionDenied:
    case StatusCode::kUnauthenticated:
      return true;
    default:
      return false;
  }
}

std::chrono::milliseconds backoffFor(const RetryPolicy& policy, int attempt, double unitRandom) {
  const double base = static_cast<double>(policy.initialBackoff.count()) *
                      std::pow(policy.multiplier, std::max(0, attempt - 1));
  const double capped = std::min(base, static_cast<double>(policy.maxBackoff.count()));
  const double jittered = capped * (1.0 + policy.jitter * (2.0 * unitRandom - 1.0));
  return std::chrono::milliseconds(std::max<int64_t>(1, static_cast<int64_t>(jittered)));
}

}  // namespace fleetdeck::saga
