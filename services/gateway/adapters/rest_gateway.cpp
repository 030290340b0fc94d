#include "adapters/rest_gateway.h"

#include "adapters/gateway_responder.h"
#include "domain/audit_merge.h"
#include "domain/client_errors.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

#include <charconv>
#include <mutex>
#include <set>

#include "fleetdeck/core/client_address.h"
#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/http_status.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/core/json.h"
#include "fleetdeck/core/log.h"
#include "fleetdeck/http/compression.h"
#include "fleetdeck/resilience/deadline.h"
#include "fleetdeck/telemetry/metrics.h"
#include "fleetdeck/users/v1/users.pb.h"

namespace fleetdeck::gateway {
namespace {

namespace pb = google::protobuf;
using resilience::Clock;

bool isLowerHex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

struct GatewayMetrics {
  telemetry::CounterFamily& rateLimited = telemetry::defaultRegistry().counter(
      "gateway_rate_limited_total", "Requests refused with 429 by the gateway's token buckets.", {"scope"});
  telemetry::CounterFamily& authFailures = telemetry::defaultRegistry().counter(
      "gateway_auth_failures_total", "Callers refused with 401 (no or bad token) or 403 (role), on any route or port.", {"code"});
  telemetry::GaugeFamily& streams = telemetry::defaultRegistry().gauge(
      "gateway_admin_streams", "Open Server-Sent Event streams of the admin API.");
};

GatewayMetrics& metrics() {
  static GatewayMetrics instance;
  return instance;
}

std::string retryAfterOr(const std::string& value, const char* fallback) {
  int64_t seconds = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (error == std::errc{} && end == value.data() + value.size() && seconds > 0 && seconds < 86'400) return value;
  return fallback;
}

}  // namespace

http::HttpResponse authRefusal(const Status& status, std::string_view traceId, bool badToken) {
  const bool unauthenticated = status.code() == StatusCode::kUnauthenticated;
  metrics().authFailures.labels({unauthenticated ? "401" : "403"}).inc();
  auto response = http::errorResponse(status, traceId);
  // Added here, not left to GatewayResponder: the admin port's peer routes answer without it.
  if (unauthenticated) response.headers.add("WWW-Authenticate", badToken ? "Bearer error=\"invalid_token\"" : "Bearer");
  return response;
}

http::HttpResponse errorWithRetry(const Status& status, std::string_view traceId, const std::string& retryAfter,
                                  bool conditional, std::string_view reason) {
  auto response = http::errorResponse(status, traceId, conditional, reason);
  if (response.status == 503 || response.status == 429) {
    response.headers.add("Retry-After", retryAfterOr(retryAfter, "1"));
  }
  return response;
}

namespace {

const RestMapping* findMapping(const std::vector<RestMapping>& mappings, std::string_view grpcPath) {
  for (const auto& mapping : mappings) {
    if (mapping.grpcPath == grpcPath) return &mapping;
  }
  return nullptr;
}

}  // namespace


TraceContext traceContextFor(const http::HttpRequest& request) {
  TraceContext context;
  // traceparent: version(2)-traceid(32)-parentid(16)-flags(2)
  if (auto header = request.header("traceparent"); header && header->size() == 55) {
    const std::string_view value = *header;
    const std::string_view traceId = value.substr(3, 32);
    if (value.substr(0, 3) == "00-" && value[35] == '-' && value[52] == '-' && isLowerHex(traceId) &&
        traceId != std::string(32, '0')) {
      context.traceId = std::string(traceId);
    }
  }
  if (context.traceId.empty()) context.traceId = randomHex(16);
  context.spanId = randomHex(8);
  context.traceparent = "00-" + context.traceId + "-" + context.spanId + "-01";
  return context;
}

RestGateway::RestGateway(std::vector<RestMapping> mappings, Upstreams& upstreams, AccessTokens& tokens,
                         AdminEventSource& events, GatewayOptions options)
    : mappings_(std::move(mappings)),
      upstreams_(upstreams),
      tokens_(tokens),
      events_(events),
      options_(std::move(options)),
      transcoder_(options_.limits),
      cors_(options_.cors),
      addressLimiter_(options_.perAddress),
      userLimiter_(options_.perUser),
      prometheusClient_({.maxConnectionsPerUpstream = std::max<size_t>(1, options_.prometheusMaxConnections),
                         .maxIdlePerUpstream = std::max<size_t>(1, options_.prometheusMaxConnections),
                         .maxResponseBytes = options_.prometheusMaxResponseBytes}) {
  for (const RestMapping& mapping : mappings_) {
    // Elsewhere there is no such route (404), as with stopping and starting services below.
    if (mapping.localFleetOnly && options_.localFleetControlUrl.empty()) continue;
    router_.add(mapping.httpMethod, mapping.pathTemplate,
                [this, bound = &mapping](http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
                  call(*bound, request, std::move(responder));
                });
  }
  getOrder_ = findMapping(mappings_, "/fleetdeck.orders.v1.OrdersService/GetOrder");
  getUser_ = findMapping(mappings_, "/fleetdeck.users.v1.UsersService/GetUser");
  const auto bind = [this](void (RestGateway::*member)(http::HttpRequest&, std::shared_ptr<http::Responder>)) {
    return [this, member](http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
      (this->*member)(request, std::move(responder));
    };
  };
  router_.add("GET", "/api/v1/health", bind(&RestGateway::health));
  router_.add("GET", "/api/v1/admin/audit", bind(&RestGateway::auditByResource));
  router_.add("GET", "/api/v1/orders/{id}/details", bind(&RestGateway::orderDetails));
  router_.add("GET", "/api/v1/admin/stream", bind(&RestGateway::adminStream));
  router_.add("GET", "/api/v1/admin/upstreams", bind(&RestGateway::upstreamStates));
  router_.add("GET", "/api/v1/admin/fleet", bind(&RestGateway::fleet));
  router_.add("GET", "/api/v1/admin/traces", bind(&RestGateway::listTraces));
  router_.add("GET", "/api/v1/admin/traces/{traceId}", bind(&RestGateway::getTrace));
  router_.add("POST", "/api/v1/admin/alerts:acknowledge",
              [this](http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
                acknowledgeAlert(request, std::move(responder), true);
              });
  router_.add("POST", "/api/v1/admin/alerts:unacknowledge",
              [this](http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
                acknowledgeAlert(request, std::move(responder), false);
              });
  router_.add("GET", "/api/v1/admin/alerts/acknowledgements", bind(&RestGateway::listAlertAcknowledgements));
  router_.add("GET", "/api/v1/admin/dead-letters", bind(&RestGateway::listDeadLetters));
  router_.add("POST", "/api/v1/admin/dead-letters:replay", bind(&RestGateway::replayDeadLetters));
  for (const auto& [route, apiPath] : std::vector<std::pair<std::string, std::string>>{
           {"/api/v1/admin/metrics/query", "/api/v1/query"},
           {"/api/v1/admin/metrics/query_range", "/api/v1/query_range"},
           {"/api/v1/admin/alerts", "/api/v1/alerts"},
           {"/api/v1/admin/rules", "/api/v1/rules"}}) {
    router_.add("GET", route, [this, apiPath](http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
      prometheus(request, std::move(responder), apiPath);
    });
  }
  // Served only on the local fleet: elsewhere there is no such route (404), as API.md says.
  if (!options_.localFleetControlUrl.empty()) {
    setUpLocalFleetControl();
    for (const std::string action : {"stop", "start"}) {
      router_.add("POST", "/api/v1/admin/services/{name}:" + action,
                  [this, action](http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
                    serviceControl(request, std::move(responder), action);
                  });
    }
  }
  openApi_ = buildOpenApi(mappings_, ownRoutes(), {.maxPageSize = options_.maxPageSize});
  router_.add("GET", "/api/v1/openapi.json", [this](http::HttpRequest&, std::shared_ptr<http::Responder> responder) {
    responder->send(http::HttpResponse::json(200, openApi_));
  });
  if (!options_.prometheusUrl.empty()) {
    auto parsed = http::parseHttpUrl(options_.prometheusUrl);
    if (parsed) {
      prometheusUrl_ = std::move(*parsed);
      if (prometheusUrl_->target == "/") prometheusUrl_->target.clear();
      if (!prometheusUrl_->target.empty() && prometheusUrl_->target.back() == '/') prometheusUrl_->target.pop_back();
    } else {
      log::error("prometheus.url is not a usable http:// URL; the admin metrics routes will answer 503",
                 {{"url", options_.prometheusUrl}});
    }
  }
}

std::vector<OwnRoute> RestGateway::ownRoutes() {
  const std::vector<std::string> readers{"operator"};
  return {
      {"GET", "/api/v1/admin/audit",
       "Audit trail of one resource type (resource=users|products|orders|payments), or without resource of all four "
       "merged newest first: {entries, nextPageToken}; pass nextPageToken back as pageToken (400 naming pageToken "
       "when it is not one). A merged page may hold fewer than pageSize entries while more follow; the end is a page "
       "without nextPageToken. resourceId is one resource's id (UUID), or \"faults\" for payments' fault settings, "
       "which the merged listing asks of payments alone; anything else is 400 naming resourceId. actor is at most "
       "128 characters.",
       readers, {"resource", "resourceId", "actor", "pageSize", "pageToken"}},
      {"GET", "/api/v1/orders/{id}/details",
       "An order with its customer and products in one call; parts that could not be read are listed in `missing`.",
       {"customer", "operator"}},
      {"GET", "/api/v1/admin/stream",
       "Server-Sent Events: saga.step, order.event, fleet.change, alert, replay.progress. Heartbeat comments every "
       "15 s; resume with the Last-Event-ID header (or lastEventId query parameter).",
       readers, {"lastEventId"}, "text/event-stream"},
      {"GET", "/api/v1/admin/upstreams", "Every upstream instance and its circuit breaker state.", readers},
      {"GET", "/api/v1/admin/fleet",
       "Every service and instance: status (up/degraded/down) from registry heartbeat, /readyz detail, "
       "Prometheus up and the gateway's breakers; version, start time, addresses, last heartbeat.",
       readers},
      {"GET", "/api/v1/admin/traces",
       "Traces of the built-in trace store, newest first: {traces:[{traceId, rootService, rootName, "
       "startTimeUnixNano, durationMs, spanCount, services, error}]}. service: a trace with a span of it; "
       "rootName: a trace whose root span has that name (\"POST /api/v1/orders\"); limit 1..1000 (default 20).",
       readers, {"service", "rootName", "minDurationMs", "limit"}},
      {"GET", "/api/v1/admin/traces/{traceId}",
       "Every stored span of one trace, sorted by start time; 404 when it is not (or no longer) stored.", readers},
      {"GET", "/api/v1/admin/metrics/query", "Prometheus instant query, proxied.", readers, {"query", "time"}},
      {"GET", "/api/v1/admin/metrics/query_range", "Prometheus range query, proxied.", readers,
       {"query", "start", "end", "step"}},
      {"GET", "/api/v1/admin/alerts", "Prometheus alerts, proxied.", readers},
      {"POST", "/api/v1/admin/alerts:acknowledge",
       "Acknowledges an active (pending or firing) alert: body {alertname, labels (its full label set, as "
       "/api/v1/admin/alerts lists it), comment (optional, at most 500 characters)}. Answers the acknowledgement "
       "{alertname, labels, by: {userId, username}, at, comment}; 404 when no such alert is active. Shared by every "
       "gateway replica; dropped when the alert resolves. The stream's `alert` event carries it.",
       readers},
      {"POST", "/api/v1/admin/alerts:unacknowledge",
       "Withdraws an alert's acknowledgement: body {alertname, labels}. 204, also when there was none.", readers},
      {"GET", "/api/v1/admin/alerts/acknowledgements",
       "Every current acknowledgement: {acknowledgements: [{alertname, labels, by, at, comment}]}.", readers},
      {"GET", "/api/v1/admin/rules", "Prometheus rules, proxied.", readers},
      {"GET", "/api/v1/admin/dead-letters",
       "Events a consumer gave up on (FLEETDECK_DLQ), oldest first: {deadLetters: [{sequence, consumer, reason, "
       "subject, stream, msgId, deliveries, sizeBytes, bodyDropped, replayed, eventId, eventType, aggregateId, "
       "occurredAt, traceId}], total}; the event fields only when the envelope decodes. limit 1..500 (default 100).",
       readers, {"consumer", "limit"}},
      {"POST", "/api/v1/admin/dead-letters:replay",
       "Replays dead letters to the consumer that gave up on them (the stream's other consumers skip them): body "
       "{consumer} for that consumer's oldest 500, or {sequence} for one letter. Answers {replayed}; 404 for an "
       "unknown sequence, 409 for a letter kept without its body. A letter that fails again is dead-lettered again.",
       {}},
      {"POST", "/api/v1/admin/services/{name}:stop",
       "Local fleet only (404 elsewhere): stops a service; the launcher does not restart it until :start. "
       "Answers {name, status: \"stopped\", pid, restarts}; 409 when it is already stopped, 400 for an unknown name.",
       {}},
      {"POST", "/api/v1/admin/services/{name}:start",
       "Local fleet only (404 elsewhere): starts a stopped service and answers once its /readyz is ready: "
       "{name, status: \"running\", pid, restarts}; 409 when it is already running, 400 for an unknown name.",
       {}},
      {"GET", "/api/v1/openapi.json", "This document.", {"anonymous"}},
      {"GET", "/api/v1/health",
       "Whether the gateway can serve: 200 {status: \"ok\" (every service up) or \"degraded\", services: {users, "
       "products, orders, payments, notifications: up|degraded|down}} from the fleet view's last round and the live "
       "circuit breakers; 503 with the error body when no service is reachable. Names and states only.",
       {"anonymous"}},
  };
}

void RestGateway::handle(http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
  // From here on the address is the client's, also behind an ingress: rate limits, sign-in
  // throttling (sent to the services) and the access log key on it.
  if (!options_.trustedProxies.empty()) {
    // Every X-Forwarded-For line, in order, as one list (RFC 9110 5.3): a proxy that adds a line of
    // its own instead of appending to the client's would otherwise leave the client's forged one first.
    std::optional<std::string> forwardedFor;
    for (const auto& [name, value] : request.headers.fields()) {
      if (!http::equalsIgnoreCase(name, "X-Forwarded-For")) continue;
      forwardedFor = forwardedFor ? *forwardedFor + ", " + value : value;
    }
    request.remoteAddress = options_.trustedProxies.clientOf(
        request.remoteAddress, forwardedFor ? std::optional<std::string_view>(*forwardedFor) : std::nullopt);
  }
  TraceContext trace;
  if (!request.traceparent.empty() && request.traceId.size() == 32) {
    // The server's tracing decorator already opened this request's span: upstream calls are its
    // children, so the exported trace has no hole between the gateway and the services.
    trace.traceId = request.traceId;
    trace.traceparent = request.traceparent;
  } else {
    trace = traceContextFor(request);
    request.traceId = trace.traceId;
    request.traceparent = trace.traceparent;
  }
  auto gateway = std::make_shared<GatewayResponder>(std::move(responder), request, cors_, options_);
  const auto now = Clock::now();
  const std::string& address = request.remoteAddress;
  // Before the preflight: an unlimited stream of OPTIONS would otherwise cost an answer and an access
  // log line each. IPv6 clients count by their /64, or each could rotate through its addresses for a
  // fresh burst every time.
  // The key is only worth making (parsing the address) when the limit is on.
  if (auto decision = addressLimiter_.limit().enabled() ? addressLimiter_.tryTake(throttledAddress(address), now)
                                                         : resilience::RateDecision{};
      !decision.allowed) {
    metrics().rateLimited.labels({"address"}).inc();
    auto response = http::errorResponse(resourceExhausted("too many requests from " + address), trace.traceId);
    response.headers.add("Retry-After", std::to_string(resilience::retryAfterSeconds(decision.retryAfter)));
    gateway->send(std::move(response));
    return;
  }
  if (cors_.isPreflight(request)) {
    gateway->send(cors_.preflight(request));
    return;
  }
  auto principal = tokens_.authenticate(request.header("Authorization"));
  // The session routes (register, login, refresh, logout) are for anyone: their credential is in the
  // body. A client that sends along the access token that just expired, which is exactly when it
  // refreshes or signs out, is served as anonymous there instead of refused, or it could never
  // refresh nor revoke its refresh token.
  if (!principal && request.path.starts_with("/api/v1/auth/")) principal = Principal{};
  if (!principal) {
    gateway->send(authRefusal(principal.status(), trace.traceId, /*badToken=*/true));
    return;
  }
  gateway->principal = std::move(*principal);
  if (!gateway->principal.anonymous()) {
    if (auto decision = userLimiter_.tryTake(gateway->principal.userId, now); !decision.allowed) {
      metrics().rateLimited.labels({"user"}).inc();
      auto response = http::errorResponse(resourceExhausted("too many requests for this user"), trace.traceId);
      response.headers.add("Retry-After", std::to_string(resilience::retryAfterSeconds(decision.retryAfter)));
      gateway->send(std::move(response));
      return;
    }
  }
  auto lookup = router_.find(request.method, request.path);
  switch (lookup.outcome) {
    case http::Router::Outcome::kNotFound:
      gateway->send(http::errorResponse(notFound("no route for " + request.method + " " + request.path), trace.traceId));
      return;
    case http::Router::Outcome::kMethodNotAllowed: {
      auto response = http::errorResponse(
          Status(StatusCode::kUnimplemented, "method " + request.method + " is not allowed on " + request.path),
          trace.traceId);
      response.status = 405;
      response.headers.add("Allow", lookup.allow);
      gateway->send(std::move(response));
      return;
    }
    case http::Router::Outcome::kMatched:
      request.pathParams = std::move(lookup.params);
      request.routeTemplate = lookup.route->text();
      (*lookup.handler)(request, std::move(gateway));
      return;
  }
}

void RestGateway::health(http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
  std::vector<std::string> services;
  for (const auto& [name, address] : upstreams_.addresses()) services.push_back(name);
  std::map<std::string, std::vector<std::string>> breakers;
  for (const auto& instance : upstreams_.snapshot()) {
    breakers[instance.upstream].emplace_back(resilience::breakerStateName(instance.breaker));
  }
  auto body = publicHealthJson(services, upstreamHealth_ ? upstreamHealth_() : std::map<std::string, Health>{}, breakers);
  if (!body) {
    responder->send(errorWithRetry(body.status(), request.traceId, "", false));
    return;
  }
  auto response = http::HttpResponse::json(200, std::move(*body));
  // A probe must see the state of now, never a cache's copy.
  response.headers.add("Cache-Control", "no-store");
  responder->send(std::move(response));
}

void RestGateway::auditByResource(http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
  auto query = http::parseQuery(request.query);
  if (!query) {
    responder->send(http::errorResponse(invalidField("query", "has a malformed %-escape"), request.traceId));
    return;
  }
  std::string resource;
  std::string rest;
  for (const auto& [name, value] : *query) {
    if (name == "resource") {
      if (!resource.empty()) {
        responder->send(http::errorResponse(invalidField(name, "is given more than once (it takes one value)"),
                                            request.traceId));
        return;
      }
      resource = value;
      continue;
    }
    if (!rest.empty()) rest += '&';
    rest += percentEncode(name) + "=" + percentEncode(value);
  }
  if (resource.empty()) {
    auditMerged(request, std::move(responder), *query);
    return;
  }
  const std::string target = "/api/v1/admin/audit/" + resource;
  for (const auto& mapping : mappings_) {
    if (!resource.empty() && mapping.httpMethod == "GET" && mapping.pathTemplate == target) {
      request.query = rest;
      request.path = target;
      call(mapping, request, std::move(responder));
      return;
    }
  }
  responder->send(http::errorResponse(invalidField("resource", "must be one of users, products, orders, payments"), request.traceId));
}

namespace {

// The answers of a merged audit listing, one per source, joined as they come (on whichever thread each does).
struct AuditJoin {
  std::mutex mutex;
  size_t pending = 0;
  Status failure;
  std::string retryAfter;
  std::map<std::string, common::v1::ListAuditResponse> pages;
};

}  // namespace

void RestGateway::auditMerged(http::HttpRequest& request, std::shared_ptr<http::Responder> responder,
                              const std::vector<std::pair<std::string, std::string>>& query) {
  // Payments: admins' wallet top-ups and fault injection changes.
  static const std::vector<std::string> kSources{"orders", "payments", "products", "users"};
  std::map<std::string, const RestMapping*> sources;
  for (const auto& mapping : mappings_) {
    for (const auto& source : kSources) {
      if (mapping.httpMethod == "GET" && mapping.pathTemplate == "/api/v1/admin/audit/" + source) sources[source] = &mapping;
    }
  }
  if (sources.size() != kSources.size()) {
    responder->send(http::errorResponse(internalError("an audit source has no route"), request.traceId));
    return;
  }
  const Principal& principal = gatewayResponder(responder).principal;
  if (Status allowed = checkRole(*sources.begin()->second, principal); !allowed.isOk()) {
    responder->send(authRefusal(allowed, request.traceId));
    return;
  }
  common::v1::ListAuditRequest filter;
  int pageSize = 50;
  std::string pageToken;
  std::set<std::string> given;
  for (const auto& [name, value] : query) {
    if (!given.insert(name).second) {
      responder->send(http::errorResponse(invalidField(name, "is given more than once (it takes one value)"),
                                          request.traceId));
      return;
    }
    if (name == "resourceId" || name == "actor") {
      if (Status text = checkStringField(name, value); !text.isOk()) {
        responder->send(http::errorResponse(text, request.traceId));
        return;
      }
    }
    if (name == "resourceId") {
      filter.set_resource_id(value);
    } else if (name == "actor") {
      filter.set_actor(value);
    } else if (name == "pageToken") {
      pageToken = value;
    } else if (name == "pageSize") {
      int parsed = 0;
      const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), parsed);
      if (error != std::errc{} || end != value.data() + value.size() || parsed < 0) {
        responder->send(http::errorResponse(invalidField("pageSize", "must be a whole number, 0 or more"), request.traceId));
        return;
      }
      // 0 is the sources' default; larger than the gateway's maximum is clamped, as elsewhere.
      pageSize = parsed == 0 ? 50 : std::min({parsed, options_.maxPageSize, 200});
    } else {
      responder->send(http::errorResponse(invalidField(name, "is not a parameter of this route"), request.traceId));
      return;
    }
  }
  // "faults" is asked of payments alone; an id no trail holds is refused here, in one set of words.
  auto asked = auditSourcesFor(filter.resource_id(), kSources);
  if (!asked) {
    responder->send(http::errorResponse(asked.status(), request.traceId));
    return;
  }
  auto position = decodeAuditToken(pageToken, *asked);
  if (!position) {
    responder->send(http::errorResponse(position.status(), request.traceId));
    return;
  }
  auto call = startCall(request, principal, responder);
  if (!call) return;
  const RestMapping* render = sources.begin()->second;
  auto finish = [this, call, render, from = *position, pageSize](AuditJoin& join) {
    if (!join.failure.isOk()) {
      call->responder->send(errorWithRetry(join.failure, call->traceId, join.retryAfter));
      return;
    }
    MergedAudit merged = mergeAudit(from, join.pages, pageSize);
    common::v1::ListAuditResponse response;
    for (auto& entry : merged.entries) *response.add_entries() = std::move(entry);
    response.set_next_page_token(merged.nextPageToken);
    std::string etag;
    auto body = transcoder_.renderResponse(*render, response, etag);
    if (!body) {
      call->responder->send(http::errorResponse(body.status(), call->traceId));
      return;
    }
    call->responder->send(http::HttpResponse::json(200, std::move(*body)));
  };
  auto join = std::make_shared<AuditJoin>();
  join->pending = position->size();
  if (join->pending == 0) {
    finish(*join);
    return;
  }
  // Every source at once: the listing waits for the slowest, not for the sum.
  for (const auto& [name, cursor] : *position) {
    common::v1::ListAuditRequest ask = filter;
    ask.set_page_token(cursor.token);
    ask.set_page_size(auditSourcePageSize(cursor, pageSize));
    const RestMapping& mapping = *sources.at(name);
    invokeMethod(mapping.upstream, mapping.grpcPath, ask, std::make_shared<common::v1::ListAuditResponse>(), *call, true,
                 [join, finish, name = name](Status status, MessagePtr reply, const std::string& retryAfter) {
                   std::unique_lock lock(join->mutex);
                   if (!status.isOk()) {
                     if (join->failure.isOk()) {
                       join->failure = std::move(status);
                       join->retryAfter = retryAfter;
                     }
                   } else {
                     join->pages[name] = std::move(static_cast<common::v1::ListAuditResponse&>(*reply));
                   }
                   if (--join->pending > 0) return;
                   lock.unlock();
                   finish(*join);
                 });
  }
}

