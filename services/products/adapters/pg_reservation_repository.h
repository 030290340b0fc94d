// ReservationRepository on PostgreSQL: reservations, their lines and the stock they hold, changed
// together in one transaction. Product rows are always locked in id order, so concurrent sagas
// queue instead of deadlocking.
#pragma once

#include "fleetdeck/db/connection_pool.h"
#include "ports/reservation_repository.h"

namespace fleetdeck::products {

class PgReservationRepository final : public ReservationRepository {
 public:
  explicit PgReservationRepository(db::ConnectionPool& pool) : pool_(pool) {}

  Result<Reservation> reserve(const std::string& key, const std::vector<StockLine>& lines) override;
  Result<Reservation> release(const std::string& key) override;
  Result<Reservation> commit(const std::string& key) override;

 private:
  db::ConnectionPool& pool_;
};

}  // namespace fleetdeck::products
