#include "domain/stock_reservations.h"

namespace fleetdeck::products {

Result<Reservation> StockReservations::invalidated(Result<Reservation> written) {
  if (written && !written->lines.empty()) {
    std::vector<std::string> ids;
    ids.reserve(written->lines.size());
    for (const auto& line : written->lines) ids.push_back(line.productId);
    cache_.invalidate(ids);
  }
  return written;
}

Result<Reservation> StockReservations::reserve(const std::string& key, std::vector<StockLine> lines) {
  for (auto& line : lines) line.productId = normalizeId(line.productId);
  // Report the key and the lines together, as one INVALID_ARGUMENT.
  ValidationErrors errors;
  for (const Status& status : {validateReservationKey(key), validateStockLines(lines)}) {
    for (const auto& violation : status.violations()) errors.add(violation.field, violation.reason);
  }
  FLEETDECK_RETURN_IF_ERROR(errors.toStatus());
  return invalidated(repository_.reserve(key, lines));
}

Result<Reservation> StockReservations::release(const std::string& key) {
  FLEETDECK_RETURN_IF_ERROR(validateReservationKey(key));
  return invalidated(repository_.release(key));
}

Result<Reservation> StockReservations::commit(const std::string& key) {
  FLEETDECK_RETURN_IF_ERROR(validateReservationKey(key));
  return invalidated(repository_.commit(key));
}

}  // namespace fleetdeck::products
