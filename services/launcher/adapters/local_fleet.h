// The local fleet supervisor: starts PostgreSQL and every service under a data folder, watches
// them (restarting a crashed service with backoff), and stops everything in reverse order.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "adapters/child_process.h"
#include "adapters/fleet_control.h"
#include "adapters/postgres_cluster.h"
#include "domain/fleet_plan.h"
#include "fleetdeck/core/status.h"

namespace fleetdeck::launcher {

// Where everything of one local fleet lives.
struct FleetPaths {
  std::filesystem::path data;  // e.g. <repo>/var
  std::filesystem::path binaries;  // folder with fleetdeck-<service> (or build tree, see findExecutable)
  // Config file per service, "{name}" replaced by the service name; unused when the file is missing.
  std::string configPattern;
  // Prometheus alert rules (*.rules.yml) and the scrape config template.
  std::filesystem::path prometheusResources;

  std::filesystem::path logs() const { return data / "log"; }
  std::filesystem::path run() const { return data / "run"; }
  std::filesystem::path secrets() const { return data / "secrets"; }
  std::filesystem::path stateFile() const { return run() / "state.json"; }
  std::filesystem::path pidFile() const { return run() / "launcher.pid"; }
  // Held (flock) by the running launcher for its whole life: released by the kernel when it dies,
  // however it dies, so a stale pid file can never make another process look like the launcher.
  std::filesystem::path lockFile() const { return run() / "launcher.lock"; }
};

// After a launcher that was killed (SIGKILL, out of memory, a crash): stops the processes its
// state file lists that still run (each checked by pid and start time, so nothing else is hit) and
// this data folder's PostgreSQL, and removes the state file. Names what it stopped. Only while no
// launcher holds the lock.
std::vector<std::string> stopLeftovers(const FleetPaths& paths);

class LocalFleet {
 public:
  LocalFleet(FleetPaths paths, FleetPlan plan);
  ~LocalFleet();

  // Brings everything up in order and writes the state file with phase "ready" (or "failed").
  Status start();
  // Watches children until a stop signal arrives; restarts services that crash (but not those
  // stopped through the control endpoint) and carries out the control endpoint's requests.
  void superviseUntilStopped();
  // Services in reverse order, then PostgreSQL. With a failure message the state file keeps
  // saying "failed" with it (so `up` can report why); otherwise the state file is removed.
  void stop(const std::string& failure = {});

 private:
  struct RunningService {
    ServiceDefinition definition;
    std::optional<ChildProcess> process;
    int restarts = 0;
    std::chrono::steady_clock::time_point nextRestart{};
    bool stoppedOnRequest = false;  // stopped through the control endpoint: not restarted
  };

  Status startService(RunningService& service);
  Status waitReady(RunningService& service, std::chrono::milliseconds timeout);
  std::filesystem::path executableFor(const std::string& name) const;
  void writeState(const std::string& phase, const std::string& error = {});
  // The state file again, in the phase it was last written in, with a process just spawned: written
  // only once the process was ready (up to 30 s later), a launcher killed meanwhile left nothing for
  // `down` to find, and the process ran on holding its port.
  void recordSpawned() { writeState(phase_, phaseError_); }
  // The secret kept in secrets/<name>, made (0600) on first use; an error when it cannot be stored:
  // a PostgreSQL password used but not kept would lock the next start out of its own cluster.
  Result<std::string> readOrCreateSecret(const std::string& name);
  // Stops or starts one service for the control endpoint and answers the request.
  void carryOut(ControlRequest& request);
  // "running", "stopped" (on request) or "restarting" (exited; the supervisor starts it again).
  static std::string statusOf(const RunningService& service);

  FleetPaths paths_;
  FleetPlan plan_;
  // FAILED_PRECONDITION naming every port of the plan (PostgreSQL's aside) that something holds.
  Status checkPortsFree() const;
  // Starts one infrastructure process and waits until its port answers.
  Status startInfrastructure(const std::string& name, ProcessSpec spec, uint16_t port);
  Status writePrometheusConfig();

  struct Infrastructure {
    std::string name;
    uint16_t port = 0;
    ChildProcess process;
  };

  std::unique_ptr<PostgresCluster> postgres_;
  std::vector<Infrastructure> infrastructure_;  // started in order, stopped in reverse
  std::vector<RunningService> services_;
  std::unique_ptr<FleetControl> control_;
  std::string phase_ = "starting";  // as the state file says it, for recordSpawned()
  std::string phaseError_;
};

// Finds fleetdeck-<name>: next to `binaries` (installed layout) or in the build tree
// (<build>/services/<name>/fleetdeck-<name>). Empty when neither exists.
std::filesystem::path findExecutable(const std::filesystem::path& binaries, const std::string& name);

}  // namespace fleetdeck::launcher
