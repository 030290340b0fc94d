#include "domain/fault_injector.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "payments/fake_payment_store.h"

namespace fleetdeck::payments {
namespace {

using testing::ScriptedRandomSource;

TEST(FaultInjector, OffByDefaultAndDrawsNoChance) {
  ScriptedRandomSource random({}, 0.0);
  FaultInjector faults({}, false, random);
  for (int i = 0; i < 100; ++i) {
    EXPECT_FALSE(faults.shouldFail());
    EXPECT_FALSE(faults.shouldDecline());
  }
  EXPECT_EQ(faults.addedLatency().count(), 0);
  EXPECT_EQ(random.draws, 0) << "with every rate at zero nothing may be random";
}

TEST(FaultInjector, FailsExactlyWhenTheDrawIsBelowTheRate) {
  ScriptedRandomSource random({0.29, 0.3, 0.99, 0.0});
  FaultInjector faults({.failureRate = 0.3}, false, random);
  EXPECT_TRUE(faults.shouldFail());
  EXPECT_FALSE(faults.shouldFail());
  EXPECT_FALSE(faults.shouldFail());
  EXPECT_TRUE(faults.shouldFail());
  EXPECT_EQ(random.draws, 4);
}

TEST(FaultInjector, RateOneAlwaysFiresRateZeroNever) {
  ScriptedRandomSource random({}, 0.999999);
  FaultInjector always({.declineRate = 1.0, .failureRate = 1.0}, false, random);
  EXPECT_TRUE(always.shouldFail());
  EXPECT_TRUE(always.shouldDecline());
  ScriptedRandomSource zero({}, 0.0);
  FaultInjector never({}, false, zero);
  EXPECT_FALSE(never.shouldFail());
  EXPECT_FALSE(never.shouldDecline());
}

TEST(FaultInjector, DeclineAndFailureUseTheirOwnRates) {
  ScriptedRandomSource random({}, 0.5);
  FaultInjector faults({.declineRate = 0.6, .failureRate = 0.4}, false, random);
  EXPECT_TRUE(faults.shouldDecline());
  EXPECT_FALSE(faults.shouldFail());
}

TEST(FaultInjector, ChangeIsRefusedUnlessRuntimeChangesAreAllowed) {
  ScriptedRandomSource random;
  FaultInjector faults({}, false, random);
  auto refused = faults.change({.failureRate = 0.5});
  ASSERT_FALSE(refused.isOk());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.status().message(), "fault injection can only be changed on a local fleet");
  EXPECT_EQ(faults.current(), FaultSettings{}) << "a refused change must change nothing";
}

TEST(FaultInjector, AllowedChangeTakesEffectAtOnce) {
  ScriptedRandomSource random({}, 0.1);
  FaultInjector faults({}, true, random);
  auto changed = faults.change({.declineRate = 0.25, .failureRate = 0.5, .addedLatencyMs = 40});
  ASSERT_TRUE(changed.isOk()) << changed.status().toString();
  EXPECT_EQ(faults.current(), (FaultSettings{0.25, 0.5, 40}));
  EXPECT_TRUE(faults.shouldFail());
  EXPECT_EQ(faults.addedLatency().count(), 40);
}

TEST(FaultInjector, OutOfRangeValuesAreRejectedNamingEachField) {
  ScriptedRandomSource random;
  FaultInjector faults({}, true, random);
  auto rejected = faults.change({.declineRate = 1.5,
                                 .failureRate = std::numeric_limits<double>::quiet_NaN(),
                                 .addedLatencyMs = -1});
  ASSERT_FALSE(rejected.isOk());
  EXPECT_EQ(rejected.status().code(), StatusCode::kInvalidArgument);
  const Status status = rejected.status();
  const auto& violations = status.violations();
  ASSERT_EQ(violations.size(), 3u);
  EXPECT_EQ(violations[0].field, "faults.declineRate");
  EXPECT_EQ(violations[1].field, "faults.failureRate");
  EXPECT_EQ(violations[2].field, "faults.addedLatencyMs");
  EXPECT_EQ(faults.current(), FaultSettings{});

  EXPECT_FALSE(faults.change({.addedLatencyMs = kMaxAddedLatencyMs + 1}).isOk());
  EXPECT_FALSE(faults.change({.declineRate = -0.01}).isOk());
  EXPECT_TRUE(faults.change({.declineRate = 1.0, .failureRate = 0.0, .addedLatencyMs = kMaxAddedLatencyMs}).isOk());
}

TEST(FaultInjector, FailuresAnswerUnavailableOrInternalAndNothingElse) {
  ScriptedRandomSource random;
  FaultInjector faults({}, true, random);
  EXPECT_EQ(faults.current().failureCode, StatusCode::kUnavailable) << "the default: an outage, retried";
  ASSERT_TRUE(faults.change({.failureRate = 1.0, .failureCode = StatusCode::kInternal}).isOk());
  EXPECT_EQ(faults.current().failureCode, StatusCode::kInternal);
  for (StatusCode code : {StatusCode::kOk, StatusCode::kUnknown, StatusCode::kFailedPrecondition}) {
    auto rejected = faults.change({.failureCode = code});
    ASSERT_FALSE(rejected.isOk());
    ASSERT_EQ(rejected.status().violations().size(), 1u);
    EXPECT_EQ(rejected.status().violations()[0].field, "faults.failureCode");
  }
  EXPECT_EQ(faults.current().failureCode, StatusCode::kInternal) << "a rejected change keeps the last one";
}

}  // namespace
}  // namespace fleetdeck::payments
