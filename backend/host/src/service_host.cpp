#include "fleetdeck/host/service_host.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <thread>

#include "fleetdeck/core/ids.h"
#include "fleetdeck/core/json.h"
#include "fleetdeck/core/log.h"
#include "fleetdeck/http/server.h"
#include "fleetdeck/telemetry/metrics.h"

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
    server_ = std::make_unique<http::HttpServer>(
        std::move(options), [this](http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
          router_.dispatch(request, std::move(responder));
        });
  }

  Status start() { return server_->start(); }
  void stop() { server_->stop(std::chrono::milliseconds(500)); }
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
                             {"checks", std::move(checks)}};
    return http::HttpResponse::json(ready ? 200 : 503, boost::json::serialize(body));
  }

  ServiceHost& host_;
  http::Router router_;
  std::unique_ptr<http::HttpServer> server_;
  std::atomic<bool> ready_{false};
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
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    if (argument == "--help" || argument == "-h") {
      std::cout << "Usage: " << program << " [--config FILE]\n\n"
                << description << "\n\n"
                << "Options:\n"
                << "  --config FILE  TOML configuration (default: $FLEETDECK_CONFIG, else built-in defaults)\n"
                << "  --version      print the version and exit\n"
                << "  --help         print this help and exit\n\n"
                << "Every key can be overridden by FLEETDECK_<SECTION>__<KEY>, e.g. FLEETDECK_ADMIN__PORT=9101.\n";
      std::exit(0);
    }
    if (argument == "--version") {
      std::cout << serviceName << " " << kVersion << "\n";
      std::exit(0);
    }
    if (argument == "--config" && i + 1 < argc) {
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
    std::exit(1);
  }
  std::unique_ptr<ServiceHost> host(new ServiceHost(std::move(serviceName), std::move(*config), configPath));
  Config& settings = host->config_;
  host->instanceId_ = settings.getString("service.instance", "");
  if (host->instanceId_.empty()) host->instanceId_ = hostName() + "-" + std::to_string(getpid());
  log::Options logOptions;
  logOptions.service = host->serviceName_;
  logOptions.instance = host->instanceId_;
  const std::string level = settings.getString("log.level", "info");
  if (!log::parseLevel(level, logOptions.level)) {
    std::cerr << settings.sourceName() << ": key 'log.level': expected one of trace, debug, info, warn, error, off; got '"
              << level << "'\n";
    std::exit(1);
  }
  logOptions.file = settings.getString("log.file", "");
  log::configure(logOptions);
  host->drain_ = settings.getDuration("shutdown.drain", std::chrono::milliseconds(5000));
  telemetry::registerProcessCollector(telemetry::defaultRegistry());
  return host;
}

void ServiceHost::finishConfig() {
  http::ServerOptions adminOptions;
  adminOptions.address = config_.getString("admin.address", "127.0.0.1");
  adminOptions.port = static_cast<uint16_t>(config_.getInt("admin.port", 0, 0, 65535));
  adminOptions.threads = 1;
  adminOptions.serverName = serviceName_;
  const Status status = config_.finish();
  if (!status.isOk()) fail(status, "reading the configuration");
  admin_ = std::make_unique<Admin>(*this, std::move(adminOptions));
}

void ServiceHost::fail(const Status& status, std::string_view during) {
  log::error("start-up failed", {{"during", during}, {"error", status.toString()}});
  log::flush();
  std::cerr << serviceName_ << ": " << during << ": " << status.message() << "\n";
  std::exit(1);
}

void ServiceHost::addReadinessCheck(ReadinessCheck check) { checks_.push_back(std::move(check)); }

void ServiceHost::onShutdown(std::string name, std::function<void(std::chrono::milliseconds)> hook) {
  shutdownHooks_.emplace_back(std::move(name), std::move(hook));
}

void ServiceHost::setInfo(std::string key, std::string value) { info_.emplace_back(std::move(key), std::move(value)); }

Status ServiceHost::startAdmin() {
  if (!admin_) finishConfig();
  return admin_->start();
}

uint16_t ServiceHost::adminPort() const { return admin_ ? admin_->port() : 0; }

void ServiceHost::requestStop() {
  const char byte = 1;
  [[maybe_unused]] ssize_t written = write(stopPipe_[1], &byte, 1);
}

int ServiceHost::run() {
  if (const Status status = startAdmin(); !status.isOk()) fail(status, "starting the admin HTTP server");
  admin_->setReady(true);
  const double startMillis =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - startedAt_).count();
  log::info("ready", {{"admin_port", static_cast<int64_t>(admin_->port())},
                      {"version", kVersion},
                      {"startup_ms", startMillis},
                      {"config", configPath_.empty() ? std::string("(defaults)") : configPath_}});

  // A dedicated thread turns SIGTERM/SIGINT (blocked everywhere) into a byte on the stop pipe.
  std::thread signalThread([this] {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    int received = 0;
    if (sigwait(&signals, &received) == 0) {
      log::info("stop signal received", {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}});
      requestStop();
    }
  });
  signalThread.detach();

  pollfd waitFor{stopPipe_[0], POLLIN, 0};
  while (poll(&waitFor, 1, -1) < 0 && errno == EINTR) {
  }

  const auto stopStarted = std::chrono::steady_clock::now();
  admin_->setReady(false);  // load balancers stop sending first
  for (auto hook = shutdownHooks_.rbegin(); hook != shutdownHooks_.rend(); ++hook) {
    log::info("stopping", {{"component", hook->first}});
    hook->second(drain_);
  }
  admin_->stop();
  log::info("stopped", {{"shutdown_ms", std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                                                   stopStarted)
                                            .count()}});
  log::flush();
  return 0;
}

}  // namespace fleetdeck::host
