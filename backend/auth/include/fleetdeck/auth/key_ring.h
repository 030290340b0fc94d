// The keys a process signs and verifies tokens with: one current key (signs) and recent previous
// ones (still verify), so keys rotate without signing everyone out. Stored as a 0600 JSON file.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "fleetdeck/auth/signing_key.h"
#include "fleetdeck/core/status.h"

namespace fleetdeck::auth {

struct RingKey {
  SigningKey key;
  int64_t createdAt = 0;  // seconds since the epoch
};

class KeyRing {
 public:
  // keys.front() is the current key. INVALID_ARGUMENT when empty or a kid repeats.
  static Result<KeyRing> of(std::vector<RingKey> keys);

  const SigningKey& current() const { return keys_.front().key; }
  int64_t currentCreatedAt() const { return keys_.front().createdAt; }
  // nullptr for an unknown kid.
  const SigningKey* find(std::string_view kid) const;
  const std::vector<RingKey>& keys() const { return keys_; }

  // A new current key of `algorithm`; the old current one and up to `keepPrevious` - 1 older ones stay.
  Result<KeyRing> rotated(Algorithm algorithm, size_t keepPrevious, int64_t now) const;

  // {"keys":[{"kid","alg","created","private"}, …]} — private material base64url-encoded.
  std::string toJson() const;
  static Result<KeyRing> fromJson(std::string_view json, std::string_view sourceName);

 private:
  std::vector<RingKey> keys_;
};

struct KeyFileOptions {
  std::filesystem::path path;
  Algorithm algorithm = Algorithm::kHs256;
  // The current key is replaced once older than this (0: never); the replaced one still verifies.
  std::chrono::seconds rotateAfter{0};
  size_t keepPrevious = 1;
};

// Reads the ring from `options.path`, creating it (and its folder, 0700) with one new key on first
// start, written 0600 through a temporary file so a crash never leaves half a key. Rotates when
// the current key is older than rotateAfter or of another algorithm than configured; with
// rotateAfter 0 (the file is managed outside, e.g. a Secret shared by every replica) another
// algorithm is FAILED_PRECONDITION instead. Refuses a file that group or others may read
// (FAILED_PRECONDITION naming the path and the fix).
Result<KeyRing> loadOrCreateKeyFile(const KeyFileOptions& options, int64_t now);

// Writes the ring atomically with mode 0600.
Status writeKeyFile(const std::filesystem::path& path, const KeyRing& ring);

}  // namespace fleetdeck::auth
