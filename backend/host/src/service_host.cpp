#include "fleetdeck/host/service_host.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <thread>

#include "fleetdeck/core/ids.h"
#include "fleetdeck/core/json.h"
#include "fleetdeck/core/log.h"
#include "fleetdeck/core/work_pool.h"
#include "fleetdeck/host/advertised_address.h"
#include "fleetdeck/host/http_instrumentation.h"
#include "fleetdeck/http/client.h"
#include "fleetdeck/http/server.h"
#include "fleetdeck/telemetry/metrics.h"
#include "fleetdeck/telemetry/otlp_exporter.h"
#include "fleetdeck/telemetry/trace_store.h"
#include "fleetdeck/telemetry/tracing.h"

#ifndef FLEETDECK_VERSION
#define FLEETDECK_VERSION "0.0.0"
#endif

namespace fleetdeck::host {
namespace {

const std::string kVersion = FLEETDECK_VERSION;

void blockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A peer closing a socket must not kill the process.
  signal(SIGPIPE, SIG_IGN);
}

std::string hostName() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof buffer - 1) != 0) return "localhost";
  return buffer;
}

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

[[noreturn]] void exitWithConfigError(const std::string& message) {
  std::cerr << message << "\n";
  std::exit(ServiceHost::kExitConfigError);
}

