#include "fleetdeck/telemetry/tracing.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <thread>

#include "fleetdeck/core/json.h"
#include "fleetdeck/core/log.h"

namespace fleetdeck::telemetry {
namespace {

// Collects ended spans (a fake of the exporter, which has its own tests).
class CapturingProcessor final : public SpanProcessor {
 public:
  void onEnd(SpanData&& span) override {
    std::lock_guard lock(mutex_);
    spans_.push_back(std::move(span));
  }
  void flush(std::chrono::milliseconds) override {}
  std::vector<SpanData> spans() {
    std::lock_guard lock(mutex_);
    return spans_;
  }

 private:
  std::mutex mutex_;
  std::vector<SpanData> spans_;
};

class Tracing : public ::testing::Test {
 protected:
  void SetUp() override { setSpanProcessor(processor_); }
  void TearDown() override { setSpanProcessor(nullptr); }
  std::shared_ptr<CapturingProcessor> processor_ = std::make_shared<CapturingProcessor>();
};

TEST_F(Tracing, ChildSpansShareTheTraceAndNameTheirParent) {
  {
    Span parent("parent", SpanKind::kServer, nullptr);
    ScopedContext scope(parent.context());
    Span child = startSpan("child", SpanKind::kClient);
    child.setAttribute(attr::kRpcSystem, "grpc");
    child.setAttribute(attr::kRpcGrpcStatusCode, 5);
    child.setAttribute("ratio", 0.5);
    child.setAttribute("retried", true);
    child.setStatus(SpanStatusCode::kError, "not found");
  }
  const auto spans = processor_->spans();
  ASSERT_EQ(spans.size(), 2u);
  const SpanData& child = spans[0];  // ended first
  const SpanData& parent = spans[1];
  EXPECT_EQ(child.name, "child");
  EXPECT_EQ(child.kind, SpanKind::kClient);
  EXPECT_EQ(child.traceId, parent.traceId);
  EXPECT_EQ(child.parentSpanId, parent.spanId);
  EXPECT_TRUE(parent.parentSpanId.empty());
  EXPECT_EQ(child.statusCode, SpanStatusCode::kError);
  EXPECT_EQ(child.statusMessage, "not found");
  ASSERT_EQ(child.attributes.size(), 4u);
  EXPECT_EQ(std::get<std::string>(child.attributes[0].value), "grpc");
  EXPECT_EQ(std::get<int64_t>(child.attributes[1].value), 5);
  EXPECT_GE(child.endUnixNanos, child.startUnixNanos);
  EXPECT_GE(parent.endUnixNanos, child.endUnixNanos);
}

TEST_F(Tracing, RemoteParentIsContinued) {
  auto remote = TraceContext::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "rojo=1");
  ASSERT_TRUE(remote);
  { Span server("GET /x", SpanKind::kServer, &*remote); }
  const auto spans = processor_->spans();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(spans[0].parentSpanId, "00f067aa0ba902b7");
  EXPECT_EQ(spans[0].traceState, "rojo=1");
}

TEST_F(Tracing, UnsampledAndDisabledSpansPropagateButRecordNothing) {
  auto unsampled = TraceContext::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  {
    Span span("x", SpanKind::kServer, &*unsampled);
    EXPECT_FALSE(span.recording());
    EXPECT_EQ(span.context().traceId(), "4bf92f3577b34da6a3ce929d0e0e4736");
  }
  setSpanProcessor(nullptr);
  {
    Span span("y", SpanKind::kServer, nullptr);
    EXPECT_FALSE(span.recording());
    EXPECT_TRUE(span.context().valid()) << "ids still exist for propagation and logs";
    span.setAttribute("ignored", "value");
  }
  EXPECT_TRUE(processor_->spans().empty());
}

TEST_F(Tracing, EndIsIdempotentAndMovesDoNotEndTwice) {
  Span first("a", SpanKind::kInternal, nullptr);
  Span moved = std::move(first);
  moved.end();
  moved.end();
  Span other("b", SpanKind::kInternal, nullptr);
  other = Span("c", SpanKind::kInternal, nullptr);  // ends "b"
  other.end();
  const auto spans = processor_->spans();
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(spans[0].name, "a");
  EXPECT_EQ(spans[1].name, "b");
  EXPECT_EQ(spans[2].name, "c");
}

TEST_F(Tracing, ScopesNestRestoreAndSetLogTraceIds) {
  ASSERT_TRUE(log::configure({"tests", "", log::Level::kInfo, ""}).isOk());
  EXPECT_EQ(currentContext(), nullptr);
  const TraceContext outer = TraceContext::newRoot();
  {
    ScopedContext outerScope(outer);
    ASSERT_NE(currentContext(), nullptr);
    EXPECT_EQ(currentContext()->spanId(), outer.spanId());
    const TraceContext inner = outer.newChild();
    {
      ScopedContext innerScope(inner);
      auto line = json::parse(log::formatLine(log::Level::kInfo, "inside", {}));
      ASSERT_TRUE(line);
      EXPECT_EQ(json::stringOr(line->as_object(), "trace_id"), outer.traceId());
      EXPECT_EQ(json::stringOr(line->as_object(), "span_id"), inner.spanId());
    }
    EXPECT_EQ(currentContext()->spanId(), outer.spanId());
    auto line = json::parse(log::formatLine(log::Level::kInfo, "outer again", {}));
    EXPECT_EQ(json::stringOr(line->as_object(), "span_id"), outer.spanId());
  }
  EXPECT_EQ(currentContext(), nullptr);
  auto line = json::parse(log::formatLine(log::Level::kInfo, "after", {}));
  EXPECT_FALSE(line->as_object().contains("trace_id"));
}

TEST_F(Tracing, TheCurrentContextIsPerThread) {
  const TraceContext context = TraceContext::newRoot();
  ScopedContext scope(context);
  const TraceContext* seenElsewhere = &context;
  std::thread([&] { seenElsewhere = currentContext(); }).join();
  EXPECT_EQ(seenElsewhere, nullptr);
}


TEST_F(Tracing, SampleRatioDecidesNewRootsButAParentsFlagAlwaysWins) {
  setSampleRatio(0);
  {
    Span root("not sampled", SpanKind::kServer, nullptr);
    EXPECT_FALSE(root.recording());
    EXPECT_TRUE(root.context().valid()) << "ids still propagate";
    EXPECT_TRUE(root.context().traceparent().ends_with("-00")) << "the next hop is told not to record either";
    Span child("child of an unsampled root", SpanKind::kClient, &root.context());
    EXPECT_FALSE(child.recording());
  }
  auto sampledParent = TraceContext::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  { Span server("sampled upstream", SpanKind::kServer, &*sampledParent); }
  setSampleRatio(1);
  auto unsampledParent = TraceContext::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  {
    Span server("unsampled upstream", SpanKind::kServer, &*unsampledParent);
    EXPECT_FALSE(server.recording());
  }
  auto spans = processor_->spans();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].name, "sampled upstream");

  // A ratio in between samples about that share of new traces (bounds many deviations wide).
  setSampleRatio(0.25);
  EXPECT_DOUBLE_EQ(sampleRatio(), 0.25);
  for (int i = 0; i < 4000; ++i) Span root("r", SpanKind::kInternal, nullptr);
  setSampleRatio(1);
  spans = processor_->spans();
  EXPECT_GT(spans.size(), 1u + 700);
  EXPECT_LT(spans.size(), 1u + 1300);
}

