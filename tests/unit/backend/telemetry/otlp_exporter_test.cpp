#include "fleetdeck/telemetry/otlp_exporter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "fleetdeck/core/json.h"

namespace fleetdeck::telemetry {
namespace {

namespace bj = boost::json;

SpanData sampleSpan(std::string name, std::string parent = "00f067aa0ba902b7") {
  SpanData span;
  span.traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  span.spanId = "b7ad6b7169203331";
  span.parentSpanId = std::move(parent);
  span.name = std::move(name);
  span.kind = SpanKind::kServer;
  span.startUnixNanos = 1'700'000'000'123'456'789;
  span.endUnixNanos = 1'700'000'000'223'456'789;
  return span;
}

// A collector stand-in: records bodies, can fail or block until released.
struct FakeCollector {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::string> bodies;
  bool fail = false;
  bool blocked = false;

  OtlpTransport transport() {
    return [this](const std::string& body) -> Status {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return !blocked; });
      bodies.push_back(body);
      changed.notify_all();
      return fail ? unavailable("collector down") : Status::ok();
    };
  }
  size_t spansReceived() {
    std::lock_guard lock(mutex);
    size_t total = 0;
    for (const auto& body : bodies) {
      auto parsed = json::parse(body);
      total += parsed->at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").as_array().size();
    }
    return total;
  }
};

