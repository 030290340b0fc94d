#include "fleetdeck/telemetry/tracing.h"

#include <algorithm>
#include <atomic>
#include <mutex>

#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/log.h"

namespace fleetdeck::telemetry {
namespace {

struct TracingState {
  // A plain atomic pointer, read on every span start without a lock or a reference count (an
  // atomic shared_ptr is a spin lock, contended by every thread that starts spans). Processors
  // ever installed are kept alive in `installed` until exit, so a span that started with one may
  // still end into it after it was replaced; processors are installed a handful of times at most.
  std::atomic<SpanProcessor*> processor{nullptr};
  // A new root is sampled when a uniform 64-bit draw is below this; UINT64_MAX: always.
  std::atomic<uint64_t> sampleThreshold{UINT64_MAX};
  std::atomic<double> sampleRatio{1.0};
  // Rate cap on sampled new roots as a GCRA (the token bucket as one number): a root may be sampled
  // when the theoretical arrival time minus the burst allowance is not in the future, and each one
  // moves it on by `intervalNanos`. intervalNanos 0: no cap. Not resilience::TokenBucket: this runs
  // for every request on every HTTP thread, and one compare-and-swap replaces that bucket's mutex.
  std::atomic<int64_t> intervalNanos{0};
  std::atomic<int64_t> burstNanos{0};
  std::atomic<int64_t> theoreticalArrival{0};
  std::atomic<double> maxPerSecond{0};
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

// The sampling draw of a new root: a cheap per-thread generator (splitmix64) seeded from the
// thread's address and the clock; it decides sampling only and needs no quality beyond uniformity.
uint64_t samplingDraw() {
  thread_local uint64_t seed = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(&seed)) ^
                               static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

bool withinRateCap() {
  auto& s = state();
  const int64_t interval = s.intervalNanos.load(std::memory_order_relaxed);
  if (interval == 0) return true;
  const int64_t burst = s.burstNanos.load(std::memory_order_relaxed);
  const int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
  int64_t arrival = s.theoreticalArrival.load(std::memory_order_relaxed);
  while (true) {
    const int64_t base = std::max(arrival, now);
    if (base - now > burst) return false;
    if (s.theoreticalArrival.compare_exchange_weak(arrival, base + interval, std::memory_order_relaxed)) return true;
  }
}

bool sampleNewRoot() {
  const uint64_t threshold = state().sampleThreshold.load(std::memory_order_relaxed);
  if (threshold != UINT64_MAX && samplingDraw() >= threshold) return false;
  return withinRateCap();
}

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

void setSampleRatio(double ratio) {
  if (!(ratio > 0)) ratio = 0;  // NaN too
  if (ratio > 1) ratio = 1;
  auto& s = state();
  s.sampleRatio.store(ratio, std::memory_order_relaxed);
  // 2^64 * ratio, computed in long double; 1 means every draw, including UINT64_MAX itself.
  const uint64_t threshold =
      ratio >= 1 ? UINT64_MAX : static_cast<uint64_t>(static_cast<long double>(ratio) * 18446744073709551616.0L);
  s.sampleThreshold.store(threshold, std::memory_order_relaxed);
}

double sampleRatio() { return state().sampleRatio.load(std::memory_order_relaxed); }

void setMaxNewTracesPerSecond(double rate) {
  auto& s = state();
  if (!(rate > 0)) rate = 0;  // NaN too
  s.maxPerSecond.store(rate, std::memory_order_relaxed);
  const int64_t interval = rate > 0 ? std::max<int64_t>(1, static_cast<int64_t>(1e9 / rate)) : 0;
  // One second's worth may come at once (at least one), then they are spaced by the interval.
  s.burstNanos.store(rate >= 1 ? 1'000'000'000 - interval : 0, std::memory_order_relaxed);
  s.theoreticalArrival.store(0, std::memory_order_relaxed);
  s.intervalNanos.store(interval, std::memory_order_relaxed);
}

double maxNewTracesPerSecond() { return state().maxPerSecond.load(std::memory_order_relaxed); }

bool sampleNewTrace() { return sampleNewRoot(); }

Span::Span(std::string name, SpanKind kind, const TraceContext* parent)
    : context_(parent != nullptr && parent->valid() ? parent->newChild() : TraceContext::newRoot(sampleNewRoot())) {
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
  if (auto* text = std::get_if<std::string>(&value); text != nullptr && text->size() > kMaxAttributeValueBytes) {
    *text = toValidUtf8(*text, kMaxAttributeValueBytes);
  }
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
