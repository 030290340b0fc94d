// --migrate-only, what Kubernetes' `migrate` init container runs (packaging/k8s/base/<service>.yaml):
// each service with a database applies its migrations to a fresh database and exits 0 without
// opening a port; a second run (and the main container after it) finds nothing to do; replicas'
// init containers running at once apply each migration once; the gateway, which has no database,
// refuses the flag. The real executables as processes against the test PostgreSQL.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "adapters/child_process.h"
#include "fleetdeck/testing/auth_helper.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"

namespace fleetdeck {
namespace {

using testing::ServiceProcess;

const std::map<std::string, std::filesystem::path> kBinaries = {
    {"users", FLEETDECK_USERS_BINARY},
    {"products", FLEETDECK_PRODUCTS_BINARY},
    {"orders", FLEETDECK_ORDERS_BINARY},
    {"payments", FLEETDECK_PAYMENTS_BINARY},
    {"notifications", FLEETDECK_NOTIFICATIONS_BINARY},
    {"gateway", FLEETDECK_GATEWAY_BINARY},
};

std::filesystem::path logDirectory() {
  return testing::sharedInfra().root / "e2e-logs" / std::to_string(getpid()) / "migrate-only";
}

std::string configFile(const std::string& service) {
  return std::string(FLEETDECK_SOURCE_DIR) + "/services/" + service + "/config/" + service + ".toml";
}

// The versions of services/<service>/migrations/NNN_*.sql: what the binary carries compiled in.
std::set<int> migrationVersions(const std::string& service) {
  std::set<int> versions;
  const std::regex name(R"((\d+)_.+\.sql)");
  const std::filesystem::path folder = std::string(FLEETDECK_SOURCE_DIR) + "/services/" + service + "/migrations";
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    std::smatch match;
    const std::string file = entry.path().filename().string();
    if (std::regex_match(file, match, name)) versions.insert(std::stoi(match[1]));
  }
  return versions;
}

std::vector<int> appliedVersions(const std::string& databaseUrl) {
  pqxx::connection connection(databaseUrl);
  pqxx::nontransaction query(connection);
  std::vector<int> versions;
  if (!query.exec("SELECT to_regclass('schema_migrations') IS NOT NULL")[0][0].as<bool>()) return versions;
  for (const auto& row : query.exec("SELECT version FROM schema_migrations ORDER BY version")) {
    versions.push_back(row[0].as<int>());
  }
  return versions;
}

size_t occurrences(const std::string& text, const std::string& what) {
  size_t count = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++count;
  return count;
}

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// One run of an executable to its end, watching its ports all the while.
struct Outcome {
  std::optional<int> exitCode;  // empty: still running at the deadline (then killed)
  bool portOpened = false;      // the admin or service port accepted a connection at some point
  std::string log;              // standard output and error
};

class MigrateOnlyRun {
 public:
  // `service` with `arguments`, on `databaseUrl` (none for the gateway), its ports on free loopback ports.
  MigrateOnlyRun(const std::string& service, std::vector<std::string> arguments, const std::string& databaseUrl,
                 const std::string& label, const std::map<std::string, std::string>& extraEnvironment = {}) {
    adminPort_ = testing::freePort();
    servicePort_ = testing::freePort();
    launcher::ProcessSpec spec;
    spec.executable = kBinaries.at(service);
    spec.arguments = std::move(arguments);
    spec.environment = {{"FLEETDECK_CONFIG", configFile(service)},
                        {"FLEETDECK_ADMIN__PORT", std::to_string(adminPort_)}};
    if (service == "gateway") {
      spec.environment["FLEETDECK_HTTP__PORT"] = std::to_string(servicePort_);
      spec.environment["FLEETDECK_AUTH__KEY_FILE"] = testing::testKeyFile("migrate-only-" + label);
    } else {
      spec.environment["FLEETDECK_GRPC__PORT"] = std::to_string(servicePort_);
      spec.environment["FLEETDECK_DATABASE__URL"] = databaseUrl;
    }
    for (const auto& [name, value] : extraEnvironment) spec.environment[name] = value;
    std::filesystem::create_directories(logDirectory());
    spec.logFile = logDirectory() / (label + ".log");
    std::filesystem::remove(spec.logFile);
    logFile_ = spec.logFile;
    auto spawned = launcher::ChildProcess::spawn(spec);
    if (!spawned) {
      ADD_FAILURE() << service << ": " << spawned.status().toString();
      return;
    }
    process_.emplace(std::move(*spawned));
  }
  ~MigrateOnlyRun() {
    if (process_ && process_->running()) (void)process_->stop(std::chrono::seconds(2));
  }

