#include "fleetdeck/telemetry/trace_store.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/json.h"
#include "fleetdeck/core/thread_name.h"

namespace fleetdeck::telemetry {
namespace {

namespace bj = boost::json;

constexpr size_t kDefaultListLimit = 20;
constexpr size_t kMaxListLimit = 1000;

// What one span may hold, whoever sent it: the store's bounds count spans, so a span's own size must
// be bounded too (an exporter on the admin port could otherwise send 8 MiB attributes until the
// gateway runs out of memory). Beyond these, text is cut and further entries are dropped.
constexpr size_t kMaxNameBytes = 256;               // span name, service name, status message
constexpr size_t kMaxKeyBytes = 128;                // attribute keys
constexpr size_t kMaxAttributesPerSpan = 64;
constexpr size_t kMaxValuesPerList = 32;            // elements of an arrayValue / kvlistValue
constexpr size_t kMaxValueBytes = kMaxAttributeValueBytes;


std::string_view kindName(int kind) {
  switch (kind) {
    case 1: return "INTERNAL";
    case 2: return "SERVER";
    case 3: return "CLIENT";
    case 4: return "PRODUCER";
    case 5: return "CONSUMER";
    default: return "UNSPECIFIED";
  }
}

std::string_view statusName(int code) {
  switch (code) {
    case 1: return "OK";
    case 2: return "ERROR";
    default: return "UNSET";
  }
}

// OTLP says hex; Go's decoder (the collector's) also takes upper case, so we do and normalise.
std::optional<std::string> normalisedHexId(const bj::value& value, size_t size) {
  if (!value.is_string()) return std::nullopt;
  std::string text(value.as_string());
  for (char& c : text) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  if (!isValidHexId(text, size)) return std::nullopt;
  return text;
}

// A uint64 carried as a JSON string (proto3 JSON) or number.
std::optional<uint64_t> unsignedField(const bj::value& value) {
  if (value.is_uint64()) return value.as_uint64();
  if (value.is_int64() && value.as_int64() >= 0) return static_cast<uint64_t>(value.as_int64());
  if (value.is_string()) {
    const auto& text = value.as_string();
    uint64_t parsed = 0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (result.ec == std::errc() && result.ptr == text.data() + text.size() && !text.empty()) return parsed;
  }
  return std::nullopt;
}

// An enum carried as its number or (as some encoders do) its name.
std::optional<int> enumField(const bj::value& value, std::initializer_list<std::string_view> names) {
  // Out of int's range is out of every enum's: -1 (refused by the caller's range check), never a wrap.
  if (value.is_int64()) return value.as_int64() >= 0 && value.as_int64() <= 1000 ? static_cast<int>(value.as_int64()) : -1;
  if (value.is_uint64()) return value.as_uint64() <= 1000 ? static_cast<int>(value.as_uint64()) : -1;
  if (value.is_string()) {
    int index = 0;
    for (std::string_view name : names) {
      if (value.as_string() == name) return index;
      ++index;
    }
  }
  return std::nullopt;
}

// OTLP AnyValue -> plain JSON (what the console shows).
std::optional<bj::value> anyValueToJson(const bj::value& any, int depth = 0) {
  if (!any.is_object() || depth > 8) return std::nullopt;
  const auto& object = any.as_object();
  if (object.empty()) return bj::value(nullptr);
  if (auto* text = object.if_contains("stringValue"); text && text->is_string()) {
    return bj::value(toValidUtf8(text->as_string(), kMaxValueBytes));
  }
  if (auto* flag = object.if_contains("boolValue"); flag && flag->is_bool()) return *flag;
  if (auto* number = object.if_contains("intValue")) {
    if (number->is_int64() || number->is_uint64()) return *number;
    if (number->is_string()) {
      int64_t parsed = 0;
      const auto& text = number->as_string();
      const auto result = std::from_chars(text.data(), text.data() + text.size(), parsed);
      if (result.ec == std::errc() && result.ptr == text.data() + text.size()) return bj::value(parsed);
    }
    return std::nullopt;
  }
  if (auto* number = object.if_contains("doubleValue")) {
    if (number->is_number()) return bj::value(number->to_number<double>());
    if (number->is_string()) return *number;  // "NaN", "Infinity"
    return std::nullopt;
  }
  if (auto* bytes = object.if_contains("bytesValue"); bytes && bytes->is_string()) {
    return bj::value(toValidUtf8(bytes->as_string(), kMaxValueBytes));
  }
  if (auto* array = object.if_contains("arrayValue"); array && array->is_object()) {
    bj::array out;
    if (auto* values = array->as_object().if_contains("values"); values && values->is_array()) {
      for (const auto& element : values->as_array()) {
        if (out.size() == kMaxValuesPerList) break;
        auto converted = anyValueToJson(element, depth + 1);
        if (!converted) return std::nullopt;
        out.push_back(std::move(*converted));
      }
    }
    return bj::value(std::move(out));
  }
  if (auto* list = object.if_contains("kvlistValue"); list && list->is_object()) {
    bj::object out;
    if (auto* values = list->as_object().if_contains("values"); values && values->is_array()) {
      for (const auto& element : values->as_array()) {
        if (out.size() == kMaxValuesPerList) break;
        if (!element.is_object()) return std::nullopt;
        const auto key = toValidUtf8(json::stringOr(element.as_object(), "key"), kMaxKeyBytes);
        const auto* value = element.as_object().if_contains("value");
        auto converted = value ? anyValueToJson(*value, depth + 1) : std::optional<bj::value>(nullptr);
        if (!converted) return std::nullopt;
        out[key] = std::move(*converted);
      }
    }
    return bj::value(std::move(out));
  }
  return std::nullopt;
}

// attributes: [{key, value: AnyValue}] -> {key: value}. An error names the bad entry.
Status attributesToJson(const bj::value* attributes, const std::string& path, bj::object& out) {
  if (attributes == nullptr || attributes->is_null()) return Status::ok();
  if (!attributes->is_array()) return invalidField(path, "must be an array of {key, value}");
  size_t index = 0;
  for (const auto& entry : attributes->as_array()) {
    if (out.size() == kMaxAttributesPerSpan) break;
    const std::string entryPath = path + "[" + std::to_string(index++) + "]";
    if (!entry.is_object()) return invalidField(entryPath, "must be an object {key, value}");
    const auto* key = entry.as_object().if_contains("key");
    if (key == nullptr || !key->is_string() || key->as_string().empty()) {
      return invalidField(entryPath + ".key", "must be a non-empty string");
    }
    const auto* value = entry.as_object().if_contains("value");
    std::optional<bj::value> converted = value ? anyValueToJson(*value) : std::optional<bj::value>(nullptr);
    if (!converted) return invalidField(entryPath + ".value", "must be an OTLP AnyValue");
    out[toValidUtf8(key->as_string(), kMaxKeyBytes)] = std::move(*converted);
  }
  return Status::ok();
}

std::string serviceNameOf(const bj::object& resourceSpans) {
  const auto* resource = resourceSpans.if_contains("resource");
  if (resource == nullptr || !resource->is_object()) return "unknown_service";
  const auto* attributes = resource->as_object().if_contains("attributes");
  if (attributes == nullptr || !attributes->is_array()) return "unknown_service";
  for (const auto& entry : attributes->as_array()) {
    if (!entry.is_object() || json::stringOr(entry.as_object(), "key") != "service.name") continue;
    const auto* value = entry.as_object().if_contains("value");
    if (value && value->is_object()) {
      const std::string name = toValidUtf8(json::stringOr(value->as_object(), "stringValue"), kMaxNameBytes);
      if (!name.empty()) return name;
    }
  }
  return "unknown_service";
}

bj::value attributeToJson(const AttributeValue& value) {
  if (const auto* text = std::get_if<std::string>(&value)) return bj::value(toValidUtf8(*text, kMaxValueBytes));
  return std::visit([](const auto& held) -> bj::value { return bj::value(held); }, value);
}

}  // namespace

TraceStore::TraceStore(TraceStoreOptions options, Registry& registry)
    : options_(options),
      accepted_(registry
                    .counter("telemetry_trace_store_received_spans_total",
                             "Spans offered to the built-in trace store, by outcome (accepted, rejected).", {"outcome"})
                    .labels({"accepted"})),
      rejected_(registry.counter("telemetry_trace_store_received_spans_total", "", {"outcome"}).labels({"rejected"})),
      evicted_(registry
                   .counter("telemetry_trace_store_evicted_spans_total",
                            "Spans the built-in trace store evicted to stay within its bounds.")
                   .labels({})),
      spansGauge_(registry.gauge("telemetry_trace_store_spans", "Spans held by the built-in trace store.").labels({})),
      tracesGauge_(
          registry.gauge("telemetry_trace_store_traces", "Traces held by the built-in trace store.").labels({})) {
  options_.maxSpans = std::max<size_t>(options_.maxSpans, 1);
  options_.maxTraces = std::max<size_t>(options_.maxTraces, 1);
  options_.maxSpansPerTrace = std::clamp<size_t>(options_.maxSpansPerTrace, 1, options_.maxSpans);
}

Result<IngestSummary> TraceStore::ingestOtlpJson(std::string_view body) {
  std::string parseError;
  auto parsed = json::parse(body, &parseError);
  if (!parsed) return invalidArgument("request body is not JSON: " + parseError);
  if (!parsed->is_object()) return invalidArgument("request body must be an OTLP ExportTraceServiceRequest object");
  const auto* resourceSpans = parsed->as_object().if_contains("resourceSpans");
  IngestSummary summary;
  if (resourceSpans == nullptr || resourceSpans->is_null()) return summary;
  if (!resourceSpans->is_array()) return invalidField("resourceSpans", "must be an array");

  // Validate and convert outside the lock, then insert in one go.
  std::vector<std::pair<std::string, StoredSpan>> converted;
  const auto reject = [&summary](Status status) {
    ++summary.rejected;
    if (summary.firstError.empty()) summary.firstError = status.violations().empty()
                                                             ? status.message()
                                                             : status.violations()[0].field + ": " +
                                                                   status.violations()[0].reason;
  };
  size_t resourceIndex = 0;
  for (const auto& resourceEntry : resourceSpans->as_array()) {
    const std::string resourcePath = "resourceSpans[" + std::to_string(resourceIndex++) + "]";
    if (!resourceEntry.is_object()) return invalidField(resourcePath, "must be an object");
    const std::string service = serviceNameOf(resourceEntry.as_object());
    const auto* scopeSpans = resourceEntry.as_object().if_contains("scopeSpans");
    if (scopeSpans == nullptr || scopeSpans->is_null()) continue;
    if (!scopeSpans->is_array()) return invalidField(resourcePath + ".scopeSpans", "must be an array");
    size_t scopeIndex = 0;
    for (const auto& scopeEntry : scopeSpans->as_array()) {
      const std::string scopePath = resourcePath + ".scopeSpans[" + std::to_string(scopeIndex++) + "]";
      if (!scopeEntry.is_object()) return invalidField(scopePath, "must be an object");
      const auto* spans = scopeEntry.as_object().if_contains("spans");
      if (spans == nullptr || spans->is_null()) continue;
      if (!spans->is_array()) return invalidField(scopePath + ".spans", "must be an array");
      size_t spanIndex = 0;
      for (const auto& spanEntry : spans->as_array()) {
        const std::string path = scopePath + ".spans[" + std::to_string(spanIndex++) + "]";
        if (!spanEntry.is_object()) {
          reject(invalidField(path, "must be an object"));
          continue;
        }
        const auto& object = spanEntry.as_object();
        const auto field = [&object](std::string_view name) -> const bj::value& {
          static const bj::value kNull;
          const auto* found = object.if_contains(name);
          return found ? *found : kNull;
        };
        auto traceId = normalisedHexId(field("traceId"), 32);
        if (!traceId) {
          reject(invalidField(path + ".traceId", "must be 32 hex digits, not all zero"));
          continue;
        }
        StoredSpan span;
        auto spanId = normalisedHexId(field("spanId"), 16);
        if (!spanId) {
          reject(invalidField(path + ".spanId", "must be 16 hex digits, not all zero"));
          continue;
        }
        span.spanId = std::move(*spanId);
        const auto& parent = field("parentSpanId");
        if (!parent.is_null() && !(parent.is_string() && parent.as_string().empty())) {
          auto parentId = normalisedHexId(parent, 16);
          if (!parentId) {
            reject(invalidField(path + ".parentSpanId", "must be empty or 16 hex digits"));
            continue;
          }
          span.parentSpanId = std::move(*parentId);
        }
        span.service = service;
        if (field("name").is_string()) span.name = toValidUtf8(field("name").as_string(), kMaxNameBytes);
        if (!field("kind").is_null()) {
          auto kind = enumField(field("kind"), {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
                                                "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"});
          if (!kind || *kind < 0 || *kind > 5) {
            reject(invalidField(path + ".kind", "must be an OTLP SpanKind (0-5)"));
            continue;
          }
          span.kind = *kind;
        }
        auto start = unsignedField(field("startTimeUnixNano"));
        auto end = unsignedField(field("endTimeUnixNano"));
        if (!start || *start == 0) {
          reject(invalidField(path + ".startTimeUnixNano", "must be Unix nanoseconds (a decimal string)"));
          continue;
        }
        if (!end || *end < *start) {
          reject(invalidField(path + ".endTimeUnixNano", "must be Unix nanoseconds, not before the start"));
          continue;
        }
        span.startUnixNanos = *start;
        span.endUnixNanos = *end;
        if (Status status = attributesToJson(object.if_contains("attributes"), path + ".attributes", span.attributes);
            !status.isOk()) {
          reject(status);
          continue;
        }
        if (const auto& status = field("status"); status.is_object()) {
          if (const auto* code = status.as_object().if_contains("code")) {
            auto value = enumField(*code, {"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"});
            if (!value || *value < 0 || *value > 2) {
              reject(invalidField(path + ".status.code", "must be an OTLP status code (0-2)"));
              continue;
            }
            span.statusCode = *value;
          }
          span.statusMessage = toValidUtf8(json::stringOr(status.as_object(), "message"), kMaxNameBytes);
        }
        converted.emplace_back(std::move(*traceId), std::move(span));
      }
    }
  }

  std::lock_guard lock(mutex_);
  for (auto& [traceId, span] : converted) {
    if (insertLocked(traceId, std::move(span))) {
      ++summary.accepted;
    } else {
      reject(resourceExhausted("trace " + traceId + " is full or the span is a duplicate"));
    }
  }
  evictLocked();
  updateGaugesLocked();
  accepted_.inc(static_cast<double>(summary.accepted));
  rejected_.inc(static_cast<double>(summary.rejected));
  return summary;
}

void TraceStore::add(const Resource& resource, const std::vector<SpanData>& spans) {
  // Converted before taking the lock, so queries and the OTLP receiver wait only for the inserts.
  std::vector<StoredSpan> converted;
  converted.reserve(spans.size());
  for (const SpanData& data : spans) {
    StoredSpan& span = converted.emplace_back();
    span.spanId = data.spanId;
    span.parentSpanId = data.parentSpanId;
    // This process's own spans carry what clients sent (a request path, a User-Agent) as they came.
    span.service = toValidUtf8(resource.serviceName, kMaxNameBytes);
    span.name = toValidUtf8(data.name, kMaxNameBytes);
    span.kind = static_cast<int>(data.kind);
    span.startUnixNanos = static_cast<uint64_t>(data.startUnixNanos);
    span.endUnixNanos = static_cast<uint64_t>(data.endUnixNanos);
    for (const auto& attribute : data.attributes) {
      if (span.attributes.size() == kMaxAttributesPerSpan) break;
      span.attributes[toValidUtf8(attribute.key, kMaxKeyBytes)] = attributeToJson(attribute.value);
    }
    span.statusCode = static_cast<int>(data.statusCode);
    span.statusMessage = toValidUtf8(data.statusMessage, kMaxNameBytes);
  }
  std::lock_guard lock(mutex_);
  size_t accepted = 0;
  for (size_t i = 0; i < spans.size(); ++i) {
    if (insertLocked(spans[i].traceId, std::move(converted[i]))) ++accepted;
  }
  evictLocked();
  updateGaugesLocked();
  accepted_.inc(static_cast<double>(accepted));
  rejected_.inc(static_cast<double>(spans.size() - accepted));
}

bool TraceStore::insertLocked(const std::string& traceId, StoredSpan span) {
  auto [position, inserted] = traces_.try_emplace(traceId);
  Trace& trace = position->second;
  if (inserted) {
    trace.position = recency_.insert(recency_.end(), traceId);
  } else {
    // A refused span does not count as an update: a full (runaway) trace is still evicted in turn.
    if (trace.spans.size() >= options_.maxSpansPerTrace) return false;
    // An exporter may send a span twice (a retried request): keep the first copy.
    for (const auto& existing : trace.spans) {
      if (existing.spanId == span.spanId) return false;
    }
    recency_.splice(recency_.end(), recency_, trace.position);
  }
  trace.spans.push_back(std::move(span));
  ++spanCount_;
  return true;
}

void TraceStore::evictLocked() {
  while (!recency_.empty() && (spanCount_ > options_.maxSpans || traces_.size() > options_.maxTraces)) {
    auto oldest = traces_.find(recency_.front());
    spanCount_ -= oldest->second.spans.size();
    evicted_.inc(static_cast<double>(oldest->second.spans.size()));
    traces_.erase(oldest);
    recency_.pop_front();
  }
}

void TraceStore::updateGaugesLocked() {
  spansGauge_.set(static_cast<double>(spanCount_));
  tracesGauge_.set(static_cast<double>(traces_.size()));
}

std::string TraceStore::listTraces(const TraceListQuery& query) const {
  size_t limit = query.limit == 0 ? kDefaultListLimit : query.limit;
  limit = std::min(limit, kMaxListLimit);
  struct Summary {
    const std::string* traceId;
    const StoredSpan* root;
    uint64_t start;
    uint64_t end;
    std::set<std::string_view> services;
    bool error;
    size_t spans;
  };
  std::vector<Summary> matches;
  std::lock_guard lock(mutex_);
  for (const auto& [traceId, trace] : traces_) {
    Summary summary{&traceId, nullptr, UINT64_MAX, 0, {}, false, trace.spans.size()};
    std::set<std::string_view> spanIds;
    for (const auto& span : trace.spans) spanIds.insert(span.spanId);
    for (const auto& span : trace.spans) {
      summary.start = std::min(summary.start, span.startUnixNanos);
      summary.end = std::max(summary.end, span.endUnixNanos);
      summary.services.insert(span.service);
      summary.error = summary.error || span.statusCode == 2;
      // The root is the earliest span whose parent is not here (a true root, or the first orphan).
      const bool orphan = span.parentSpanId.empty() || !spanIds.contains(span.parentSpanId);
      if (orphan && (summary.root == nullptr || span.startUnixNanos < summary.root->startUnixNanos)) {
        summary.root = &span;
      }
    }
    const double durationMs = static_cast<double>(summary.end - summary.start) / 1e6;
    if (!query.service.empty() && !summary.services.contains(query.service)) continue;
    if (!query.rootName.empty() && (summary.root == nullptr || summary.root->name != query.rootName)) continue;
    if (durationMs < query.minDurationMs) continue;
    matches.push_back(std::move(summary));
  }
  std::sort(matches.begin(), matches.end(), [](const Summary& a, const Summary& b) { return a.start > b.start; });
  if (matches.size() > limit) matches.resize(limit);
  bj::array traces;
  for (const auto& match : matches) {
    bj::array services;
    for (auto name : match.services) services.emplace_back(name);
    traces.push_back(bj::object{
        {"traceId", *match.traceId},
        {"rootService", match.root ? match.root->service : std::string()},
        {"rootName", match.root ? match.root->name : std::string()},
        {"startTimeUnixNano", std::to_string(match.start)},
        {"durationMs", static_cast<double>(match.end - match.start) / 1e6},
        {"spanCount", match.spans},
        {"services", std::move(services)},
        {"error", match.error},
    });
  }
  return bj::serialize(bj::object{{"traces", std::move(traces)}});
}

Result<std::string> TraceStore::getTrace(std::string_view traceId) const {
  std::string id(traceId);
  for (char& c : id) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  if (!isValidHexId(id, 32)) return invalidField("traceId", "must be 32 hex digits, not all zero");
  std::vector<const StoredSpan*> spans;
  std::lock_guard lock(mutex_);
  auto found = traces_.find(id);
  if (found == traces_.end()) return notFound("trace " + id + " is not in the trace store (never received, or evicted)");
  for (const auto& span : found->second.spans) spans.push_back(&span);
  std::stable_sort(spans.begin(), spans.end(),
                   [](const StoredSpan* a, const StoredSpan* b) { return a->startUnixNanos < b->startUnixNanos; });
  bj::array out;
  for (const StoredSpan* span : spans) {
    bj::object entry{{"spanId", span->spanId},
                     {"parentSpanId", span->parentSpanId},
                     {"service", span->service},
                     {"name", span->name},
                     {"kind", kindName(span->kind)},
                     {"startTimeUnixNano", std::to_string(span->startUnixNanos)},
                     {"endTimeUnixNano", std::to_string(span->endUnixNanos)},
                     {"attributes", span->attributes},
                     {"status", statusName(span->statusCode)}};
    if (!span->statusMessage.empty()) entry["statusMessage"] = span->statusMessage;
    out.push_back(std::move(entry));
  }
  return bj::serialize(bj::object{{"traceId", id}, {"spans", std::move(out)}});
}

size_t TraceStore::spanCount() const {
  std::lock_guard lock(mutex_);
  return spanCount_;
}

size_t TraceStore::traceCount() const {
  std::lock_guard lock(mutex_);
  return traces_.size();
}

TraceStoreProcessor::TraceStoreProcessor(TraceStore& store, TraceStoreProcessorOptions options, Registry& registry)
    : store_(store),
      options_(options),
      droppedQueueFull_(registry
                            .counter("telemetry_spans_dropped_total",
                                     "Spans lost before export, by reason (queue_full, export_failed, shutdown).",
                                     {"reason"})
                            .labels({"queue_full"})),
      droppedShutdown_(registry.counter("telemetry_spans_dropped_total", "", {"reason"}).labels({"shutdown"})) {
  options_.maxQueueSpans = std::max<size_t>(options_.maxQueueSpans, 1);
  options_.maxBatchSpans = std::clamp<size_t>(options_.maxBatchSpans, 1, options_.maxQueueSpans);
  queue_.reserve(options_.maxBatchSpans);
  thread_ = namedThread("trace-store", [this] { run(); });
}

TraceStoreProcessor::~TraceStoreProcessor() { shutdown(); }

void TraceStoreProcessor::onEnd(SpanData&& span) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      ++stats_.droppedAfterShutdown;
      droppedShutdown_.inc();
      return;
    }
    if (queue_.size() >= options_.maxQueueSpans) {
      // Dropping the newest costs the request thread nothing more; the counter tells operators.
      ++stats_.droppedQueueFull;
      droppedQueueFull_.inc();
      return;
    }
    queue_.push_back(std::move(span));
    wake = queue_.size() == options_.maxBatchSpans;
  }
  if (wake) wake_.notify_one();
}

