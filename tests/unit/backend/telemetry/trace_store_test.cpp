#include "fleetdeck/telemetry/trace_store.h"

#include <gtest/gtest.h>

#include <thread>

#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/json.h"
#include "fleetdeck/telemetry/otlp_exporter.h"

namespace fleetdeck::telemetry {
namespace {

namespace bj = boost::json;

constexpr const char* kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";

SpanData span(std::string traceId, std::string spanId, std::string parent, std::string name, int64_t startMs,
              int64_t endMs) {
  SpanData data;
  data.traceId = std::move(traceId);
  data.spanId = std::move(spanId);
  data.parentSpanId = std::move(parent);
  data.name = std::move(name);
  data.kind = SpanKind::kServer;
  data.startUnixNanos = 1'700'000'000'000'000'000 + startMs * 1'000'000;
  data.endUnixNanos = 1'700'000'000'000'000'000 + endMs * 1'000'000;
  return data;
}

std::string idOf(int n, size_t width) {
  std::string text = std::to_string(n + 1);
  return std::string(width - text.size(), '0') + text;
}

bj::object parseObject(const std::string& text) {
  auto parsed = json::parse(text);
  EXPECT_TRUE(parsed && parsed->is_object()) << text;
  return parsed->as_object();
}

// Our exporter's output, read back by our receiver: what the gateway's store sees from the fleet.
TEST(TraceStore, RoundTripsTheExporterJsonAcrossServices) {
  Registry registry;
  TraceStore store({}, registry);
  SpanData gateway = span(kTrace, "00000000000000a1", "", "POST /api/v1/orders", 0, 40);
  gateway.attributes = {{"http.request.method", std::string("POST")}, {"http.response.status_code", int64_t{202}}};
  SpanData orders = span(kTrace, "00000000000000b2", "00000000000000a1", "fleetdeck.orders.v1.OrdersService/CreateOrder",
                         5, 30);
  orders.attributes = {{"rpc.system", std::string("grpc")}, {"rpc.grpc.status_code", int64_t{0}}, {"ok", true},
                       {"ratio", 0.5}};
  orders.statusCode = SpanStatusCode::kError;
  orders.statusMessage = "boom";
  auto first = store.ingestOtlpJson(toOtlpJson({"gateway", "1", "g-1"}, {gateway}));
  auto second = store.ingestOtlpJson(toOtlpJson({"orders", "1", "o-1"}, {orders}));
  ASSERT_TRUE(first.isOk()) << first.status().toString();
  ASSERT_TRUE(second.isOk()) << second.status().toString();
  EXPECT_EQ(first->accepted, 1u);
  EXPECT_EQ(second->rejected, 0u);

  auto trace = store.getTrace(kTrace);
  ASSERT_TRUE(trace.isOk());
  const auto body = parseObject(*trace);
  EXPECT_EQ(body.at("traceId").as_string(), kTrace);
  const auto& spans = body.at("spans").as_array();
  ASSERT_EQ(spans.size(), 2u);
  const auto& root = spans[0].as_object();  // sorted by start time
  EXPECT_EQ(root.at("service").as_string(), "gateway");
  EXPECT_EQ(root.at("spanId").as_string(), "00000000000000a1");
  EXPECT_EQ(root.at("parentSpanId").as_string(), "");
  EXPECT_EQ(root.at("name").as_string(), "POST /api/v1/orders");
  EXPECT_EQ(root.at("kind").as_string(), "SERVER");
  EXPECT_EQ(root.at("startTimeUnixNano").as_string(), "1700000000000000000");
  EXPECT_EQ(root.at("endTimeUnixNano").as_string(), "1700000000040000000");
  EXPECT_EQ(root.at("attributes").at("http.request.method").as_string(), "POST");
  EXPECT_EQ(root.at("attributes").at("http.response.status_code").as_int64(), 202);
  EXPECT_EQ(root.at("status").as_string(), "UNSET");
  const auto& child = spans[1].as_object();
  EXPECT_EQ(child.at("service").as_string(), "orders");
  EXPECT_EQ(child.at("parentSpanId").as_string(), "00000000000000a1");
  EXPECT_EQ(child.at("attributes").at("ok").as_bool(), true);
  EXPECT_EQ(child.at("attributes").at("ratio").as_double(), 0.5);
  EXPECT_EQ(child.at("status").as_string(), "ERROR");
  EXPECT_EQ(child.at("statusMessage").as_string(), "boom");

  const auto list = parseObject(store.listTraces({}));
  ASSERT_EQ(list.at("traces").as_array().size(), 1u);
  const auto& summary = list.at("traces").as_array()[0].as_object();
  EXPECT_EQ(summary.at("rootService").as_string(), "gateway");
  EXPECT_EQ(summary.at("rootName").as_string(), "POST /api/v1/orders");
  EXPECT_EQ(summary.at("spanCount").as_int64(), 2);
  EXPECT_DOUBLE_EQ(summary.at("durationMs").as_double(), 40.0);
  EXPECT_TRUE(summary.at("error").as_bool());
  EXPECT_EQ(summary.at("services").as_array().size(), 2u);
}

TEST(TraceStore, AcceptsWhatOtherSdksSend) {
  // Numbers for times, enum names, upper-case hex, nested values: all seen from real SDKs.
  TraceStore store;
  const auto summary = store.ingestOtlpJson(R"({"resourceSpans":[{"resource":{"attributes":[
      {"key":"service.name","value":{"stringValue":"python-worker"}}]},
    "scopeSpans":[{"scope":{"name":"x"},"spans":[{
      "traceId":"4BF92F3577B34DA6A3CE929D0E0E4736","spanId":"00F067AA0BA902B7","parentSpanId":"",
      "name":"work","kind":"SPAN_KIND_CONSUMER","startTimeUnixNano":1700000000000000000,
      "endTimeUnixNano":"1700000000000000001","status":{"code":"STATUS_CODE_OK"},
      "attributes":[{"key":"list","value":{"arrayValue":{"values":[{"intValue":"1"},{"stringValue":"a"}]}}},
                    {"key":"map","value":{"kvlistValue":{"values":[{"key":"k","value":{"doubleValue":1.5}}]}}}],
      "events":[],"droppedAttributesCount":0}]}]}]})");
  ASSERT_TRUE(summary.isOk()) << summary.status().toString();
  EXPECT_EQ(summary->accepted, 1u);
  const auto body = parseObject(*store.getTrace("4bf92f3577b34da6a3ce929d0e0e4736"));
  const auto& only = body.at("spans").as_array()[0].as_object();
  EXPECT_EQ(only.at("service").as_string(), "python-worker");
  EXPECT_EQ(only.at("spanId").as_string(), "00f067aa0ba902b7");
  EXPECT_EQ(only.at("kind").as_string(), "CONSUMER");
  EXPECT_EQ(only.at("status").as_string(), "OK");
  EXPECT_EQ(only.at("attributes").at("list").as_array().size(), 2u);
  EXPECT_EQ(only.at("attributes").at("map").at("k").as_double(), 1.5);
}

