#include "fleetdeck/resilience/token_bucket.h"

#include <gtest/gtest.h>

namespace fleetdeck::resilience {
namespace {

using std::chrono::milliseconds;
const TimePoint kStart = TimePoint() + std::chrono::hours(1);

TEST(TokenBucket, AllowsTheBurstThenRefusesWithTheWaitUntilTheNextToken) {
  TokenBucket bucket({.perSecond = 10, .burst = 3}, kStart);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(bucket.tryTake(kStart).allowed) << i;
  const auto refused = bucket.tryTake(kStart);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retryAfter, milliseconds(100));
  // Half a token later the wait halves.
  EXPECT_EQ(bucket.tryTake(kStart + milliseconds(50)).retryAfter, milliseconds(50));
  EXPECT_TRUE(bucket.tryTake(kStart + milliseconds(100)).allowed);
}

TEST(TokenBucket, RefillsAtTheRateButNeverBeyondTheBurst) {
  TokenBucket bucket({.perSecond = 2, .burst = 4}, kStart);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(bucket.tryTake(kStart).allowed);
  EXPECT_NEAR(bucket.available(kStart + milliseconds(1000)), 2.0, 1e-9);
  EXPECT_NEAR(bucket.available(kStart + std::chrono::hours(5)), 4.0, 1e-9);
  EXPECT_TRUE(bucket.full(kStart + std::chrono::seconds(2)));
}

TEST(TokenBucket, AClockThatGoesBackwardsNeitherAddsNorRemovesTokens) {
  TokenBucket bucket({.perSecond = 1, .burst = 1}, kStart);
  ASSERT_TRUE(bucket.tryTake(kStart).allowed);
  EXPECT_FALSE(bucket.tryTake(kStart - std::chrono::seconds(10)).allowed);
  EXPECT_TRUE(bucket.tryTake(kStart + std::chrono::seconds(1)).allowed);
}

TEST(TokenBucket, ADisabledLimitAllowsEverything) {
  TokenBucket bucket({.perSecond = 0, .burst = 1}, kStart);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(bucket.tryTake(kStart).allowed);
}

TEST(KeyedRateLimiter, KeysHaveIndependentBuckets) {
  KeyedRateLimiter limiter({.perSecond = 1, .burst = 2});
  EXPECT_TRUE(limiter.tryTake("10.0.0.1", kStart).allowed);
  EXPECT_TRUE(limiter.tryTake("10.0.0.1", kStart).allowed);
  EXPECT_FALSE(limiter.tryTake("10.0.0.1", kStart).allowed);
  // Another client is still served while the first one is throttled.
  EXPECT_TRUE(limiter.tryTake("10.0.0.2", kStart).allowed);
}

TEST(KeyedRateLimiter, MemoryStaysBoundedAndThrottledClientsKeepTheirState) {
  KeyedRateLimiter limiter({.perSecond = 1, .burst = 1}, /*maxKeys=*/160);
  ASSERT_TRUE(limiter.tryTake("abuser", kStart).allowed);
  for (int i = 0; i < 10'000; ++i) (void)limiter.tryTake("client-" + std::to_string(i), kStart);
  EXPECT_LE(limiter.size(), 160u);
  // Everyone is equally empty at kStart; the abuser's bucket may go, but never grows back a burst
  // larger than the configured one.
  int allowed = 0;
  for (int i = 0; i < 5; ++i) allowed += limiter.tryTake("abuser", kStart).allowed ? 1 : 0;
  EXPECT_LE(allowed, 1);
}

TEST(RetryAfterSeconds, RoundsUpAndNeverSaysZero) {
  EXPECT_EQ(retryAfterSeconds(milliseconds(1)), 1);
  EXPECT_EQ(retryAfterSeconds(milliseconds(1000)), 1);
  EXPECT_EQ(retryAfterSeconds(milliseconds(1001)), 2);
  EXPECT_EQ(retryAfterSeconds(milliseconds(0)), 1);
}

}  // namespace
}  // namespace fleetdeck::resilience
