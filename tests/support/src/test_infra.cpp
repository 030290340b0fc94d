#include "fleetdeck/testing/test_infra.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <pqxx/pqxx>
#include <sstream>
#include <thread>

#include "adapters/child_process.h"
#include "adapters/postgres_cluster.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/core/json.h"

namespace fleetdeck::testing {
namespace {

namespace fs = std::filesystem;

launcher::PostgresCluster clusterFor(const InfraInfo& info) {
  launcher::PostgresOptions options;
  options.dataDirectory = info.postgresData;
  options.port = info.postgresPort;
  options.superuser = info.postgresUser;
  options.logFile = info.root / "postgres.log";
  options.fastUnsafe = true;
  return launcher::PostgresCluster(options);
}

[[noreturn]] void abortTests(const std::string& message) {
  std::cerr << "fleetdeck test infra: " << message << std::endl;
  std::exit(2);
}

}  // namespace

InfraInfo startInfra() {
  char pattern[] = "/tmp/fleetdeck-test-XXXXXX";
  if (mkdtemp(pattern) == nullptr) abortTests("cannot create a temporary folder");
  InfraInfo info;
  info.root = pattern;
  // PostgreSQL runs as `postgres` when we are root: it must be able to enter the folder.
  fs::permissions(info.root, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  info.postgresData = info.root / "postgres";
  auto port = launcher::findFreePort();
  if (!port) abortTests(port.status().message());
  info.postgresPort = *port;
  auto cluster = clusterFor(info);
  if (auto status = cluster.initialize(); !status.isOk()) abortTests(status.message());
  if (auto status = cluster.start(); !status.isOk()) abortTests(status.message());

  // Redis without persistence: a cache is all the fleet uses it for.
  auto redisPort = launcher::findFreePort();
  if (!redisPort) abortTests(redisPort.status().message());
  info.redisPort = *redisPort;
  launcher::ProcessSpec redis;
  redis.executable = "/usr/bin/redis-server";
  redis.arguments = {"--port", std::to_string(info.redisPort), "--bind", "127.0.0.1", "--save", "",
                     "--appendonly", "no", "--dir", info.root.string()};
  redis.logFile = info.root / "redis.log";
  auto process = launcher::ChildProcess::spawn(redis);
  if (!process) abortTests("cannot start redis-server: " + process.status().message());
  info.redisPid = process->pid();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!launcher::portInUse(info.redisPort)) {
    if (std::chrono::steady_clock::now() > deadline) abortTests("redis-server did not start; see " + redis.logFile.string());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return info;
}

std::string redisUrl(int database) {
  return "redis://127.0.0.1:" + std::to_string(sharedInfra().redisPort) + "/" + std::to_string(database);
}

void stopInfra(const InfraInfo& info) {
  if (info.redisPid > 0) (void)launcher::stopProcess(info.redisPid, std::chrono::seconds(5));
  auto cluster = clusterFor(info);
  if (auto status = cluster.stop(); !status.isOk()) {
    std::cerr << "fleetdeck test infra: stopping PostgreSQL: " << status.message() << std::endl;
  }
  std::error_code error;
  fs::remove_all(info.root, error);
}

std::string infraToJson(const InfraInfo& info) {
  boost::json::object object{{"root", info.root.string()},
                             {"postgresPort", info.postgresPort},
                             {"postgresUser", info.postgresUser},
                             {"postgresData", info.postgresData.string()},
                             {"redisPort", info.redisPort},
                             {"redisPid", info.redisPid}};
  return boost::json::serialize(object);
}

InfraInfo infraFromJson(const std::string& text) {
  std::string error;
  auto parsed = json::parse(text, &error);
  if (!parsed || !parsed->is_object()) abortTests("malformed infra state: " + error);
  const auto& object = parsed->as_object();
  InfraInfo info;
  info.root = json::stringOr(object, "root");
  info.postgresUser = json::stringOr(object, "postgresUser", "fleetdeck");
  info.postgresData = json::stringOr(object, "postgresData");
  if (const auto* port = object.if_contains("postgresPort"); port && port->is_int64()) {
    info.postgresPort = static_cast<uint16_t>(port->as_int64());
  }
  if (const auto* port = object.if_contains("redisPort"); port && port->is_int64()) {
    info.redisPort = static_cast<uint16_t>(port->as_int64());
  }
  if (const auto* pid = object.if_contains("redisPid"); pid && pid->is_int64()) {
    info.redisPid = static_cast<int>(pid->as_int64());
  }
  return info;
}

const InfraInfo& sharedInfra() {
  static std::once_flag once;
  static InfraInfo info;
  std::call_once(once, [] {
    if (const char* stateFile = std::getenv(kInfraStateVariable); stateFile != nullptr && *stateFile != '\0') {
      std::ifstream in(stateFile);
      if (!in) abortTests(std::string("cannot read ") + stateFile + " (did the infra fixture run?)");
      std::stringstream content;
      content << in.rdbuf();
      info = infraFromJson(content.str());
      return;
    }
    // Run on its own (not under ctest): bring up a private infra for this process only.
    info = startInfra();
    static InfraInfo toStop;
    toStop = info;
    std::atexit([] { stopInfra(toStop); });
  });
  return info;
}

std::string createTestDatabase(const std::string& prefix) {
  const InfraInfo& info = sharedInfra();
  static std::atomic<int> counter{0};
  const std::string name = prefix + "_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
                           randomHex(3);
  auto cluster = clusterFor(info);
  if (auto status = cluster.createDatabase(name); !status.isOk()) abortTests(status.message());
  return cluster.url(name);
}

}  // namespace fleetdeck::testing
