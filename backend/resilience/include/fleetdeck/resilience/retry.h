// Retries done right: exponential backoff with full jitter, a cap on attempts, and a retry budget
// so that retries cannot multiply load on an upstream that is already struggling.
#pragma once

#include <chrono>
#include <mutex>

#include "fleetdeck/core/status.h"
#include "fleetdeck/resilience/clock.h"

namespace fleetdeck::resilience {

struct BackoffPolicy {
  std::chrono::milliseconds initial{25};
  std::chrono::milliseconds max{1000};
  double multiplier = 2.0;
};

// The delay before retry number `retry` (1 for the first retry): uniformly random in
// [0, min(max, initial * multiplier^(retry-1))] ("full jitter"), which spreads a herd of clients
// that failed together. `random01` is a number in [0, 1) from the caller's generator.
std::chrono::milliseconds backoffDelay(const BackoffPolicy& policy, int retry, double random01);

struct RetryPolicy {
  // Total tries including the first; 1 disables retries.
  int maxAttempts = 3;
  BackoffPolicy backoff;
};

// Codes worth retrying for an idempotent call: the request did not run or may be repeated safely.
// DEADLINE_EXCEEDED is not among them: the caller's time is spent.
bool isRetryableCode(StatusCode code);

// Retries may add at most `ratio` of the request rate (e.g. 0.2 = 20 %) plus `minPerSecond`, so
// that during an outage retries stop quickly instead of tripling the load (Finagle's budget).
struct RetryBudgetOptions {
  double ratio = 0.2;
  double minPerSecond = 10;
  // The most unused retries kept for later; keeps a quiet period from banking a burst.
  double maxBalance = 100;
};

class RetryBudget {
 public:
  RetryBudget(RetryBudgetOptions options, TimePoint now);

  // Every first attempt deposits `ratio` of a retry.
  void onRequest(TimePoint now);
  // Withdraws one retry; false when the budget is spent (then the caller returns the failure).
  bool tryRetry(TimePoint now);
  double balance(TimePoint now);

 private:
  void refill(TimePoint now);

  RetryBudgetOptions options_;
  std::mutex mutex_;
  double balance_;
  TimePoint updated_;
};

}  // namespace fleetdeck::resilience
