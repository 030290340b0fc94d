// The one clock resilience logic reasons in: monotonic, passed in as `now` so tests control time.
#pragma once

#include <chrono>

namespace fleetdeck::resilience {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = Clock::duration;

}  // namespace fleetdeck::resilience
