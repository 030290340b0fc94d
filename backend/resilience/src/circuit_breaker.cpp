#include "fleetdeck/resilience/circuit_breaker.h"

#include <algorithm>

namespace fleetdeck::resilience {

std::string_view breakerStateName(BreakerState state) {
  switch (state) {
    case BreakerState::kClosed: return "closed";
    case BreakerState::kOpen: return "open";
    case BreakerState::kHalfOpen: return "half_open";
  }
  return "unknown";
}

CircuitBreaker::CircuitBreaker(CircuitBreakerOptions options) : options_(options) {
  options_.failureThreshold = std::max(1, options_.failureThreshold);
  options_.halfOpenProbes = std::max(1, options_.halfOpenProbes);
  options_.successesToClose = std::max(1, options_.successesToClose);
}

void CircuitBreaker::setListener(Listener listener) {
  std::lock_guard lock(mutex_);
  listener_ = std::move(listener);
}

void CircuitBreaker::transition(BreakerState next, TimePoint now) {
  if (state_ == next) return;
  state_ = next;
  changed_ = true;
  probesInFlight_ = 0;
  probeSuccesses_ = 0;
  if (next == BreakerState::kOpen) openedAt_ = now;
  if (next == BreakerState::kHalfOpen) lastProbeAt_ = now;
  if (next == BreakerState::kClosed) consecutiveFailures_ = 0;
}

void CircuitBreaker::advance(TimePoint now) {
  if (state_ == BreakerState::kOpen && now - openedAt_ >= options_.openDuration) {
    transition(BreakerState::kHalfOpen, now);
  }
}

void CircuitBreaker::announce(std::unique_lock<std::mutex>& lock) {
  if (!changed_) return;
  changed_ = false;
  const BreakerState state = state_;
  Listener listener = listener_;
  lock.unlock();
  if (listener) listener(state);
}

bool CircuitBreaker::allow(TimePoint now, bool mayProbe) {
  std::unique_lock lock(mutex_);
  advance(now);
  bool allowed = false;
  switch (state_) {
    case BreakerState::kClosed:
      allowed = true;
      break;
    case BreakerState::kOpen:
      allowed = false;
      break;
    case BreakerState::kHalfOpen:
      // A call that may not probe still goes when no probe went for a whole openDuration: an
      // instance whose only callers send short deadlines would otherwise stay half-open for ever.
      if (!mayProbe && now - lastProbeAt_ < options_.openDuration) break;
      if (probesInFlight_ < options_.halfOpenProbes) {
        ++probesInFlight_;
        lastProbeAt_ = now;
        allowed = true;
      } else if (now - lastProbeAt_ >= options_.openDuration) {
        // The earlier probe never reported back: let another one go instead of waiting forever.
        lastProbeAt_ = now;
        allowed = true;
      }
      break;
  }
  announce(lock);
  return allowed;
}

void CircuitBreaker::onSuccess(TimePoint now) {
  std::unique_lock lock(mutex_);
  advance(now);
  switch (state_) {
    case BreakerState::kClosed:
      consecutiveFailures_ = 0;
      break;
    case BreakerState::kHalfOpen:
      probesInFlight_ = std::max(0, probesInFlight_ - 1);
      if (++probeSuccesses_ >= options_.successesToClose) transition(BreakerState::kClosed, now);
      break;
    case BreakerState::kOpen:
      // A call let through before the breaker opened: one late success proves little.
      break;
  }
  announce(lock);
}

void CircuitBreaker::onFailure(TimePoint now) {
  std::unique_lock lock(mutex_);
  advance(now);
  switch (state_) {
    case BreakerState::kClosed:
      if (++consecutiveFailures_ >= options_.failureThreshold) transition(BreakerState::kOpen, now);
      break;
    case BreakerState::kHalfOpen:
      transition(BreakerState::kOpen, now);
      break;
    case BreakerState::kOpen:
      break;
  }
  announce(lock);
}

void CircuitBreaker::onIgnored(TimePoint now) {
  std::unique_lock lock(mutex_);
  advance(now);
  if (state_ == BreakerState::kHalfOpen) probesInFlight_ = std::max(0, probesInFlight_ - 1);
  announce(lock);
}

BreakerState CircuitBreaker::state(TimePoint now) {
  std::unique_lock lock(mutex_);
  advance(now);
  const BreakerState current = state_;
  announce(lock);
  return current;
}

std::chrono::milliseconds CircuitBreaker::retryAfter(TimePoint now) {
  std::lock_guard lock(mutex_);
  if (state_ != BreakerState::kOpen) return std::chrono::milliseconds(0);
  const auto left = openedAt_ + options_.openDuration - now;
  return std::max(std::chrono::milliseconds(0), std::chrono::ceil<std::chrono::milliseconds>(left));
}

}  // namespace fleetdeck::resilience
