// Where stock reservations live. Each call is one transaction that changes the reservation and the
// products' stock together, so a crash leaves either both or neither.
#pragma once

#include <string>
#include <vector>

#include "domain/reservation.h"
#include "fleetdeck/core/status.h"

namespace fleetdeck::products {

class ReservationRepository {
 public:
  virtual ~ReservationRepository() = default;
  // Reserves every line or none. A key already reserved returns the stored reservation (whatever its
  // state now); with different lines that is INVALID_ARGUMENT naming "reservationKey". Unknown
  // products are INVALID_ARGUMENT naming "lines[i].productId"; short stock (or a deleted product)
  // is FAILED_PRECONDITION naming "lines[i].quantity" ("lines[i].productId"), and stores nothing.
  virtual Result<Reservation> reserve(const std::string& key, const std::vector<StockLine>& lines) = 0;
  // Applies releaseTransition. An unknown key is recorded as RELEASED with no lines, so a reserve
  // that arrives after its own compensation takes no stock.
  virtual Result<Reservation> release(const std::string& key) = 0;
  // Applies commitTransition; NOT_FOUND for an unknown key.
  virtual Result<Reservation> commit(const std::string& key) = 0;
};

}  // namespace fleetdeck::products