void TraceStoreProcessor::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (exited_) return;
  const uint64_t ticket = ++flushRequested_;
  wake_.notify_one();
  flushed_.wait_for(lock, timeout, [&] { return flushDone_ >= ticket || exited_; });
}

void TraceStoreProcessor::shutdown() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

TraceStoreProcessor::Stats TraceStoreProcessor::stats() const {
  std::lock_guard lock(mutex_);
  Stats copy = stats_;
  copy.queued = queue_.size();
  return copy;
}

void TraceStoreProcessor::run() {
  // Two buffers swapped under the lock: the request threads keep appending to one while this
  // thread stores the other, and both keep their capacity.
  std::vector<SpanData> batch;
  batch.reserve(options_.maxBatchSpans);
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait_for(lock, options_.scheduleDelay, [&] {
      return stopping_ || queue_.size() >= options_.maxBatchSpans || flushRequested_ > flushDone_;
    });
    const uint64_t flushTicket = flushRequested_;
    const bool stop = stopping_;
    batch.swap(queue_);
    lock.unlock();
    if (!batch.empty()) {
      store_.add(resource(), batch);
      const size_t count = batch.size();
      batch.clear();
      lock.lock();
      stats_.stored += count;
    } else {
      lock.lock();
    }
    // What was queued when the flush was asked for is stored now.
    flushDone_ = flushTicket;
    flushed_.notify_all();
    if (stop && queue_.empty()) break;
  }
  exited_ = true;
  flushed_.notify_all();
}

}  // namespace fleetdeck::telemetry
