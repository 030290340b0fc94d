// Stock reservations of the order saga: lines, the reservation's state machine, and what each step
// does to stock; pure C++, no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "domain/product.h"
#include "fleetdeck/core/status.h"

namespace fleetdeck::products {

inline constexpr std::string_view kStateReserved = "RESERVED";
inline constexpr std::string_view kStateCommitted = "COMMITTED";
inline constexpr std::string_view kStateReleased = "RELEASED";
inline constexpr std::string_view kStateReturned = "RETURNED";

inline constexpr size_t kMaxReservationLines = 100;
inline constexpr int64_t kMaxLineQuantity = 1'000'000;
inline constexpr size_t kMaxReservationKeyLength = 128;

struct StockLine {
  std::string productId;
  int64_t quantity = 0;
};

// A reserved line with what the product looked like when it was reserved: the order is priced with it.
struct ReservedLine {
  std::string productId;
  std::string sku;
  std::string name;
  int64_t quantity = 0;
  Money unitPrice;
  bool operator==(const ReservedLine&) const = default;
};

struct Reservation {
  std::string key;
  std::string state;
  std::vector<ReservedLine> lines;
  bool operator==(const Reservation&) const = default;
};

// What a step does to each line's product.
enum class StockEffect {
  kNone,
  kUnreserve,  // reserved -= quantity (a reservation given back)
  kTake,       // on_hand -= quantity, reserved -= quantity (the goods leave with the order)
  kPutBack,    // on_hand += quantity (committed goods come back)
};

struct Transition {
  std::string nextState;
  StockEffect effect = StockEffect::kNone;
};

// RESERVED -> RELEASED (unreserve); COMMITTED -> RETURNED (put back); RELEASED and RETURNED stay.
Result<Transition> releaseTransition(std::string_view state);
// RESERVED -> COMMITTED (take); COMMITTED stays; FAILED_PRECONDITION after a release.
Result<Transition> commitTransition(std::string_view state, std::string_view key);

// INVALID_ARGUMENT naming "reservationKey".
Status validateReservationKey(std::string_view key);
// Every line: a product id that is a UUID, quantity 1..kMaxLineQuantity, each product once; fields
// named "lines[i].productId" / "lines[i].quantity".
Status validateStockLines(const std::vector<StockLine>& lines);

// True when `lines` asks for what `reservation` holds (same products and quantities, any order):
// a repeated call, not a different request under a reused key.
bool sameRequest(const Reservation& reservation, const std::vector<StockLine>& lines);

}  // namespace fleetdeck::products
