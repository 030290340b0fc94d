#include "domain/reservation.h"

#include <algorithm>
#include <set>
#include <utility>

#include "fleetdeck/core/ids.h"

namespace fleetdeck::products {

Result<Transition> releaseTransition(std::string_view state) {
  if (state == kStateReserved) return Transition{std::string(kStateReleased), StockEffect::kUnreserve};
  if (state == kStateCommitted) return Transition{std::string(kStateReturned), StockEffect::kPutBack};
  if (state == kStateReleased || state == kStateReturned) return Transition{std::string(state), StockEffect::kNone};
  return internalError("reservation in unknown state " + std::string(state));
}

Result<Transition> commitTransition(std::string_view state, std::string_view key) {
  if (state == kStateReserved) return Transition{std::string(kStateCommitted), StockEffect::kTake};
  if (state == kStateCommitted) return Transition{std::string(kStateCommitted), StockEffect::kNone};
  if (state == kStateReleased || state == kStateReturned) {
    return failedPrecondition("reservation " + std::string(key) + " was released (state " + std::string(state) +
                              "); it cannot be committed");
  }
  return internalError("reservation in unknown state " + std::string(state));
}

Status validateReservationKey(std::string_view key) {
  if (key.empty()) return invalidField("reservationKey", "is required");
  if (key.size() > kMaxReservationKeyLength) {
    return invalidField("reservationKey",
                        "must be at most " + std::to_string(kMaxReservationKeyLength) + " characters long");
  }
  if (!std::all_of(key.begin(), key.end(), [](char c) { return c > 0x20 && c < 0x7f; })) {
    return invalidField("reservationKey", "must be visible ASCII characters");
  }
  return Status::ok();
}

Status validateStockLines(const std::vector<StockLine>& lines) {
  ValidationErrors errors;
  if (lines.empty()) errors.add("lines", "must name at least one product");
  if (lines.size() > kMaxReservationLines) {
    errors.add("lines", "must have at most " + std::to_string(kMaxReservationLines) + " lines");
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string prefix = "lines[" + std::to_string(i) + "].";
    if (!isUuid(lines[i].productId)) {
      errors.add(prefix + "productId", "must be a product id (UUID)");
    } else if (!seen.insert(lines[i].productId).second) {
      errors.add(prefix + "productId", "appears more than once; add the quantities into one line");
    }
    if (lines[i].quantity < 1 || lines[i].quantity > kMaxLineQuantity) {
      errors.add(prefix + "quantity", "must be 1 to " + std::to_string(kMaxLineQuantity));
    }
  }
  return errors.toStatus();
}

bool sameRequest(const Reservation& reservation, const std::vector<StockLine>& lines) {
  std::vector<std::pair<std::string, int64_t>> held;
  std::vector<std::pair<std::string, int64_t>> asked;
  for (const auto& line : reservation.lines) held.emplace_back(line.productId, line.quantity);
  for (const auto& line : lines) asked.emplace_back(line.productId, line.quantity);
  std::sort(held.begin(), held.end());
  std::sort(asked.begin(), asked.end());
  return held == asked;
}

}  // namespace fleetdeck::products
