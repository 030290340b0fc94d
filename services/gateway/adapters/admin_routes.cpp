// The gateway's own routes: the order details aggregation, the Prometheus pass-through, the admin
// event stream, the upstream breaker view, the fleet view, the trace store queries, operators'
// alert acknowledgements, the dead letters and, on the local fleet, stopping and starting services through the launcher.
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "adapters/alert_acknowledgements.h"
#include "adapters/alert_watcher.h"
#include "adapters/dead_letter_desk.h"
#include "adapters/gateway_responder.h"
#include "adapters/rest_gateway.h"
#include "domain/prometheus_query.h"
#include "domain/trace_merge.h"
#include "fleetdeck/auth/roles.h"
#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/http_status.h"
#include "fleetdeck/core/json.h"
#include "fleetdeck/core/log.h"
#include "fleetdeck/orders/v1/orders.pb.h"
#include "fleetdeck/products/v1/products.pb.h"
#include "fleetdeck/telemetry/metrics.h"
#include "fleetdeck/telemetry/trace_context.h"
#include "fleetdeck/telemetry/trace_store.h"
#include "fleetdeck/users/v1/users.pb.h"

namespace fleetdeck::gateway {
namespace {

namespace pb = google::protobuf;
using resilience::Clock;

// A span name is a route ("POST /api/v1/orders/{id}:cancel") or an RPC method: far shorter.
constexpr size_t kMaxRootNameBytes = 512;

// The reasons ("reason" in the error body) of the trace routes' two 503s, both UNAVAILABLE, which
// the console tells apart by them (docs/console-api-contract.md): tracing off on this gateway, which
// no wait changes, and a trace that a replica which did not answer may hold.
constexpr std::string_view kTraceStoreDisabled = "TRACE_STORE_DISABLED";
constexpr std::string_view kTraceReplicasSilent = "TRACE_REPLICAS_SILENT";

// Every trace route's answer on a gateway without a trace store ([traces] enabled = false).
http::HttpResponse noTraceStore(std::string_view traceId) {
  return errorWithRetry(unavailable("this gateway hosts no trace store"), traceId, "30", false, kTraceStoreDisabled);
}

// A `limit` query parameter: a whole number from 1 to `max`.
Result<size_t> parseLimit(std::string_view value, size_t max) {
  uint64_t parsed = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), parsed);
  if (error != std::errc{} || end != value.data() + value.size() || parsed < 1 || parsed > max) {
    return invalidField("limit", "must be a whole number from 1 to " + std::to_string(max));
  }
  return static_cast<size_t>(parsed);
}

// Role check for the gateway's own routes (the transcoded ones declare their roles in proto).
Status checkRoles(const std::vector<std::string>& roles, const Principal& principal) {
  if (auth::roleAllowed(roles, principal.role)) return Status::ok();
  if (principal.anonymous()) return unauthenticated("sign in first: send Authorization: Bearer <access token>");
  return permissionDenied("role '" + principal.role + "' may not use this route");
}

std::string toJson(const pb::Message& message) {
  pb::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string json;
  if (!pb::util::MessageToJsonString(message, &json, options).ok()) return "null";
  return json;
}

telemetry::Gauge& openStreams() {
  static telemetry::Gauge& gauge =
      telemetry::defaultRegistry().gauge("gateway_admin_streams", "Open Server-Sent Event streams of the admin API.").labels({});
  return gauge;
}

// What the details route has gathered so far; answered when the last part arrives.
struct DetailsJoin {
  std::mutex mutex;
  int pending = 2;
  std::string orderJson;
  std::string userJson = "null";
  std::string productsJson = "[]";
  std::vector<std::string> missing;
  std::shared_ptr<http::Responder> responder;

  void part(std::string_view name, bool ok, std::string json) {
    std::unique_lock lock(mutex);
    if (ok) {
      (name == "user" ? userJson : productsJson) = std::move(json);
    } else {
      missing.emplace_back(name);
    }
    if (--pending > 0) return;
    lock.unlock();
    boost::json::array missingArray;
    for (const auto& entry : missing) missingArray.push_back(boost::json::value(entry));
    responder->send(http::HttpResponse::json(200, "{\"order\":" + orderJson + ",\"user\":" + userJson +
                                                      ",\"products\":" + productsJson +
                                                      ",\"missing\":" + boost::json::serialize(missingArray) + "}"));
  }
};

