// The per-service request totals every process exports for the console's charts, whatever the
// protocol: fleetdeck_requests_total{service,protocol,outcome} and
// fleetdeck_request_duration_seconds{service,protocol}. The protocol-specific families
// (http_requests_total, grpc_server_handled_total, …) keep the detail.
#pragma once

#include <string>

#include "fleetdeck/telemetry/metrics.h"

namespace fleetdeck::telemetry {

class ServiceRequestMetrics {
 public:
  // `protocol` is "http" or "grpc"; `service` is the process's service name.
  ServiceRequestMetrics(Registry& registry, const std::string& service, const std::string& protocol);

  // `failed`: the server failed the request (HTTP 5xx, gRPC UNKNOWN/INTERNAL/UNAVAILABLE/…), not
  // a request the client got wrong.
  void record(bool failed, double seconds) {
    (failed ? error_ : ok_).inc();
    duration_.observe(seconds);
  }

 private:
  Counter& ok_;
  Counter& error_;
  Histogram& duration_;
};

}  // namespace fleetdeck::telemetry
