// Turns passwords into slow salted hashes and checks them; argon2id in production, fast fakes in unit tests.
#pragma once

#include <string>
#include <string_view>

#include "fleetdeck/core/status.h"

namespace fleetdeck::users {

class PasswordHasher {
 public:
  virtual ~PasswordHasher() = default;
  virtual Result<std::string> hash(std::string_view password) = 0;
  virtual bool verify(std::string_view password, const std::string& encodedHash) = 0;
};

}  // namespace fleetdeck::users