// A service name as the launcher spells it; anything else never reaches the launcher.
bool plausibleServiceName(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

// The launcher answers with the fleet's error body; its code and details become the client's
// answer (with this request's trace id). Its 401 means the gateway's token is wrong: our fault.
Status statusFromLauncher(const http::HttpResponse& response) {
  if (response.status == 401) return internalError("the launcher refused the gateway's control token");
  Status fallback(statusCodeForHttp(response.status), "the launcher answered HTTP " + std::to_string(response.status));
  auto parsed = json::parse(response.body);
  if (!parsed || !parsed->is_object()) return fallback;
  const auto* error = parsed->as_object().if_contains("error");
  if (error == nullptr || !error->is_object()) return fallback;
  const auto& body = error->as_object();
  std::vector<FieldViolation> violations;
  if (const auto* details = body.if_contains("details"); details != nullptr && details->is_array()) {
    for (const auto& detail : details->as_array()) {
      if (!detail.is_object()) continue;
      violations.push_back({json::stringOr(detail.as_object(), "field"), json::stringOr(detail.as_object(), "reason")});
    }
  }
  const StatusCode code = statusCodeFromName(json::stringOr(body, "code"));
  if (code == StatusCode::kOk || code == StatusCode::kUnknown) return fallback;
  return Status(code, json::stringOr(body, "message", fallback.message()), std::move(violations));
}

// The {traceId} of a trace route, lowercased: trace stores key by the lowercase form W3C writes.
std::string traceIdParam(const http::HttpRequest& request) {
  std::string id(request.pathParam("traceId").value_or(""));
  std::transform(id.begin(), id.end(), id.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return id;
}

// A replica answered 200 with something that is not a part: counted as not answering, and logged.
void warnOfUnreadableParts(const MergedTraces& merged, const std::string& traceId) {
  if (merged.unreadableParts == 0) return;
  log::warn("gateway replica(s) answered with a trace part that is not one; counted as not answering",
            {{"parts", static_cast<uint64_t>(merged.unreadableParts)}, {"trace_id", traceId}});
}

}  // namespace

void RestGateway::setUpLocalFleetControl() {
  namespace fs = std::filesystem;
  auto parsed = http::parseHttpUrl(options_.localFleetControlUrl);
  if (!parsed) {
    localFleetControlProblem_ = internalError("local_fleet.control_url is not a usable http:// URL");
  } else {
    localFleetControl_ = std::move(*parsed);
  }
  const fs::path tokenFile = options_.localFleetControlTokenFile;
  std::error_code error;
  const auto permissions = fs::status(tokenFile, error).permissions();
  std::ifstream in(tokenFile);
  if (localFleetControlProblem_.isOk()) {
    if (tokenFile.empty() || error || !in || !std::getline(in, localFleetControlToken_) ||
        localFleetControlToken_.empty()) {
      localFleetControlProblem_ = internalError("cannot read the launcher's control token (local_fleet.control_token_file)");
    } else if ((permissions & (fs::perms::group_all | fs::perms::others_all)) != fs::perms::none) {
      localFleetControlToken_.clear();
      localFleetControlProblem_ = internalError("the launcher's control token file is readable by others; chmod 600 it");
    }
  }
  if (!localFleetControlProblem_.isOk()) {
    log::error("local fleet control unavailable; services:stop/:start will answer 500",
               {{"error", localFleetControlProblem_.message()}, {"token_file", tokenFile.string()}});
  } else {
    log::info("local fleet control enabled", {{"url", options_.localFleetControlUrl}});
  }
}

void RestGateway::serviceControl(http::HttpRequest& request, std::shared_ptr<http::Responder> responder,
                                 const std::string& action) {
  const Principal& principal = gatewayResponder(responder).principal;
  if (Status allowed = checkRoles({}, principal); !allowed.isOk()) {
    responder->send(authRefusal(allowed, request.traceId));
    return;
  }
  const std::string name(request.pathParam("name").value_or(""));
  if (!plausibleServiceName(name)) {
    responder->send(http::errorResponse(invalidField("name", "must be the name of a service of the local fleet"),
                                        request.traceId));
    return;
  }
  if (!localFleetControlProblem_.isOk()) {
    responder->send(http::errorResponse(localFleetControlProblem_, request.traceId));
    return;
  }
  http::ClientRequest upstream;
  upstream.method = "POST";
  upstream.target = localFleetControl_->target;
  if (!upstream.target.empty() && upstream.target.back() == '/') upstream.target.pop_back();
  upstream.target += "/v1/services/" + name + ":" + action;
  upstream.headers.add("Authorization", "Bearer " + localFleetControlToken_);
  upstream.headers.add("traceparent", request.traceparent);
  log::info("service control", {{"service", name}, {"action", action}, {"actor", principal.username},
                                {"trace_id", request.traceId}});
  localFleetControlClient_.request(
      localFleetControl_->host, localFleetControl_->port, std::move(upstream), options_.localFleetControlTimeout,
      [responder, traceId = request.traceId](Result<http::HttpResponse> answer) {
        if (!answer) {
          log::warn("the launcher is unavailable", {{"error", answer.status().message()}, {"trace_id", traceId}});
          responder->send(errorWithRetry(unavailable("the launcher is unavailable"), traceId, "5"));
          return;
        }
        if (answer->status != 200) {
          responder->send(errorWithRetry(statusFromLauncher(*answer), traceId, "5"));
          return;
        }
        responder->send(http::HttpResponse::json(200, std::move(answer->body)));
      });
}

void RestGateway::orderDetails(http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
  const Principal& principal = gatewayResponder(responder).principal;
  if (Status allowed = checkRoles({"customer", "operator"}, principal); !allowed.isOk()) {
    responder->send(authRefusal(allowed, request.traceId));
    return;
  }
  const std::string_view id = request.pathParam("id").value_or("");
  if (Status text = checkStringField("id", id); !text.isOk()) {
    responder->send(http::errorResponse(text, request.traceId));
    return;
  }
  auto call = startCall(request, principal, responder);
  if (!call) return;
  orders::v1::GetOrderRequest getOrder;
  getOrder.set_id(std::string(id));
  // The order is the heart of the answer: without it there is nothing to show, so its failure is
  // the route's failure. The user and the products are decoration: their failure is reported.
  invokeMethod("orders", "/fleetdeck.orders.v1.OrdersService/GetOrder", getOrder, std::make_shared<orders::v1::Order>(),
               *call, true, [this, call](Status status, MessagePtr reply, const std::string& retryAfter) {
                 if (!status.isOk()) {
                   call->responder->send(errorWithRetry(status, call->traceId, retryAfter));
                   return;
                 }
                 const auto& order = static_cast<const orders::v1::Order&>(*reply);
                 if (Status mine = checkResourceOwner(call->principal, order.user_id(), "order " + order.id());
                     !mine.isOk()) {
                   call->responder->send(http::errorResponse(mine, call->traceId));
                   return;
                 }
                 auto join = std::make_shared<DetailsJoin>();
                 join->orderJson = toJson(order);
                 join->responder = call->responder;
                 users::v1::GetUserRequest getUser;
                 getUser.set_id(order.user_id());
                 invokeMethod("users", "/fleetdeck.users.v1.UsersService/GetUser", getUser,
                              std::make_shared<users::v1::User>(), *call, true,
                              [join](Status userStatus, MessagePtr user, const std::string&) {
                                join->part("user", userStatus.isOk(), userStatus.isOk() ? toJson(*user) : "");
                              });
                 products::v1::BatchGetProductsRequest batch;
                 for (const auto& line : order.items()) batch.add_ids(line.product_id());
                 invokeMethod("products", "/fleetdeck.products.v1.ProductsService/BatchGetProducts", batch,
                              std::make_shared<products::v1::BatchGetProductsResponse>(), *call, true,
                              [join](Status productsStatus, MessagePtr products, const std::string&) {
                                if (!productsStatus.isOk()) {
                                  join->part("products", false, "");
                                  return;
                                }
                                const auto& found = static_cast<const products::v1::BatchGetProductsResponse&>(*products);
                                std::string json = "[";
                                for (int i = 0; i < found.products_size(); ++i) {
                                  if (i > 0) json += ',';
                                  json += toJson(found.products(i));
                                }
                                json += ']';
                                if (found.missing_ids_size() > 0) {
                                  std::lock_guard lock(join->mutex);
                                  for (const auto& id : found.missing_ids()) join->missing.push_back("product:" + id);
                                }
                                join->part("products", true, std::move(json));
                              });
               });
}

void RestGateway::prometheus(http::HttpRequest& request, std::shared_ptr<http::Responder> responder,
                             const std::string& apiPath) {
  const Principal& principal = gatewayResponder(responder).principal;
  if (Status allowed = checkRoles({"operator"}, principal); !allowed.isOk()) {
    responder->send(authRefusal(allowed, request.traceId));
    return;
  }
  if (!prometheusUrl_) {
    responder->send(errorWithRetry(unavailable("no Prometheus is configured (prometheus.url)"), request.traceId, "30"));
    return;
  }
  if (Status parameters = checkPrometheusParameters(apiPath, request.query); !parameters.isOk()) {
    responder->send(http::errorResponse(parameters, request.traceId));
    return;
  }
  http::ClientRequest upstream;
  upstream.method = "GET";
  // The query string (only parameters the route takes) passes through as it came: it is already
  // encoded the way Prometheus reads it.
  upstream.target = prometheusUrl_->target + apiPath + (request.query.empty() ? "" : "?" + request.query);
  upstream.headers.add("Accept", "application/json");
  upstream.headers.add("traceparent", request.traceparent);
  upstream.answerFields = {"Content-Type"};  // the one field of Prometheus' answer passed on
  prometheusClient_.request(
      prometheusUrl_->host, prometheusUrl_->port, std::move(upstream), options_.prometheusTimeout,
      [responder, traceId = request.traceId](Result<http::HttpResponse> answer) {
        if (!answer && answer.status().code() == StatusCode::kResourceExhausted) {
          // Retrying will not help: the caller must ask for less (a shorter range, a larger step). The
          // client's reason names Prometheus' address, as below: logged, not sent.
          log::warn("Prometheus' answer is too large", {{"error", answer.status().message()}, {"trace_id", traceId}});
          responder->send(http::errorResponse(
              Status(StatusCode::kOutOfRange,
                     "Prometheus' answer is too large for this gateway ([prometheus] max_response_bytes); narrow "
                     "the query's range or raise its step"),
              traceId));
          return;
        }
        if (!answer) {
          // The reason names Prometheus' address: the log keeps it, under the trace id; the client
          // learns only that it is unavailable.
          log::warn("Prometheus is unavailable", {{"error", answer.status().message()}, {"trace_id", traceId}});
          responder->send(errorWithRetry(unavailable("Prometheus is unavailable"), traceId, "5"));
          return;
        }
        http::HttpResponse response;
        response.status = answer->status;
        response.headers.add("Content-Type",
                             std::string(answer->headers.get("Content-Type").value_or("application/json")));
        // Clients wait Retry-After on every 503 and 429 (console-api-contract.md), Prometheus' own too;
        // as long as when Prometheus cannot be reached at all.
        if (response.status == 503 || response.status == 429) response.headers.add("Retry-After", "5");
        response.body = std::move(answer->body);
        responder->send(std::move(response));
      });
}

void RestGateway::adminStream(http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
  const Principal& principal = gatewayResponder(responder).principal;
  if (Status allowed = checkRoles({"operator"}, principal); !allowed.isOk()) {
    responder->send(authRefusal(allowed, request.traceId));
    return;
  }
  std::optional<uint64_t> lastEventId;
  // The header (what EventSource sends on a reconnect) wins over the query parameter (for clients
  // that cannot set headers); a bad one is refused under the name the client used.
  std::string lastText(request.header("Last-Event-ID").value_or(""));
  std::string lastSource = "Last-Event-ID";
  auto query = http::parseQuery(request.query);
  if (!query) {
    responder->send(http::errorResponse(invalidField("query", "has a malformed %-escape"), request.traceId));
    return;
  }
  for (const auto& [name, value] : *query) {
    if (name != "lastEventId") {
      responder->send(http::errorResponse(invalidField(name, "is not a parameter of this route"), request.traceId));
      return;
    }
    if (lastText.empty()) {
      lastText = value;
      lastSource = "lastEventId";
    }
  }
  if (!lastText.empty()) {
    uint64_t value = 0;
    const auto [end, error] = std::from_chars(lastText.data(), lastText.data() + lastText.size(), value);
    if (error != std::errc{} || end != lastText.data() + lastText.size()) {
      responder->send(
          http::errorResponse(invalidField(lastSource, "must be an event id this stream sent"), request.traceId));
      return;
    }
    lastEventId = value;
  }
  {
    std::lock_guard lock(streamsMutex_);
    const bool userFull = streamsByUser_[principal.userId] >= options_.streamMaxPerUser;
    if (userFull || streamsOpen_ >= options_.streamMaxTotal) {
      if (streamsByUser_[principal.userId] == 0) streamsByUser_.erase(principal.userId);
      const std::string why = userFull ? "you have " + std::to_string(options_.streamMaxPerUser) +
                                             " admin streams open already; close one"
                                       : "this gateway has " + std::to_string(options_.streamMaxTotal) +
                                             " admin streams open";
      responder->send(errorWithRetry(resourceExhausted(why), request.traceId, "5"));
      return;
    }
    ++streamsOpen_;
    ++streamsByUser_[principal.userId];
  }
  // Whatever happens from here, the stream's slot is given back once: when it closes, or now if it
  // never started.
  auto release = std::make_shared<std::function<void()>>([this, userId = principal.userId] {
    std::lock_guard lock(streamsMutex_);
    --streamsOpen_;
    if (--streamsByUser_[userId] <= 0) streamsByUser_.erase(userId);
  });
  http::HttpResponse head;
  head.status = 200;
  head.headers.add("Content-Type", "text/event-stream");
  head.headers.add("Cache-Control", "no-cache");
  head.headers.add("X-Accel-Buffering", "no");
  auto subscription = std::make_shared<std::atomic<uint64_t>>(0);
  http::StreamOptions streamOptions;
  streamOptions.keepAliveInterval = options_.streamHeartbeat;
  streamOptions.keepAliveText = ":hb\n\n";
  streamOptions.maxQueuedBytes = options_.streamMaxQueuedBytes;
  auto released = std::make_shared<std::atomic<bool>>(false);
  const auto releaseOnce = [release, released] {
    if (!released->exchange(true)) (*release)();
  };
  streamOptions.onClose = [this, subscription, releaseOnce] {
    openStreams().dec();
    if (const uint64_t id = subscription->load()) events_.unsubscribe(id);
    releaseOnce();
  };
  auto writer = responder->startStream(std::move(head), std::move(streamOptions));
  if (!writer) {
    releaseOnce();
    return;
  }
  openStreams().inc();
  // Tell EventSource clients to reconnect after 2 s; the comment makes the headers reach the client now.
  writer->write("retry: 2000\n: connected\n\n");
  // Half the stream's queue for the replay, so the replay alone never ends the stream.
  // Authorised once, when it opened: before every event the stream checks that its token has not
  // expired and the account's access not changed (a demotion, a disable, a new password), and ends
  // instead of sending it. The console reconnects with its refreshed token.
  const auto result = events_.subscribe(
      lastEventId,
      [this, writer, principal](const AdminEvent& event) {
        if (!tokens_.stillValid(principal)) {
          writer->close();
          return false;
        }
        return writer->write(formatServerSentEvent(event));
      },
      options_.streamMaxQueuedBytes / 2);
  subscription->store(result.id);
  // The stream may have ended before the id was stored: then nobody else will unsubscribe it.
  if (!writer->isOpen()) events_.unsubscribe(result.id);
}

void RestGateway::upstreamStates(http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
  const Principal& principal = gatewayResponder(responder).principal;
  if (Status allowed = checkRoles({"operator"}, principal); !allowed.isOk()) {
    responder->send(authRefusal(allowed, request.traceId));
    return;
  }
  boost::json::array instances;
  for (const auto& state : upstreams_.snapshot()) {
    instances.push_back(boost::json::object{{"upstream", state.upstream},
                                            {"address", state.address},
                                            {"breaker", resilience::breakerStateName(state.breaker)}});
  }
  responder->send(http::HttpResponse::json(200, boost::json::serialize(boost::json::object{{"instances", instances}})));
}

void RestGateway::fleet(http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
  const Principal& principal = gatewayResponder(responder).principal;
  if (Status allowed = checkRoles({"operator"}, principal); !allowed.isOk()) {
    responder->send(authRefusal(allowed, request.traceId));
    return;
  }
  if (!fleetView_) {
    responder->send(errorWithRetry(unavailable("the fleet view is not running"), request.traceId, "5"));
    return;
  }
  auto view = fleetView_();
  if (!view) {
    responder->send(errorWithRetry(unavailable("the fleet view is being gathered (its first round is still running)"),
                                   request.traceId, "1"));
    return;
  }
  responder->send(http::HttpResponse::json(200, std::move(*view)));
}

telemetry::TraceListQuery RestGateway::TraceListQuery::forStore(size_t storeLimit) const {
  return {.service = service, .rootName = rootName, .minDurationMs = minDurationMs, .limit = storeLimit};
}

std::optional<RestGateway::TraceListQuery> RestGateway::traceListQuery(const http::HttpRequest& request,
                                                                      http::Responder& responder) const {
  auto query = http::parseQuery(request.query);
  if (!query) {
    responder.send(http::errorResponse(invalidField("query", "has a malformed %-escape"), request.traceId));
    return std::nullopt;
  }
  TraceListQuery filters;
  for (const auto& [name, value] : *query) {
    if (name == "service") {
      filters.service = value;
    } else if (name == "rootName") {
      if (value.size() > kMaxRootNameBytes) {
        responder.send(http::errorResponse(
            invalidField("rootName", "must be at most " + std::to_string(kMaxRootNameBytes) + " bytes"), request.traceId));
        return std::nullopt;
      }
      filters.rootName = value;
    } else if (name == "minDurationMs") {
      double parsed = 0;
      const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), parsed);
      if (error != std::errc{} || end != value.data() + value.size() || !(parsed >= 0) || parsed > 1e12) {
        responder.send(http::errorResponse(invalidField("minDurationMs", "must be a number of milliseconds >= 0"),
                                            request.traceId));
        return std::nullopt;
      }
      filters.minDurationMs = parsed;
    } else if (name == "limit") {
      auto parsed = parseLimit(value, 1000);
      if (!parsed) {
        responder.send(http::errorResponse(parsed.status(), request.traceId));
        return std::nullopt;
      }
      filters.limit = *parsed;
    } else {
      // Ignoring a misspelt filter ("minDuration") would answer the unfiltered list as if filtered.
      responder.send(http::errorResponse(
          invalidField(name, "is not a parameter of this route: service, rootName, minDurationMs, limit"), request.traceId));
      return std::nullopt;
    }
  }
  return filters;
}

