#include "fleetdeck/cache/redis_cache.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <charconv>

#include "fleetdeck/core/log.h"
#include "fleetdeck/telemetry/metrics.h"

namespace fleetdeck::cache {
namespace {

// Invalidations remembered across an outage; beyond this the TTL is what bounds staleness.
constexpr size_t kMaxUndeletedKeys = 10'000;
// Keys per MGET command or script call.
constexpr size_t kKeysPerCommand = 500;
static_assert(kKeysPerCommand % 2 == 0, "getWithGenerations' pairs must not be split across commands");

// KEYS: entry, its generation. ARGV: value, ttl in seconds, the generation the reader saw. Compared
// and set in one script, so a remove() cannot slip in between.
constexpr std::string_view kSetIfGenerationScript = R"lua(
if (redis.call('GET', KEYS[2]) or '0') == ARGV[3] then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  return 1
end
return 0
)lua";

// KEYS: the cache's generation sequence, then entry, its generation, entry, its generation...
// ARGV: the generations' ttl in seconds. The entries go first, with DEL, which a Redis out of memory
// still accepts (INCR and SET it may refuse, and so it refuses the puts the generations guard).
// Each generation is a fresh number from one sequence, never a per-key count, so a generation key
// that expired or was evicted and comes back cannot repeat a value a reader saw before; it expires
// so that keys removed once do not stay in Redis for ever, and only has to outlive a read.
constexpr std::string_view kRemoveScript = R"lua(
for i = 2, #KEYS, 2 do
  redis.call('DEL', KEYS[i])
end
for i = 2, #KEYS, 2 do
  local generation = redis.pcall('INCR', KEYS[1])
  if type(generation) == 'number' then
    redis.pcall('SET', KEYS[i + 1], generation, 'EX', ARGV[1])
  end
end
return (#KEYS - 1) / 2
)lua";

timeval toTimeval(std::chrono::milliseconds duration) {
  timeval value{};
  value.tv_sec = static_cast<time_t>(duration.count() / 1000);
  value.tv_usec = static_cast<suseconds_t>((duration.count() % 1000) * 1000);
  return value;
}

template <typename T>
bool parseNumber(std::string_view text, T& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc{} && end == text.data() + text.size();
}

}  // namespace

Result<RedisEndpoint> parseRedisUrl(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  auto problem = [&](const std::string& reason) {
    return invalidField("cache.url", reason + " (expected redis://[:password@]host[:port][/database])");
  };
  if (!url.starts_with(kScheme)) return problem("must start with redis://");
  std::string_view rest = url.substr(kScheme.size());
  RedisEndpoint endpoint;
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view credentials = rest.substr(0, at);
    // "user:password" (Redis 6 ACL) or ":password"; only the password is used.
    if (const size_t colon = credentials.find(':'); colon != std::string_view::npos) {
      credentials.remove_prefix(colon + 1);
    }
    endpoint.password = std::string(credentials);
    rest.remove_prefix(at + 1);
  }
  std::string_view hostPort = rest;
  if (const size_t slash = rest.find('/'); slash != std::string_view::npos) {
    hostPort = rest.substr(0, slash);
    const std::string_view database = rest.substr(slash + 1);
    if (!database.empty() && (!parseNumber(database, endpoint.database) || endpoint.database < 0)) {
      return problem("has a database that is not a non-negative number");
    }
  }
  std::string_view host = hostPort;
  if (const size_t colon = hostPort.rfind(':'); colon != std::string_view::npos) {
    host = hostPort.substr(0, colon);
    int port = 0;
    if (!parseNumber(hostPort.substr(colon + 1), port) || port < 1 || port > 65535) {
      return problem("has a port that is not 1-65535");
    }
    endpoint.port = static_cast<uint16_t>(port);
  }
  if (host.empty()) return problem("names no host");
  endpoint.host = std::string(host);
  return endpoint;
}

struct RedisCache::Metrics {
  explicit Metrics(const std::string& name) {
    auto& requests = telemetry::defaultRegistry().counter(
        "cache_requests_total", "Cache lookups by outcome: hit, miss, or error (cache unavailable).",
        {"cache", "result"});
    hits = &requests.labels({name, "hit"});
    misses = &requests.labels({name, "miss"});
    errors = &requests.labels({name, "error"});
    writeErrors =
        &telemetry::defaultRegistry()
             .counter("cache_write_errors_total",
                      "Cache writes and invalidations that failed (entries may stay stale until their TTL).", {"cache"})
             .labels({name});
    up = &telemetry::defaultRegistry()
              .gauge("cache_up", "1 while the cache answers, 0 while it is backed off after an error.", {"cache"})
              .labels({name});
  }
  telemetry::Counter* hits;
  telemetry::Counter* misses;
  telemetry::Counter* errors;
  telemetry::Counter* writeErrors;
  telemetry::Gauge* up;
};

