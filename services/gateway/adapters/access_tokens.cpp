#include "adapters/access_tokens.h"

#include <algorithm>

#include "fleetdeck/auth/roles.h"
#include "fleetdeck/http/message.h"

namespace fleetdeck::gateway {

Result<Principal> AccessTokens::authenticate(std::optional<std::string_view> authorization) const {
  if (!authorization) return Principal{};
  std::string_view value = *authorization;
  constexpr std::string_view kScheme = "Bearer ";
  if (value.size() <= kScheme.size() || !http::equalsIgnoreCase(value.substr(0, kScheme.size()), kScheme)) {
    return unauthenticated("the Authorization header must be 'Bearer <access token>'");
  }
  value.remove_prefix(kScheme.size());
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  auto claims = verified_.verify(ring_, value, verifyOptions_, auth::unixNow());
  if (!claims) return claims.status();
  if (!auth::isUserRole(claims->role)) return unauthenticated("invalid access token: unknown role");
  if (refused(claims->subject, claims->accountVersion, claims->issuedAt)) {
    return unauthenticated("access token signed before this account's access changed; refresh it or sign in again");
  }
  Principal principal{std::move(claims->subject), std::move(claims->role), std::move(claims->username),
                      std::move(claims->sessionId)};
  principal.accountVersion = claims->accountVersion;
  principal.issuedAt = claims->issuedAt;
  principal.expiresAt = claims->expiresAt;
  return principal;
}

bool AccessTokens::refused(const std::string& userId, int64_t accountVersion, int64_t issuedAt) const {
  if (refusedCount_.load(std::memory_order_acquire) == 0) return false;
  std::shared_lock lock(refusedMutex_);
  const auto found = refused_.find(userId);
  if (found == refused_.end()) return false;
  // A token without a version, or a change published without one, falls back to the issue time.
  return accountVersion > 0 && found->second.minVersion > 0 ? accountVersion < found->second.minVersion
                                                              : issuedAt < found->second.changedSecond;
}

bool AccessTokens::stillValid(const Principal& principal) const {
  if (principal.anonymous()) return true;
  if (principal.expiresAt > 0 && auth::unixNow() >= principal.expiresAt + options_.leeway.count()) return false;
  return !refused(principal.userId, principal.accountVersion, principal.issuedAt);
}

void AccessTokens::refuseOlderThan(const std::string& userId, int64_t version, int64_t changedAtMicros) {
  // Tokens without a version issued in the second of the change are kept: their iat has no finer
  // grain, and a refresh right after the change must not be refused.
  const int64_t second = changedAtMicros / 1'000'000;
  const int64_t forgetBefore = auth::unixNow() - options_.ttl.count() - options_.leeway.count();
  std::unique_lock lock(refusedMutex_);
  Refusal& refusal = refused_[userId];
  refusal.minVersion = std::max(refusal.minVersion, version);
  refusal.changedSecond = std::max(refusal.changedSecond, second);
  std::erase_if(refused_, [forgetBefore](const auto& entry) { return entry.second.changedSecond < forgetBefore; });
  refusedCount_.store(refused_.size(), std::memory_order_release);
}

Result<std::string> AccessTokens::issue(const Principal& principal) const {
  const int64_t now = auth::unixNow();
  auth::Claims claims;
  claims.subject = principal.userId;
  claims.role = principal.role;
  claims.username = principal.username;
  claims.sessionId = principal.sessionId;
  claims.accountVersion = principal.accountVersion;
  claims.issuer = options_.issuer;
  claims.audience = options_.audience;
  claims.issuedAt = now;
  claims.notBefore = now;
  claims.expiresAt = now + options_.ttl.count();
  return auth::signToken(ring_, claims);
}

}  // namespace fleetdeck::gateway
