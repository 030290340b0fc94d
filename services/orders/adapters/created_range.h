// Reads the created_after / created_before filter of the orders service's list requests.
#pragma once

#include <google/protobuf/timestamp.pb.h>

#include <cstdint>

#include "fleetdeck/core/status.h"

namespace fleetdeck::orders {

// Microseconds since the epoch; 0 where the request left the bound unset.
struct CreatedRange {
  int64_t afterMicros = 0;
  int64_t beforeMicros = 0;
};

// INVALID_ARGUMENT naming createdAfter / createdBefore for a time out of Timestamp's range (the
// gateway's JSON parsing bounds them, a direct gRPC caller need not; the conversion would overflow).
Result<CreatedRange> createdRangeOf(const google::protobuf::Timestamp& after,
                                    const google::protobuf::Timestamp& before);

}  // namespace fleetdeck::orders
