#include "fleetdeck/telemetry/tracing.h"

#include <algorithm>
#include <atomic>
#include <mutex>

#include "fleetdeck/core/log.h"

namespace fleetdeck::telemetry {
namespace {

struct TracingState {
  // A plain atomic pointer, read on every span start without a lock or a reference count (an
  // atomic shared_ptr is a spin lock, contended by every thread that starts spans). Processors
  // ever installed are kept alive in `installed` until exit, so a span that started with one may
  // still end into it after it was replaced; processors are installed a handful of times at most.
  std::atomic<SpanProcessor*> processor{nullptr};
  std::mutex mutex;
  std::vector<std::shared_ptr<SpanProcessor>> installed;
  std::shared_ptr<SpanProcessor> current;
  Resource resource;
};

TracingState& state() {
  static TracingState instance;
  return instance;
}

thread_local const TraceContext* currentThreadContext = nullptr;

}  // namespace

int64_t unixNanosNow() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void setResource(Resource resource) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  s.resource = std::move(resource);
}

const Resource& resource() {
  // Set once at start-up before spans exist; readers afterwards see a stable object.
  return state().resource;
}

std::shared_ptr<SpanProcessor> setSpanProcessor(std::shared_ptr<SpanProcessor> processor) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  if (processor && std::find(s.installed.begin(), s.installed.end(), processor) == s.installed.end()) {
    s.installed.push_back(processor);
  }
  s.processor.store(processor.get(), std::memory_order_release);
  std::swap(s.current, processor);
  return processor;
}

bool tracingEnabled() { return state().processor.load(std::memory_order_acquire) != nullptr; }

Span::Span(std::string name, SpanKind kind, const TraceContext* parent)
    : context_(parent != nullptr && parent->valid() ? parent->newChild() : TraceContext::newRoot()) {
  if (!context_.sampled()) return;
  processor_ = state().processor.load(std::memory_order_acquire);
  if (processor_ == nullptr) return;
  startedAt_ = std::chrono::steady_clock::now();
  data_.emplace();
  data_->traceId = context_.traceId();
  data_->spanId = context_.spanId();
  if (parent != nullptr && parent->valid()) data_->parentSpanId = parent->spanId();
  data_->traceState = context_.traceState();
  data_->name = std::move(name);
  data_->kind = kind;
  data_->attributes.reserve(6);  // what HTTP and gRPC spans carry, without regrowing
  data_->startUnixNanos = unixNanosNow();
}

Span& Span::operator=(Span&& other) noexcept {
  if (this != &other) {
    end();
    context_ = std::move(other.context_);
    data_ = std::exchange(other.data_, std::nullopt);
    processor_ = std::exchange(other.processor_, nullptr);
    startedAt_ = other.startedAt_;
  }
  return *this;
}

void Span::setName(std::string name) {
  if (data_) data_->name = std::move(name);
}

void Span::setAttribute(std::string key, AttributeValue value) {
  if (!data_) return;
  for (auto& existing : data_->attributes) {
    if (existing.key == key) {
      existing.value = std::move(value);
      return;
    }
  }
  data_->attributes.push_back({std::move(key), std::move(value)});
}

void Span::setStatus(SpanStatusCode code, std::string message) {
  if (!data_) return;
  data_->statusCode = code;
  // OTLP: the description is only meaningful for errors.
  data_->statusMessage = code == SpanStatusCode::kError ? std::move(message) : std::string();
}

void Span::end() {
  if (!data_) return;
  const auto elapsed = std::chrono::steady_clock::now() - startedAt_;
  data_->endUnixNanos = data_->startUnixNanos + std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count();
  SpanProcessor* processor = std::exchange(processor_, nullptr);
  SpanData data = std::move(*data_);
  data_.reset();
  processor->onEnd(std::move(data));
}

Span startSpan(std::string name, SpanKind kind) { return Span(std::move(name), kind, currentContext()); }

const TraceContext* currentContext() { return currentThreadContext; }

ScopedContext::ScopedContext(const TraceContext& context) : context_(context), previous_(currentThreadContext) {
  if (context_.valid()) {
    currentThreadContext = &context_;
    log::setThreadTraceIds(context_.traceId(), context_.spanId());
  } else {
    currentThreadContext = nullptr;
    log::clearThreadTraceIds();
  }
}

ScopedContext::~ScopedContext() {
  currentThreadContext = previous_;
  if (previous_ != nullptr) {
    log::setThreadTraceIds(previous_->traceId(), previous_->spanId());
  } else {
    log::clearThreadTraceIds();
  }
}

}  // namespace fleetdeck::telemetry
