// A built-in OTLP/HTTP JSON trace receiver and a bounded in-memory trace store (the laptop fleet's
// collector), queried in the console's shape. No HTTP here: a host mounts ingestOtlpJson on
// POST /v1/traces and the queries on its admin API.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
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
  // services:[…], error}]}, newest first. `service` empty: any; `limit` 0: 20 (at most 1000).
  std::string listTraces(std::string_view service, double minDurationMs, size_t limit) const;
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

// A SpanProcessor that puts this process's spans straight into a TraceStore.
class TraceStoreProcessor final : public SpanProcessor {
 public:
  explicit TraceStoreProcessor(TraceStore& store) : store_(store) {}
  void onEnd(SpanData&& span) override;
  void flush(std::chrono::milliseconds) override {}

 private:
  TraceStore& store_;
};

}  // namespace fleetdeck::telemetry
