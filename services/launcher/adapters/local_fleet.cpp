#include "adapters/local_fleet.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include "fleetdeck/core/atomic_file.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/core/json.h"
#include "fleetdeck/core/log.h"
#include "fleetdeck/http/client.h"

namespace fleetdeck::launcher {
namespace {

namespace fs = std::filesystem;

// Where the control token lives; the gateway reads the same file.
constexpr const char* kControlTokenName = "launcher-control-token";

// The fleet's error body for one control request.
void answer(ControlRequest& request, const Status& status) {
  request.responder->send(http::errorResponse(status, request.traceId));
}

}  // namespace

fs::path findExecutable(const fs::path& binaries, const std::string& name) {
  const std::string file = "fleetdeck-" + name;
  for (const fs::path& candidate : {binaries / file, binaries / ".." / name / file, binaries / "services" / name / file}) {
    std::error_code error;
    if (fs::is_regular_file(candidate, error)) return fs::weakly_canonical(candidate, error);
  }
  return {};
}

LocalFleet::LocalFleet(FleetPaths paths, FleetPlan plan) : paths_(std::move(paths)), plan_(std::move(plan)) {
  for (const auto& definition : plan_.services) services_.push_back({definition, std::nullopt, 0, {}});
}

LocalFleet::~LocalFleet() = default;

Result<std::string> LocalFleet::readOrCreateSecret(const std::string& name) {
  const fs::path file = paths_.secrets() / name;
  std::ifstream in(file);
  std::string value;
  if (in && std::getline(in, value) && !value.empty()) return value;
  value = randomHex(24);
  FLEETDECK_RETURN_IF_ERROR(writeFileAtomically(file, value + "\n", 0600));
  return value;
}

fs::path LocalFleet::executableFor(const std::string& name) const { return findExecutable(paths_.binaries, name); }

namespace {

// A stop signal (blocked in every thread, see main) arrived: starting goes no further.
bool stopSignalPending() {
  sigset_t pending;
  sigemptyset(&pending);
  if (sigpending(&pending) != 0) return false;
  return sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGHUP) == 1;
}

Status stoppedWhileStarting() { return Status(StatusCode::kCancelled, "stopped on request while starting"); }

}  // namespace

void LocalFleet::writeState(const std::string& phase, const std::string& error) {
  phase_ = phase;
  phaseError_ = error;
  boost::json::array components;
  for (const auto& infrastructure : infrastructure_) {
    boost::json::object entry{{"name", infrastructure.name},
                              {"kind", "infrastructure"},
                              {"pid", infrastructure.process.pid()},
                              {"startTicks", processStartTicks(infrastructure.process.pid())},
                              {"address", "127.0.0.1:" + std::to_string(infrastructure.port)},
                              {"log", (paths_.logs() / (infrastructure.name + ".log")).string()}};
    if (infrastructure.name == "prometheus") {
      entry["httpUrl"] = "http://127.0.0.1:" + std::to_string(infrastructure.port);
    }
    components.push_back(std::move(entry));
  }
  components.push_back(boost::json::object{{"name", "postgres"},
                                           {"kind", "infrastructure"},
                                           {"address", "127.0.0.1:" + std::to_string(plan_.postgresPort)},
                                           {"log", (paths_.logs() / "postgres.log").string()}});
  for (const auto& service : services_) {
    boost::json::object entry{{"name", service.definition.name},
                              {"kind", "service"},
                              {"pid", service.process ? service.process->pid() : 0},
                              {"startTicks", service.process ? processStartTicks(service.process->pid()) : 0},
                              {"adminUrl", "http://127.0.0.1:" + std::to_string(service.definition.adminPort)},
                              {"log", (paths_.logs() / (service.definition.name + ".log")).string()},
                              {"restarts", service.restarts},
                              {"status", statusOf(service)}};
    if (service.definition.grpcPort != 0) {
      entry["grpcAddress"] = "127.0.0.1:" + std::to_string(service.definition.grpcPort);
    }
    if (service.definition.httpPort != 0) {
      entry["httpUrl"] = "http://127.0.0.1:" + std::to_string(service.definition.httpPort);
    }
    components.push_back(std::move(entry));
  }
  boost::json::object state{{"phase", phase}, {"launcherPid", static_cast<int64_t>(getpid())},
                            {"components", std::move(components)}};
  if (!error.empty()) state["error"] = error;
  if (control_ && control_->port() != 0) state["controlUrl"] = control_->url();
  if (Status written = writeFileAtomically(paths_.stateFile(), boost::json::serialize(state), 0644); !written.isOk()) {
    // What `up`, `status` and `down` read: they will see the state before this one.
    log::error("cannot write the state file", {{"error", written.message()}});
  }
}

