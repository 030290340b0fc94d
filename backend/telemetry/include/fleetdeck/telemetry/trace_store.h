// A built-in OTLP/HTTP JSON trace receiver and a bounded in-memory trace store (the laptop fleet's
// collector), queried in the console's shape. No HTTP here: a host mounts ingestOtlpJson on
// POST /v1/traces and the queries on its admin API.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "fleetdeck/core/status.h"
#include "fleetdeck/telemetry/metrics.h"
#include "fleetdeck/telemetry/tracing.h"

namespace fleetdeck::telemetry {

struct TraceStoreOptions {
  // Bounds: when either is exceeded, the least recently updated traces are evicted whole.
  size_t maxSpans = 10'000;
  size_t maxTraces = 2'000;
  // One runaway trace may not push everything else out; spans beyond it are rejected.
  size_t maxSpansPerTrace = 1'000;
};

// What one OTLP request did: OTLP's partial success reports `rejected` and the first reason.
struct IngestSummary {
  size_t accepted = 0;
  size_t rejected = 0;
  std::string firstError;
};

// Which traces a list shows. Empty strings: any.
struct TraceListQuery {
  std::string_view service;   // a trace with a span of this service
  std::string_view rootName;  // a trace whose root span has this name ("POST /api/v1/orders")
  double minDurationMs = 0;
  size_t limit = 0;  // 0: 20; at most 1000
};

class TraceStore {
 public:
  explicit TraceStore(TraceStoreOptions options = {}, Registry& registry = defaultRegistry());

  // Stores the spans of an OTLP/HTTP JSON ExportTraceServiceRequest. INVALID_ARGUMENT, naming the
  // field, when the body is not one; a span that is invalid on its own (bad id, times) is
  // rejected and counted while the others are stored.
  Result<IngestSummary> ingestOtlpJson(std::string_view body);
  // Stores spans of this process directly, without a round trip through HTTP and JSON.
  void add(const Resource& resource, const std::vector<SpanData>& spans);

  // {"traces":[{traceId, rootService, rootName, startTimeUnixNano, durationMs, spanCount,
  // services:[…], error}]} of the traces `query` selects, newest first. The root is the earliest
  // span whose parent is not stored here (the true root, or the first orphan of a partial trace).
  std::string listTraces(const TraceListQuery& query) const;
  // {traceId, spans:[{spanId, parentSpanId, service, name, kind, startTimeUnixNano,
  // endTimeUnixNano, attributes:{…}, status, statusMessage}]} sorted by start time.
  // INVALID_ARGUMENT for a malformed id, NOT_FOUND when the trace is not (or no longer) stored.
  Result<std::string> getTrace(std::string_view traceId) const;

  size_t spanCount() const;
  size_t traceCount() const;

 private:
  struct StoredSpan {
    std::string spanId;
    std::string parentSpanId;
    std::string service;
    std::string name;
    int kind = 0;
    uint64_t startUnixNanos = 0;
    uint64_t endUnixNanos = 0;
    boost::json::object attributes;
    int statusCode = 0;
    std::string statusMessage;
  };
  struct Trace {
    std::vector<StoredSpan> spans;
    std::list<std::string>::iterator position;  // in recency_
  };

  // Caller holds mutex_. False when the trace is full or the span is a duplicate.
  bool insertLocked(const std::string& traceId, StoredSpan span);
  void evictLocked();
  void updateGaugesLocked();

  TraceStoreOptions options_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Trace> traces_;
  std::list<std::string> recency_;  // least recently updated first
  size_t spanCount_ = 0;
  Counter& accepted_;
  Counter& rejected_;
  Counter& evicted_;
  Gauge& spansGauge_;
  Gauge& tracesGauge_;
};

struct TraceStoreProcessorOptions {
  // Spans waiting to be stored; a span that ends while the queue is full is dropped and counted
  // (telemetry_spans_dropped_total{reason="queue_full"}): the request thread never waits.
  size_t maxQueueSpans = 8192;
  // The background thread is woken early once this many spans wait.
  size_t maxBatchSpans = 256;
  // How long a span may wait before it is stored anyway (how soon the console sees it).
  std::chrono::milliseconds scheduleDelay{100};
};

// A SpanProcessor that puts this process's spans into a TraceStore. The thread that ends a span
// only moves it into a bounded queue (one short lock, no wake-up until a batch is full); one
// background thread stores the queue in batches, so the store's lock, its conversions and its
// evictions stay off the request path.
class TraceStoreProcessor final : public SpanProcessor {
 public:
  explicit TraceStoreProcessor(TraceStore& store, TraceStoreProcessorOptions options = {},
                               Registry& registry = defaultRegistry());
  // Stores what is queued and stops (see shutdown()).
  ~TraceStoreProcessor() override;
  TraceStoreProcessor(const TraceStoreProcessor&) = delete;
  TraceStoreProcessor& operator=(const TraceStoreProcessor&) = delete;

  void onEnd(SpanData&& span) override;
  // Stores everything queued so far; returns when done or after `timeout`.
  void flush(std::chrono::milliseconds timeout) override;
  // Stores what is queued, then stops the thread; spans that end afterwards are dropped (counted
  // as reason="shutdown") and the store is never touched again, so it may then go. Idempotent.
  void shutdown();

  struct Stats {
    uint64_t stored = 0;  // handed to the store (it may still reject a duplicate or an overfull trace)
    uint64_t droppedQueueFull = 0;
    uint64_t droppedAfterShutdown = 0;
    size_t queued = 0;
  };
  Stats stats() const;

 private:
  void run();

  TraceStore& store_;
  TraceStoreProcessorOptions options_;
  Counter& droppedQueueFull_;
  Counter& droppedShutdown_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable flushed_;
  std::vector<SpanData> queue_;
  uint64_t flushRequested_ = 0;
  uint64_t flushDone_ = 0;
  bool stopping_ = false;
  bool exited_ = false;
  Stats stats_;
  std::thread thread_;
};

}  // namespace fleetdeck::telemetry