void RestGateway::askTracePeers(const std::string& method, const std::string& target, std::string body,
                                const PeerCaller& caller,
                                std::function<void(std::vector<ReplicaDocument>, std::set<std::string>)> done) {
  std::vector<std::string> peers = tracePeers_ ? tracePeers_() : std::vector<std::string>{};
  struct Join {
    std::mutex mutex;
    size_t pending = 0;
    std::set<std::string> silent;
    std::vector<ReplicaDocument> found;
    std::function<void(std::vector<ReplicaDocument>, std::set<std::string>)> done;
  };
  auto join = std::make_shared<Join>();
  join->done = std::move(done);
  join->pending = peers.size() + 1;  // + this call's own share, released after every request left
  const auto settle = [join](const std::string& peer, std::optional<std::string> body) {
    std::unique_lock lock(join->mutex);
    if (body) {
      join->found.push_back({peer, std::move(*body)});
    } else if (!peer.empty()) {
      join->silent.insert(peer);
    }
    if (--join->pending > 0) return;
    lock.unlock();
    join->done(std::move(join->found), std::move(join->silent));
  };
  for (const auto& peer : peers) {
    // The registry's admin address, "[v6]:port" included; one that is not host:port cannot be asked.
    auto address = http::parseHostPort(peer);
    if (!address) {
      log::warn("a gateway replica's admin address is not host:port; its part of a trace is left out",
                {{"replica", peer}, {"error", address.status().message()}});
      settle(peer, std::nullopt);
      continue;
    }
    http::ClientRequest ask;
    ask.method = method;
    ask.target = target;
    ask.body = body;
    if (!body.empty()) ask.headers.add("Content-Type", "application/json");
    ask.headers.add("traceparent", caller.traceparent);
    // The peer checks the caller's token as this route did (its admin port may be reachable).
    if (!caller.authorization.empty()) ask.headers.add("Authorization", caller.authorization);
    // A replica that does not answer within this time leaves its part out (the answer counts it):
    // the console's trace view waits for the slowest replica, not for a vanished one's timeout.
    tracePeerClient_.request(address->host, address->port, std::move(ask), std::chrono::seconds(1),
                             [settle, peer](Result<http::HttpResponse> answer) {
                               // A replica that holds nothing answers 200 with an empty part: any other
                               // status (an older replica's 404 for a route it lacks, a refused token)
                               // says nothing about what it holds.
                               if (answer && answer->status == 200) return settle(peer, std::move(answer->body));
                               log::warn("a gateway replica did not give its part of a trace",
                                         {{"replica", peer},
                                          {"error", answer ? "HTTP " + std::to_string(answer->status)
                                                           : answer.status().message()}});
                               settle(peer, std::nullopt);
                             });
  }
  settle("", std::nullopt);  // this call's own share: not a peer, never silent
}

