// Where refresh-token families and failed sign-ins are kept; the PostgreSQL adapter implements it.
#pragma once

#include <cstdint>
#include <optional>
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
  // The account's version as the caller read it when it checked the password or the status: the token
  // is stored only if the account is still at that version and active. A password reset, a disable or
  // a role change that committed meanwhile (while argon2 ran) refuses it, instead of a session that
  // outlives the reset.
  int64_t userVersion = 0;
};

enum class RotateOutcome {
  kRotated,  // the old token is retired and the new one stored
  kUnknown,  // no such token
  kReused,   // the token was already rotated: its family is now revoked
  kRevoked,  // the family was revoked before (logout, reuse, password change)
  kExpired,
  kAccountChanged,  // the account is no longer at replacement.userVersion, or not active: nothing changed
};

struct RotateResult {
  RotateOutcome outcome = RotateOutcome::kUnknown;
  std::string userId;
  std::string familyId;
};

// A subject ("account:<name>", "address:<ip>") and how many failures it may have in the window.
struct AttemptLimit {
  std::string subject;
  int64_t limit = 0;
};

struct AttemptClaim {
  bool granted = false;
  std::string attemptId;     // granted: names the failure rows standing for this attempt
  int64_t oldestMicros = 0;  // refused: the earliest failure of the full subject still in the window
};

class SessionStore {
 public:
  virtual ~SessionStore() = default;

  // Stores a new family's first token; false (nothing stored) when the account is no longer at
  // token.userVersion or not active.
  virtual Result<bool> storeToken(const NewRefreshToken& token) = 0;
  // The account a refresh token belongs to (whatever its state); nullopt for an unknown token.
  virtual Result<std::optional<std::string>> ownerOf(const std::string& tokenHash) = 0;
  // In one transaction: finds the token by hash and, when it is current and its account still at
  // replacement.userVersion and active, retires it and stores `replacement` in the same family
  // (replacement.familyId and userId are filled from the old one). A reused token revokes its
  // family, and that revocation is committed even though the call fails.
  virtual Result<RotateResult> rotate(const std::string& tokenHash, NewRefreshToken replacement, int64_t nowMicros) = 0;
  // Revokes the family of the token with this hash; OK when there is none.
  virtual Status revokeFamilyOf(const std::string& tokenHash) = 0;
  virtual Status revokeAllOfUser(const std::string& userId) = 0;

  // Atomically for its subjects (claims for one subject wait for each other): when every subject has
  // fewer failures since `sinceMicros` than its limit, records this attempt as a failure of each and
  // grants it, so an attempt counts while its password is being checked and concurrent guesses cannot
  // all pass the check; otherwise refuses it. Forgets failures from before `sinceMicros`.
  virtual Result<AttemptClaim> claimAttempt(const std::vector<AttemptLimit>& limits, int64_t nowMicros,
                                            int64_t sinceMicros) = 0;
  // A granted attempt that succeeded: its failure rows go.
  virtual Status forgetAttempt(const std::string& attemptId) = 0;
  virtual Status clearFailures(const std::string& subject) = 0;
};

}  // namespace fleetdeck::users
