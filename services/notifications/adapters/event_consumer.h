// Turns fleet events from the bus into notifications: one per UserRegistered, OrderConfirmed,
// OrderCancelled, OrderShipped and PaymentDeclined, exactly once however often each is delivered.
#pragma once

#include <pqxx/pqxx>
#include <string>

#include "fleetdeck/bus/message.h"
#include "fleetdeck/db/connection_pool.h"

namespace fleetdeck::notifications {

class EventConsumer {
 public:
  // Durable consumer names (also their processed_events consumer names) and what each reads.
  static constexpr const char* kUsersDurable = "notifications-users";
  static constexpr const char* kUsersSubject = "fleetdeck.users.v1.UserRegistered";
  // All order events: OrderCreated feeds the order_owners table the later events need.
  static constexpr const char* kOrdersDurable = "notifications-orders";
  static constexpr const char* kOrdersSubject = "fleetdeck.orders.v1.>";
  static constexpr const char* kPaymentsDurable = "notifications-payments";
  static constexpr const char* kPaymentsSubject = "fleetdeck.payments.v1.PaymentDeclined";

  explicit EventConsumer(db::ConnectionPool& pool) : pool_(pool) {}

  // The handler of consumer `durable`: OK once applied (or already applied, or an event that needs
  // no notification); FAILED_PRECONDITION while an order's owner is not known yet (retried, OrderCreated
  // comes first in the stream); DATA_LOSS / INVALID_ARGUMENT for messages that can never apply, among
  // them a payload of another type than its subject names (a version these consumers cannot read).
  Status handle(const std::string& durable, const bus::ReceivedMessage& message);

 private:
  db::ConnectionPool& pool_;
};

}  // namespace fleetdeck::notifications
