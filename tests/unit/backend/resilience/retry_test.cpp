#include "fleetdeck/resilience/retry.h"

#include <gtest/gtest.h>

namespace fleetdeck::resilience {
namespace {

using std::chrono::milliseconds;
const TimePoint kStart = TimePoint() + std::chrono::hours(1);

TEST(Backoff, GrowsExponentiallyUpToTheCapWithFullJitter) {
  const BackoffPolicy policy{.initial = milliseconds(100), .max = milliseconds(1000), .multiplier = 2};
  // random01 close to 1 shows the ceiling of each retry.
  EXPECT_EQ(backoffDelay(policy, 1, 0.999999), milliseconds(99));
  EXPECT_EQ(backoffDelay(policy, 2, 0.999999), milliseconds(199));
  EXPECT_EQ(backoffDelay(policy, 3, 0.999999), milliseconds(399));
  EXPECT_EQ(backoffDelay(policy, 5, 0.999999), milliseconds(999));
  EXPECT_EQ(backoffDelay(policy, 60, 0.999999), milliseconds(999)) << "no overflow for large retry numbers";
  EXPECT_EQ(backoffDelay(policy, 3, 0.0), milliseconds(0));
  EXPECT_EQ(backoffDelay(policy, 3, 0.5), milliseconds(200));
}

TEST(Backoff, OutOfRangeInputsAreClamped) {
  const BackoffPolicy policy{.initial = milliseconds(10), .max = milliseconds(50), .multiplier = 2};
  EXPECT_EQ(backoffDelay(policy, 0, 0.5), milliseconds(5));
  EXPECT_EQ(backoffDelay(policy, 1, 7.0), milliseconds(10));
}

TEST(RetryableCodes, OnlyCodesThatMeanTheCallMayBeRepeated) {
  EXPECT_TRUE(isRetryableCode(StatusCode::kUnavailable));
  EXPECT_TRUE(isRetryableCode(StatusCode::kResourceExhausted));
  EXPECT_FALSE(isRetryableCode(StatusCode::kDeadlineExceeded));
  EXPECT_FALSE(isRetryableCode(StatusCode::kAborted));
  EXPECT_FALSE(isRetryableCode(StatusCode::kInvalidArgument));
  EXPECT_FALSE(isRetryableCode(StatusCode::kInternal));
}

TEST(RetryBudget, RetriesAreCappedToAShareOfRequests) {
  RetryBudget budget({.ratio = 0.1, .minPerSecond = 0, .maxBalance = 100}, kStart);
  EXPECT_FALSE(budget.tryRetry(kStart)) << "nothing deposited yet";
  for (int i = 0; i < 100; ++i) budget.onRequest(kStart);
  int retries = 0;
  while (budget.tryRetry(kStart)) ++retries;
  EXPECT_EQ(retries, 10);
}

TEST(RetryBudget, AMinimumRatePerSecondRefillsOverTime) {
  RetryBudget budget({.ratio = 0, .minPerSecond = 2, .maxBalance = 5}, kStart);
  int retries = 0;
  while (budget.tryRetry(kStart)) ++retries;
  EXPECT_EQ(retries, 2);
  EXPECT_FALSE(budget.tryRetry(kStart + milliseconds(400)));
  EXPECT_TRUE(budget.tryRetry(kStart + milliseconds(500)));
  // A long quiet period banks no more than maxBalance.
  EXPECT_NEAR(budget.balance(kStart + std::chrono::hours(1)), 5.0, 1e-9);
}

}  // namespace
}  // namespace fleetdeck::resilience
