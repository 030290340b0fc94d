#include "adapters/fleet_monitor.h"

#include <boost/json.hpp>

#include <algorithm>

#include "fleetdeck/core/log.h"
#include "fleetdeck/http/client.h"
#include "fleetdeck/telemetry/metrics.h"

namespace fleetdeck::gateway {
namespace {

int64_t nowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct MonitorMetrics {
  telemetry::CounterFamily& probeFailures = telemetry::defaultRegistry().counter(
      "gateway_fleet_probe_failures_total", "Fleet view polls that got no usable answer, by what was polled.",
      {"target"});
  telemetry::GaugeFamily& instances = telemetry::defaultRegistry().gauge(
      "gateway_fleet_instances", "Instances the fleet view lists, by status.", {"status"});
};

MonitorMetrics& metrics() {
  static MonitorMetrics instance;
  return instance;
}

}  // namespace

FleetMonitor::FleetMonitor(bus::RegistryWatcher* registry, Upstreams& upstreams, AdminEventSource& events,
                           FleetMonitorOptions options)
    : registry_(registry), upstreams_(upstreams), events_(events), options_(std::move(options)) {}

FleetMonitor::~FleetMonitor() { stop(); }

void FleetMonitor::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void FleetMonitor::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void FleetMonitor::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

uint64_t FleetMonitor::rounds() const {
  std::lock_guard lock(mutex_);
  return rounds_;
}

std::optional<std::string> FleetMonitor::fleetJson() {
  std::lock_guard lock(mutex_);
  if (rounds_ == 0) return std::nullopt;
  return lastJson_;
}

std::map<std::string, Health> FleetMonitor::upstreamHealth() const {
  std::lock_guard lock(mutex_);
  return lastUpstreamHealth_;
}

void FleetMonitor::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    pollOnce();
    lock.lock();
    wake_.wait_for(lock, options_.pollInterval, [this] { return stopping_ || woken_; });
    woken_ = false;
  }
}

std::map<std::string, bool> FleetMonitor::prometheusUp() {
  std::map<std::string, bool> up;
  if (options_.prometheusUrl.empty()) return up;
  auto url = http::parseHttpUrl(options_.prometheusUrl);
  if (!url) return up;
  std::string base = url->target == "/" ? "" : url->target;
  if (!base.empty() && base.back() == '/') base.pop_back();
  http::HttpClient client(url->host, url->port, options_.probeTimeout);
  auto response = client.get(base + "/api/v1/query?query=up");
  if (!response || response->status != 200) {
    metrics().probeFailures.labels({"prometheus"}).inc();
    return up;
  }
  boost::system::error_code error;
  const boost::json::value parsed = boost::json::parse(response->body, error);
  if (error || !parsed.is_object()) return up;
  const auto* data = parsed.as_object().if_contains("data");
  const auto* result = data != nullptr && data->is_object() ? data->as_object().if_contains("result") : nullptr;
  if (result == nullptr || !result->is_array()) return up;
  for (const auto& sample : result->as_array()) {
    if (!sample.is_object()) continue;
    const auto* metric = sample.as_object().if_contains("metric");
    const auto* value = sample.as_object().if_contains("value");
    if (metric == nullptr || !metric->is_object() || value == nullptr || !value->is_array() ||
        value->as_array().size() != 2) {
      continue;
    }
    const auto* instance = metric->as_object().if_contains("instance");
    const auto& number = value->as_array()[1];
    if (instance == nullptr || !instance->is_string() || !number.is_string()) continue;
    // Scrape targets are the admin addresses, so `instance` is the registry's adminAddress.
    up[std::string(instance->as_string())] = number.as_string() == "1";
  }
  return up;
}

