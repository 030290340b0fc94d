#include "fleetdeck/rpc/interceptors.h"

#include <array>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "fleetdeck/core/status.h"
#include "fleetdeck/rpc/client_call_telemetry.h"
#include "fleetdeck/rpc/detail/server_call_telemetry.h"
#include "fleetdeck/telemetry/request_metrics.h"
#include "fleetdeck/telemetry/tracing.h"

namespace fleetdeck::rpc {
namespace {

using grpc::experimental::InterceptionHookPoints;
using telemetry::attr::kRpcGrpcStatusCode;
using telemetry::attr::kRpcMethod;
using telemetry::attr::kRpcService;
using telemetry::attr::kRpcSystem;

constexpr size_t kCodeCount = 17;  // OK .. UNAUTHENTICATED
// A client sending made-up method names must not grow the series without bound.
constexpr size_t kMaxMethods = 512;

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

size_t codeIndex(grpc::StatusCode code) {
  const auto index = static_cast<size_t>(code);
  return index < kCodeCount ? index : static_cast<size_t>(grpc::StatusCode::UNKNOWN);
}

// Health checks and reflection are the platform's own traffic: measured, but neither traced nor
// counted as the service's requests.
bool isPlatformService(std::string_view service) {
  return service == "grpc.health.v1.Health" || service.starts_with("grpc.reflection.");
}

}  // namespace

namespace detail {

// The metrics of one method, with the children looked up once and cached per status code.
struct MethodMetrics {
  std::string fullName;  // "/package.Service/Method", as gRPC names it
  std::string service;
  std::string method;
  std::string spanName;  // "package.Service/Method"
  bool platform = false;
  telemetry::CounterFamily* handledFamily = nullptr;
  telemetry::Histogram* duration = nullptr;
  std::array<std::atomic<telemetry::Counter*>, kCodeCount> handled{};

  telemetry::Counter& handledFor(grpc::StatusCode code) {
    auto& slot = handled[codeIndex(code)];
    telemetry::Counter* counter = slot.load(std::memory_order_acquire);
    if (counter == nullptr) {
      counter = &handledFamily->labels(
          {service, method, std::string(statusCodeName(static_cast<StatusCode>(codeIndex(code))))});
      slot.store(counter, std::memory_order_release);
    }
    return *counter;
  }
};

// One side's (server or client) metric families and its MethodMetrics by full method name.
class MethodMetricsCache {
 public:
  MethodMetricsCache(telemetry::Registry& registry, const std::string& side)
      : handled_(registry.counter("grpc_" + side + "_handled_total",
                                  "gRPC calls completed (" + side + " side), by service, method and status code.",
                                  {"grpc_service", "grpc_method", "grpc_code"})),
        duration_(registry.histogram("grpc_" + side + "_handling_seconds",
                                     "Time from the start of a gRPC call to its status (" + side + " side).",
                                     {"grpc_service", "grpc_method"})) {}

  // For callers whose name string is not stable (a copy per call): the locked lookup only.
  MethodMetrics& forName(const std::string& fullMethod) { return lookUp(fullMethod.c_str(), /*remember=*/false); }

  MethodMetrics& forMethod(const char* fullMethod) {
    // Fast path without a lock: generated stubs and services name a method by the same static
    // string on every call, so its address finds it. The name is compared too, because a generic
    // call may pass a string whose memory later holds another name.
    if (fullMethod != nullptr) {
      const size_t start = (reinterpret_cast<uintptr_t>(fullMethod) >> 4) % kSlots;
      for (size_t probe = 0; probe < kSlots; ++probe) {
        const Slot& slot = slots_[(start + probe) % kSlots];
        const char* key = slot.key.load(std::memory_order_acquire);
        if (key == nullptr) break;
        if (key == fullMethod) {
          MethodMetrics* entry = slot.value.load(std::memory_order_acquire);
          if (entry->fullName == fullMethod) return *entry;
          break;
        }
      }
    }
    return lookUp(fullMethod);
  }

