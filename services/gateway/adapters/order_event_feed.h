// Feeds the admin stream from the bus: one ephemeral, ordered consumer per gateway instance on the
// orders stream, starting at new messages (a console that needs history asks the REST API). Order
// events become `order.event`, each transition of SagaStepsChanged (or a lone
// SagaStepChanged) becomes `saga.step`.
#pragma once

#include <memory>

#include "domain/admin_events.h"
#include "fleetdeck/bus/connection.h"
#include "fleetdeck/bus/message.h"
#include "fleetdeck/bus/stream_tail.h"
#include "fleetdeck/core/status.h"

namespace fleetdeck::gateway {

// Turns one orders-stream message into admin stream events. OK and nothing published for event
// types the stream does not show; DATA_LOSS for a message that is not an envelope.
Status forwardOrderMessage(const bus::ReceivedMessage& message, AdminEventSource& events);

class OrderEventFeed {
 public:
  OrderEventFeed(bus::Bus& bus, AdminEventSource& events);
  void start() { tail_.start(); }
  void stop() { tail_.stop(); }
  // Readiness detail: OK once subscribed.
  Status readiness() const;

 private:
  AdminEventSource& events_;
  bus::StreamTail tail_;
};

}  // namespace fleetdeck::gateway
