// Key-value buckets on a real nats-server: put/get/erase/list, sharing between two connections,
// max age, and the clear errors for bad keys.
#include "fleetdeck/bus/key_value.h"

#include <gtest/gtest.h>

#include <thread>

#include "fleetdeck/core/ids.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"

namespace fleetdeck::bus {
namespace {

using namespace std::chrono_literals;
using fleetdeck::testing::waitUntil;

std::unique_ptr<Bus> connectShared() {
  BusOptions options;
  options.url = testing::natsUrl();
  auto bus = Bus::connect(options);
  EXPECT_TRUE(bus.isOk()) << bus.status().toString();
  EXPECT_TRUE(waitUntil([&] { return (*bus)->connected(); }, 10s));
  return std::move(*bus);
}

TEST(KeyValueBucket, PutGetEraseAndListAcrossTwoConnections) {
  auto writerBus = connectShared();
  auto readerBus = connectShared();
  const KeyValueOptions options{.bucket = "kv_test_" + randomHex(4)};
  KeyValueBucket writer(*writerBus, options);
  KeyValueBucket reader(*readerBus, options);

  auto missing = reader.get("absent");
  ASSERT_TRUE(missing.isOk()) << missing.status().toString();
  EXPECT_FALSE(missing->has_value());
  auto empty = reader.entries();
  ASSERT_TRUE(empty.isOk()) << empty.status().toString();
  EXPECT_TRUE(empty->empty());

  ASSERT_TRUE(writer.put("alert.a1", R"({"by":"ops"})").isOk());
  ASSERT_TRUE(writer.put("alert.b2", "second").isOk());
  ASSERT_TRUE(writer.put("alert.a1", "replaced").isOk());

  auto value = reader.get("alert.a1");
  ASSERT_TRUE(value.isOk()) << value.status().toString();
  EXPECT_EQ(value->value_or(""), "replaced");
  auto all = reader.entries();
  ASSERT_TRUE(all.isOk()) << all.status().toString();
  EXPECT_EQ(*all, (std::map<std::string, std::string>{{"alert.a1", "replaced"}, {"alert.b2", "second"}}));

  ASSERT_TRUE(reader.erase("alert.a1").isOk());
  ASSERT_TRUE(reader.erase("never-there").isOk());
  auto erased = writer.get("alert.a1");
  ASSERT_TRUE(erased.isOk());
  EXPECT_FALSE(erased->has_value());
  auto rest = writer.entries();
  ASSERT_TRUE(rest.isOk());
  EXPECT_EQ(*rest, (std::map<std::string, std::string>{{"alert.b2", "second"}}));
}

TEST(KeyValueBucket, EntriesOlderThanMaxAgeDisappear) {
  auto bus = connectShared();
  KeyValueBucket bucket(*bus, {.bucket = "kv_test_" + randomHex(4), .maxAge = 1s, .fileStorage = false});
  ASSERT_TRUE(bucket.put("short", "lived").isOk());
  auto fresh = bucket.get("short");
  ASSERT_TRUE(fresh.isOk());
  EXPECT_EQ(fresh->value_or(""), "lived");
  EXPECT_TRUE(waitUntil(
      [&] {
        auto aged = bucket.get("short");
        return aged.isOk() && !aged->has_value();
      },
      10s));
}

TEST(KeyValueBucket, KeysNatsRefusesAreInvalidArgumentNamingTheKey) {
  auto bus = connectShared();
  KeyValueBucket bucket(*bus, {.bucket = "kv_test_" + randomHex(4)});
  for (const std::string key : {"", "has space", ".leading", "trailing.", "star*", "gt>"}) {
    const Status put = bucket.put(key, "x");
    EXPECT_EQ(put.code(), StatusCode::kInvalidArgument) << key;
    EXPECT_NE(put.message().find("'" + key + "'"), std::string::npos) << put.message();
    EXPECT_EQ(bucket.get(key).status().code(), StatusCode::kInvalidArgument) << key;
  }
  EXPECT_TRUE(validKeyValueKey("alert.0123abcd"));
}

TEST(KeyValueBucket, WithoutNatsEveryCallIsUnavailable) {
  BusOptions options;
  options.url = "nats://127.0.0.1:" + std::to_string(testing::freePort());  // nothing listens
  options.connectTimeout = 200ms;
  auto bus = Bus::connect(options);
  ASSERT_TRUE(bus.isOk()) << bus.status().toString();
  KeyValueBucket bucket(**bus, {.bucket = "kv_test_" + randomHex(4)});
  EXPECT_EQ(bucket.put("k", "v").code(), StatusCode::kUnavailable);
  EXPECT_EQ(bucket.get("k").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(bucket.entries().status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace fleetdeck::bus
