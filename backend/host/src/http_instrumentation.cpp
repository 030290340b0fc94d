#include "fleetdeck/host/http_instrumentation.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "fleetdeck/telemetry/request_metrics.h"
#include "fleetdeck/telemetry/tracing.h"

namespace fleetdeck::host {
namespace {

using telemetry::TraceContext;

constexpr const char* kUnmatchedRoute = "unmatched";

// Methods outside the standard set share one label value (as OpenTelemetry's "_OTHER"), so a
// client inventing verbs cannot create series.
std::string_view methodLabel(std::string_view method) {
  static constexpr std::array<std::string_view, 9> kKnown = {"GET",   "HEAD",    "POST",    "PUT",  "DELETE",
                                                             "PATCH", "OPTIONS", "CONNECT", "TRACE"};
  // A static table: the braced list it replaced built nine string_views (a strlen each) per call,
  // twice per request.
  for (const std::string_view known : kKnown) {
    if (known == method) return known;
  }
  return "_OTHER";
}

std::atomic<uint64_t> nextSharedId{1};

// The children one (route, method) records into, resolved through labels() once per thread instead
// of on every request: labels() builds a key from a vector of strings and takes the family's lock,
// two calls per request that were a measurable share of a proxied request's CPU.
struct RouteChildren {
  telemetry::Histogram* duration = nullptr;  // null when the route is untimed
  std::vector<std::pair<int, telemetry::Counter*>> byStatus;  // the few statuses a route answers
};

struct Shared {
  explicit Shared(HttpInstrumentationOptions options)
      : id(nextSharedId.fetch_add(1)),
        options(std::move(options)),
        registry(this->options.registry != nullptr ? *this->options.registry : telemetry::defaultRegistry()),
        requests(registry.counter("http_requests_total", "HTTP requests served, by route template, method and status.",
                                  {"route", "method", "code"})),
        duration(registry.histogram("http_request_duration_seconds",
                                    "Time from reading an HTTP request to handing its response to the server.",
                                    {"route", "method"})) {
    if (this->options.serviceTraffic) {
      serviceRequests.emplace(registry, telemetry::resource().serviceName, "http");
    }
  }

  bool untraced(std::string_view path) const {
    return std::any_of(options.untracedPaths.begin(), options.untracedPaths.end(), [path](const std::string& entry) {
      return entry.ends_with('/') ? path.starts_with(entry) : path == entry;
    });
  }

  bool untimed(const std::string& route) const {
    return std::find(options.untimedRoutes.begin(), options.untimedRoutes.end(), route) != options.untimedRoutes.end();
  }

  // This decorator's children for `route` and `method` on the calling thread. Keyed by a process-unique
  // id, not by address, so a decorator created where an old one was freed never sees its children.
  RouteChildren& children(const std::string& route, std::string_view method) {
    thread_local std::unordered_map<std::string, RouteChildren> cache;
    thread_local std::string key;
    key.assign(reinterpret_cast<const char*>(&id), sizeof id);
    key.append(method);
    key.push_back(' ');
    key.append(route);
    auto found = cache.find(key);
    if (found == cache.end()) {
      RouteChildren children;
      if (!untimed(route)) children.duration = &duration.labels({route, std::string(method)});
      found = cache.emplace(key, std::move(children)).first;
    }
    return found->second;
  }

  telemetry::Counter& requestCounter(RouteChildren& children, const std::string& route, std::string_view method,
                                     int status) {
    for (const auto& [code, counter] : children.byStatus) {
      if (code == status) return *counter;
    }
    auto& counter = requests.labels({route, std::string(method), std::to_string(status)});
    children.byStatus.emplace_back(status, &counter);
    return counter;
  }

  const uint64_t id;
  HttpInstrumentationOptions options;
  telemetry::Registry& registry;
  telemetry::CounterFamily& requests;
  telemetry::HistogramFamily& duration;
  std::optional<telemetry::ServiceRequestMetrics> serviceRequests;
};

// One request. Its route is known once the inner handler returned (the router sets it), its status
// once the response is sent; either may come first, and whichever comes second records.
class Exchange {
 public:
  Exchange(std::shared_ptr<Shared> shared, std::string_view method, telemetry::Span span)
      : shared_(std::move(shared)),
        method_(methodLabel(method)),
        span_(std::move(span)),
        started_(std::chrono::steady_clock::now()) {}

  void handlerReturned(std::string route) {
    route_ = route.empty() ? std::string(kUnmatchedRoute) : std::move(route);
    arrive();
  }

  void responded(int status) {
    if (responded_.exchange(true)) return;
    status_ = status;
    seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    arrive();
  }

 private:
  void arrive() {
    if (arrivals_.fetch_add(1, std::memory_order_acq_rel) == 1) record();
  }

