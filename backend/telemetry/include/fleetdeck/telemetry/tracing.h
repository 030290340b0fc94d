// Spans: timed, attributed operations in a trace, the thread's current trace context (which log
// lines carry as trace_id/span_id), and where finished spans go (a SpanProcessor, e.g. the OTLP exporter).
//
// Attribute names follow the OpenTelemetry semantic conventions; the constants below are the
// ones the fleet uses, so a typo cannot split a dashboard.
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "fleetdeck/telemetry/trace_context.h"

namespace fleetdeck::telemetry {

// OTLP's SpanKind values.
enum class SpanKind : int { kInternal = 1, kServer = 2, kClient = 3, kProducer = 4, kConsumer = 5 };
// OTLP's Status.code values.
enum class SpanStatusCode : int { kUnset = 0, kOk = 1, kError = 2 };

using AttributeValue = std::variant<std::string, int64_t, double, bool>;

struct Attribute {
  std::string key;
  AttributeValue value;
};

// A finished span, as processors and exporters see it.
struct SpanData {
  std::string traceId;       // 32 hex
  std::string spanId;        // 16 hex
  std::string parentSpanId;  // 16 hex, empty for a root
  std::string traceState;
  std::string name;
  SpanKind kind = SpanKind::kInternal;
  int64_t startUnixNanos = 0;
  int64_t endUnixNanos = 0;
  std::vector<Attribute> attributes;
  SpanStatusCode statusCode = SpanStatusCode::kUnset;
  std::string statusMessage;
};

// What every span of this process shares (the OTLP resource).
struct Resource {
  std::string serviceName = "fleetdeck";
  std::string serviceVersion;
  std::string serviceInstanceId;
};

// Receives each span as it ends, on the thread that ended it: must be quick and thread-safe.
class SpanProcessor {
 public:
  virtual ~SpanProcessor() = default;
  virtual void onEnd(SpanData&& span) = 0;
  // Exports what is pending, waiting at most `timeout`.
  virtual void flush(std::chrono::milliseconds timeout) = 0;
};

// The process's resource, set once at start-up (ServiceHost does it) before any span starts.
void setResource(Resource resource);
const Resource& resource();

// Installs where finished spans go; nullptr turns recording off (the default). Spans that already
// started keep going to the processor they started with, so every processor ever installed stays
// alive until the process exits. Returns the previous processor.
std::shared_ptr<SpanProcessor> setSpanProcessor(std::shared_ptr<SpanProcessor> processor);
// True when a processor is installed, i.e. sampled spans are recorded.
bool tracingEnabled();

// Head sampling of the traces this process starts (`[tracing] sample_ratio`, which ServiceHost
// applies): a new root is sampled with this probability (clamped to [0, 1]; 1, the default, samples
// every trace). A span with a parent always follows the parent's sampled flag (W3C traceparent), so
// a trace is recorded whole or not at all across the fleet. Not sampled: ids still propagate (with
// flag 00), nothing is recorded.
void setSampleRatio(double ratio);
double sampleRatio();
// A cap on the new roots sampled per second (`[tracing] max_new_traces_per_second`; 0, the
// default, is no cap), applied after the ratio, with a burst of one second's worth. Like Jaeger's
// rate-limiting sampler: a quiet fleet records every trace, one under load keeps a steady trickle
// instead of paying to record (and then evict) every request. Parents still decide for children.
void setMaxNewTracesPerSecond(double rate);
double maxNewTracesPerSecond();
// The head-sampling decision (ratio, then rate cap) for a trace this process starts, or, at the
// fleet's edge, for one a client's traceparent asks to record (see HttpInstrumentationOptions).
bool sampleNewTrace();

// Longer string attribute values are cut to this many bytes (at a UTF-8 character boundary): they
// come from clients (paths, User-Agent) and the trace store keeps thousands of spans.
inline constexpr size_t kMaxAttributeValueBytes = 256;

// One operation. Move-only; ends (and is handed to the processor) when end() is called or it is
// destroyed. A span that is not recording (tracing off, or its trace not sampled) still has a
// context, so ids keep propagating and logs stay correlated, but attributes cost nothing.
class Span {
 public:
  Span() = default;
  // Starts a span. `parent` null: a new trace; otherwise a child of it (local or remote).
  Span(std::string name, SpanKind kind, const TraceContext* parent);
  ~Span() { end(); }
  Span(Span&& other) noexcept
      : context_(std::move(other.context_)),
        data_(std::exchange(other.data_, std::nullopt)),
        processor_(std::exchange(other.processor_, nullptr)),
        startedAt_(other.startedAt_) {}
  Span& operator=(Span&& other) noexcept;
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;

