#include "adapters/pg_reservation_repository.h"

#include <algorithm>
#include <map>

#include "adapters/pg_product_repository.h"

namespace fleetdeck::products {
namespace {

std::vector<ReservedLine> loadLines(pqxx::work& transaction, const std::string& key) {
  const auto rows = db::execPrepared(transaction,
      "SELECT product_id::text, sku, name, quantity, unit_price_units, currency_code"
      " FROM reservation_lines WHERE reservation_key = $1 ORDER BY line_number",
      key);
  std::vector<ReservedLine> lines;
  lines.reserve(rows.size());
  for (const auto& row : rows) {
    lines.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(), row[3].as<int64_t>(),
                     Money{row[5].as<std::string>(), row[4].as<int64_t>()}});
  }
  return lines;
}

struct LockedReservation {
  std::string state;
  std::vector<ReservedLine> lines;
};

// The reservation's state, its row locked for the rest of the transaction, and its lines, in one
// round trip; empty when unknown. Lines are written with the reservation row and never change, so
// the statement's snapshot holds all of them whenever it holds the row.
std::optional<LockedReservation> lockWithLines(pqxx::work& transaction, const std::string& key) {
  const auto rows = db::execPrepared(transaction,
      "SELECT r.state, l.product_id::text, l.sku, l.name, l.quantity, l.unit_price_units, l.currency_code"
      " FROM reservations r LEFT JOIN reservation_lines l ON l.reservation_key = r.reservation_key"
      " WHERE r.reservation_key = $1 ORDER BY l.line_number FOR UPDATE OF r",
      key);
  if (rows.empty()) return std::nullopt;
  LockedReservation locked{rows[0][0].as<std::string>(), {}};
  for (const auto& row : rows) {
    if (row[1].is_null()) continue;  // a reservation without lines (released before it was reserved)
    locked.lines.push_back({row[1].as<std::string>(), row[2].as<std::string>(), row[3].as<std::string>(),
                            row[4].as<int64_t>(), Money{row[6].as<std::string>(), row[5].as<int64_t>()}});
  }
  return locked;
}

// Moves stock for every line, in product id order (the order reserve locks them in), and writes the
// reservation's new state when it changes: with the last line's move, in the same statement.
Status applyTransition(pqxx::work& transaction, const std::string& key, std::vector<ReservedLine> lines,
                       StockEffect effect, const std::optional<std::string>& newState) {
  const char* statement = nullptr;
  switch (effect) {
    case StockEffect::kNone:
      break;
    case StockEffect::kUnreserve:
      statement = "UPDATE products SET reserved = reserved - $2 WHERE id = $1";
      break;
    case StockEffect::kTake:
      statement = "UPDATE products SET on_hand = on_hand - $2, reserved = reserved - $2 WHERE id = $1";
      break;
    case StockEffect::kPutBack:
      statement = "UPDATE products SET on_hand = on_hand + $2 WHERE id = $1";
      break;
  }
  const std::string setState = "UPDATE reservations SET state = $4, updated_at = now() WHERE reservation_key = $3";
  if (statement == nullptr || lines.empty()) {
    if (newState) {
      db::execPrepared(transaction,
                       "UPDATE reservations SET state = $2, updated_at = now() WHERE reservation_key = $1", key,
                       *newState);
    }
    return Status::ok();
  }
  std::sort(lines.begin(), lines.end(),
            [](const ReservedLine& a, const ReservedLine& b) { return a.productId < b.productId; });
  for (size_t i = 0; i < lines.size(); ++i) {
    const ReservedLine& line = lines[i];
    const bool withState = newState && i + 1 == lines.size();
    const auto result =
        withState ? db::execPrepared(transaction,
                                     "WITH moved AS (" + std::string(statement) + " RETURNING 1) " + setState +
                                         " AND EXISTS (SELECT 1 FROM moved)",
                                     line.productId, line.quantity, key, *newState)
                  : db::execPrepared(transaction, statement, line.productId, line.quantity);
    if (result.affected_rows() != 1) return internalError("product " + line.productId + " of a reservation vanished");
  }
  return Status::ok();
}

Result<Reservation> transition(pqxx::work& transaction, const std::string& key, const std::string& state,
                               std::vector<ReservedLine> lines, const Result<Transition>& step) {
  if (!step) return step.status();
  Reservation reservation{key, step->nextState, std::move(lines)};
  const std::optional<std::string> newState =
      step->nextState != state ? std::optional<std::string>(step->nextState) : std::nullopt;
  FLEETDECK_RETURN_IF_ERROR(applyTransition(transaction, key, reservation.lines, step->effect, newState));
  return reservation;
}

struct LockedProduct {
  std::string sku;
  std::string name;
  Money price;
  int64_t available = 0;
  bool active = true;
};

}  // namespace

