#include "adapters/user_events_consumer.h"

#include "adapters/pg_payment_store.h"
#include "fleetdeck/bus/event.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/core/log.h"
#include "fleetdeck/db/processed_events.h"
#include "fleetdeck/users/v1/events.pb.h"

namespace fleetdeck::payments {

Status UserEventsConsumer::handle(const bus::ReceivedMessage& message) {
  auto envelope = bus::decodeEnvelope(message);
  if (!envelope) return envelope.status();
  // This consumer reads kSubject alone: anything but a UserRegistered there is one it cannot read (a
  // version it does not know, or a producer's mistake), and unpackPayload's DATA_LOSS dead-letters it
  // naming the type. Acknowledged unread as "not ours", it lost a registration, and the user's wallet,
  // without a trace.
  users::v1::UserRegistered registered;
  FLEETDECK_RETURN_IF_ERROR(bus::unpackPayload(*envelope, registered));
  // The reason says which: a producer that dropped the field is another bug than one writing something
  // else in it. The id itself stays out (whatever it holds, the dead letter carries the event whole).
  if (registered.user_id().empty()) {
    return invalidField("user_id", "UserRegistered " + envelope->event_id() + " carries no user id");
  }
  if (!isUuid(registered.user_id())) {
    return invalidField("user_id", "UserRegistered " + envelope->event_id() + " carries a user id that is not a UUID");
  }
  // Lowered as Wallets lowers every id it is given: the wallet row (a uuid column) is the same either
  // way, but the opening credit's reference, WalletOpened's user id and its outbox key are text, and
  // an upper-case key is not the key of the user's later payment events, which the relay keeps in order.
  const std::string userId = canonicalUuid(registered.user_id());
  bool created = false;
  bool duplicate = false;
  Status status = db::consumeOnce(
      pool_, kDurable, envelope->event_id(),
      [&](pqxx::work& transaction) -> Status {
        auto wallet = PgPaymentStore::openWallet(transaction, userId,
                                                 Money{settings_.currency, settings_.demoCreditUnits}, &created);
        return wallet.status();
      },
      &duplicate);
  if (status.isOk() && created) {
    log::info("wallet opened for a registered user", {{"user_id", userId}});
  }
  return status;
}

}  // namespace fleetdeck::payments
