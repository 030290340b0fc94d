// Where user accounts are stored; the PostgreSQL adapter implements it, unit tests fake it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/user.h"
#include "fleetdeck/core/status.h"
#include "fleetdeck/db/audit_record.h"

namespace fleetdeck::users {

struct UserQuery {
  std::string role;
  std::string status;
  std::string text;  // substring of username, email or display name
  int pageSize = 50;
  std::string afterId;  // keyset cursor: return users with id > afterId
};

// An account creation's idempotency key and what was asked under it (without the password).
struct CreateKey {
  std::string idempotencyKey;  // empty: none
  std::string request;
};

// What a user changes of their own account; unset means "leave as is". Fields are validated.
struct OwnChanges {
  std::optional<std::string> email;
  std::optional<std::string> displayName;
  std::optional<std::string> passwordHash;
};

struct UserPage {
  std::vector<User> users;
  bool hasMore = false;
};

class UserRepository {
 public:
  virtual ~UserRepository() = default;
  // ALREADY_EXISTS naming the field ("username", "email", or "idempotencyKey" when another creation
  // took the key meanwhile) when it is taken; the key, when there is one, is stored with the account.
  // Every write records an audit entry (who, trace, before/after) in the same transaction.
  virtual Result<User> insert(const User& user, const CreateKey& key, const ChangeContext& context) = 0;
  // The account created under `idempotencyKey` and the request stored with it; nullopt when the key is unused.
  virtual Result<std::optional<std::pair<User, std::string>>> findCreatedWith(const std::string& idempotencyKey) = 0;
  virtual Result<User> findById(const std::string& id) = 0;
  virtual Result<User> findByUsername(const std::string& username) = 0;
  virtual Result<UserPage> list(const UserQuery& query) = 0;
  // Applies the changes and bumps the version. NOT_FOUND for an unknown id; ABORTED when
  // expectedVersion is non-zero and differs from the stored version. Disabling the user also ends
  // every session of theirs (refresh tokens revoked), as does storing a new password hash.
  virtual Result<User> update(const std::string& id, const UserChanges& changes, int64_t expectedVersion,
                              const ChangeContext& context) = 0;
  virtual Result<User> updatePasswordHash(const std::string& id, const std::string& passwordHash,
                                          const ChangeContext& context) = 0;
  virtual Result<db::AuditPage> listAudit(const db::AuditQuery& query) = 0;
  // The signed-in user's own changes, all in one transaction, applied only while the account is still
  // at `expectedVersion` (the one whose password the caller checked) and active: ABORTED, with nothing
  // written, when an admin's reset, disable or edit committed since. A new password hash ends every
  // session and is audited as "change_password"; profile fields alone as "update".
  virtual Result<User> updateOwn(const std::string& id, const OwnChanges& changes, int64_t expectedVersion,
                                 const ChangeContext& context) = 0;
};

}  // namespace fleetdeck::users
