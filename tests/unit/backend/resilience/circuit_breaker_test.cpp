#include "fleetdeck/resilience/circuit_breaker.h"

#include <gtest/gtest.h>

#include <vector>

namespace fleetdeck::resilience {
namespace {

using std::chrono::milliseconds;
const TimePoint kStart = TimePoint() + std::chrono::hours(1);

CircuitBreakerOptions options() {
  return {.failureThreshold = 3, .openDuration = milliseconds(1000), .halfOpenProbes = 1, .successesToClose = 2};
}

TEST(CircuitBreaker, OpensAfterConsecutiveFailuresOnly) {
  CircuitBreaker breaker(options());
  breaker.onFailure(kStart);
  breaker.onFailure(kStart);
  breaker.onSuccess(kStart);  // resets the streak
  breaker.onFailure(kStart);
  breaker.onFailure(kStart);
  EXPECT_EQ(breaker.state(kStart), BreakerState::kClosed);
  breaker.onFailure(kStart);
  EXPECT_EQ(breaker.state(kStart), BreakerState::kOpen);
  EXPECT_FALSE(breaker.allow(kStart + milliseconds(999)));
  EXPECT_EQ(breaker.retryAfter(kStart + milliseconds(400)), milliseconds(600));
}

TEST(CircuitBreaker, IgnoredOutcomesCountNeitherWay_AndFreeTheirProbeSlot) {
  CircuitBreaker breaker(options());
  breaker.onFailure(kStart);
  breaker.onFailure(kStart);
  breaker.onIgnored(kStart);  // neither resets the streak nor extends it
  EXPECT_EQ(breaker.state(kStart), BreakerState::kClosed);
  breaker.onFailure(kStart);
  EXPECT_EQ(breaker.state(kStart), BreakerState::kOpen);
  const TimePoint later = kStart + milliseconds(1000);
  EXPECT_TRUE(breaker.allow(later));
  EXPECT_FALSE(breaker.allow(later)) << "the one probe slot is taken";
  breaker.onIgnored(later);
  EXPECT_EQ(breaker.state(later), BreakerState::kHalfOpen);
  EXPECT_TRUE(breaker.allow(later)) << "an ignored probe frees its slot";
}

// Calls on their caller's own short deadline end in nothing the breaker can count: given the probe
// slot, a stream of them would hold a recovered instance half-open (and others refused) for as long
// as it lasts. They get none; a call that can tell gets it.
TEST(CircuitBreaker, CallsThatCannotTellGetNoProbeSlot) {
  CircuitBreaker breaker(options());
  for (int i = 0; i < 3; ++i) breaker.onFailure(kStart);
  const TimePoint later = kStart + milliseconds(1000);
  EXPECT_EQ(breaker.state(later), BreakerState::kHalfOpen);
  EXPECT_FALSE(breaker.allow(later, /*mayProbe=*/false));
  EXPECT_FALSE(breaker.allow(later, /*mayProbe=*/false));
  EXPECT_TRUE(breaker.allow(later)) << "the probe slot is still free for a call that can tell";
  breaker.onSuccess(later);
  EXPECT_TRUE(breaker.allow(later));
  breaker.onSuccess(later);
  EXPECT_EQ(breaker.state(later), BreakerState::kClosed);
  EXPECT_TRUE(breaker.allow(later, /*mayProbe=*/false)) << "closed: everyone goes";
}

// ...but when they are all there is, one of them probes after a quiet openDuration, and its success
// counts: the instance is not left half-open for ever.
TEST(CircuitBreaker, WhenOnlyCallsThatMayNotProbeCome_OneProbesAfterAQuietOpenDuration) {
  CircuitBreaker breaker(options());
  for (int i = 0; i < 3; ++i) breaker.onFailure(kStart);
  const TimePoint halfOpen = kStart + milliseconds(1000);
  EXPECT_FALSE(breaker.allow(halfOpen, false));
  const TimePoint quiet = halfOpen + milliseconds(1000);
  EXPECT_TRUE(breaker.allow(quiet, false));
  EXPECT_FALSE(breaker.allow(quiet, false)) << "one at a time";
  breaker.onSuccess(quiet);
  EXPECT_TRUE(breaker.allow(quiet + milliseconds(1000), false));
  breaker.onSuccess(quiet + milliseconds(1000));
  EXPECT_EQ(breaker.state(quiet + milliseconds(1000)), BreakerState::kClosed);
}

TEST(CircuitBreaker, HalfOpenLetsOneProbeAtATimeAndClosesAfterEnoughSuccesses) {
  CircuitBreaker breaker(options());
  for (int i = 0; i < 3; ++i) breaker.onFailure(kStart);
  const TimePoint later = kStart + milliseconds(1000);
  EXPECT_TRUE(breaker.allow(later));
  EXPECT_EQ(breaker.state(later), BreakerState::kHalfOpen);
  EXPECT_FALSE(breaker.allow(later)) << "second concurrent probe";
  breaker.onSuccess(later);
  EXPECT_EQ(breaker.state(later), BreakerState::kHalfOpen) << "needs two successes";
  EXPECT_TRUE(breaker.allow(later));
  breaker.onSuccess(later);
  EXPECT_EQ(breaker.state(later), BreakerState::kClosed);
  EXPECT_TRUE(breaker.allow(later));
  EXPECT_EQ(breaker.retryAfter(later), milliseconds(0));
}

TEST(CircuitBreaker, AFailedProbeReopensForAnotherFullCoolDown) {
  CircuitBreaker breaker(options());
  for (int i = 0; i < 3; ++i) breaker.onFailure(kStart);
  const TimePoint probeTime = kStart + milliseconds(1500);
  ASSERT_TRUE(breaker.allow(probeTime));
  breaker.onFailure(probeTime);
  EXPECT_EQ(breaker.state(probeTime), BreakerState::kOpen);
  EXPECT_FALSE(breaker.allow(probeTime + milliseconds(999)));
  EXPECT_TRUE(breaker.allow(probeTime + milliseconds(1000)));
}

TEST(CircuitBreaker, AProbeThatNeverReportsBackFreesItsSlot) {
  CircuitBreaker breaker(options());
  for (int i = 0; i < 3; ++i) breaker.onFailure(kStart);
  const TimePoint probeTime = kStart + milliseconds(1000);
  ASSERT_TRUE(breaker.allow(probeTime));
  EXPECT_FALSE(breaker.allow(probeTime + milliseconds(500)));
  EXPECT_TRUE(breaker.allow(probeTime + milliseconds(1000)));
}

TEST(CircuitBreaker, TheListenerHearsEveryTransitionInOrder) {
  CircuitBreaker breaker(options());
  std::vector<BreakerState> heard;
  breaker.setListener([&](BreakerState state) { heard.push_back(state); });
  for (int i = 0; i < 3; ++i) breaker.onFailure(kStart);
  const TimePoint later = kStart + milliseconds(1000);
  ASSERT_TRUE(breaker.allow(later));
  breaker.onSuccess(later);
  ASSERT_TRUE(breaker.allow(later));
  breaker.onSuccess(later);
  EXPECT_EQ(heard, (std::vector<BreakerState>{BreakerState::kOpen, BreakerState::kHalfOpen, BreakerState::kClosed}));
  EXPECT_EQ(breakerStateName(BreakerState::kHalfOpen), "half_open");
}

}  // namespace
}  // namespace fleetdeck::resilience
