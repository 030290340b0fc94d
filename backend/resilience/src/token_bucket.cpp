#include "fleetdeck/resilience/token_bucket.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace fleetdeck::resilience {
namespace {
constexpr size_t kShards = 16;
}

TokenBucket::TokenBucket(RateLimit limit, TimePoint now)
    : limit_(limit), tokens_(std::max(1.0, limit.burst)), updated_(now) {
  limit_.burst = std::max(1.0, limit_.burst);
}

void TokenBucket::refill(TimePoint now) {
  if (now <= updated_) return;  // a clock read on another thread may be slightly older: never go back
  const double elapsed = std::chrono::duration<double>(now - updated_).count();
  tokens_ = std::min(limit_.burst, tokens_ + elapsed * limit_.perSecond);
  updated_ = now;
}

RateDecision TokenBucket::tryTake(TimePoint now, double cost) {
  if (!limit_.enabled()) return {};
  refill(now);
  if (tokens_ >= cost) {
    tokens_ -= cost;
    return {};
  }
  const double missing = cost - tokens_;
  const double waitMs = std::ceil(missing / limit_.perSecond * 1000.0);
  return {false, std::chrono::milliseconds(static_cast<int64_t>(std::max(1.0, waitMs)))};
}

double TokenBucket::available(TimePoint now) const {
  TokenBucket copy = *this;
  copy.refill(now);
  return copy.tokens_;
}

bool TokenBucket::full(TimePoint now) const { return available(now) >= limit_.burst; }

KeyedRateLimiter::KeyedRateLimiter(RateLimit limit, size_t maxKeys)
    : limit_(limit), maxKeysPerShard_(std::max<size_t>(1, maxKeys / kShards)) {
  for (size_t i = 0; i < kShards; ++i) shards_.push_back(std::make_unique<Shard>());
}

RateDecision KeyedRateLimiter::tryTake(std::string_view key, TimePoint now, double cost) {
  if (!limit_.enabled()) return {};
  Shard& shard = *shards_[std::hash<std::string_view>{}(key) % shards_.size()];
  std::lock_guard lock(shard.mutex);
  auto found = shard.buckets.find(std::string(key));
  if (found == shard.buckets.end()) {
    if (shard.buckets.size() >= maxKeysPerShard_) evict(shard, now);
    found = shard.buckets.emplace(std::string(key), TokenBucket(limit_, now)).first;
  }
  return found->second.tryTake(now, cost);
}

void KeyedRateLimiter::evict(Shard& shard, TimePoint now) {
  std::erase_if(shard.buckets, [now](const auto& entry) { return entry.second.full(now); });
  if (shard.buckets.size() < maxKeysPerShard_) return;
  // Everyone is active: drop the half with the most tokens left (the least throttled clients).
  std::vector<std::pair<double, std::string>> byTokens;
  byTokens.reserve(shard.buckets.size());
  for (const auto& [key, bucket] : shard.buckets) byTokens.emplace_back(bucket.available(now), key);
  std::nth_element(byTokens.begin(), byTokens.begin() + static_cast<long>(byTokens.size() / 2), byTokens.end(),
                   std::greater<>());
  for (size_t i = 0; i < byTokens.size() / 2 + 1 && i < byTokens.size(); ++i) shard.buckets.erase(byTokens[i].second);
}

size_t KeyedRateLimiter::size() const {
  size_t total = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    total += shard->buckets.size();
  }
  return total;
}

long retryAfterSeconds(std::chrono::milliseconds wait) {
  return std::max<long>(1, static_cast<long>((wait.count() + 999) / 1000));
}

}  // namespace fleetdeck::resilience
