#include "adapters/pg_user_repository.h"

#include "adapters/refresh_tokens_sql.h"
#include "fleetdeck/bus/event.h"
#include "fleetdeck/core/json.h"
#include "fleetdeck/db/audit_log.h"
#include "fleetdeck/users/v1/events.pb.h"

namespace fleetdeck::users {
namespace {

constexpr const char* kColumns =
    "id::text, username, email, display_name, role, status, password_hash, version,"
    " (extract(epoch FROM created_at) * 1000000)::bigint,"
    " (extract(epoch FROM updated_at) * 1000000)::bigint";

User fromRow(const pqxx::row& row) {
  User user;
  user.id = row[0].as<std::string>();
  user.username = row[1].as<std::string>();
  user.email = row[2].as<std::string>();
  user.displayName = row[3].as<std::string>();
  user.role = row[4].as<std::string>();
  user.status = row[5].as<std::string>();
  user.passwordHash = row[6].as<std::string>();
  user.version = row[7].as<int64_t>();
  user.createdAtMicros = row[8].as<int64_t>();
  user.updatedAtMicros = row[9].as<int64_t>();
  return user;
}

// Escapes LIKE wildcards so a search for "50%" finds "50%", not everything.
std::string likePattern(const std::string& text) {
  std::string pattern = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  pattern += '%';
  return pattern;
}

// The audit view of an account: everything but the password hash.
std::string auditJson(const User& user) {
  return boost::json::serialize(boost::json::object{{"id", user.id},
                                                    {"username", user.username},
                                                    {"email", user.email},
                                                    {"displayName", user.displayName},
                                                    {"role", user.role},
                                                    {"status", user.status},
                                                    {"version", user.version}});
}

void audit(pqxx::work& transaction, const std::string& action, const ChangeContext& context, const User* before,
           const User& after) {
  db::appendAudit(transaction, {.resource = "users",
                                .resourceId = after.id,
                                .action = action,
                                .actor = context.actor,
                                .traceId = context.traceId,
                                .beforeJson = before ? auditJson(*before) : "",
                                .afterJson = auditJson(after)});
}

// The envelope of a user event: the account as aggregate, at its version, by the change's actor.
bus::EventContext eventContextOf(const User& user, const ChangeContext& context, int64_t occurredAtMicros) {
  bus::EventContext eventContext;
  eventContext.aggregateId = user.id;
  eventContext.aggregateVersion = user.version;
  eventContext.actor = context.actor;
  eventContext.source = "users";
  eventContext.occurredAtMicros = occurredAtMicros;
  return eventContext;
}

// UserRegistered goes into the outbox in the account's own transaction: a committed account is always
// announced (payments opens its wallet, notifications welcomes it), a rolled-back one never is.
Status appendUserRegistered(pqxx::work& transaction, const User& user, const ChangeContext& context) {
  v1::UserRegistered event;
  event.set_user_id(user.id);
  event.set_username(user.username);
  event.set_email(user.email);
  event.set_display_name(user.displayName);
  event.set_role(user.role);
  return bus::appendEvent(transaction, event, eventContextOf(user, context, user.createdAtMicros)).status();
}

Status uniqueViolation(const std::exception& exception) {
  const std::string message = exception.what();
  if (message.find("users_username_key") != std::string::npos) {
    return alreadyExists("username is already taken", {{"username", "is already taken"}});
  }
  if (message.find("users_email_key") != std::string::npos) {
    return alreadyExists("email is already registered", {{"email", "is already registered"}});
  }
  if (message.find("create_requests_pkey") != std::string::npos) {
    return alreadyExists("the idempotency key was used by another account creation meanwhile",
                         {{"idempotencyKey", "is already taken"}});
  }
  return alreadyExists("user already exists");
}

// UserAccessChanged, in the transaction of the change: the gateways refuse the user's older access
// tokens once it is committed and published.
Status appendUserAccessChanged(pqxx::work& transaction, const User& user, const ChangeContext& context) {
  v1::UserAccessChanged event;
  event.set_user_id(user.id);
  event.set_role(user.role);
  event.set_status(user.status);
  return bus::appendEvent(transaction, event, eventContextOf(user, context, user.updatedAtMicros)).status();
}

// The user row as it is, locked for the rest of the transaction (every change reads it first).
Result<User> lockedUser(pqxx::work& transaction, const std::string& id) {
  const auto current =
      transaction.exec_params(std::string("SELECT ") + kColumns + " FROM users WHERE id = $1 FOR UPDATE", id);
  if (current.empty()) return notFound("user " + id + " does not exist");
  return fromRow(current[0]);
}

}  // namespace

Result<User> PgUserRepository::insert(const User& user, const CreateKey& key, const ChangeContext& context) {
  return db::inTransaction<User>(pool_, [&](pqxx::work& transaction) -> Result<User> {
    try {
      const auto rows = transaction.exec_params(
          std::string("INSERT INTO users (id, username, email, display_name, role, status, password_hash)"
                      " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ") +
              kColumns,
          user.id, user.username, user.email, user.displayName, user.role, user.status, user.passwordHash);
      User created = fromRow(rows[0]);
      if (!key.idempotencyKey.empty()) {
        transaction.exec_params("INSERT INTO create_requests (idempotency_key, user_id, request) VALUES ($1, $2, $3)",
                                key.idempotencyKey, created.id, key.request);
      }
      audit(transaction, "create", context, nullptr, created);
      FLEETDECK_RETURN_IF_ERROR(appendUserRegistered(transaction, created, context));
      return created;
    } catch (const pqxx::unique_violation& violation) {
      return uniqueViolation(violation);
    }
  });
}

Result<std::optional<std::pair<User, std::string>>> PgUserRepository::findCreatedWith(
    const std::string& idempotencyKey) {
  using Found = std::optional<std::pair<User, std::string>>;
  return db::inTransaction<Found>(pool_, [&](pqxx::work& transaction) -> Result<Found> {
    const auto rows = transaction.exec_params(
        std::string("SELECT ") + kColumns + ", c.request FROM create_requests c JOIN users u ON u.id = c.user_id"
            " WHERE c.idempotency_key = $1",
        idempotencyKey);
    if (rows.empty()) return Found();
    return Found(std::make_pair(fromRow(rows[0]), rows[0][rows[0].size() - 1].as<std::string>()));
  });
}

Result<User> PgUserRepository::findById(const std::string& id) {
  return db::inTransaction<User>(pool_, [&](pqxx::work& transaction) -> Result<User> {
    const auto rows = transaction.exec_params(std::string("SELECT ") + kColumns + " FROM users WHERE id = $1", id);
    if (rows.empty()) return notFound("user " + id + " does not exist");
    return fromRow(rows[0]);
  });
}

Result<User> PgUserRepository::findByUsername(const std::string& username) {
  return db::inTransaction<User>(pool_, [&](pqxx::work& transaction) -> Result<User> {
    const auto rows =
        transaction.exec_params(std::string("SELECT ") + kColumns + " FROM users WHERE username = $1", username);
    if (rows.empty()) return notFound("user " + username + " does not exist");
    return fromRow(rows[0]);
  });
}

Result<UserPage> PgUserRepository::list(const UserQuery& query) {
  return db::inTransaction<UserPage>(pool_, [&](pqxx::work& transaction) -> Result<UserPage> {
    // One statement with optional filters: NULL parameters switch a condition off.
    const auto rows = transaction.exec_params(
        std::string("SELECT ") + kColumns +
            " FROM users"
            " WHERE ($1::uuid IS NULL OR id > $1::uuid)"
            "   AND ($2::text IS NULL OR role = $2)"
            "   AND ($3::text IS NULL OR status = $3)"
            "   AND ($4::text IS NULL OR username ILIKE $4 OR email ILIKE $4 OR display_name ILIKE $4)"
            " ORDER BY users.id LIMIT $5",  // the column: plain id is the id::text output
        query.afterId.empty() ? std::optional<std::string>() : query.afterId,
        query.role.empty() ? std::optional<std::string>() : query.role,
        query.status.empty() ? std::optional<std::string>() : query.status,
        query.text.empty() ? std::optional<std::string>() : likePattern(query.text), query.pageSize + 1);
    UserPage page;
    for (const auto& row : rows) {
      if (static_cast<int>(page.users.size()) == query.pageSize) {
        page.hasMore = true;
        break;
      }
      page.users.push_back(fromRow(row));
    }
    return page;
  });
}

Result<User> PgUserRepository::update(const std::string& id, const UserChanges& changes, int64_t expectedVersion,
                                      const ChangeContext& context) {
  return db::inTransaction<User>(pool_, [&](pqxx::work& transaction) -> Result<User> {
    auto locked = lockedUser(transaction, id);
    if (!locked) return locked.status();
    const User before = std::move(*locked);
    const int64_t version = before.version;
    if (expectedVersion != 0 && version != expectedVersion) {
      return aborted("user " + id + " was changed by someone else (version " + std::to_string(version) +
                     ", you edited version " + std::to_string(expectedVersion) + "); reload and retry");
    }
    // The fleet keeps an active admin: making one takes one, so losing the last would leave only SQL
    // on the database as the way back. Admin changes are serialised by a lock taken in a statement of
    // its own, so the count below sees every change committed before it (two admins demoting each
    // other at once).
    const bool losesAdmin = before.role == kRoleAdmin && before.status == kStatusActive &&
                            ((changes.role && *changes.role != kRoleAdmin) ||
                             (changes.status && *changes.status != kStatusActive));
    if (losesAdmin) {
      transaction.exec("SELECT pg_advisory_xact_lock(hashtextextended('users:active_admins', 0))");
      const auto others = transaction.exec_params(
          "SELECT count(*) FROM users WHERE role = 'admin' AND status = 'active' AND id <> $1", id);
      if (others[0][0].as<int64_t>() == 0) {
        return failedPrecondition("user " + before.username +
                                  " is the last active admin; make another user admin first");
      }
    }
    try {
      const auto rows = transaction.exec_params(
          std::string("UPDATE users SET"
                      " email = COALESCE($2, email),"
                      " display_name = COALESCE($3, display_name),"
                      " role = COALESCE($4, role),"
                      " status = COALESCE($5, status),"
                      " version = version + 1, updated_at = now()"
                      " WHERE id = $1 RETURNING ") +
              kColumns,
          id, changes.email, changes.displayName, changes.role, changes.status);
      User after = fromRow(rows[0]);
      // A disabled account's sessions end with it, in this transaction: else a refresh token still
      // worked once the account was enabled again (the refresh refuses a disabled user, but only
      // while it is disabled).
      if (after.status == kStatusDisabled && before.status != kStatusDisabled) revokeAllTokensOf(transaction, id);
      if (after.role != before.role || after.status != before.status) {
        FLEETDECK_RETURN_IF_ERROR(appendUserAccessChanged(transaction, after, context));
      }
      const bool disabling = changes.status && *changes.status == kStatusDisabled && !changes.email &&
                             !changes.displayName && !changes.role;
      audit(transaction, disabling ? "disable" : "update", context, &before, after);
      return after;
    } catch (const pqxx::unique_violation& violation) {
      return uniqueViolation(violation);
    }
  });
}

Result<User> PgUserRepository::updatePasswordHash(const std::string& id, const std::string& passwordHash,
                                                  const ChangeContext& context) {
  return db::inTransaction<User>(pool_, [&](pqxx::work& transaction) -> Result<User> {
    auto locked = lockedUser(transaction, id);
    if (!locked) return locked.status();
    const User before = std::move(*locked);
    const auto rows = transaction.exec_params(
        std::string("UPDATE users SET password_hash = $2, version = version + 1, updated_at = now()"
                    " WHERE id = $1 RETURNING ") +
            kColumns,
        id, passwordHash);
    User after = fromRow(rows[0]);
    // A new password ends every session, in this transaction: an admin resets the password of an
    // account taken over, and the thief's refresh token must stop working with the old password.
    revokeAllTokensOf(transaction, id);
    FLEETDECK_RETURN_IF_ERROR(appendUserAccessChanged(transaction, after, context));
    audit(transaction, "reset_password", context, &before, after);
    return after;
  });
}

Result<User> PgUserRepository::updateOwn(const std::string& id, const OwnChanges& changes, int64_t expectedVersion,
                                         const ChangeContext& context) {
  return db::inTransaction<User>(pool_, [&](pqxx::work& transaction) -> Result<User> {
    auto locked = lockedUser(transaction, id);
    if (!locked) return locked.status();
    const User before = std::move(*locked);
    try {
      // The version is the one whose password the caller verified: a reset or a disable committed
      // since must not be overwritten by a session that only knew the old password.
      const auto rows = transaction.exec_params(
          std::string("UPDATE users SET"
                      " email = COALESCE($2, email),"
                      " display_name = COALESCE($3, display_name),"
                      " password_hash = COALESCE($4, password_hash),"
                      " version = version + 1, updated_at = now()"
                      " WHERE id = $1 AND version = $5 AND status = 'active' RETURNING ") +
              kColumns,
          id, changes.email, changes.displayName, changes.passwordHash, expectedVersion);
      if (rows.empty()) {
        return aborted("user " + id + " changed since version " + std::to_string(expectedVersion) +
                       " was read (now version " + std::to_string(before.version) + ", " + before.status + ")");
      }
      User after = fromRow(rows[0]);
      if (changes.passwordHash) {
        // As for a reset: every session ends, and gateways refuse the access tokens signed before.
        revokeAllTokensOf(transaction, id);
        FLEETDECK_RETURN_IF_ERROR(appendUserAccessChanged(transaction, after, context));
      }
      audit(transaction, changes.passwordHash ? "change_password" : "update", context, &before, after);
      return after;
    } catch (const pqxx::unique_violation& violation) {
      return uniqueViolation(violation);
    }
  });
}

Result<db::AuditPage> PgUserRepository::listAudit(const db::AuditQuery& query) { return db::listAudit(pool_, query); }

}  // namespace fleetdeck::users