bool RestGateway::traceRoutesOpen(const http::HttpRequest& request, http::Responder& responder) const {
  const Principal& principal = static_cast<GatewayResponder&>(responder).principal;
  if (Status allowed = checkRoles({"operator"}, principal); !allowed.isOk()) {
    responder.send(authRefusal(allowed, request.traceId));
    return false;
  }
  if (traceStore_ == nullptr) {
    responder.send(noTraceStore(request.traceId));
    return false;
  }
  return true;
}

void RestGateway::listTraces(http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
  if (!traceRoutesOpen(request, *responder)) return;
  const auto filters = traceListQuery(request, *responder);
  if (!filters) return;
  if (!tracePeers_) {
    responder->send(http::HttpResponse::json(200, traceStore_->listTraces(filters->forStore(filters->limit))));
    return;
  }
  // Two rounds (domain/trace_merge.h): candidates from every replica, 2 x limit each, then every
  // replica's parts of all the candidates, so each trace is summarised from all its parts.
  const size_t overfetch = std::min<size_t>(2 * filters->limit, 1000);
  std::string local = traceStore_->listTraces(filters->forStore(overfetch));
  std::string query = "limit=" + std::to_string(overfetch);
  if (filters->minDurationMs > 0) {
    char number[64];
    const auto written = std::to_chars(number, number + sizeof number, filters->minDurationMs);
    query += "&minDurationMs=" + std::string(number, written.ptr);
  }
  if (!filters->service.empty()) query += "&service=" + percentEncode(filters->service);
  if (!filters->rootName.empty()) query += "&rootName=" + percentEncode(filters->rootName);
  askTracePeers(
      "GET", "/traces?" + query, "", peerCaller(request),
      [this, responder, local = std::move(local), filters = *filters, caller = peerCaller(request),
       traceId = request.traceId](std::vector<ReplicaDocument> lists, std::set<std::string> silent) mutable {
        lists.push_back({"", std::move(local)});
        // A replica that fails either round (no answer, or an answer that is not a list or parts)
        // is one replica whose parts may be missing: counted once however often it failed.
        std::set<std::string> unreadableLists;
        auto candidates = traceListCandidates(lists, &unreadableLists);
        if (!unreadableLists.empty()) {
          log::warn("gateway replica(s) answered with a trace list that is not one; counted as not answering",
                    {{"parts", static_cast<uint64_t>(unreadableLists.size())}, {"trace_id", traceId}});
        }
        silent.merge(unreadableLists);
        if (candidates.size() > kMaxTracePartIds) candidates.resize(kMaxTracePartIds);
        std::vector<std::string> localTraces;
        for (const auto& id : candidates) {
          if (auto trace = traceStore_->getTrace(id)) localTraces.push_back(std::move(*trace));
        }
        std::string localParts = traceParts(localTraces);
        auto finish = [responder, localParts = std::move(localParts), filters, firstRoundSilent = std::move(silent),
                       traceId](std::vector<ReplicaDocument> parts, std::set<std::string> secondRoundSilent) mutable {
          parts.push_back({"", std::move(localParts)});
          secondRoundSilent.merge(firstRoundSilent);
          auto merged = mergeTraceParts(parts, filters, filters.limit,
                                        std::move(secondRoundSilent));
          warnOfUnreadableParts(merged, traceId);
          responder->send(http::HttpResponse::json(200, std::move(merged.json)));
        };
        if (candidates.empty()) return finish({}, {});
        boost::json::array ids;
        for (const auto& id : candidates) ids.emplace_back(id);
        askTracePeers("POST", "/trace-parts", boost::json::serialize(boost::json::object{{"traceIds", std::move(ids)}}),
                      caller, std::move(finish));
      });
}