// The OTLP exporter from [telemetry] and the standard OTEL_* variables (which win, as every
// OpenTelemetry SDK lets them): null when no endpoint is set, i.e. tracing export is off.
std::shared_ptr<telemetry::BatchSpanExporter> spanExporterFromConfig(Config& settings) {
  std::string endpoint = settings.getString("telemetry.otlp_endpoint", "");
  std::string source = settings.sourceName() + ": key 'telemetry.otlp_endpoint'";
  bool isTracesUrl = false;
  if (const std::string traces = environment("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"); !traces.empty()) {
    endpoint = traces;
    source = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
    isTracesUrl = true;
  } else if (const std::string general = environment("OTEL_EXPORTER_OTLP_ENDPOINT"); !general.empty()) {
    endpoint = general;
    source = "OTEL_EXPORTER_OTLP_ENDPOINT";
  }
  telemetry::OtlpExporterOptions options;
  // The exporter thread waits this long for a batch to fill: at 0 it woke without a pause, and every
  // service of an idle fleet used a fifth of a core.
  options.scheduleDelay =
      settings.getDuration("telemetry.export_interval", std::chrono::milliseconds(1000), std::chrono::milliseconds(10));
  options.maxQueueSpans = static_cast<size_t>(settings.getInt("telemetry.max_queue_spans", 2048, 1, 1'000'000));
  options.maxBatchSpans = static_cast<size_t>(settings.getInt("telemetry.max_batch_spans", 512, 1, 100'000));
  const auto timeout =
      settings.getDuration("telemetry.export_timeout", std::chrono::milliseconds(5000), std::chrono::milliseconds(10));
  if (environment("OTEL_SDK_DISABLED") == "true" || environment("OTEL_TRACES_EXPORTER") == "none") return nullptr;
  if (endpoint.empty()) return nullptr;

  for (const char* variable : {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"}) {
    const std::string protocol = environment(variable);
    if (!protocol.empty() && protocol != "http/json") {
      exitWithConfigError(std::string(variable) + ": FleetDeck exports OTLP as http/json only; got '" + protocol + "'");
    }
    if (!protocol.empty()) break;
  }
  const std::string url = telemetry::otlpTracesUrl(endpoint, isTracesUrl);
  auto parsed = http::parseHttpUrl(url);
  if (!parsed) {
    exitWithConfigError(source + ": expected an http://host:port OTLP/HTTP endpoint; got '" + endpoint + "' (" +
                        parsed.status().message() + ")");
  }
  // Only the exporter's thread uses the client, so its kept-alive connection needs no lock.
  auto client = std::make_shared<http::HttpClient>(parsed->host, parsed->port, timeout);
  telemetry::OtlpTransport transport = [client, target = parsed->target](const std::string& body) -> Status {
    http::Headers headers;
    headers.add("Content-Type", "application/json");
    auto response = client->request("POST", target, body, headers);
    if (!response) return response.status();
    if (response->status / 100 != 2) {
      return unavailable("OTLP collector answered " + std::to_string(response->status) + ": " +
                         response->body.substr(0, 200));
    }
    return Status::ok();
  };
  log::info("exporting spans", {{"endpoint", url}, {"interval_ms", static_cast<int64_t>(options.scheduleDelay.count())}});
  return std::make_shared<telemetry::BatchSpanExporter>(std::move(transport), options);
}

// POST /v1/traces: OTLP/HTTP JSON in, OTLP's JSON answer out (partial success when spans were rejected).
http::Handler otlpReceiver(telemetry::TraceStore& store) {
  return [&store](http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
    const std::string_view contentType = request.header("Content-Type").value_or("application/json");
    if (!contentType.starts_with("application/json") ||
        !request.header("Content-Encoding").value_or("identity").starts_with("identity")) {
      auto response = http::errorResponse(
          invalidField("Content-Type", "this receiver takes uncompressed OTLP/HTTP JSON (application/json); set "
                                       "OTEL_EXPORTER_OTLP_PROTOCOL=http/json and no compression"),
          "");
      response.status = 415;
      responder->send(std::move(response));
      return;
    }
    auto summary = store.ingestOtlpJson(request.body);
    if (!summary) {
      responder->send(http::errorResponse(summary.status(), ""));
      return;
    }
    boost::json::object body;
    if (summary->rejected > 0) {
      body["partialSuccess"] = boost::json::object{{"rejectedSpans", std::to_string(summary->rejected)},
                                                   {"errorMessage", summary->firstError}};
    }
    responder->send(http::HttpResponse::json(200, boost::json::serialize(body)));
  };
}

}  // namespace

class ServiceHost::Admin {
 public:
  Admin(ServiceHost& host, http::ServerOptions options) : host_(host) {
    router_.add("GET", "/healthz", [this](http::HttpRequest&, std::shared_ptr<http::Responder> responder) {
      boost::json::object body{{"status", "alive"},
                               {"service", host_.serviceName_},
                               {"instance", host_.instanceId_},
                               {"version", kVersion},
                               {"uptimeSeconds", std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                                                               host_.startedAt_)
                                                     .count()}};
      for (const auto& [key, value] : host_.info_) body[key] = value;
      responder->send(http::HttpResponse::json(200, boost::json::serialize(body)));
    });
    router_.add("GET", "/readyz", [this](http::HttpRequest&, std::shared_ptr<http::Responder> responder) {
      responder->send(readiness());
    });
    router_.add("GET", "/metrics", [](http::HttpRequest&, std::shared_ptr<http::Responder> responder) {
      http::HttpResponse response;
      response.headers.add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      response.body = telemetry::defaultRegistry().expose();
      responder->send(std::move(response));
    });
    for (auto& route : host_.adminRoutes_) router_.add(route.method, route.pathTemplate, route.handler);
    // Measured like any HTTP server, but neither traced nor counted as the service's traffic:
    // probes, scrapes and span uploads would drown the requests that matter.
    HttpInstrumentationOptions instrumentation;
    instrumentation.tracing = false;
    instrumentation.serviceTraffic = false;
    server_ = std::make_unique<http::HttpServer>(
        std::move(options),
        instrumentHttp([this](http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
          dispatch(request, std::move(responder));
        }, std::move(instrumentation)));
  }

  // /healthz is answered on the I/O thread at once. Everything else may wait on a dependency
  // (/readyz pings the database, /metrics runs collectors that query it, the trace receiver) and
  // runs on the admin worker: a database that stops answering must not hold up the liveness probe,
  // or the orchestrator restarts every replica at once for an outage that is not theirs.
  void dispatch(http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
    if (request.path == "/healthz") {
      router_.dispatch(request, std::move(responder));
      return;
    }
    // The route is named here, on the request the metrics decorator reads when the answer goes out
    // (the worker dispatches a copy); moved, not copied: a trace batch may be megabytes.
    if (const auto found = router_.find(request.method, request.path); found.route != nullptr) {
      request.routeTemplate = found.route->text();
    }
    auto moved = std::make_shared<http::HttpRequest>(std::move(request));
    request.routeTemplate = moved->routeTemplate;  // what the decorator reads once this returns
    const bool queued = worker_.trySubmit([this, moved, responder] { router_.dispatch(*moved, responder); });
    if (!queued) {
      http::HttpResponse busy = http::errorResponse(unavailable("admin requests are queued behind a slow one"), moved->traceId);
      busy.headers.add("Retry-After", "1");
      responder->send(std::move(busy));
    }
  }

  void addRoute(const AdminRoute& route) {
    if (started_) throw std::logic_error("admin route " + route.pathTemplate + " added after the admin server started");
    router_.add(route.method, route.pathTemplate, route.handler);
  }

  Status start() {
    started_ = true;
    return server_->start();
  }
  void stop() {
    server_->stop(std::chrono::milliseconds(500));
    worker_.shutdown();
  }
  uint16_t port() const { return server_->port(); }
  void setReady(bool ready) { ready_ = ready; }

 private:
  http::HttpResponse readiness() {
    boost::json::object checks;
    bool ready = ready_.load();
    bool degraded = false;
    for (const auto& check : host_.checks_) {
      const auto started = std::chrono::steady_clock::now();
      const Status status = check.check();
      const double millis =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
      boost::json::object detail{{"status", status.isOk() ? "up" : "down"}, {"latencyMs", millis},
                                 {"critical", check.critical}};
      if (!status.isOk()) {
        detail["error"] = status.message();
        if (check.critical) {
          ready = false;
        } else {
          degraded = true;
        }
      }
      checks[check.name] = std::move(detail);
    }
    const char* overall = !ready ? "not_ready" : degraded ? "degraded" : "ready";
    boost::json::object body{{"status", overall},
                             {"service", host_.serviceName_},
                             {"instance", host_.instanceId_},
                             {"version", kVersion},
                             {"checks", std::move(checks)}};
    return http::HttpResponse::json(ready ? 200 : 503, boost::json::serialize(body));
  }

  ServiceHost& host_;
  http::Router router_;
  // One thread: admin routes other than /healthz run here, one at a time, as they did on the I/O thread.
  WorkPool worker_{1, 64, "admin"};
  std::unique_ptr<http::HttpServer> server_;
  std::atomic<bool> ready_{false};
  bool started_ = false;
};

ServiceHost::ServiceHost(std::string serviceName, Config config, std::string configPath)
    : serviceName_(std::move(serviceName)),
      configPath_(std::move(configPath)),
      config_(std::move(config)),
      startedAt_(std::chrono::steady_clock::now()) {
  if (pipe(stopPipe_) != 0) {
    std::perror("pipe");
    std::exit(1);
  }
}

ServiceHost::~ServiceHost() {
  if (spanExporter_ || localTraceSink_) {
    telemetry::setSpanProcessor(nullptr);
    if (spanExporter_) spanExporter_->shutdown(std::chrono::milliseconds(2000));
    // Stored and stopped here: the store may go right after the host (serveTraceStore's contract).
    if (localTraceSink_) localTraceSink_->shutdown();
  }
  for (int fd : stopPipe_) {
    if (fd >= 0) close(fd);
  }
}

const std::string& ServiceHost::version() const { return kVersion; }

std::unique_ptr<ServiceHost> ServiceHost::create(int argc, char** argv, std::string serviceName,
                                                 std::string description) {
  blockStopSignals();
  std::string configPath;
  if (const char* fromEnvironment = std::getenv("FLEETDECK_CONFIG")) configPath = fromEnvironment;
  const std::string program = argc > 0 ? argv[0] : serviceName;
  bool migrateOnly = false;
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    if (argument == "--help" || argument == "-h") {
      std::cout << "Usage: " << program << " [--config FILE] [--migrate-only]\n\n"
                << description << "\n\n"
                << "Options:\n"
                << "  --config FILE   TOML configuration (default: $FLEETDECK_CONFIG, else built-in defaults)\n"
                << "  --migrate-only  apply the database migrations, then exit (0 once they are applied)\n"
                << "                  without opening any port: a Kubernetes init container's job\n"
                << "  --version       print the version and exit\n"
                << "  --help          print this help and exit\n\n"
                << "Every key can be overridden by FLEETDECK_<SECTION>__<KEY>, e.g. FLEETDECK_ADMIN__PORT=9101.\n";
      std::exit(0);
    }
    if (argument == "--version") {
      std::cout << serviceName << " " << kVersion << "\n";
      std::exit(0);
    }
    if (argument == "--migrate-only") {
      migrateOnly = true;
    } else if (argument == "--config" && i + 1 < argc) {
      configPath = argv[++i];
    } else if (argument.starts_with("--config=")) {
      configPath = argument.substr(9);
    } else {
      std::cerr << program << ": unknown argument '" << argument << "' (try --help)\n";
      std::exit(2);
    }
  }
  auto config = Config::loadFile(configPath, processEnvironment());
  if (!config) {
    std::cerr << serviceName << ": " << config.status().message() << "\n";
    std::exit(kExitConfigError);
  }
  std::unique_ptr<ServiceHost> host(new ServiceHost(std::move(serviceName), std::move(*config), configPath));
  host->migrateOnly_ = migrateOnly;
  Config& settings = host->config_;
  host->instanceId_ = settings.getString("service.instance", "");
  if (host->instanceId_.empty()) host->instanceId_ = hostName() + "-" + std::to_string(getpid());
  host->advertiseHost_ = settings.getString("service.advertise_address", "");
  log::Options logOptions;
  logOptions.service = host->serviceName_;
  logOptions.instance = host->instanceId_;
  const std::string level = settings.getString("log.level", "info");
  if (!log::parseLevel(level, logOptions.level)) {
    std::cerr << settings.sourceName() << ": key 'log.level': expected one of trace, debug, info, warn, error, off; got '"
              << level << "'\n";
    std::exit(kExitConfigError);
  }
  logOptions.file = settings.getString("log.file", "");
  if (Status logging = log::configure(logOptions); !logging.isOk()) {
    std::cerr << settings.sourceName() << ": key 'log.file': " << logging.message() << "\n";
    std::exit(kExitConfigError);
  }
  host->drain_ = settings.getDuration("shutdown.drain", std::chrono::milliseconds(5000));

  telemetry::setResource({host->serviceName_, kVersion, host->instanceId_});
  auto& registry = telemetry::defaultRegistry();
  telemetry::registerProcessCollector(registry);
  registry.gauge("fleetdeck_build_info", "Always 1; the labels say which service and version this process runs.",
                 {"service", "version"})
      .labels({host->serviceName_, kVersion})
      .set(1);
  // Head sampling of the traces this process starts; a parent's sampled flag always wins.
  telemetry::setSampleRatio(settings.getDouble("tracing.sample_ratio", 1.0, 0.0, 1.0));
  telemetry::setMaxNewTracesPerSecond(settings.getDouble("tracing.max_new_traces_per_second", 0.0, 0.0, 1e6));
  host->spanExporter_ = spanExporterFromConfig(settings);
  if (host->spanExporter_) telemetry::setSpanProcessor(host->spanExporter_);
  host->watchStopSignals();
  return host;
}

