// The list requests' creation-time bounds as a direct gRPC caller may send them.
#include "adapters/created_range.h"

#include <gtest/gtest.h>

#include <google/protobuf/util/time_util.h>

namespace fleetdeck::orders {
namespace {

using google::protobuf::Timestamp;
using google::protobuf::util::TimeUtil;

Timestamp at(int64_t seconds, int32_t nanos = 0) {
  Timestamp time;
  time.set_seconds(seconds);
  time.set_nanos(nanos);
  return time;
}

TEST(CreatedRange, UnsetBoundsAreZero_SetOnesAreMicroseconds) {
  auto range = createdRangeOf(Timestamp(), at(1'767'225'600, 1'500));
  ASSERT_TRUE(range.isOk());
  EXPECT_EQ(range->afterMicros, 0);
  EXPECT_EQ(range->beforeMicros, 1'767'225'600'000'001);
}

// Out of Timestamp's range the conversion to microseconds would overflow: named instead.
TEST(CreatedRange, TimesOutOfRangeAreNamed) {
  auto range = createdRangeOf(at(TimeUtil::kTimestampMaxSeconds + 1), at(0, 1'000'000'000));
  ASSERT_FALSE(range.isOk());
  EXPECT_EQ(range.status().code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(range.status().violations().size(), 2u);
  EXPECT_EQ(range.status().violations()[0].field, "createdAfter");
  EXPECT_EQ(range.status().violations()[1].field, "createdBefore");
  EXPECT_FALSE(createdRangeOf(at(TimeUtil::kTimestampMinSeconds - 1), Timestamp()).isOk());
  EXPECT_FALSE(createdRangeOf(Timestamp(), at(5, -1)).isOk());
}

}  // namespace
}  // namespace fleetdeck::orders
