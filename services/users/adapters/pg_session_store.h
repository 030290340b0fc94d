// SessionStore on PostgreSQL: refresh-token families and failed sign-ins.
#pragma once

#include "fleetdeck/db/connection_pool.h"
#include "ports/session_store.h"

namespace fleetdeck::users {

class PgSessionStore final : public SessionStore {
 public:
  explicit PgSessionStore(db::ConnectionPool& pool) : pool_(pool) {}

  Result<bool> storeToken(const NewRefreshToken& token) override;
  Result<std::optional<std::string>> ownerOf(const std::string& tokenHash) override;
  Result<RotateResult> rotate(const std::string& tokenHash, NewRefreshToken replacement, int64_t nowMicros) override;
  Status revokeFamilyOf(const std::string& tokenHash) override;
  Status revokeAllOfUser(const std::string& userId) override;
  Result<AttemptClaim> claimAttempt(const std::vector<AttemptLimit>& limits, int64_t nowMicros,
                                    int64_t sinceMicros) override;
  Status forgetAttempt(const std::string& attemptId) override;
  Status clearFailures(const std::string& subject) override;

 private:
  db::ConnectionPool& pool_;
};

}  // namespace fleetdeck::users
