// The bus side of the transactional outbox: publishes outbox rows to JetStream and reports OK only
// after the PubAck, so the relay marks a row sent only once the broker stored it.
#pragma once

#include "fleetdeck/bus/connection.h"
#include "fleetdeck/db/outbox.h"

namespace fleetdeck::bus {

class BusOutboxPublisher final : public db::OutboxPublisher {
 public:
  explicit BusOutboxPublisher(Bus& bus) : bus_(bus) {}
  // Nats-Msg-Id = the row's id; the row's headers (traceparent, …) go along unchanged.
  Status publish(const db::OutboxMessage& message) override;
  // Through Bus::publishAll: the relay's wave of rows in one round trip.
  std::vector<Status> publishAll(const std::vector<const db::OutboxMessage*>& messages) override;

 private:
  Bus& bus_;
};

}  // namespace fleetdeck::bus