TEST(TraceStore, MalformedRequestsNameTheField) {
  TraceStore store;
  auto notJson = store.ingestOtlpJson("{nope");
  ASSERT_FALSE(notJson.isOk());
  EXPECT_EQ(notJson.status().code(), StatusCode::kInvalidArgument);
  auto wrongType = store.ingestOtlpJson(R"({"resourceSpans":{}})");
  ASSERT_FALSE(wrongType.isOk());
  ASSERT_FALSE(wrongType.status().violations().empty());
  EXPECT_EQ(wrongType.status().violations()[0].field, "resourceSpans");
  auto empty = store.ingestOtlpJson("{}");
  ASSERT_TRUE(empty.isOk()) << "an empty export is valid OTLP";
  EXPECT_EQ(empty->accepted, 0u);
}

TEST(TraceStore, BadSpansAreRejectedOneByOneWithAPartialSuccess) {
  TraceStore store;
  const auto summary = store.ingestOtlpJson(R"({"resourceSpans":[{"scopeSpans":[{"spans":[
      {"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7","name":"good",
       "startTimeUnixNano":"10","endTimeUnixNano":"20"},
      {"traceId":"00000000000000000000000000000000","spanId":"00f067aa0ba902b8","name":"zero trace",
       "startTimeUnixNano":"10","endTimeUnixNano":"20"},
      {"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b9","name":"ends first",
       "startTimeUnixNano":"30","endTimeUnixNano":"20"},
      {"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902ba","name":"bad attribute",
       "startTimeUnixNano":"10","endTimeUnixNano":"20","attributes":[{"key":"x","value":{"weird":1}}]}
    ]}]}]})");
  ASSERT_TRUE(summary.isOk());
  EXPECT_EQ(summary->accepted, 1u);
  EXPECT_EQ(summary->rejected, 3u);
  EXPECT_EQ(summary->firstError, "resourceSpans[0].scopeSpans[0].spans[1].traceId: must be 32 hex digits, not all zero");
  const auto body = parseObject(*store.getTrace(kTrace));
  EXPECT_EQ(body.at("spans").as_array().size(), 1u);
  EXPECT_EQ(body.at("spans").as_array()[0].at("service").as_string(), "unknown_service");
}

