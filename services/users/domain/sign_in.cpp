#include "domain/sign_in.h"

#include <algorithm>
#include <cctype>

#include "fleetdeck/core/client_address.h"
#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/ids.h"

namespace fleetdeck::users {
namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
const char* const kBadCredentials = "username or password is incorrect";

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

Status invalidRefreshToken() { return unauthenticated("refresh token is not valid; sign in again"); }

}  // namespace

std::string newRefreshToken() { return "rt1_" + base64UrlEncode(randomBytes(32)); }
std::string refreshTokenHash(const std::string& token) { return sha256Hex(token); }

SignIn::SignIn(UserAccounts& accounts, UserRepository& repository, PasswordHasher& hasher, SessionStore& sessions,
               SignInOptions options, MicrosClock now)
    : accounts_(accounts),
      repository_(repository),
      hasher_(hasher),
      sessions_(sessions),
      options_(options),
      now_(std::move(now)) {}

Result<std::string> SignIn::dummyHash() {
  // A real hash of a random password: verifying against it costs what a real verification costs. A
  // failed hash is not kept: verifying against an empty one would answer an unknown user at once.
  std::lock_guard lock(dummyMutex_);
  if (dummyHash_.empty()) {
    auto hash = hasher_.hash(base64UrlEncode(randomBytes(18)));
    if (!hash) return hash.status();
    dummyHash_ = std::move(*hash);
  }
  return dummyHash_;
}

Status SignIn::prepare() { return dummyHash().status(); }

Result<User> SignIn::registerCustomer(NewUser user, const ChangeContext& context) {
  user.role = std::string(kRoleCustomer);
  return accounts_.create(std::move(user), context);
}

Result<SessionGrant> SignIn::grant(User user, const std::string& familyId, const std::string& clientAddress) {
  SessionGrant session;
  session.refreshToken = newRefreshToken();
  session.familyId = familyId;
  session.refreshExpiresInSeconds = options_.refreshTtl.count();
  NewRefreshToken token{newUuid(), familyId, user.id, refreshTokenHash(session.refreshToken), clientAddress,
                        now_() + options_.refreshTtl.count() * kMicrosPerSecond, user.version};
  for (int attempt = 1;; ++attempt) {
    auto stored = sessions_.storeToken(token);
    if (!stored) return stored.status();
    if (*stored) break;
    // The account changed while the password was being checked. A new password or a disable ends
    // this sign-in; anything else (a display name, a role) is read again and signed as it is now.
    const std::string checkedHash = user.passwordHash;
    auto current = repository_.findById(user.id);
    if (!current) return current.status();
    if (current->status != kStatusActive || current->passwordHash != checkedHash) {
      return unauthenticated("the account changed while signing in; sign in again");
    }
    if (attempt == 3) return unavailable("the account kept changing during the sign-in; try again");
    user = std::move(*current);
    token.userVersion = user.version;
  }
  session.user = std::move(user);
  return session;
}

