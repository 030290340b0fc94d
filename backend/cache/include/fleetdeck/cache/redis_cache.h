// A Redis client for caches: connects lazily with short timeouts and, when Redis misbehaves, answers
// "unavailable" at once for a back-off period instead of holding requests up. Never throws.
//
// The process must ignore SIGPIPE (ServiceHost does): hiredis writes to its socket with write(2).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fleetdeck/core/status.h"

struct redisContext;

namespace fleetdeck::cache {

// redis://[[user]:password@]host[:port][/database]
struct RedisEndpoint {
  std::string host;
  uint16_t port = 6379;
  int database = 0;
  std::string password;
};

// INVALID_ARGUMENT naming what is wrong with the URL.
Result<RedisEndpoint> parseRedisUrl(std::string_view url);

struct RedisCacheOptions {
  std::string url;
  // Bound on connecting and on every command: a slow cache must cost less than the database it spares.
  std::chrono::milliseconds timeout{50};
  // After an error, calls answer UNAVAILABLE without touching the network for this long.
  std::chrono::milliseconds retryAfter{1000};
  // The `cache` label of the cache_* metrics, e.g. "products".
  std::string name = "default";
};

class RedisCache {
 public:
  // Checks the URL; does not connect (the first call does).
  static Result<std::unique_ptr<RedisCache>> open(RedisCacheOptions options);
  ~RedisCache();
  RedisCache(const RedisCache&) = delete;
  RedisCache& operator=(const RedisCache&) = delete;

  // The value, nullopt on a miss, UNAVAILABLE when Redis could not answer. Counted in
  // cache_requests_total{result="hit|miss|error"}.
  Result<std::optional<std::string>> get(const std::string& key);
  // One round trip (MGET); the values in the order of `keys`.
  Result<std::vector<std::optional<std::string>>> getMany(const std::vector<std::string>& keys);
  Status set(const std::string& key, std::string_view value, std::chrono::seconds ttl);
  // Deletes the keys. Keys that could not be deleted (Redis down) are remembered and deleted first
  // when the connection comes back, so an invalidation is not lost with the outage.
  Status remove(const std::vector<std::string>& keys);
  // PING, for readiness. During the back-off it reports the last error without connecting.
  Status ping();

  const std::string& name() const { return options_.name; }

 private:
  struct Metrics;
  struct Reply;
  RedisCache(RedisCacheOptions options, RedisEndpoint endpoint);

  // Both expect mutex_ held. ensureConnected answers UNAVAILABLE during the back-off.
  Status ensureConnected();
  Result<Reply> command(const std::vector<std::string_view>& arguments);
  Status markDown(std::string reason);
  Status deleteLocked(const std::vector<std::string>& keys);
  void rememberUndeleted(const std::vector<std::string>& keys);

  const RedisCacheOptions options_;
  const RedisEndpoint endpoint_;
  std::unique_ptr<Metrics> metrics_;

  std::mutex mutex_;
  redisContext* context_ = nullptr;
  std::chrono::steady_clock::time_point downUntil_{};
  std::string lastError_;
  bool down_ = false;
  std::set<std::string> undeleted_;
};

}  // namespace fleetdeck::cache
