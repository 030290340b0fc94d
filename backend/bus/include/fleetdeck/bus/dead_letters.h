// Reading and replaying the dead-letter stream (FLEETDECK_DLQ): what the admin API shows and what an
// operator runs once the cause of the failures is fixed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fleetdeck/bus/connection.h"
#include "fleetdeck/bus/message.h"

namespace fleetdeck::bus {

struct DeadLetter {
  uint64_t sequence = 0;       // position in FLEETDECK_DLQ
  std::string consumer;        // the durable that gave up
  std::string reason;          // the handler's last Status, or why it was never decided
  std::string originalSubject;
  std::string originalMsgId;
  uint64_t deliveries = 0;
  ReceivedMessage message;     // headers and data as they were dead-lettered
};

// The oldest dead letters (of `consumer` when given), at most `limit`; `total`, when given, gets how
// many letters the stream holds (of every consumer).
Result<std::vector<DeadLetter>> listDeadLetters(Bus& bus, std::string_view consumer = {}, size_t limit = 100,
                                                uint64_t* total = nullptr);

// Publishes dead letters of `consumer` (all when empty) to their original subject again and removes
// them from the dead-letter stream; returns how many. The new message id is
// "<original id>:replay:<dlq sequence>", so the stream accepts it inside its duplicate window. The
// replay names the consumer that gave up (kReplayForHeader): only that one handles it, the stream's
// other consumers acknowledge it untouched. A letter that fails again is dead-lettered again.
Result<int> replayDeadLetters(Bus& bus, std::string_view consumer = {}, size_t limit = 100);

// The same for the one letter at `sequence` of the dead-letter stream. NOT_FOUND when there is none
// (never was, replayed already, or aged out); FAILED_PRECONDITION for a letter without its original
// subject or consumer, which cannot be replayed.
Status replayDeadLetter(Bus& bus, uint64_t sequence);

}  // namespace fleetdeck::bus
