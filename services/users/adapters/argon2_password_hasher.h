// argon2id password hashing with OWASP's recommended parameters (19 MiB, 2 passes, 1 lane).
#pragma once

#include "ports/password_hasher.h"

namespace fleetdeck::users {

struct Argon2Parameters {
  uint32_t memoryKiB = 19 * 1024;
  uint32_t iterations = 2;
  uint32_t parallelism = 1;
};

class Argon2PasswordHasher final : public PasswordHasher {
 public:
  explicit Argon2PasswordHasher(Argon2Parameters parameters = {}) : parameters_(parameters) {}
  Result<std::string> hash(std::string_view password) override;
  bool verify(std::string_view password, const std::string& encodedHash) override;

 private:
  Argon2Parameters parameters_;
};

}  // namespace fleetdeck::users
