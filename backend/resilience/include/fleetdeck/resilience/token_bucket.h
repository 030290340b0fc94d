// Token-bucket rate limiting: one bucket, and a bounded, thread-safe set of buckets keyed by client.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fleetdeck/resilience/clock.h"

namespace fleetdeck::resilience {

struct RateLimit {
  // Sustained rate; 0 disables the limit.
  double perSecond = 0;
  // How many may arrive at once after a quiet period (the bucket's size); at least 1.
  double burst = 1;
  bool enabled() const { return perSecond > 0; }
};

struct RateDecision {
  bool allowed = true;
  // When refused: how long until the request would be allowed (rounded up to whole milliseconds).
  std::chrono::milliseconds retryAfter{0};
};

// Not thread-safe on its own; KeyedRateLimiter guards its buckets.
class TokenBucket {
 public:
  TokenBucket(RateLimit limit, TimePoint now);

  RateDecision tryTake(TimePoint now, double cost = 1.0);
  double available(TimePoint now) const;
  // True when the bucket is full again, i.e. forgetting it changes nothing.
  bool full(TimePoint now) const;

 private:
  void refill(TimePoint now);

  RateLimit limit_;
  double tokens_;
  TimePoint updated_;
};

// One bucket per key (client address, user id). Memory is bounded: when `maxKeys` is reached, full
// buckets are forgotten first; if none is full, the half with the most tokens left (the least
// throttled clients) is dropped, so a client being throttled keeps its empty bucket.
class KeyedRateLimiter {
 public:
  KeyedRateLimiter(RateLimit limit, size_t maxKeys = 100'000);

  RateDecision tryTake(std::string_view key, TimePoint now, double cost = 1.0);
  size_t size() const;
  const RateLimit& limit() const { return limit_; }

 private:
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, TokenBucket> buckets;
  };
  void evict(Shard& shard, TimePoint now);

  RateLimit limit_;
  size_t maxKeysPerShard_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

// "Retry-After" wants whole seconds; a refusal never says 0.
long retryAfterSeconds(std::chrono::milliseconds wait);

}  // namespace fleetdeck::resilience
