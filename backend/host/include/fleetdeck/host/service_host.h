// ServiceHost: what every FleetDeck process shares — command line, config, logging, tracing export,
// the admin HTTP port (/healthz, /readyz, /metrics), signals and an orderly graceful shutdown.
// docs/observability.md describes what the admin port serves and the [telemetry] keys.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fleetdeck/core/config.h"
#include "fleetdeck/core/status.h"
#include "fleetdeck/http/router.h"

namespace fleetdeck::telemetry {
class BatchSpanExporter;
class TraceStore;
class TraceStoreProcessor;
}  // namespace fleetdeck::telemetry

namespace fleetdeck::host {

// One line of /readyz. A critical check that fails makes the process not ready (503); a
// non-critical one only marks it degraded (still 200), e.g. an optional cache.
struct ReadinessCheck {
  std::string name;
  std::function<Status()> check;
  bool critical = true;
};

class ServiceHost {
 public:
  // Parses `--config FILE` (or FLEETDECK_CONFIG), `--migrate-only`, `--help`, `--version`; loads the
  // config and configures logging. Blocks SIGTERM/SIGINT in every thread created afterwards. On --help /
  // --version or a bad command line it prints and exits.
  static std::unique_ptr<ServiceHost> create(int argc, char** argv, std::string serviceName, std::string description);
  ~ServiceHost();

  Config& config() { return config_; }
  const std::string& serviceName() const { return serviceName_; }
  const std::string& instanceId() const { return instanceId_; }
  const std::string& version() const;
  // `--migrate-only` was given: the process applies its database migrations and exits 0 without
  // opening a port (Kubernetes runs it so in an init container, which has no probe to kill a long
  // migration). A service with a database returns finishMigrateOnly() from main right after
  // applyMigrations succeeded; one without a database must refuse the flag (fail()).
  bool migrateOnly() const { return migrateOnly_; }
  // Logs that the migrations are applied and the process exits without serving; returns 0, the
  // exit code for main to return.
  int finishMigrateOnly(int applied);

  // Ends start-up configuration: unknown keys and type errors stop the process with one message.
  // Call after every component read its keys.
  void finishConfig();
  // The exit code of a process refused by its own settings (EX_CONFIG, sysexits.h): starting it again
  // cannot help, so a supervisor may stop retrying (systemd: RestartPreventExitStatus=78), while a
  // failure with 1 (a database not up yet) is worth retrying.
  static constexpr int kExitConfigError = 78;

  // Logs the error and exits: kExitConfigError for INVALID_ARGUMENT (a bad setting or flag) and
  // FAILED_PRECONDITION (a key file others may read, a migration edited after it was applied: what
  // an operator must mend), 1 for other start-up failures (database unreachable, port taken, …).
  [[noreturn]] void fail(const Status& status, std::string_view during);

  void addReadinessCheck(ReadinessCheck check);
  // Called in reverse order of registration when the process stops, each with the drain budget.
  void onShutdown(std::string name, std::function<void(std::chrono::milliseconds drain)> hook);
  // The address other processes reach `bound` ("host:port" a server listens on) at, for the service
  // registry: config service.advertise_address (the pod IP on Kubernetes) when set, else this
  // machine's first non-loopback IPv4 for a wildcard host (0.0.0.0), else `bound` as it is.
  std::string advertised(const std::string& bound) const;
  // Extra key/values reported by /healthz (e.g. the gRPC address).
  void setInfo(std::string key, std::string value);
  // Serves an extra route on the admin HTTP port. Call before run() / startAdmin().
  void addAdminRoute(std::string method, std::string pathTemplate, http::Handler handler);
  // Makes this process the fleet's trace collector: POST /v1/traces (OTLP/HTTP JSON) on the admin
  // port feeds `store`, and when no OTLP endpoint is configured this process's own spans go
  // straight into it. `store` must outlive the host. Call before run() / startAdmin().
  void serveTraceStore(telemetry::TraceStore& store);

  // Starts the admin HTTP server, marks the process started, waits for SIGTERM/SIGINT, then shuts
  // down: readiness off, hooks in reverse order, admin server last. Returns the exit code.
  int run();

  // Starts the admin server without blocking (run() calls it; tests may call it directly).
  Status startAdmin();
  // The admin port once the admin server listens, else 0; safe to poll from another thread.
  uint16_t adminPort() const;

  // For tests and embedded use: ask run() to return as if SIGTERM had arrived.
  void requestStop();

  // Sends the spans still queued for export, waiting at most `timeout` (run() does it on the way out).
  void flushTraces(std::chrono::milliseconds timeout);

 private:
  ServiceHost(std::string serviceName, Config config, std::string configPath);
  class Admin;

  std::string serviceName_;
  std::string instanceId_;
  std::string advertiseHost_;  // service.advertise_address
  std::string configPath_;
  bool migrateOnly_ = false;  // --migrate-only
  Config config_;
  std::chrono::milliseconds drain_{5000};
  std::vector<ReadinessCheck> checks_;
  std::vector<std::pair<std::string, std::function<void(std::chrono::milliseconds)>>> shutdownHooks_;
  std::vector<std::pair<std::string, std::string>> info_;
  struct AdminRoute {
    std::string method;
    std::string pathTemplate;
    http::Handler handler;
  };
  std::vector<AdminRoute> adminRoutes_;
  // The OTLP exporter this host installed (null when no endpoint is configured).
  std::shared_ptr<telemetry::BatchSpanExporter> spanExporter_;
  // This process's own spans into its trace store (serveTraceStore without an OTLP endpoint).
  std::shared_ptr<telemetry::TraceStoreProcessor> localTraceSink_;
  std::unique_ptr<Admin> admin_;
  std::chrono::steady_clock::time_point startedAt_;
  int stopPipe_[2] = {-1, -1};
  std::atomic<uint16_t> adminPort_{0};
  // Set when run() starts serving: a stop signal before then ends the process at once (start-up may
  // be blocked on a lock or a connection for a long time, with nothing to drain yet).
  std::atomic<bool> serving_{false};

  void watchStopSignals();
};

}  // namespace fleetdeck::host