struct RedisCache::Script {
  std::string_view body;
  // Learnt from SCRIPT LOAD on first use; a content hash, so it stays valid across reconnects.
  std::string sha;
};

struct RedisCache::Reply {
  struct Free {
    void operator()(redisReply* reply) const { freeReplyObject(reply); }
  };
  std::unique_ptr<redisReply, Free> reply;
};

Result<std::unique_ptr<RedisCache>> RedisCache::open(RedisCacheOptions options) {
  auto endpoint = parseRedisUrl(options.url);
  if (!endpoint) return endpoint.status();
  if (options.timeout.count() <= 0) return invalidField("cache.timeout", "must be positive");
  return std::unique_ptr<RedisCache>(new RedisCache(std::move(options), std::move(*endpoint)));
}

RedisCache::RedisCache(RedisCacheOptions options, RedisEndpoint endpoint)
    : options_(std::move(options)),
      endpoint_(std::move(endpoint)),
      metrics_(std::make_unique<Metrics>(options_.name)),
      setIfGenerationScript_(std::make_unique<Script>(Script{kSetIfGenerationScript, {}})),
      removeScript_(std::make_unique<Script>(Script{kRemoveScript, {}})),
      generationSequence_("fleetdeck:cache:" + options_.name + ":generations") {
  metrics_->up->set(1);
}

RedisCache::~RedisCache() {
  if (context_ != nullptr) redisFree(context_);
}

Status RedisCache::markDown(std::string reason) {
  if (context_ != nullptr) {
    redisFree(context_);
    context_ = nullptr;
  }
  downUntil_ = std::chrono::steady_clock::now() + options_.retryAfter;
  if (!down_) {
    log::warn("cache unavailable; serving without it",
              {{"cache", options_.name}, {"error", reason}, {"retryAfterMs", options_.retryAfter.count()}});
  }
  down_ = true;
  metrics_->up->set(0);
  lastError_ = std::move(reason);
  return unavailable("cache '" + options_.name + "' unavailable: " + lastError_);
}

Status RedisCache::ensureConnected() {
  if (context_ != nullptr) return Status::ok();
  if (down_ && std::chrono::steady_clock::now() < downUntil_) {
    return unavailable("cache '" + options_.name + "' unavailable: " + lastError_);
  }
  const timeval timeout = toTimeval(options_.timeout);
  context_ = redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, timeout);
  if (context_ == nullptr) return markDown("cannot allocate a Redis context");
  if (context_->err != 0) {
    return markDown("cannot connect to " + endpoint_.host + ":" + std::to_string(endpoint_.port) + ": " +
                    context_->errstr);
  }
  if (redisSetTimeout(context_, timeout) != REDIS_OK) return markDown("cannot set the command timeout");
  if (!endpoint_.password.empty()) {
    auto auth = command({"AUTH", endpoint_.password});
    if (!auth) return auth.status();
  }
  if (endpoint_.database != 0) {
    const std::string database = std::to_string(endpoint_.database);
    auto select = command({"SELECT", database});
    if (!select) return select.status();
  }
  if (!undeleted_.empty()) {
    // Invalidations that failed during the outage go first, before anything can read a stale entry
    // or store a row read before them.
    const std::vector<std::string> keys(undeleted_.begin(), undeleted_.end());
    FLEETDECK_RETURN_IF_ERROR(removeLocked(keys));
    undeleted_.clear();
  }
  if (down_) log::info("cache available again", {{"cache", options_.name}});
  down_ = false;
  metrics_->up->set(1);
  return Status::ok();
}

Result<RedisCache::Reply> RedisCache::command(const std::vector<std::string_view>& arguments) {
  auto reply = send(arguments);
  if (reply && reply->reply->type == REDIS_REPLY_ERROR) {
    return markDown(std::string(arguments.front()) + " answered: " +
                    std::string(reply->reply->str, reply->reply->len));
  }
  return reply;
}

