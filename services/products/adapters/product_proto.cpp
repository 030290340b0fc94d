#include "adapters/product_proto.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include "fleetdeck/core/log.h"

namespace fleetdeck::products {

using google::protobuf::util::TimeUtil;

void toProto(const Money& money, common::v1::Money& out) {
  out.set_currency_code(money.currencyCode);
  out.set_units(money.units);
}

Money fromProto(const common::v1::Money& money) { return Money{money.currency_code(), money.units()}; }

void toProto(const Product& product, v1::Product& out) {
  out.set_id(product.id);
  out.set_sku(product.sku);
  out.set_name(product.name);
  out.set_description(product.description);
  toProto(product.price, *out.mutable_price());
  out.mutable_stock()->set_on_hand(product.onHand);
  out.mutable_stock()->set_reserved(product.reserved);
  out.mutable_stock()->set_available(product.available());
  out.set_active(product.active);
  out.set_version(product.version);
  *out.mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(product.createdAtMicros);
  *out.mutable_update_time() = TimeUtil::MicrosecondsToTimestamp(product.updatedAtMicros);
}

Product fromProto(const v1::Product& product) {
  Product result;
  result.id = product.id();
  result.sku = product.sku();
  result.name = product.name();
  result.description = product.description();
  result.price = fromProto(product.price());
  result.onHand = product.stock().on_hand();
  result.reserved = product.stock().reserved();
  result.active = product.active();
  result.version = product.version();
  result.createdAtMicros = TimeUtil::TimestampToMicroseconds(product.create_time());
  result.updatedAtMicros = TimeUtil::TimestampToMicroseconds(product.update_time());
  return result;
}

void toProto(const Reservation& reservation, v1::Reservation& out) {
  out.set_reservation_key(reservation.key);
  out.set_state(reservation.state);
  for (const auto& line : reservation.lines) {
    auto* reserved = out.add_lines();
    reserved->set_product_id(line.productId);
    reserved->set_sku(line.sku);
    reserved->set_name(line.name);
    reserved->set_quantity(line.quantity);
    toProto(line.unitPrice, *reserved->mutable_unit_price());
  }
}

std::string productJson(const Product& product) {
  v1::Product message;
  toProto(product, message);
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string json;
  if (auto status = google::protobuf::util::MessageToJsonString(message, &json, options); !status.ok()) {
    // Not expected (the text came from PostgreSQL, so it is valid UTF-8); the audit row keeps NULL.
    log::error("cannot print a product as JSON for the audit trail",
               {{"productId", product.id}, {"error", std::string(status.message())}});
    return {};
  }
  return json;
}

}  // namespace fleetdeck::products
