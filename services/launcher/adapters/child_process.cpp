#include "adapters/child_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <linux/close_range.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

extern char** environ;  // NOLINT: POSIX

namespace fleetdeck::launcher {
namespace {

int decodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Everything exec needs, prepared before fork so the child only calls async-signal-safe functions.
struct ExecPlan {
  std::vector<std::string> argumentStorage;
  std::vector<std::string> environmentStorage;
  std::vector<char*> argv;
  std::vector<char*> envp;
};

ExecPlan planFor(const ProcessSpec& spec) {
  ExecPlan plan;
  if (!spec.runAsUser.empty()) {
    plan.argumentStorage = {"/usr/sbin/runuser", "-u", spec.runAsUser, "--"};
  }
  plan.argumentStorage.push_back(spec.executable.string());
  for (const auto& argument : spec.arguments) plan.argumentStorage.push_back(argument);
  std::map<std::string, std::string> environment;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    const size_t equals = text.find('=');
    if (equals != std::string_view::npos) environment[std::string(text.substr(0, equals))] = std::string(text.substr(equals + 1));
  }
  for (const auto& [name, value] : spec.environment) environment[name] = value;
  for (const auto& [name, value] : environment) plan.environmentStorage.push_back(name + "=" + value);
  for (auto& argument : plan.argumentStorage) plan.argv.push_back(argument.data());
  plan.argv.push_back(nullptr);
  for (auto& entry : plan.environmentStorage) plan.envp.push_back(entry.data());
  plan.envp.push_back(nullptr);
  return plan;
}

Result<pid_t> forkExec(const ProcessSpec& spec, int outputFd) {
  ExecPlan plan = planFor(spec);
  int logFd = outputFd;
  if (logFd < 0) {
    const std::string logPath = spec.logFile.empty() ? "/dev/null" : spec.logFile.string();
    logFd = open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (logFd < 0) return unavailable("cannot open log file " + logPath + ": " + std::strerror(errno));
  }
  const std::string workingDirectory = spec.workingDirectory.string();
  // The exec error travels back through a close-on-exec pipe: nothing read means exec succeeded.
  int errorPipe[2];
  if (pipe2(errorPipe, O_CLOEXEC) != 0) return unavailable("pipe failed");
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(errorPipe[0]);
    close(errorPipe[1]);
    if (outputFd < 0) close(logFd);
    return unavailable(std::string("fork failed: ") + std::strerror(errno));
  }
  if (pid == 0) {
    if (spec.stopWithSpawningThread) {
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != parent) _exit(1);  // the parent is already gone: nobody would stop this one
    }
    setsid();  // own process group: stopping it stops its children too, and ^C in a terminal does not
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    const int devNull = open("/dev/null", O_RDONLY);
    dup2(devNull, STDIN_FILENO);
    dup2(logFd, STDOUT_FILENO);
    dup2(logFd, STDERR_FILENO);
    // Nothing else this process has open reaches the child: a daemon that outlives us would hold it
    // (a test fixture's PostgreSQL kept the flock(1) lock of the command that started it, and every
    // build waiting on that lock waited for it). Marked close-on-exec, not closed: the error pipe
    // must stay open until execve.
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
      for (int fd = 3; fd < 4096; ++fd) fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    if (!workingDirectory.empty() && chdir(workingDirectory.c_str()) != 0) {
      const int error = errno;
      [[maybe_unused]] ssize_t ignored = write(errorPipe[1], &error, sizeof error);
      _exit(127);
    }
    execve(plan.argv[0], plan.argv.data(), plan.envp.data());
    const int error = errno;
    [[maybe_unused]] ssize_t ignored = write(errorPipe[1], &error, sizeof error);
    _exit(127);
  }
  close(errorPipe[1]);
  if (outputFd < 0) close(logFd);
  int childError = 0;
  const ssize_t got = read(errorPipe[0], &childError, sizeof childError);
  close(errorPipe[0]);
  if (got == sizeof childError) {
    waitpid(pid, nullptr, 0);
    return unavailable("cannot start " + std::string(plan.argv[0]) + ": " + std::strerror(childError));
  }
  return pid;
}

}  // namespace

Result<ChildProcess> ChildProcess::spawn(const ProcessSpec& spec) {
  auto pid = forkExec(spec, -1);
  if (!pid) return pid.status();
  return ChildProcess(*pid);
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  pid_ = other.pid_;
  exitCode_ = other.exitCode_;
  other.pid_ = -1;
  return *this;
}

bool ChildProcess::running() {
  if (pid_ <= 0 || exitCode_) return false;
  int status = 0;
  const pid_t result = waitpid(pid_, &status, WNOHANG);
  if (result == pid_) {
    exitCode_ = decodeWaitStatus(status);
    return false;
  }
  return result == 0;
}

