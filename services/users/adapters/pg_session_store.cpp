#include "adapters/pg_session_store.h"

#include <algorithm>
#include <optional>

#include "adapters/refresh_tokens_sql.h"
#include "fleetdeck/core/ids.h"

namespace fleetdeck::users {
namespace {

// Times cross the port as microseconds since the epoch; PostgreSQL keeps them as timestamptz.
constexpr const char* kFromMicros = "to_timestamp($%d::double precision / 1000000)";

std::string fromMicros(int parameter) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, kFromMicros, parameter);
  return buffer;
}

void insertToken(pqxx::work& transaction, const NewRefreshToken& token) {
  transaction.exec_params(
      "INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, client_address, expires_at)"
      " VALUES ($1, $2, $3, $4, $5, " + fromMicros(6) + ")",
      token.id, token.familyId, token.userId, token.tokenHash, token.clientAddress, token.expiresAtMicros);
}

// Whether the account is still at the version the caller read, and active (after lockTokensOf: this
// statement's snapshot is taken after the lock was granted, so it sees a reset or disable that held it).
bool accountUnchanged(pqxx::work& transaction, const std::string& userId, int64_t version) {
  return !transaction
              .exec_params("SELECT 1 FROM users WHERE id = $1 AND version = $2 AND status = 'active'", userId, version)
              .empty();
}

std::optional<std::string> userOfToken(pqxx::work& transaction, const std::string& tokenHash) {
  const auto rows =
      transaction.exec_params("SELECT user_id::text FROM refresh_tokens WHERE token_hash = $1", tokenHash);
  if (rows.empty()) return std::nullopt;
  return rows[0][0].as<std::string>();
}

}  // namespace

Result<bool> PgSessionStore::storeToken(const NewRefreshToken& token) {
  return db::inTransaction<bool>(pool_, [&](pqxx::work& transaction) -> Result<bool> {
    lockTokensOf(transaction, token.userId);
    if (!accountUnchanged(transaction, token.userId, token.userVersion)) return false;
    pruneExpiredTokensOf(transaction, token.userId);
    insertToken(transaction, token);
    return true;
  });
}

Result<std::optional<std::string>> PgSessionStore::ownerOf(const std::string& tokenHash) {
  return db::inTransaction<std::optional<std::string>>(
      pool_, [&](pqxx::work& transaction) -> Result<std::optional<std::string>> { return userOfToken(transaction, tokenHash); });
}

Result<RotateResult> PgSessionStore::rotate(const std::string& tokenHash, NewRefreshToken replacement,
                                            int64_t nowMicros) {
  // The outcome is a value, not an error, so that a detected reuse commits the family's revocation.
  return db::inTransaction<RotateResult>(pool_, [&](pqxx::work& transaction) -> Result<RotateResult> {
    RotateResult result;
    const auto owner = userOfToken(transaction, tokenHash);
    if (!owner) return result;
    lockTokensOf(transaction, *owner);
    const auto rows = transaction.exec_params(
        "SELECT family_id::text, user_id::text, used_at IS NOT NULL, revoked_at IS NOT NULL,"
        " expires_at <= " + fromMicros(2) +
            " FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE",
        tokenHash, nowMicros);
    if (rows.empty()) return result;
    result.familyId = rows[0][0].as<std::string>();
    result.userId = rows[0][1].as<std::string>();
    const bool used = rows[0][2].as<bool>();
    const bool revoked = rows[0][3].as<bool>();
    const bool expired = rows[0][4].as<bool>();
    if (revoked) {
      result.outcome = RotateOutcome::kRevoked;
    } else if (used) {
      transaction.exec_params(
          "UPDATE refresh_tokens SET revoked_at = now()"
          " WHERE family_id = $1 AND revoked_at IS NULL AND used_at IS NULL AND expires_at > now()",
          result.familyId);
      result.outcome = RotateOutcome::kReused;
    } else if (expired) {
      result.outcome = RotateOutcome::kExpired;
    } else if (!accountUnchanged(transaction, result.userId, replacement.userVersion)) {
      result.outcome = RotateOutcome::kAccountChanged;
    } else {
      transaction.exec_params("UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1", tokenHash);
      replacement.familyId = result.familyId;
      replacement.userId = result.userId;
      pruneExpiredTokensOf(transaction, result.userId);
      insertToken(transaction, replacement);
      result.outcome = RotateOutcome::kRotated;
    }
    return result;
  });
}