 private:
  static constexpr size_t kSlots = 128;
  struct Slot {
    std::atomic<const char*> key{nullptr};
    std::atomic<MethodMetrics*> value{nullptr};
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>()(text); }
  };

  MethodMetrics& lookUp(const char* fullMethod, bool rememberAddress = true) {
    const std::string_view name = fullMethod != nullptr ? fullMethod : "";
    std::lock_guard lock(mutex_);
    MethodMetrics* entry = nullptr;
    if (auto found = methods_.find(name); found != methods_.end()) {
      entry = found->second.get();
    } else if (methods_.size() >= kMaxMethods) {
      if (!other_) other_ = create("other/other");
      return *other_;  // made-up names are neither stored nor remembered by address
    } else {
      auto created = create(name);
      entry = created.get();
      methods_.emplace(std::string(name), std::move(created));
    }
    if (rememberAddress) remember(fullMethod, entry);
    return *entry;
  }

  std::unique_ptr<MethodMetrics> create(std::string_view name) {
    auto entry = std::make_unique<MethodMetrics>();
    entry->fullName = std::string(name);
    // "/package.Service/Method"
    const std::string_view trimmed = name.starts_with('/') ? name.substr(1) : name;
    const size_t slash = trimmed.rfind('/');
    if (slash == std::string_view::npos) {
      entry->service = "unknown";
      entry->method = std::string(trimmed);
    } else {
      entry->service = std::string(trimmed.substr(0, slash));
      entry->method = std::string(trimmed.substr(slash + 1));
    }
    entry->spanName = entry->service + "/" + entry->method;
    entry->platform = isPlatformService(entry->service);
    entry->handledFamily = &handled_;
    entry->duration = &duration_.labels({entry->service, entry->method});
    return entry;
  }

  // Caller holds mutex_. The value is published before the key, so a reader that sees the key
  // sees the value; a full table just leaves later methods on the locked path.
  void remember(const char* fullMethod, MethodMetrics* entry) {
    if (fullMethod == nullptr) return;
    const size_t start = (reinterpret_cast<uintptr_t>(fullMethod) >> 4) % kSlots;
    for (size_t probe = 0; probe < kSlots; ++probe) {
      Slot& slot = slots_[(start + probe) % kSlots];
      const char* key = slot.key.load(std::memory_order_relaxed);
      if (key == fullMethod) return;
      if (key == nullptr) {
        slot.value.store(entry, std::memory_order_release);
        slot.key.store(fullMethod, std::memory_order_release);
        return;
      }
    }
  }

  telemetry::CounterFamily& handled_;
  telemetry::HistogramFamily& duration_;
  std::array<Slot, kSlots> slots_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::unique_ptr<MethodMetrics>, Hash, std::equal_to<>> methods_;
  std::unique_ptr<MethodMetrics> other_;
};

}  // namespace detail

namespace {

using detail::MethodMetrics;
using detail::MethodMetricsCache;

std::string_view metadataValue(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                               std::string_view key) {
  auto found = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (found == metadata.end()) return {};
  return {found->second.data(), found->second.size()};
}

// ---- client ----

// One outgoing call's metrics and CLIENT span: what the channel interceptor and ClientCallTelemetry
// (calls made without a channel) both record.
class ClientCallRecord {
 public:
  explicit ClientCallRecord(MethodMetrics& metrics) : metrics_(metrics), started_(std::chrono::steady_clock::now()) {
    // Created on the thread that starts the call, where its context is current.
    if (const auto* current = telemetry::currentContext()) parent_ = *current;
  }

  // Starts the span. Its parent: the context current at creation, else the traceparent the caller
  // set by hand (rpc::propagate from a stored context, the gateway's request), else none: the call
  // starts a trace. False for the platform's calls (health, reflection): measured, not traced.
  bool startSpan(std::string_view traceparent, std::string_view tracestate) {
    if (!parent_) parent_ = telemetry::TraceContext::parse(traceparent, tracestate);
    if (metrics_.platform) return false;
    span_ = telemetry::Span(metrics_.spanName, telemetry::SpanKind::kClient, parent_ ? &*parent_ : nullptr);
    if (span_.recording()) {
      span_.setAttribute(kRpcSystem, "grpc");
      span_.setAttribute(kRpcService, metrics_.service);
      span_.setAttribute(kRpcMethod, metrics_.method);
    }
    return true;
  }
  const telemetry::Span& span() const { return span_; }