Status LocalFleet::start() {
  std::error_code error;
  for (const auto& folder : {paths_.data, paths_.logs(), paths_.run(), paths_.secrets()}) {
    fs::create_directories(folder, error);
    if (error) return internalError("cannot create " + folder.string() + ": " + error.message());
  }
  fs::permissions(paths_.secrets(), fs::perms::owner_all, error);
  writeState("starting");

  // The control endpoint first, so the gateway is started knowing where it is.
  auto controlToken = readOrCreateSecret(kControlTokenName);
  if (!controlToken) {
    writeState("failed", controlToken.status().message());
    return controlToken.status();
  }
  control_ = std::make_unique<FleetControl>(*controlToken);
  if (Status status = control_->start(); !status.isOk()) {
    control_.reset();
    writeState("failed", "cannot start the control endpoint: " + status.message());
    return status;
  }
  plan_.controlUrl = control_->url();
  plan_.controlTokenFile = (paths_.secrets() / kControlTokenName).string();
  plan_.tokenKeyFile = (paths_.secrets() / "jwt-keys.json").string();
  log::info("control endpoint ready", {{"url", plan_.controlUrl}});

  // Every executable first: a missing build is the most common mistake and the cheapest to report.
  for (const auto& service : services_) {
    if (executableFor(service.definition.name).empty()) {
      const Status status = failedPrecondition("fleetdeck-" + service.definition.name + " not found under " +
                                               paths_.binaries.string() + " (run ./fleetdeck build)");
      writeState("failed", status.message());
      return status;
    }
  }

  // Every port but PostgreSQL's (a cluster of this data folder may still run) before starting
  // anything: a port held by another program (a system Prometheus, a second fleet) is reported at
  // once, all of them together, instead of after the fleet started and had to be torn down again.
  if (Status status = checkPortsFree(); !status.isOk()) {
    writeState("failed", status.message());
    return status;
  }

  PostgresOptions postgres;
  postgres.dataDirectory = paths_.data / "postgres";
  postgres.port = plan_.postgresPort;
  auto password = readOrCreateSecret("postgres-password");
  if (!password) {
    writeState("failed", password.status().message());
    return password.status();
  }
  postgres.password = *password;
  postgres.logFile = paths_.logs() / "postgres.log";
  postgres_ = std::make_unique<PostgresCluster>(postgres);
  log::info("starting PostgreSQL", {{"port", static_cast<int64_t>(postgres.port)}});
  Status status = postgres_->initialize();
  if (status.isOk() && !postgres_->running()) status = postgres_->start();
  for (const auto& service : services_) {
    if (status.isOk() && service.definition.ownsDatabase) status = postgres_->createDatabase(service.definition.name);
  }
  if (!status.isOk()) {
    writeState("failed", status.message());
    return status;
  }

  // Redis is only a cache: products keeps serving from PostgreSQL without it.
  {
    ProcessSpec redis;
    redis.executable = "/usr/bin/redis-server";
    redis.arguments = {"--port", std::to_string(plan_.redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                       "no", "--dir", paths_.run().string()};
    status = startInfrastructure("redis", redis, plan_.redisPort);
  }
  if (status.isOk() && stopSignalPending()) status = stoppedWhileStarting();
  // NATS JetStream carries the events; its store lives under the data folder and survives restarts.
  if (status.isOk()) {
    fs::create_directories(paths_.data / "nats", error);
    ProcessSpec nats;
    nats.executable = "/usr/sbin/nats-server";
    nats.arguments = {"-js", "-sd", (paths_.data / "nats").string(), "-a", "127.0.0.1", "-p",
                      std::to_string(plan_.natsPort), "-n", "fleetdeck-local"};
    status = startInfrastructure("nats", nats, plan_.natsPort);
  }
  if (!status.isOk()) {
    writeState("failed", status.message());
    return status;
  }

  for (auto& service : services_) {
    if (stopSignalPending()) status = stoppedWhileStarting();
    if (status.isOk()) status = startService(service);
    if (!status.isOk()) {
      writeState("failed", status.message());
      return status;
    }
    writeState("starting");
  }
  // Prometheus last: it scrapes every process started above.
  status = stopSignalPending() ? stoppedWhileStarting() : writePrometheusConfig();
  if (status.isOk()) {
    ProcessSpec prometheus;
    prometheus.executable = "/usr/bin/prometheus";
    prometheus.arguments = {"--config.file=" + (paths_.data / "prometheus" / "prometheus.yml").string(),
                            "--storage.tsdb.path=" + (paths_.data / "prometheus" / "data").string(),
                            "--storage.tsdb.retention.time=3d",
                            "--web.listen-address=127.0.0.1:" + std::to_string(plan_.prometheusPort),
                            "--web.enable-lifecycle"};
    status = startInfrastructure("prometheus", prometheus, plan_.prometheusPort);
  }
  if (!status.isOk()) {
    writeState("failed", status.message());
    return status;
  }
  writeState("ready");
  return Status::ok();
}

Status LocalFleet::checkPortsFree() const {
  std::vector<std::pair<uint16_t, std::string>> wanted = {
      {plan_.redisPort, "redis"}, {plan_.natsPort, "nats"}, {plan_.prometheusPort, "prometheus"}};
  for (const auto& service : services_) {
    const ServiceDefinition& definition = service.definition;
    if (definition.grpcPort != 0) wanted.emplace_back(definition.grpcPort, definition.name + " gRPC");
    if (definition.adminPort != 0) wanted.emplace_back(definition.adminPort, definition.name + " admin");
    if (definition.httpPort != 0) wanted.emplace_back(definition.httpPort, definition.name + " HTTP");
  }
  std::string taken;
  bool gatewayHttpTaken = false;
  for (const auto& [port, owner] : wanted) {
    if (!portInUse(port)) continue;
    taken += (taken.empty() ? "port " : ", port ") + std::to_string(port) + " (" + owner + ")";
    gatewayHttpTaken |= owner == "gateway HTTP";
  }
  if (taken.empty()) return Status::ok();
  return failedPrecondition("already in use on 127.0.0.1: " + taken +
                            "; stop what holds them (ss -ltnp shows it), or move this fleet: FLEETDECK_PORT_OFFSET=1000"
                            " shifts every port but the gateway's" +
                            (gatewayHttpTaken ? ", FLEETDECK_GATEWAY_PORT moves that one" : ""));
}

Status LocalFleet::startInfrastructure(const std::string& name, ProcessSpec spec, uint16_t port) {
  if (portInUse(port)) {
    return failedPrecondition("port " + std::to_string(port) + " (" + name + ") is already in use on 127.0.0.1");
  }
  spec.logFile = paths_.logs() / (name + ".log");
  log::info("starting", {{"component", name}, {"port", static_cast<int64_t>(port)}});
  auto process = ChildProcess::spawn(spec);
  if (!process) return process.status();
  infrastructure_.push_back({name, port, std::move(*process)});
  recordSpawned();
  ChildProcess& child = infrastructure_.back().process;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!portInUse(port)) {
    if (!child.running() || std::chrono::steady_clock::now() > deadline) {
      return unavailable(name + " did not start; see " + spec.logFile.string());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return Status::ok();
}

Status LocalFleet::writePrometheusConfig() {
  const fs::path folder = paths_.data / "prometheus";
  std::error_code error;
  fs::create_directories(folder / "data", error);
  std::ifstream in(paths_.prometheusResources / "prometheus.yml.template");
  if (!in) {
    return failedPrecondition("Prometheus template missing: " +
                              (paths_.prometheusResources / "prometheus.yml.template").string());
  }
  std::stringstream content;
  content << in.rdbuf();
  std::string config = content.str();
  const auto replace = [&config](const std::string& placeholder, const std::string& value) {
    for (size_t at = config.find(placeholder); at != std::string::npos; at = config.find(placeholder)) {
      config.replace(at, placeholder.size(), value);
    }
  };
  replace("@RULES_DIR@", (paths_.prometheusResources / "rules").string());
  replace("@TARGETS_FILE@", (folder / "targets.json").string());
  FLEETDECK_RETURN_IF_ERROR(writeFileAtomically(folder / "prometheus.yml", config, 0644));
  // One group per process, its job named after the service (the alert rules group by job).
  boost::json::array targets;
  for (const auto& service : services_) {
    targets.push_back(boost::json::object{
        {"targets", boost::json::array{"127.0.0.1:" + std::to_string(service.definition.adminPort)}},
        {"labels", boost::json::object{{"job", service.definition.name}}}});
  }
  targets.push_back(boost::json::object{
      {"targets", boost::json::array{"127.0.0.1:" + std::to_string(plan_.prometheusPort)}},
      {"labels", boost::json::object{{"job", "prometheus"}}}});
  return writeFileAtomically(folder / "targets.json", boost::json::serialize(targets), 0644);
}

Status LocalFleet::startService(RunningService& service) {
  const ServiceDefinition& definition = service.definition;
  for (uint16_t port : {definition.grpcPort, definition.adminPort, definition.httpPort}) {
    if (port != 0 && portInUse(port)) {
      return failedPrecondition("port " + std::to_string(port) + " needed by " + definition.name +
                                " is already in use on 127.0.0.1" +
                                (definition.httpPort == port ? " (set FLEETDECK_GATEWAY_PORT to move it)" : ""));
    }
  }
  ProcessSpec spec;
  spec.executable = executableFor(definition.name);
  spec.environment = environmentFor(plan_, definition, postgres_ ? postgres_->url(definition.name) : "");
  std::string config = paths_.configPattern;
  for (size_t at = config.find("{name}"); at != std::string::npos; at = config.find("{name}")) {
    config.replace(at, 6, definition.name);
  }
  std::error_code error;
  if (!config.empty() && fs::is_regular_file(config, error)) spec.arguments = {"--config", config};
  spec.logFile = paths_.logs() / (definition.name + ".log");
  log::info("starting service", {{"component", definition.name}});
  auto process = ChildProcess::spawn(spec);
  if (!process) return process.status();
  service.process.emplace(std::move(*process));
  recordSpawned();
  return waitReady(service, std::chrono::seconds(30));
}

Status LocalFleet::waitReady(RunningService& service, std::chrono::milliseconds timeout) {
  http::HttpClient client("127.0.0.1", service.definition.adminPort, std::chrono::milliseconds(1000));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto& process = service.process;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process || !process->running()) {
      return unavailable(service.definition.name + " exited during start-up (exit code " +
                         std::to_string(process ? process->exitCode().value_or(-1) : -1) + "); see " +
                         (paths_.logs() / (service.definition.name + ".log")).string());
    }
    auto response = client.get("/readyz");
    if (response && response->status == 200) return Status::ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return deadlineExceeded(service.definition.name + " was not ready within " + std::to_string(timeout.count()) +
                          " ms; see " + (paths_.logs() / (service.definition.name + ".log")).string());
}

void LocalFleet::superviseUntilStopped() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  timespec tick{0, 200'000'000};
  while (true) {
    const int received = sigtimedwait(&signals, nullptr, &tick);
    if (received == SIGTERM || received == SIGINT || received == SIGHUP) {
      log::info("stop requested", {{"signal", received}});
      return;
    }
    if (control_) {
      for (auto& request : control_->takePending()) carryOut(request);
    }
    const auto now = std::chrono::steady_clock::now();
    bool changed = false;
    for (auto& service : services_) {
      if (service.stoppedOnRequest) continue;
      if (service.process && service.process->running()) continue;
      if (service.process) {
        log::warn("service exited; restarting", {{"component", service.definition.name},
                                                  {"exit_code", service.process->exitCode().value_or(-1)},
                                                  {"restarts", service.restarts}});
        service.process.reset();
        const int backoffSeconds = std::min(30, 1 << std::min(service.restarts, 5));
        service.nextRestart = now + std::chrono::seconds(backoffSeconds);
        changed = true;
        continue;
      }
      if (now < service.nextRestart) continue;
      ++service.restarts;
      if (const Status status = startService(service); !status.isOk()) {
        log::error("restart failed", {{"component", service.definition.name}, {"error", status.message()}});
        if (service.process) (void)service.process->stop(std::chrono::seconds(2));
        service.process.reset();
        service.nextRestart = now + std::chrono::seconds(std::min(30, 1 << std::min(service.restarts, 5)));
      }
      changed = true;
    }
    if (changed) writeState("ready");
  }
}