Result<RedisCache::Reply> RedisCache::send(const std::vector<std::string_view>& arguments) {
  std::vector<const char*> pointers;
  std::vector<size_t> lengths;
  pointers.reserve(arguments.size());
  lengths.reserve(arguments.size());
  for (const auto& argument : arguments) {
    pointers.push_back(argument.data());
    lengths.push_back(argument.size());
  }
  auto* raw = static_cast<redisReply*>(
      redisCommandArgv(context_, static_cast<int>(arguments.size()), pointers.data(), lengths.data()));
  if (raw == nullptr) {
    return markDown(std::string(arguments.front()) +
                    " failed: " + (context_->err != 0 ? std::string(context_->errstr) : "no reply"));
  }
  return Reply{std::unique_ptr<redisReply, Reply::Free>(raw)};
}

Result<RedisCache::Reply> RedisCache::evaluate(Script& script, const std::vector<std::string_view>& keys,
                                               const std::vector<std::string_view>& arguments) {
  if (script.sha.empty()) {
    auto loaded = command({"SCRIPT", "LOAD", script.body});
    if (!loaded) return loaded.status();
    if (loaded->reply->type != REDIS_REPLY_STRING) return markDown("SCRIPT LOAD answered an unexpected reply");
    script.sha.assign(loaded->reply->str, loaded->reply->len);
  }
  const std::string keyCount = std::to_string(keys.size());
  std::vector<std::string_view> call{"EVALSHA", script.sha, keyCount};
  call.insert(call.end(), keys.begin(), keys.end());
  call.insert(call.end(), arguments.begin(), arguments.end());
  auto reply = send(call);
  if (!reply) return reply;
  if (reply->reply->type == REDIS_REPLY_ERROR &&
      std::string_view(reply->reply->str, reply->reply->len).starts_with("NOSCRIPT")) {
    call[0] = "EVAL";
    call[1] = script.body;
    return command(call);
  }
  if (reply->reply->type == REDIS_REPLY_ERROR) {
    return markDown("EVALSHA answered: " + std::string(reply->reply->str, reply->reply->len));
  }
  return reply;
}

Result<std::optional<std::string>> RedisCache::get(const std::string& key) {
  std::lock_guard lock(mutex_);
  Status connected = ensureConnected();
  if (!connected.isOk()) {
    metrics_->errors->inc();
    return connected;
  }
  auto reply = command({"GET", key});
  if (!reply) {
    metrics_->errors->inc();
    return reply.status();
  }
  const redisReply* value = reply->reply.get();
  if (value->type == REDIS_REPLY_STRING) {
    metrics_->hits->inc();
    return std::optional<std::string>(std::string(value->str, value->len));
  }
  metrics_->misses->inc();
  return std::optional<std::string>();
}

// MGET in commands of at most kKeysPerCommand keys (an even number, so a caller's pairs stay in one
// command, read at one instant). The caller counts hits, misses and errors.
Result<std::vector<std::optional<std::string>>> RedisCache::mgetLocked(const std::vector<std::string_view>& keys) {
  std::vector<std::optional<std::string>> values;
  values.reserve(keys.size());
  for (size_t start = 0; start < keys.size(); start += kKeysPerCommand) {
    const size_t end = std::min(keys.size(), start + kKeysPerCommand);
    std::vector<std::string_view> arguments{"MGET"};
    arguments.insert(arguments.end(), keys.begin() + static_cast<std::ptrdiff_t>(start),
                     keys.begin() + static_cast<std::ptrdiff_t>(end));
    auto reply = command(arguments);
    if (!reply || reply->reply->type != REDIS_REPLY_ARRAY || reply->reply->elements != end - start) {
      return reply ? markDown("MGET answered an unexpected reply") : reply.status();
    }
    for (size_t i = 0; i < reply->reply->elements; ++i) {
      const redisReply* element = reply->reply->element[i];
      if (element->type == REDIS_REPLY_STRING) {
        values.emplace_back(std::string(element->str, element->len));
      } else {
        values.emplace_back();
      }
    }
  }
  return values;
}

Result<std::vector<std::optional<std::string>>> RedisCache::getMany(const std::vector<std::string>& keys) {
  if (keys.empty()) return std::vector<std::optional<std::string>>();
  std::lock_guard lock(mutex_);
  Status connected = ensureConnected();
  if (!connected.isOk()) {
    metrics_->errors->inc(static_cast<double>(keys.size()));
    return connected;
  }
  auto values = mgetLocked(std::vector<std::string_view>(keys.begin(), keys.end()));
  if (!values) {
    metrics_->errors->inc(static_cast<double>(keys.size()));
    return values.status();
  }
  for (const auto& value : *values) (value ? metrics_->hits : metrics_->misses)->inc();
  return values;
}

