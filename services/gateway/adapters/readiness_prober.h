// Asks many instances' /readyz at once for the fleet view: one hung instance costs a round one
// probe timeout, not one timeout per instance in turn.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "domain/fleet_health.h"
#include "fleetdeck/http/async_client.h"

namespace fleetdeck::gateway {

class ReadinessProber {
 public:
  ReadinessProber();

  // One answer per admin address ("host:port"), in the same order; an address that does not answer
  // within `timeout`, or is not host:port, gets a probe with its error.
  std::vector<ReadinessProbe> probe(const std::vector<std::string>& adminAddresses, std::chrono::milliseconds timeout);

 private:
  http::AsyncHttpClient client_;  // keeps connections to the admin ports between rounds
};

}  // namespace fleetdeck::gateway
