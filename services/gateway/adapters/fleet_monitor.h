// Watches the fleet for the admin API: instances from the service registry (NATS KV) or, without
// NATS, the static upstream addresses; each instance's /readyz and Prometheus `up` polled every few
// seconds; the gateway's own breakers. Publishes `fleet.change` on the admin stream when a status
// moves, and feeds the upstreams the registry's instances with down ones ejected.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "adapters/readiness_prober.h"
#include "adapters/upstreams.h"
#include "domain/admin_events.h"
#include "domain/fleet_health.h"
#include "fleetdeck/bus/registry.h"

namespace fleetdeck::gateway {

struct FleetMonitorOptions {
  std::chrono::milliseconds pollInterval{std::chrono::seconds(5)};
  // Per /readyz request and per Prometheus query; an instance slower than this counts as not answering.
  std::chrono::milliseconds probeTimeout{std::chrono::seconds(1)};
  HealthRules rules;
  // Base URL of the Prometheus HTTP API; empty: `up` is not consulted.
  std::string prometheusUrl;
  // Services listed even with no instance (then down): the configured upstreams.
  std::vector<std::string> knownServices;
  // The configured addresses per upstream: the fallback whenever the registry has no instance of it.
  std::map<std::string, std::string> staticAddresses;
};

class FleetMonitor {
 public:
  // `registry` may be null (NATS not configured): the static addresses are the fleet then.
  FleetMonitor(bus::RegistryWatcher* registry, Upstreams& upstreams, AdminEventSource& events, FleetMonitorOptions options);
  ~FleetMonitor();
  FleetMonitor(const FleetMonitor&) = delete;
  FleetMonitor& operator=(const FleetMonitor&) = delete;

  void start();
  void stop();
  // Polls at once instead of waiting for the interval (an instance came or went). Any thread.
  void wake();
  // One round: gather, assess, publish changes, update the upstreams. The thread calls it; tests may.
  void pollOnce();
  // The last round's GET /api/v1/admin/fleet body; nullopt until the first round completed. Never
  // polls itself: it is called on an HTTP server thread, and a round waits for Prometheus and every
  // instance's /readyz (a black-holed Prometheus held one server thread per console asking).
  std::optional<std::string> fleetJson();
  // How many rounds completed.
  uint64_t rounds() const;
  // The last round's health of each configured upstream, for the anonymous GET /api/v1/health:
  // the fleet view's status, down too when no connection to any of its instances could be made (a
  // static address has no /readyz to ask). Empty until the first round completed. Never polls.
  std::map<std::string, Health> upstreamHealth() const;

 private:
  std::vector<FleetService> gather();
  void feedUpstreams(const std::vector<FleetService>& services, const FleetSnapshot& snapshot);
  std::map<std::string, bool> prometheusUp();
  void run();

  bus::RegistryWatcher* registry_;
  Upstreams& upstreams_;
  AdminEventSource& events_;
  FleetMonitorOptions options_;
  std::mutex pollMutex_;  // one round at a time
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool woken_ = false;
  uint64_t rounds_ = 0;
  std::string lastJson_;
  FleetSnapshot lastSnapshot_;
  std::map<std::string, Health> lastUpstreamHealth_;
  std::map<std::string, std::vector<std::string>> appliedAddresses_;
  ReadinessProber prober_;
  std::thread thread_;
};

}  // namespace fleetdeck::gateway
