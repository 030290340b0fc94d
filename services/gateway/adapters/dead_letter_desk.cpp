#include "adapters/dead_letter_desk.h"

#include <google/protobuf/util/time_util.h>

#include <boost/json.hpp>

#include "fleetdeck/bus/dead_letters.h"
#include "fleetdeck/bus/event.h"

namespace fleetdeck::gateway {
namespace {

boost::json::object letterJson(const bus::DeadLetter& letter) {
  boost::json::object object;
  object["sequence"] = letter.sequence;
  object["consumer"] = letter.consumer;
  object["reason"] = letter.reason;
  object["subject"] = letter.originalSubject;
  object["stream"] = letter.message.header(bus::kDlqStreamHeader).value_or("");
  object["msgId"] = letter.originalMsgId;
  object["deliveries"] = letter.deliveries;
  object["sizeBytes"] = letter.message.data.size();
  object["bodyDropped"] = letter.message.header(bus::kDlqBodyDroppedHeader).has_value();
  // A letter that failed again after a replay.
  object["replayed"] = letter.message.header(bus::kReplayForHeader).has_value();
  if (auto type = letter.message.header(bus::kEventTypeHeader)) object["eventType"] = *type;
  // What the event is, when its envelope decodes (a poison message's may not).
  if (auto envelope = bus::decodeEnvelope(letter.message); envelope.isOk()) {
    object["eventId"] = envelope->event_id();
    object["eventType"] = envelope->type();
    object["aggregateId"] = envelope->aggregate_id();
    if (envelope->has_occurred_at()) {
      object["occurredAt"] = google::protobuf::util::TimeUtil::ToString(envelope->occurred_at());
    }
    if (envelope->traceparent().size() >= 35) object["traceId"] = envelope->traceparent().substr(3, 32);
  }
  return object;
}

}  // namespace

Result<std::string> DeadLetterDesk::listJson(const std::string& consumer, size_t limit) {
  uint64_t total = 0;
  auto letters = bus::listDeadLetters(bus_, consumer, std::min(limit, kMaxLimit), &total);
  if (!letters) return letters.status();
  boost::json::array array;
  for (const auto& letter : *letters) array.push_back(letterJson(letter));
  boost::json::object body;
  body["deadLetters"] = std::move(array);
  body["total"] = total;
  return boost::json::serialize(body);
}

Result<int> DeadLetterDesk::replay(const std::string& consumer, size_t limit) {
  return bus::replayDeadLetters(bus_, consumer, std::min(limit, kMaxLimit));
}

Status DeadLetterDesk::replayOne(uint64_t sequence) { return bus::replayDeadLetter(bus_, sequence); }

}  // namespace fleetdeck::gateway
