#include "fleetdeck/auth/verified_token_cache.h"

#include <iterator>

namespace fleetdeck::auth {

Result<Claims> VerifiedTokenCache::verify(const KeyRing& ring, std::string_view token, const VerifyOptions& options,
                                          int64_t nowSeconds) {
  const int64_t leeway = options.leeway.count();
  if (capacity_ > 0) {
    std::lock_guard lock(mutex_);
    if (auto found = entries_.find(token); found != entries_.end()) {
      if (nowSeconds < found->second.expiresAt + leeway) return found->second;
      entries_.erase(found);  // expired: verifyToken below says so in its own words
    }
  }
  auto claims = verifyToken(ring, token, options, nowSeconds);
  if (!claims || capacity_ == 0) return claims;
  std::lock_guard lock(mutex_);
  if (entries_.size() >= capacity_) makeRoom(nowSeconds, leeway);
  entries_.insert_or_assign(std::string(token), *claims);
  return claims;
}

// Expired tokens go first; when every entry is still valid, an arbitrary eighth makes room (those
// clients pay for one more verification), so a flood of distinct tokens cannot grow memory.
void VerifiedTokenCache::makeRoom(int64_t nowSeconds, int64_t leeway) {
  std::erase_if(entries_, [&](const auto& entry) { return nowSeconds >= entry.second.expiresAt + leeway; });
  if (entries_.size() < capacity_) return;
  auto last = entries_.begin();
  std::advance(last, static_cast<std::ptrdiff_t>(std::max<size_t>(1, capacity_ / 8)));
  entries_.erase(entries_.begin(), last);
}

void VerifiedTokenCache::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

size_t VerifiedTokenCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace fleetdeck::auth