// A dedicated thread takes SIGTERM/SIGINT (blocked everywhere). Before run() serves, a stop signal
// ends the process at once: start-up (migrations waiting on a lock, a database that does not answer)
// may take long, and a supervisor's SIGTERM would otherwise wait for it, then for the drain. After
// that the first signal starts the graceful shutdown and a later one (an impatient Ctrl+C, a
// shutdown stuck in a hook) ends the process without waiting. Copies within a second of the first
// are the same request: supervisors commonly signal the process group and the process both.
void ServiceHost::watchStopSignals() {
  std::thread([this] {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    std::optional<std::chrono::steady_clock::time_point> first;
    while (true) {
      int received = 0;
      if (sigwait(&signals, &received) != 0) return;
      const char* name = received == SIGTERM ? "SIGTERM" : "SIGINT";
      if (!serving_.load()) {
        log::warn("stop signal received during start-up; exiting now", {{"signal", name}});
        log::flush();
        _exit(128 + received);
      }
      const auto now = std::chrono::steady_clock::now();
      if (!first) {
        first = now;
        log::info("stop signal received", {{"signal", name}});
        requestStop();
      } else if (now - *first < std::chrono::seconds(1)) {
        continue;
      } else {
        log::warn("second stop signal received; exiting without finishing the shutdown", {{"signal", name}});
        log::flush();
        _exit(128 + received);
      }
    }
  }).detach();
}