Result<SessionGrant> SignIn::login(const std::string& username, const std::string& password,
                                   const std::string& clientAddress, int64_t& retryAfterSeconds) {
  ValidationErrors errors;
  if (username.empty()) errors.add("username", "is required");
  if (password.empty()) errors.add("password", "is required");
  if (username.size() > 64) errors.add("username", "must be at most 64 characters long");
  if (password.size() > 1024) errors.add("password", "must be at most 1024 characters long");
  FLEETDECK_RETURN_IF_ERROR(errors.toStatus());

  const int64_t now = now_();
  const int64_t windowMicros = options_.failureWindow.count() * kMicrosPerSecond;
  const std::string accountSubject = "account:" + lower(username);
  const std::string addressSubject =
      "address:" + (clientAddress.empty() ? std::string("unknown") : throttledAddress(clientAddress));
  // The attempt counts as a failure of both subjects from before its password is checked until it
  // succeeds, so parallel guesses cannot all slip under the limit.
  auto claim = sessions_.claimAttempt(
      {{accountSubject, options_.maxFailuresPerAccount}, {addressSubject, options_.maxFailuresPerAddress}}, now,
      now - windowMicros);
  if (!claim) return claim.status();
  if (!claim->granted) {
    const int64_t waitMicros = std::max<int64_t>(claim->oldestMicros + windowMicros - now, kMicrosPerSecond);
    retryAfterSeconds = (waitMicros + kMicrosPerSecond - 1) / kMicrosPerSecond;
    return resourceExhausted("too many failed sign-ins; try again in " + std::to_string(retryAfterSeconds) +
                             " seconds");
  }

  auto user = repository_.findByUsername(lower(username));
  if (!user && user.status().code() != StatusCode::kNotFound) return user.status();
  // Verify even for an unknown user, so both failures take the same time.
  std::string unknownUsersHash;
  if (!user) {
    auto dummy = dummyHash();
    if (!dummy) return dummy.status();
    unknownUsersHash = std::move(*dummy);
  }
  const bool verified = hasher_.verify(password, user ? user->passwordHash : unknownUsersHash) && user.isOk();
  if (!verified) return unauthenticated(kBadCredentials);  // the claimed attempt stays, as a failure
  FLEETDECK_RETURN_IF_ERROR(sessions_.forgetAttempt(claim->attemptId));
  if (user->status != kStatusActive) return unauthenticated("this account is disabled");
  FLEETDECK_RETURN_IF_ERROR(sessions_.clearFailures(accountSubject));
  return grant(std::move(*user), newUuid(), clientAddress);
}

Result<SessionGrant> SignIn::refresh(const std::string& refreshToken, const std::string& clientAddress) {
  if (refreshToken.empty()) return invalidField("refreshToken", "is required");
  if (refreshToken.size() > 256) return invalidRefreshToken();
  const std::string tokenHash = refreshTokenHash(refreshToken);
  auto owner = sessions_.ownerOf(tokenHash);
  if (!owner) return owner.status();
  if (!*owner) return invalidRefreshToken();
  // The account is read before the rotation, and the rotation commits only if it is still that
  // version: a failure after the rotation can no longer leave a new token that no client received
  // (its retry with the old one would have counted as reuse and revoked the family), and a disable or
  // role change committed in between is not signed into the new session.
  for (int attempt = 1;; ++attempt) {
    auto user = repository_.findById(**owner);
    if (!user && user.status().code() == StatusCode::kNotFound) return invalidRefreshToken();
    if (!user) return user.status();
    if (user->status != kStatusActive) {
      FLEETDECK_RETURN_IF_ERROR(sessions_.revokeAllOfUser(user->id));
      return unauthenticated("this account is disabled");
    }
    SessionGrant session;
    session.refreshToken = newRefreshToken();
    session.refreshExpiresInSeconds = options_.refreshTtl.count();
    const int64_t now = now_();
    NewRefreshToken replacement{newUuid(), "", "", refreshTokenHash(session.refreshToken), clientAddress,
                                now + options_.refreshTtl.count() * kMicrosPerSecond, user->version};
    auto rotated = sessions_.rotate(tokenHash, replacement, now);
    if (!rotated) return rotated.status();
    switch (rotated->outcome) {
      case RotateOutcome::kRotated:
        session.familyId = rotated->familyId;
        session.user = std::move(*user);
        return session;
      case RotateOutcome::kAccountChanged:
        // Changed since it was read a moment ago: read it again (a disable is refused above).
        if (attempt < 3) continue;
        return unavailable("the account changed during the refresh; try again");
      case RotateOutcome::kReused:
        return unauthenticated("refresh token was already used; every session of that sign-in is now revoked");
      case RotateOutcome::kRevoked:
      case RotateOutcome::kExpired:
      case RotateOutcome::kUnknown:
        return invalidRefreshToken();
    }
    return invalidRefreshToken();
  }
}

