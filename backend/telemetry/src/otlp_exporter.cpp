#include "fleetdeck/telemetry/otlp_exporter.h"

#include <charconv>
#include <cmath>

#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/log.h"
#include "fleetdeck/core/thread_name.h"

#ifndef FLEETDECK_VERSION
#define FLEETDECK_VERSION "0.0.0"
#endif

namespace fleetdeck::telemetry {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

void appendInteger(std::string& out, int64_t value) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

void appendQuoted(std::string& out, std::string_view text) {
  out += '"';
  appendJsonEscaped(out, text);
  out += '"';
}

void appendDouble(std::string& out, double value) {
  // proto3 JSON spells the non-finite values as strings.
  if (std::isnan(value)) {
    out += "\"NaN\"";
  } else if (std::isinf(value)) {
    out += value > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  } else {
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, result.ptr);
  }
}

void appendAnyValue(std::string& out, const AttributeValue& value) {
  out += '{';
  std::visit(
      [&out](const auto& held) {
        using T = std::decay_t<decltype(held)>;
        if constexpr (std::is_same_v<T, std::string>) {
          out += "\"stringValue\":";
          appendQuoted(out, held);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          // int64 is a decimal string in proto3 JSON.
          out += "\"intValue\":\"";
          appendInteger(out, held);
          out += '"';
        } else if constexpr (std::is_same_v<T, double>) {
          out += "\"doubleValue\":";
          appendDouble(out, held);
        } else {
          out += held ? "\"boolValue\":true" : "\"boolValue\":false";
        }
      },
      value);
  out += '}';
}

void appendKeyValue(std::string& out, std::string_view key, const AttributeValue& value) {
  out += "{\"key\":";
  appendQuoted(out, key);
  out += ",\"value\":";
  appendAnyValue(out, value);
  out += '}';
}

void appendSpan(std::string& out, const SpanData& span) {
  // Ids are validated lower-case hex and the keys are constants: neither needs escaping.
  out += "{\"traceId\":\"";
  out += span.traceId;
  out += "\",\"spanId\":\"";
  out += span.spanId;
  out += '"';
  if (!span.parentSpanId.empty()) {
    out += ",\"parentSpanId\":\"";
    out += span.parentSpanId;
    out += '"';
  }
  if (!span.traceState.empty()) {
    out += ",\"traceState\":";
    appendQuoted(out, span.traceState);
  }
  out += ",\"name\":";
  appendQuoted(out, span.name);
  out += ",\"kind\":";
  out += static_cast<char>('0' + static_cast<int>(span.kind));
  out += ",\"startTimeUnixNano\":\"";
  appendInteger(out, span.startUnixNanos);
  out += "\",\"endTimeUnixNano\":\"";
  appendInteger(out, span.endUnixNanos);
  out += "\",\"attributes\":[";
  for (size_t i = 0; i < span.attributes.size(); ++i) {
    if (i > 0) out += ',';
    appendKeyValue(out, span.attributes[i].key, span.attributes[i].value);
  }
  out += ']';
  if (span.statusCode != SpanStatusCode::kUnset) {
    out += ",\"status\":{\"code\":";
    out += static_cast<char>('0' + static_cast<int>(span.statusCode));
    if (!span.statusMessage.empty()) {
      out += ",\"message\":";
      appendQuoted(out, span.statusMessage);
    }
    out += '}';
  }
  out += '}';
}

}  // namespace