Status PgSessionStore::revokeFamilyOf(const std::string& tokenHash) {
  return db::inTransaction(pool_, [&](pqxx::work& transaction) -> Status {
    const auto owner = userOfToken(transaction, tokenHash);
    if (!owner) return Status::ok();
    lockTokensOf(transaction, *owner);
    transaction.exec_params(
        "UPDATE refresh_tokens SET revoked_at = now()"
        " WHERE revoked_at IS NULL AND used_at IS NULL AND expires_at > now() AND family_id ="
        " (SELECT family_id FROM refresh_tokens WHERE token_hash = $1)",
        tokenHash);
    return Status::ok();
  });
}

Status PgSessionStore::revokeAllOfUser(const std::string& userId) {
  return db::inTransaction(pool_, [&](pqxx::work& transaction) -> Status {
    revokeAllTokensOf(transaction, userId);
    return Status::ok();
  });
}

Result<AttemptClaim> PgSessionStore::claimAttempt(const std::vector<AttemptLimit>& limits, int64_t nowMicros,
                                                  int64_t sinceMicros) {
  return db::inTransaction<AttemptClaim>(pool_, [&](pqxx::work& transaction) -> Result<AttemptClaim> {
    std::vector<AttemptLimit> sorted = limits;
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.subject < b.subject; });
    // In one order for every caller (no deadlock), each in a statement of its own: the counts below
    // then read snapshots taken after the locks were granted, so they see every attempt committed
    // before (the same statement would have taken its snapshot before waiting).
    for (const auto& limit : sorted) {
      transaction.exec_params("SELECT pg_advisory_xact_lock(hashtextextended('login_failures:' || $1, 0))",
                              limit.subject);
    }
    AttemptClaim claim;
    for (const auto& limit : sorted) {
      const auto rows = transaction.exec_params(
          "SELECT count(*), coalesce((extract(epoch FROM min(failed_at)) * 1000000)::bigint, 0)"
          " FROM login_failures WHERE subject = $1 AND failed_at > " + fromMicros(2),
          limit.subject, sinceMicros);
      if (rows[0][0].as<int64_t>() >= limit.limit) {
        claim.oldestMicros = rows[0][1].as<int64_t>();
        return claim;
      }
    }
    claim.attemptId = newUuid();
    for (const auto& limit : sorted) {
      transaction.exec_params(
          "INSERT INTO login_failures (subject, failed_at, attempt_id) VALUES ($1, " + fromMicros(2) + ", $3)",
          limit.subject, nowMicros, claim.attemptId);
    }
    transaction.exec_params("DELETE FROM login_failures WHERE failed_at <= " + fromMicros(1), sinceMicros);
    claim.granted = true;
    return claim;
  });
}

Status PgSessionStore::forgetAttempt(const std::string& attemptId) {
  return db::inTransaction(pool_, [&](pqxx::work& transaction) -> Status {
    transaction.exec_params("DELETE FROM login_failures WHERE attempt_id = $1", attemptId);
    return Status::ok();
  });
}

Status PgSessionStore::clearFailures(const std::string& subject) {
  return db::inTransaction(pool_, [&](pqxx::work& transaction) -> Status {
    transaction.exec_params("DELETE FROM login_failures WHERE subject = $1", subject);
    return Status::ok();
  });
}

}  // namespace fleetdeck::users