  Outcome wait(std::chrono::milliseconds timeout) {
    Outcome run;
    if (!process_) return run;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (process_->running() && std::chrono::steady_clock::now() < deadline) {
      if (launcher::portInUse(adminPort_) || launcher::portInUse(servicePort_)) run.portOpened = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (process_->running()) {
      (void)process_->stop(std::chrono::seconds(2));
    } else {
      run.exitCode = process_->exitCode();
    }
    run.log = readFile(logFile_);
    return run;
  }

 private:
  std::optional<launcher::ChildProcess> process_;
  std::filesystem::path logFile_;
  uint16_t adminPort_ = 0;
  uint16_t servicePort_ = 0;
};

constexpr std::chrono::seconds kMigrationTimeout{60};
const std::string kDoneMessage = "database migrations applied; exiting without serving (--migrate-only)";

class MigrateOnly : public ::testing::TestWithParam<std::string> {};

TEST_P(MigrateOnly, AppliesTheMigrationsToAFreshDatabaseAndExitsWithoutOpeningAPort) {
  const std::string service = GetParam();
  const std::string database = testing::createTestDatabase("migrate_only_" + service);
  const std::set<int> expected = migrationVersions(service);
  ASSERT_FALSE(expected.empty()) << "no migrations found for " << service;

  MigrateOnlyRun first(service, {"--migrate-only"}, database, service + "-first");
  const Outcome run = first.wait(kMigrationTimeout);
  ASSERT_TRUE(run.exitCode.has_value()) << service << " --migrate-only was still running after "
                                        << kMigrationTimeout.count() << " s (it served instead of exiting?):\n"
                                        << run.log;
  EXPECT_EQ(*run.exitCode, 0) << run.log;
  EXPECT_FALSE(run.portOpened) << service << " --migrate-only opened its admin or gRPC port:\n" << run.log;
  EXPECT_EQ(occurrences(run.log, "\"applied migration\""), expected.size()) << run.log;
  EXPECT_NE(run.log.find(kDoneMessage), std::string::npos) << run.log;
  EXPECT_NE(run.log.find("\"applied\":" + std::to_string(expected.size())), std::string::npos) << run.log;
  EXPECT_EQ(run.log.find("\"message\":\"ready\""), std::string::npos) << run.log;
  const std::vector<int> applied = appliedVersions(database);
  EXPECT_EQ(std::set<int>(applied.begin(), applied.end()), expected);
  EXPECT_EQ(applied.size(), expected.size());

  // The next replica's init container: nothing left to do, and it still says so and exits 0.
  MigrateOnlyRun second(service, {"--config", configFile(service), "--migrate-only"}, database, service + "-second");
  const Outcome again = second.wait(kMigrationTimeout);
  ASSERT_TRUE(again.exitCode.has_value()) << again.log;
  EXPECT_EQ(*again.exitCode, 0) << again.log;
  EXPECT_FALSE(again.portOpened) << again.log;
  EXPECT_EQ(occurrences(again.log, "\"applied migration\""), 0u) << again.log;
  EXPECT_NE(again.log.find("\"applied\":0"), std::string::npos) << again.log;

  // The main container after it: starts serving on the migrated database, applying nothing.
  ServiceProcess main(service, kBinaries.at(service),
                      {{"FLEETDECK_CONFIG", configFile(service)},
                       {"FLEETDECK_DATABASE__URL", database},
                       {"FLEETDECK_GRPC__PORT", std::to_string(testing::freePort())},
                       {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())}},
                      logDirectory() / (service + "-main"));
  const Status started = main.start();
  ASSERT_TRUE(started.isOk()) << started.toString();
  EXPECT_EQ(occurrences(main.logTail(1 << 20), "\"applied migration\""), 0u) << main.logTail();
  EXPECT_EQ(main.stop(), 0) << main.logTail();
}

INSTANTIATE_TEST_SUITE_P(DatabaseServices, MigrateOnly,
                         ::testing::Values("users", "products", "orders", "payments", "notifications"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// Several replicas' init containers start together: the advisory lock lets one migrate while the
// others wait, so every migration is applied once and every run exits 0.
TEST(MigrateOnlyReplicas, InitContainersStartingTogetherApplyEachMigrationOnce) {
  const std::string service = "orders";  // the longest list of migrations
  const std::string database = testing::createTestDatabase("migrate_only_together");
  const std::set<int> expected = migrationVersions(service);
  std::vector<std::unique_ptr<MigrateOnlyRun>> runs;
  for (int replica = 0; replica < 3; ++replica) {
    runs.push_back(std::make_unique<MigrateOnlyRun>(service, std::vector<std::string>{"--migrate-only"}, database,
                                                    "together-" + std::to_string(replica)));
  }
  size_t appliedLines = 0;
  for (auto& process : runs) {
    const Outcome run = process->wait(kMigrationTimeout);
    ASSERT_TRUE(run.exitCode.has_value()) << run.log;
    EXPECT_EQ(*run.exitCode, 0) << run.log;
    EXPECT_FALSE(run.portOpened) << run.log;
    EXPECT_NE(run.log.find(kDoneMessage), std::string::npos) << run.log;
    appliedLines += occurrences(run.log, "\"applied migration\"");
  }
  EXPECT_EQ(appliedLines, expected.size());
  const std::vector<int> applied = appliedVersions(database);
  EXPECT_EQ(std::set<int>(applied.begin(), applied.end()), expected);
  EXPECT_EQ(applied.size(), expected.size());
}

// The gateway has no database: the flag is an error at start, never silently ignored (which would
// leave an init container serving for ever and the pod never starting).
TEST(MigrateOnlyGateway, RefusesTheFlagAtStart) {
  MigrateOnlyRun gateway("gateway", {"--migrate-only"}, "", "gateway");
  const Outcome run = gateway.wait(std::chrono::seconds(20));
  ASSERT_TRUE(run.exitCode.has_value()) << "the gateway ignored --migrate-only and kept running:\n" << run.log;
  EXPECT_EQ(*run.exitCode, 78) << "EX_CONFIG: a setting no restart can mend\n" << run.log;
  EXPECT_FALSE(run.portOpened) << run.log;
  EXPECT_NE(run.log.find("gateway: --migrate-only: the gateway has no database to migrate"), std::string::npos)
      << run.log;
}

// Records of consumed events kept for less than dead letters are (14 days) would let a late replay of
// a letter whose effect had committed apply it twice: such a setting refuses to start, naming it.
TEST(ConsumerSettings, ProcessedRecordsKeptShorterThanDeadLetters_RefuseToStart) {
  for (const std::string service : {"payments", "notifications"}) {
    MigrateOnlyRun run(service, {"--migrate-only"}, testing::createTestDatabase("retention_" + service),
                       "retention-" + service, {{"FLEETDECK_CONSUMERS__PROCESSED_RETENTION", "192h"}});
    const Outcome outcome = run.wait(std::chrono::seconds(20));
    ASSERT_TRUE(outcome.exitCode.has_value()) << service << " kept running:\n" << outcome.log;
    EXPECT_EQ(*outcome.exitCode, 78) << outcome.log;
    EXPECT_NE(outcome.log.find("consumers.processed_retention"), std::string::npos) << outcome.log;
  }
}

// A database that is not up yet is worth retrying, unlike a bad setting: exit 1, not EX_CONFIG (78),
// so systemd's RestartPreventExitStatus=78 keeps restarting the one and not the other.
TEST(ConsumerSettings, AnUnreachableDatabase_ExitsOne_NotAsABadSetting) {
  MigrateOnlyRun run("users", {"--migrate-only"},
                     "postgresql://fleetdeck@127.0.0.1:" + std::to_string(testing::freePort()) + "/nowhere?connect_timeout=2",
                     "unreachable-users");
  const Outcome outcome = run.wait(std::chrono::seconds(30));
  ASSERT_TRUE(outcome.exitCode.has_value()) << "users kept running:\n" << outcome.log;
  EXPECT_EQ(*outcome.exitCode, 1) << outcome.log;
}

// A refusal an operator must mend (a key file others may read) is EX_CONFIG too, not retried.
TEST(ConsumerSettings, AKeyFileOthersMayRead_ExitsAsABadSetting) {
  const std::filesystem::path keyFile = logDirectory() / "readable-jwt-keys.json";
  std::filesystem::remove(keyFile);
  {
    // A valid key ring, made (0600) by a gateway's first start, stopped once it exists.
    MigrateOnlyRun maker("gateway", {}, "", "readable-keys-maker", {{"FLEETDECK_AUTH__KEY_FILE", keyFile.string()}});
    ASSERT_TRUE(testing::waitUntil([&] { return std::filesystem::exists(keyFile); }, std::chrono::seconds(20)));
    (void)maker.wait(std::chrono::milliseconds(1));
  }
  std::filesystem::permissions(keyFile, std::filesystem::perms::others_read, std::filesystem::perm_options::add);
  MigrateOnlyRun run("gateway", {}, "", "readable-keys", {{"FLEETDECK_AUTH__KEY_FILE", keyFile.string()}});
  const Outcome outcome = run.wait(std::chrono::seconds(20));
  ASSERT_TRUE(outcome.exitCode.has_value()) << "the gateway served with a key file others may read:\n" << outcome.log;
  EXPECT_EQ(*outcome.exitCode, 78) << outcome.log;
}

TEST(MigrateOnlyHelp, HelpListsTheFlag) {
  std::string output;
  launcher::ProcessSpec spec;
  spec.executable = kBinaries.at("users");
  spec.arguments = {"--help"};
  const Status status = launcher::runCommand(spec, &output, std::chrono::seconds(10));
  ASSERT_TRUE(status.isOk()) << status.toString() << "\n" << output;
  EXPECT_NE(output.find("--migrate-only"), std::string::npos) << output;
}

}  // namespace
}  // namespace fleetdeck
