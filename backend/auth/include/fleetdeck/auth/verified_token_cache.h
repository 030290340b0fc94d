// A bounded memory of access tokens that passed verification, so a client sending the same bearer
// token on every request pays for the signature check and the JSON parsing once (as Envoy's
// jwt_authn token cache does), not on each request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "fleetdeck/auth/jwt.h"

namespace fleetdeck::auth {

class VerifiedTokenCache {
 public:
  explicit VerifiedTokenCache(size_t capacity = 4096) : capacity_(capacity) {}

  // The answer of verifyToken(ring, token, options, nowSeconds). A token that passed before is
  // answered from memory as long as it has not expired since (nbf and iat only ever become more
  // true); failures are never remembered. The key is the whole token text, signature included, so
  // any change to a token is a miss. One cache serves one ring and one set of options: call
  // clear() when either changes.
  Result<Claims> verify(const KeyRing& ring, std::string_view token, const VerifyOptions& options, int64_t nowSeconds);

  void clear();
  size_t size() const;
  size_t capacity() const { return capacity_; }

 private:
  void makeRoom(int64_t nowSeconds, int64_t leeway);

  const size_t capacity_;
  mutable std::mutex mutex_;
  // Looked up by the token's view: no copy of a token (hundreds of bytes) per request. Hashed by its
  // last 32 bytes, which are signature: tokens that differ anywhere else differ there too, unless one
  // was forged, and a forged token is never stored, so no bucket fills up with them. Equality still
  // compares the whole text. (Hashing all 340 bytes of a typical token was 2 % of the gateway's
  // instructions per proxied request.)
  struct TokenHash {
    using is_transparent = void;
    size_t operator()(std::string_view token) const {
      constexpr size_t kSignatureTail = 32;
      return std::hash<std::string_view>{}(token.size() > kSignatureTail ? token.substr(token.size() - kSignatureTail)
                                                                         : token);
    }
  };
  std::unordered_map<std::string, Claims, TokenHash, std::equal_to<>> entries_;
};

}  // namespace fleetdeck::auth