std::string LocalFleet::statusOf(const RunningService& service) {
  if (service.stoppedOnRequest) return "stopped";
  return service.process ? "running" : "restarting";
}

void LocalFleet::carryOut(ControlRequest& request) {
  // The gateway serves the control routes themselves: stopping it would leave no way back but `down`.
  auto service = std::find_if(services_.begin(), services_.end(), [&request](const RunningService& candidate) {
    return candidate.definition.name == request.service && candidate.definition.name != "gateway";
  });
  if (service == services_.end()) {
    std::string names;
    for (const auto& candidate : services_) {
      if (candidate.definition.name == "gateway") continue;
      names += (names.empty() ? "" : ", ") + candidate.definition.name;
    }
    answer(request, invalidField("name", "must be a service of the local fleet: " + names +
                                             " (the gateway stops only with the fleet: fleetdeck down)"));
    return;
  }
  const std::string& name = service->definition.name;
  Status outcome = Status::ok();
  if (request.action == "stop") {
    if (service->stoppedOnRequest) {
      answer(request, failedPrecondition(name + " is already stopped"));
      return;
    }
    log::info("stopping service on request", {{"component", name}, {"trace_id", request.traceId}});
    if (service->process) {
      if (Status stopped = service->process->stop(std::chrono::seconds(15)); !stopped.isOk()) {
        log::warn("service did not stop cleanly", {{"component", name}, {"error", stopped.message()}});
      }
      service->process.reset();
    }
    service->stoppedOnRequest = true;
  } else {
    if (!service->stoppedOnRequest && service->process && service->process->running()) {
      answer(request, failedPrecondition(name + " is already running"));
      return;
    }
    log::info("starting service on request", {{"component", name}, {"trace_id", request.traceId}});
    service->stoppedOnRequest = false;
    service->process.reset();
    outcome = startService(*service);
    if (!outcome.isOk()) {
      // Not marked stopped: the supervisor keeps trying, with its backoff, as after a crash.
      log::error("start on request failed", {{"component", name}, {"error", outcome.message()}});
      if (service->process) (void)service->process->stop(std::chrono::seconds(2));
      service->process.reset();
      service->nextRestart = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    }
  }
  writeState("ready");
  if (!outcome.isOk()) {
    answer(request, outcome);
    return;
  }
  request.responder->send(http::HttpResponse::json(
      200, boost::json::serialize(boost::json::object{{"name", name},
                                                      {"status", statusOf(*service)},
                                                      {"pid", service->process ? service->process->pid() : 0},
                                                      {"restarts", service->restarts}})));
}

