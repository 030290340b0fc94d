#include "adapters/event_consumer.h"

#include <functional>
#include <optional>

#include "adapters/pg_notification_repository.h"
#include "domain/event_notifications.h"
#include "fleetdeck/bus/event.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/db/processed_events.h"
#include "fleetdeck/orders/v1/events.pb.h"
#include "fleetdeck/payments/v1/events.pb.h"
#include "fleetdeck/users/v1/events.pb.h"

namespace fleetdeck::notifications {
namespace {

// Validates like Notify does, then stores it once per source (the event id).
Status record(pqxx::work& transaction, NewNotification request) {
  FLEETDECK_RETURN_IF_ERROR(prepareNewNotification(request));
  Notification notification;
  notification.id = newUuid();
  notification.sourceId = request.sourceId;
  notification.userId = request.userId;
  notification.kind = request.kind;
  notification.title = request.title;
  notification.body = request.body;
  return PgNotificationRepository::recordOnce(transaction, notification).status();
}

Result<std::string> ownerOf(pqxx::work& transaction, const std::string& orderId) {
  if (!isUuid(orderId)) return invalidField("order_id", "must be a UUID");
  const auto rows = transaction.exec_params("SELECT user_id::text FROM order_owners WHERE order_id = $1", orderId);
  if (rows.empty()) {
    return failedPrecondition("owner of order " + orderId + " is not known yet (OrderCreated not consumed)");
  }
  return rows[0][0].as<std::string>();
}

template <typename Event>
Result<Event> payloadOf(const common::v1::EventEnvelope& envelope) {
  Event event;
  FLEETDECK_RETURN_IF_ERROR(bus::unpackPayload(envelope, event));
  return event;
}

// Every event travels on the subject its payload's full name spells (fleetdeck.orders.v1.OrderShipped).
// A payload of another type there is one these consumers cannot read (a version they do not know, or
// a producer's mistake): DATA_LOSS, so it is dead-lettered with this reason. Taken for an event that
// tells the customer nothing, it was acknowledged unread and its notification lost without a trace.
Status payloadMatchesSubject(const common::v1::EventEnvelope& envelope, const std::string& subject) {
  const std::string& url = envelope.payload().type_url();
  const std::string type = url.substr(url.rfind('/') + 1);
  if (type == subject) return Status::ok();
  return Status(StatusCode::kDataLoss, "event " + envelope.event_id() + " on " + subject + " carries a " +
                                           (type.empty() ? std::string("payload without a type") : type) +
                                           ", not the " + subject + " its subject names");
}

using Effect = std::function<Status(pqxx::work&)>;

// The effect of one event inside the consumeOnce transaction, or nullopt for events that tell the
// customer nothing (they are acknowledged and skipped). DATA_LOSS for an undecodable payload.
Result<std::optional<Effect>> effectOf(const common::v1::EventEnvelope& envelope) {
  const std::string& eventId = envelope.event_id();
  if (bus::holds<users::v1::UserRegistered>(envelope)) {
    auto event = payloadOf<users::v1::UserRegistered>(envelope);
    if (!event) return event.status();
    return std::optional<Effect>([eventId, event = *event](pqxx::work& transaction) {
      return record(transaction, welcomeNotification(eventId, event.user_id(), event.display_name()));
    });
  }
  if (bus::holds<orders::v1::OrderCreated>(envelope)) {
    auto event = payloadOf<orders::v1::OrderCreated>(envelope);
    if (!event) return event.status();
    return std::optional<Effect>([event = *event](pqxx::work& transaction) -> Status {
      if (!isUuid(event.order_id())) return invalidField("order_id", "must be a UUID");
      if (!isUuid(event.user_id())) return invalidField("user_id", "must be a UUID");
      transaction.exec_params("INSERT INTO order_owners (order_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                              event.order_id(), event.user_id());
      return Status::ok();
    });
  }
  if (bus::holds<orders::v1::OrderConfirmed>(envelope)) {
    auto event = payloadOf<orders::v1::OrderConfirmed>(envelope);
    if (!event) return event.status();
    return std::optional<Effect>([eventId, event = *event](pqxx::work& transaction) -> Status {
      auto owner = ownerOf(transaction, event.order_id());
      if (!owner) return owner.status();
      return record(transaction, orderConfirmedNotification(eventId, *owner, event.order_id()));
    });
  }
  if (bus::holds<orders::v1::OrderCancelled>(envelope)) {
    auto event = payloadOf<orders::v1::OrderCancelled>(envelope);
    if (!event) return event.status();
    return std::optional<Effect>([eventId, event = *event](pqxx::work& transaction) -> Status {
      auto owner = ownerOf(transaction, event.order_id());
      if (!owner) return owner.status();
      return record(transaction, orderCancelledNotification(eventId, *owner, event.order_id(), event.reason()));
    });
  }
  if (bus::holds<orders::v1::OrderShipped>(envelope)) {
    auto event = payloadOf<orders::v1::OrderShipped>(envelope);
    if (!event) return event.status();
    return std::optional<Effect>([eventId, event = *event](pqxx::work& transaction) -> Status {
      auto owner = ownerOf(transaction, event.order_id());
      if (!owner) return owner.status();
      return record(transaction,
                    orderShippedNotification(eventId, *owner, event.order_id(), event.tracking_number()));
    });
  }
  if (bus::holds<payments::v1::PaymentDeclined>(envelope)) {
    auto event = payloadOf<payments::v1::PaymentDeclined>(envelope);
    if (!event) return event.status();
    return std::optional<Effect>([eventId, event = *event](pqxx::work& transaction) -> Status {
      // Named in the text as the other order events name theirs (ownerOf refuses those that are no UUID).
      if (!isUuid(event.order_id())) return invalidField("order_id", "must be a UUID");
      return record(transaction, paymentDeclinedNotification(eventId, event.user_id(), event.order_id(),
                                                             event.reason(), event.amount().units(),
                                                             event.amount().currency_code()));
    });
  }
  return std::optional<Effect>();
}

}  // namespace

Status EventConsumer::handle(const std::string& durable, const bus::ReceivedMessage& message) {
  auto envelope = bus::decodeEnvelope(message);
  if (!envelope) return envelope.status();
  FLEETDECK_RETURN_IF_ERROR(payloadMatchesSubject(*envelope, message.subject));
  auto effect = effectOf(*envelope);
  if (!effect) return effect.status();
  if (!effect->has_value()) return Status::ok();  // e.g. OrderDelivered: nothing to tell
  return db::consumeOnce(pool_, durable, envelope->event_id(), **effect);
}

}  // namespace fleetdeck::notifications