std::vector<FleetService> FleetMonitor::gather() {
  std::map<std::string, FleetService> services;
  for (const auto& name : options_.knownServices) services[name].name = name;
  // Until the registry has been read once (NATS not reachable yet), the configured addresses are
  // the best description of the fleet there is.
  const bool useRegistry = registry_ != nullptr && registry_->synced();
  if (useRegistry) {
    for (const auto& entry : registry_->snapshot()) {
      FleetService& service = services[entry.name];
      service.name = entry.name;
      FleetInstance instance;
      instance.service = entry.name;
      instance.instanceId = entry.instanceId;
      instance.version = entry.version;
      instance.grpcAddress = entry.grpcAddress;
      instance.adminAddress = entry.adminAddress;
      instance.startTimeMicros = entry.startTimeMicros;
      instance.lastHeartbeatMicros = entry.lastHeartbeatMicros;
      service.instances.push_back(std::move(instance));
    }
  }
  // Without the registry the configured addresses are all the gateway knows: the instance is its
  // address, and only the breaker speaks about its health.
  if (!useRegistry) {
    for (const auto& [name, text] : options_.staticAddresses) {
      FleetService& service = services[name];
      service.name = name;
      for (const auto& address : splitAddresses(text)) {
        FleetInstance instance;
        instance.service = name;
        instance.instanceId = address;
        instance.grpcAddress = address;
        service.instances.push_back(std::move(instance));
      }
    }
  }
  const auto up = prometheusUp();
  const auto breakers = upstreams_.snapshot();
  std::vector<FleetService> result;
  std::vector<FleetInstance*> probed;
  std::vector<std::string> adminAddresses;
  for (auto& [name, service] : services) {
    for (auto& instance : service.instances) {
      if (instance.adminAddress.empty()) continue;
      probed.push_back(&instance);
      adminAddresses.push_back(instance.adminAddress);
    }
  }
  auto probes = prober_.probe(adminAddresses, options_.probeTimeout);
  for (size_t i = 0; i < probed.size(); ++i) {
    if (!probes[i].answered) metrics().probeFailures.labels({"readyz"}).inc();
    probed[i]->readiness = std::move(probes[i]);
  }
  for (auto& [name, service] : services) {
    for (auto& instance : service.instances) {
      if (!instance.adminAddress.empty()) {
        if (auto found = up.find(instance.adminAddress); found != up.end()) instance.prometheusUp = found->second;
      }
      for (const auto& breaker : breakers) {
        if (!instance.grpcAddress.empty() && breaker.address == instance.grpcAddress) {
          instance.breakers.push_back({breaker.upstream, std::string(resilience::breakerStateName(breaker.breaker))});
        }
      }
    }
    result.push_back(std::move(service));
  }
  return result;
}

void FleetMonitor::feedUpstreams(const std::vector<FleetService>& services, const FleetSnapshot& snapshot) {
  // Without a registry read, the static addresses stay as configured.
  if (registry_ == nullptr || !registry_->synced()) return;
  for (const auto& service : services) {
    std::vector<std::string> registered;
    std::vector<std::string> serving;
    for (const auto& instance : service.instances) {
      if (instance.grpcAddress.empty()) continue;
      registered.push_back(instance.grpcAddress);
      const auto health = snapshot.instances.find({service.name, instance.instanceId});
      if (health != snapshot.instances.end() && health->second != Health::kDown) serving.push_back(instance.grpcAddress);
    }
    std::vector<std::string> wanted;
    if (!serving.empty()) {
      wanted = serving;  // down instances ejected
    } else if (!registered.empty()) {
      // Every registered instance is down: keep them all, so calls fail fast through their breakers
      // (503 with Retry-After) and recover the moment one comes back.
      wanted = registered;
    } else if (auto fallback = options_.staticAddresses.find(service.name); fallback != options_.staticAddresses.end()) {
      wanted = splitAddresses(fallback->second);
    }
    if (wanted.empty()) continue;
    std::sort(wanted.begin(), wanted.end());
    wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
    auto& applied = appliedAddresses_[service.name];
    if (applied == wanted) continue;
    log::info("upstream instances changed", {{"upstream", service.name}, {"instances", static_cast<int64_t>(wanted.size())}});
    upstreams_.setInstances(service.name, wanted);
    applied = std::move(wanted);
  }
}

void FleetMonitor::pollOnce() {
  std::lock_guard round(pollMutex_);
  auto services = gather();
  const int64_t now = nowMicros();
  FleetSnapshot snapshot = assess(services, options_.rules, now);
  std::string json = gateway::fleetJson(services, snapshot, now);
  feedUpstreams(services, snapshot);
  // Here, once a round, so that the public health route costs no connection attempt of its own.
  std::map<std::string, Health> upstreamHealth;
  for (const auto& name : options_.knownServices) {
    const auto found = snapshot.services.find(name);
    Health health = found == snapshot.services.end() ? Health::kDown : found->second;
    if (!upstreams_.readiness(name).isOk()) health = Health::kDown;
    upstreamHealth[name] = health;
  }

  std::map<Health, int> counts{{Health::kUp, 0}, {Health::kDegraded, 0}, {Health::kDown, 0}};
  for (const auto& [key, health] : snapshot.instances) ++counts[health];
  for (const auto& [health, count] : counts) metrics().instances.labels({std::string(healthName(health))}).set(count);

  FleetSnapshot before;
  bool first = false;
  {
    std::lock_guard lock(mutex_);
    before = std::move(lastSnapshot_);
    first = rounds_ == 0;
    lastSnapshot_ = snapshot;
    lastJson_ = std::move(json);
    lastUpstreamHealth_ = std::move(upstreamHealth);
    ++rounds_;
  }
  if (first) return;  // nobody has seen an earlier state to change from
  for (const auto& change : diffFleet(before, snapshot)) {
    log::info("fleet changed", {{"service", change.service},
                                {"instance", change.instance},
                                {"status", std::string(healthName(change.status))},
                                {"removed", change.removed}});
    events_.publish("fleet.change", fleetChangeJson(change));
  }
}

}  // namespace fleetdeck::gateway
