// The order saga's inventory use cases: reserve all lines or none, release, commit — each idempotent
// by the reservation key (the saga id), each followed by dropping the cached copies of its products.
#pragma once

#include <string>
#include <vector>

#include "domain/reservation.h"
#include "ports/product_cache.h"
#include "ports/reservation_repository.h"

namespace fleetdeck::products {

class StockReservations {
 public:
  StockReservations(ReservationRepository& repository, ProductCache& cache) : repository_(repository), cache_(cache) {}

  Result<Reservation> reserve(const std::string& key, std::vector<StockLine> lines);
  Result<Reservation> release(const std::string& key);
  Result<Reservation> commit(const std::string& key);

 private:
  Result<Reservation> invalidated(Result<Reservation> written);

  ReservationRepository& repository_;
  ProductCache& cache_;
};

}  // namespace fleetdeck::products
