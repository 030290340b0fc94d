#include "adapters/access_tokens.h"

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
  return Principal{std::move(claims->subject), std::move(claims->role), std::move(claims->username),
                   std::move(claims->sessionId)};
}

Result<std::string> AccessTokens::issue(const Principal& principal) const {
  const int64_t now = auth::unixNow();
  auth::Claims claims;
  claims.subject = principal.userId;
  claims.role = principal.role;
  claims.username = principal.username;
  claims.sessionId = principal.sessionId;
  claims.issuer = options_.issuer;
  claims.audience = options_.audience;
  claims.issuedAt = now;
  claims.notBefore = now;
  claims.expiresAt = now + options_.ttl.count();
  return auth::signToken(ring_, claims);
}

}  // namespace fleetdeck::gateway