// The store's bounds count spans; what one span holds is bounded too, whoever sent it: megabytes of
// attribute, name or status text from any client of the admin port would otherwise be kept whole.
TEST(TraceStore, OneSpansTextAndAttributesAreBounded) {
  TraceStore store;
  const std::string huge(1 << 20, 'x');
  std::string attributes;
  for (int i = 0; i < 200; ++i) {
    if (i > 0) attributes += ',';
    attributes += R"({"key":"k)" + std::to_string(i) + R"(","value":{"stringValue":")" + (i == 0 ? huge : "v") + R"("}})";
  }
  std::string list;
  for (int i = 0; i < 100; ++i) list += std::string(i > 0 ? "," : "") + R"({"intValue":"1"})";
  const std::string body = R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":")" + std::string(kTrace) +
                           R"(","spanId":"00f067aa0ba902b7","name":")" + huge +
                           R"(","startTimeUnixNano":"10","endTimeUnixNano":"20","status":{"code":2,"message":")" +
                           huge + R"("},"attributes":[)" + attributes +
                           R"(,{"key":"list","value":{"arrayValue":{"values":[)" + list + R"(]}}}]}]}]}]})";
  const auto summary = store.ingestOtlpJson(body);
  ASSERT_TRUE(summary.isOk()) << summary.status().toString();
  EXPECT_EQ(summary->accepted, 1u);
  const std::string trace = *store.getTrace(kTrace);
  EXPECT_LT(trace.size(), 64u * 1024) << "a span of megabytes was kept whole";
  const auto span = parseObject(trace).at("spans").as_array()[0].as_object();
  EXPECT_LE(span.at("name").as_string().size(), 256u);
  EXPECT_LE(span.at("attributes").as_object().size(), 64u);
  EXPECT_LE(span.at("attributes").at("k0").as_string().size(), kMaxAttributeValueBytes);
  // A kind beyond int's range is refused, not wrapped round into a valid one.
  const auto wrapped = store.ingestOtlpJson(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":")" +
                                            std::string(kTrace) + R"(","spanId":"00f067aa0ba902b8","kind":4294967298,)"
                                            R"("startTimeUnixNano":"10","endTimeUnixNano":"20"}]}]}]})");
  ASSERT_TRUE(wrapped.isOk());
  EXPECT_EQ(wrapped->rejected, 1u);
}

