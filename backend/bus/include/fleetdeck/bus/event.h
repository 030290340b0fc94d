// Domain events in the fleet's one envelope (fleetdeck.common.v1.EventEnvelope): building them for
// the outbox, and reading them back in consumers.
#pragma once

#include <google/protobuf/message.h>

#include <cstdint>
#include <string>

#include "fleetdeck/bus/message.h"
#include "fleetdeck/common/v1/envelope.pb.h"
#include "fleetdeck/core/status.h"
#include "fleetdeck/db/outbox.h"

namespace fleetdeck::bus {

struct EventContext {
  std::string eventId;      // empty: a new UUID
  std::string aggregateId;  // required: the outbox's ordering key
  int64_t aggregateVersion = 0;
  std::string actor = "system";
  std::string traceparent;       // empty: the thread's current trace context, if any
  std::string causationId;
  std::string source;             // producing service
  int64_t occurredAtMicros = 0;   // 0: now
};

// The subject of a payload type: its full proto name, e.g. "fleetdeck.users.v1.UserRegistered".
std::string subjectFor(const google::protobuf::Message& payload);

common::v1::EventEnvelope makeEnvelope(const google::protobuf::Message& payload, const EventContext& context);

// The outbox row carrying `envelope`: id = event id, key = aggregate id, traceparent and the event
// type as headers, the serialized envelope as payload.
db::OutboxMessage toOutboxMessage(const common::v1::EventEnvelope& envelope);

// makeEnvelope + toOutboxMessage + appendToOutbox in the caller's transaction. Returns the event id.
Result<std::string> appendEvent(pqxx::work& transaction, const google::protobuf::Message& payload,
                                const EventContext& context);

// Parses a received message's envelope. DATA_LOSS when the bytes are not an envelope or carry no
// event id (a poison message: the consumer loop dead-letters it).
Result<common::v1::EventEnvelope> decodeEnvelope(const ReceivedMessage& message);

// Unpacks the envelope's payload into `payload`. DATA_LOSS when it holds another type or bad bytes.
Status unpackPayload(const common::v1::EventEnvelope& envelope, google::protobuf::Message& payload);

// True when the envelope's payload is of `Message`'s type.
template <typename Message>
bool holds(const common::v1::EventEnvelope& envelope) {
  return envelope.payload().Is<Message>();
}

}  // namespace fleetdeck::bus