TEST(OtlpJson, ShapeFollowsTheOtlpJsonMapping) {
  SpanData span = sampleSpan("GET /api/v1/users/{id}");
  span.traceState = "rojo=1";
  span.attributes = {{"http.request.method", std::string("GET")},
                     {"http.response.status_code", int64_t{503}},
                     {"ratio", 0.25},
                     {"cache.hit", false},
                     {"note", std::string("quote \" backslash \\ newline \n bad \xff utf8 é")}};
  span.statusCode = SpanStatusCode::kError;
  span.statusMessage = "upstream unavailable";
  SpanData root = sampleSpan("root", "");
  const std::string text = toOtlpJson({"users", "1.2.3", "users-7"}, {span, root});

  auto parsed = json::parse(text);
  ASSERT_TRUE(parsed) << text;
  const auto& resourceSpans = parsed->at("resourceSpans").as_array();
  ASSERT_EQ(resourceSpans.size(), 1u);
  const auto& resourceAttributes = resourceSpans[0].at("resource").at("attributes").as_array();
  std::map<std::string, std::string> resource;
  for (const auto& entry : resourceAttributes) {
    resource[std::string(entry.at("key").as_string())] = std::string(entry.at("value").at("stringValue").as_string());
  }
  EXPECT_EQ(resource["service.name"], "users");
  EXPECT_EQ(resource["service.version"], "1.2.3");
  EXPECT_EQ(resource["service.instance.id"], "users-7");
  EXPECT_EQ(resource["telemetry.sdk.language"], "cpp");

  const auto& scope = resourceSpans[0].at("scopeSpans").at(0);
  EXPECT_EQ(scope.at("scope").at("name").as_string(), "fleetdeck");
  const auto& spans = scope.at("spans").as_array();
  ASSERT_EQ(spans.size(), 2u);
  const auto& first = spans[0].as_object();
  EXPECT_EQ(first.at("traceId").as_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(first.at("spanId").as_string(), "b7ad6b7169203331");
  EXPECT_EQ(first.at("parentSpanId").as_string(), "00f067aa0ba902b7");
  EXPECT_EQ(first.at("traceState").as_string(), "rojo=1");
  EXPECT_EQ(first.at("name").as_string(), "GET /api/v1/users/{id}");
  EXPECT_EQ(first.at("kind").as_int64(), 2) << "SPAN_KIND_SERVER as an integer";
  EXPECT_EQ(first.at("startTimeUnixNano").as_string(), "1700000000123456789") << "fixed64 as a decimal string";
  EXPECT_EQ(first.at("endTimeUnixNano").as_string(), "1700000000223456789");
  const auto& attributes = first.at("attributes").as_array();
  ASSERT_EQ(attributes.size(), 5u);
  EXPECT_EQ(attributes[0].at("value").at("stringValue").as_string(), "GET");
  EXPECT_EQ(attributes[1].at("value").at("intValue").as_string(), "503") << "int64 as a decimal string";
  EXPECT_EQ(attributes[2].at("value").at("doubleValue").as_double(), 0.25);
  EXPECT_EQ(attributes[3].at("value").at("boolValue").as_bool(), false);
  EXPECT_EQ(attributes[4].at("value").at("stringValue").as_string(),
            "quote \" backslash \\ newline \n bad \xef\xbf\xbd utf8 é")
      << "invalid UTF-8 becomes U+FFFD, valid UTF-8 is kept";
  EXPECT_EQ(first.at("status").at("code").as_int64(), 2);
  EXPECT_EQ(first.at("status").at("message").as_string(), "upstream unavailable");

  const auto& second = spans[1].as_object();
  EXPECT_FALSE(second.contains("parentSpanId")) << "a root has no parent (empty bytes are omitted)";
  EXPECT_FALSE(second.contains("status")) << "UNSET status is the default";
}

TEST(OtlpJson, TracesUrlFromEndpoint) {
  EXPECT_EQ(otlpTracesUrl("http://127.0.0.1:4318"), "http://127.0.0.1:4318/v1/traces");
  EXPECT_EQ(otlpTracesUrl("http://collector:4318/"), "http://collector:4318/v1/traces");
  EXPECT_EQ(otlpTracesUrl("http://collector:4318/custom/path", true), "http://collector:4318/custom/path");
}

TEST(BatchSpanExporter, SendsFullBatchesAtOnceAndTheRestOnFlush) {
  FakeCollector collector;
  Registry registry;
  OtlpExporterOptions options;
  options.maxBatchSpans = 4;
  options.scheduleDelay = std::chrono::hours(1);  // only size and flush trigger sends here
  BatchSpanExporter exporter(collector.transport(), options, registry);
  for (int i = 0; i < 10; ++i) exporter.onEnd(sampleSpan("s" + std::to_string(i)));
  exporter.flush(std::chrono::seconds(10));
  EXPECT_EQ(collector.spansReceived(), 10u);
  {
    std::lock_guard lock(collector.mutex);
    EXPECT_EQ(collector.bodies.size(), 3u) << "4 + 4 + 2";
  }
  EXPECT_EQ(exporter.stats().exported, 10u);
  EXPECT_NE(registry.expose().find("telemetry_spans_exported_total 10"), std::string::npos) << registry.expose();
}

TEST(BatchSpanExporter, SendsAPartialBatchAfterTheScheduleDelay) {
  FakeCollector collector;
  Registry registry;
  OtlpExporterOptions options;
  options.scheduleDelay = std::chrono::milliseconds(20);
  BatchSpanExporter exporter(collector.transport(), options, registry);
  exporter.onEnd(sampleSpan("lonely"));
  std::unique_lock lock(collector.mutex);
  EXPECT_TRUE(collector.changed.wait_for(lock, std::chrono::seconds(10), [&] { return !collector.bodies.empty(); }));
}

TEST(BatchSpanExporter, AFullQueueDropsTheOldestAndCountsThem) {
  FakeCollector collector;
  collector.blocked = true;  // the collector hangs: nothing leaves the queue
  Registry registry;
  OtlpExporterOptions options;
  options.maxQueueSpans = 5;
  options.maxBatchSpans = 100;
  options.scheduleDelay = std::chrono::hours(1);
  BatchSpanExporter exporter(collector.transport(), options, registry);
  for (int i = 0; i < 12; ++i) exporter.onEnd(sampleSpan("s" + std::to_string(i)));
  EXPECT_EQ(exporter.stats().queued, 5u);
  EXPECT_EQ(exporter.stats().droppedQueueFull, 7u);
  EXPECT_NE(registry.expose().find(R"(telemetry_spans_dropped_total{reason="queue_full"} 7)"), std::string::npos);
  {
    std::lock_guard lock(collector.mutex);
    collector.blocked = false;
  }
  collector.changed.notify_all();
  exporter.flush(std::chrono::seconds(10));
  std::lock_guard lock(collector.mutex);
  ASSERT_EQ(collector.bodies.size(), 1u);
  const auto spans = json::parse(collector.bodies[0])->at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans");
  ASSERT_EQ(spans.as_array().size(), 5u);
  EXPECT_EQ(spans.as_array()[0].at("name").as_string(), "s7") << "the newest five survive";
  EXPECT_EQ(spans.as_array()[4].at("name").as_string(), "s11");
}

TEST(BatchSpanExporter, FailedExportsAreCountedAsDropped) {
  FakeCollector collector;
  collector.fail = true;
  Registry registry;
  BatchSpanExporter exporter(collector.transport(), {}, registry);
  for (int i = 0; i < 3; ++i) exporter.onEnd(sampleSpan("s"));
  exporter.flush(std::chrono::seconds(10));
  EXPECT_EQ(exporter.stats().droppedExportFailed, 3u);
  EXPECT_EQ(exporter.stats().exported, 0u);
  EXPECT_NE(registry.expose().find(R"(telemetry_spans_dropped_total{reason="export_failed"} 3)"), std::string::npos);
  // Recovery: later spans go out again.
  {
    std::lock_guard lock(collector.mutex);
    collector.fail = false;
  }
  exporter.onEnd(sampleSpan("after"));
  exporter.flush(std::chrono::seconds(10));
  EXPECT_EQ(exporter.stats().exported, 1u);
}

TEST(BatchSpanExporter, ShutdownSendsWhatIsQueuedThenDropsLateSpans) {
  FakeCollector collector;
  Registry registry;
  OtlpExporterOptions options;
  options.scheduleDelay = std::chrono::hours(1);
  BatchSpanExporter exporter(collector.transport(), options, registry);
  for (int i = 0; i < 7; ++i) exporter.onEnd(sampleSpan("s"));
  exporter.shutdown(std::chrono::seconds(10));
  EXPECT_EQ(collector.spansReceived(), 7u);
  exporter.onEnd(sampleSpan("late"));
  EXPECT_EQ(exporter.stats().droppedAfterShutdown, 1u);
  exporter.shutdown(std::chrono::seconds(1));  // idempotent
  exporter.flush(std::chrono::seconds(1));     // returns at once after shutdown
}

TEST(BatchSpanExporter, ShutdownGivesUpOnAHangingCollectorAfterItsBudget) {
  FakeCollector collector;
  Registry registry;
  OtlpExporterOptions options;
  options.maxBatchSpans = 1;
  options.scheduleDelay = std::chrono::hours(1);
  std::atomic<int> calls{0};
  // Each export takes 50 ms; with a 10 ms budget only the batch in flight is sent.
  OtlpTransport slow = [&calls](const std::string&) {
    ++calls;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return Status::ok();
  };
  BatchSpanExporter exporter(slow, options, registry);
  for (int i = 0; i < 20; ++i) exporter.onEnd(sampleSpan("s"));
  exporter.shutdown(std::chrono::milliseconds(10));
  const auto stats = exporter.stats();
  EXPECT_EQ(stats.exported + stats.droppedAfterShutdown, 20u);
  EXPECT_GT(stats.droppedAfterShutdown, 0u);
  EXPECT_LT(calls.load(), 20);
}

}  // namespace
}  // namespace fleetdeck::telemetry