void ServiceHost::finishConfig() {
  http::ServerOptions adminOptions;
  adminOptions.address = config_.getString("admin.address", "127.0.0.1");
  adminOptions.port = static_cast<uint16_t>(config_.getInt("admin.port", 0, 0, 65535));
  adminOptions.threads = 1;
  adminOptions.serverName = serviceName_;
  // Room for OTLP span batches when this process is the trace collector (serveTraceStore).
  adminOptions.bodyLimitBytes =
      static_cast<size_t>(config_.getInt("admin.body_limit_bytes", 8 << 20, 64 << 10, 256 << 20));
  const Status status = config_.finish();
  if (!status.isOk()) fail(status, "reading the configuration");
  for (const auto& name : config_.unreadEnvironment()) {
    log::warn("environment variable names no setting of this service; a typo? (its default applies)",
              {{"variable", name}});
  }
  admin_ = std::make_unique<Admin>(*this, std::move(adminOptions));
}

int ServiceHost::finishMigrateOnly(int applied) {
  const double millis =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - startedAt_).count();
  log::info("database migrations applied; exiting without serving (--migrate-only)",
            {{"applied", static_cast<int64_t>(applied)}, {"version", kVersion}, {"duration_ms", millis}});
  log::flush();
  return 0;
}

void ServiceHost::fail(const Status& status, std::string_view during) {
  log::error("start-up failed", {{"during", during}, {"error", status.toString()}});
  log::flush();
  std::cerr << serviceName_ << ": " << during << ": " << status.message() << "\n";
  const bool refusedByItsSetup =
      status.code() == StatusCode::kInvalidArgument || status.code() == StatusCode::kFailedPrecondition;
  std::exit(refusedByItsSetup ? kExitConfigError : 1);
}

