// Applies ordered, forward-only schema migrations and refuses to run when an applied one changed.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
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

class MigrationRunner {
 public:
  // The migrations of a folder, sorted by number (files NNN_name.sql; other files are ignored).
  static Result<std::vector<Migration>> loadDirectory(const std::filesystem::path& directory);

  // Checks names (NNN_name.sql) and that numbers are unique; returns them sorted.
  static Result<std::vector<Migration>> validate(std::vector<Migration> migrations);

  // Applies the pending migrations, each in its own transaction, holding an advisory lock so that
  // replicas starting together apply each migration once. Returns how many were applied.
  // FAILED_PRECONDITION when an applied migration's text changed or it is missing from `migrations`.
  // A migration that cannot take its locks within `locking` is UNAVAILABLE (nothing of it applied).
  static Result<int> apply(pqxx::connection& connection, std::vector<Migration> migrations,
                           MigrationLocking locking = {});

  static Result<std::vector<AppliedMigration>> applied(pqxx::connection& connection);

  static std::string checksum(const Migration& migration);
  // 7 for "007_add_index.sql", -1 when the name does not follow the pattern.
  static int versionOf(const std::string& name);
};

class ConnectionPool;

// Applies `migrations` on a connection borrowed from the pool: what a service does at start-up.
Result<int> applyMigrations(ConnectionPool& pool, const std::vector<Migration>& migrations);

}  // namespace fleetdeck::db