Status ChildProcess::stop(std::chrono::milliseconds grace) {
  if (!running()) return Status::ok();
  kill(-pid_, SIGTERM);
  kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (running()) {
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    exitCode_ = decodeWaitStatus(status);
    return deadlineExceeded("process " + std::to_string(pid_) + " ignored SIGTERM for " +
                            std::to_string(grace.count()) + " ms and was killed");
  }
  return Status::ok();
}

bool processAlive(pid_t pid) {
  if (pid <= 0) return false;
  if (kill(pid, 0) != 0) return errno == EPERM;
  // A zombie child of ours counts as gone (reaped here); not our child (ECHILD): alive, as kill said.
  // errno only when waitpid failed: a child just reaped left it as an earlier call had set it.
  int status = 0;
  const pid_t waited = waitpid(pid, &status, WNOHANG);
  return waited == 0 || (waited < 0 && errno == ECHILD);
}

uint64_t processStartTicks(pid_t pid) {
  if (pid <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return 0;
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so count from the last ')'.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  for (int index = 3; index <= 22 && fields >> field; ++index) {
    if (index == 22) return std::strtoull(field.c_str(), nullptr, 10);
  }
  return 0;
}

std::filesystem::path processExecutable(pid_t pid) {
  std::error_code error;
  auto target = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/exe", error);
  return error ? std::filesystem::path() : target;
}

Status stopProcess(pid_t pid, std::chrono::milliseconds grace) {
  if (!processAlive(pid)) return Status::ok();
  const bool leadsGroup = getpgid(pid) == pid;
  if (leadsGroup) kill(-pid, SIGTERM);
  kill(pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (processAlive(pid) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (processAlive(pid)) {
    if (leadsGroup) kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    return deadlineExceeded("process " + std::to_string(pid) + " was killed after ignoring SIGTERM");
  }
  return Status::ok();
}

Status runCommand(const ProcessSpec& spec, std::string* output, std::chrono::milliseconds timeout) {
  int outputPipe[2];
  if (pipe2(outputPipe, O_CLOEXEC) != 0) return unavailable("pipe failed");
  auto pid = forkExec(spec, outputPipe[1]);
  close(outputPipe[1]);
  if (!pid) {
    close(outputPipe[0]);
    return pid.status();
  }
  std::string collected;
  fcntl(outputPipe[0], F_SETFL, O_NONBLOCK);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  bool exited = false;
  while (true) {
    char buffer[4096];
    ssize_t got;
    while ((got = read(outputPipe[0], buffer, sizeof buffer)) > 0) collected.append(buffer, static_cast<size_t>(got));
    if (exited) break;
    if (waitpid(*pid, &status, WNOHANG) == *pid) {
      exited = true;
      continue;  // drain what is left
    }
    if (std::chrono::steady_clock::now() > deadline) {
      kill(-*pid, SIGKILL);
      waitpid(*pid, &status, 0);
      close(outputPipe[0]);
      if (output != nullptr) *output = collected;
      return deadlineExceeded(spec.executable.string() + " did not finish within " + std::to_string(timeout.count()) +
                              " ms");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  close(outputPipe[0]);
  if (output != nullptr) *output = collected;
  const int code = decodeWaitStatus(status);
  if (code != 0) {
    return internalError(spec.executable.filename().string() + " exited with " + std::to_string(code) + ": " +
                         collected.substr(0, 2000));
  }
  return Status::ok();
}

namespace {

// Binds a loopback TCP socket to `port` (0: the kernel picks) and closes it; the port bound, or 0.
uint16_t bindAndRelease(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  socklen_t length = sizeof address;
  const bool bound = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                     getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  close(fd);
  return bound ? ntohs(address.sin_port) : 0;
}

// The first port of the kernel's ephemeral range (32768 unless configured otherwise).
int ephemeralRangeStart() {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  int first = 0;
  if (!(range >> first) || first < 2048) return 32768;
  return first;
}

}  // namespace

Result<uint16_t> findFreePort() {
  // Random, so that parallel test processes rarely try the same port; each is checked by binding it.
  static const int upper = ephemeralRangeStart();
  const int lower = std::max(1024, upper - 8000);
  thread_local std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> pick(lower, upper - 1);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const auto candidate = static_cast<uint16_t>(pick(random));
    if (bindAndRelease(candidate) == candidate) return candidate;
  }
  if (const uint16_t port = bindAndRelease(0); port != 0) return port;
  return unavailable("cannot bind a loopback port");
}

bool portInUse(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  const bool connected = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return connected;
}

bool runningAsRoot() { return geteuid() == 0; }

}  // namespace fleetdeck::launcher
