// Messages as the bus moves them: subject, headers and bytes, plus the header names the fleet uses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fleetdeck::bus {

using Headers = std::vector<std::pair<std::string, std::string>>;

// JetStream's dedupe key: the event id. The stream drops a second message with the same id seen
// within its duplicate window.
inline constexpr const char* kMsgIdHeader = "Nats-Msg-Id";
// W3C trace context of the operation that produced the event.
inline constexpr const char* kTraceparentHeader = "traceparent";
// The event type (payload's full proto name), so tools can route without decoding the body.
inline constexpr const char* kEventTypeHeader = "Fleetdeck-Event-Type";
// Set on dead letters: why, from which consumer, which stream position, how often delivered.
inline constexpr const char* kDlqReasonHeader = "Fleetdeck-Dlq-Reason";
inline constexpr const char* kDlqConsumerHeader = "Fleetdeck-Dlq-Consumer";
inline constexpr const char* kDlqSubjectHeader = "Fleetdeck-Dlq-Subject";
inline constexpr const char* kDlqStreamHeader = "Fleetdeck-Dlq-Stream";
inline constexpr const char* kDlqStreamSequenceHeader = "Fleetdeck-Dlq-Stream-Seq";
inline constexpr const char* kDlqDeliveriesHeader = "Fleetdeck-Dlq-Deliveries";
inline constexpr const char* kDlqMsgIdHeader = "Fleetdeck-Dlq-Msg-Id";
// Set on a letter whose original body was too large to keep beside the dead-letter headers: its
// size in bytes; the original is still in its stream at Fleetdeck-Dlq-Stream-Seq until it ages out.
inline constexpr const char* kDlqBodyDroppedHeader = "Fleetdeck-Dlq-Body-Dropped";
// Set on a replayed dead letter: the durable consumer it is replayed for. The other consumers of the
// stream acknowledge it without handling it: they applied the original already, and their
// processed-events rows may be pruned by the time an operator replays (letters are kept longer).
inline constexpr const char* kReplayForHeader = "Fleetdeck-Replay-For";

// "Nats-…" headers (any case) are JetStream's instructions to the server for that one publish
// (Nats-Msg-Id, Nats-Expected-Stream, Nats-Expected-Last-Sequence, Nats-Rollup, ...): never copied
// onto another publish, where they would be obeyed again, or refused.
bool isNatsControlHeader(std::string_view name);

struct OutgoingMessage {
  std::string subject;
  // Becomes the Nats-Msg-Id header; required (every message on the bus can be deduplicated).
  std::string msgId;
  Headers headers;
  std::string data;
};

struct ReceivedMessage {
  std::string subject;
  Headers headers;
  std::string data;
  std::string stream;
  uint64_t streamSequence = 0;
  // 1 on first delivery, 2 on the first redelivery, …
  uint64_t deliveryCount = 1;

  // The first value of a header, if present.
  std::optional<std::string> header(std::string_view name) const;
};

// The first value of `name` in `headers` (names compare exactly, as NATS does).
std::optional<std::string> findHeader(const Headers& headers, std::string_view name);

}  // namespace fleetdeck::bus
