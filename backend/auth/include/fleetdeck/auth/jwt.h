// JSON Web Tokens for access: issued with the current key of a KeyRing, verified with any of its
// keys by `kid`, with the algorithm pinned per key and exp, nbf, iat, iss and aud all checked.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "fleetdeck/auth/key_ring.h"
#include "fleetdeck/core/status.h"

namespace fleetdeck::auth {

struct Claims {
  std::string subject;  // sub: the user id
  std::string role;     // "customer", "operator" or "admin"
  std::string username;
  std::string issuer;    // iss
  std::string audience;  // aud
  std::string tokenId;   // jti
  std::string sessionId; // sid: the refresh-token family this access token came from
  int64_t issuedAt = 0;  // iat, seconds since the epoch
  int64_t notBefore = 0; // nbf
  int64_t expiresAt = 0; // exp
  // ver: the account's version when the token was signed (0: none). A change of the account's
  // access (role, status, password) is published with its new version; tokens of an older one are
  // refused from then on, whatever second they were issued in.
  int64_t accountVersion = 0;
};

// Encodes and signs `claims` with the ring's current key; the header carries alg, typ and kid.
Result<std::string> signToken(const KeyRing& ring, const Claims& claims);

struct VerifyOptions {
  std::string issuer;    // required value of iss
  std::string audience;  // required member of aud (a string or an array of strings)
  // Tolerated clock difference between the signer and this process.
  std::chrono::seconds leeway{30};
  // Longest accepted token text; longer ones are refused before any parsing.
  size_t maxTokenBytes = 8192;
};

// UNAUTHENTICATED with a reason meant for the client ("token expired", "signature mismatch", …)
// for anything that is not a valid token of ours at `nowSeconds`.
Result<Claims> verifyToken(const KeyRing& ring, std::string_view token, const VerifyOptions& options,
                           int64_t nowSeconds);

// Seconds since the epoch on the wall clock: what exp, nbf and iat count in.
int64_t unixNow();

}  // namespace fleetdeck::auth
