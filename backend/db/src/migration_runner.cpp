#include "fleetdeck/db/migration_runner.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <pqxx/pqxx>
#include <sstream>
#include <thread>

#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/log.h"
#include "fleetdeck/db/connection_pool.h"

namespace fleetdeck::db {
namespace {

// Any constant works as long as every FleetDeck service uses the same one for migrations.
constexpr int64_t kMigrationLockKey = 0x466c656574446b;  // "FleetDk"

}  // namespace

int MigrationRunner::versionOf(const std::string& name) {
  size_t digits = 0;
  while (digits < name.size() && std::isdigit(static_cast<unsigned char>(name[digits]))) ++digits;
  if (digits == 0 || digits > 6 || digits >= name.size() || name[digits] != '_') return -1;
  if (!name.ends_with(".sql") || name.size() <= digits + 5) return -1;
  return std::stoi(name.substr(0, digits));
}

std::string MigrationRunner::checksum(const Migration& migration) { return sha256Hex(migration.sql); }

Result<std::vector<Migration>> MigrationRunner::validate(std::vector<Migration> migrations) {
  std::map<int, std::string> seen;
  for (const auto& migration : migrations) {
    const int version = versionOf(migration.name);
    if (version < 0) {
      return invalidArgument("migration file '" + migration.name + "' does not match NNN_name.sql");
    }
    auto [position, inserted] = seen.emplace(version, migration.name);
    if (!inserted) {
      return invalidArgument("migrations '" + position->second + "' and '" + migration.name +
                             "' share the number " + std::to_string(version));
    }
  }
  std::sort(migrations.begin(), migrations.end(),
            [](const Migration& a, const Migration& b) { return versionOf(a.name) < versionOf(b.name); });
  return migrations;
}

Result<std::vector<Migration>> MigrationRunner::loadDirectory(const std::filesystem::path& directory) {
  std::error_code error;
  if (!std::filesystem::is_directory(directory, error)) {
    return invalidArgument("migrations folder " + directory.string() + " does not exist");
  }
  std::vector<Migration> migrations;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || !name.ends_with(".sql")) continue;
    std::ifstream file(entry.path(), std::ios::binary);
    std::ostringstream content;
    content << file.rdbuf();
    migrations.push_back({name, content.str()});
  }
  return validate(std::move(migrations));
}

Result<std::vector<AppliedMigration>> MigrationRunner::applied(pqxx::connection& connection) {
  try {
    pqxx::nontransaction query(connection);
    const auto exists = query.exec("SELECT to_regclass('schema_migrations') IS NOT NULL");
    std::vector<AppliedMigration> result;
    if (!exists[0][0].as<bool>()) return result;
    for (const auto& row : query.exec("SELECT version, name, checksum FROM schema_migrations ORDER BY version")) {
      result.push_back({row[0].as<int>(), row[1].as<std::string>(), row[2].as<std::string>()});
    }
    return result;
  } catch (const std::exception& exception) {
    return statusFromException(exception);
  }
}

Result<int> MigrationRunner::apply(pqxx::connection& connection, std::vector<Migration> migrations,
                                   MigrationLocking locking) {
  auto validated = validate(std::move(migrations));
  if (!validated) return validated.status();
  // Always release the advisory lock, whatever happens below.
  struct Unlock {
    pqxx::connection& connection;
    bool locked = false;
    ~Unlock() {
      if (!locked || !connection.is_open()) return;
      try {
        pqxx::nontransaction session(connection);
        session.exec("SELECT pg_advisory_unlock(" + std::to_string(kMigrationLockKey) + ")");
      } catch (const std::exception& exception) {
        log::warn("could not release the migration lock", {{"error", exception.what()}});
      }
    }
  } unlock{connection};

  try {
    pqxx::nontransaction session(connection);
    session.exec("SET client_min_messages = warning");
    // Lock first: concurrent CREATE TABLE IF NOT EXISTS can still collide in PostgreSQL's catalog.
    session.exec("SELECT pg_advisory_lock(" + std::to_string(kMigrationLockKey) + ")");
    unlock.locked = true;
    session.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version integer PRIMARY KEY,"
        " name text NOT NULL,"
        " checksum text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())");
  } catch (const std::exception& exception) {
    return statusFromException(exception);
  }

  auto alreadyApplied = applied(connection);
  if (!alreadyApplied) return alreadyApplied.status();

  std::map<int, const Migration*> byVersion;
  for (const auto& migration : *validated) byVersion[versionOf(migration.name)] = &migration;

  int highestApplied = 0;
  for (const auto& done : *alreadyApplied) {
    highestApplied = std::max(highestApplied, done.version);
    auto found = byVersion.find(done.version);
    if (found == byVersion.end()) {
      return failedPrecondition("applied migration " + done.name + " is missing from this build; refusing to start");
    }
    const std::string current = checksum(*found->second);
    if (current != done.checksum) {
      return failedPrecondition("migration " + done.name + " was changed after it was applied (checksum " +
                                done.checksum.substr(0, 12) + " in the database, " + current.substr(0, 12) +
                                " now); write a new migration instead of editing an applied one");
    }
  }

  int count = 0;
  for (const auto& [version, migration] : byVersion) {
    const bool isApplied = std::any_of(alreadyApplied->begin(), alreadyApplied->end(),
                                       [v = version](const AppliedMigration& a) { return a.version == v; });
    if (isApplied) continue;
    if (version < highestApplied) {
      return failedPrecondition("migration " + migration->name + " is older than the newest applied one (" +
                                std::to_string(highestApplied) + "); renumber it after the applied ones");
    }
    for (int attempt = 1;; ++attempt) {
      try {
        pqxx::work transaction(connection);
        transaction.exec("SET LOCAL lock_timeout = " + std::to_string(locking.lockTimeout.count()));
        transaction.exec(migration->sql);
        transaction.exec_params("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                                version, migration->name, checksum(*migration));
        transaction.commit();
        ++count;
        log::info("applied migration", {{"migration", migration->name}});
        break;
      } catch (const pqxx::sql_error& error) {
        if (error.sqlstate() != "55P03") {  // not lock_not_available
          const Status status = statusFromException(error);
          return Status(status.code(), "migration " + migration->name + " failed: " + error.what());
        }
        if (attempt >= locking.attempts) {
          return unavailable("migration " + migration->name + " could not take its locks within " +
                             std::to_string(locking.lockTimeout.count()) + " ms, " + std::to_string(attempt) +
                             " times: a long transaction holds them; nothing of it was applied");
        }
        log::warn("migration waits for its locks; trying again",
                  {{"migration", migration->name}, {"attempt", attempt}});
        std::this_thread::sleep_for(locking.pauseBetween);
      } catch (const std::exception& exception) {
        const Status status = statusFromException(exception);
        return Status(status.code(), "migration " + migration->name + " failed: " + exception.what());
      }
    }
  }
  return count;
}

Result<int> applyMigrations(ConnectionPool& pool, const std::vector<Migration>& migrations) {
  auto lease = pool.acquire();
  if (!lease) return lease.status();
  return MigrationRunner::apply(**lease, migrations);
}

}  // namespace fleetdeck::db