// This process's own spans carry what clients sent as it came (a request path with a byte 0xFF): the
// trace's JSON must still be valid UTF-8, which the console's parser insists on.
TEST(TraceStore, OwnSpansWithMalformedUtf8AreServedAsValidUtf8) {
  TraceStore store;
  SpanData data = span(kTrace, "00000000000000a1", "", "GET /\xff\xfe", 0, 5);
  data.attributes.push_back({"url.path", std::string("/caf\xc3")});  // a character cut short
  store.add(Resource{"gateway"}, {data});
  const std::string trace = *store.getTrace(kTrace);
  EXPECT_TRUE(isUtf8(trace)) << trace;
  const auto only = parseObject(trace).at("spans").as_array()[0].as_object();
  EXPECT_EQ(only.at("name").as_string(), "GET /\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(only.at("attributes").at("url.path").as_string(), "/caf\xEF\xBF\xBD");
}

TEST(TraceStore, GetTraceErrors) {
  TraceStore store;
  auto malformed = store.getTrace("xyz");
  ASSERT_FALSE(malformed.isOk());
  EXPECT_EQ(malformed.status().code(), StatusCode::kInvalidArgument);
  auto missing = store.getTrace(kTrace);
  ASSERT_FALSE(missing.isOk());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST(TraceStore, StaysWithinItsBoundsByEvictingTheLeastRecentlyUpdatedTraces) {
  Registry registry;
  TraceStore store({.maxSpans = 10, .maxTraces = 3, .maxSpansPerTrace = 4}, registry);
  Resource resource{"svc", "", ""};
  for (int trace = 0; trace < 3; ++trace) {
    store.add(resource, {span(idOf(trace, 32), idOf(100, 16), "", "t" + std::to_string(trace), trace, trace + 1)});
  }
  // Touch trace 0, so trace 1 is now the least recently updated.
  store.add(resource, {span(idOf(0, 32), idOf(101, 16), idOf(100, 16), "child", 0, 1)});
  store.add(resource, {span(idOf(3, 32), idOf(100, 16), "", "t3", 3, 4)});
  EXPECT_EQ(store.traceCount(), 3u);
  EXPECT_FALSE(store.getTrace(idOf(1, 32)).isOk()) << "evicted";
  EXPECT_TRUE(store.getTrace(idOf(0, 32)).isOk());
  EXPECT_TRUE(store.getTrace(idOf(3, 32)).isOk());

  // One trace may not exceed its own cap; duplicates (a retried export) are kept once.
  std::vector<SpanData> many;
  for (int id : {200, 201, 200 /* duplicate */, 202, 203 /* over the cap */, 204}) {
    many.push_back(span(idOf(3, 32), idOf(id, 16), idOf(100, 16), "x", 3, 4));
  }
  store.add(resource, many);
  const auto trace3 = parseObject(*store.getTrace(idOf(3, 32)));
  EXPECT_EQ(trace3.at("spans").as_array().size(), 4u);
  EXPECT_LE(store.spanCount(), 10u);
  const std::string metrics = registry.expose();
  EXPECT_NE(metrics.find("telemetry_trace_store_traces 3"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find(R"(telemetry_trace_store_received_spans_total{outcome="rejected"} 3)"), std::string::npos)
      << metrics;
}

// A trace that is full keeps sending (a runaway loop): its refused spans do not make it recent, so it
// goes in its turn instead of pushing the others out.
TEST(TraceStore, RefusedSpansDoNotKeepAFullTraceRecent) {
  Registry registry;
  TraceStore store({.maxSpans = 100, .maxTraces = 2, .maxSpansPerTrace = 1}, registry);
  Resource resource{"svc", "", ""};
  store.add(resource, {span(idOf(0, 32), idOf(100, 16), "", "runaway", 0, 1)});
  store.add(resource, {span(idOf(1, 32), idOf(100, 16), "", "quiet", 1, 2)});
  store.add(resource, {span(idOf(0, 32), idOf(101, 16), idOf(100, 16), "refused", 2, 3)});  // trace 0 is full
  store.add(resource, {span(idOf(2, 32), idOf(100, 16), "", "new", 3, 4)});
  EXPECT_FALSE(store.getTrace(idOf(0, 32)).isOk()) << "the full trace was the least recently updated";
  EXPECT_TRUE(store.getTrace(idOf(1, 32)).isOk());
  EXPECT_TRUE(store.getTrace(idOf(2, 32)).isOk());
}

TEST(TraceStore, ListFiltersByServiceAndDurationNewestFirst) {
  TraceStore store;
  store.add({"gateway", "", ""}, {span(idOf(0, 32), idOf(0, 16), "", "slow", 0, 500)});
  store.add({"gateway", "", ""}, {span(idOf(1, 32), idOf(0, 16), "", "fast", 1000, 1002)});
  store.add({"payments", "", ""}, {span(idOf(1, 32), idOf(1, 16), idOf(0, 16), "charge", 1000, 1001)});
  store.add({"users", "", ""}, {span(idOf(2, 32), idOf(0, 16), "", "other", 2000, 2100)});

  auto traces = [&](std::string_view service, double minMs, size_t limit, std::string_view rootName = {}) {
    std::vector<std::string> names;
    const auto list = parseObject(store.listTraces({.service = service, .rootName = rootName, .minDurationMs = minMs, .limit = limit}));
    for (const auto& entry : list.at("traces").as_array()) {
      names.emplace_back(entry.at("rootName").as_string());
    }
    return names;
  };
  EXPECT_EQ(traces("", 0, 0), (std::vector<std::string>{"other", "fast", "slow"}));
  EXPECT_EQ(traces("payments", 0, 0), (std::vector<std::string>{"fast"}));
  EXPECT_EQ(traces("", 100, 0), (std::vector<std::string>{"other", "slow"}));
  EXPECT_EQ(traces("", 0, 1), (std::vector<std::string>{"other"}));
  EXPECT_TRUE(traces("nobody", 0, 0).empty());
  // By the root span's name: "charge" is a span of trace 1, not its root.
  EXPECT_EQ(traces("", 0, 0, "fast"), (std::vector<std::string>{"fast"}));
  EXPECT_TRUE(traces("", 0, 0, "charge").empty());
  EXPECT_TRUE(traces("users", 0, 0, "fast").empty());
}

TEST(TraceStore, ARootNameFilterTakesAPartialTracesFirstOrphanAsItsRoot) {
  TraceStore store;
  // The root (span 0) is stored elsewhere; here two orphans of trace 0, the earlier one its root.
  store.add({"orders", "", ""}, {span(idOf(0, 32), idOf(2, 16), idOf(0, 16), "reserve", 10, 20),
                                 span(idOf(0, 32), idOf(3, 16), idOf(0, 16), "charge", 30, 40)});
  const auto listed = [&](std::string_view rootName) {
    const auto list = parseObject(store.listTraces({.rootName = rootName}));
    return list.at("traces").as_array().size();
  };
  EXPECT_EQ(listed("reserve"), 1u);
  EXPECT_EQ(listed("charge"), 0u);
}

TEST(TraceStore, ProcessorFeedsThisProcessesSpans) {
  TraceStore store;
  setResource({"gateway", "1", "g"});
  auto processor = std::make_shared<TraceStoreProcessor>(store);
  setSpanProcessor(processor);
  std::string traceId;
  {
    Span root("GET /x", SpanKind::kServer, nullptr);
    traceId = std::string(root.context().traceId());
  }
  setSpanProcessor(nullptr);
  // Stored by the processor's thread, in the background: flush waits for it.
  processor->flush(std::chrono::seconds(10));
  auto trace = store.getTrace(traceId);
  ASSERT_TRUE(trace.isOk());
  EXPECT_EQ(parseObject(*trace).at("spans").as_array()[0].at("service").as_string(), "gateway");
}


TEST(TraceStore, ProcessorNeverBlocksAndCountsWhatItDrops) {
  TraceStore store({.maxSpans = 100'000, .maxTraces = 100'000});
  Registry registry;
  // A tiny queue and a long delay: most spans offered from two threads find it full.
  TraceStoreProcessor processor(store, {.maxQueueSpans = 4, .maxBatchSpans = 4, .scheduleDelay = std::chrono::hours(1)},
                                registry);
  constexpr int kPerThread = 2000;
  const auto offer = [&processor](int thread) {
    for (int i = 0; i < kPerThread; ++i) {
      processor.onEnd(span(idOf(thread * kPerThread + i, 32), idOf(i, 16), "", "s", 0, 1));
    }
  };
  std::thread first(offer, 0);
  std::thread second(offer, 1);
  first.join();
  second.join();
  processor.flush(std::chrono::seconds(10));
  const auto stats = processor.stats();
  EXPECT_EQ(stats.queued, 0u);
  EXPECT_EQ(stats.stored + stats.droppedQueueFull, 2u * kPerThread) << "every span is stored or counted";
  EXPECT_EQ(store.spanCount(), stats.stored);
  EXPECT_NE(registry.expose().find("telemetry_spans_dropped_total{reason=\"queue_full\"} " +
                                   std::to_string(stats.droppedQueueFull)),
            std::string::npos)
      << registry.expose();

  // After shutdown the store is never touched again: late spans are dropped and counted.
  processor.shutdown();
  processor.onEnd(span(kTrace, idOf(1, 16), "", "late", 0, 1));
  processor.flush(std::chrono::seconds(1));
  EXPECT_EQ(processor.stats().droppedAfterShutdown, 1u);
  EXPECT_FALSE(store.getTrace(kTrace).isOk());
}
}  // namespace
}  // namespace fleetdeck::telemetry
