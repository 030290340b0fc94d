// fleetdeck::cache::RedisCache against real redis-server processes: the shared one, one that is not
// there, and a private one started and stopped by the test to play an outage.
#include "fleetdeck/cache/redis_cache.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "adapters/child_process.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/telemetry/metrics.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"

namespace fleetdeck::cache {
namespace {

std::unique_ptr<RedisCache> openCache(const std::string& url, const std::string& name,
                                      std::chrono::milliseconds retryAfter = std::chrono::seconds(1)) {
  // A generous timeout: a round trip to the shared Redis that took over 50 ms while the other suites
  // loaded both cores answered UNAVAILABLE and refused the next second's calls. No test here needs
  // a short one (its outages refuse connections at once).
  auto cache = RedisCache::open({url, std::chrono::seconds(1), retryAfter, name});
  EXPECT_TRUE(cache.isOk()) << cache.status().toString();
  return cache.isOk() ? std::move(*cache) : nullptr;
}

std::string metricsText() { return telemetry::defaultRegistry().expose(); }

class RedisCacheTest : public ::testing::Test {
 protected:
  void SetUp() override { signal(SIGPIPE, SIG_IGN); }
  const std::string prefix_ = "test:" + randomHex(6) + ":";
};

TEST(RedisUrl, AcceptsHostPortDatabaseAndPassword) {
  auto plain = parseRedisUrl("redis://127.0.0.1:6380/2");
  ASSERT_TRUE(plain.isOk());
  EXPECT_EQ(plain->host, "127.0.0.1");
  EXPECT_EQ(plain->port, 6380);
  EXPECT_EQ(plain->database, 2);
  EXPECT_EQ(plain->password, "");

  auto defaults = parseRedisUrl("redis://cache.internal");
  ASSERT_TRUE(defaults.isOk());
  EXPECT_EQ(defaults->port, 6379);
  EXPECT_EQ(defaults->database, 0);

  auto secret = parseRedisUrl("redis://:s3cret@redis:6379/0");
  ASSERT_TRUE(secret.isOk());
  EXPECT_EQ(secret->password, "s3cret");
  EXPECT_EQ(secret->host, "redis");
}

TEST(RedisUrl, RejectsWhatIsNotARedisUrlNamingTheConfigKey) {
  for (const char* url : {"http://127.0.0.1:6379", "redis://", "redis://host:0", "redis://host:99999",
                          "redis://host:6379/x", "redis://host:port"}) {
    auto parsed = parseRedisUrl(url);
    ASSERT_FALSE(parsed.isOk()) << url;
    EXPECT_EQ(parsed.status().violations().at(0).field, "cache.url") << url;
  }
}

TEST_F(RedisCacheTest, SetGetManyAndRemoveRoundTripBinaryValues) {
  auto cache = openCache(fleetdeck::testing::redisUrl(4), "roundtrip");
  const std::string binary("\x00\x01value\xff", 8);
  ASSERT_TRUE(cache->set(prefix_ + "a", binary, std::chrono::seconds(60)).isOk());
  ASSERT_TRUE(cache->set(prefix_ + "b", "bee", std::chrono::seconds(60)).isOk());
  auto a = cache->get(prefix_ + "a");
  ASSERT_TRUE(a.isOk()) << a.status().toString();
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ(**a, binary);

  auto many = cache->getMany({prefix_ + "b", prefix_ + "missing", prefix_ + "a"});
  ASSERT_TRUE(many.isOk());
  ASSERT_EQ(many->size(), 3u);
  EXPECT_EQ((*many)[0].value_or(""), "bee");
  EXPECT_FALSE((*many)[1].has_value());
  EXPECT_EQ((*many)[2].value_or(""), binary);

  ASSERT_TRUE(cache->remove({prefix_ + "a", prefix_ + "b"}).isOk());
  EXPECT_FALSE(cache->get(prefix_ + "a")->has_value());
  EXPECT_TRUE(cache->ping().isOk());
  const std::string metrics = metricsText();
  EXPECT_NE(metrics.find("cache_requests_total{cache=\"roundtrip\",result=\"hit\"} 3"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("cache_requests_total{cache=\"roundtrip\",result=\"miss\"} 2"), std::string::npos);
}

TEST_F(RedisCacheTest, RemoveMovesGenerationsOnAndSetIfGenerationStoresOnlyUnderTheOneSeen) {
  auto cache = openCache(fleetdeck::testing::redisUrl(4), "generations");
  const std::string a = prefix_ + "a";
  const std::string b = prefix_ + "b";
  ASSERT_TRUE(cache->set(a, "old", std::chrono::seconds(60)).isOk());
  auto before = cache->getWithGenerations({a, b});
  ASSERT_TRUE(before.isOk()) << before.status().toString();
  ASSERT_EQ(before->size(), 2u);
  EXPECT_EQ((*before)[0].value.value_or(""), "old");
  EXPECT_EQ((*before)[0].generation, "0");
  EXPECT_FALSE((*before)[1].value.has_value());
  EXPECT_EQ((*before)[1].generation, "0");

  ASSERT_TRUE(cache->remove({a, b}).isOk());
  auto after = cache->getWithGenerations({a, b});
  ASSERT_TRUE(after.isOk());
  EXPECT_FALSE((*after)[0].value.has_value()) << "remove() still deletes the entry";
  EXPECT_NE((*after)[0].generation, "0");
  EXPECT_NE((*after)[1].generation, "0");
  EXPECT_NE((*after)[0].generation, (*after)[1].generation) << "each generation is a fresh number";

  // Seen before the remove: refused. Seen after it: stored.
  auto stale = cache->setIfGeneration(b, "read before the remove", std::chrono::seconds(60), "0");
  ASSERT_TRUE(stale.isOk()) << stale.status().toString();
  EXPECT_FALSE(*stale);
  EXPECT_FALSE(cache->get(b)->has_value());
  auto fresh = cache->setIfGeneration(b, "read after it", std::chrono::seconds(60), (*after)[1].generation);
  ASSERT_TRUE(fresh.isOk());
  EXPECT_TRUE(*fresh);
  EXPECT_EQ(cache->get(b)->value_or(""), "read after it");

  // Counted by the entries, not their generations; a refused set is not an error.
  const std::string metrics = metricsText();
  EXPECT_NE(metrics.find("cache_requests_total{cache=\"generations\",result=\"hit\"} 2"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("cache_requests_total{cache=\"generations\",result=\"miss\"} 4"), std::string::npos);
  EXPECT_NE(metrics.find("cache_write_errors_total{cache=\"generations\"} 0"), std::string::npos);
  EXPECT_NE(metrics.find("cache_up{cache=\"generations\"} 1"), std::string::npos);

  // A generation key that expired or was evicted (allkeys-lru) and comes back never repeats a value a
  // reader may hold: with a count per key the next remove() would make "1" again, and a read that saw
  // the first "1" would put its old row back.
  const std::string seen = (*after)[0].generation;
  {
    // Deletes a's generation key as an eviction would (remove() deletes the key it is given).
    auto evict = openCache(fleetdeck::testing::redisUrl(4), "generations-evict");
    ASSERT_TRUE(evict->remove({RedisCache::generationKey(a)}).isOk());
    ASSERT_EQ(cache->getWithGenerations({a})->at(0).generation, "0");
  }
  ASSERT_TRUE(cache->remove({a}).isOk());
  auto again = cache->getWithGenerations({a});
  ASSERT_TRUE(again.isOk());
  EXPECT_NE(again->at(0).generation, seen);
  EXPECT_NE(again->at(0).generation, "0");
}

TEST_F(RedisCacheTest, DatabasesOfTheUrlAreSeparate) {
  auto five = openCache(fleetdeck::testing::redisUrl(5), "db5");
  auto six = openCache(fleetdeck::testing::redisUrl(6), "db6");
  ASSERT_TRUE(five->set(prefix_ + "k", "five", std::chrono::seconds(60)).isOk());
  EXPECT_TRUE(five->get(prefix_ + "k")->has_value());
  EXPECT_FALSE(six->get(prefix_ + "k")->has_value());
}

TEST_F(RedisCacheTest, EntriesExpireAfterTheirTtl) {
  auto cache = openCache(fleetdeck::testing::redisUrl(4), "ttl");
  ASSERT_TRUE(cache->set(prefix_ + "short", "x", std::chrono::seconds(1)).isOk());
  EXPECT_TRUE(fleetdeck::testing::waitUntil([&] { return !cache->get(prefix_ + "short").value().has_value(); },
                                            std::chrono::seconds(5)));
}

TEST_F(RedisCacheTest, UnreachableRedisAnswersUnavailableAndCountsErrors) {
  auto cache = openCache("redis://127.0.0.1:" + std::to_string(fleetdeck::testing::freePort()) + "/0", "absent");
  auto lookup = cache->get("anything");
  ASSERT_FALSE(lookup.isOk());
  EXPECT_EQ(lookup.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(lookup.status().message().find("cannot connect"), std::string::npos) << lookup.status().message();
  // During the back-off the cache does not try again: same answer, no new connection attempt.
  EXPECT_EQ(cache->getMany({"a", "b"}).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(cache->set("a", "b", std::chrono::seconds(1)).code(), StatusCode::kUnavailable);
  EXPECT_EQ(cache->ping().code(), StatusCode::kUnavailable);
  const std::string metrics = metricsText();
  EXPECT_NE(metrics.find("cache_requests_total{cache=\"absent\",result=\"error\"} 3"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("cache_up{cache=\"absent\"} 0"), std::string::npos);
  EXPECT_NE(metrics.find("cache_write_errors_total{cache=\"absent\"} 1"), std::string::npos);
}

TEST_F(RedisCacheTest, InvalidationsMissedDuringAnOutageAreAppliedWhenRedisIsBack) {
  const uint16_t port = fleetdeck::testing::freePort();
  const std::string url = "redis://127.0.0.1:" + std::to_string(port) + "/0";
  auto cache = openCache(url, "outage", std::chrono::milliseconds(20));
  ASSERT_EQ(cache->remove({prefix_ + "product"}).code(), StatusCode::kUnavailable);

  const auto folder = fleetdeck::testing::sharedInfra().root / ("redis-outage-" + randomHex(4));
  std::filesystem::create_directories(folder);
  launcher::ProcessSpec spec;
  spec.executable = "/usr/bin/redis-server";
  spec.arguments = {"--port", std::to_string(port), "--bind", "127.0.0.1", "--save",
                    "",       "--appendonly",       "no",     "--dir",     folder.string()};
  spec.logFile = folder / "redis.log";
  auto redis = launcher::ChildProcess::spawn(spec);
  ASSERT_TRUE(redis.isOk()) << redis.status().toString();
  ASSERT_TRUE(fleetdeck::testing::waitUntil([port] { return launcher::portInUse(port); }, std::chrono::seconds(10)));

  // Another replica cached the old copy meanwhile, and has another read of the old row on its way.
  auto other = openCache(url, "outage-other");
  ASSERT_TRUE(other->set(prefix_ + "product", "stale", std::chrono::seconds(60)).isOk());
  auto readBefore = other->getWithGenerations({prefix_ + "product"});
  ASSERT_TRUE(readBefore.isOk()) << readBefore.status().toString();
  EXPECT_EQ(readBefore->at(0).generation, "0");

  // The first call after the back-off reconnects and removes the remembered key before answering,
  // moving its generation on as remove() does.
  ASSERT_TRUE(
      fleetdeck::testing::waitUntil([&] { return cache->get(prefix_ + "probe").isOk(); }, std::chrono::seconds(5)));
  EXPECT_FALSE(other->get(prefix_ + "product")->has_value());
  EXPECT_NE(other->get(RedisCache::generationKey(prefix_ + "product"))->value_or("0"), "0");
  auto storedLate = other->setIfGeneration(prefix_ + "product", "stale", std::chrono::seconds(60), "0");
  ASSERT_TRUE(storedLate.isOk()) << storedLate.status().toString();
  EXPECT_FALSE(*storedLate) << "the read from before the invalidation must not store its old row";
  EXPECT_FALSE(other->get(prefix_ + "product")->has_value());

  // Redis going away again while connected is an error, not a crash or a hang.
  ASSERT_TRUE(redis->stop(std::chrono::seconds(5)).isOk());
  EXPECT_EQ(cache->get(prefix_ + "probe").status().code(), StatusCode::kUnavailable);

  // A new Redis has none of the scripts this process loaded (remove's, at the reconnect above): they
  // are sent again, which is not an error that backs the cache off.
  auto restarted = launcher::ChildProcess::spawn(spec);
  ASSERT_TRUE(restarted.isOk()) << restarted.status().toString();
  ASSERT_TRUE(fleetdeck::testing::waitUntil([port] { return launcher::portInUse(port); }, std::chrono::seconds(10)));
  ASSERT_TRUE(fleetdeck::testing::waitUntil([&] { return cache->ping().isOk(); }, std::chrono::seconds(5)));
  ASSERT_TRUE(cache->remove({prefix_ + "product"}).isOk());
  auto stored = cache->setIfGeneration(prefix_ + "product", "fresh", std::chrono::seconds(60), "1");
  ASSERT_TRUE(stored.isOk()) << stored.status().toString();
  EXPECT_TRUE(*stored);
  EXPECT_EQ(cache->get(prefix_ + "product")->value_or(""), "fresh");
  ASSERT_TRUE(restarted->stop(std::chrono::seconds(5)).isOk());
}

}  // namespace
}  // namespace fleetdeck::cache
