// Export of finished spans as OTLP/HTTP JSON (POST {endpoint}/v1/traces): a bounded queue, batches
// sent by one background thread, the oldest spans dropped (and counted) when the queue is full.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fleetdeck/core/status.h"
#include "fleetdeck/telemetry/metrics.h"
#include "fleetdeck/telemetry/tracing.h"

namespace fleetdeck::telemetry {

// An ExportTraceServiceRequest in the OTLP JSON mapping: resourceSpans / scopeSpans / spans, ids
// as lower-case hex, times as decimal strings of Unix nanoseconds, enums as integers.
std::string toOtlpJson(const Resource& resource, const std::vector<SpanData>& spans);

// Escapes `text` as the inside of a JSON string; invalid UTF-8 becomes U+FFFD.
void appendJsonEscaped(std::string& out, std::string_view text);

struct OtlpExporterOptions {
  // Spans waiting for export; beyond it the oldest are dropped (telemetry_spans_dropped_total).
  size_t maxQueueSpans = 2048;
  // Spans per request.
  size_t maxBatchSpans = 512;
  // How long a span may wait for a batch to fill before it is sent anyway.
  std::chrono::milliseconds scheduleDelay{1000};
};

// Sends one request body (JSON) to the collector; OK when it answered 2xx. Called only from the
// exporter's thread, so it may keep a connection.
using OtlpTransport = std::function<Status(const std::string& body)>;

// "http://host:4318" (OTEL_EXPORTER_OTLP_ENDPOINT) -> "http://host:4318/v1/traces". A full traces
// URL (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is used as it is: pass `isTracesUrl`.
std::string otlpTracesUrl(std::string_view endpoint, bool isTracesUrl = false);

// Takes the process's resource (setResource) as it is when constructed.
class BatchSpanExporter final : public SpanProcessor {
 public:
  BatchSpanExporter(OtlpTransport transport, OtlpExporterOptions options = {},
                    Registry& registry = defaultRegistry());
  // Shuts down with a short flush (see shutdown()).
  ~BatchSpanExporter() override;
  BatchSpanExporter(const BatchSpanExporter&) = delete;
  BatchSpanExporter& operator=(const BatchSpanExporter&) = delete;

  void onEnd(SpanData&& span) override;
  // Sends everything queued so far; returns when done or after `timeout`.
  void flush(std::chrono::milliseconds timeout) override;
  // Sends what is queued for at most `timeout`, drops the rest, and stops the thread. Spans that
  // end afterwards are dropped. Idempotent.
  void shutdown(std::chrono::milliseconds timeout);

  struct Stats {
    uint64_t exported = 0;
    uint64_t droppedQueueFull = 0;
    uint64_t droppedExportFailed = 0;
    uint64_t droppedAfterShutdown = 0;
    size_t queued = 0;
  };
  Stats stats() const;

 private:
  void run();
  void exportBatch(std::vector<std::string>& batch);

  OtlpTransport transport_;
  OtlpExporterOptions options_;
  Counter& exportedCounter_;
  Counter& droppedQueueFull_;
  Counter& droppedExportFailed_;
  Counter& droppedShutdown_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable flushed_;
  std::string envelopeStart_;    // the resource is fixed when the exporter is made
  std::deque<std::string> queue_;  // spans already in OTLP JSON
  uint64_t flushRequested_ = 0;
  uint64_t flushDone_ = 0;
  bool stopping_ = false;
  bool exited_ = false;
  std::chrono::steady_clock::time_point stopDeadline_;
  bool failing_ = false;  // last export failed: log again only on recovery
  Stats stats_;
  std::thread thread_;
};

}  // namespace fleetdeck::telemetry
