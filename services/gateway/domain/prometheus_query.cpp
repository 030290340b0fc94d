#include "domain/prometheus_query.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

namespace fleetdeck::gateway {
namespace {

std::vector<std::string_view> allowedFor(std::string_view apiPath) {
  if (apiPath == "/api/v1/query") return {"query", "time"};
  if (apiPath == "/api/v1/query_range") return {"query", "start", "end", "step"};
  if (apiPath == "/api/v1/rules") return {"type"};
  return {};
}

}  // namespace

Status checkPrometheusParameters(std::string_view apiPath, std::string_view query) {
  const auto allowed = allowedFor(apiPath);
  while (!query.empty()) {
    const size_t end = std::min(query.find('&'), query.size());
    const std::string_view pair = query.substr(0, end);
    query.remove_prefix(std::min(end + 1, query.size()));
    if (pair.empty()) continue;
    const std::string_view name = pair.substr(0, pair.find('='));
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string accepted;
      for (const auto& each : allowed) accepted += (accepted.empty() ? "" : ", ") + std::string(each);
      return invalidField(std::string(name.substr(0, 64)),
                          accepted.empty() ? "this route takes no parameters"
                                           : "is not a parameter of this route (it takes " + accepted + ")");
    }
  }
  return Status::ok();
}

}  // namespace fleetdeck::gateway
