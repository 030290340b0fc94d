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
  // Whether a principal authenticated earlier still may act now: its token has not expired, and its
  // account's access has not changed since it was signed. What a long-lived stream checks before
  // every event it sends (it was authorised once, when it opened). Thread-safe.
  bool stillValid(const Principal& principal) const;
  // The user's access changed (role, status, password) to account version `version` at
  // `changedAtMicros`: their tokens signed for an older version are refused from now on, instead of
  // serving the old rights until they expire. Versions, not times, decide: a refresh that read the
  // account just before the change committed gets a token issued after it, but of the old version.
  // Tokens without a version (signed before versions were) are refused when issued in an earlier
  // second. Remembered for one token lifetime (older tokens have expired anyway). Thread-safe.
  void refuseOlderThan(const std::string& userId, int64_t version, int64_t changedAtMicros);
  int ttlSeconds() const { return static_cast<int>(options_.ttl.count()); }
  const AccessTokenOptions& options() const { return options_; }

 private:
  // Whether the account's access changed after a token of this version and issue time was signed.
  bool refused(const std::string& userId, int64_t accountVersion, int64_t issuedAt) const;

  auth::KeyRing ring_;
  AccessTokenOptions options_;
  auth::VerifyOptions verifyOptions_;  // built once: every request checks against the same values
  // The ring never changes after construction, so remembered verdicts stay true until exp.
  mutable auth::VerifiedTokenCache verified_;
  // What a user's tokens must be at least; the map is empty nearly always, and then the request path
  // takes no lock.
  struct Refusal {
    int64_t minVersion = 0;     // tokens with a lower ver are refused
    int64_t changedSecond = 0;  // tokens without ver issued before this unix second are refused
  };
  mutable std::shared_mutex refusedMutex_;
  std::unordered_map<std::string, Refusal> refused_;
  std::atomic<size_t> refusedCount_{0};
};

}  // namespace fleetdeck::gateway
