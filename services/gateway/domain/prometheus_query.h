// Which query parameters the gateway's Prometheus proxy passes on, per Prometheus API path.
#pragma once

#include <string_view>

#include "fleetdeck/core/status.h"

namespace fleetdeck::gateway {

// OK when every parameter of `query` (a raw query string) is one the proxied `apiPath` takes:
// query and time for /api/v1/query; query, start, end and step for /api/v1/query_range; type for
// /api/v1/rules; none for /api/v1/alerts. Otherwise INVALID_ARGUMENT naming the first other one:
// the console sends nothing else, and anything else (timeout=, stats=, limit=) would change what
// Prometheus spends on a client's behalf.
Status checkPrometheusParameters(std::string_view apiPath, std::string_view query);

}  // namespace fleetdeck::gateway
