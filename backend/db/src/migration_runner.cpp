#include "fleetdeck/db/migration_runner.h"

#include <algorithm>
#include <cctype>
#include <chrono>
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


// Runs a kNoTransactionMarker migration statement by statement, then records it. Without a
// lock_timeout: a concurrent index build waits for older transactions to end, and its lock conflicts
// with no reader or writer, so waiting holds up nothing but this start-up.
Status applyOutsideTransaction(pqxx::connection& connection, const Migration& migration, int version) {
  auto statements = MigrationRunner::statementsOf(migration.sql);
  if (!statements) return Status(statements.status().code(), "migration " + migration.name + ": " + statements.status().message());
  size_t done = 0;
  try {
    pqxx::nontransaction session(connection);
    session.exec("SET lock_timeout = 0");
    for (const auto& statement : *statements) {
      session.exec(statement);
      ++done;
    }
    session.exec_params("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", version,
                        migration.name, MigrationRunner::checksum(migration));
    session.exec("RESET lock_timeout");
  } catch (const std::exception& exception) {
    const Status status = statusFromException(exception);
    return Status(status.code(), "migration " + migration.name + " failed at statement " + std::to_string(done + 1) +
                                     " of " + std::to_string(statements->size()) + ": " + exception.what() +
                                     " (it runs outside a transaction: the statements before it stay applied, and"
                                     " the whole migration runs again at the next start)");
  }
  log::info("applied migration", {{"migration", migration.name}, {"statements", static_cast<int64_t>(done)}});
  return Status::ok();
}

}  // namespace

int MigrationRunner::versionOf(const std::string& name) {
  size_t digits = 0;
  while (digits < name.size() && std::isdigit(static_cast<unsigned char>(name[digits]))) ++digits;
  if (digits == 0 || digits > 6 || digits >= name.size() || name[digits] != '_') return -1;
  if (!name.ends_with(".sql") || name.size() <= digits + 5) return -1;
  return std::stoi(name.substr(0, digits));
}

std::string MigrationRunner::checksum(const Migration& migration) { return sha256Hex(migration.sql); }

bool MigrationRunner::runsOutsideTransaction(const Migration& migration) {
  std::string_view first(migration.sql);
  first = first.substr(0, first.find('\n'));
  while (!first.empty() && (first.back() == '\r' || first.back() == ' ' || first.back() == '\t')) first.remove_suffix(1);
  return first == kNoTransactionMarker;
}

