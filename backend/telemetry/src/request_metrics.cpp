#include "fleetdeck/telemetry/request_metrics.h"

namespace fleetdeck::telemetry {
namespace {

CounterFamily& requestsFamily(Registry& registry) {
  return registry.counter("fleetdeck_requests_total",
                          "Requests this process served, by protocol and outcome (error: the server failed).",
                          {"service", "protocol", "outcome"});
}

}  // namespace

ServiceRequestMetrics::ServiceRequestMetrics(Registry& registry, const std::string& service,
                                             const std::string& protocol)
    : ok_(requestsFamily(registry).labels({service, protocol, "ok"})),
      error_(requestsFamily(registry).labels({service, protocol, "error"})),
      duration_(registry
                    .histogram("fleetdeck_request_duration_seconds",
                               "Time to serve a request, by protocol.", {"service", "protocol"})
                    .labels({service, protocol})) {}

}  // namespace fleetdeck::telemetry
