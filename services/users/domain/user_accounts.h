// The users service's use cases (create, read, list, update, disable, reset password) over its ports.
#pragma once

#include <memory>
#include <string>

#include "domain/user.h"
#include "ports/password_hasher.h"
#include "ports/user_repository.h"

namespace fleetdeck::users {

struct ListRequest {
  int pageSize = 0;  // 0: default; clamped to [1, kMaxPageSize]
  std::string pageToken;
  std::string role;
  std::string status;
  std::string query;
};

struct ListResult {
  std::vector<User> users;
  std::string nextPageToken;
};

class UserAccounts {
 public:
  static constexpr int kDefaultPageSize = 50;
  static constexpr int kMaxPageSize = 200;

  UserAccounts(UserRepository& repository, PasswordHasher& hasher) : repository_(repository), hasher_(hasher) {}

  Result<User> create(NewUser request, const ChangeContext& context = {});
  Result<User> get(const std::string& id);
  Result<ListResult> list(const ListRequest& request);
  Result<User> update(const std::string& id, UserChanges changes, int64_t expectedVersion,
                      const ChangeContext& context = {});
  // Disables the account; the row and its history stay.
  Result<User> disable(const std::string& id, const ChangeContext& context = {});
  // Sets a new random password and returns it once.
  Result<std::string> resetPassword(const std::string& id, const ChangeContext& context = {});
  // The audit trail of accounts, newest first. INVALID_ARGUMENT naming each of resourceId (not a user
  // id), actor (over 128 characters), pageSize (negative) and pageToken (not one a list returned).
  Result<db::AuditPage> audit(const db::AuditQuery& query);

 private:
  UserRepository& repository_;
  PasswordHasher& hasher_;
};

}  // namespace fleetdeck::users
