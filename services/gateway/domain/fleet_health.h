// The fleet view's rules: how registry heartbeat, /readyz detail, Prometheus `up` and circuit
// breakers combine into up / degraded / down per instance and per service, and its JSON shape
// (docs/console-api-contract.md, GET /api/v1/admin/fleet). Pure: the monitor gathers, this decides.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fleetdeck/core/status.h"

namespace fleetdeck::gateway {

enum class Health { kUp, kDegraded, kDown };
std::string_view healthName(Health health);

struct ReadinessCheckResult {
  std::string status;  // "up" / "down"
  double latencyMs = 0;
  std::string error;
  bool critical = true;
};

// One /readyz poll of an instance's admin port.
struct ReadinessProbe {
  bool answered = false;  // false: no HTTP answer (refused, timeout)
  int httpStatus = 0;     // 200 ready (maybe degraded), 503 not ready
  std::string overall;    // the body's "status": ready, degraded, not_ready
  std::map<std::string, ReadinessCheckResult> checks;
  std::string error;  // why there is no usable answer
};

// A /readyz body (service_host.cpp's shape) with its HTTP status.
ReadinessProbe parseReadiness(int httpStatus, std::string_view body);

struct BreakerView {
  std::string upstream;
  std::string state;  // closed, open, half_open
};

struct FleetInstance {
  std::string service;
  std::string instanceId;
  std::string version;
  std::string grpcAddress;
  std::string adminAddress;
  int64_t startTimeMicros = 0;
  int64_t lastHeartbeatMicros = 0;  // 0: not from the registry (static config)
  std::optional<ReadinessProbe> readiness;  // empty: not polled (yet)
  std::optional<bool> prometheusUp;         // empty: no Prometheus, or it has no such target
  std::vector<BreakerView> breakers;        // the gateway's breakers toward this instance
};

struct HealthRules {
  // A heartbeat older than this (but not yet expired from the registry) makes an instance degraded.
  int64_t lateHeartbeatMicros = 11'000'000;
};

// Down: /readyz did not answer, or answered not ready. Degraded: ready but a (non-critical) check
// is down, a breaker toward it is open or half-open, Prometheus cannot scrape it, or its heartbeat
// is late. Up otherwise. Without a readiness answer yet (just registered), it counts as up when
// nothing else speaks against it.
Health instanceHealth(const FleetInstance& instance, const HealthRules& rules, int64_t nowMicros);

// Up when every instance is up; down when none is up or degraded (or there are none); else degraded.
Health serviceHealth(const std::vector<Health>& instances);

struct FleetService {
  std::string name;
  std::vector<FleetInstance> instances;
};

struct FleetSnapshot {
  std::map<std::string, Health> services;                        // name -> health
  std::map<std::pair<std::string, std::string>, Health> instances;  // (service, instance) -> health
};

// Health of every service and instance of `services` at `nowMicros`.
FleetSnapshot assess(const std::vector<FleetService>& services, const HealthRules& rules, int64_t nowMicros);

// {"services":[{name, status, instances:[{instanceId, version, grpcAddress, adminAddress, startTime,
// lastHeartbeat, uptimeSeconds, status, readiness:{status, checks:{…}}, prometheusUp, breakers:[…]}]}]}
std::string fleetJson(const std::vector<FleetService>& services, const FleetSnapshot& snapshot, int64_t nowMicros);

struct FleetChange {
  std::string service;
  std::string instance;  // empty: the whole service
  Health status = Health::kDown;
  bool removed = false;  // the instance left the registry
};
// What moved from `before` to `after`: instances that appeared, changed status or left (reported
// down, removed), then services whose status changed. Ordered: instances first, then services.
std::vector<FleetChange> diffFleet(const FleetSnapshot& before, const FleetSnapshot& after);
// {service, instance, status} (+ removed:true), the admin stream's fleet.change data.
std::string fleetChangeJson(const FleetChange& change);

// The anonymous GET /api/v1/health. `services`: the upstreams the gateway routes to. `lastRound`:
// each one's health from the fleet view's last round (empty before the first). `breakers`: the
// upstream's current instances and their breaker states ("closed", "open", "half_open"), read live.
// A service is the worse of its last round and its breakers: no instance or every breaker open is
// down, some open is degraded. Answers {"status":"ok"|"degraded","services":{name:"up"|...}}, only
// names and states (anonymous callers learn no address, instance or version); UNAVAILABLE when
// every service is down (or none is configured): then the gateway can serve nothing but itself.
Result<std::string> publicHealthJson(const std::vector<std::string>& services,
                                     const std::map<std::string, Health>& lastRound,
                                     const std::map<std::string, std::vector<std::string>>& breakers);

}  // namespace fleetdeck::gateway
