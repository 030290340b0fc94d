// Feeds the admin stream from the orders service's side of the bus. Its domain events: one ephemeral,
// ordered consumer per gateway instance on the orders stream, starting at new messages (a console
// that needs history asks the REST API); order events become `order.event`, each transition of
// SagaStepsChanged (or a lone SagaStepChanged) becomes `saga.step`. Its projection rebuilds' progress:
// a plain subscription to the live subject every orders replica announces it on, so every gateway
// instance shows every rebuild, whichever gateway started it; each report becomes `replay.progress`.
#pragma once

#include <memory>

#include "domain/admin_events.h"
#include "fleetdeck/bus/connection.h"
#include "fleetdeck/bus/live.h"
#include "fleetdeck/bus/message.h"
#include "fleetdeck/bus/stream_tail.h"
#include "fleetdeck/core/status.h"

namespace fleetdeck::gateway {

// Turns one orders-stream message into admin stream events. OK and nothing published for event
// types the stream does not show; DATA_LOSS for a message that is not an envelope.
Status forwardOrderMessage(const bus::ReceivedMessage& message, AdminEventSource& events);

// The live subject the orders service announces rebuild progress on (fleetdeck.orders.v1.Rebuild's).
std::string rebuildProgressSubject();

// Turns one rebuild progress message into a `replay.progress` event. INVALID_ARGUMENT naming the
// field for a message that is not a well-formed Rebuild (parseRebuildProgress); nothing published then.
Status forwardRebuildProgress(const bus::ReceivedMessage& message, AdminEventSource& events);

class OrderEventFeed {
 public:
  OrderEventFeed(bus::Bus& bus, AdminEventSource& events);
  // Subscribes to both, in the background while NATS is away.
  void start();
  void stop();
  // Readiness detail: OK once both are subscribed.
  Status readiness() const;

 private:
  AdminEventSource& events_;
  bus::StreamTail tail_;
  bus::LiveSubscription progress_;
};

}  // namespace fleetdeck::gateway