std::vector<std::string> stopLeftovers(const FleetPaths& paths) {
  std::vector<std::string> stopped;
  std::ifstream in(paths.stateFile());
  std::stringstream content;
  content << in.rdbuf();
  auto state = json::parse(content.str());
  if (state && state->is_object()) {
    if (const auto* components = state->as_object().if_contains("components"); components && components->is_array()) {
      // Services first, as a clean stop goes: the state lists infrastructure first.
      for (auto item = components->as_array().rbegin(); item != components->as_array().rend(); ++item) {
        if (!item->is_object()) continue;
        const auto& component = item->as_object();
        const auto* pid = component.if_contains("pid");
        const auto* ticks = component.if_contains("startTicks");
        if (pid == nullptr || ticks == nullptr || !pid->is_int64() || !ticks->is_number()) continue;
        const auto processId = static_cast<pid_t>(pid->as_int64());
        // Only the very process the launcher started: same pid, same start time.
        const uint64_t started = ticks->to_number<uint64_t>();
        if (processId <= 0 || started == 0 || processStartTicks(processId) != started) continue;
        (void)stopProcess(processId, std::chrono::seconds(15));
        stopped.push_back(json::stringOr(component, "name"));
      }
    }
  }
  PostgresOptions postgres;
  postgres.dataDirectory = paths.data / "postgres";
  PostgresCluster cluster(postgres);
  if (cluster.running()) {
    if (Status status = cluster.stop(); status.isOk()) stopped.emplace_back("postgres");
  }
  std::error_code error;
  fs::remove(paths.stateFile(), error);
  return stopped;
}