Status RedisCache::set(const std::string& key, std::string_view value, std::chrono::seconds ttl) {
  std::lock_guard lock(mutex_);
  Status connected = ensureConnected();
  if (!connected.isOk()) {
    metrics_->writeErrors->inc();
    return connected;
  }
  const std::string seconds = std::to_string(std::max<int64_t>(1, ttl.count()));
  auto reply = command({"SET", key, value, "EX", seconds});
  if (!reply) {
    metrics_->writeErrors->inc();
    return reply.status();
  }
  return Status::ok();
}

Result<std::vector<RedisCache::Generational>> RedisCache::getWithGenerations(const std::vector<std::string>& keys) {
  std::vector<Generational> entries;
  if (keys.empty()) return entries;
  std::lock_guard lock(mutex_);
  Status connected = ensureConnected();
  if (!connected.isOk()) {
    metrics_->errors->inc(static_cast<double>(keys.size()));
    return connected;
  }
  // Each entry beside its generation, so the two are read by the same MGET.
  std::vector<std::string> generations;
  generations.reserve(keys.size());
  std::vector<std::string_view> pairs;
  pairs.reserve(2 * keys.size());
  for (const auto& key : keys) generations.push_back(generationKey(key));
  for (size_t i = 0; i < keys.size(); ++i) {
    pairs.push_back(keys[i]);
    pairs.push_back(generations[i]);
  }
  auto values = mgetLocked(pairs);
  if (!values) {
    metrics_->errors->inc(static_cast<double>(keys.size()));
    return values.status();
  }
  entries.reserve(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    Generational entry{std::move((*values)[2 * i]), (*values)[2 * i + 1].value_or("0")};
    (entry.value ? metrics_->hits : metrics_->misses)->inc();
    entries.push_back(std::move(entry));
  }
  return entries;
}

Result<bool> RedisCache::setIfGeneration(const std::string& key, std::string_view value, std::chrono::seconds ttl,
                                         std::string_view generation) {
  std::lock_guard lock(mutex_);
  Status connected = ensureConnected();
  if (!connected.isOk()) {
    metrics_->writeErrors->inc();
    return connected;
  }
  const std::string seconds = std::to_string(std::max<int64_t>(1, ttl.count()));
  const std::string generationOfKey = generationKey(key);
  auto reply = evaluate(*setIfGenerationScript_, {key, generationOfKey}, {value, seconds, generation});
  if (!reply || reply->reply->type != REDIS_REPLY_INTEGER) {
    metrics_->writeErrors->inc();
    return reply ? markDown("the set-if-generation script answered an unexpected reply") : reply.status();
  }
  return reply->reply->integer == 1;
}

Status RedisCache::removeLocked(const std::vector<std::string>& keys) {
  const std::string generationTtl = std::to_string(kGenerationTtl.count());
  constexpr size_t kEntriesPerCommand = kKeysPerCommand / 2;
  for (size_t start = 0; start < keys.size(); start += kEntriesPerCommand) {
    const size_t end = std::min(keys.size(), start + kEntriesPerCommand);
    std::vector<std::string> generations;
    generations.reserve(end - start);
    for (size_t i = start; i < end; ++i) generations.push_back(generationKey(keys[i]));
    std::vector<std::string_view> scriptKeys;
    scriptKeys.reserve(1 + 2 * (end - start));
    scriptKeys.push_back(generationSequence_);
    for (size_t i = start; i < end; ++i) {
      scriptKeys.push_back(keys[i]);
      scriptKeys.push_back(generations[i - start]);
    }
    auto reply = evaluate(*removeScript_, scriptKeys, {generationTtl});
    if (!reply) return reply.status();
  }
  return Status::ok();
}

void RedisCache::rememberUndeleted(const std::vector<std::string>& keys) {
  for (const auto& key : keys) {
    if (undeleted_.size() >= kMaxUndeletedKeys) {
      log::warn("cache invalidations dropped during an outage; entries may stay stale until their TTL",
                {{"cache", options_.name}, {"remembered", undeleted_.size()}});
      return;
    }
    undeleted_.insert(key);
  }
}

Status RedisCache::remove(const std::vector<std::string>& keys) {
  if (keys.empty()) return Status::ok();
  std::lock_guard lock(mutex_);
  Status status = ensureConnected();
  if (status.isOk()) status = removeLocked(keys);
  if (!status.isOk()) {
    metrics_->writeErrors->inc();
    rememberUndeleted(keys);
  }
  return status;
}

Status RedisCache::ping() {
  std::lock_guard lock(mutex_);
  FLEETDECK_RETURN_IF_ERROR(ensureConnected());
  auto reply = command({"PING"});
  return reply ? Status::ok() : reply.status();
}

}  // namespace fleetdeck::cache