  // Counts the call and ends the span, once.
  void finish(grpc::StatusCode code, std::string_view message) {
    if (finished_) return;
    finished_ = true;
    metrics_.handledFor(code).inc();
    metrics_.duration->observe(secondsSince(started_));
    if (span_.recording()) {
      span_.setAttribute(kRpcGrpcStatusCode, static_cast<int64_t>(code));
      // A client span is an error for any non-OK status (OpenTelemetry's gRPC conventions).
      if (code != grpc::StatusCode::OK) span_.setStatus(telemetry::SpanStatusCode::kError, std::string(message));
    }
    span_.end();
  }
  bool finished() const { return finished_; }

 private:
  MethodMetrics& metrics_;
  std::chrono::steady_clock::time_point started_;
  std::optional<telemetry::TraceContext> parent_;
  telemetry::Span span_;
  bool finished_ = false;
};

class ClientTelemetryInterceptor final : public grpc::experimental::Interceptor {
 public:
  ClientTelemetryInterceptor(grpc::experimental::ClientRpcInfo* info, MethodMetricsCache& cache)
      : call_(cache.forMethod(info->method())) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      startSpan(*methods->GetSendInitialMetadata());
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_STATUS)) {
      const grpc::Status* status = methods->GetRecvStatus();
      call_.finish(status != nullptr ? status->error_code() : grpc::StatusCode::UNKNOWN,
                   status != nullptr ? status->error_message() : std::string());
    }
    methods->Proceed();
  }

 private:
  // The span's context replaces whatever traceparent the caller set.
  void startSpan(std::multimap<std::string, std::string>& metadata) {
    std::string_view traceparent;
    std::string_view tracestate;
    if (auto found = metadata.find(telemetry::kTraceparentHeader); found != metadata.end()) traceparent = found->second;
    if (auto found = metadata.find(telemetry::kTracestateHeader); found != metadata.end()) tracestate = found->second;
    if (!call_.startSpan(traceparent, tracestate)) return;
    const auto& context = call_.span().context();
    auto [first, last] = metadata.equal_range(telemetry::kTraceparentHeader);
    if (first == last) {
      metadata.emplace(telemetry::kTraceparentHeader, context.traceparent());
    } else {
      first->second = context.traceparent();
      metadata.erase(std::next(first), last);
    }
    if (!context.traceState().empty() && !metadata.contains(telemetry::kTracestateHeader)) {
      metadata.emplace(telemetry::kTracestateHeader, context.traceState());
    }
  }

  ClientCallRecord call_;
};

class ClientTelemetryFactory final : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit ClientTelemetryFactory(telemetry::Registry& registry) : cache_(registry, "client") {}
  grpc::experimental::Interceptor* CreateClientInterceptor(grpc::experimental::ClientRpcInfo* info) override {
    return new ClientTelemetryInterceptor(info, cache_);
  }

 private:
  MethodMetricsCache cache_;
};

// The process-wide client-side cache ClientCallTelemetry records into (the default registry).
MethodMetricsCache& clientCallCache() {
  static MethodMetricsCache cache(telemetry::defaultRegistry(), "client");
  return cache;
}

}  // namespace

struct ClientCallTelemetry::State {
  explicit State(MethodMetrics& metrics) : call(metrics) {}
  ClientCallRecord call;
  std::string traceparent;
};

ClientCallTelemetry::ClientCallTelemetry(const std::string& fullMethod, std::string_view traceparent)
    // By name, not by address: the caller's string is usually a copy made for this call.
    : state_(std::make_unique<State>(clientCallCache().forName(fullMethod))) {
  state_->traceparent = state_->call.startSpan(traceparent, {}) ? state_->call.span().context().traceparent()
                                                                 : std::string(traceparent);
}

