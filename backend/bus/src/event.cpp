#include "fleetdeck/bus/event.h"

#include <google/protobuf/util/time_util.h>

#include <chrono>

#include "fleetdeck/core/ids.h"
#include "fleetdeck/telemetry/tracing.h"

namespace fleetdeck::bus {

std::string subjectFor(const google::protobuf::Message& payload) { return payload.GetDescriptor()->full_name(); }

common::v1::EventEnvelope makeEnvelope(const google::protobuf::Message& payload, const EventContext& context) {
  common::v1::EventEnvelope envelope;
  envelope.set_event_id(context.eventId.empty() ? newUuid() : context.eventId);
  envelope.set_type(payload.GetDescriptor()->full_name());
  envelope.set_subject(subjectFor(payload));
  const int64_t micros =
      context.occurredAtMicros != 0
          ? context.occurredAtMicros
          : std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
  *envelope.mutable_occurred_at() = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(micros);
  // Without an explicit one, the event belongs to the trace the thread works under (the gRPC call
  // or consumed message that caused it).
  if (!context.traceparent.empty()) {
    envelope.set_traceparent(context.traceparent);
  } else if (const auto* current = telemetry::currentContext(); current != nullptr && current->valid()) {
    envelope.set_traceparent(current->traceparent());
  }
  envelope.set_actor(context.actor);
  envelope.set_causation_id(context.causationId);
  envelope.set_aggregate_id(context.aggregateId);
  envelope.set_aggregate_version(context.aggregateVersion);
  envelope.set_source(context.source);
  envelope.mutable_payload()->PackFrom(payload);
  return envelope;
}

db::OutboxMessage toOutboxMessage(const common::v1::EventEnvelope& envelope) {
  db::OutboxMessage message;
  message.id = envelope.event_id();
  message.subject = envelope.subject();
  message.aggregateKey = envelope.aggregate_id();
  if (!envelope.traceparent().empty()) message.headers.emplace_back(kTraceparentHeader, envelope.traceparent());
  message.headers.emplace_back(kEventTypeHeader, envelope.type());
  message.payload = envelope.SerializeAsString();
  return message;
}

Result<std::string> appendEvent(pqxx::work& transaction, const google::protobuf::Message& payload,
                                const EventContext& context) {
  if (context.aggregateId.empty()) return invalidField("aggregateId", "must not be empty (it orders the outbox)");
  const auto envelope = makeEnvelope(payload, context);
  FLEETDECK_RETURN_IF_ERROR(db::appendToOutbox(transaction, toOutboxMessage(envelope)));
  return envelope.event_id();
}

Result<common::v1::EventEnvelope> decodeEnvelope(const ReceivedMessage& message) {
  common::v1::EventEnvelope envelope;
  if (!envelope.ParseFromString(message.data)) {
    return Status(StatusCode::kDataLoss, "message on " + message.subject + " is not an EventEnvelope");
  }
  if (envelope.event_id().empty()) {
    return Status(StatusCode::kDataLoss, "envelope on " + message.subject + " has no event_id");
  }
  return envelope;
}

Status unpackPayload(const common::v1::EventEnvelope& envelope, google::protobuf::Message& payload) {
  // The type url is "<prefix>/<full name>"; compare the name after the last '/'.
  const std::string& url = envelope.payload().type_url();
  const std::string expected = payload.GetDescriptor()->full_name();
  if (url.size() < expected.size() || url.compare(url.size() - expected.size(), expected.size(), expected) != 0 ||
      (url.size() > expected.size() && url[url.size() - expected.size() - 1] != '/')) {
    return Status(StatusCode::kDataLoss, "event " + envelope.event_id() + " carries " + url + ", not " + expected);
  }
  if (!envelope.payload().UnpackTo(&payload)) {
    return Status(StatusCode::kDataLoss, "event " + envelope.event_id() + " has an undecodable " + expected);
  }
  return Status::ok();
}

}  // namespace fleetdeck::bus
