// A circuit breaker per upstream instance: closed -> open after consecutive failures, open ->
// half-open after a cool-down, half-open -> closed after successful probes (or back to open).
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string_view>

#include "fleetdeck/resilience/clock.h"

namespace fleetdeck::resilience {

// Numeric values are what the circuit_breaker_state metric reports.
enum class BreakerState { kClosed = 0, kOpen = 1, kHalfOpen = 2 };
std::string_view breakerStateName(BreakerState state);  // "closed", "open", "half_open"

struct CircuitBreakerOptions {
  // Consecutive failures that open a closed breaker.
  int failureThreshold = 5;
  // How long an open breaker refuses calls before letting a probe through.
  std::chrono::milliseconds openDuration{5000};
  // Probes allowed at once while half-open.
  int halfOpenProbes = 1;
  // Successful probes needed to close again.
  int successesToClose = 1;
};

// Thread-safe. Callers ask allow() before a call and report its outcome with onSuccess/onFailure;
// only failures that say something about the upstream's health (unavailable, timed out) should
// count — a NOT_FOUND is a healthy answer.
class CircuitBreaker {
 public:
  using Listener = std::function<void(BreakerState)>;

  explicit CircuitBreaker(CircuitBreakerOptions options = {});

  // Called (outside the lock) on every state change: metrics, logs.
  void setListener(Listener listener);

  // True when a call may go out now. In half-open it hands out probe slots; a probe whose outcome is
  // never reported frees its slot after openDuration, so a lost callback cannot wedge the breaker.
  // `mayProbe` false: a call whose outcome may not tell (its caller's own short deadline) gets a
  // probe slot only when no probe went for openDuration, else a stream of such calls would hold the
  // instance half-open for as long as it lasts.
  bool allow(TimePoint now, bool mayProbe = true);
  void onSuccess(TimePoint now);
  void onFailure(TimePoint now);
  // A call whose outcome says nothing about the upstream (the caller's own short deadline ran out):
  // counts neither way, and frees its half-open probe slot.
  void onIgnored(TimePoint now);

  BreakerState state(TimePoint now);
  // While open: time left until a probe is allowed (for Retry-After); zero otherwise.
  std::chrono::milliseconds retryAfter(TimePoint now);

 private:
  // Open -> half-open once the cool-down passed. Caller holds the lock.
  void advance(TimePoint now);
  void transition(BreakerState next, TimePoint now);
  // Tells the listener about a change made under the lock; call after unlocking.
  void announce(std::unique_lock<std::mutex>& lock);

  CircuitBreakerOptions options_;
  std::mutex mutex_;
  Listener listener_;
  BreakerState state_ = BreakerState::kClosed;
  int consecutiveFailures_ = 0;
  int probesInFlight_ = 0;
  int probeSuccesses_ = 0;
  TimePoint openedAt_{};
  TimePoint lastProbeAt_{};
  bool changed_ = false;
};

}  // namespace fleetdeck::resilience
