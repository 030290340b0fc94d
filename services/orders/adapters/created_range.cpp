#include "adapters/created_range.h"

#include <google/protobuf/util/time_util.h>

namespace fleetdeck::orders {
namespace {

using google::protobuf::util::TimeUtil;

bool valid(const google::protobuf::Timestamp& time) {
  return time.seconds() >= TimeUtil::kTimestampMinSeconds && time.seconds() <= TimeUtil::kTimestampMaxSeconds &&
         time.nanos() >= 0 && time.nanos() <= 999'999'999;
}

int64_t micros(const google::protobuf::Timestamp& time) {
  return time.seconds() == 0 && time.nanos() == 0 ? 0 : TimeUtil::TimestampToMicroseconds(time);
}

}  // namespace

Result<CreatedRange> createdRangeOf(const google::protobuf::Timestamp& after,
                                    const google::protobuf::Timestamp& before) {
  ValidationErrors errors;
  if (!valid(after)) errors.add("createdAfter", "is not a valid time");
  if (!valid(before)) errors.add("createdBefore", "is not a valid time");
  FLEETDECK_RETURN_IF_ERROR(errors.toStatus());
  return CreatedRange{micros(after), micros(before)};
}

}  // namespace fleetdeck::orders
