// Domain <-> proto conversion of products and reservations, shared by the gRPC face, the Redis cache
// (which stores the serialized proto) and the audit trail (which stores its JSON).
#pragma once

#include <string>

#include "domain/product.h"
#include "domain/reservation.h"
#include "fleetdeck/products/v1/products.pb.h"

namespace fleetdeck::products {

void toProto(const Product& product, v1::Product& out);
Product fromProto(const v1::Product& product);
void toProto(const Money& money, common::v1::Money& out);
Money fromProto(const common::v1::Money& money);
void toProto(const Reservation& reservation, v1::Reservation& out);

// The product as the API shows it in JSON (lowerCamelCase, defaults printed): the audit's before/after.
std::string productJson(const Product& product);

}  // namespace fleetdeck::products
