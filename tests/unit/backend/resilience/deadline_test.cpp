#include "fleetdeck/resilience/deadline.h"

#include <gtest/gtest.h>

namespace fleetdeck::resilience {
namespace {

using std::chrono::milliseconds;
const TimePoint kStart = TimePoint() + std::chrono::hours(1);

TEST(Deadline, RemainingShrinksToZeroAndNeverBelow) {
  const auto deadline = Deadline::after(milliseconds(300), kStart);
  EXPECT_EQ(deadline.remaining(kStart), milliseconds(300));
  EXPECT_EQ(deadline.remaining(kStart + milliseconds(100)), milliseconds(200));
  EXPECT_FALSE(deadline.expired(kStart + milliseconds(299)));
  EXPECT_TRUE(deadline.expired(kStart + milliseconds(300)));
  EXPECT_EQ(deadline.remaining(kStart + milliseconds(5000)), milliseconds(0));
}

TEST(Deadline, TheEarlierOfTwoWinsAndNeverIsNeverEarlier) {
  const auto client = Deadline::after(milliseconds(100), kStart);
  const auto ours = Deadline::after(milliseconds(5000), kStart);
  EXPECT_EQ(client.min(ours).at(), client.at());
  EXPECT_EQ(ours.min(client).at(), client.at());
  EXPECT_EQ(Deadline::never().min(ours).at(), ours.at());
  EXPECT_TRUE(Deadline::never().isNever());
}

TEST(Deadline, ConvertsToTheSystemClockForGrpc) {
  const auto deadline = Deadline::after(milliseconds(250), kStart);
  const auto systemNow = std::chrono::system_clock::time_point() + std::chrono::hours(100);
  EXPECT_EQ(deadline.toSystem(kStart + milliseconds(50), systemNow), systemNow + milliseconds(200));
}

TEST(ParseTimeout, AcceptsUnitsAndRefusesEverythingElse) {
  EXPECT_EQ(parseTimeout("250ms"), milliseconds(250));
  EXPECT_EQ(parseTimeout("2s"), milliseconds(2000));
  EXPECT_EQ(parseTimeout("1m"), milliseconds(60'000));
  for (const char* bad : {"", "0ms", "-5s", "5", "5h", "ms", "1.5s", "99999999999s"}) {
    EXPECT_FALSE(parseTimeout(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace fleetdeck::resilience