void RestGateway::getTrace(http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
  if (!traceRoutesOpen(request, *responder)) return;
  const std::string id = traceIdParam(request);
  auto local = traceStore_->getTrace(id);
  if (!local && local.status().code() == StatusCode::kInvalidArgument) {
    responder->send(http::errorResponse(invalidField("traceId", "must be 32 lowercase hex digits"), request.traceId));
    return;
  }
  if (!tracePeers_) {
    if (!local) {
      responder->send(http::errorResponse(local.status(), request.traceId));
      return;
    }
    responder->send(http::HttpResponse::json(200, std::move(*local)));
    return;
  }
  askTracePeers("GET", "/traces/" + id, "", peerCaller(request),
                [responder, local = std::move(local), id, traceId = request.traceId](
                    std::vector<ReplicaDocument> answers, std::set<std::string> silent) mutable {
                  std::vector<std::string> parts;
                  for (auto& answer : answers) parts.push_back(std::move(answer.body));
                  if (local) parts.push_back(std::move(*local));
                  auto merged = mergeTraceDocuments(id, parts, silent.size());
                  warnOfUnreadableParts(merged, traceId);
                  if (merged.spans == 0 && merged.unreachableReplicas > 0) {
                    // A replica that did not answer may hold all of it: not found is not known yet.
                    responder->send(errorWithRetry(
                        unavailable("trace " + id + " is in no answering gateway replica's trace store, and " +
                                    std::to_string(merged.unreachableReplicas) + " replica(s) did not answer"),
                        traceId, "5", false, kTraceReplicasSilent));
                    return;
                  }
                  if (merged.spans == 0) {
                    responder->send(http::errorResponse(
                        notFound("trace " + id + " is in no gateway replica's trace store (never received, or evicted)"),
                        traceId));
                    return;
                  }
                  responder->send(http::HttpResponse::json(200, std::move(merged.json)));
                });
}

