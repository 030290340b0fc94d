// The catalog entry (sku, name, description, price) with its stock, and the rules its fields follow;
// pure C++, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fleetdeck/core/idempotency_key.h"
#include "fleetdeck/core/status.h"

namespace fleetdeck::products {

// Bounds that keep every sum of money and stock far from int64 overflow.
inline constexpr int64_t kMaxPriceUnits = 1'000'000'000'000;  // minor units
inline constexpr int64_t kMaxStock = 1'000'000'000'000;
inline constexpr int64_t kMaxRestockQuantity = 1'000'000;
inline constexpr size_t kMaxSkuLength = 64;
inline constexpr size_t kMaxNameLength = 200;
inline constexpr size_t kMaxDescriptionLength = 2000;

// Integer minor units (cents) and an ISO 4217 code; never floating point.
struct Money {
  std::string currencyCode;
  int64_t units = 0;
  bool operator==(const Money&) const = default;
};

struct Product {
  std::string id;
  std::string sku;
  std::string name;
  std::string description;
  Money price;
  int64_t onHand = 0;
  int64_t reserved = 0;
  // false once deleted: kept for order history, hidden from the catalog.
  bool active = true;
  // Counts catalog edits (create, update, delete, restock); the gateway's ETag. Reservations by orders
  // do not change it, so an admin's edit is not refused because customers bought something meanwhile.
  int64_t version = 0;
  int64_t createdAtMicros = 0;
  int64_t updatedAtMicros = 0;

  int64_t available() const { return onHand - reserved; }
  bool operator==(const Product&) const = default;
};

struct NewProduct {
  std::string sku;
  std::string name;
  std::string description;
  Money price;
  int64_t initialStock = 0;
  std::string idempotencyKey;  // optional
};

// The fields an update may change; unset means "leave as is".
struct ProductChanges {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<Money> price;
  bool empty() const { return !name && !description && !price; }
};

// Who made an admin change and under which trace, for the audit trail.
struct ChangeContext {
  std::string actor = "anonymous";
  std::string traceId;
};

// Each returns an empty string when valid, otherwise the reason, worded for the client.
std::string skuProblem(std::string_view sku);
std::string nameProblem(std::string_view name);
std::string descriptionProblem(std::string_view description);
std::string currencyCodeProblem(std::string_view code);
std::string priceUnitsProblem(int64_t units);
std::string restockQuantityProblem(int64_t quantity);

// Skus compare case-insensitively: they are stored upper-case, trimmed.
std::string normalizeSku(std::string_view sku);
// Ids are UUIDs compared as PostgreSQL prints them: lower-case.
std::string normalizeId(std::string_view id);
// Characters, not bytes: a name in Chinese gets the same length limit as one in English.
size_t utf8Length(std::string_view text);

// Normalise (sku and currency case, trimmed name) and validate every field at once, naming fields as
// clients spell them in JSON ("sku", "price.currencyCode").
Status prepareNewProduct(NewProduct& product);
Status validateChanges(ProductChanges& changes);

}  // namespace fleetdeck::products
