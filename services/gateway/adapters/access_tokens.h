// The gateway's side of authentication: it verifies the bearer token of every request and signs
// the access tokens that login and refresh return (the users service checks the credentials).
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "domain/access_policy.h"
#include "fleetdeck/auth/jwt.h"
#include "fleetdeck/auth/key_ring.h"
#include "fleetdeck/auth/verified_token_cache.h"
#include "fleetdeck/core/status.h"

namespace fleetdeck::gateway {

struct AccessTokenOptions {
  std::string issuer = "fleetdeck";
  std::string audience = "fleetdeck-api";
  std::chrono::seconds ttl{900};
  std::chrono::seconds leeway{30};
  size_t verifiedCacheEntries = 4096;
};

class AccessTokens {
 public:
  AccessTokens(auth::KeyRing ring, AccessTokenOptions options)
      : ring_(std::move(ring)),
        options_(std::move(options)),
        verifyOptions_{.issuer = options_.issuer, .audience = options_.audience, .leeway = options_.leeway},
        verified_(options_.verifiedCacheEntries) {}

  // The principal of an Authorization header: anonymous when absent; UNAUTHENTICATED for a
  // header that is not "Bearer <valid token>".
  Result<Principal> authenticate(std::optional<std::string_view> authorization) const;
  Result<std::string> issue(const Principal& principal) const;
  // The user's access changed at `changedAtMicros` (role, status, password): their tokens issued in an
  // earlier second are refused from now on, instead of serving the old rights until they expire.
  // Remembered for one token lifetime (older tokens have expired anyway). Thread-safe.
  void refuseIssuedBefore(const std::string& userId, int64_t changedAtMicros);
  int ttlSeconds() const { return static_cast<int>(options_.ttl.count()); }
  const AccessTokenOptions& options() const { return options_; }

 private:
  auth::KeyRing ring_;
  AccessTokenOptions options_;
  auth::VerifyOptions verifyOptions_;  // built once: every request checks against the same values
  // The ring never changes after construction, so remembered verdicts stay true until exp.
  mutable auth::VerifiedTokenCache verified_;
  // user id -> unix second before which their tokens are refused; empty nearly always, and then
  // the request path takes no lock.
  mutable std::shared_mutex refusedMutex_;
  std::unordered_map<std::string, int64_t> refusedBefore_;
  std::atomic<size_t> refusedCount_{0};
};

}  // namespace fleetdeck::gateway