std::shared_ptr<RestGateway::Call> RestGateway::startCall(const http::HttpRequest& request,
                                                          const Principal& principal,
                                                          std::shared_ptr<http::Responder>& responder) const {
  auto call = std::make_shared<Call>();
  call->principal = principal;
  call->traceId = request.traceId;
  call->traceparent = request.traceparent;
  call->clientAddress = request.remoteAddress;
  const auto now = Clock::now();
  call->deadline = resilience::Deadline::after(options_.upstreamTimeout, now);
  if (auto header = request.header("X-Request-Timeout")) {
    auto timeout = resilience::parseTimeout(*header);
    if (!timeout) {
      responder->send(http::errorResponse(invalidField("X-Request-Timeout", "must look like 250ms, 2s or 1m"),
                                          request.traceId));
      return nullptr;
    }
    if (*timeout < options_.upstreamTimeout) {
      call->deadline = resilience::Deadline::after(*timeout, now);
      call->clientDeadline = true;
    }
  }
  call->responder = std::move(responder);
  return call;
}

void RestGateway::call(const RestMapping& mapping, http::HttpRequest& request,
                       std::shared_ptr<http::Responder> responder) {
  const Principal& principal = gatewayResponder(responder).principal;
  bool conditional = request.headers.contains("If-Match");
  const auto fail = [&](const Status& status) {
    responder->send(http::errorResponse(status, request.traceId, conditional));
  };
  if (Status allowed = checkRole(mapping, principal); !allowed.isOk()) {
    responder->send(authRefusal(allowed, request.traceId));
    return;
  }
  auto message = transcoder_.buildRequest(mapping, request);
  if (!message) return fail(message.status());
  // An expected version sent in the body instead of If-Match is a condition all the same: a stale one
  // is 412, as with the header, not 409 (the state machine's "not from this state").
  if (!conditional && !mapping.ifMatchField.empty()) {
    if (const auto* field = (*message)->GetDescriptor()->FindFieldByName(mapping.ifMatchField);
        field != nullptr && field->cpp_type() == pb::FieldDescriptor::CPPTYPE_INT64) {
      conditional = (*message)->GetReflection()->GetInt64(**message, field) != 0;
    }
  }
  if (Status fields = checkAdminFields(mapping, principal, **message); !fields.isOk()) return fail(fields);
  if (Status owner = applyOwnership(mapping, principal, **message); !owner.isOk()) return fail(owner);
  clampPageSize(**message, options_.maxPageSize);

  auto call = startCall(request, principal, responder);
  if (!call) return;
  call->conditional = conditional;
  call->request = MessagePtr(std::move(*message));

  // A write on behalf of another user (an admin's order for a customer): that user must exist, or
  // the order would be accepted, reserve stock and fail only when its saga finds no wallet a minute
  // later. Asked here because the gateway already talks to users; orders does not. A customer's own
  // write (the owner field is theirs) needs no call; a malformed id is left to the service's 400.
  if (!principal.isCustomer() && mapping.httpMethod != "GET" && !mapping.ownerField.empty() && getUser_ != nullptr) {
    const std::string owner = stringField(*call->request, mapping.ownerField);
    if (!owner.empty() && owner != principal.userId && isUuid(owner)) {
      users::v1::GetUserRequest ask;
      ask.set_id(owner);
      invokeMethod(getUser_->upstream, getUser_->grpcPath, ask, std::make_shared<users::v1::User>(), *call, true,
                   [this, &mapping, call, owner](Status status, MessagePtr, const std::string& retryAfter) {
                     if (status.code() == StatusCode::kNotFound) {
                       finishCall(mapping, call,
                                  invalidField(clientFieldName(mapping.ownerField), "names no user: " + owner + " was not found"),
                                  nullptr, "");
                       return;
                     }
                     if (!status.isOk()) {
                       finishCall(mapping, call, std::move(status), nullptr, retryAfter);
                       return;
                     }
                     invoke(mapping, *call->request, *call,
                            [this, &mapping, call](Status result, MessagePtr reply, const std::string& wait) {
                              finishCall(mapping, call, std::move(result), std::move(reply), wait);
                            });
                   });
      return;
    }
  }
  if (principal.isCustomer() && mapping.ownerLookup != nullptr) {
    // The resource's owner is not in this method's response (or the method changes state): read
    // it first, and go on only for the owner.
    const RestMapping& lookup = *mapping.ownerLookup;
    std::shared_ptr<pb::Message> lookupRequest(
        pb::MessageFactory::generated_factory()->GetPrototype(lookup.method->input_type())->New());
    const auto* field = lookupRequest->GetDescriptor()->FindFieldByName(mapping.ownerLookupField);
    // The id the call will really send (from the transcoded request), not the path's text: the check
    // must be about the resource the call touches.
    const std::string id = stringField(*call->request, mapping.ownerLookupParameter);
    if (field != nullptr) lookupRequest->GetReflection()->SetString(lookupRequest.get(), field, id);
    invoke(lookup, *lookupRequest, *call,
           [this, &mapping, call, id](Status status, MessagePtr owner, const std::string& retryAfter) {
             if (!status.isOk()) {
               finishCall(mapping, call, std::move(status), nullptr, retryAfter);
               return;
             }
             if (Status mine = checkResourceOwner(call->principal, stringField(*owner, mapping.responseOwnerField),
                                                  "resource " + id);
                 !mine.isOk()) {
               finishCall(mapping, call, std::move(mine), nullptr, "");
               return;
             }
             invoke(mapping, *call->request, *call,
                    [this, &mapping, call](Status result, MessagePtr reply, const std::string& wait) {
                      finishCall(mapping, call, std::move(result), std::move(reply), wait);
                    });
           });
    return;
  }
  invoke(mapping, *call->request, *call, [this, &mapping, call](Status status, MessagePtr reply, const std::string& wait) {
    finishCall(mapping, call, std::move(status), std::move(reply), wait);
  });
}

