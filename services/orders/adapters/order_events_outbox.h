// The orders service's events on the bus: order events and saga step transitions, written to the
// outbox in the transaction of the change they describe.
#pragma once

#include <pqxx/pqxx>
#include <string>

#include "domain/order.h"
#include "fleetdeck/core/status.h"
#include "fleetdeck/saga/saga_engine.h"
#include "ports/order_store.h"

namespace fleetdeck::orders {

// Appends `event` (just stored in the event store as `eventId`, bringing the order to `after`) to the
// outbox as fleetdeck.orders.v1.<Event>, under the same id, keyed by the order id. The event store's
// version check serializes writers per order, so the outbox publishes one order's events in order.
Status appendOrderEventToOutbox(pqxx::work& transaction, const Order& after, const OrderEvent& event,
                                const std::string& eventId, const ChangeContext& context);

// Writes the saga transitions one transaction persisted as one fleetdeck.orders.v1.SagaStepsChanged,
// keyed by the saga id (transitions of one saga are serialized by its row lock, so they arrive in
// order). Throws when the row cannot be written: the engine's transaction rolls back and the
// transition is retried, so a transition is never durable without its event.
class SagaStepEvents final : public saga::SagaObserver {
 public:
  void onTransition(pqxx::work& transaction, const saga::SagaTransition& transition) override;
  // A transaction's transitions in one event.
  void onTransitions(pqxx::work& transaction, const std::vector<saga::SagaTransition>& transitions) override;
};

}  // namespace fleetdeck::orders
