#include "fleetdeck/bus/outbox_publisher.h"

namespace fleetdeck::bus {

Status BusOutboxPublisher::publish(const db::OutboxMessage& message) {
  OutgoingMessage outgoing;
  outgoing.subject = message.subject;
  outgoing.msgId = message.id;
  outgoing.headers = message.headers;
  outgoing.data = message.payload;
  auto ack = bus_.publish(outgoing);
  // A duplicate ack means the stream already holds it (an earlier attempt whose row was not marked).
  return ack.status();
}

}  // namespace fleetdeck::bus
