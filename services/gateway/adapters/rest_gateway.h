// The gateway's HTTP entry point: trace id, routing, REST -> gRPC transcoding and the error body.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "adapters/upstreams.h"
#include "domain/rest_mapping.h"
#include "domain/transcoder.h"
#include "fleetdeck/http/router.h"

namespace fleetdeck::gateway {

struct GatewayOptions {
  std::chrono::milliseconds upstreamTimeout{5000};
  TranscodeLimits limits;
};

class RestGateway {
 public:
  RestGateway(std::vector<RestMapping> mappings, Upstreams& upstreams, GatewayOptions options);

  // The http::Handler the server calls for every request.
  void handle(http::HttpRequest& request, std::shared_ptr<http::Responder> responder);

  const std::vector<RestMapping>& mappings() const { return mappings_; }

 private:
  void call(const RestMapping& mapping, http::HttpRequest& request, std::shared_ptr<http::Responder> responder);
  // GET /api/v1/admin/audit?resource=users|products|orders: API.md's one audit route, served by
  // the resource's own /api/v1/admin/audit/<resource> method.
  void auditByResource(http::HttpRequest& request, std::shared_ptr<http::Responder> responder);

  std::vector<RestMapping> mappings_;
  Upstreams& upstreams_;
  GatewayOptions options_;
  Transcoder transcoder_;
  http::Router router_;
};

// W3C trace context of a request: the incoming traceparent's trace id, or a new one.
struct TraceContext {
  std::string traceId;  // 32 hex
  std::string spanId;   // 16 hex, this hop
  std::string traceparent;  // to send upstream
};
TraceContext traceContextFor(const http::HttpRequest& request);

}  // namespace fleetdeck::gateway
