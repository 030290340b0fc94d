// Consumes the users domain's events from the bus: UserRegistered opens the user's wallet, exactly
// once however often the event is delivered.
#pragma once

#include "domain/wallets.h"
#include "fleetdeck/bus/message.h"
#include "fleetdeck/db/connection_pool.h"

namespace fleetdeck::payments {

class UserEventsConsumer {
 public:
  // The durable consumer name on FLEETDECK_USERS, also the processed_events consumer.
  static constexpr const char* kDurable = "payments-users";
  static constexpr const char* kSubject = "fleetdeck.users.v1.UserRegistered";

  UserEventsConsumer(db::ConnectionPool& pool, WalletSettings settings) : pool_(pool), settings_(std::move(settings)) {}

  // The consumer loop's handler: OK once the wallet exists (opened now or before); DATA_LOSS /
  // INVALID_ARGUMENT for a message that can never be applied (dead-lettered), among them a payload
  // other than a UserRegistered (another version of it); other errors retry.
  Status handle(const bus::ReceivedMessage& message);

 private:
  db::ConnectionPool& pool_;
  WalletSettings settings_;
};

}  // namespace fleetdeck::payments
