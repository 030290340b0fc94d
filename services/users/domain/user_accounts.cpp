#include "domain/user_accounts.h"

#include <algorithm>

#include <boost/json.hpp>

#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/idempotency_key.h"
#include "fleetdeck/core/ids.h"

namespace fleetdeck::users {
namespace {

Status checkId(const std::string& id) {
  if (!isUuid(id)) return invalidField("id", "must be a UUID");
  return Status::ok();
}

// Page tokens are opaque to clients: base64url of the last id seen, so they can't be confused with ids.
std::string encodePageToken(const std::string& lastId) { return base64UrlEncode("u1:" + lastId); }

Result<std::string> decodePageToken(const std::string& token) {
  auto decoded = base64UrlDecode(token);
  if (!decoded || !decoded->starts_with("u1:") || !isUuid(decoded->substr(3))) {
    return invalidField("pageToken", "is not a token returned by a previous list call");
  }
  return decoded->substr(3);
}

}  // namespace

Result<User> UserAccounts::create(NewUser request, const ChangeContext& context) {
  if (auto problem = idempotencyKeyProblem(request.idempotencyKey); !problem.empty()) {
    return invalidField("idempotencyKey", problem);
  }
  FLEETDECK_RETURN_IF_ERROR(prepareNewUser(request));
  // What was asked, normalised, as one text: a repeat compares equal, a reuse of the key does not.
  // Who asked is part of it (an admin's key answers only that admin). The password is not: it is kept
  // only as the account's hash, and the answer carries no secret (a session needs a login).
  const CreateKey key{request.idempotencyKey,
                      boost::json::serialize(boost::json::array{context.actor, request.username, request.email,
                                                                request.displayName, request.role})};
  // A repeat gets the account the first request made, not "username is already taken"; it is
  // answered before the name check below and costs no hash.
  const auto madeBefore = [&]() -> Result<std::optional<User>> {
    if (key.idempotencyKey.empty()) return std::optional<User>();
    auto found = repository_.findCreatedWith(key.idempotencyKey);
    if (!found) return found.status();
    if (!*found) return std::optional<User>();
    if ((*found)->second != key.request) return invalidField("idempotencyKey", "was already used for another account");
    return std::optional<User>(std::move((*found)->first));
  };
  // An account the key does not name yet, or the refusal that stands: a taken name or email is the
  // key's own account when the same request, sent twice at once, made it meanwhile.
  const auto unlessMadeMeanwhile = [&](Result<User> outcome) -> Result<User> {
    if (outcome.isOk() || outcome.status().code() != StatusCode::kAlreadyExists || key.idempotencyKey.empty()) {
      return outcome;
    }
    auto raced = madeBefore();
    if (!raced) return raced.status();
    if (*raced) return std::move(**raced);
    return outcome;
  };
  auto before = madeBefore();
  if (!before) return before.status();
  if (*before) return std::move(**before);
  // A name that is taken is answered before the password is hashed: registration is open to anyone,
  // and each hash costs tens of milliseconds of a worker and its memory. (A race between two
  // registrations is still decided by the unique index on insert.)
  if (auto taken = repository_.findByUsername(request.username); taken.isOk()) {
    return unlessMadeMeanwhile(alreadyExists("username is already taken", {{"username", "is already taken"}}));
  } else if (taken.status().code() != StatusCode::kNotFound) {
    return taken.status();
  }
  auto hash = hasher_.hash(request.password);
  if (!hash) return hash.status();
  User user;
  user.id = newUuid();
  user.username = request.username;
  user.email = request.email;
  user.displayName = request.displayName;
  user.role = request.role;
  user.status = std::string(kStatusActive);
  user.passwordHash = std::move(*hash);
  return unlessMadeMeanwhile(repository_.insert(user, key, context));
}

Result<User> UserAccounts::get(const std::string& id) {
  FLEETDECK_RETURN_IF_ERROR(checkId(id));
  return repository_.findById(id);
}

Result<ListResult> UserAccounts::list(const ListRequest& request) {
  ValidationErrors errors;
  if (request.pageSize < 0) errors.add("pageSize", "must not be negative");
  if (!request.role.empty() && !isValidRole(request.role)) errors.add("role", "must be one of customer, operator, admin");
  if (!request.status.empty() && !isValidStatus(request.status)) errors.add("status", "must be active or disabled");
  if (request.query.size() > 100) errors.add("query", "must be at most 100 characters long");
  FLEETDECK_RETURN_IF_ERROR(errors.toStatus());

  UserQuery query;
  query.pageSize = request.pageSize == 0 ? kDefaultPageSize : std::min(request.pageSize, kMaxPageSize);
  query.role = request.role;
  query.status = request.status;
  query.text = request.query;
  if (!request.pageToken.empty()) {
    auto after = decodePageToken(request.pageToken);
    if (!after) return after.status();
    query.afterId = *after;
  }
  auto page = repository_.list(query);
  if (!page) return page.status();
  ListResult result;
  result.users = std::move(page->users);
  if (page->hasMore && !result.users.empty()) result.nextPageToken = encodePageToken(result.users.back().id);
  return result;
}

Result<User> UserAccounts::update(const std::string& id, UserChanges changes, int64_t expectedVersion,
                                  const ChangeContext& context) {
  FLEETDECK_RETURN_IF_ERROR(checkId(id));
  FLEETDECK_RETURN_IF_ERROR(validateChanges(changes));
  if (expectedVersion < 0) return invalidField("expectedVersion", "must not be negative");
  return repository_.update(id, changes, expectedVersion, context);
}

Result<User> UserAccounts::disable(const std::string& id, const ChangeContext& context) {
  FLEETDECK_RETURN_IF_ERROR(checkId(id));
  UserChanges changes;
  changes.status = std::string(kStatusDisabled);
  return repository_.update(id, changes, 0, context);
}

Result<std::string> UserAccounts::resetPassword(const std::string& id, const ChangeContext& context) {
  FLEETDECK_RETURN_IF_ERROR(checkId(id));
  // 18 random bytes -> 24 base64url characters, comfortably above the password policy.
  std::string temporary = base64UrlEncode(randomBytes(18));
  auto hash = hasher_.hash(temporary);
  if (!hash) return hash.status();
  auto updated = repository_.updatePasswordHash(id, *hash, context);
  if (!updated) return updated.status();
  return temporary;
}

Result<db::AuditPage> UserAccounts::audit(const db::AuditQuery& request) {
  // Every malformed filter named at once, as products, orders and payments answer; pageToken is
  // checked by db::listAudit.
  ValidationErrors errors;
  if (!request.resourceId.empty() && !isUuid(request.resourceId)) errors.add("resourceId", "must be a user id (UUID)");
  if (request.actor.size() > 128) errors.add("actor", "must be at most 128 characters long");
  if (request.pageSize < 0) errors.add("pageSize", "must not be negative");
  FLEETDECK_RETURN_IF_ERROR(errors.toStatus());
  db::AuditQuery query = request;
  // The trail stores ids as PostgreSQL prints them: an upper-case id matched nothing.
  query.resourceId = canonicalUuid(request.resourceId);
  return repository_.listAudit(query);
}

}  // namespace fleetdeck::users
