#include "fleetdeck/testing/service_process.h"

#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include "adapters/child_process.h"
#include "fleetdeck/core/config.h"
#include "fleetdeck/http/client.h"
#include "fleetdeck/testing/test_infra.h"

namespace fleetdeck::testing {
namespace {

// The services running now. A test program that leaves through exit() (a benchmark's fatal error)
// skips the destructors that stop them; this exit handler kills them instead, so no service outlives
// its test (or keeps a file lock the test runner holds). Each runs in its own process group.
std::mutex liveMutex;
std::set<pid_t> liveGroups;

void killLiveServices() {
  std::lock_guard lock(liveMutex);
  for (const pid_t group : liveGroups) ::kill(-group, SIGKILL);
}

void trackLive(pid_t group) {
  static const bool registered = std::atexit(killLiveServices) == 0;
  (void)registered;
  std::lock_guard lock(liveMutex);
  liveGroups.insert(group);
}

void untrackLive(pid_t group) {
  std::lock_guard lock(liveMutex);
  liveGroups.erase(group);
}

}  // namespace

struct ServiceProcess::State {
  std::optional<launcher::ChildProcess> process;
};

ServiceProcess::ServiceProcess(std::string name, std::filesystem::path executable,
                               std::map<std::string, std::string> environment, std::filesystem::path logDirectory)
    : name_(std::move(name)),
      executable_(std::move(executable)),
      environment_(std::move(environment)),
      logFile_(logDirectory / (name_ + ".log")),
      state_(std::make_unique<State>()) {
  auto found = environment_.find("FLEETDECK_ADMIN__PORT");
  if (found != environment_.end()) adminPort_ = static_cast<uint16_t>(std::stoi(found->second));
}

ServiceProcess::~ServiceProcess() { stop(std::chrono::seconds(5)); }

Status ServiceProcess::start(std::chrono::milliseconds timeout) {
  if (adminPort_ == 0) return invalidArgument(name_ + ": FLEETDECK_ADMIN__PORT must be set");
  std::filesystem::create_directories(logFile_.parent_path());
  launcher::ProcessSpec spec;
  spec.executable = executable_;
  spec.environment = environment_;
  spec.logFile = logFile_;
  spec.stopWithSpawningThread = true;  // a crashed test binary leaves no service behind
  auto process = launcher::ChildProcess::spawn(spec);
  if (!process) return process.status();
  if (state_->process) untrackLive(state_->process->pid());  // a restart: the old one is gone
  state_->process.emplace(std::move(*process));
  trackLive(state_->process->pid());
  http::HttpClient client("127.0.0.1", adminPort_, std::chrono::milliseconds(1000));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!state_->process->running()) {
      return unavailable(name_ + " exited with code " + std::to_string(state_->process->exitCode().value_or(-1)) +
                         " during start-up:\n" + logTail());
    }
    auto response = client.get("/readyz");
    if (response && response->status == 200) return Status::ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return deadlineExceeded(name_ + " not ready within " + std::to_string(timeout.count()) + " ms:\n" + logTail());
}

int ServiceProcess::stop(std::chrono::milliseconds grace) {
  if (!state_->process) return -1;
  [[maybe_unused]] Status ignored = state_->process->stop(grace);
  untrackLive(state_->process->pid());
  const int code = state_->process->exitCode().value_or(-1);
  state_->process.reset();
  return code;
}

bool ServiceProcess::running() { return state_->process && state_->process->running(); }

pid_t ServiceProcess::pid() const { return state_->process ? state_->process->pid() : 0; }

std::string ServiceProcess::logTail(size_t bytes) const {
  std::ifstream in(logFile_);
  std::stringstream content;
  content << in.rdbuf();
  const std::string text = content.str();
  return text.size() > bytes ? text.substr(text.size() - bytes) : text;
}

std::map<std::string, std::string> serviceEnvironment(const std::filesystem::path& configFile,
                                                      const std::string& databasePrefix) {
  return {{"FLEETDECK_CONFIG", configFile.string()},
          {"FLEETDECK_DATABASE__URL", createTestDatabase(databasePrefix)},
          {"FLEETDECK_GRPC__PORT", std::to_string(freePort())},
          {"FLEETDECK_ADMIN__PORT", std::to_string(freePort())},
          {"FLEETDECK_SERVER__WORKERS", "2"}};
}

Status refusedAtStart(const std::string& name, const std::filesystem::path& executable,
                      std::map<std::string, std::string> environment, std::string_view key, const std::string& value,
                      std::string_view expectedText) {
  const std::string setting = std::string(key) + " = " + value;
  environment[environmentNameForKey(key)] = value;
  ServiceProcess service(name, executable, std::move(environment), sharedInfra().root / "process-logs");
  const Status started = service.start(std::chrono::seconds(10));
  const bool exited = !service.running();
  const int exitCode = service.stop();
  const std::string log = service.logTail();
  if (started.isOk()) return failedPrecondition(name + " started with " + setting + ":\n" + log);
  if (!exited) return failedPrecondition(name + " neither started nor stopped with " + setting + ": " + started.toString());
  if (exitCode == 0) return failedPrecondition(name + " exited with code 0 during start-up with " + setting + ":\n" + log);
  if (log.find(key) == std::string::npos || log.find(expectedText) == std::string::npos) {
    return failedPrecondition(name + " stopped with " + setting + ", but its log does not name the key" +
                              (expectedText.empty() ? "" : " and \"" + std::string(expectedText) + "\"") + ":\n" + log);
  }
  return Status::ok();
}

uint16_t freePort() {
  // A port is free only until someone binds it, and a test asks for several before starting any
  // service: without this memory two calls could name the same port, and the second service to
  // start would fail to bind ("No address added", seen once in bench.saga).
  static std::mutex mutex;
  static std::set<uint16_t> handedOut;
  std::lock_guard lock(mutex);
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto port = launcher::findFreePort();
    if (!port) return 0;
    if (handedOut.insert(*port).second) return *port;
  }
  return 0;
}

}  // namespace fleetdeck::testing