ClientCallTelemetry::~ClientCallTelemetry() {
  if (state_ && !state_->call.finished()) finish(StatusCode::kCancelled, "call ended without a status");
}

ClientCallTelemetry::ClientCallTelemetry(ClientCallTelemetry&&) noexcept = default;
ClientCallTelemetry& ClientCallTelemetry::operator=(ClientCallTelemetry&&) noexcept = default;

const std::string& ClientCallTelemetry::traceparent() const {
  static const std::string kNone;
  return state_ ? state_->traceparent : kNone;  // moved-from: nothing to send
}

void ClientCallTelemetry::finish(StatusCode code, std::string_view message) {
  if (state_) state_->call.finish(static_cast<grpc::StatusCode>(code), message);
}

std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface> makeClientTelemetryInterceptorFactory(
    telemetry::Registry& registry) {
  return std::make_unique<ClientTelemetryFactory>(registry);
}

// ---- server ----

namespace detail {

struct ServerTelemetry::Families {
  explicit Families(telemetry::Registry& registry)
      : methods(registry, "server"), serviceRequests(registry, telemetry::resource().serviceName, "grpc") {}
  MethodMetricsCache methods;
  telemetry::ServiceRequestMetrics serviceRequests;
};

ServerTelemetry::ServerTelemetry(telemetry::Registry& registry) : families_(std::make_unique<Families>(registry)) {}
ServerTelemetry::~ServerTelemetry() = default;

MethodMetrics& ServerTelemetry::method(const std::string& fullName) { return families_->methods.forName(fullName); }
MethodMetrics& ServerTelemetry::calledAs(const std::string& fullName) { return families_->methods.forName(fullName); }

ServerCallRecord::~ServerCallRecord() {
  if (method_ != nullptr && !finished_) finish(grpc::StatusCode::CANCELLED, "call ended without a status");
}

void ServerCallRecord::start(ServerTelemetry& telemetry, MethodMetrics& method,
                             std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
  telemetry_ = &telemetry;
  method_ = &method;
  started_ = std::chrono::steady_clock::now();
  if (method.platform) return;
  const auto incoming = telemetry::TraceContext::parse(metadataValue(metadata, telemetry::kTraceparentHeader),
                                                       metadataValue(metadata, telemetry::kTracestateHeader));
  span_ = telemetry::Span(method.spanName, telemetry::SpanKind::kServer, incoming ? &*incoming : nullptr);
  if (span_.recording()) {
    span_.setAttribute(kRpcSystem, "grpc");
    span_.setAttribute(kRpcService, method.service);
    span_.setAttribute(kRpcMethod, method.method);
  }
  traceparent_ = span_.context().traceparent();
  auto [first, last] = metadata.equal_range(grpc::string_ref(telemetry::kTraceparentHeader));
  if (first == last) {
    metadata.emplace(grpc::string_ref(telemetry::kTraceparentHeader), grpc::string_ref(traceparent_));
  } else {
    first->second = grpc::string_ref(traceparent_);
    metadata.erase(std::next(first), last);
  }
}

void ServerCallRecord::finish(grpc::StatusCode code, const std::string& message) {
  if (method_ == nullptr || finished_) return;
  finished_ = true;
  const double seconds = secondsSince(started_);
  method_->handledFor(code).inc();
  method_->duration->observe(seconds);
  const bool fault = isServerFault(code);
  if (!method_->platform) telemetry_->families_->serviceRequests.record(fault, seconds);
  if (span_.recording()) {
    span_.setAttribute(kRpcGrpcStatusCode, static_cast<int64_t>(code));
    if (fault) span_.setStatus(telemetry::SpanStatusCode::kError, message);
  }
  span_.end();
}

}  // namespace detail

std::optional<telemetry::TraceContext> traceContextOf(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  return telemetry::TraceContext::parse(metadataValue(metadata, telemetry::kTraceparentHeader),
                                        metadataValue(metadata, telemetry::kTracestateHeader));
}

bool isServerFault(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::UNIMPLEMENTED:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DATA_LOSS:
      return true;
    default:
      return false;
  }
}

}  // namespace fleetdeck::rpc
