// Starting and stopping helper processes (databases, brokers, services) for the local fleet and tests.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fleetdeck/core/status.h"

namespace fleetdeck::launcher {

struct ProcessSpec {
  std::filesystem::path executable;
  std::vector<std::string> arguments;
  // Added to (or replacing) the current environment.
  std::map<std::string, std::string> environment;
  // stdout and stderr are appended here; empty means /dev/null.
  std::filesystem::path logFile;
  std::filesystem::path workingDirectory;
  // Run through `runuser -u <user> --` (PostgreSQL refuses to run as root).
  std::string runAsUser;
  // SIGTERM to the process when the thread that spawned it ends, however it ends (PR_SET_PDEATHSIG):
  // for test fixtures, so a test binary that crashes leaves no fleet running behind it. The
  // spawning thread must outlive the process; a launcher's children must not set it.
  bool stopWithSpawningThread = false;
};

// A process this program started. Not copyable; the process is NOT stopped on destruction, so a
// launcher may leave its children running on purpose (see stopProcess for the explicit stop).
class ChildProcess {
 public:
  static Result<ChildProcess> spawn(const ProcessSpec& spec);
  ChildProcess(ChildProcess&& other) noexcept : pid_(other.pid_), exitCode_(other.exitCode_) { other.pid_ = -1; }
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Reaps the child if it exited; false once it has.
  bool running();
  // The exit code once it ended (128+signal when killed by a signal).
  std::optional<int> exitCode() const { return exitCode_; }
  // SIGTERM, then SIGKILL after `grace`; waits for the exit.
  Status stop(std::chrono::milliseconds grace);

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
  std::optional<int> exitCode_;
};

// For processes started by another run of the launcher (known only by pid).
bool processAlive(pid_t pid);
// When the process started, in clock ticks since boot (/proc/<pid>/stat): with the pid it names one
// process for good, since a pid is reused and the pair is not. 0 when there is no such process.
uint64_t processStartTicks(pid_t pid);
// The executable a process runs (/proc/<pid>/exe); empty when it is gone or not ours to read.
std::filesystem::path processExecutable(pid_t pid);
// SIGTERM to the process (and its process group when it leads one), SIGKILL after `grace`.
Status stopProcess(pid_t pid, std::chrono::milliseconds grace);

// Runs a command to completion; its output goes to `output` (stdout and stderr together).
Status runCommand(const ProcessSpec& spec, std::string* output, std::chrono::milliseconds timeout);

// A TCP port on 127.0.0.1 that was free a moment ago (bound, then closed), picked at random below
// the kernel's ephemeral range (net.ipv4.ip_local_port_range): ports the kernel hands out to outgoing
// connections, and the fleet's default ports shifted by FLEETDECK_PORT_OFFSET, lie in or above that
// range, so a port from here is not taken by either between this call and its use. Falls back to
// a kernel-chosen port when nothing below the range is free.
Result<uint16_t> findFreePort();
// True when something accepts connections on 127.0.0.1:port.
bool portInUse(uint16_t port);

// Whether this process runs as root (then PostgreSQL must run as the `postgres` user).
bool runningAsRoot();

}  // namespace fleetdeck::launcher
