#include "fleetdeck/telemetry/trace_context.h"

#include <gtest/gtest.h>

#include <set>

namespace fleetdeck::telemetry {
namespace {

constexpr const char* kExample = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceContext, ParsesTheSpecExample) {
  auto context = TraceContext::parse(kExample, "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
  ASSERT_TRUE(context.has_value());
  EXPECT_EQ(context->traceId(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(context->spanId(), "00f067aa0ba902b7");
  EXPECT_TRUE(context->sampled());
  EXPECT_EQ(context->traceState(), "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
  EXPECT_EQ(context->traceparent(), kExample);
}

TEST(TraceContext, KeepsTheUnsampledFlag) {
  auto context = TraceContext::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  ASSERT_TRUE(context.has_value());
  EXPECT_FALSE(context->sampled());
  EXPECT_TRUE(context->traceparent().ends_with("-00"));
  EXPECT_FALSE(context->newChild().sampled()) << "a child keeps its parent's sampling decision";
}

TEST(TraceContext, RejectsWhatTheSpecSaysToDiscard) {
  for (const char* bad : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",         // no flags
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",     // version 00 has nothing after
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",      // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",      // zero parent id
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",      // upper case
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",      // version ff
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",      // separator
           "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",      // not hex
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",      // flags not hex
       }) {
    EXPECT_FALSE(TraceContext::parse(bad).has_value()) << bad;
  }
}

TEST(TraceContext, AcceptsAFutureVersionWithExtraFields) {
  auto context = TraceContext::parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra");
  ASSERT_TRUE(context.has_value());
  EXPECT_EQ(context->traceparent(), kExample) << "we answer in the version we speak";
  EXPECT_FALSE(TraceContext::parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x").has_value());
}

TEST(TraceContext, DropsAMalformedTracestateButKeepsTheTraceparent) {
  auto context = TraceContext::parse(kExample, "not a list member");
  ASSERT_TRUE(context.has_value());
  EXPECT_EQ(context->traceState(), "");
  EXPECT_TRUE(isValidTraceState("vendor@tenant=x, other=y,,"));
  EXPECT_FALSE(isValidTraceState("UPPER=x"));
  EXPECT_FALSE(isValidTraceState("k=v=w"));
  std::string tooMany;
  for (int i = 0; i < 33; ++i) tooMany += "k" + std::to_string(i) + "=v,";
  EXPECT_FALSE(isValidTraceState(tooMany));
  EXPECT_FALSE(isValidTraceState("k=" + std::string(600, 'v')));
}

TEST(TraceContext, NewRootsAndChildrenHaveFreshValidIds) {
  std::set<std::string> traceIds;
  std::set<std::string> spanIds;
  for (int i = 0; i < 200; ++i) {
    const TraceContext root = TraceContext::newRoot();
    ASSERT_TRUE(isValidHexId(root.traceId(), 32));
    ASSERT_TRUE(isValidHexId(root.spanId(), 16));
    EXPECT_TRUE(root.sampled());
    const TraceContext child = root.newChild();
    EXPECT_EQ(child.traceId(), root.traceId());
    EXPECT_NE(child.spanId(), root.spanId());
    traceIds.emplace(root.traceId());
    spanIds.emplace(child.spanId());
    // What we produce, we parse back identically.
    auto reparsed = TraceContext::parse(child.traceparent());
    ASSERT_TRUE(reparsed.has_value());
    EXPECT_EQ(reparsed->spanId(), child.spanId());
  }
  EXPECT_EQ(traceIds.size(), 200u);
  EXPECT_EQ(spanIds.size(), 200u);
}

TEST(TraceContext, DefaultIsInvalidAndHasNoTraceparent) {
  TraceContext none;
  EXPECT_FALSE(none.valid());
  EXPECT_EQ(none.traceparent(), "");
  EXPECT_TRUE(none.newChild().valid()) << "a child of nothing starts a trace";
}

}  // namespace
}  // namespace fleetdeck::telemetry