  const TraceContext& context() const { return context_; }
  bool recording() const { return data_.has_value(); }

  void setName(std::string name);
  void setAttribute(std::string key, AttributeValue value);
  void setAttribute(std::string key, const char* value) { setAttribute(std::move(key), AttributeValue(std::string(value))); }
  void setAttribute(std::string key, std::string value) { setAttribute(std::move(key), AttributeValue(std::move(value))); }
  // Exact overloads, so a double or a pointer never takes the bool conversion.
  void setAttribute(std::string key, double value) { setAttribute(std::move(key), AttributeValue(value)); }
  void setAttribute(std::string key, bool value) { setAttribute(std::move(key), AttributeValue(value)); }
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  void setAttribute(std::string key, T value) {
    setAttribute(std::move(key), AttributeValue(static_cast<int64_t>(value)));
  }
  void setStatus(SpanStatusCode code, std::string message = {});
  // Ends the span now; later calls do nothing.
  void end();

 private:
  TraceContext context_;
  // Inline rather than on the heap: spans are made on every request.
  std::optional<SpanData> data_;
  SpanProcessor* processor_ = nullptr;  // kept alive by setSpanProcessor's registry
  // The end time is start + monotonic elapsed time, so a clock step cannot make a span negative.
  std::chrono::steady_clock::time_point startedAt_;
};

// Starts a span whose parent is the thread's current context (a new trace when there is none).
Span startSpan(std::string name, SpanKind kind = SpanKind::kInternal);

// The trace context this thread currently works under, or nullptr.
const TraceContext* currentContext();

// Makes `context` the thread's current context (and the trace_id/span_id of its log lines) until
// destroyed, then restores what was current before. Scopes nest; keep them on the stack.
class ScopedContext {
 public:
  explicit ScopedContext(const TraceContext& context);
  ~ScopedContext();
  ScopedContext(const ScopedContext&) = delete;
  ScopedContext& operator=(const ScopedContext&) = delete;

 private:
  TraceContext context_;
  const TraceContext* previous_;
};

// Nanoseconds since the Unix epoch, as OTLP wants times.
int64_t unixNanosNow();

// OpenTelemetry semantic-convention attribute names used in the fleet.
namespace attr {
inline constexpr const char* kHttpRequestMethod = "http.request.method";
inline constexpr const char* kHttpRoute = "http.route";
inline constexpr const char* kHttpResponseStatusCode = "http.response.status_code";
inline constexpr const char* kUrlPath = "url.path";
inline constexpr const char* kUrlScheme = "url.scheme";
inline constexpr const char* kServerPort = "server.port";
inline constexpr const char* kClientAddress = "client.address";
inline constexpr const char* kUserAgentOriginal = "user_agent.original";
inline constexpr const char* kRpcSystem = "rpc.system";
inline constexpr const char* kRpcService = "rpc.service";
inline constexpr const char* kRpcMethod = "rpc.method";
inline constexpr const char* kRpcGrpcStatusCode = "rpc.grpc.status_code";
inline constexpr const char* kServerAddress = "server.address";
inline constexpr const char* kDbSystem = "db.system";
inline constexpr const char* kDbName = "db.name";
inline constexpr const char* kDbOperation = "db.operation";
inline constexpr const char* kDbStatement = "db.statement";
inline constexpr const char* kMessagingSystem = "messaging.system";
inline constexpr const char* kMessagingDestinationName = "messaging.destination.name";
inline constexpr const char* kMessagingOperation = "messaging.operation";
inline constexpr const char* kMessagingMessageId = "messaging.message.id";
inline constexpr const char* kErrorType = "error.type";
}  // namespace attr

}  // namespace fleetdeck::telemetry
