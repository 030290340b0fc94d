// Order events and states as JSON, in the proto3 JSON shape of fleetdeck/orders/v1/events.proto
// (lowerCamelCase, int64 as strings), written and read with Boost.JSON because projection
// rebuilds decode every event of the store and must be fast.
#pragma once

#include <string>
#include <string_view>

#include "domain/order.h"

namespace fleetdeck::orders {

std::string encodeEvent(const OrderEvent& event);
// INVALID_ARGUMENT / DATA_LOSS naming the type when the payload does not decode.
Result<OrderEvent> decodeEvent(std::string_view type, std::string_view payloadJson);

std::string encodeLines(const std::vector<OrderLine>& lines);
Result<std::vector<OrderLine>> decodeLines(std::string_view json);

// A whole order state (snapshots, audit before/after).
std::string encodeOrder(const Order& order);
Result<Order> decodeOrder(std::string_view json);

}  // namespace fleetdeck::orders
