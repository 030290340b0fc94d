#include "domain/fleet_plan.h"

namespace fleetdeck::launcher {

FleetPlan defaultFleetPlan(uint16_t gatewayHttpPort, uint16_t portOffset) {
  const auto shifted = [portOffset](int port) { return static_cast<uint16_t>(port + portOffset); };
  FleetPlan plan;
  plan.postgresPort = shifted(15432);
  plan.redisPort = shifted(16379);
  plan.natsPort = shifted(14222);
  plan.prometheusPort = shifted(17090);
  plan.services = {
      {.name = "users", .grpcPort = shifted(15051), .adminPort = shifted(17101), .ownsDatabase = true},
      {.name = "products", .grpcPort = shifted(15052), .adminPort = shifted(17102), .ownsDatabase = true,
       .usesCache = true},
      {.name = "payments", .grpcPort = shifted(15054), .adminPort = shifted(17104), .ownsDatabase = true,
       // The console's fault toggles work only on the local fleet.
       .localEnvironment = {{"FLEETDECK_FAULTS__ALLOW_RUNTIME_CHANGES", "true"}}},
      {.name = "notifications", .grpcPort = shifted(15055), .adminPort = shifted(17105), .ownsDatabase = true},
      {.name = "orders", .grpcPort = shifted(15053), .adminPort = shifted(17103), .ownsDatabase = true,
       .upstreams = {"products", "payments"}},
      {.name = "gateway", .adminPort = shifted(17100), .httpPort = gatewayHttpPort,
       .upstreams = {"users", "products", "orders", "payments", "notifications"}},
  };
  return plan;
}

std::map<std::string, std::string> environmentFor(const FleetPlan& plan, const ServiceDefinition& service,
                                                  const std::string& databaseUrl) {
  std::map<std::string, std::string> environment;
  environment["FLEETDECK_SERVICE__INSTANCE"] = service.name + "-1";
  environment["FLEETDECK_ADMIN__PORT"] = std::to_string(service.adminPort);
  if (service.grpcPort != 0) environment["FLEETDECK_GRPC__PORT"] = std::to_string(service.grpcPort);
  if (service.httpPort != 0) environment["FLEETDECK_HTTP__PORT"] = std::to_string(service.httpPort);
  if (service.ownsDatabase) environment["FLEETDECK_DATABASE__URL"] = databaseUrl;
  for (const auto& [name, value] : service.localEnvironment) environment[name] = value;
  // Every process may publish or consume events; one that reads no [nats] section ignores this.
  environment["FLEETDECK_NATS__URL"] = "nats://127.0.0.1:" + std::to_string(plan.natsPort);
  if (service.usesCache) environment["FLEETDECK_CACHE__URL"] = "redis://127.0.0.1:" + std::to_string(plan.redisPort) + "/0";
  // Traces: every service exports OTLP/HTTP JSON to the gateway's built-in receiver (its admin port);
  // the gateway keeps its own spans in its store without the round trip.
  for (const auto& candidate : plan.services) {
    if (candidate.name != "gateway") continue;
    if (service.name == "gateway") {
      environment["FLEETDECK_PROMETHEUS__URL"] = "http://127.0.0.1:" + std::to_string(plan.prometheusPort);
      if (!plan.tokenKeyFile.empty()) environment["FLEETDECK_AUTH__KEY_FILE"] = plan.tokenKeyFile;
      // Only a gateway the launcher runs may stop and start the fleet's services.
      if (!plan.controlUrl.empty()) {
        environment["FLEETDECK_LOCAL_FLEET__CONTROL_URL"] = plan.controlUrl;
        environment["FLEETDECK_LOCAL_FLEET__CONTROL_TOKEN_FILE"] = plan.controlTokenFile;
      }
    } else {
      environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:" + std::to_string(candidate.adminPort);
      environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/json";
    }
  }
  for (const auto& upstream : service.upstreams) {
    for (const auto& candidate : plan.services) {
      if (candidate.name != upstream) continue;
      std::string key = "FLEETDECK_UPSTREAMS__";
      for (char c : upstream) key += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      environment[key] = "127.0.0.1:" + std::to_string(candidate.grpcPort);
    }
  }
  return environment;
}

}  // namespace fleetdeck::launcher
