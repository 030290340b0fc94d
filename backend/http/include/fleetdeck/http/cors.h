// Cross-origin resource sharing for browser clients: preflight answers and response headers for
// the configured origins only.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "fleetdeck/http/message.h"

namespace fleetdeck::http {

struct CorsOptions {
  // Exact origins ("https://console.example.com") or "*" for any. Empty disables CORS.
  std::vector<std::string> allowedOrigins;
  std::string allowedMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
  std::string allowedHeaders = "Authorization, Content-Type, If-Match, Idempotency-Key, Last-Event-ID, traceparent";
  std::string exposedHeaders = "ETag, X-Trace-Id, Retry-After";
  std::chrono::seconds maxAge{600};
};

class CorsPolicy {
 public:
  explicit CorsPolicy(CorsOptions options) : options_(std::move(options)) {}

  bool enabled() const { return !options_.allowedOrigins.empty(); }
  bool originAllowed(std::string_view origin) const;
  // OPTIONS with Origin and Access-Control-Request-Method.
  bool isPreflight(const HttpRequest& request) const;
  // 204 with the allow headers for an allowed origin; 403 otherwise.
  HttpResponse preflight(const HttpRequest& request) const;
  // Adds Access-Control-Allow-Origin (+ Expose-Headers, Vary: Origin) when the origin is allowed.
  void decorate(const HttpRequest& request, HttpResponse& response) const;

 private:
  CorsOptions options_;
};

}  // namespace fleetdeck::http
