#include "fleetdeck/resilience/retry.h"

#include <algorithm>
#include <cmath>

namespace fleetdeck::resilience {

std::chrono::milliseconds backoffDelay(const BackoffPolicy& policy, int retry, double random01) {
  if (retry < 1) retry = 1;
  const double cap = static_cast<double>(policy.max.count());
  // Computed in floating point and capped before converting, so a large retry number cannot overflow.
  const double ceiling =
      std::min(cap, static_cast<double>(policy.initial.count()) * std::pow(policy.multiplier, retry - 1));
  const double clamped = std::clamp(random01, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<int64_t>(std::floor(ceiling * clamped)));
}

bool isRetryableCode(StatusCode code) {
  // ABORTED is a version conflict here: repeating the same request meets the same conflict.
  return code == StatusCode::kUnavailable || code == StatusCode::kResourceExhausted;
}

RetryBudget::RetryBudget(RetryBudgetOptions options, TimePoint now)
    : options_(options), balance_(std::min(options.maxBalance, options.minPerSecond)), updated_(now) {}

void RetryBudget::refill(TimePoint now) {
  if (now <= updated_) return;
  const double elapsed = std::chrono::duration<double>(now - updated_).count();
  balance_ = std::min(options_.maxBalance, balance_ + elapsed * options_.minPerSecond);
  updated_ = now;
}

void RetryBudget::onRequest(TimePoint now) {
  std::lock_guard lock(mutex_);
  refill(now);
  balance_ = std::min(options_.maxBalance, balance_ + options_.ratio);
}

bool RetryBudget::tryRetry(TimePoint now) {
  std::lock_guard lock(mutex_);
  refill(now);
  // Tolerance for sums of fractional deposits (ten deposits of 0.1 make 0.9999999999999999).
  if (balance_ < 1.0 - 1e-9) return false;
  balance_ = std::max(0.0, balance_ - 1.0);
  return true;
}

double RetryBudget::balance(TimePoint now) {
  std::lock_guard lock(mutex_);
  refill(now);
  return balance_;
}

}  // namespace fleetdeck::resilience