Result<std::vector<std::string>> MigrationRunner::statementsOf(std::string_view sql) {
  const auto isIdentifierChar = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || static_cast<unsigned char>(c) >= 0x80;
  };
  std::vector<std::string> statements;
  size_t start = 0;
  bool hasCode = false;  // the current statement has more than blanks and comments
  const auto finish = [&](size_t end) {
    if (hasCode) {
      std::string_view text = sql.substr(start, end - start);
      while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
      while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
      statements.emplace_back(text);
    }
    start = end + 1;
    hasCode = false;
  };
  const auto lineOf = [&](size_t position) {
    return std::to_string(1 + std::count(sql.begin(), sql.begin() + static_cast<std::ptrdiff_t>(position), '\n'));
  };
  size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    const char next = i + 1 < sql.size() ? sql[i + 1] : '\0';
    if (c == '-' && next == '-') {
      const size_t end = sql.find('\n', i);
      i = end == std::string_view::npos ? sql.size() : end + 1;
      continue;
    }
    if (c == '/' && next == '*') {  // PostgreSQL's block comments nest
      int depth = 1;
      size_t j = i + 2;
      while (depth > 0) {
        if (j + 1 >= sql.size()) return invalidArgument("unterminated /* comment from line " + lineOf(i));
        if (sql[j] == '/' && sql[j + 1] == '*') {
          ++depth;
          j += 2;
        } else if (sql[j] == '*' && sql[j + 1] == '/') {
          --depth;
          j += 2;
        } else {
          ++j;
        }
      }
      i = j;
      continue;
    }
    if (c == ';') {
      finish(i);
      ++i;
      continue;
    }
    hasCode = hasCode || !std::isspace(static_cast<unsigned char>(c));
    if (c == '\'' || c == '"') {
      // E'…' strings take backslash escapes; elsewhere a doubled quote is the only escape.
      const bool backslashes = c == '\'' && i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
                               (i < 2 || !isIdentifierChar(sql[i - 2]));
      size_t j = i + 1;
      for (;; ++j) {
        if (j >= sql.size()) {
          return invalidArgument(std::string("unterminated ") + (c == '"' ? "quoted identifier" : "string") +
                                 " from line " + lineOf(i));
        }
        if (backslashes && sql[j] == '\\') {
          ++j;
          continue;
        }
        if (sql[j] == c) {
          if (j + 1 < sql.size() && sql[j + 1] == c) {
            ++j;
            continue;
          }
          break;
        }
      }
      i = j + 1;
      continue;
    }
    if (c == '$' && (i == 0 || !isIdentifierChar(sql[i - 1]))) {
      // $$…$$ or $tag$…$tag$; $1 is a parameter, not a quote.
      size_t j = i + 1;
      while (j < sql.size() && sql[j] != '$' && (std::isalpha(static_cast<unsigned char>(sql[j])) || sql[j] == '_' ||
                                                 (j > i + 1 && std::isdigit(static_cast<unsigned char>(sql[j]))))) {
        ++j;
      }
      if (j < sql.size() && sql[j] == '$') {
        const std::string_view tag = sql.substr(i, j - i + 1);
        const size_t close = sql.find(tag, j + 1);
        if (close == std::string_view::npos) {
          return invalidArgument("unterminated " + std::string(tag) + " quote from line " + lineOf(i));
        }
        i = close + tag.size();
        continue;
      }
    }
    ++i;
  }
  finish(sql.size());
  return statements;
}

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
    // Polled, not waited for: see apply()'s comment.
    const std::string tryLock = "SELECT pg_try_advisory_lock(" + std::to_string(kMigrationLockKey) + ")";
    const auto waitingSince = std::chrono::steady_clock::now();
    auto nextReport = waitingSince + std::chrono::seconds(10);
    while (!session.exec(tryLock)[0][0].as<bool>()) {
      if (std::chrono::steady_clock::now() >= nextReport) {
        const auto holder = session.exec(
            "SELECT coalesce(min(pid), 0) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
            " AND classid = " + std::to_string(kMigrationLockKey >> 32) +
            " AND objid = " + std::to_string(kMigrationLockKey & 0xFFFFFFFF));
        log::info("waiting for the migration lock: another replica is migrating",
                  {{"holder_pid", holder[0][0].as<int64_t>()},
                   {"waited_seconds", std::chrono::duration_cast<std::chrono::seconds>(
                                          std::chrono::steady_clock::now() - waitingSince)
                                          .count()}});
        nextReport += std::chrono::seconds(30);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
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

  const int newestKnown = byVersion.empty() ? 0 : byVersion.rbegin()->first;
  int highestApplied = 0;
  std::vector<std::string> newerThanThisBuild;
  for (const auto& done : *alreadyApplied) {
    highestApplied = std::max(highestApplied, done.version);
    auto found = byVersion.find(done.version);
    if (found == byVersion.end() && done.version > newestKnown) {
      // Applied by a newer release: during a rolling update the previous release's pods keep running
      // (and restarting) against the new schema, which is why migrations stay compatible with it.
      newerThanThisBuild.push_back(done.name);
      continue;
    }
    if (found == byVersion.end()) {
      return failedPrecondition("applied migration " + done.name +
                                " is missing from this build, which has newer ones; refusing to start");
    }
    const std::string current = checksum(*found->second);
    if (current != done.checksum) {
      return failedPrecondition("migration " + done.name + " was changed after it was applied (checksum " +
                                done.checksum.substr(0, 12) + " in the database, " + current.substr(0, 12) +
                                " now); write a new migration instead of editing an applied one");
    }
  }

  if (!newerThanThisBuild.empty()) {
    std::string names;
    for (const auto& name : newerThanThisBuild) names += (names.empty() ? "" : ", ") + name;
    log::warn("the database has migrations newer than this build; running on it as the previous release does"
              " during a rolling update (migrations stay compatible with the release before them)",
              {{"newer", names}});
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
    if (runsOutsideTransaction(*migration)) {
      const Status status = applyOutsideTransaction(connection, *migration, version);
      if (!status.isOk()) return status;
      ++count;
      continue;
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
