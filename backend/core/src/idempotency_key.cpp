#include "fleetdeck/core/idempotency_key.h"

namespace fleetdeck {

std::string idempotencyKeyProblem(std::string_view key) {
  if (key.size() > kMaxIdempotencyKeyLength) {
    return "must be at most " + std::to_string(kMaxIdempotencyKeyLength) + " characters long";
  }
  for (char c : key) {
    // Visible ASCII: it travels in an HTTP header, logs and SQL parameters unchanged.
    if (c <= 0x20 || c >= 0x7f) return "must contain only visible ASCII characters";
  }
  return {};
}

}  // namespace fleetdeck
