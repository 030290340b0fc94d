// Runs a FleetDeck executable as a real process for e2e tests: env config, readiness wait, log capture, stop.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "fleetdeck/core/status.h"

namespace fleetdeck::testing {

class ServiceProcess {
 public:
  // Starts `executable` with FLEETDECK_* variables in `environment`; the admin port must be set in
  // it (FLEETDECK_ADMIN__PORT) so readiness can be polled.
  ServiceProcess(std::string name, std::filesystem::path executable, std::map<std::string, std::string> environment,
                 std::filesystem::path logDirectory);
  ~ServiceProcess();

  // Spawns and waits until /readyz answers 200; the error includes the tail of the process log.
  Status start(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // SIGTERM and wait (SIGKILL after `grace`); returns the exit code.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
  bool running();
  std::string logTail(size_t bytes = 4000) const;
  uint16_t adminPort() const { return adminPort_; }
  // The process id while it runs (0 otherwise), for benchmarks that read its counters in /proc.
  pid_t pid() const;

 private:
  struct State;
  std::string name_;
  std::filesystem::path executable_;
  std::map<std::string, std::string> environment_;
  std::filesystem::path logFile_;
  uint16_t adminPort_ = 0;
  std::unique_ptr<State> state_;
};

// What a fleet service needs to start on its own: `configFile` (its packaged config), a new database of
// its own named after `databasePrefix`, free gRPC and admin ports, and two workers.
std::map<std::string, std::string> serviceEnvironment(const std::filesystem::path& configFile,
                                                      const std::string& databasePrefix);

// Starts `executable` with `environment` plus the config key `key` ("section.name") set to `value`
// through its FLEETDECK_ variable, and checks that the service refuses the setting: it exits non-zero
// during start-up, and its log names the key and holds `expectedText` (e.g. the bounds, "[1s, ").
// OK when it did; otherwise what it did instead, with its log. `name` names its log file.
Status refusedAtStart(const std::string& name, const std::filesystem::path& executable,
                      std::map<std::string, std::string> environment, std::string_view key, const std::string& value,
                      std::string_view expectedText = {});

// Polls `condition` every few milliseconds until it holds or `timeout` passes.
template <typename Condition>
bool waitUntil(Condition&& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

// A free loopback port (for services that must be told their port up front); never one this
// process was given before. 0 when none is found.
uint16_t freePort();

}  // namespace fleetdeck::testing
