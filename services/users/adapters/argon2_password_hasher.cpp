#include "adapters/argon2_password_hasher.h"

#include <argon2.h>

#include "fleetdeck/core/ids.h"

namespace fleetdeck::users {
namespace {
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;
}  // namespace

Result<std::string> Argon2PasswordHasher::hash(std::string_view password) {
  const std::string salt = randomBytes(kSaltBytes);
  const size_t encodedLength = argon2_encodedlen(parameters_.iterations, parameters_.memoryKiB, parameters_.parallelism,
                                                 kSaltBytes, kHashBytes, Argon2_id);
  std::string encoded(encodedLength, '\0');
  const int result = argon2id_hash_encoded(parameters_.iterations, parameters_.memoryKiB, parameters_.parallelism,
                                           password.data(), password.size(), salt.data(), salt.size(), kHashBytes,
                                           encoded.data(), encoded.size());
  if (result != ARGON2_OK) return internalError(std::string("password hashing failed: ") + argon2_error_message(result));
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool Argon2PasswordHasher::verify(std::string_view password, const std::string& encodedHash) {
  return argon2id_verify(encodedHash.c_str(), password.data(), password.size()) == ARGON2_OK;
}

}  // namespace fleetdeck::users
