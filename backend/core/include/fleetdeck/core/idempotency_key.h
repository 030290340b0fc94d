// What an idempotency key may be, wherever a client sends one (the Idempotency-Key header or a
// request's idempotency_key field): one rule for every service.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fleetdeck {

inline constexpr size_t kMaxIdempotencyKeyLength = 128;

// Empty when `key` may be used as one; otherwise why not, to follow the field's name in a 400. An
// empty key passes: whether a key is required is the method's rule, not the key's.
std::string idempotencyKeyProblem(std::string_view key);

}  // namespace fleetdeck
