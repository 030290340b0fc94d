#include "fleetdeck/bus/outbox_publisher.h"

namespace fleetdeck::bus {

namespace {

OutgoingMessage outgoingOf(const db::OutboxMessage& message) {
  OutgoingMessage outgoing;
  outgoing.subject = message.subject;
  outgoing.msgId = message.id;
  outgoing.headers = message.headers;
  outgoing.data = message.payload;
  return outgoing;
}

}  // namespace

std::vector<Status> BusOutboxPublisher::publishAll(const std::vector<const db::OutboxMessage*>& messages) {
  std::vector<OutgoingMessage> outgoing;
  outgoing.reserve(messages.size());
  for (const db::OutboxMessage* message : messages) outgoing.push_back(outgoingOf(*message));
  return bus_.publishAll(outgoing);
}

Status BusOutboxPublisher::publish(const db::OutboxMessage& message) {
  auto ack = bus_.publish(outgoingOf(message));
  // A duplicate ack means the stream already holds it (an earlier attempt whose row was not marked).
  return ack.status();
}

}  // namespace fleetdeck::bus
