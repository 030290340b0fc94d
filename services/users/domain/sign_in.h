// Signing in: registration, login with throttling, refresh-token rotation with reuse detection,
// logout, and the signed-in user's own profile. Access tokens are signed by the gateway, not here:
// this service owns credentials, the gateway owns the token key (see docs/operations.md, "Rotating the JWT key").
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "domain/user.h"
#include "domain/user_accounts.h"
#include "ports/password_hasher.h"
#include "ports/session_store.h"
#include "ports/user_repository.h"

namespace fleetdeck::users {

struct SignInOptions {
  std::chrono::seconds refreshTtl{std::chrono::hours(24 * 30)};
  // Failed sign-ins tolerated inside `failureWindow` before further attempts are refused.
  int maxFailuresPerAccount = 5;
  int maxFailuresPerAddress = 50;
  std::chrono::seconds failureWindow{std::chrono::minutes(15)};
};

struct SessionGrant {
  User user;
  std::string refreshToken;  // shown once, stored only hashed
  std::string familyId;
  int64_t refreshExpiresInSeconds = 0;
};

struct MeChanges {
  std::optional<std::string> displayName;
  std::optional<std::string> email;
  std::optional<std::string> password;
  std::string currentPassword;
};

class SignIn {
 public:
  using MicrosClock = std::function<int64_t()>;

  SignIn(UserAccounts& accounts, UserRepository& repository, PasswordHasher& hasher, SessionStore& sessions,
         SignInOptions options, MicrosClock now);

  // Prepares what sign-in needs before the first one (the hash unknown users are verified against,
  // so they take as long as a wrong password from the first on); an error fails the start.
  Status prepare();

  // A new customer account; the role cannot be chosen here.
  Result<User> registerCustomer(NewUser user, const ChangeContext& context);

  // UNAUTHENTICATED "username or password is incorrect" for an unknown user and a wrong password
  // alike (and in about the same time); RESOURCE_EXHAUSTED with `retryAfterSeconds` set when the
  // account or the address failed too often recently.
  Result<SessionGrant> login(const std::string& username, const std::string& password,
                             const std::string& clientAddress, int64_t& retryAfterSeconds);
  // UNAUTHENTICATED for an unknown, expired, revoked or reused token (reuse revokes the family).
  Result<SessionGrant> refresh(const std::string& refreshToken, const std::string& clientAddress);
  Status logout(const std::string& refreshToken);

  // UNAUTHENTICATED when `actor` is not a signed-in user.
  Result<User> me(const std::string& actor);
  Result<User> updateMe(const std::string& actor, const MeChanges& changes, const ChangeContext& context);

 private:
  Result<SessionGrant> grant(User user, const std::string& familyId, const std::string& clientAddress);
  Result<std::string> dummyHash();

  UserAccounts& accounts_;
  UserRepository& repository_;
  PasswordHasher& hasher_;
  SessionStore& sessions_;
  SignInOptions options_;
  MicrosClock now_;
  std::mutex dummyMutex_;
  std::string dummyHash_;
};

// Refresh tokens: "rt1_" + 43 base64url characters (256 random bits), and the hash stored for one.
std::string newRefreshToken();
std::string refreshTokenHash(const std::string& token);

}  // namespace fleetdeck::users