void RestGateway::invoke(const RestMapping& mapping, const pb::Message& message, const Call& context,
                         MessageCallback callback) {
  invokeMethod(mapping.upstream, mapping.grpcPath, message, MessagePtr(transcoder_.newResponse(mapping)), context,
               mapping.idempotent(), std::move(callback));
}

namespace {

// What a client is told of a service's failure (redactedForClients); what it was not told is
// logged with the trace id for operators.
Status forClients(const std::string& upstream, Status status, const std::string& instance, const std::string& traceId) {
  auto redacted = redactedForClients(upstream, status, instance, traceId);
  if (!redacted) return status;
  log::warn("upstream call failed", {{"upstream", upstream}, {"instance", instance}, {"trace_id", traceId},
                                     {"code", statusCodeName(status.code())}, {"error", status.message()}});
  return std::move(*redacted);
}

}  // namespace

void RestGateway::invokeMethod(const std::string& upstream, const std::string& grpcPath, const pb::Message& message,
                               MessagePtr reply, const Call& context, bool idempotent, MessageCallback callback) {
  CallMetadata metadata{context.traceparent, context.principal.userId, context.principal.role, context.clientAddress};
  upstreams_.call(upstream, grpcPath, message.SerializeAsString(), metadata, context.deadline, idempotent,
                  [upstream, traceId = context.traceId, reply = std::move(reply),
                   callback = std::move(callback)](UpstreamReply answer) {
                    if (!answer.status.isOk()) {
                      callback(forClients(upstream, std::move(answer.status), answer.instance, traceId), nullptr,
                               answer.retryAfter);
                      return;
                    }
                    if (!reply->ParseFromString(answer.body)) {
                      callback(internalError("malformed reply from " + upstream), nullptr, "");
                      return;
                    }
                    callback(Status::ok(), reply, "");
                  },
                  context.clientDeadline);
}