  void record() {
    const bool failed = status_ >= 500;
    const bool timed = !shared_->untimed(route_);
    if (shared_->options.metrics) {
      RouteChildren& children = shared_->children(route_, method_);
      shared_->requestCounter(children, route_, method_, status_).inc();
      if (children.duration != nullptr) children.duration->observe(seconds_);
    }
    if (shared_->serviceRequests) {
      if (timed) {
        shared_->serviceRequests->record(failed, seconds_);
      }
    }
    if (span_.recording()) {
      span_.setName(route_ == kUnmatchedRoute ? std::string(method_) : std::string(method_) + " " + route_);
      if (route_ != kUnmatchedRoute) span_.setAttribute(telemetry::attr::kHttpRoute, route_);
      span_.setAttribute(telemetry::attr::kHttpResponseStatusCode, static_cast<int64_t>(status_));
      // Server spans: only 5xx are errors; a 4xx is the client's mistake (OpenTelemetry HTTP conventions).
      if (failed) {
        span_.setAttribute(telemetry::attr::kErrorType, std::to_string(status_));
        span_.setStatus(telemetry::SpanStatusCode::kError);
      }
    }
    span_.end();
  }

  std::shared_ptr<Shared> shared_;
  std::string_view method_;
  telemetry::Span span_;
  std::chrono::steady_clock::time_point started_;
  std::string route_;
  int status_ = 0;
  double seconds_ = 0;
  std::atomic<bool> responded_{false};
  std::atomic<int> arrivals_{0};
};

// The responder the handler gets, and the request's exchange in the same allocation.
class InstrumentedResponder final : public http::Responder {
 public:
  InstrumentedResponder(std::shared_ptr<http::Responder> inner, std::shared_ptr<Shared> shared,
                        std::string_view method, telemetry::Span span)
      : inner_(std::move(inner)), exchange_(std::move(shared), method, std::move(span)) {}

  ~InstrumentedResponder() override {
    // Dropped without an answer: the server's own responder answers 500 when it goes, so count that.
    exchange_.responded(500);
  }

  Exchange& exchange() { return exchange_; }

  void send(http::HttpResponse response) override {
    exchange_.responded(response.status);
    inner_->send(std::move(response));
  }

  // A stream (Server-Sent Events) counts as answered when its head goes out; its route is usually
  // listed in untimedRoutes, so its open time does not read as a slow request.
  std::shared_ptr<http::StreamWriter> startStream(http::HttpResponse head, http::StreamOptions options) override {
    const int status = head.status;
    auto writer = inner_->startStream(std::move(head), std::move(options));
    if (writer) exchange_.responded(status);
    return writer;
  }

 private:
  std::shared_ptr<http::Responder> inner_;
  Exchange exchange_;
};

}  // namespace

http::Handler instrumentHttp(http::Handler inner, HttpInstrumentationOptions options) {
  auto shared = std::make_shared<Shared>(std::move(options));
  return [shared, inner = std::move(inner)](http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
    telemetry::Span span;
    std::optional<telemetry::ScopedContext> scope;
    if (shared->options.tracing) {
      std::optional<TraceContext> incoming;
      const bool untraced = !shared->options.untracedPaths.empty() && shared->untraced(request.path);
      if (auto traceparent = request.header(telemetry::kTraceparentHeader)) {
        incoming = TraceContext::parse(*traceparent, request.header(telemetry::kTracestateHeader).value_or(""));
        if (incoming && untraced) {
          incoming = incoming->withSampled(false);
        } else if (incoming && !shared->options.trustIncomingSampling) {
          incoming = incoming->withSampled(telemetry::sampleNewTrace());
        }
      }
      // Not recorded, without asking the sampler (which would spend the rate cap on it).
      if (!incoming && untraced) incoming = TraceContext::newRoot(/*sampled=*/false);
      span = telemetry::Span(std::string(methodLabel(request.method)), telemetry::SpanKind::kServer,
                             incoming ? &*incoming : nullptr);
      if (span.recording()) {
        span.setAttribute(telemetry::attr::kHttpRequestMethod, std::string(request.method));
        span.setAttribute(telemetry::attr::kUrlPath, request.path);
        span.setAttribute(telemetry::attr::kUrlScheme, "http");
        if (!request.remoteAddress.empty()) span.setAttribute(telemetry::attr::kClientAddress, request.remoteAddress);
        if (auto agent = request.header("User-Agent")) {
          span.setAttribute(telemetry::attr::kUserAgentOriginal, std::string(*agent));
        }
      }
      // Whatever the handler reads or passes on now names this request's span.
      request.traceId = std::string(span.context().traceId());
      request.traceparent = span.context().traceparent();
      request.headers.set(telemetry::kTraceparentHeader, request.traceparent);
      scope.emplace(span.context());
    }
    auto instrumented =
        std::make_shared<InstrumentedResponder>(std::move(responder), shared, request.method, std::move(span));
    try {
      inner(request, instrumented);
    } catch (const std::exception&) {
      // The server answers 500 through its own responder; ours records that when it is released.
      instrumented->exchange().handlerReturned(request.routeTemplate);
      throw;
    }
    instrumented->exchange().handlerReturned(request.routeTemplate);
  };
}

}  // namespace fleetdeck::host
