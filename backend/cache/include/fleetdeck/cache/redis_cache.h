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

  // Every key has a generation (generationKey(key), an integer that remove() increments; "0" when it
  // was never removed, or not for kGenerationTtl). A reader that missed, went to the database and
  // stores what it read with setIfGeneration() cannot put back a row read before a concurrent
  // write's remove(), even one made by another process: the generation it saw has moved on.
  struct Generational {
    std::optional<std::string> value;
    std::string generation;
  };
  static constexpr std::chrono::seconds kGenerationTtl{24 * 60 * 60};
  static std::string generationKey(const std::string& key) { return key + ":gen"; }
  // The values and their generations in the order of `keys`, in one round trip (MGET). Counted as
  // get() is, by the values.
  Result<std::vector<Generational>> getWithGenerations(const std::vector<std::string>& keys);
  // SET key value EX ttl, but only while the key's generation is still `generation` (one round trip,
  // a Lua script). True when stored, false when a remove() came in between.
  Result<bool> setIfGeneration(const std::string& key, std::string_view value, std::chrono::seconds ttl,
                               std::string_view generation);

  // Deletes the keys and increments their generations, atomically, in one round trip. Keys that could
  // not be removed (Redis down) are remembered and removed (generations included) first when the
  // connection comes back, so an invalidation is not lost with the outage.
  Status remove(const std::vector<std::string>& keys);
  // PING, for readiness. During the back-off it reports the last error without connecting.
  Status ping();

  const std::string& name() const { return options_.name; }

 private:
  struct Metrics;
  struct Reply;
  RedisCache(RedisCacheOptions options, RedisEndpoint endpoint);

  // All expect mutex_ held. ensureConnected answers UNAVAILABLE during the back-off.
  Status ensureConnected();
  Result<Reply> command(const std::vector<std::string_view>& arguments);
  Result<std::vector<std::optional<std::string>>> mgetLocked(const std::vector<std::string_view>& keys);
  // command() that hands error replies back instead of treating them as Redis misbehaving.
  Result<Reply> send(const std::vector<std::string_view>& arguments);
  // A script with EVALSHA, loading it first if this process has not yet learnt its SHA1, and with
  // EVAL when Redis has lost it (a restart, SCRIPT FLUSH).
  struct Script;
  Result<Reply> evaluate(Script& script, const std::vector<std::string_view>& keys,
                         const std::vector<std::string_view>& arguments);
  Status markDown(std::string reason);
  Status removeLocked(const std::vector<std::string>& keys);
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
  std::unique_ptr<Script> setIfGenerationScript_;
  std::unique_ptr<Script> removeScript_;
  // Where remove() draws generations from, one sequence per cache name (shared by its replicas).
  const std::string generationSequence_;
};

}  // namespace fleetdeck::cache
