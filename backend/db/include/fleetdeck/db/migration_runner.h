// Applies ordered, forward-only schema migrations and refuses to run when an applied one changed.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "fleetdeck/core/status.h"
#include "fleetdeck/db/migration.h"

#include <pqxx/connection>

namespace fleetdeck::db {

struct AppliedMigration {
  int version = 0;
  std::string name;
  std::string checksum;
};

// How long a migration waits for its table locks. A DDL statement queued behind a long transaction
// of a replica still running the old version queues every later query on that table behind itself:
// waiting briefly and trying again keeps that stall short.
struct MigrationLocking {
  std::chrono::milliseconds lockTimeout{5000};
  int attempts = 6;
  std::chrono::milliseconds pauseBetween{2000};
};

// The advisory lock a migrating replica holds. Any constant works as long as every FleetDeck service
// uses the same one.
inline constexpr int64_t kMigrationLockKey = 0x466c656574446b;  // "FleetDk"

// A migration whose first line is this runs outside a transaction, one statement at a time: what
// `CREATE INDEX CONCURRENTLY` needs (it cannot run in a transaction block), so an index on a big
// table is built without blocking the table's writes. Such a migration is not atomic: when a
// statement fails, the ones before it stay applied and the whole migration runs again at the next
// start, so each statement must be safe to repeat. For an index:
//   DROP INDEX CONCURRENTLY IF EXISTS orders_created_idx;   -- an INVALID one a failed build left
//   CREATE INDEX CONCURRENTLY orders_created_idx ON orders (created_at_us);
inline constexpr const char* kNoTransactionMarker = "-- fleetdeck:no-transaction";

class MigrationRunner {
 public:
  // The migrations of a folder, sorted by number (files NNN_name.sql; other files are ignored).
  static Result<std::vector<Migration>> loadDirectory(const std::filesystem::path& directory);

  // Checks names (NNN_name.sql) and that numbers are unique; returns them sorted.
  static Result<std::vector<Migration>> validate(std::vector<Migration> migrations);

  // Applies the pending migrations, each in its own transaction (or statement by statement, see
  // kNoTransactionMarker), holding an advisory lock so that replicas starting together apply each
  // migration once. A replica waiting for the lock polls for it outside any transaction: a waiting
  // `SELECT pg_advisory_lock()` holds a snapshot, which a `CREATE INDEX CONCURRENTLY` of the holder
  // would wait for in turn. Returns how many were applied.
  // FAILED_PRECONDITION when an applied migration's text changed, or one older than the newest of
  // `migrations` is missing from them. Applied migrations newer than all of `migrations` (a newer
  // release's, met by the previous release's pods during a rolling update) are logged and accepted.
  // A migration that cannot take its locks within `locking` is UNAVAILABLE (nothing of it applied).
  static Result<int> apply(pqxx::connection& connection, std::vector<Migration> migrations,
                           MigrationLocking locking = {});

  static Result<std::vector<AppliedMigration>> applied(pqxx::connection& connection);

  static std::string checksum(const Migration& migration);
  // True when the migration's first line is kNoTransactionMarker.
  static bool runsOutsideTransaction(const Migration& migration);
  // The statements of a SQL text, split at the semicolons that end them (not those inside quotes,
  // dollar quotes or comments); statements of only comments and blanks are left out.
  // INVALID_ARGUMENT for an unterminated quote or comment.
  static Result<std::vector<std::string>> statementsOf(std::string_view sql);
  // 7 for "007_add_index.sql", -1 when the name does not follow the pattern.
  static int versionOf(const std::string& name);
};

class ConnectionPool;

// Applies `migrations` on a connection borrowed from the pool: what a service does at start-up.
Result<int> applyMigrations(ConnectionPool& pool, const std::vector<Migration>& migrations);

}  // namespace fleetdeck::db
