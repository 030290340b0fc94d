#include "fleetdeck/http/cors.h"

#include <algorithm>

namespace fleetdeck::http {

bool CorsPolicy::originAllowed(std::string_view origin) const {
  if (origin.empty()) return false;
  return std::any_of(options_.allowedOrigins.begin(), options_.allowedOrigins.end(),
                     [&](const std::string& allowed) { return allowed == "*" || allowed == origin; });
}

bool CorsPolicy::isPreflight(const HttpRequest& request) const {
  return request.method == "OPTIONS" && request.headers.contains("Origin") &&
         request.headers.contains("Access-Control-Request-Method");
}

HttpResponse CorsPolicy::preflight(const HttpRequest& request) const {
  const std::string_view origin = request.header("Origin").value_or("");
  if (!enabled() || !originAllowed(origin)) {
    auto response = errorResponse(permissionDenied("origin '" + std::string(origin) + "' is not allowed"), request.traceId);
    response.headers.add("Vary", "Origin");
    return response;
  }
  HttpResponse response;
  response.status = 204;
  response.headers.add("Access-Control-Allow-Origin", std::string(origin));
  response.headers.add("Access-Control-Allow-Methods", options_.allowedMethods);
  response.headers.add("Access-Control-Allow-Headers", options_.allowedHeaders);
  response.headers.add("Access-Control-Max-Age", std::to_string(options_.maxAge.count()));
  response.headers.add("Vary", "Origin");
  return response;
}

void CorsPolicy::decorate(const HttpRequest& request, HttpResponse& response) const {
  if (!enabled()) return;
  const auto origin = request.header("Origin");
  if (!origin || !originAllowed(*origin)) return;
  // Echo the origin rather than "*": bearer tokens are sent explicitly, and caches vary on Origin.
  response.headers.set("Access-Control-Allow-Origin", std::string(*origin));
  response.headers.set("Access-Control-Expose-Headers", options_.exposedHeaders);
  response.headers.add("Vary", "Origin");
}

}  // namespace fleetdeck::http
