#include "domain/fleet_plan.h"

namespace fleetdeck::launcher {

FleetPlan defaultFleetPlan(uint16_t gatewayHttpPort, uint16_t portOffset) {
  const auto shifted = [portOffset](int port) { return static_cast<uint16_t>(port + portOffset); };
  FleetPlan plan;
  plan.postgresPort = shifted(55432);
  plan.services = {
      {"users", shifted(50051), shifted(9101), 0, true, {}},
      {"notifications", shifted(50055), shifted(9105), 0, true, {}},
      {"gateway", 0, shifted(9100), gatewayHttpPort, false, {"users", "notifications"}},
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
