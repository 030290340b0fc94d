// fleetdeck-launcher: runs the laptop fleet (private PostgreSQL + every service) under a data folder.
//   up      start in the background and wait until everything is ready
//   down    stop everything (services, then PostgreSQL); leaves no process behind
//   status  what runs, with readiness
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "adapters/child_process.h"
#include "adapters/demo_seeder.h"
#include "adapters/install_layout.h"
#include "adapters/local_fleet.h"
#include "domain/fleet_plan.h"
#include "fleetdeck/core/json.h"
#include "fleetdeck/core/log.h"
#include "fleetdeck/http/client.h"

using namespace fleetdeck;
using namespace fleetdeck::launcher;
namespace fs = std::filesystem;

namespace {

constexpr const char* kUsage = R"(Usage: fleetdeck-launcher <command> [options]

Commands:
  up        start the local fleet in the background and wait until it is ready
  down      stop the local fleet
  status    show what runs
  run       start the local fleet in the foreground (Ctrl+C stops it)
  seed      load the demo data into the running fleet (done by `up` on first start)
  credentials  print the demo accounts: one "<role> <username> <password>" per line
  paths     print where the executables, config files and resources are looked up

Options:
  --data DIR         data folder (default: $FLEETDECK_DATA or ./var)
  --bin-dir DIR      folder with the fleetdeck-* executables (default: next to this program)
  --config-dir DIR   folder with <service>.toml files (default: <prefix>/etc/fleetdeck, /etc/fleetdeck
                     for /usr/bin/fleetdeck-launcher, the source tree's in a build tree)
  --demo-dir DIR     demo data (default: <prefix>/share/fleetdeck/demo, the source tree's resources/demo)
  --no-seed          `up` without loading the demo data

Environment:
  FLEETDECK_GATEWAY_PORT   gateway HTTP port (default 8080)
  FLEETDECK_PORT_OFFSET    added to every other port (default 0), to run a second fleet beside one
  FLEETDECK_BIN_DIR        folder with the fleetdeck-* executables (like --bin-dir)
  FLEETDECK_CONFIG_DIR     folder with <service>.toml files (like --config-dir)
  FLEETDECK_SHARE_DIR      folder with prometheus/ (template, rules) and demo/, e.g. /usr/share/fleetdeck
)";

struct Options {
  std::string command;
  FleetPaths paths;
  InstallLayout layout;
  std::filesystem::path demoDirectory;
  bool seed = true;
};

fs::path selfDirectory() {
  std::error_code error;
  return fs::read_symlink("/proc/self/exe", error).parent_path();
}

Options parseArguments(int argc, char** argv) {
  Options options;
  const char* data = std::getenv("FLEETDECK_DATA");
  options.paths.data = data != nullptr ? fs::path(data) : fs::current_path() / "var";
#ifdef FLEETDECK_SOURCE_DIR
  const fs::path sourceDirectory = FLEETDECK_SOURCE_DIR;
#else
  const fs::path sourceDirectory;
#endif
  options.layout = locateInstallLayout(selfDirectory(), sourceDirectory, [](const char* name) { return std::getenv(name); });
  options.paths.binaries = options.layout.binaries;
  options.paths.configPattern = options.layout.configPattern;
  options.paths.prometheusResources = options.layout.prometheusResources;
  options.demoDirectory = options.layout.demoDirectory;
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "fleetdeck-launcher: " << argument << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (argument == "--help" || argument == "-h") {
      std::cout << kUsage;
      std::exit(0);
    } else if (argument == "--data") {
      options.paths.data = value();
    } else if (argument == "--bin-dir") {
      options.paths.binaries = value();
      options.layout.origins.at(0) = "--bin-dir";
    } else if (argument == "--demo-dir") {
      options.demoDirectory = value();
      options.layout.origins.at(3) = "--demo-dir";
    } else if (argument == "--no-seed") {
      options.seed = false;
    } else if (argument == "--config-dir") {
      options.paths.configPattern = value() + "/{name}.toml";
      options.layout.origins.at(1) = "--config-dir";
    } else if (options.command.empty() && !argument.starts_with("-")) {
      options.command = argument;
    } else {
      std::cerr << "fleetdeck-launcher: unknown argument '" << argument << "'\n\n" << kUsage;
      std::exit(2);
    }
  }
  options.paths.data = fs::absolute(options.paths.data);
  return options;
}

FleetPlan planFromEnvironment() {
  uint16_t gatewayPort = 8080;
  if (const char* port = std::getenv("FLEETDECK_GATEWAY_PORT"); port != nullptr && *port != '\0') {
    const int value = std::atoi(port);
    if (value <= 0 || value > 65535) {
      std::cerr << "fleetdeck-launcher: FLEETDECK_GATEWAY_PORT='" << port << "' is not a port number\n";
      std::exit(2);
    }
    gatewayPort = static_cast<uint16_t>(value);
  }
  int offset = 0;
  if (const char* text = std::getenv("FLEETDECK_PORT_OFFSET"); text != nullptr && *text != '\0') {
    offset = std::atoi(text);
    if (offset < 0 || offset > 9000) {
      std::cerr << "fleetdeck-launcher: FLEETDECK_PORT_OFFSET='" << text << "' must be between 0 and 9000\n";
      std::exit(2);
    }
  }
  return defaultFleetPlan(gatewayPort, static_cast<uint16_t>(offset));
}

std::optional<boost::json::object> readState(const FleetPaths& paths) {
  std::ifstream in(paths.stateFile());
  if (!in) return std::nullopt;
  std::stringstream content;
  content << in.rdbuf();
  auto parsed = json::parse(content.str());
  if (!parsed || !parsed->is_object()) return std::nullopt;
  return parsed->as_object();
}

// The launcher lock (FleetPaths::lockFile), taken without waiting: its descriptor, or -1 when
// another launcher holds it. Close-on-exec, so the fleet's processes never inherit it.
int tryLockLauncher(const FleetPaths& paths) {
  std::error_code error;
  fs::create_directories(paths.run(), error);
  const int fd = open(paths.lockFile().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// The running launcher's pid, or 0. Running means holding the lock; the pid file only names it,
// and a pid file left by a launcher that was killed (or by a machine that lost power) is ignored:
// its pid may belong to any process by now.
pid_t runningLauncher(const FleetPaths& paths) {
  const int fd = open(paths.lockFile().c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  const bool held = flock(fd, LOCK_SH | LOCK_NB) != 0;
  close(fd);
  if (!held) return 0;
  // Held: the pid file is written just after the lock is taken; wait for it briefly.
  for (int attempt = 0; attempt < 50; ++attempt) {
    std::ifstream in(paths.pidFile());
    pid_t pid = 0;
    if (in >> pid && pid > 0 && processAlive(pid)) return pid;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return 0;
}

void reportLeftovers(const std::vector<std::string>& stopped) {
  if (stopped.empty()) return;
  std::cout << "Stopped what a launcher that was killed had left running:";
  for (const auto& name : stopped) std::cout << ' ' << name;
  std::cout << "\n";
}

int64_t intOr(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_int64() ? value->as_int64() : 0;
}

void printSummary(const boost::json::object& state) {
  std::cout << "FleetDeck local fleet:\n";
  for (const auto& item : state.at("components").as_array()) {
    const auto& component = item.as_object();
    const std::string name = json::stringOr(component, "name");
    std::string line = "  " + name + std::string(name.size() < 12 ? 12 - name.size() : 1, ' ');
    if (auto url = json::stringOr(component, "httpUrl"); !url.empty()) line += "REST " + url + "  ";
    if (auto grpc = json::stringOr(component, "grpcAddress"); !grpc.empty()) line += "gRPC " + grpc + "  ";
    if (auto address = json::stringOr(component, "address"); !address.empty()) line += address + "  ";
    if (auto admin = json::stringOr(component, "adminUrl"); !admin.empty()) line += "admin " + admin;
    std::cout << line << "\n";
  }
}

int commandSeed(const Options& options);

// `lock`: the launcher lock, taken by `up` before it forked this daemon; -1: take it here.
int commandRun(const Options& options, bool daemon, int lock = -1) {
  FleetPaths paths = options.paths;
  fs::create_directories(paths.run());
  fs::create_directories(paths.logs());
  if (lock < 0) lock = tryLockLauncher(paths);
  if (lock < 0) {
    std::cerr << "fleetdeck-launcher: the local fleet of " << paths.data.string()
              << " is already running (./fleetdeck status, ./fleetdeck down)\n";
    return 1;
  }
  {
    std::ofstream(paths.pidFile()) << getpid() << "\n";
  }
  if (!daemon) reportLeftovers(stopLeftovers(paths));  // `up` did this before it forked the daemon
  log::Options logOptions;
  logOptions.service = "launcher";
  if (daemon) logOptions.file = (paths.logs() / "launcher.log").string();
  if (Status logging = log::configure(logOptions); !logging.isOk()) {
    std::cerr << "fleetdeck launcher: " << logging.message() << "; logging to standard error\n";
  }

  // Block stop signals before any thread exists; the supervisor waits for them explicitly.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  LocalFleet fleet(paths, planFromEnvironment());
  const Status started = fleet.start();
  if (!started.isOk()) {
    log::error("local fleet failed to start", {{"error", started.message()}});
    if (!daemon) std::cerr << "fleetdeck-launcher: " << started.message() << "\n";
    fleet.stop(started.message());
    fs::remove(paths.pidFile());
    return 1;
  }
  log::info("local fleet ready");
  if (!daemon) {
    if (auto state = readState(paths)) printSummary(*state);
    std::cout << "Press Ctrl+C to stop.\n";
  }
  fleet.superviseUntilStopped();
  fleet.stop();
  fs::remove(paths.pidFile());
  log::info("local fleet stopped");
  log::flush();
  return 0;
}

int commandUp(const Options& options) {
  // Taken before the fork and handed to the daemon: two `up` at once start one fleet.
  const int lock = tryLockLauncher(options.paths);
  if (lock < 0) {
    std::cout << "The local fleet is already running";
    if (pid_t pid = runningLauncher(options.paths); pid != 0) std::cout << " (launcher pid " << pid << ")";
    std::cout << ".\n";
    const auto state = readState(options.paths);
    if (state) printSummary(*state);
    if (!options.seed) return 0;
    // What the demo data looks like, never a seeding of its own from here: the `up` that started the
    // fleet seeds it once ready. Seeding that stopped half-way (Ctrl+C, a failing service) is said,
    // not passed over as "already running".
    const fs::path secrets = options.paths.secrets();
    if (!state || json::stringOr(*state, "phase") != "ready") {
      std::cout << "It is still starting; the ./fleetdeck up that started it loads the demo data once it is ready.\n";
      return 0;
    }
    if (DemoSeeder::seedingInProgress(secrets)) {
      std::cout << "Its demo data is being loaded now; ./fleetdeck credentials prints the accounts afterwards.\n";
      return 0;
    }
    if (!fs::exists(secrets / "credentials") && !fs::exists(secrets / "seed.pending")) {
      std::cout << "It has no demo data (started with --no-seed); ./fleetdeck seed loads it.\n";
      return 0;
    }
    return commandSeed(options);  // says "loaded before", or that it stopped half-way
  }
  reportLeftovers(stopLeftovers(options.paths));
  std::error_code error;
  fs::create_directories(options.paths.logs(), error);
  const pid_t child = fork();
  if (child < 0) {
    std::perror("fork");
    return 1;
  }
  if (child == 0) {
    setsid();
    const int devNull = open("/dev/null", O_RDWR);
    dup2(devNull, STDIN_FILENO);
    dup2(devNull, STDOUT_FILENO);
    dup2(devNull, STDERR_FILENO);
    std::exit(commandRun(options, /*daemon=*/true, lock));
  }
  close(lock);  // the daemon holds it now
  std::cout << "Starting the local fleet (data in " << options.paths.data.string() << ")" << std::flush;
  // Ctrl+C here stops the fleet being started rather than leaving it to start in the background.
  static std::atomic<bool> interrupted{false};
  signal(SIGINT, [](int) { interrupted = true; });
  signal(SIGTERM, [](int) { interrupted = true; });
  const auto stopDaemon = [&](const char* why) {
    std::cout << " " << why << "; stopping what was started" << std::flush;
    kill(child, SIGTERM);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (processAlive(child) && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      std::cout << "." << std::flush;
    }
    if (processAlive(child)) {
      std::cout << " still stopping; ./fleetdeck down waits for it.\n";
    } else {
      std::cout << " stopped.\n";
    }
  };
  // Longer than the daemon's own worst case, every component's readiness limit in a row: initdb 120 s,
  // PostgreSQL 30, Redis, NATS and Prometheus 20 each, six services 30 each (390 s).
  constexpr auto kReadyWithin = std::chrono::seconds(450);
  const auto deadline = std::chrono::steady_clock::now() + kReadyWithin;
  while (std::chrono::steady_clock::now() < deadline) {
    if (interrupted) {
      stopDaemon("interrupted");
      return 130;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    std::cout << "." << std::flush;
    auto state = readState(options.paths);
    const std::string phase = state ? json::stringOr(*state, "phase") : "";
    if (phase == "ready") {
      std::cout << " ready.\n";
      printSummary(*state);
      std::cout << "Logs: " << options.paths.logs().string() << "/   Stop: ./fleetdeck down\n";
      signal(SIGINT, SIG_DFL);  // from here Ctrl+C ends seeding; the next seed says it stopped half-way
      signal(SIGTERM, SIG_DFL);
      return options.seed ? commandSeed(options) : 0;
    }
    if (phase == "failed" || !processAlive(child)) {
      state = readState(options.paths);  // the daemon may have written its reason just before exiting
      std::cout << " failed.\n";
      std::cerr << "fleetdeck-launcher: " << (state ? json::stringOr(*state, "error") : "the launcher exited")
                << "\nSee " << (options.paths.logs() / "launcher.log").string() << "\n";
      return 1;
    }
  }
  stopDaemon("not ready in time");
  std::cerr << "fleetdeck-launcher: the fleet was not ready within " << kReadyWithin.count() << " s; see "
            << options.paths.logs().string() << "\n";
  return 1;
}

int commandSeed(const Options& options) {
  if (runningLauncher(options.paths) == 0) {
    std::cerr << "fleetdeck-launcher: the local fleet is not running (./fleetdeck up first)\n";
    return 1;
  }
  DemoSeeder seeder(planFromEnvironment(), options.demoDirectory, options.paths.secrets());
  auto summary = seeder.seed([](const std::string& step) { std::cout << "  " << step << "...\n" << std::flush; });
  if (!summary) {
    std::cerr << "fleetdeck-launcher: seeding failed: " << summary.status().message()
              << "\nThe fleet keeps running; ./fleetdeck down stops it.\n";
    return 1;
  }
  if (summary->alreadySeeded) {
    std::cout << "Demo data was loaded before (" << (options.paths.secrets() / "credentials").string()
              << " exists); ./fleetdeck credentials prints the accounts.\n";
    return 0;
  }
  std::cout << "Demo data loaded: " << summary->customers << " customers, " << summary->wallets << " wallets, "
            << summary->products << " products, " << summary->orders << " orders (";
  bool first = true;
  for (const auto& [status, count] : summary->ordersByStatus) {
    std::cout << (first ? "" : ", ") << count << ' ' << status;
    first = false;
  }
  std::cout << ").\nDemo accounts (shown once; ./fleetdeck credentials prints them again):\n";
  for (const auto& account : summary->accounts) {
    std::cout << "  " << account.role << ' ' << account.username << ' ' << account.password << "\n";
  }
  return 0;
}

int commandCredentials(const Options& options) {
  auto accounts = DemoSeeder::readCredentials(options.paths.secrets());
  if (!accounts) {
    std::cerr << "fleetdeck-launcher: " << accounts.status().message() << "\n";
    return 1;
  }
  for (const auto& account : *accounts) std::cout << account.role << ' ' << account.username << ' ' << account.password << "\n";
  return 0;
}

int commandPaths(const Options& options) {
  const auto origin = [&options](size_t index) {
    return index < options.layout.origins.size() ? " (" + options.layout.origins[index] + ")" : std::string();
  };
  std::cout << "launcher     " << selfDirectory().string() << "\n";
  std::cout << "binaries     " << options.paths.binaries.string() << origin(0) << "\n";
  for (const auto& service : planFromEnvironment().services) {
    const fs::path executable = findExecutable(options.paths.binaries, service.name);
    std::cout << "  " << service.name << std::string(service.name.size() < 13 ? 13 - service.name.size() : 1, ' ')
              << (executable.empty() ? "MISSING" : executable.string()) << "\n";
  }
  std::cout << "config       " << options.paths.configPattern << origin(1) << "\n";
  std::cout << "prometheus   " << options.paths.prometheusResources.string() << origin(2) << "\n";
  std::cout << "demo         " << options.demoDirectory.string() << origin(3) << "\n";
  std::cout << "data         " << options.paths.data.string() << "\n";
  return 0;
}

// How long `down` waits for the launcher to stop the fleet before killing it: FLEETDECK_STOP_TIMEOUT
// seconds, default 180, above a clean stop's worst case (each service and infrastructure process
// may take 15 s, PostgreSQL 40).
std::chrono::seconds stopTimeout() {
  const char* text = std::getenv("FLEETDECK_STOP_TIMEOUT");
  if (text == nullptr || *text == '\0') return std::chrono::seconds(180);
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (*end != '\0' || value < 1 || value > 3600) {
    std::cerr << "fleetdeck-launcher: FLEETDECK_STOP_TIMEOUT='" << text << "' must be seconds between 1 and 3600\n";
    std::exit(2);
  }
  return std::chrono::seconds(value);
}

int commandDown(const Options& options) {
  const pid_t pid = runningLauncher(options.paths);
  if (pid == 0) {
    // No launcher: what one that was killed left behind, if anything, goes now.
    if (const int lock = tryLockLauncher(options.paths); lock >= 0) {
      const auto stopped = stopLeftovers(options.paths);
      close(lock);
      if (!stopped.empty()) {
        reportLeftovers(stopped);
        return 0;
      }
    }
    std::cout << "The local fleet is not running.\n";
    return 0;
  }
  const auto timeout = stopTimeout();
  std::cout << "Stopping the local fleet (launcher pid " << pid << ")..." << std::flush;
  kill(pid, SIGTERM);
  const auto start = std::chrono::steady_clock::now();
  auto nextDot = start + std::chrono::seconds(5);
  while (processAlive(pid) && std::chrono::steady_clock::now() < start + timeout) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (std::chrono::steady_clock::now() >= nextDot) {
      std::cout << '.' << std::flush;
      nextDot += std::chrono::seconds(5);
    }
  }
  if (!processAlive(pid)) {
    std::cout << " stopped.\n";
    return 0;
  }
  // The launcher hung. Its children run in sessions of their own (setsid), out of reach of a signal
  // to its process group: kill it, then stop what it left as after any launcher that died.
  (void)stopProcess(pid, std::chrono::seconds(5));
  std::cout << " the launcher did not stop within " << timeout.count() << " s and was killed.\n";
  // SIGKILL is sent, not yet done: its lock goes with the process.
  int lock = -1;
  const auto lockBy = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while ((lock = tryLockLauncher(options.paths)) < 0 && std::chrono::steady_clock::now() < lockBy) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (lock < 0) {
    std::cout << "Another launcher holds " << options.paths.data.string()
              << " now; run ./fleetdeck status, then ./fleetdeck down again.\n";
    return 1;
  }
  reportLeftovers(stopLeftovers(options.paths));
  close(lock);
  return 0;
}

int commandStatus(const Options& options) {
  const pid_t pid = runningLauncher(options.paths);
  auto state = readState(options.paths);
  if (pid == 0 || !state) {
    std::cout << "The local fleet is not running.\n";
    return 3;
  }
  std::cout << "Launcher pid " << pid << ", phase " << json::stringOr(*state, "phase") << "\n";
  int notReady = 0;
  for (const auto& item : state->at("components").as_array()) {
    const auto& component = item.as_object();
    const std::string name = json::stringOr(component, "name");
    const std::string adminUrl = json::stringOr(component, "adminUrl");
    std::string readiness = "-";
    if (json::stringOr(component, "status") == "stopped") {
      readiness = "stopped (on request; started again from the console or at the next up)";
    } else if (!adminUrl.empty()) {
      auto parsed = http::parseHttpUrl(adminUrl);
      http::HttpClient client(parsed->host, parsed->port, std::chrono::milliseconds(1000));
      auto response = client.get("/readyz");
      readiness = !response ? "unreachable" : response->status == 200 ? "ready" : "not ready";
      if (readiness != "ready") ++notReady;
    }
    std::cout << "  " << name << std::string(name.size() < 14 ? 14 - name.size() : 1, ' ')
              << "pid " << intOr(component, "pid") << "  " << readiness << "  restarts "
              << intOr(component, "restarts") << "\n";
  }
  return notReady == 0 ? 0 : 1;
}

// A data folder whose lock another user owns (a fleet started with sudo, then `down` without) would
// pass for "not running" here, since the lock cannot be opened to test it: say whose it is instead.
void refuseAnotherUsersDataFolder(const FleetPaths& paths) {
  struct stat info {};
  if (stat(paths.lockFile().c_str(), &info) != 0) return;
  const int fd = open(paths.lockFile().c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    close(fd);
    return;
  }
  if (errno != EACCES && errno != EPERM) return;
  std::cerr << "fleetdeck-launcher: " << paths.lockFile().string() << " belongs to user id " << info.st_uid
            << ", not to you (" << getuid() << "): the fleet in " << paths.data.string()
            << " was started as that user (with sudo?). Run the same command as that user (sudo ./fleetdeck …),"
               " or choose another data folder with FLEETDECK_DATA.\n";
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parseArguments(argc, argv);
  if (options.command == "up" || options.command == "down" || options.command == "status" ||
      options.command == "run" || options.command == "seed") {
    refuseAnotherUsersDataFolder(options.paths);
  }
  if (options.command == "up") return commandUp(options);
  if (options.command == "down") return commandDown(options);
  if (options.command == "status") return commandStatus(options);
  if (options.command == "run") return commandRun(options, /*daemon=*/false);
  if (options.command == "seed") return commandSeed(options);
  if (options.command == "credentials") return commandCredentials(options);
  if (options.command == "paths") return commandPaths(options);
  std::cerr << kUsage;
  return 2;
}
