// UserRepository on PostgreSQL (libpqxx), the only code of the users service that speaks SQL.
#pragma once

#include "fleetdeck/db/connection_pool.h"
#include "ports/user_repository.h"

namespace fleetdeck::users {

class PgUserRepository final : public UserRepository {
 public:
  explicit PgUserRepository(db::ConnectionPool& pool) : pool_(pool) {}

  Result<User> insert(const User& user, const CreateKey& key, const ChangeContext& context) override;
  Result<std::optional<std::pair<User, std::string>>> findCreatedWith(const std::string& idempotencyKey) override;
  Result<User> findById(const std::string& id) override;
  Result<User> findByUsername(const std::string& username) override;
  Result<UserPage> list(const UserQuery& query) override;
  Result<User> update(const std::string& id, const UserChanges& changes, int64_t expectedVersion,
                      const ChangeContext& context) override;
  Result<User> updatePasswordHash(const std::string& id, const std::string& passwordHash,
                                  const ChangeContext& context) override;
  Result<db::AuditPage> listAudit(const db::AuditQuery& query) override;
  Result<User> updateOwn(const std::string& id, const OwnChanges& changes, int64_t expectedVersion,
                         const ChangeContext& context) override;

 private:
  db::ConnectionPool& pool_;
};

}  // namespace fleetdeck::users