bool RestGateway::peerTraceRoutesOpen(const http::HttpRequest& request, http::Responder& responder) const {
  auto principal = tokens_.authenticate(request.header("Authorization"));
  if (!principal) {
    // No token at all is not an invalid one (RFC 6750 3.1: no error code then).
    responder.send(authRefusal(principal.status(), request.traceId, request.header("Authorization").has_value()));
    return false;
  }
  if (Status allowed = checkRoles({"operator"}, *principal); !allowed.isOk()) {
    responder.send(authRefusal(allowed, request.traceId));
    return false;
  }
  // main.cpp adds these routes only beside a trace store; the class does not rely on it.
  if (traceStore_ == nullptr) {
    responder.send(noTraceStore(request.traceId));
    return false;
  }
  return true;
}

void RestGateway::localTraceList(http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
  if (!peerTraceRoutesOpen(request, *responder)) return;
  const auto filters = traceListQuery(request, *responder);
  if (!filters) return;
  responder->send(http::HttpResponse::json(200, traceStore_->listTraces(filters->forStore(filters->limit))));
}

void RestGateway::localTraceParts(http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
  if (!peerTraceRoutesOpen(request, *responder)) return;
  const auto body = json::parse(request.body);
  const auto* ids = body && body->is_object() ? body->as_object().if_contains("traceIds") : nullptr;
  if (ids == nullptr || !ids->is_array() || ids->as_array().size() > kMaxTracePartIds) {
    responder->send(http::errorResponse(
        invalidField("traceIds", "must be an array of at most " + std::to_string(kMaxTracePartIds) + " trace ids"),
        request.traceId));
    return;
  }
  std::vector<std::string> traces;
  for (const auto& id : ids->as_array()) {
    if (!id.is_string() || !telemetry::isValidHexId(id.as_string(), 32)) {
      responder->send(http::errorResponse(invalidField("traceIds", "each must be 32 lowercase hex digits"),
                                          request.traceId));
      return;
    }
    if (auto trace = traceStore_->getTrace(id.as_string())) traces.push_back(std::move(*trace));
  }
  responder->send(http::HttpResponse::json(200, traceParts(traces)));
}

void RestGateway::localTrace(http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
  if (!peerTraceRoutesOpen(request, *responder)) return;
  const std::string id = traceIdParam(request);
  auto trace = traceStore_->getTrace(id);
  if (!trace && trace.status().code() == StatusCode::kNotFound) {
    // Holding none of it is an answer (an empty part), unlike a 404, which an older replica without
    // this route also gives.
    responder->send(http::HttpResponse::json(
        200, boost::json::serialize(boost::json::object{{"traceId", id}, {"spans", boost::json::array()}})));
    return;
  }
  if (!trace) {
    responder->send(http::errorResponse(trace.status(), request.traceId));
    return;
  }
  responder->send(http::HttpResponse::json(200, std::move(*trace)));
}

