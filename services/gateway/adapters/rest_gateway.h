// The gateway's HTTP entry point. Every request passes, in order: trace id -> CORS preflight ->
// rate limit per client address -> bearer token -> rate limit per user -> route -> role, admin
// fields, ownership, page-size clamp -> REST -> gRPC transcoding with deadline, breaker and
// retries -> response ownership -> gzip -> access log line. Also serves the gateway's own routes:
// the order details aggregation, the Prometheus proxy, the admin event stream and OpenAPI.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "adapters/access_tokens.h"
#include "adapters/upstreams.h"
#include "domain/access_policy.h"
#include "domain/admin_events.h"
#include "domain/client_address.h"
#include "domain/fleet_health.h"
#include "domain/openapi.h"
#include "domain/rest_mapping.h"
#include "domain/trace_merge.h"
#include "domain/transcoder.h"
#include "fleetdeck/core/work_pool.h"
#include "fleetdeck/http/async_client.h"
#include "fleetdeck/http/client.h"
#include "fleetdeck/http/cors.h"
#include "fleetdeck/http/router.h"
#include "fleetdeck/resilience/token_bucket.h"

namespace google::protobuf {
class Message;
}

namespace fleetdeck::telemetry {
class TraceStore;
struct TraceListQuery;
}

namespace fleetdeck::gateway {

class AlertAcknowledgements;
class AlertWatcher;
class DeadLetterDesk;

struct GatewayOptions {
  // Deadline of every upstream call; a client's X-Request-Timeout may shorten it, never lengthen it.
  std::chrono::milliseconds upstreamTimeout{5000};
  TranscodeLimits limits;
  int maxPageSize = 200;
  resilience::RateLimit perAddress{.perSecond = 100, .burst = 200};
  resilience::RateLimit perUser{.perSecond = 50, .burst = 100};
  // Proxies (an ingress) whose X-Forwarded-For names the client; none by default.
  TrustedProxies trustedProxies;
  http::CorsOptions cors;
  size_t gzipMinBytes = 1024;
  bool accessLog = true;
  // Base URL of the Prometheus HTTP API ("http://127.0.0.1:9090"); empty: the admin metrics routes answer 503.
  std::string prometheusUrl;
  std::chrono::milliseconds prometheusTimeout{10'000};
  // Connections to Prometheus per HTTP thread; more concurrent queries wait for one.
  size_t prometheusMaxConnections = 64;
  // A longer Prometheus answer is refused (400, narrow the query) instead of being held in memory.
  size_t prometheusMaxResponseBytes = 16 << 20;
  std::chrono::milliseconds streamHeartbeat{15'000};
  size_t streamMaxQueuedBytes = 1 << 20;
  // Open admin streams at most, per user and in all; one more is refused (429). Each may queue up to
  // streamMaxQueuedBytes, and each event is queued on every one of them.
  int streamMaxPerUser = 8;
  int streamMaxTotal = 256;
  // The local fleet's launcher control endpoint ("http://127.0.0.1:<port>") and its token file
  // (0600), both set by the launcher; empty: POST /api/v1/admin/services/{name}:stop|:start are 404.
  std::string localFleetControlUrl;
  std::string localFleetControlTokenFile;
  // A stop waits for the service's graceful shutdown, a start for its /readyz.
  std::chrono::milliseconds localFleetControlTimeout{60'000};
};

class RestGateway {
 public:
  RestGateway(std::vector<RestMapping> mappings, Upstreams& upstreams, AccessTokens& tokens,
              AdminEventSource& events, GatewayOptions options);

  // The http::Handler the server calls for every request.
  void handle(http::HttpRequest& request, std::shared_ptr<http::Responder> responder);

  const std::vector<RestMapping>& mappings() const { return mappings_; }
  // The routes the gateway serves itself, for the OpenAPI document.
  static std::vector<OwnRoute> ownRoutes();
  const std::string& openApiDocument() const { return openApi_; }

  // The fleet view's body (GET /api/v1/admin/fleet); unset: that route answers 503. Set before serving.
  // The fleet view's body; nullopt while its first round runs (503, Retry-After 1).
  void setFleetView(std::function<std::optional<std::string>()> view) { fleetView_ = std::move(view); }
  // Each upstream's health as the fleet view's last round saw it, for GET /api/v1/health (cached,
  // never polled per request); unset: only the live breakers speak. Set before serving.
  void setUpstreamHealth(std::function<std::map<std::string, Health>()> health) { upstreamHealth_ = std::move(health); }
  // The built-in trace store behind GET /api/v1/admin/traces; null: 503. Set before serving.
  void setTraceStore(const telemetry::TraceStore* store) { traceStore_ = store; }
  // The admin addresses ("host:port") of the other gateway replicas, asked for their part of a trace
  // and of the trace list (each replica stores the spans sent to it); unset: this replica's only.
  // Called per trace request, from a server thread. Set before serving.
  void setTracePeers(std::function<std::vector<std::string>()> peers) { tracePeers_ = std::move(peers); }
  // This replica's own part, for its peers (the admin port's GET /traces and GET /traces/{traceId}):
  // the same answers as the API routes without asking further peers. The admin port may be
  // reachable from outside (it binds 0.0.0.0 in Compose and Kubernetes): the caller's bearer token,
  // which the asking replica forwards, must be an operator's, as on the API routes (401, 403).
  void localTraceList(http::HttpRequest& request, std::shared_ptr<http::Responder> responder);
  void localTrace(http::HttpRequest& request, std::shared_ptr<http::Responder> responder);
  // POST /trace-parts {"traceIds":[…]} on the admin port: this replica's parts of those traces
  // (domain/trace_merge.h traceParts), round 2 of the list across replicas. Same gate.
  void localTraceParts(http::HttpRequest& request, std::shared_ptr<http::Responder> responder);
  // Operators' alert acknowledgements and the active alerts they may acknowledge; unset: those
  // routes answer 503. Set before serving.
  void setAlerts(AlertAcknowledgements* acknowledgements, AlertWatcher* watcher) {
    alertAcknowledgements_ = acknowledgements;
    alertWatcher_ = watcher;
  }
  // The dead-letter stream behind /api/v1/admin/dead-letters; unset: those routes answer 503.
  void setDeadLetters(DeadLetterDesk* desk) { deadLetters_ = desk; }
  // Runs what blocking work is still queued (acknowledgements' NATS calls) and stops its thread:
  // at shutdown, after the HTTP server stopped and before what that work uses is destroyed.
  void finishBlockingWork() { blockingWork_.shutdown(); }

 private:
  struct Call;
  using MessagePtr = std::shared_ptr<google::protobuf::Message>;
  using MessageCallback = std::function<void(Status, MessagePtr, const std::string& retryAfter)>;

  void call(const RestMapping& mapping, http::HttpRequest& request, std::shared_ptr<http::Responder> responder);
  // A call on behalf of `principal` for `request`: its trace and client address, and its deadline
  // (the upstream timeout, or the client's shorter X-Request-Timeout, which then does not count
  // against the breakers). The call takes `responder`; when the header is unreadable the request is
  // answered through it instead (400 naming the header) and null is returned.
  std::shared_ptr<Call> startCall(const http::HttpRequest& request, const Principal& principal,
                                  std::shared_ptr<http::Responder>& responder) const;
  // Sends `message` to the mapping's method and parses the reply into its response type.
  void invoke(const RestMapping& mapping, const google::protobuf::Message& message, const Call& context,
              MessageCallback callback);
  void invokeMethod(const std::string& upstream, const std::string& grpcPath, const google::protobuf::Message& message,
                    MessagePtr reply, const Call& context, bool idempotent, MessageCallback callback);
  void finishCall(const RestMapping& mapping, std::shared_ptr<Call> call, Status status, MessagePtr reply,
                  const std::string& retryAfter);
  void health(http::HttpRequest& request, std::shared_ptr<http::Responder> responder);
  void auditByResource(http::HttpRequest& request, std::shared_ptr<http::Responder> responder);
  // GET /api/v1/admin/audit without `resource`: the three audit trails merged (domain/audit_merge.h).
  void auditMerged(http::HttpRequest& request, std::shared_ptr<http::Responder> responder,
                   const std::vector<std::pair<std::string, std::string>>& query);
  void orderDetails(http::HttpRequest& request, std::shared_ptr<http::Responder> responder);
  void prometheus(http::HttpRequest& request, std::shared_ptr<http::Responder> responder, const std::string& apiPath);
  void adminStream(http::HttpRequest& request, std::shared_ptr<http::Responder> responder);
  void upstreamStates(http::HttpRequest& request, std::shared_ptr<http::Responder> responder);
  void fleet(http::HttpRequest& request, std::shared_ptr<http::Responder> responder);
  void listTraces(http::HttpRequest& request, std::shared_ptr<http::Responder> responder);
  void acknowledgeAlert(http::HttpRequest& request, std::shared_ptr<http::Responder> responder, bool acknowledge);
  void listAlertAcknowledgements(http::HttpRequest& request, std::shared_ptr<http::Responder> responder);
  void listDeadLetters(http::HttpRequest& request, std::shared_ptr<http::Responder> responder);
  void replayDeadLetters(http::HttpRequest& request, std::shared_ptr<http::Responder> responder);
  void getTrace(http::HttpRequest& request, std::shared_ptr<http::Responder> responder);
  // The trace routes' gate: operators only, and a trace store here; else answered (403, 503).
  bool traceRoutesOpen(const http::HttpRequest& request, http::Responder& responder) const;
  // The peer routes' gate (admin port, no GatewayResponder): the bearer token verified, the
  // operator role checked and a trace store present; else answered (401, 403, 503).
  bool peerTraceRoutesOpen(const http::HttpRequest& request, http::Responder& responder) const;
  // The list's filters from the query string; the request is answered (400) and nullopt returned
  // when one is unreadable or unknown.
  struct TraceListQuery : TraceListFilter {
    size_t limit = 20;

    // The same filters, asked of a trace store for `storeLimit` traces.
    telemetry::TraceListQuery forStore(size_t storeLimit) const;
  };
  std::optional<TraceListQuery> traceListQuery(const http::HttpRequest& request, http::Responder& responder) const;
  // Who asks the peers: the client's traceparent and Authorization, sent along.
  struct PeerCaller {
    std::string traceparent;
    std::string authorization;
  };
  static PeerCaller peerCaller(const http::HttpRequest& request) {
    return {request.traceparent, std::string(request.header("Authorization").value_or(""))};
  }
  // Asks every peer for `method` `target` (with a JSON `body` if not empty) on its admin port, on
  // behalf of `caller`, and hands over each answer with status 200 (`found`, named by the peer's
  // admin address), and the peers that did not answer 200 (no answer in time, any other status, or
  // an address that is not host:port).
  void askTracePeers(const std::string& method, const std::string& target, std::string body, const PeerCaller& caller,
                     std::function<void(std::vector<ReplicaDocument> found, std::set<std::string> silent)> done);
  // POST /api/v1/admin/services/{name}:stop|:start, passed on to the launcher (local fleet only).
  void serviceControl(http::HttpRequest& request, std::shared_ptr<http::Responder> responder, const std::string& action);
  void setUpLocalFleetControl();

  std::vector<RestMapping> mappings_;
  Upstreams& upstreams_;
  AccessTokens& tokens_;
  AdminEventSource& events_;
  GatewayOptions options_;
  Transcoder transcoder_;
  http::Router router_;
  http::CorsPolicy cors_;
  resilience::KeyedRateLimiter addressLimiter_;
  resilience::KeyedRateLimiter userLimiter_;
  http::AsyncHttpClient prometheusClient_;
  std::optional<http::ParsedUrl> prometheusUrl_;
  std::string openApi_;
  const RestMapping* getOrder_ = nullptr;
  const RestMapping* getUser_ = nullptr;
  std::function<std::optional<std::string>()> fleetView_;
  std::function<std::map<std::string, Health>()> upstreamHealth_;
  const telemetry::TraceStore* traceStore_ = nullptr;
  std::function<std::vector<std::string>()> tracePeers_;
  http::AsyncHttpClient tracePeerClient_{{.maxConnectionsPerUpstream = 4, .maxIdlePerUpstream = 2}};
  AlertAcknowledgements* alertAcknowledgements_ = nullptr;
  AlertWatcher* alertWatcher_ = nullptr;
  DeadLetterDesk* deadLetters_ = nullptr;
  // Calls that block (the acknowledgements' NATS key-value requests and the dead letters' stream
  // reads and replays, seconds while NATS is away) run
  // here, never on an HTTP thread, where they would hold up every connection of that thread.
  WorkPool blockingWork_{1, 64, "gateway-blocking"};
  // Open admin streams, in all and by user id.
  std::mutex streamsMutex_;
  int streamsOpen_ = 0;
  std::map<std::string, int> streamsByUser_;
  // Local fleet only: the launcher's control endpoint and token (a problem reading them answers 503).
  std::optional<http::ParsedUrl> localFleetControl_;
  std::string localFleetControlToken_;
  Status localFleetControlProblem_;
  http::AsyncHttpClient localFleetControlClient_;
};

// W3C trace context of a request: the incoming traceparent's trace id, or a new one.
struct TraceContext {
  std::string traceId;  // 32 hex
  std::string spanId;   // 16 hex, this hop
  std::string traceparent;  // to send upstream
};
TraceContext traceContextFor(const http::HttpRequest& request);

}  // namespace fleetdeck::gateway