Result<Reservation> PgReservationRepository::reserve(const std::string& key, const std::vector<StockLine>& lines) {
  return db::inTransaction<Reservation>(pool_, [&](pqxx::work& transaction) -> Result<Reservation> {
    // Claim the key and lock the products in one round trip. The claim comes first: a concurrent
    // call with the same key waits in it for this transaction, then finds the stored reservation (or,
    // if this one failed and rolled back, claims it itself) and locks nothing. The locked rows are
    // read at their newest version, whatever the statement waited for.
    std::vector<std::string> ids;
    for (const auto& line : lines) ids.push_back(line.productId);
    const auto rows = db::execPrepared(transaction,
        "WITH claimed AS (INSERT INTO reservations (reservation_key, state) VALUES ($1, 'RESERVED')"
        "  ON CONFLICT (reservation_key) DO NOTHING RETURNING 1)"
        " SELECT claimed.*, locked.* FROM (SELECT 1) AS one LEFT JOIN claimed ON true"
        " LEFT JOIN (SELECT id::text, sku, name, price_units, currency_code, on_hand - reserved, active"
        "   FROM products WHERE id = ANY($2::uuid[]) AND EXISTS (SELECT 1 FROM claimed) ORDER BY id FOR UPDATE)"
        "  AS locked ON true",
        key, uuidArray(ids));
    if (rows[0][0].is_null()) {
      const auto state = db::execPrepared(transaction, "SELECT state FROM reservations WHERE reservation_key = $1", key);
      Reservation stored{key, state[0][0].as<std::string>(), loadLines(transaction, key)};
      // A key released before it was ever reserved holds no lines: whatever was asked, nothing is taken.
      if (!stored.lines.empty() && !sameRequest(stored, lines)) {
        return invalidField("reservationKey", "was already used to reserve different lines");
      }
      return stored;
    }

    std::map<std::string, LockedProduct> products;
    for (const auto& full : rows) {
      const pqxx::row row = full.slice(1, full.size());
      if (row[0].is_null()) continue;  // none of the ids names a product
      products.emplace(row[0].as<std::string>(), LockedProduct{row[1].as<std::string>(), row[2].as<std::string>(),
                                                               Money{row[4].as<std::string>(), row[3].as<int64_t>()},
                                                               row[5].as<int64_t>(), row[6].as<bool>()});
    }

    ValidationErrors unknown;
    std::vector<FieldViolation> shortLines;
    std::string shortages;
    for (size_t i = 0; i < lines.size(); ++i) {
      const std::string prefix = "lines[" + std::to_string(i) + "].";
      auto found = products.find(lines[i].productId);
      if (found == products.end()) {
        unknown.add(prefix + "productId", "names no product");
        continue;
      }
      const LockedProduct& product = found->second;
      std::string problem;
      if (!product.active) {
        shortLines.push_back({prefix + "productId", "is no longer sold"});
        problem = product.sku + " is no longer sold";
      } else if (product.available < lines[i].quantity) {
        shortLines.push_back({prefix + "quantity", "only " + std::to_string(product.available) + " available"});
        problem = product.sku + " (" + std::to_string(lines[i].quantity) + " wanted, " +
                  std::to_string(product.available) + " available)";
      }
      if (!problem.empty()) shortages += (shortages.empty() ? "" : "; ") + problem;
    }
    FLEETDECK_RETURN_IF_ERROR(unknown.toStatus());
    if (!shortLines.empty()) return Status(StatusCode::kFailedPrecondition, "out of stock: " + shortages, shortLines);

    Reservation reservation{key, std::string(kStateReserved), {}};
    for (size_t i = 0; i < lines.size(); ++i) {
      const LockedProduct& product = products.at(lines[i].productId);
      // The stock and the line in one round trip. The rows are locked, so the stock condition holds;
      // it stays as the last line of defence (no line is written when it fails).
      const auto written = db::execPrepared(transaction,
          "WITH taken AS (UPDATE products SET reserved = reserved + $6 WHERE id = $3 AND on_hand - reserved >= $6"
          "  RETURNING id)"
          " INSERT INTO reservation_lines (reservation_key, line_number, product_id, sku, name, quantity,"
          "  unit_price_units, currency_code) SELECT $1, $2, id, $4, $5, $6, $7, $8 FROM taken",
          key, static_cast<int>(i), lines[i].productId, product.sku, product.name, lines[i].quantity,
          product.price.units, product.price.currencyCode);
      if (written.affected_rows() != 1) return aborted("stock of " + product.sku + " changed while reserving; retry");
      reservation.lines.push_back({lines[i].productId, product.sku, product.name, lines[i].quantity, product.price});
    }
    return reservation;
  });
}

Result<Reservation> PgReservationRepository::release(const std::string& key) {
  return db::inTransaction<Reservation>(pool_, [&](pqxx::work& transaction) -> Result<Reservation> {
    auto locked = lockWithLines(transaction, key);
    if (!locked) {
      // Released before it was reserved (the reserve call timed out, or is still on its way): keep a
      // RELEASED marker so that reserve, when it arrives, takes nothing.
      const auto inserted = db::execPrepared(transaction,
          "INSERT INTO reservations (reservation_key, state) VALUES ($1, 'RELEASED')"
          " ON CONFLICT (reservation_key) DO NOTHING RETURNING 1",
          key);
      if (!inserted.empty()) return Reservation{key, std::string(kStateReleased), {}};
      locked = lockWithLines(transaction, key);  // a reserve with this key committed meanwhile
      if (!locked) return aborted("reservation " + key + " changed while releasing; retry");
    }
    return transition(transaction, key, locked->state, std::move(locked->lines), releaseTransition(locked->state));
  });
}

Result<Reservation> PgReservationRepository::commit(const std::string& key) {
  return db::inTransaction<Reservation>(pool_, [&](pqxx::work& transaction) -> Result<Reservation> {
    auto locked = lockWithLines(transaction, key);
    if (!locked) return notFound("reservation " + key + " does not exist");
    return transition(transaction, key, locked->state, std::move(locked->lines), commitTransition(locked->state, key));
  });
}

}  // namespace fleetdeck::products
