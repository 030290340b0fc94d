// The OpenAPI 3.1 description of the gateway, generated from the same REST mappings (proto http
// options) that route requests, plus the gateway's own routes, so the document cannot drift.
#pragma once

#include <string>
#include <vector>

#include "domain/rest_mapping.h"

namespace fleetdeck::gateway {

// A route the gateway serves itself (not transcoded to a gRPC method).
struct OwnRoute {
  std::string method;
  std::string path;
  std::string summary;
  std::vector<std::string> roles;  // as in annotations.proto; empty = admin only
  std::vector<std::string> queryParameters;
  std::string responseContentType = "application/json";
  std::string responseDescription;
};

struct OpenApiInfo {
  std::string title = "FleetDeck API";
  std::string version = "1.0.0";
  int maxPageSize = 200;
};

// The document as pretty-printed JSON with sorted keys, stable from build to build.
std::string buildOpenApi(const std::vector<RestMapping>& mappings, const std::vector<OwnRoute>& ownRoutes,
                         const OpenApiInfo& info);

}  // namespace fleetdeck::gateway