void RestGateway::acknowledgeAlert(http::HttpRequest& request, std::shared_ptr<http::Responder> responder,
                                   bool acknowledge) {
  const Principal& principal = gatewayResponder(responder).principal;
  if (Status allowed = checkRoles({"operator"}, principal); !allowed.isOk()) {
    responder->send(authRefusal(allowed, request.traceId));
    return;
  }
  if (alertAcknowledgements_ == nullptr || alertWatcher_ == nullptr) {
    responder->send(http::errorResponse(unavailable("alert acknowledgements are not available on this gateway"),
                                        request.traceId));
    return;
  }
  std::string parseError;
  const auto body = json::parse(request.body, &parseError);
  if (!body || !body->is_object()) {
    responder->send(http::errorResponse(
        invalidArgument("the body must be a JSON object {alertname, labels, comment}" +
                        (parseError.empty() ? std::string() : ": " + parseError)),
        request.traceId));
    return;
  }
  const auto& object = body->as_object();
  ValidationErrors errors;
  // Dropping a misspelt key ("coment") and storing the rest would answer 200 for what was not asked.
  for (const auto& entry : object) {
    if (entry.key() != "alertname" && entry.key() != "labels" && entry.key() != "comment") {
      errors.add(std::string(entry.key()), "is not a field of an alert acknowledgement: send {alertname, labels, comment}");
    }
  }
  const std::string alertname = json::stringOr(object, "alertname");
  if (alertname.empty()) errors.add("alertname", "is required: the alert's name");
  std::map<std::string, std::string> labels;
  const auto* labelsValue = object.if_contains("labels");
  if (labelsValue == nullptr || !labelsValue->is_object()) {
    errors.add("labels", "is required: the alert's full label set, an object of strings, as /api/v1/admin/alerts lists it");
  } else {
    for (const auto& [name, value] : labelsValue->as_object()) {
      if (!value.is_string()) {
        errors.add("labels." + std::string(name), "must be a string");
        continue;
      }
      labels.emplace(std::string(name), std::string(value.as_string()));
    }
  }
  // Prometheus lists alertname among the labels; a client may leave it out there.
  if (auto found = labels.find("alertname"); found == labels.end()) {
    if (!alertname.empty()) labels.emplace("alertname", alertname);
  } else if (found->second != alertname) {
    errors.add("labels.alertname", "must equal alertname");
  }
  std::string comment;
  if (const auto* value = object.if_contains("comment"); value != nullptr && !value->is_null()) {
    if (!value->is_string()) {
      errors.add("comment", "must be a string");
    } else {
      comment = std::string(value->as_string());
      // Characters, not bytes: count UTF-8 lead bytes (continuation bytes are 10xxxxxx).
      const auto characters = std::count_if(comment.begin(), comment.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
      });
      if (characters > 500) errors.add("comment", "must be at most 500 characters");
    }
  }
  if (!errors.empty()) {
    responder->send(http::errorResponse(errors.toStatus(), request.traceId));
    return;
  }
  const std::string key = alertKey(AlertState{.alertname = alertname, .labels = labels});
  const std::string traceId = request.traceId;
  const bool queued = blockingWork_.trySubmit([this, responder, key, traceId, acknowledge, alertname, labels, comment,
                                               principal]() {
    const auto active = alertWatcher_->active(key);
    if (!acknowledge) {
      if (Status erased = alertAcknowledgements_->erase(key); !erased.isOk()) {
        responder->send(errorWithRetry(erased, traceId, "5"));
        return;
      }
      if (active) events_.publish("alert", alertWithAcknowledgementJson(*active, nullptr));
      log::info("alert acknowledgement withdrawn",
                {{"alertname", alertname}, {"actor", principal.username}, {"trace_id", traceId}});
      http::HttpResponse response;
      response.status = 204;
      responder->send(std::move(response));
      return;
    }
    if (!active) {
      responder->send(http::errorResponse(
          notFound("no active alert " + alertname + " with these labels (GET /api/v1/admin/alerts lists them)"),
          traceId));
      return;
    }
    AlertAcknowledgement acknowledgement{
        .alertname = alertname,
        .labels = labels,
        .byUserId = principal.userId,
        .byUsername = principal.username,
        .at = pb::util::TimeUtil::ToString(pb::util::TimeUtil::GetCurrentTime()),
        .comment = comment,
        .alertActiveAt = active->activeAt};
    if (Status stored = alertAcknowledgements_->put(acknowledgement); !stored.isOk()) {
      responder->send(errorWithRetry(stored, traceId, "5"));
      return;
    }
    events_.publish("alert", alertWithAcknowledgementJson(*active, &acknowledgement));
    log::info("alert acknowledged", {{"alertname", alertname}, {"actor", principal.username}, {"trace_id", traceId}});
    responder->send(http::HttpResponse::json(200, acknowledgementJson(acknowledgement)));
  });
  if (!queued) {
    responder->send(errorWithRetry(resourceExhausted("too many alert acknowledgements at once"), traceId, "1"));
  }
}

void RestGateway::listAlertAcknowledgements(http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
  const Principal& principal = gatewayResponder(responder).principal;
  if (Status allowed = checkRoles({"operator"}, principal); !allowed.isOk()) {
    responder->send(authRefusal(allowed, request.traceId));
    return;
  }
  if (alertAcknowledgements_ == nullptr) {
    responder->send(http::errorResponse(unavailable("alert acknowledgements are not available on this gateway"),
                                        request.traceId));
    return;
  }
  const bool queued = blockingWork_.trySubmit([this, responder, traceId = request.traceId] {
    auto acknowledgements = alertAcknowledgements_->list();
    if (!acknowledgements) {
      responder->send(errorWithRetry(acknowledgements.status(), traceId, "5"));
      return;
    }
    std::string body = R"({"acknowledgements":[)";
    for (size_t i = 0; i < acknowledgements->size(); ++i) {
      if (i > 0) body += ',';
      body += acknowledgementJson((*acknowledgements)[i]);
    }
    body += "]}";
    responder->send(http::HttpResponse::json(200, std::move(body)));
  });
  if (!queued) {
    responder->send(errorWithRetry(resourceExhausted("too many alert acknowledgement reads at once"), request.traceId, "1"));
  }
}

