// The real infrastructure integration and e2e tests run against: a private PostgreSQL, Redis and NATS
// (JetStream) started once per `ctest` run by the infra fixture, or per test binary when run alone.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace fleetdeck::testing {

struct InfraInfo {
  std::filesystem::path root;  // temporary folder holding data and logs
  uint16_t postgresPort = 0;
  std::string postgresUser = "fleetdeck";
  std::filesystem::path postgresData;
  uint16_t redisPort = 0;
  int redisPid = 0;
  uint16_t natsPort = 0;
  int natsPid = 0;
  // With the pids, when those processes started (launcher::processStartTicks): a state file left by
  // an interrupted run names pids that may belong to anything after a reboot; only a process that
  // started at the recorded tick is the one to stop.
  uint64_t redisStartTicks = 0;
  uint64_t natsStartTicks = 0;
};

// Environment variable naming the state file written by `fleetdeck_test_env start`.
inline constexpr const char* kInfraStateVariable = "FLEETDECK_TEST_INFRA";

// The infra of this run: read from the fixture's state file, or started privately for this process
// (stopped and removed when it exits). Aborts the test binary with a clear message if it cannot start.
const InfraInfo& sharedInfra();

// Creates a new, empty database with a unique name and returns its connection URL; tests never share one.
std::string createTestDatabase(const std::string& prefix);

// redis://127.0.0.1:<port>/<database>; tests that need isolation pick their own database number (0-15)
// or key prefix.
std::string redisUrl(int database = 0);

// nats://127.0.0.1:<port> of the shared nats-server (JetStream on, file store in the infra folder).
// Tests isolate themselves by stream, consumer and bucket names; a test that stops the broker starts
// its own NatsServer instead.
std::string natsUrl();

// A private nats-server for one test, e.g. to stop and restart the broker under a running client.
// Same port and store folder across restart(), so JetStream state survives like a real restart.
class NatsServer {
 public:
  // Starts at once on a free loopback port; aborts the test binary when it cannot.
  NatsServer();
  ~NatsServer();
  NatsServer(const NatsServer&) = delete;
  NatsServer& operator=(const NatsServer&) = delete;

  std::string url() const;
  uint16_t port() const { return port_; }
  // Stops the server (SIGTERM, then SIGKILL) and waits until the port is free.
  void stop();
  // Starts it again on the same port with the same store, and waits until it accepts connections.
  void start();
  bool running() const { return pid_ > 0; }

 private:
  std::filesystem::path root_;
  uint16_t port_ = 0;
  int pid_ = 0;
};

// Starts the infra in a new temporary folder (the fixture's `start`); the caller owns stopping it.
InfraInfo startInfra();
void stopInfra(const InfraInfo& info);
std::string infraToJson(const InfraInfo& info);
InfraInfo infraFromJson(const std::string& json);

}  // namespace fleetdeck::testing
