#include "fleetdeck/auth/key_ring.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "fleetdeck/core/atomic_file.h"
#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/core/json.h"

namespace fleetdeck::auth {
namespace fs = std::filesystem;

Result<KeyRing> KeyRing::of(std::vector<RingKey> keys) {
  if (keys.empty()) return invalidArgument("a key ring needs at least one key");
  std::set<std::string> seen;
  for (const auto& entry : keys) {
    if (entry.key.kid().empty()) return invalidArgument("a key has an empty kid");
    if (!seen.insert(entry.key.kid()).second) return invalidArgument("kid " + entry.key.kid() + " appears twice");
  }
  if (!keys.front().key.canSign()) return invalidArgument("the current key cannot sign");
  KeyRing ring;
  ring.keys_ = std::move(keys);
  return ring;
}

const SigningKey* KeyRing::find(std::string_view kid) const {
  for (const auto& entry : keys_) {
    if (entry.key.kid() == kid) return &entry.key;
  }
  return nullptr;
}

Result<KeyRing> KeyRing::rotated(Algorithm algorithm, size_t keepPrevious, int64_t now) const {
  auto fresh = SigningKey::generate(algorithm, randomHex(8));
  if (!fresh) return fresh.status();
  std::vector<RingKey> keys{{std::move(*fresh), now}};
  for (size_t i = 0; i < keys_.size() && i < keepPrevious; ++i) keys.push_back(keys_[i]);
  return of(std::move(keys));
}

std::string KeyRing::toJson() const {
  boost::json::array keys;
  for (const auto& entry : keys_) {
    keys.push_back(boost::json::object{{"kid", entry.key.kid()},
                                       {"alg", algorithmName(entry.key.algorithm())},
                                       {"created", entry.createdAt},
                                       {"private", base64UrlEncode(entry.key.exportPrivate())}});
  }
  return boost::json::serialize(boost::json::object{{"keys", std::move(keys)}}) + "\n";
}

Result<KeyRing> KeyRing::fromJson(std::string_view text, std::string_view sourceName) {
  const std::string where(sourceName);
  std::string error;
  auto parsed = json::parse(text, &error);
  if (!parsed || !parsed->is_object()) return invalidArgument(where + ": not a JSON object " + error);
  const auto* keys = parsed->as_object().if_contains("keys");
  if (keys == nullptr || !keys->is_array()) return invalidArgument(where + ": missing \"keys\" array");
  std::vector<RingKey> ring;
  for (size_t i = 0; i < keys->as_array().size(); ++i) {
    const std::string at = where + ": keys[" + std::to_string(i) + "]";
    const auto* entry = keys->as_array()[i].if_object();
    if (entry == nullptr) return invalidArgument(at + " is not an object");
    const auto algorithm = parseAlgorithm(json::stringOr(*entry, "alg"));
    if (!algorithm) return invalidArgument(at + ".alg must be HS256, EdDSA or RS256");
    const std::string kid = json::stringOr(*entry, "kid");
    auto material = base64UrlDecode(json::stringOr(*entry, "private"));
    if (!material || material->empty()) return invalidArgument(at + ".private is not base64url");
    Result<SigningKey> key = *algorithm == Algorithm::kHs256   ? SigningKey::hmacSecret(kid, *material)
                             : *algorithm == Algorithm::kEdDsa ? SigningKey::ed25519Seed(kid, *material)
                                                               : SigningKey::privatePem(*algorithm, kid, *material);
    if (!key) return invalidArgument(at + ": " + key.status().message());
    int64_t created = 0;
    if (const auto* value = entry->if_contains("created"); value != nullptr && value->is_int64()) {
      created = value->as_int64();
    }
    ring.push_back({std::move(*key), created});
  }
  auto result = of(std::move(ring));
  if (!result) return invalidArgument(where + ": " + result.status().message());
  return result;
}

Status writeKeyFile(const fs::path& path, const KeyRing& ring) {
  std::error_code error;
  if (path.has_parent_path() && !fs::exists(path.parent_path())) {
    fs::create_directories(path.parent_path(), error);
    if (error) return unavailable("cannot create " + path.parent_path().string() + ": " + error.message());
    fs::permissions(path.parent_path(), fs::perms::owner_all, error);
  }
  // Created 0600 from the start: the secret is never readable by others, not even for a moment.
  return writeFileAtomically(path, ring.toJson(), 0600);
}

Result<KeyRing> loadOrCreateKeyFile(const KeyFileOptions& options, int64_t now) {
  const fs::path& path = options.path;
  if (path.empty()) return invalidArgument("auth.key_file is empty");
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno != ENOENT) return unavailable("cannot read " + path.string() + ": " + std::strerror(errno));
    auto key = SigningKey::generate(options.algorithm, randomHex(8));
    if (!key) return key.status();
    auto ring = KeyRing::of({{std::move(*key), now}});
    if (!ring) return ring.status();
    FLEETDECK_RETURN_IF_ERROR(writeKeyFile(path, *ring));
    return ring;
  }
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return failedPrecondition(path.string() + " holds signing keys but others may read it; run: chmod 600 " +
                              path.string());
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) return unavailable("cannot read " + path.string());
  auto ring = KeyRing::fromJson(text.str(), path.string());
  if (!ring) return ring.status();
  const bool wrongAlgorithm = ring->current().algorithm() != options.algorithm;
  const bool tooOld = options.rotateAfter.count() > 0 && now - ring->currentCreatedAt() >= options.rotateAfter.count();
  if (!wrongAlgorithm && !tooOld) return ring;
  if (wrongAlgorithm && options.rotateAfter.count() == 0) {
    // rotate_after = 0 means the key ring is managed outside (a Secret every replica mounts): a key
    // this process made for itself would sign tokens no other replica can verify, and a new one
    // would appear on every restart.
    return failedPrecondition(path.string() + " signs with " + std::string(algorithmName(ring->current().algorithm())) +
                              " but auth.algorithm asks for " + std::string(algorithmName(options.algorithm)) +
                              "; with auth.rotate_after = 0 the key file is managed outside this process: put a " +
                              std::string(algorithmName(options.algorithm)) + " key first in it, or set auth.algorithm to match");
  }
  auto rotated = ring->rotated(options.algorithm, options.keepPrevious, now);
  if (!rotated) return rotated.status();
  FLEETDECK_RETURN_IF_ERROR(writeKeyFile(path, *rotated));
  return rotated;
}

}  // namespace fleetdeck::auth