namespace {

constexpr const char* kDurableNameRule = "must be a consumer's durable name: letters, digits, '-' and '_'";

// JetStream durable names as the services make them ("<service>-<what>").
bool plausibleDurableName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

}  // namespace

void RestGateway::listDeadLetters(http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
  const Principal& principal = gatewayResponder(responder).principal;
  if (Status allowed = checkRoles({"operator"}, principal); !allowed.isOk()) {
    responder->send(authRefusal(allowed, request.traceId));
    return;
  }
  if (deadLetters_ == nullptr) {
    responder->send(errorWithRetry(unavailable("this gateway has no event bus (nats.url is empty)"), request.traceId, "30"));
    return;
  }
  auto query = http::parseQuery(request.query);
  if (!query) {
    responder->send(http::errorResponse(invalidField("query", "has a malformed %-escape"), request.traceId));
    return;
  }
  std::string consumer;
  size_t limit = 100;
  for (const auto& [name, value] : *query) {
    if (name == "consumer") {
      if (!plausibleDurableName(value)) {
        responder->send(http::errorResponse(invalidField("consumer", kDurableNameRule), request.traceId));
        return;
      }
      consumer = value;
    } else if (name == "limit") {
      auto parsed = parseLimit(value, DeadLetterDesk::kMaxLimit);
      if (!parsed) {
        responder->send(http::errorResponse(parsed.status(), request.traceId));
        return;
      }
      limit = *parsed;
    } else {
      // Ignoring a misspelt filter ("consumers") would answer every consumer's letters as if one's.
      responder->send(http::errorResponse(invalidField(name, "is not a parameter of this route: consumer, limit"),
                                          request.traceId));
      return;
    }
  }
  const bool queued = blockingWork_.trySubmit([this, responder, consumer, limit, traceId = request.traceId] {
    auto body = deadLetters_->listJson(consumer, limit);
    if (!body) {
      responder->send(errorWithRetry(body.status(), traceId, "5"));
      return;
    }
    responder->send(http::HttpResponse::json(200, std::move(*body)));
  });
  if (!queued) {
    responder->send(errorWithRetry(resourceExhausted("too many dead-letter requests at once"), request.traceId, "1"));
  }
}

void RestGateway::replayDeadLetters(http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
  const Principal& principal = gatewayResponder(responder).principal;
  if (Status allowed = checkRoles({}, principal); !allowed.isOk()) {
    responder->send(authRefusal(allowed, request.traceId));
    return;
  }
  if (deadLetters_ == nullptr) {
    responder->send(errorWithRetry(unavailable("this gateway has no event bus (nats.url is empty)"), request.traceId, "30"));
    return;
  }
  std::string parseError;
  const auto body = json::parse(request.body, &parseError);
  if (!body || !body->is_object()) {
    responder->send(http::errorResponse(
        invalidArgument("the body must be a JSON object {consumer} or {sequence}" +
                        (parseError.empty() ? std::string() : ": " + parseError)),
        request.traceId));
    return;
  }
  const auto& object = body->as_object();
  ValidationErrors errors;
  std::string consumer;
  std::optional<uint64_t> sequence;
  for (const auto& [key, value] : object) {
    if (key == "consumer") {
      if (!value.is_string() || !plausibleDurableName(value.as_string())) {
        errors.add("consumer", kDurableNameRule);
      } else {
        consumer = std::string(value.as_string());
      }
    } else if (key == "sequence") {
      if (value.is_uint64() && value.as_uint64() > 0) {
        sequence = value.as_uint64();
      } else if (value.is_int64() && value.as_int64() > 0) {
        sequence = static_cast<uint64_t>(value.as_int64());
      } else {
        errors.add("sequence", "must be a dead letter's sequence, a whole number >= 1");
      }
    } else {
      errors.add(std::string(key), "is not a field of a replay: send {consumer} or {sequence}");
    }
  }
  if (errors.empty() && consumer.empty() == !sequence.has_value()) {
    errors.add("consumer", "send either consumer (that consumer's letters) or sequence (one letter), not both or neither");
  }
  if (Status invalid = errors.toStatus(); !invalid.isOk()) {
    responder->send(http::errorResponse(invalid, request.traceId));
    return;
  }
  const bool queued = blockingWork_.trySubmit([this, responder, consumer, sequence, actor = principal.username,
                                               traceId = request.traceId] {
    Result<int> replayed = 0;
    if (sequence) {
      Status status = deadLetters_->replayOne(*sequence);
      replayed = status.isOk() ? Result<int>(1) : Result<int>(status);
    } else {
      replayed = deadLetters_->replay(consumer, DeadLetterDesk::kMaxLimit);
    }
    if (!replayed) {
      const Status& status = replayed.status();
      const bool clientsFault = status.code() == StatusCode::kNotFound || status.code() == StatusCode::kFailedPrecondition;
      responder->send(clientsFault ? http::errorResponse(status, traceId) : errorWithRetry(status, traceId, "5"));
      return;
    }
    log::info("dead letters replayed", {{"actor", actor}, {"consumer", consumer},
                                        {"sequence", sequence ? std::to_string(*sequence) : std::string()},
                                        {"replayed", *replayed}, {"trace_id", traceId}});
    responder->send(http::HttpResponse::json(200, "{\"replayed\":" + std::to_string(*replayed) + "}"));
  });
  if (!queued) {
    responder->send(errorWithRetry(resourceExhausted("too many dead-letter requests at once"), request.traceId, "1"));
  }
}

}  // namespace fleetdeck::gateway
