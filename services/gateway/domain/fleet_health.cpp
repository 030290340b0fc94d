#include "domain/fleet_health.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>

#include <boost/json.hpp>

namespace fleetdeck::gateway {
namespace {

std::string rfc3339(int64_t micros) {
  if (micros <= 0) return "";
  return google::protobuf::util::TimeUtil::ToString(google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(micros));
}

}  // namespace

std::string_view healthName(Health health) {
  switch (health) {
    case Health::kUp:
      return "up";
    case Health::kDegraded:
      return "degraded";
    case Health::kDown:
      return "down";
  }
  return "down";
}

ReadinessProbe parseReadiness(int httpStatus, std::string_view body) {
  ReadinessProbe probe;
  probe.answered = true;
  probe.httpStatus = httpStatus;
  boost::system::error_code error;
  const boost::json::value parsed = boost::json::parse(body, error);
  if (error || !parsed.is_object()) {
    probe.error = "readiness answer is not a JSON object";
    return probe;
  }
  const auto& object = parsed.as_object();
  if (const auto* overall = object.if_contains("status"); overall != nullptr && overall->is_string()) {
    probe.overall = std::string(overall->as_string());
  }
  if (const auto* checks = object.if_contains("checks"); checks != nullptr && checks->is_object()) {
    for (const auto& [name, value] : checks->as_object()) {
      if (!value.is_object()) continue;
      const auto& detail = value.as_object();
      ReadinessCheckResult result;
      if (const auto* status = detail.if_contains("status"); status != nullptr && status->is_string()) {
        result.status = std::string(status->as_string());
      }
      if (const auto* latency = detail.if_contains("latencyMs"); latency != nullptr && latency->is_number()) {
        result.latencyMs = latency->to_number<double>();
      }
      if (const auto* text = detail.if_contains("error"); text != nullptr && text->is_string()) {
        result.error = std::string(text->as_string());
      }
      if (const auto* critical = detail.if_contains("critical"); critical != nullptr && critical->is_bool()) {
        result.critical = critical->as_bool();
      }
      probe.checks.emplace(std::string(name), std::move(result));
    }
  }
  return probe;
}

Health instanceHealth(const FleetInstance& instance, const HealthRules& rules, int64_t nowMicros) {
  if (instance.readiness) {
    const ReadinessProbe& probe = *instance.readiness;
    // No answer, or not ready: it cannot serve, whatever the registry last heard.
    if (!probe.answered || probe.httpStatus != 200) return Health::kDown;
  }
  bool degraded = false;
  if (instance.readiness) {
    for (const auto& [name, check] : instance.readiness->checks) {
      if (check.status != "up") degraded = true;
    }
  }
  for (const auto& breaker : instance.breakers) {
    if (breaker.state != "closed") degraded = true;
  }
  // Prometheus disagrees with a ready answer: its scrapes fail (wrong port, overload), so the
  // metrics the console charts are missing.
  if (instance.prometheusUp && !*instance.prometheusUp) degraded = true;
  if (instance.lastHeartbeatMicros > 0 && nowMicros - instance.lastHeartbeatMicros > rules.lateHeartbeatMicros) {
    degraded = true;
  }
  return degraded ? Health::kDegraded : Health::kUp;
}

Health serviceHealth(const std::vector<Health>& instances) {
  if (instances.empty()) return Health::kDown;
  bool allUp = true;
  bool anyServing = false;
  for (Health health : instances) {
    if (health != Health::kUp) allUp = false;
    if (health != Health::kDown) anyServing = true;
  }
  if (allUp) return Health::kUp;
  return anyServing ? Health::kDegraded : Health::kDown;
}

FleetSnapshot assess(const std::vector<FleetService>& services, const HealthRules& rules, int64_t nowMicros) {
  FleetSnapshot snapshot;
  for (const auto& service : services) {
    std::vector<Health> healths;
    for (const auto& instance : service.instances) {
      const Health health = instanceHealth(instance, rules, nowMicros);
      healths.push_back(health);
      snapshot.instances[{service.name, instance.instanceId}] = health;
    }
    snapshot.services[service.name] = serviceHealth(healths);
  }
  return snapshot;
}

std::string fleetJson(const std::vector<FleetService>& services, const FleetSnapshot& snapshot, int64_t nowMicros) {
  boost::json::array serviceArray;
  for (const auto& service : services) {
    boost::json::array instances;
    for (const auto& instance : service.instances) {
      boost::json::object checks;
      boost::json::object readiness;
      if (instance.readiness) {
        for (const auto& [name, check] : instance.readiness->checks) {
          boost::json::object detail{{"status", check.status}, {"latencyMs", check.latencyMs}, {"critical", check.critical}};
          if (!check.error.empty()) detail["error"] = check.error;
          checks[name] = std::move(detail);
        }
        const ReadinessProbe& probe = *instance.readiness;
        readiness["status"] = !probe.answered ? std::string("unreachable")
                              : probe.overall.empty() ? std::to_string(probe.httpStatus)
                                                      : probe.overall;
        if (!probe.error.empty()) readiness["error"] = probe.error;
      } else {
        readiness["status"] = "unknown";
      }
      readiness["checks"] = std::move(checks);
      boost::json::array breakers;
      for (const auto& breaker : instance.breakers) {
        breakers.push_back(boost::json::object{{"upstream", breaker.upstream}, {"state", breaker.state}});
      }
      const auto found = snapshot.instances.find({service.name, instance.instanceId});
      const Health health = found != snapshot.instances.end() ? found->second : Health::kDown;
      boost::json::object entry{{"instanceId", instance.instanceId},
                                {"version", instance.version},
                                {"grpcAddress", instance.grpcAddress},
                                {"adminAddress", instance.adminAddress},
                                {"startTime", rfc3339(instance.startTimeMicros)},
                                {"lastHeartbeat", rfc3339(instance.lastHeartbeatMicros)},
                                {"status", healthName(health)},
                                {"readiness", std::move(readiness)},
                                {"breakers", std::move(breakers)}};
      if (instance.startTimeMicros > 0 && nowMicros >= instance.startTimeMicros) {
        entry["uptimeSeconds"] = static_cast<double>(nowMicros - instance.startTimeMicros) / 1e6;
      }
      if (instance.prometheusUp) {
        entry["prometheusUp"] = *instance.prometheusUp;
      } else {
        entry["prometheusUp"] = nullptr;
      }
      instances.push_back(std::move(entry));
    }
    const auto found = snapshot.services.find(service.name);
    serviceArray.push_back(boost::json::object{
        {"name", service.name},
        {"status", healthName(found != snapshot.services.end() ? found->second : Health::kDown)},
        {"instances", std::move(instances)}});
  }
  return boost::json::serialize(boost::json::object{{"services", std::move(serviceArray)}});
}

std::vector<FleetChange> diffFleet(const FleetSnapshot& before, const FleetSnapshot& after) {
  std::vector<FleetChange> changes;
  for (const auto& [key, health] : after.instances) {
    const auto previous = before.instances.find(key);
    if (previous == before.instances.end() || previous->second != health) {
      changes.push_back({key.first, key.second, health, false});
    }
  }
  for (const auto& [key, health] : before.instances) {
    if (!after.instances.contains(key)) changes.push_back({key.first, key.second, Health::kDown, true});
  }
  for (const auto& [name, health] : after.services) {
    const auto previous = before.services.find(name);
    if (previous == before.services.end() || previous->second != health) changes.push_back({name, "", health, false});
  }
  for (const auto& [name, health] : before.services) {
    if (!after.services.contains(name)) changes.push_back({name, "", Health::kDown, true});
  }
  return changes;
}

std::string fleetChangeJson(const FleetChange& change) {
  boost::json::object data{{"service", change.service}, {"instance", change.instance}, {"status", healthName(change.status)}};
  if (change.removed) data["removed"] = true;
  return boost::json::serialize(data);
}

Result<std::string> publicHealthJson(const std::vector<std::string>& services,
                                     const std::map<std::string, Health>& lastRound,
                                     const std::map<std::string, std::vector<std::string>>& breakers) {
  const auto worse = [](Health a, Health b) { return static_cast<int>(a) > static_cast<int>(b) ? a : b; };
  boost::json::object states;
  bool allUp = true;
  bool anyServing = false;
  for (const auto& name : services) {
    Health health = Health::kDown;
    if (auto live = breakers.find(name); live != breakers.end() && !live->second.empty()) {
      const auto open = std::count(live->second.begin(), live->second.end(), "open");
      health = open == 0 ? Health::kUp
               : open == static_cast<std::ptrdiff_t>(live->second.size()) ? Health::kDown
                                                                            : Health::kDegraded;
    }
    if (auto round = lastRound.find(name); round != lastRound.end()) health = worse(health, round->second);
    if (health != Health::kUp) allUp = false;
    if (health != Health::kDown) anyServing = true;
    states[name] = healthName(health);
  }
  if (!anyServing) return unavailable("no service behind the gateway is reachable");
  return boost::json::serialize(boost::json::object{{"status", allUp ? "ok" : "degraded"}, {"services", std::move(states)}});
}

}  // namespace fleetdeck::gateway
