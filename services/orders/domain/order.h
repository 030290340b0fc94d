// The order aggregate: its events, the state they fold into, and the state machine that decides
// which new event a command may produce. Pure C++, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fleetdeck/core/status.h"

namespace fleetdeck::orders {

inline constexpr std::string_view kPending = "PENDING";
inline constexpr std::string_view kConfirmed = "CONFIRMED";
inline constexpr std::string_view kShipped = "SHIPPED";
inline constexpr std::string_view kDelivered = "DELIVERED";
inline constexpr std::string_view kCancelled = "CANCELLED";

bool isOrderStatus(std::string_view status);

struct Money {
  std::string currency;
  int64_t units = 0;
  bool operator==(const Money&) const = default;
};

struct OrderLine {
  std::string productId;
  std::string sku;
  std::string name;
  int64_t quantity = 0;
  Money unitPrice;
  Money lineTotal() const { return {unitPrice.currency, unitPrice.units * quantity}; }
  bool operator==(const OrderLine&) const = default;
};

// The events of an order stream.
struct OrderCreated {
  std::string orderId;
  std::string userId;
  std::vector<OrderLine> items;
  Money total;
  std::string sagaId;
  std::string idempotencyKey;
};
struct OrderConfirmed {
  std::string orderId;
  std::string paymentId;
};
struct OrderCancelled {
  std::string orderId;
  std::string reason;
  std::string previousStatus;
};
struct OrderShipped {
  std::string orderId;
  std::string trackingNumber;
};
struct OrderDelivered {
  std::string orderId;
};

using OrderEvent = std::variant<OrderCreated, OrderConfirmed, OrderCancelled, OrderShipped, OrderDelivered>;

// "OrderCreated", … — the event type stored with each event.
std::string_view eventTypeName(const OrderEvent& event);

struct Order {
  std::string id;
  std::string userId;
  std::string status;  // empty before OrderCreated
  std::vector<OrderLine> items;
  Money total;
  std::string sagaId;
  std::string cancelReason;
  std::string trackingNumber;
  int64_t version = 0;
  int64_t createdAtMicros = 0;
  int64_t updatedAtMicros = 0;
  bool operator==(const Order&) const = default;
};

// Folds one event into the state; `atMicros` is when the event was recorded.
void apply(Order& order, const OrderEvent& event, int64_t atMicros);

// The state machine. Each returns the event to append, or FAILED_PRECONDITION naming the
// current status when the transition is not allowed (HTTP 409).
Result<OrderEvent> decideConfirm(const Order& order, const std::string& paymentId);
Result<OrderEvent> decideCancel(const Order& order, const std::string& reason);
Result<OrderEvent> decideShip(const Order& order, const std::string& trackingNumber);
Result<OrderEvent> decideDeliver(const Order& order);

struct LineRequest {
  std::string productId;
  int64_t quantity = 0;
};

// Checks the lines of a new order: 1-50 lines, quantities 1-1000, each product once; field names
// as the client spells them ("items[2].quantity").
Status validateLines(const std::vector<LineRequest>& lines);

// Sums the lines; INVALID_ARGUMENT when they mix currencies or the total is above kMaxOrderTotalUnits.
// The most one order may total, in minor units: what the payments service charges at most in one
// payment (its kMaxAmountUnits). A larger order could never be paid, and its saga's refund of an
// unknown charge would be refused for good.
inline constexpr int64_t kMaxOrderTotalUnits = 1'000'000'000'000;

Result<Money> totalOf(const std::vector<OrderLine>& lines);

}  // namespace fleetdeck::orders
