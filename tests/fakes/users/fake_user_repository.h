// In-memory UserRepository and a fast PasswordHasher for unit tests of the users domain.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <utility>

#include "ports/password_hasher.h"
#include "ports/user_repository.h"

namespace fleetdeck::users::testing {

class FakeUserRepository final : public UserRepository {
 public:
  Result<User> insert(const User& user, const CreateKey& key, const ChangeContext& context) override {
    lastContext = context;
    std::lock_guard lock(mutex_);
    ++inserts;
    for (const auto& [id, existing] : users_) {
      if (existing.username == user.username) return alreadyExists("taken", {{"username", "is already taken"}});
      if (existing.email == user.email) return alreadyExists("taken", {{"email", "is already registered"}});
    }
    if (!key.idempotencyKey.empty() && createKeys_.contains(key.idempotencyKey)) {
      return alreadyExists("taken", {{"idempotencyKey", "is already taken"}});
    }
    User stored = user;
    stored.version = 1;
    users_[user.id] = stored;
    if (!key.idempotencyKey.empty()) createKeys_[key.idempotencyKey] = {user.id, key.request};
    return stored;
  }
  Result<std::optional<std::pair<User, std::string>>> findCreatedWith(const std::string& idempotencyKey) override {
    std::lock_guard lock(mutex_);
    const auto found = createKeys_.find(idempotencyKey);
    if (found == createKeys_.end()) return std::optional<std::pair<User, std::string>>();
    return std::optional<std::pair<User, std::string>>(std::make_pair(users_.at(found->second.first), found->second.second));
  }
  Result<User> findById(const std::string& id) override {
    std::lock_guard lock(mutex_);
    auto found = users_.find(id);
    if (found == users_.end()) return notFound("user " + id + " does not exist");
    return found->second;
  }
  Result<User> findByUsername(const std::string& username) override {
    std::lock_guard lock(mutex_);
    for (const auto& [id, user] : users_) {
      if (user.username == username) return user;
    }
    return notFound("no such user");
  }
  Result<UserPage> list(const UserQuery& query) override {
    std::lock_guard lock(mutex_);
    lastQuery = query;
    UserPage page;
    for (const auto& [id, user] : users_) {
      if (!query.afterId.empty() && id <= query.afterId) continue;
      if (!query.role.empty() && user.role != query.role) continue;
      if (static_cast<int>(page.users.size()) == query.pageSize) {
        page.hasMore = true;
        break;
      }
      page.users.push_back(user);
    }
    return page;
  }
  Result<User> update(const std::string& id, const UserChanges& changes, int64_t expectedVersion,
                      const ChangeContext& context) override {
    lastContext = context;
    std::lock_guard lock(mutex_);
    auto found = users_.find(id);
    if (found == users_.end()) return notFound("user " + id + " does not exist");
    if (expectedVersion != 0 && expectedVersion != found->second.version) return aborted("stale");
    User& user = found->second;
    if (changes.email) user.email = *changes.email;
    if (changes.displayName) user.displayName = *changes.displayName;
    if (changes.role) user.role = *changes.role;
    if (changes.status) user.status = *changes.status;
    ++user.version;
    return user;
  }
  Result<User> updatePasswordHash(const std::string& id, const std::string& hash, const ChangeContext& context) override {
    lastContext = context;
    std::lock_guard lock(mutex_);
    auto found = users_.find(id);
    if (found == users_.end()) return notFound("user " + id + " does not exist");
    found->second.passwordHash = hash;
    ++found->second.version;
    return found->second;
  }

  Result<User> updateOwn(const std::string& id, const OwnChanges& changes, int64_t expectedVersion,
                         const ChangeContext& context) override {
    lastContext = context;
    std::lock_guard lock(mutex_);
    auto found = users_.find(id);
    if (found == users_.end()) return notFound("user " + id + " does not exist");
    User& user = found->second;
    if (user.version != expectedVersion || user.status != kStatusActive) return aborted("changed");
    if (changes.email) user.email = *changes.email;
    if (changes.displayName) user.displayName = *changes.displayName;
    if (changes.passwordHash) user.passwordHash = *changes.passwordHash;
    ++user.version;
    return user;
  }

  Result<db::AuditPage> listAudit(const db::AuditQuery&) override { return db::AuditPage{}; }

  UserQuery lastQuery;
  ChangeContext lastContext;
  int inserts = 0;  // insert() calls, refused ones included

 private:
  std::mutex mutex_;
  std::map<std::string, User> users_;
  std::map<std::string, std::pair<std::string, std::string>> createKeys_;  // key -> user id, request
};

// Reversible "hash" so tests can see which password was stored; never used outside tests.
class FakePasswordHasher final : public PasswordHasher {
 public:
  Result<std::string> hash(std::string_view password) override {
    ++hashes;
    return "fake$" + std::string(password);
  }
  bool verify(std::string_view password, const std::string& encoded) override {
    return encoded == "fake$" + std::string(password);
  }
  int hashes = 0;  // how often hash() ran: the costly part of the real one
};

}  // namespace fleetdeck::users::testing
