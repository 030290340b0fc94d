// The dead-letter stream as the admin API shows it: letters listed as JSON, replayed to the consumer
// that gave up on them, all of one consumer's or one by one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "fleetdeck/core/status.h"

namespace fleetdeck::bus {
class Bus;
}

namespace fleetdeck::gateway {

class DeadLetterDesk {
 public:
  // At most this many letters per list call (and per replay of a consumer's letters).
  static constexpr size_t kMaxLimit = 500;

  explicit DeadLetterDesk(bus::Bus& bus) : bus_(bus) {}

  // {"deadLetters":[...oldest first...], "total": letters of every consumer}. Blocks on NATS.
  Result<std::string> listJson(const std::string& consumer, size_t limit);
  // Replays the oldest `limit` letters of `consumer` (of every consumer when empty); how many.
  Result<int> replay(const std::string& consumer, size_t limit);
  // Replays the letter at `sequence`: NOT_FOUND when there is none, FAILED_PRECONDITION when it
  // cannot be replayed (kept without its body).
  Status replayOne(uint64_t sequence);

 private:
  bus::Bus& bus_;
};

}  // namespace fleetdeck::gateway