TEST_F(Tracing, TheRateCapKeepsABurstOfNewRootsThenNoneButParentsStillDecide) {
  setMaxNewTracesPerSecond(50);
  EXPECT_DOUBLE_EQ(maxNewTracesPerSecond(), 50);
  // Far faster than 50 a second: one second's burst (50) is sampled, the rest is not (a few more
  // may be allowed if the loop takes long enough for the bucket to refill; bounded generously).
  int sampled = 0;
  for (int i = 0; i < 2000; ++i) {
    Span root("r", SpanKind::kServer, nullptr);
    if (root.recording()) ++sampled;
  }
  EXPECT_GE(sampled, 50);
  EXPECT_LT(sampled, 200);
  // A sampled parent is followed whatever the cap says: the trace stays whole across the fleet.
  auto sampledParent = TraceContext::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  {
    Span server("child of a sampled parent", SpanKind::kServer, &*sampledParent);
    EXPECT_TRUE(server.recording());
  }
  setMaxNewTracesPerSecond(0);
  Span uncapped("uncapped again", SpanKind::kServer, nullptr);
  EXPECT_TRUE(uncapped.recording());
}

TEST_F(Tracing, LongStringAttributesAreCutAtACharacterBoundary) {
  {
    Span span("long", SpanKind::kServer, nullptr);
    span.setAttribute("user_agent.original", std::string(15 * 1024, 'A'));
    std::string accents;
    for (int i = 0; i < 200; ++i) accents += "\xC3\xA9";  // 400 bytes of two-byte characters
    span.setAttribute("url.path", "/" + accents);  // odd offset: byte 256 is inside a character
    span.setAttribute("short", std::string("kept"));
  }
  const auto spans = processor_->spans();
  ASSERT_EQ(spans.size(), 1u);
  std::map<std::string, std::string> values;
  for (const auto& attribute : spans[0].attributes) values[attribute.key] = std::get<std::string>(attribute.value);
  EXPECT_EQ(values["user_agent.original"], std::string(kMaxAttributeValueBytes, 'A'));
  EXPECT_EQ(values["url.path"].size(), kMaxAttributeValueBytes - 1);
  EXPECT_TRUE(values["url.path"].ends_with("\xC3\xA9"));
  EXPECT_EQ(values["short"], "kept");
}

TEST_F(Tracing, WithSampledChangesOnlyTheSampledFlag) {
  auto sampled = TraceContext::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(sampled);
  const TraceContext unsampled = sampled->withSampled(false);
  EXPECT_FALSE(unsampled.sampled());
  EXPECT_EQ(unsampled.traceId(), sampled->traceId());
  EXPECT_EQ(unsampled.spanId(), sampled->spanId());
  EXPECT_TRUE(unsampled.withSampled(true).sampled());
}
}  // namespace
}  // namespace fleetdeck::telemetry
