#include "fleetdeck/core/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace fleetdeck {
namespace {

Config parse(std::string_view toml, EnvironmentMap environment = {}) {
  auto config = Config::parse(toml, "test.toml", std::move(environment));
  EXPECT_TRUE(config.isOk()) << config.status().toString();
  return std::move(config).value();
}

TEST(Config, ReadsTypedValuesAndDefaults) {
  Config config = parse(R"(
[database]
url = "postgresql://x"
pool_size = 12
[shutdown]
drain = "250ms"
[feature]
enabled = true
ratio = 0.5
hosts = ["a", "b"]
)");
  EXPECT_EQ(config.getString("database.url", ""), "postgresql://x");
  EXPECT_EQ(config.getInt("database.pool_size", 8), 12);
  EXPECT_EQ(config.getInt("database.absent", 8), 8);
  EXPECT_EQ(config.getDuration("shutdown.drain", std::chrono::seconds(5)), std::chrono::milliseconds(250));
  EXPECT_TRUE(config.getBool("feature.enabled", false));
  EXPECT_DOUBLE_EQ(config.getDouble("feature.ratio", 0, 0, 1), 0.5);
  EXPECT_EQ(config.getStringList("feature.hosts", {}), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(config.finish().isOk()) << config.finish().toString();
}

TEST(Config, EnvironmentOverridesFileWithTypedParsing) {
  Config config = parse("[database]\npool_size = 12\n",
                        {{"FLEETDECK_DATABASE__POOL_SIZE", "20"}, {"FLEETDECK_SHUTDOWN__DRAIN", "2s"}});
  EXPECT_EQ(config.getInt("database.pool_size", 8), 20);
  EXPECT_EQ(config.getDuration("shutdown.drain", std::chrono::seconds(5)), std::chrono::seconds(2));
  EXPECT_TRUE(config.finish().isOk());
}

TEST(Config, WrongTypeNamesFileKeyAndExpectedType) {
  Config config = parse("[database]\npool_size = \"twelve\"\n");
  EXPECT_EQ(config.getInt("database.pool_size", 8), 8);
  const Status status = config.finish();
  ASSERT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("test.toml"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("database.pool_size"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("expected integer, got string"), std::string::npos) << status.message();
}

TEST(Config, BadEnvironmentValueNamesTheVariable) {
  Config config = parse("", {{"FLEETDECK_DATABASE__POOL_SIZE", "lots"}});
  config.getInt("database.pool_size", 8);
  const Status status = config.finish();
  EXPECT_NE(status.message().find("FLEETDECK_DATABASE__POOL_SIZE='lots'"), std::string::npos) << status.message();
}

TEST(Config, OutOfRangeIsAnError) {
  Config config = parse("[grpc]\nport = 70000\n");
  EXPECT_EQ(config.getInt("grpc.port", 0, 0, 65535), 0);
  EXPECT_NE(config.finish().message().find("[0, 65535]"), std::string::npos);
}

TEST(Config, UnknownKeysStopStartup) {
  Config config = parse("[database]\nurl = \"x\"\npool_sise = 3\n");
  config.getString("database.url", "");
  const Status status = config.finish();
  ASSERT_FALSE(status.isOk());
  EXPECT_NE(status.message().find("unknown key 'database.pool_sise'"), std::string::npos) << status.message();
}

TEST(Config, RequiredKeyMissingMentionsEnvironmentVariable) {
  Config config = parse("");
  config.requireString("database.url");
  EXPECT_NE(config.finish().message().find("FLEETDECK_DATABASE__URL"), std::string::npos);
}

TEST(Config, StringTableCollectsDataKeysFromFileAndEnvironment) {
  Config config = parse("[upstreams]\nusers = \"127.0.0.1:1\"\n", {{"FLEETDECK_UPSTREAMS__ORDERS", "127.0.0.1:2"}});
  const auto table = config.getStringTable("upstreams");
  EXPECT_EQ(table.at("users"), "127.0.0.1:1");
  EXPECT_EQ(table.at("orders"), "127.0.0.1:2");
  EXPECT_TRUE(config.finish().isOk());
}

// "900" could mean seconds to whoever wrote it; it used to be read as 900 ms (a sign-in throttle
// window rounded down to 0 s: throttling off). A duration needs its unit, except 0.
TEST(Config, ADurationWithoutItsUnitIsRefused_ExceptZero) {
  Config config = parse("[login]\nfailure_window = 900\n[saga]\nlease = 0\n[shutdown]\ndrain = -5000\n",
                        {{"FLEETDECK_CALLS__TIMEOUT", "3000"}, {"FLEETDECK_AUTH__ROTATE_AFTER", "0"}});
  EXPECT_EQ(config.getDuration("login.failure_window", std::chrono::minutes(15)), std::chrono::minutes(15));
  EXPECT_EQ(config.getDuration("saga.lease", std::chrono::seconds(30)), std::chrono::milliseconds(0));
  EXPECT_EQ(config.getDuration("shutdown.drain", std::chrono::seconds(5)), std::chrono::seconds(5));
  EXPECT_EQ(config.getDuration("calls.timeout", std::chrono::seconds(3)), std::chrono::seconds(3));
  EXPECT_EQ(config.getDuration("auth.rotate_after", std::chrono::hours(720)), std::chrono::milliseconds(0));
  const std::string message = config.finish().message();
  EXPECT_NE(message.find("login.failure_window"), std::string::npos) << message;
  EXPECT_NE(message.find("shutdown.drain"), std::string::npos) << message;
  EXPECT_NE(message.find("FLEETDECK_CALLS__TIMEOUT='3000'"), std::string::npos) << message;
  EXPECT_EQ(message.find("saga.lease"), std::string::npos) << message;
  EXPECT_EQ(message.find("ROTATE_AFTER"), std::string::npos) << message;
}

TEST(Config, ADurationOutsideItsBoundsOrTooLargeToHoldIsRefused) {
  Config config = parse("[registry]\nheartbeat_interval = \"0s\"\n[saga]\nlease = \"99999999999999h\"\n");
  EXPECT_EQ(config.getDuration("registry.heartbeat_interval", std::chrono::seconds(5), std::chrono::milliseconds(50)),
            std::chrono::seconds(5));
  EXPECT_EQ(config.getDuration("saga.lease", std::chrono::seconds(30)), std::chrono::seconds(30));
  const std::string message = config.finish().message();
  EXPECT_NE(message.find("registry.heartbeat_interval"), std::string::npos) << message;
  EXPECT_NE(message.find("saga.lease"), std::string::npos) << message;
  // The bounds as a config file writes durations, each in its largest whole unit.
  EXPECT_NE(message.find("expected duration in [50ms, 87840h], got 0s"), std::string::npos) << message;
}

TEST(Config, ADurationOutOfRangeIsNamedInTheUnitsItIsWrittenIn) {
  Config config = parse("[a]\nseconds = \"90s\"\nminutes = \"2m\"\nodd = \"1500ms\"\n");
  config.getDuration("a.seconds", std::chrono::seconds(1), std::chrono::seconds(0), std::chrono::minutes(1));
  config.getDuration("a.minutes", std::chrono::seconds(1), std::chrono::hours(2));
  config.getDuration("a.odd", std::chrono::seconds(1), std::chrono::seconds(2));
  const std::string message = config.finish().message();
  EXPECT_NE(message.find("[0s, 1m], got 90s"), std::string::npos) << message;
  EXPECT_NE(message.find("[2h, 87840h], got 2m"), std::string::npos) << message;
  EXPECT_NE(message.find("[2s, 87840h], got 1500ms"), std::string::npos) << message;
}

TEST(Config, NotANumberIsOutOfEveryRange) {
  Config config = parse("[tracing]\nsample_ratio = nan\n", {{"FLEETDECK_LIMITS__PER_ADDRESS_PER_SECOND", "nan"}});
  EXPECT_EQ(config.getDouble("tracing.sample_ratio", 1.0, 0.0, 1.0), 1.0);
  EXPECT_EQ(config.getDouble("limits.per_address_per_second", 200.0, 0.0, 1e6), 200.0);
  const std::string message = config.finish().message();
  EXPECT_NE(message.find("tracing.sample_ratio"), std::string::npos) << message;
  EXPECT_NE(message.find("FLEETDECK_LIMITS__PER_ADDRESS_PER_SECOND"), std::string::npos) << message;
}

TEST(Config, EnvironmentVariablesNamingNoKeyReadAreListed) {
  Config config = parse("", {{"FLEETDECK_AUTH__ROTATE_AFTR", "0s"},
                             {"FLEETDECK_AUTH__ROTATE_AFTER", "0s"},
                             {"FLEETDECK_UPSTREAMS__ORDERS", "127.0.0.1:2"},
                             {"FLEETDECK_CONFIG", "/etc/fleetdeck/x.toml"}});
  config.getDuration("auth.rotate_after", std::chrono::hours(720));
  config.getStringTable("upstreams");
  EXPECT_TRUE(config.finish().isOk());
  EXPECT_EQ(config.unreadEnvironment(), std::vector<std::string>{"FLEETDECK_AUTH__ROTATE_AFTR"});
}

TEST(Config, SyntaxErrorReportsFileAndLine) {
  auto config = Config::parse("[database\nurl = 1", "broken.toml", {});
  ASSERT_FALSE(config.isOk());
  EXPECT_NE(config.status().message().find("broken.toml:1:"), std::string::npos) << config.status().message();
}

TEST(Config, MissingFileIsAClearError) {
  auto config = Config::loadFile("/nonexistent/users.toml", {});
  ASSERT_FALSE(config.isOk());
  EXPECT_NE(config.status().message().find("/nonexistent/users.toml"), std::string::npos);
}

TEST(Config, EnvironmentNameForKey) {
  EXPECT_EQ(environmentNameForKey("database.pool_size"), "FLEETDECK_DATABASE__POOL_SIZE");
}

TEST(Config, ShippedServiceConfigsParse) {
  // Unknown keys are caught when the e2e tests start the real services with these files.
  for (const char* file : {"services/users/config/users.toml", "services/gateway/config/gateway.toml"}) {
    auto config = Config::loadFile(std::filesystem::path(FLEETDECK_SOURCE_DIR) / file, {});
    EXPECT_TRUE(config.isOk()) << file << ": " << config.status().toString();
  }
}

}  // namespace
}  // namespace fleetdeck