void RestGateway::finishCall(const RestMapping& mapping, std::shared_ptr<Call> call, Status status, MessagePtr reply,
                             const std::string& retryAfter) {
  if (!status.isOk()) {
    call->responder->send(errorWithRetry(status, call->traceId, retryAfter, call->conditional));
    return;
  }
  if (!mapping.responseOwnerField.empty() && mapping.ownerLookup == nullptr) {
    if (Status mine = checkResourceOwner(call->principal, stringField(*reply, mapping.responseOwnerField),
                                         mapping.method->output_type()->name() + " " +
                                             stringField(*call->request, "id"));
        !mine.isOk()) {
      call->responder->send(http::errorResponse(mine, call->traceId));
      return;
    }
  }
  // Login and refresh: the users service vouched for the user; the gateway signs the access token.
  if (auto* session = dynamic_cast<users::v1::Session*>(reply.get())) {
    Principal subject{session->user().id(), session->user().role(), session->user().username(), session->session_id()};
    subject.accountVersion = session->user().version();
    auto token = tokens_.issue(subject);
    if (!token) {
      call->responder->send(http::errorResponse(token.status(), call->traceId));
      return;
    }
    session->set_access_token(*token);
    session->set_expires_in(tokens_.ttlSeconds());
    session->set_token_type("Bearer");
  }
  std::string etag;
  auto body = transcoder_.renderResponse(mapping, *reply, etag);
  if (!body) {
    call->responder->send(http::errorResponse(body.status(), call->traceId));
    return;
  }
  http::HttpResponse response;
  response.status = mapping.successStatus;
  if (mapping.successStatus != 204) response.headers.add("Content-Type", "application/json");
  if (!etag.empty()) response.headers.add("ETag", etag);
  response.body = std::move(*body);
  call->responder->send(std::move(response));
}

}  // namespace fleetdeck::gateway
