#include "domain/order.h"

#include <algorithm>
#include <set>

#include "fleetdeck/core/ids.h"

namespace fleetdeck::orders {
namespace {

constexpr size_t kMaxLines = 50;
constexpr int64_t kMaxQuantity = 1000;

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

Status notAllowed(const Order& order, std::string_view action) {
  return failedPrecondition("cannot " + std::string(action) + " order " + order.id + ": it is " + order.status);
}

}  // namespace

bool isOrderStatus(std::string_view status) {
  return status == kPending || status == kConfirmed || status == kShipped || status == kDelivered ||
         status == kCancelled;
}

std::string_view eventTypeName(const OrderEvent& event) {
  return std::visit(Overloaded{[](const OrderCreated&) { return std::string_view("OrderCreated"); },
                               [](const OrderConfirmed&) { return std::string_view("OrderConfirmed"); },
                               [](const OrderCancelled&) { return std::string_view("OrderCancelled"); },
                               [](const OrderShipped&) { return std::string_view("OrderShipped"); },
                               [](const OrderDelivered&) { return std::string_view("OrderDelivered"); }},
                    event);
}

void apply(Order& order, const OrderEvent& event, int64_t atMicros) {
  std::visit(Overloaded{[&](const OrderCreated& created) {
                          order.id = created.orderId;
                          order.userId = created.userId;
                          order.items = created.items;
                          order.total = created.total;
                          order.sagaId = created.sagaId;
                          order.status = std::string(kPending);
                          order.createdAtMicros = atMicros;
                        },
                        [&](const OrderConfirmed&) { order.status = std::string(kConfirmed); },
                        [&](const OrderCancelled& cancelled) {
                          order.status = std::string(kCancelled);
                          order.cancelReason = cancelled.reason;
                        },
                        [&](const OrderShipped& shipped) {
                          order.status = std::string(kShipped);
                          order.trackingNumber = shipped.trackingNumber;
                        },
                        [&](const OrderDelivered&) { order.status = std::string(kDelivered); }},
             event);
  order.version += 1;
  order.updatedAtMicros = atMicros;
}

namespace {

// Free text from clients travels in events to other services and is shown to people: no control
// characters (a notification refuses a body with one).
bool hasControlCharacter(const std::string& text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7F;
  });
}

}  // namespace

Result<OrderEvent> decideConfirm(const Order& order, const std::string& paymentId) {
  if (order.status != kPending) return notAllowed(order, "confirm");
  return OrderEvent(OrderConfirmed{order.id, paymentId});
}

Result<OrderEvent> decideCancel(const Order& order, const std::string& reason) {
  if (order.status != kPending && order.status != kConfirmed) return notAllowed(order, "cancel");
  if (reason.size() > 200) return invalidField("reason", "must be at most 200 characters long");
  if (hasControlCharacter(reason)) return invalidField("reason", "must not contain control characters");
  return OrderEvent(OrderCancelled{order.id, reason.empty() ? "customer_request" : reason, order.status});
}

Result<OrderEvent> decideShip(const Order& order, const std::string& trackingNumber) {
  if (trackingNumber.empty() || trackingNumber.size() > 64) {
    return invalidField("trackingNumber", "must be 1 to 64 characters long");
  }
  if (hasControlCharacter(trackingNumber)) return invalidField("trackingNumber", "must not contain control characters");
  if (order.status != kConfirmed) return notAllowed(order, "ship");
  return OrderEvent(OrderShipped{order.id, trackingNumber});
}

Result<OrderEvent> decideDeliver(const Order& order) {
  if (order.status != kShipped) return notAllowed(order, "deliver");
  return OrderEvent(OrderDelivered{order.id});
}

Status validateLines(const std::vector<LineRequest>& lines) {
  ValidationErrors errors;
  if (lines.empty()) errors.add("items", "must contain at least one line");
  if (lines.size() > kMaxLines) errors.add("items", "must contain at most " + std::to_string(kMaxLines) + " lines");
  std::set<std::string> seen;
  for (size_t i = 0; i < lines.size() && i < kMaxLines; ++i) {
    const std::string prefix = "items[" + std::to_string(i) + "].";
    if (!isUuid(lines[i].productId)) {
      errors.add(prefix + "productId", "must be a product id (UUID)");
    } else if (!seen.insert(lines[i].productId).second) {
      errors.add(prefix + "productId", "appears more than once; combine the quantities");
    }
    if (lines[i].quantity < 1 || lines[i].quantity > kMaxQuantity) {
      errors.add(prefix + "quantity", "must be between 1 and " + std::to_string(kMaxQuantity));
    }
  }
  return errors.toStatus();
}

Result<Money> totalOf(const std::vector<OrderLine>& lines) {
  Money total;
  for (size_t i = 0; i < lines.size(); ++i) {
    Money line{lines[i].unitPrice.currency, 0};
    if (lines[i].unitPrice.units < 0 ||
        __builtin_mul_overflow(lines[i].unitPrice.units, lines[i].quantity, &line.units)) {
      return invalidField("items[" + std::to_string(i) + "].productId", "has a price no order can be charged");
    }
    if (i == 0) {
      total.currency = line.currency;
    } else if (line.currency != total.currency) {
      return invalidField("items[" + std::to_string(i) + "].productId",
                          "is priced in " + line.currency + " but the order is in " + total.currency);
    }
    if (__builtin_add_overflow(total.units, line.units, &total.units) || total.units > kMaxOrderTotalUnits) {
      return invalidField("items", "make a total above " + std::to_string(kMaxOrderTotalUnits) +
                                       " minor units, the most one order can be charged; split the order");
    }
  }
  return total;
}

}  // namespace fleetdeck::orders
