#include "adapters/order_saga.h"

#include "fleetdeck/core/ids.h"
#include "fleetdeck/core/json.h"
#include "fleetdeck/rpc/status_conversion.h"

namespace fleetdeck::orders {
namespace {

std::string text(const boost::json::object& data, std::string_view key) { return json::stringOr(data, key); }

// The placement saga's key: refunds and stock returns of a cancelled order reuse it.
std::string placementKey(const saga::SagaContext& context) {
  const std::string key = text(context.data, "placementSagaId");
  return key.empty() ? context.sagaId : key;
}

std::unique_ptr<grpc::ClientContext> callContext(const saga::SagaContext& context) {
  auto call = std::make_unique<grpc::ClientContext>();
  call->set_deadline(context.deadline);
  call->AddMetadata("fleetdeck-actor", "system");
  if (context.traceId.size() == 32) call->AddMetadata("traceparent", "00-" + context.traceId + "-" + randomHex(8) + "-01");
  return call;
}

ChangeContext changeContext(const saga::SagaContext& context) { return {"system", context.traceId, context.sagaId}; }

// Business failures carry a reason code the order keeps when it is cancelled.
Status businessFailure(saga::SagaContext& context, const std::string& reason, const std::string& message) {
  context.data["cancelReason"] = reason;
  return failedPrecondition(message);
}

}  // namespace

OrderSagas::OrderSagas(OrderBook& book, PgOrderStore& store, std::shared_ptr<grpc::Channel> products,
                       std::shared_ptr<grpc::Channel> payments)
    : book_(book),
      store_(store),
      products_(products::v1::ProductsService::NewStub(std::move(products))),
      payments_(payments::v1::PaymentsService::NewStub(std::move(payments))) {}

boost::json::object OrderSagas::placementData(const Order& order) {
  boost::json::array lines;
  for (const auto& line : order.items) {
    lines.push_back(boost::json::object{{"productId", line.productId}, {"quantity", line.quantity}});
  }
  return {{"orderId", order.id},
          {"userId", order.userId},
          {"currency", order.total.currency},
          {"amountUnits", order.total.units},
          {"lines", std::move(lines)}};
}

boost::json::object OrderSagas::refundData(const Order& order) {
  return {{"orderId", order.id}, {"userId", order.userId}, {"placementSagaId", order.sagaId}};
}

saga::SagaDefinition OrderSagas::placement(std::chrono::milliseconds callTimeout,
                                           std::chrono::milliseconds stepDeadline) const {
  saga::SagaDefinition definition;
  definition.type = kPlacementSaga;
  definition.callTimeout = callTimeout;
  definition.stepDeadline = stepDeadline;
  const auto notCancelled = [this](pqxx::work& t, saga::SagaContext& c) { return stopIfCancelled(t, c); };
  saga::SagaStep confirm{.name = "confirm_order"};
  confirm.local = [this](pqxx::work& t, saga::SagaContext& c) { return confirmOrder(t, c); };
  definition.steps = {
      {"reserve_stock", [this](auto& c) { return reserveStock(c); }, [this](auto& c) { return releaseStock(c); },
       notCancelled},
      {"charge_payment", [this](auto& c) { return chargePayment(c); }, [this](auto& c) { return refundPayment(c); },
       notCancelled},
      {"commit_stock", [this](auto& c) { return commitStock(c); }, [this](auto& c) { return releaseStock(c); }},
      std::move(confirm),
  };
  definition.onCompensated = [this](auto& c) { return cancelOrder(c); };
  return definition;
}

saga::SagaDefinition OrderSagas::refund(std::chrono::milliseconds callTimeout) const {
  saga::SagaDefinition definition;
  definition.type = kRefundSaga;
  definition.callTimeout = callTimeout;
  // Undoing a confirmed order must finish, however long a service is down.
  definition.stepDeadline = std::chrono::hours(24 * 365);
  // Its steps have nothing to fall back on: any failure is retried (as transient) until the step
  // deadline, never taken as a business failure that would end the saga with the money or the
  // stock not given back.
  const auto untilDone = [](Status status) {
    if (status.isOk() || status.code() == StatusCode::kUnavailable || status.code() == StatusCode::kDeadlineExceeded) {
      return status;
    }
    return unavailable("retrying until it succeeds: " + status.toString());
  };
  definition.steps = {
      {"refund_payment", [this, untilDone](auto& c) { return untilDone(refundPayment(c)); }, {}},
      {"return_stock", [this, untilDone](auto& c) { return untilDone(releaseStock(c)); }, {}},
  };
  return definition;
}

Status OrderSagas::stopIfCancelled(pqxx::work& transaction, saga::SagaContext& context) const {
  auto order = PgOrderStore::getIn(transaction, text(context.data, "orderId"));
  if (!order) return order.status();
  if (order->status == kCancelled) {
    return businessFailure(context, order->cancelReason.empty() ? "cancelled" : order->cancelReason,
                           "order was cancelled while it was being placed");
  }
  return Status::ok();
}

Status OrderSagas::reserveStock(saga::SagaContext& context) const {
  products::v1::ReserveStockRequest request;
  request.set_reservation_key(context.sagaId);
  for (const auto& line : context.data.at("lines").as_array()) {
    auto* added = request.add_lines();
    added->set_product_id(text(line.as_object(), "productId"));
    added->set_quantity(line.as_object().at("quantity").to_number<int64_t>());
  }
  products::v1::Reservation reservation;
  auto call = callContext(context);
  const Status status = rpc::fromGrpcStatus(products_->ReserveStock(call.get(), request, &reservation));
  if (status.code() == StatusCode::kFailedPrecondition || status.code() == StatusCode::kInvalidArgument) {
    return businessFailure(context, "out_of_stock", status.message());
  }
  FLEETDECK_RETURN_IF_ERROR(status);
  if (reservation.state() == "RELEASED" || reservation.state() == "RETURNED") {
    // Our own compensation ran before this (late) attempt: nothing is reserved.
    return businessFailure(context, "cancelled", "the reservation was already released");
  }
  // What the stock was reserved at: products' prices read under the row locks, for the charge
  // step to hold the order's total (priced from the catalog, possibly a cached copy) against.
  if (const auto reserved = reservedTotalOf(reservation)) {
    context.data["reservedAmountUnits"] = reserved->units;
    context.data["reservedCurrency"] = reserved->currency;
  } else {
    context.data["reservedAmountUnits"] = -1;  // matches no order's total
    context.data["reservedCurrency"] = "mixed currencies";
  }
  return Status::ok();
}

std::optional<Money> reservedTotalOf(const products::v1::Reservation& reservation) {
  Money total{"", 0};
  for (const auto& line : reservation.lines()) {
    int64_t lineUnits = 0;
    if (__builtin_mul_overflow(line.quantity(), line.unit_price().units(), &lineUnits) ||
        __builtin_add_overflow(total.units, lineUnits, &total.units)) {
      return std::nullopt;
    }
    if (!total.currency.empty() && total.currency != line.unit_price().currency_code()) return std::nullopt;
    total.currency = line.unit_price().currency_code();
  }
  return total;
}

Status OrderSagas::releaseStock(saga::SagaContext& context) const {
  products::v1::ReleaseStockRequest request;
  request.set_reservation_key(placementKey(context));
  products::v1::Reservation reservation;
  auto call = callContext(context);
  return rpc::fromGrpcStatus(products_->ReleaseStock(call.get(), request, &reservation));
}

Status OrderSagas::chargePayment(saga::SagaContext& context) const {
  // The order was priced from the catalog, whose cache can lag a price change by its TTL (or longer
  // when an invalidation is lost); the reservation read the prices under the row locks. Charging a
  // total the products service no longer stands behind takes the wrong amount either way: the
  // order is cancelled instead, and the customer orders again at the current price.
  if (const auto* reserved = context.data.if_contains("reservedAmountUnits"); reserved != nullptr) {
    const int64_t ordered = context.data.at("amountUnits").to_number<int64_t>();
    const int64_t atReservation = reserved->to_number<int64_t>();
    const std::string currency = text(context.data, "currency");
    const std::string reservedCurrency = text(context.data, "reservedCurrency");
    if (atReservation != ordered || (!reservedCurrency.empty() && reservedCurrency != currency)) {
      const std::string reservedAt = atReservation < 0 ? "prices in more than one currency"
                                                       : std::to_string(atReservation) + " " + reservedCurrency;
      return businessFailure(context, "price_changed",
                             "prices changed while the order was placed: its total is " + std::to_string(ordered) +
                                 " " + currency + ", the stock was reserved at " + reservedAt);
    }
  }
  payments::v1::ChargeRequest request;
  request.set_idempotency_key(context.sagaId);
  request.set_user_id(text(context.data, "userId"));
  request.set_order_id(text(context.data, "orderId"));
  request.mutable_amount()->set_currency_code(text(context.data, "currency"));
  request.mutable_amount()->set_units(context.data.at("amountUnits").to_number<int64_t>());
  payments::v1::Payment payment;
  auto call = callContext(context);
  const Status status = rpc::fromGrpcStatus(payments_->Charge(call.get(), request, &payment));
  if (status.code() == StatusCode::kInvalidArgument || status.code() == StatusCode::kNotFound) {
    return businessFailure(context, "payment_declined", status.message());
  }
  FLEETDECK_RETURN_IF_ERROR(status);
  if (payment.status() == "DECLINED") {
    context.data["declineReason"] = payment.decline_reason();
    return businessFailure(context, "payment_declined", "payment declined: " + payment.decline_reason());
  }
  // REFUNDED: this saga's charge was already undone (by a compensation of this saga that a stale
  // runner did not see): never go on to confirm an order whose money went back.
  if (payment.status() != "CHARGED") {
    return internalError("payment " + payment.id() + " under this saga's key is " + payment.status() +
                         ", not CHARGED");
  }
  context.data["paymentId"] = payment.id();
  return Status::ok();
}

Status OrderSagas::refundPayment(saga::SagaContext& context) const {
  payments::v1::RefundRequest request;
  request.set_charge_idempotency_key(placementKey(context));
  if (context.data.contains("amountUnits")) {
    // The placement saga knows the charge it undoes: when it never arrived (or is still on its way,
    // a call that timed out), payments voids the key so that charge cannot take money afterwards.
    auto& charge = *request.mutable_void_if_missing();
    charge.set_user_id(text(context.data, "userId"));
    charge.set_order_id(text(context.data, "orderId"));
    charge.mutable_amount()->set_currency_code(text(context.data, "currency"));
    charge.mutable_amount()->set_units(context.data.at("amountUnits").to_number<int64_t>());
  }
  payments::v1::Payment payment;
  auto call = callContext(context);
  const Status status = rpc::fromGrpcStatus(payments_->Refund(call.get(), request, &payment));
  // No charge under this key (the charge never took effect): nothing to refund. (With the charge's
  // details sent, payments answers with the void it recorded instead.)
  if (status.code() == StatusCode::kNotFound) return Status::ok();
  return status;
}

Status OrderSagas::commitStock(saga::SagaContext& context) const {
  products::v1::CommitStockRequest request;
  request.set_reservation_key(context.sagaId);
  products::v1::Reservation reservation;
  auto call = callContext(context);
  const Status status = rpc::fromGrpcStatus(products_->CommitStock(call.get(), request, &reservation));
  if (status.code() == StatusCode::kFailedPrecondition) return businessFailure(context, "cancelled", status.message());
  return status;
}

Status OrderSagas::confirmOrder(pqxx::work& transaction, saga::SagaContext& context) const {
  auto current = store_.loadIn(transaction, text(context.data, "orderId"));
  if (!current) return current.status();
  // Confirmed already: a repeat of this step (it ran on its own, and the process died before its
  // success was persisted). Only this saga confirms an order, and only a confirmed one is shipped or
  // delivered: in the lease's time before the repeat, an admin may have shipped it. Taking that for a
  // refusal would compensate, refunding the money and returning the stock of a shipped order.
  if (current->status == kConfirmed || current->status == kShipped || current->status == kDelivered) {
    return Status::ok();
  }
  auto event = decideConfirm(*current, text(context.data, "paymentId"));
  if (!event) {
    if (event.status().code() == StatusCode::kFailedPrecondition) {
      return businessFailure(context, "cancelled", event.status().message());
    }
    return event.status();
  }
  AfterCommit afterCommit;
  auto confirmed = store_.appendIn(transaction, *current, *event, changeContext(context), afterCommit);
  if (!confirmed) return confirmed.status();
  context.afterCommit.push_back([this, actions = std::move(afterCommit)]() mutable { store_.committed(actions); });
  return Status::ok();
}

Status OrderSagas::cancelOrder(saga::SagaContext& context) const {
  std::string reason = text(context.data, "cancelReason");
  if (reason.empty()) reason = "saga_failed";
  auto cancelled = book_.cancel(text(context.data, "orderId"), reason, 0, changeContext(context));
  if (!cancelled && cancelled.status().code() == StatusCode::kFailedPrecondition) {
    // Already cancelled (by the customer, whose cancellation stopped this saga): nothing left to do.
    // Any other state that refuses a cancel (shipped, delivered) after this saga undid its steps is
    // an inconsistency to surface, not to call done: the error keeps the saga retrying and visible.
    auto current = book_.get(text(context.data, "orderId"));
    if (current && current->status == kCancelled) return Status::ok();
    if (current) {
      return internalError("order " + current->id + " is " + current->status +
                           " but its placement saga compensated every step");
    }
    return current.status();
  }
  return cancelled.status();
}

}  // namespace fleetdeck::orders