void ServiceHost::addReadinessCheck(ReadinessCheck check) { checks_.push_back(std::move(check)); }

void ServiceHost::onShutdown(std::string name, std::function<void(std::chrono::milliseconds)> hook) {
  shutdownHooks_.emplace_back(std::move(name), std::move(hook));
}

std::string ServiceHost::advertised(const std::string& bound) const {
  static const std::string machineAddress = [] {
    std::string address = firstNonLoopbackIpv4();
    return address.empty() ? std::string("127.0.0.1") : address;
  }();
  return advertisedAddress(bound, advertiseHost_, machineAddress);
}

void ServiceHost::setInfo(std::string key, std::string value) { info_.emplace_back(std::move(key), std::move(value)); }

void ServiceHost::addAdminRoute(std::string method, std::string pathTemplate, http::Handler handler) {
  AdminRoute route{std::move(method), std::move(pathTemplate), std::move(handler)};
  if (admin_) admin_->addRoute(route);
  adminRoutes_.push_back(std::move(route));
}

void ServiceHost::serveTraceStore(telemetry::TraceStore& store) {
  addAdminRoute("POST", "/v1/traces", otlpReceiver(store));
  if (!spanExporter_) {
    localTraceSink_ = std::make_shared<telemetry::TraceStoreProcessor>(store);
    telemetry::setSpanProcessor(localTraceSink_);
  }
}

void ServiceHost::flushTraces(std::chrono::milliseconds timeout) {
  if (spanExporter_) spanExporter_->flush(timeout);
  if (localTraceSink_) localTraceSink_->flush(timeout);
}

Status ServiceHost::startAdmin() {
  if (!admin_) finishConfig();
  Status started = admin_->start();
  if (started.isOk()) adminPort_.store(admin_->port());
  return started;
}

uint16_t ServiceHost::adminPort() const { return adminPort_.load(); }

void ServiceHost::requestStop() {
  const char byte = 1;
  [[maybe_unused]] ssize_t written = write(stopPipe_[1], &byte, 1);
}

int ServiceHost::run() {
  if (const Status status = startAdmin(); !status.isOk()) fail(status, "starting the admin HTTP server");
  // Serving before ready: a supervisor that sees /readyz answer 200 and at once sends SIGTERM gets
  // the graceful shutdown (exit 0), not the start-up exit (143). The signal lands in the stop pipe,
  // which the poll below reads.
  serving_ = true;
  admin_->setReady(true);
  const double startMillis =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - startedAt_).count();
  log::info("ready", {{"admin_port", static_cast<int64_t>(admin_->port())},
                      {"version", kVersion},
                      {"startup_ms", startMillis},
                      {"config", configPath_.empty() ? std::string("(defaults)") : configPath_}});

  pollfd waitFor{stopPipe_[0], POLLIN, 0};
  while (poll(&waitFor, 1, -1) < 0 && errno == EINTR) {
  }

  const auto stopStarted = std::chrono::steady_clock::now();
  admin_->setReady(false);  // load balancers stop sending first
  for (auto hook = shutdownHooks_.rbegin(); hook != shutdownHooks_.rend(); ++hook) {
    log::info("stopping", {{"component", hook->first}});
    hook->second(drain_);
  }
  // Spans of the last requests go out before the process does; the admin port (which may be the
  // fleet's trace collector) stays up until then.
  flushTraces(std::min<std::chrono::milliseconds>(drain_, std::chrono::milliseconds(3000)));
  admin_->stop();
  log::info("stopped", {{"shutdown_ms", std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                                                   stopStarted)
                                            .count()}});
  log::flush();
  return 0;
}

}  // namespace fleetdeck::host
