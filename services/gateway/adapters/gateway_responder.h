// Private to the gateway adapters: the outermost responder of every request and error helpers.
#pragma once

#include <memory>
#include <string>

#include "adapters/rest_gateway.h"
#include "fleetdeck/http/compression.h"
#include "fleetdeck/core/log.h"
#include "fleetdeck/resilience/deadline.h"

namespace fleetdeck::gateway {

// The outermost responder of every request: adds the trace id, CORS headers and a 401's challenge,
// compresses, and writes the access log line once the answer is known. Also carries the authenticated caller to
// the route handlers (they are only ever called through handle(), which creates it).
class GatewayResponder final : public http::Responder {
 public:
  GatewayResponder(std::shared_ptr<http::Responder> inner, const http::HttpRequest& request,
                   const http::CorsPolicy& cors, const GatewayOptions& options)
      : inner_(std::move(inner)),
        cors_(cors),
        options_(options),
        started_(resilience::Clock::now()),
        method_(request.method),
        traceId_(request.traceId),
        origin_(request.header("Origin").value_or("")),
        acceptEncoding_(request.header("Accept-Encoding").value_or("")) {
    // Only the access log line reads these: without it, three copies less per request.
    if (options.accessLog) {
      target_ = request.target;
      spanId_ = request.traceparent.size() == 55 ? request.traceparent.substr(36, 16) : std::string();
      client_ = request.remoteAddress;
    }
  }

  Principal principal;

  void send(http::HttpResponse response) override {
    finish(response, /*streaming=*/false);
    inner_->send(std::move(response));
  }

  std::shared_ptr<http::StreamWriter> startStream(http::HttpResponse head, http::StreamOptions options) override {
    finish(head, /*streaming=*/true);
    return inner_->startStream(std::move(head), std::move(options));
  }

 private:
  void finish(http::HttpResponse& response, bool streaming) {
    response.headers.set("X-Trace-Id", traceId_);
    // Every 401 carries a challenge (RFC 9110 15.5.2), whoever answered it: a route's role check, a
    // service (a wrong password), or the token check, which sends its own with error="invalid_token".
    if (response.status == 401 && !response.headers.contains("WWW-Authenticate")) {
      response.headers.add("WWW-Authenticate", "Bearer");
    }
    http::HttpRequest view;  // what CORS and gzip look at
    if (!origin_.empty()) view.headers.add("Origin", origin_);
    if (!acceptEncoding_.empty()) view.headers.add("Accept-Encoding", acceptEncoding_);
    cors_.decorate(view, response);
    if (!streaming && response.status != 204 && method_ != "HEAD") {
      http::compressIfAccepted(view, response, options_.gzipMinBytes);
    }
    if (!options_.accessLog) return;
    const double millis = std::chrono::duration<double, std::milli>(resilience::Clock::now() - started_).count();
    // The line carries the request's own trace id, whichever thread answers it.
    log::setThreadTraceIds(traceId_, spanId_);
    log::info("http access", {{"method", method_},
                              {"target", target_},
                              {"status", response.status},
                              {"duration_ms", millis},
                              {"bytes", static_cast<uint64_t>(response.body.size())},
                              {"client", client_},
                              {"user", principal.userId},
                              {"stream", streaming}});
    log::clearThreadTraceIds();
  }

  std::shared_ptr<http::Responder> inner_;
  const http::CorsPolicy& cors_;
  const GatewayOptions& options_;
  resilience::Clock::time_point started_;
  std::string method_;
  std::string target_;
  std::string traceId_;
  std::string spanId_;
  std::string client_;
  std::string origin_;
  std::string acceptEncoding_;
};

inline GatewayResponder& gatewayResponder(const std::shared_ptr<http::Responder>& responder) {
  return static_cast<GatewayResponder&>(*responder);
}

struct RestGateway::Call {
  Principal principal;
  std::string traceId;
  std::string traceparent;
  std::string clientAddress;
  resilience::Deadline deadline = resilience::Deadline::never();
  bool clientDeadline = false;  // X-Request-Timeout shortened `deadline`
  bool conditional = false;
  std::shared_ptr<http::Responder> responder;
  MessagePtr request;
};

// The answer to a caller the gateway refuses: 401 (no token, or a bad one: `badToken` names it in the
// challenge, RFC 6750 3.1) or 403 (role), counted in gateway_auth_failures_total by its code.
http::HttpResponse authRefusal(const Status& status, std::string_view traceId, bool badToken = false);

// An error response; 429 and 503 carry Retry-After (the upstream's value when it sent one). `reason`
// as http::errorBody's.
http::HttpResponse errorWithRetry(const Status& status, std::string_view traceId, const std::string& retryAfter,
                                  bool conditional = false, std::string_view reason = {});

}  // namespace fleetdeck::gateway
