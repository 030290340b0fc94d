// Where refresh-token families and failed sign-ins are kept; the PostgreSQL adapter implements it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fleetdeck/core/status.h"

namespace fleetdeck::users {

struct NewRefreshToken {
  std::string id;
  std::string familyId;
  std::string userId;
  std::string tokenHash;
  std::string clientAddress;
  int64_t expiresAtMicros = 0;
};

enum class RotateOutcome {
  kRotated,  // the old token is retired and the new one stored
  kUnknown,  // no such token
  kReused,   // the token was already rotated: its family is now revoked
  kRevoked,  // the family was revoked before (logout, reuse, password change)
  kExpired,
};

struct RotateResult {
  RotateOutcome outcome = RotateOutcome::kUnknown;
  std::string userId;
  std::string familyId;
};

struct FailureWindow {
  int64_t count = 0;
  int64_t oldestMicros = 0;  // the earliest failure still inside the window
};

class SessionStore {
 public:
  virtual ~SessionStore() = default;

  virtual Status storeToken(const NewRefreshToken& token) = 0;
  // In one transaction: finds the token by hash and, when it is current, retires it and stores
  // `replacement` in the same family (replacement.familyId and userId are filled from the old one).
  // A reused token revokes its family, and that revocation is committed even though the call fails.
  virtual Result<RotateResult> rotate(const std::string& tokenHash, NewRefreshToken replacement, int64_t nowMicros) = 0;
  // Revokes the family of the token with this hash; OK when there is none.
  virtual Status revokeFamilyOf(const std::string& tokenHash) = 0;
  virtual Status revokeAllOfUser(const std::string& userId) = 0;

  virtual Result<FailureWindow> recentFailures(const std::string& subject, int64_t sinceMicros) = 0;
  // Records one failure for each subject and forgets failures older than `forgetBeforeMicros`.
  virtual Status recordFailure(const std::vector<std::string>& subjects, int64_t nowMicros,
                               int64_t forgetBeforeMicros) = 0;
  virtual Status clearFailures(const std::string& subject) = 0;
};

}  // namespace fleetdeck::users