void LocalFleet::stop(const std::string& failure) {
  // No control request may change a service while everything goes down.
  if (control_) control_->stop();
  writeState("stopping");
  for (auto service = services_.rbegin(); service != services_.rend(); ++service) {
    if (!service->process) continue;
    log::info("stopping service", {{"component", service->definition.name}});
    if (const Status status = service->process->stop(std::chrono::seconds(15)); !status.isOk()) {
      log::warn("service did not stop cleanly", {{"component", service->definition.name}, {"error", status.message()}});
    }
    service->process.reset();
  }
  for (auto infrastructure = infrastructure_.rbegin(); infrastructure != infrastructure_.rend(); ++infrastructure) {
    log::info("stopping", {{"component", infrastructure->name}});
    if (const Status status = infrastructure->process.stop(std::chrono::seconds(15)); !status.isOk()) {
      log::warn("did not stop cleanly", {{"component", infrastructure->name}, {"error", status.message()}});
    }
  }
  infrastructure_.clear();
  if (postgres_) {
    log::info("stopping PostgreSQL");
    if (const Status status = postgres_->stop(); !status.isOk()) {
      log::warn("PostgreSQL did not stop cleanly", {{"error", status.message()}});
    }
  }
  if (!failure.empty()) {
    writeState("failed", failure);
    return;
  }
  std::error_code error;
  fs::remove(paths_.stateFile(), error);
}

}  // namespace fleetdeck::launcher
