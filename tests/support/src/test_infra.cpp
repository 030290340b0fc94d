#include "fleetdeck/testing/test_infra.h"

#include <signal.h>
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

// Stops a nats-server started by an earlier process (the fixture's `start`). Not our child, so once
// it exits it may linger as a zombie when nobody reaps orphans; that counts as stopped here.
void stopOrphanedNatsServer(int pid) {
  kill(pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  auto gone = [pid] {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string pidField, command, state;
    return !(stat >> pidField >> command >> state) || state == "Z";
  };
  while (!gone() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!gone()) kill(pid, SIGKILL);
}

// nats-server with JetStream, its store under `root`, on loopback only; returns its pid.
int startNatsServer(const fs::path& root, uint16_t port) {
  fs::create_directories(root / "nats");
  launcher::ProcessSpec nats;
  nats.executable = "/usr/sbin/nats-server";
  nats.arguments = {"-js", "-sd", (root / "nats").string(), "-p", std::to_string(port), "-a", "127.0.0.1"};
  nats.logFile = root / "nats.log";
  auto process = launcher::ChildProcess::spawn(nats);
  if (!process) abortTests("cannot start nats-server: " + process.status().message());
  const int pid = process->pid();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!launcher::portInUse(port)) {
    if (std::chrono::steady_clock::now() > deadline) abortTests("nats-server did not start; see " + nats.logFile.string());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pid;
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
  info.redisStartTicks = launcher::processStartTicks(info.redisPid);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!launcher::portInUse(info.redisPort)) {
    if (std::chrono::steady_clock::now() > deadline) abortTests("redis-server did not start; see " + redis.logFile.string());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

  // NATS with JetStream on a file store: what the bus and the registry run on.
  auto natsPort = launcher::findFreePort();
  if (!natsPort) abortTests(natsPort.status().message());
  info.natsPort = *natsPort;
  info.natsPid = startNatsServer(info.root, info.natsPort);
  info.natsStartTicks = launcher::processStartTicks(info.natsPid);
  return info;
}

std::string natsUrl() { return "nats://127.0.0.1:" + std::to_string(sharedInfra().natsPort); }

NatsServer::NatsServer() {
  char pattern[] = "/tmp/fleetdeck-nats-XXXXXX";
  if (mkdtemp(pattern) == nullptr) abortTests("cannot create a temporary folder");
  root_ = pattern;
  auto port = launcher::findFreePort();
  if (!port) abortTests(port.status().message());
  port_ = *port;
  start();
}

NatsServer::~NatsServer() {
  stop();
  std::error_code error;
  fs::remove_all(root_, error);
}

std::string NatsServer::url() const { return "nats://127.0.0.1:" + std::to_string(port_); }

void NatsServer::start() {
  if (pid_ > 0) return;
  pid_ = startNatsServer(root_, port_);
}

void NatsServer::stop() {
  if (pid_ <= 0) return;
  if (auto status = launcher::stopProcess(pid_, std::chrono::seconds(5)); !status.isOk()) {
    std::cerr << "fleetdeck test infra: stopping nats-server: " << status.message() << std::endl;
  }
  pid_ = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (launcher::portInUse(port_) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string redisUrl(int database) {
  return "redis://127.0.0.1:" + std::to_string(sharedInfra().redisPort) + "/" + std::to_string(database);
}

void stopInfra(const InfraInfo& info) {
  const auto stillOurs = [](int pid, uint64_t startTicks) {
    return pid > 0 && startTicks != 0 && launcher::processStartTicks(pid) == startTicks;
  };
  if (stillOurs(info.redisPid, info.redisStartTicks)) (void)launcher::stopProcess(info.redisPid, std::chrono::seconds(5));
  if (stillOurs(info.natsPid, info.natsStartTicks)) stopOrphanedNatsServer(info.natsPid);
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
                             {"redisPid", info.redisPid},
                             {"natsPort", info.natsPort},
                             {"natsPid", info.natsPid},
                             {"redisStartTicks", info.redisStartTicks},
                             {"natsStartTicks", info.natsStartTicks}};
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
  if (const auto* port = object.if_contains("natsPort"); port && port->is_int64()) {
    info.natsPort = static_cast<uint16_t>(port->as_int64());
  }
  if (const auto* pid = object.if_contains("natsPid"); pid && pid->is_int64()) {
    info.natsPid = static_cast<int>(pid->as_int64());
  }
  const auto ticks = [&object](const char* key) -> uint64_t {
    const auto* value = object.if_contains(key);
    if (value == nullptr) return 0;
    if (value->is_uint64()) return value->as_uint64();
    return value->is_int64() && value->as_int64() > 0 ? static_cast<uint64_t>(value->as_int64()) : 0;
  };
  info.redisStartTicks = ticks("redisStartTicks");
  info.natsStartTicks = ticks("natsStartTicks");
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
