// What the local fleet consists of: the infrastructure and services, their ports and start order.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace fleetdeck::launcher {

struct ServiceDefinition {
  std::string name;          // "users"; the executable is fleetdeck-<name>
  uint16_t grpcPort = 0;     // 0: no gRPC server (gateway)
  uint16_t adminPort = 0;    // /healthz, /readyz, /metrics
  uint16_t httpPort = 0;     // public HTTP (gateway only)
  bool ownsDatabase = false; // gets a PostgreSQL database named after it
  std::vector<std::string> upstreams;  // services it calls over gRPC
  // Settings only the local fleet uses (e.g. letting the console toggle fault injection).
  std::map<std::string, std::string> localEnvironment;
  bool usesCache = false;    // gets the Redis URL
};

struct FleetPlan {
  uint16_t postgresPort = 15432;
  uint16_t redisPort = 16379;
  uint16_t natsPort = 14222;
  uint16_t prometheusPort = 17090;
  std::vector<ServiceDefinition> services;  // in start order; stopped in reverse
  // The launcher's control endpoint ("http://127.0.0.1:<port>") and the file holding its token;
  // given only to the gateway, which then serves POST /api/v1/admin/services/{name}:stop and :start.
  std::string controlUrl;
  std::string controlTokenFile;
  // The gateway's token key ring, in the fleet's data folder. Left to the config's relative default,
  // it landed beside whatever folder the launcher was started from (a key inside the source tree,
  // or one key shared by two fleets with different data folders).
  std::string tokenKeyFile;
};

// The laptop fleet with its documented ports, all below the kernel's ephemeral range (32768 and up)
// even when shifted, so an outgoing connection's local port can never hold one of them; the
// services' own config defaults (50051…, for the systemd units) are not used here. The gateway's HTTP port can be moved
// (FLEETDECK_GATEWAY_PORT) when 8080 is taken, and every other port shifted by `portOffset`
// (FLEETDECK_PORT_OFFSET) so two fleets (e.g. a test run beside a demo) can share a machine.
FleetPlan defaultFleetPlan(uint16_t gatewayHttpPort, uint16_t portOffset = 0);

// FLEETDECK_* variables that configure one service of the plan.
std::map<std::string, std::string> environmentFor(const FleetPlan& plan, const ServiceDefinition& service,
                                                  const std::string& databaseUrl);

}  // namespace fleetdeck::launcher