void appendJsonEscaped(std::string& out, std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    // Runs of plain printable ASCII (nearly everything) are copied in one go.
    size_t plain = i;
    while (plain < text.size()) {
      const unsigned char c = static_cast<unsigned char>(text[plain]);
      if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
      ++plain;
    }
    if (plain > i) {
      out.append(text.data() + i, plain - i);
      i = plain;
      continue;
    }
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          if (c < 0x20) {
            out += "\\u00";
            out += kHexDigits[c >> 4];
            out += kHexDigits[c & 0xf];
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    const size_t length = utf8CharLength(text, i);
    if (length == 0) {
      out += "\\ufffd";
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
}

namespace {

// Everything of an ExportTraceServiceRequest before the first span.
std::string envelopeStart(const Resource& resource) {
  std::string out = "{\"resourceSpans\":[{\"resource\":{\"attributes\":[";
  appendKeyValue(out, "service.name", resource.serviceName);
  if (!resource.serviceVersion.empty()) {
    out += ',';
    appendKeyValue(out, "service.version", resource.serviceVersion);
  }
  if (!resource.serviceInstanceId.empty()) {
    out += ',';
    appendKeyValue(out, "service.instance.id", resource.serviceInstanceId);
  }
  out += ',';
  appendKeyValue(out, "telemetry.sdk.name", std::string("fleetdeck"));
  out += ',';
  appendKeyValue(out, "telemetry.sdk.language", std::string("cpp"));
  out += ',';
  appendKeyValue(out, "telemetry.sdk.version", std::string(FLEETDECK_VERSION));
  out += "]},\"scopeSpans\":[{\"scope\":{\"name\":\"fleetdeck\",\"version\":\"" FLEETDECK_VERSION "\"},\"spans\":[";
  return out;
}

constexpr std::string_view kEnvelopeEnd = "]}]}]}";

}  // namespace

std::string toOtlpJson(const Resource& resource, const std::vector<SpanData>& spans) {
  std::string out = envelopeStart(resource);
  out.reserve(out.size() + spans.size() * 512 + kEnvelopeEnd.size());
  for (size_t i = 0; i < spans.size(); ++i) {
    if (i > 0) out += ',';
    appendSpan(out, spans[i]);
  }
  out += kEnvelopeEnd;
  return out;
}

std::string otlpTracesUrl(std::string_view endpoint, bool isTracesUrl) {
  std::string url(endpoint);
  if (isTracesUrl) return url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + "/v1/traces";
}

BatchSpanExporter::BatchSpanExporter(OtlpTransport transport, OtlpExporterOptions options, Registry& registry)
    : transport_(std::move(transport)),
      options_(options),
      exportedCounter_(registry.counter("telemetry_spans_exported_total", "Spans sent to the OTLP collector.")
                           .labels({})),
      droppedQueueFull_(registry
                            .counter("telemetry_spans_dropped_total",
                                     "Spans lost before export, by reason (queue_full, export_failed, shutdown).",
                                     {"reason"})
                            .labels({"queue_full"})),
      droppedExportFailed_(registry.counter("telemetry_spans_dropped_total", "", {"reason"}).labels({"export_failed"})),
      droppedShutdown_(registry.counter("telemetry_spans_dropped_total", "", {"reason"}).labels({"shutdown"})) {
  envelopeStart_ = envelopeStart(resource());
  if (options_.maxQueueSpans == 0) options_.maxQueueSpans = 1;
  if (options_.maxBatchSpans == 0) options_.maxBatchSpans = 1;
  thread_ = namedThread("otlp-export", [this] { run(); });
}

BatchSpanExporter::~BatchSpanExporter() { shutdown(std::chrono::milliseconds(2000)); }

void BatchSpanExporter::onEnd(SpanData&& span) {
  // Serialised here, on the thread that ended the span: the span's many small strings are freed
  // where they were allocated, and only one string crosses to the exporter's thread.
  std::string json;
  json.reserve(512);
  appendSpan(json, span);
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      ++stats_.droppedAfterShutdown;
      droppedShutdown_.inc();
      return;
    }
    if (queue_.size() >= options_.maxQueueSpans) {
      // Newer spans are worth more to someone debugging now than the oldest ones.
      queue_.pop_front();
      ++stats_.droppedQueueFull;
      droppedQueueFull_.inc();
    }
    queue_.push_back(std::move(json));
    wake = queue_.size() == options_.maxBatchSpans;
  }
  if (wake) wake_.notify_one();
}

void BatchSpanExporter::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (exited_) return;
  const uint64_t ticket = ++flushRequested_;
  wake_.notify_one();
  flushed_.wait_for(lock, timeout, [&] { return flushDone_ >= ticket || exited_; });
}

void BatchSpanExporter::shutdown(std::chrono::milliseconds timeout) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    stopDeadline_ = std::chrono::steady_clock::now() + timeout;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

BatchSpanExporter::Stats BatchSpanExporter::stats() const {
  std::lock_guard lock(mutex_);
  Stats copy = stats_;
  copy.queued = queue_.size();
  return copy;
}

void BatchSpanExporter::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait_for(lock, options_.scheduleDelay, [&] {
      return stopping_ || queue_.size() >= options_.maxBatchSpans || flushRequested_ > flushDone_;
    });
    if (stopping_ && std::chrono::steady_clock::now() >= stopDeadline_ && !queue_.empty()) {
      // Out of shutdown budget (collector slow or gone): what is left is lost, but counted.
      stats_.droppedAfterShutdown += queue_.size();
      droppedShutdown_.inc(static_cast<double>(queue_.size()));
      queue_.clear();
    }
    if (queue_.empty()) {
      flushDone_ = flushRequested_;
      flushed_.notify_all();
      if (stopping_) break;
      continue;
    }
    std::vector<std::string> batch;
    const size_t count = std::min(queue_.size(), options_.maxBatchSpans);
    batch.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    exportBatch(batch);
    lock.lock();
  }
  exited_ = true;
  flushed_.notify_all();
}

void BatchSpanExporter::exportBatch(std::vector<std::string>& batch) {
  size_t bytes = envelopeStart_.size() + kEnvelopeEnd.size();
  for (const auto& span : batch) bytes += span.size() + 1;
  std::string body;
  body.reserve(bytes);
  body += envelopeStart_;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (i > 0) body += ',';
    body += batch[i];
  }
  body += kEnvelopeEnd;
  Status status;
  try {
    status = transport_(body);
  } catch (const std::exception& exception) {
    status = internalError(std::string("OTLP transport threw: ") + exception.what());
  }
  const bool wasFailing = failing_;
  failing_ = !status.isOk();
  if (status.isOk()) {
    exportedCounter_.inc(static_cast<double>(batch.size()));
    if (wasFailing) log::info("span export recovered");
  } else {
    droppedExportFailed_.inc(static_cast<double>(batch.size()));
    // One line when exporting starts failing, not one per batch: the counter tells the rest.
    if (!wasFailing) {
      log::warn("span export failed; spans are dropped until the collector answers",
                {{"error", status.toString()}, {"spans", batch.size()}});
    }
  }
  std::lock_guard lock(mutex_);
  if (status.isOk()) {
    stats_.exported += batch.size();
  } else {
    stats_.droppedExportFailed += batch.size();
  }
}

}  // namespace fleetdeck::telemetry
