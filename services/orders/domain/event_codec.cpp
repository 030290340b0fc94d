#include "domain/event_codec.h"

#include <charconv>

#include "fleetdeck/core/json.h"

namespace fleetdeck::orders {
namespace {

namespace bj = boost::json;

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

bj::object moneyJson(const Money& money) {
  return {{"currencyCode", money.currency}, {"units", std::to_string(money.units)}};
}

std::string text(const bj::object& object, std::string_view key) {
  const bj::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) return {};
  return std::string(value->get_string());
}

// int64 arrives as a JSON string (proto3 mapping) or, from older writers, as a number.
int64_t integer(const bj::object& object, std::string_view key) {
  const bj::value* value = object.if_contains(key);
  if (value == nullptr) return 0;
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64()) return static_cast<int64_t>(value->get_uint64());
  if (value->is_string()) {
    const auto& s = value->get_string();
    int64_t result = 0;
    std::from_chars(s.data(), s.data() + s.size(), result);
    return result;
  }
  return 0;
}

Money money(const bj::object& object, std::string_view key) {
  const bj::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_object()) return {};
  return {text(value->get_object(), "currencyCode"), integer(value->get_object(), "units")};
}

bj::array linesJson(const std::vector<OrderLine>& lines) {
  bj::array array;
  array.reserve(lines.size());
  for (const auto& line : lines) {
    array.push_back(bj::object{{"productId", line.productId},
                               {"sku", line.sku},
                               {"name", line.name},
                               {"quantity", std::to_string(line.quantity)},
                               {"unitPrice", moneyJson(line.unitPrice)},
                               {"lineTotal", moneyJson(line.lineTotal())}});
  }
  return array;
}

std::vector<OrderLine> linesFrom(const bj::value* value) {
  std::vector<OrderLine> lines;
  if (value == nullptr || !value->is_array()) return lines;
  lines.reserve(value->get_array().size());
  for (const auto& element : value->get_array()) {
    if (!element.is_object()) continue;
    const auto& line = element.get_object();
    lines.push_back({text(line, "productId"), text(line, "sku"), text(line, "name"), integer(line, "quantity"),
                     money(line, "unitPrice")});
  }
  return lines;
}

Result<bj::object> parseObject(std::string_view json, std::string_view what) {
  std::string error;
  auto parsed = json::parse(json, &error);
  if (!parsed || !parsed->is_object()) {
    return Status(StatusCode::kDataLoss, std::string(what) + " is not a JSON object: " + error);
  }
  return std::move(parsed->get_object());
}

}  // namespace

std::string encodeEvent(const OrderEvent& event) {
  const bj::object object = std::visit(
      Overloaded{[](const OrderCreated& e) {
                   return bj::object{{"orderId", e.orderId}, {"userId", e.userId}, {"items", linesJson(e.items)},
                                     {"total", moneyJson(e.total)}, {"sagaId", e.sagaId},
                                     {"idempotencyKey", e.idempotencyKey}};
                 },
                 [](const OrderConfirmed& e) { return bj::object{{"orderId", e.orderId}, {"paymentId", e.paymentId}}; },
                 [](const OrderCancelled& e) {
                   return bj::object{{"orderId", e.orderId}, {"reason", e.reason},
                                     {"previousStatus", e.previousStatus}};
                 },
                 [](const OrderShipped& e) {
                   return bj::object{{"orderId", e.orderId}, {"trackingNumber", e.trackingNumber}};
                 },
                 [](const OrderDelivered& e) { return bj::object{{"orderId", e.orderId}}; }},
      event);
  return bj::serialize(object);
}

Result<OrderEvent> decodeEvent(std::string_view type, std::string_view payloadJson) {
  auto parsed = parseObject(payloadJson, std::string(type) + " payload");
  if (!parsed) return parsed.status();
  const bj::object& o = *parsed;
  if (type == "OrderCreated") {
    return OrderEvent(OrderCreated{text(o, "orderId"), text(o, "userId"), linesFrom(o.if_contains("items")),
                                   money(o, "total"), text(o, "sagaId"), text(o, "idempotencyKey")});
  }
  if (type == "OrderConfirmed") return OrderEvent(OrderConfirmed{text(o, "orderId"), text(o, "paymentId")});
  if (type == "OrderCancelled") {
    return OrderEvent(OrderCancelled{text(o, "orderId"), text(o, "reason"), text(o, "previousStatus")});
  }
  if (type == "OrderShipped") return OrderEvent(OrderShipped{text(o, "orderId"), text(o, "trackingNumber")});
  if (type == "OrderDelivered") return OrderEvent(OrderDelivered{text(o, "orderId")});
  return Status(StatusCode::kDataLoss, "unknown order event type '" + std::string(type) + "'");
}

std::string encodeLines(const std::vector<OrderLine>& lines) { return bj::serialize(linesJson(lines)); }

Result<std::vector<OrderLine>> decodeLines(std::string_view json) {
  std::string error;
  auto parsed = json::parse(json, &error);
  if (!parsed || !parsed->is_array()) return Status(StatusCode::kDataLoss, "order lines are not a JSON array: " + error);
  return linesFrom(&*parsed);
}

std::string encodeOrder(const Order& order) {
  return bj::serialize(bj::object{{"id", order.id},
                                  {"userId", order.userId},
                                  {"status", order.status},
                                  {"items", linesJson(order.items)},
                                  {"total", moneyJson(order.total)},
                                  {"sagaId", order.sagaId},
                                  {"cancelReason", order.cancelReason},
                                  {"trackingNumber", order.trackingNumber},
                                  {"version", std::to_string(order.version)},
                                  {"createdAtMicros", std::to_string(order.createdAtMicros)},
                                  {"updatedAtMicros", std::to_string(order.updatedAtMicros)}});
}

Result<Order> decodeOrder(std::string_view json) {
  auto parsed = parseObject(json, "order state");
  if (!parsed) return parsed.status();
  const bj::object& o = *parsed;
  Order order;
  order.id = text(o, "id");
  order.userId = text(o, "userId");
  order.status = text(o, "status");
  order.items = linesFrom(o.if_contains("items"));
  order.total = money(o, "total");
  order.sagaId = text(o, "sagaId");
  order.cancelReason = text(o, "cancelReason");
  order.trackingNumber = text(o, "trackingNumber");
  order.version = integer(o, "version");
  order.createdAtMicros = integer(o, "createdAtMicros");
  order.updatedAtMicros = integer(o, "updatedAtMicros");
  return order;
}

}  // namespace fleetdeck::orders