Status SignIn::logout(const std::string& refreshToken) {
  if (refreshToken.empty()) return invalidField("refreshToken", "is required");
  return sessions_.revokeFamilyOf(refreshTokenHash(refreshToken));
}

Result<User> SignIn::me(const std::string& actor) {
  if (!isUuid(actor)) return unauthenticated("sign in to see your account");
  auto user = repository_.findById(actor);
  if (!user && user.status().code() == StatusCode::kNotFound) return unauthenticated("your account no longer exists");
  return user;
}

Result<User> SignIn::updateMe(const std::string& actor, const MeChanges& changes, const ChangeContext& context) {
  auto current = me(actor);
  if (!current) return current;
  // An access token outlives a disable by up to its lifetime: not long enough to take the account
  // (a new email, a new password) out of the admin's hands.
  if (current->status != kStatusActive) return permissionDenied("this account is disabled");
  if (!changes.displayName && !changes.email && !changes.password) {
    return invalidArgument("nothing to change: send displayName, email or password",
                           {{"body", "names no field to change"}});
  }
  UserChanges profile;
  profile.displayName = changes.displayName;
  profile.email = changes.email;
  if (!profile.empty()) FLEETDECK_RETURN_IF_ERROR(validateChanges(profile));
  OwnChanges own{profile.email, profile.displayName, std::nullopt};
  if (changes.password) {
    if (changes.currentPassword.empty()) return invalidField("currentPassword", "is required to set a new password");
    if (const std::string problem = passwordProblem(*changes.password, current->username); !problem.empty()) {
      return invalidField("password", problem);
    }
    // Guesses at the current password count like failed sign-ins of the account: someone holding
    // a stolen session must not get unlimited tries at the password that would make it theirs.
    const int64_t now = now_();
    const int64_t windowMicros = options_.failureWindow.count() * kMicrosPerSecond;
    auto claim = sessions_.claimAttempt({{"account:" + lower(current->username), options_.maxFailuresPerAccount}},
                                        now, now - windowMicros);
    if (!claim) return claim.status();
    if (!claim->granted) {
      const int64_t waitSeconds =
          (std::max<int64_t>(claim->oldestMicros + windowMicros - now, kMicrosPerSecond) + kMicrosPerSecond - 1) /
          kMicrosPerSecond;
      return resourceExhausted("too many wrong passwords; try again in " + std::to_string(waitSeconds) + " seconds");
    }
    if (!hasher_.verify(changes.currentPassword, current->passwordHash)) {
      return invalidField("currentPassword", "is not your current password");  // the claim stays, as a failure
    }
    FLEETDECK_RETURN_IF_ERROR(sessions_.forgetAttempt(claim->attemptId));
    // Hashed before anything is written: a failed hash changes nothing, not even the profile fields.
    auto hash = hasher_.hash(*changes.password);
    if (!hash) return hash.status();
    own.passwordHash = std::move(*hash);
  }
  // Written only over the version read above, whose password was verified and which was active. The
  // new password ends every session in the same transaction (nothing is left to revoke after it).
  const std::string verifiedHash = current->passwordHash;
  for (int attempt = 1;; ++attempt) {
    auto updated = repository_.updateOwn(actor, own, current->version, context);
    if (updated.isOk() || updated.status().code() != StatusCode::kAborted) {
      if (!updated && updated.status().code() == StatusCode::kNotFound) {
        return unauthenticated("your account no longer exists");
      }
      return updated;
    }
    // Changed since it was read, as in grant(): a disable, or a new password for a password change,
    // ends this change; anything else (an admin's edit of the name) is read again and applied over it.
    current = me(actor);
    if (!current) return current;
    if (current->status != kStatusActive) return permissionDenied("this account is disabled");
    if (own.passwordHash && current->passwordHash != verifiedHash) {
      return failedPrecondition("the account changed meanwhile (its password was reset); sign in again");
    }
    if (attempt == 3) return unavailable("the account kept changing during the update; try again");
  }
}

}  // namespace fleetdeck::users
