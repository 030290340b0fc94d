// A trace and the trace list put together from the parts several gateway replicas hold, in the
// shapes TraceStore writes (the stores here are real ones, fed spans as OTLP would).
#include "domain/trace_merge.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

#include "fleetdeck/telemetry/trace_store.h"

namespace fleetdeck::gateway {
namespace {

namespace bj = boost::json;

const std::string kTrace = "0af7651916cd43dd8448eb211c80319c";

// One OTLP/HTTP JSON export of `service` with the given spans (id, parent, start and end in ns).
std::string otlp(const std::string& service, const std::string& traceId,
                 const std::vector<std::tuple<std::string, std::string, uint64_t, uint64_t, int>>& spans) {
  bj::array out;
  for (const auto& [id, parent, start, end, status] : spans) {
    out.push_back(bj::object{{"traceId", traceId},
                             {"spanId", id},
                             {"parentSpanId", parent},
                             {"name", service + "-op"},
                             {"kind", 2},
                             {"startTimeUnixNano", std::to_string(start)},
                             {"endTimeUnixNano", std::to_string(end)},
                             {"status", bj::object{{"code", status}}}});
  }
  bj::object resource{{"attributes", bj::array{bj::object{{"key", "service.name"},
                                                          {"value", bj::object{{"stringValue", service}}}}}}};
  return bj::serialize(bj::object{
      {"resourceSpans", bj::array{bj::object{{"resource", resource},
                                             {"scopeSpans", bj::array{bj::object{{"spans", std::move(out)}}}}}}}});
}

// Round 2 of the list as a replica answers it: its parts of `ids` (those it holds).
std::string partsOf(const telemetry::TraceStore& store, const std::vector<std::string>& ids) {
  std::vector<std::string> documents;
  for (const auto& id : ids) {
    if (auto trace = store.getTrace(id)) documents.push_back(std::move(*trace));
  }
  return traceParts(documents);
}

std::string replicaName(size_t index) { return "127.0.0.1:" + std::to_string(9100 + index); }

// The whole list protocol over some replicas' stores: 2 x limit candidates from each, then every
// replica's parts of all of them.
std::string listAcross(const std::vector<const telemetry::TraceStore*>& stores, size_t limit,
                       const TraceListFilter& filter = {}) {
  std::vector<ReplicaDocument> lists;
  for (const auto* store : stores) {
    lists.push_back({replicaName(lists.size()), store->listTraces({.service = filter.service,
                                                                   .rootName = filter.rootName,
                                                                   .minDurationMs = filter.minDurationMs,
                                                                   .limit = 2 * limit})});
  }
  const auto candidates = traceListCandidates(lists, nullptr);
  std::vector<ReplicaDocument> parts;
  for (const auto* store : stores) parts.push_back({replicaName(parts.size()), partsOf(*store, candidates)});
  return mergeTraceParts(parts, filter, limit, {}).json;
}

TEST(TraceMerge, PartsFromTwoReplicasMakeOneTraceSortedByStart_ADuplicateSpanOnce) {
  telemetry::TraceStore first;
  telemetry::TraceStore second;
  ASSERT_TRUE(first.ingestOtlpJson(otlp("gateway", kTrace, {{"00f067aa0ba902b7", "", 1000, 9000, 0},
                                                            {"00f067aa0ba902b9", "00f067aa0ba902b7", 5000, 6000, 0}}))
                  .isOk());
  ASSERT_TRUE(second.ingestOtlpJson(otlp("orders", kTrace, {{"00f067aa0ba902b8", "00f067aa0ba902b7", 2000, 8000, 2},
                                                            {"00f067aa0ba902b9", "00f067aa0ba902b7", 5000, 6000, 0}}))
                  .isOk());
  auto merged = mergeTraceDocuments(kTrace, {*first.getTrace(kTrace), *second.getTrace(kTrace)}, 0);
  EXPECT_EQ(merged.spans, 3u);
  const auto trace = bj::parse(merged.json).as_object();
  EXPECT_EQ(trace.at("traceId").as_string(), kTrace);
  std::vector<std::string> order;
  for (const auto& span : trace.at("spans").as_array()) order.emplace_back(span.at("spanId").as_string());
  EXPECT_EQ(order, (std::vector<std::string>{"00f067aa0ba902b7", "00f067aa0ba902b8", "00f067aa0ba902b9"}));
  EXPECT_EQ(trace.at("spans").as_array()[1].at("service").as_string(), "orders");
  EXPECT_FALSE(trace.contains("unreachableReplicas"));

  auto partial = mergeTraceDocuments(kTrace, {*first.getTrace(kTrace)}, 2);
  EXPECT_EQ(bj::parse(partial.json).at("unreachableReplicas").as_int64(), 2);
}

// Two replicas' stores: the first holds kTrace's root ("gateway-op", 1-3 ms), the second its child
// ("orders-op", 2-9 ms; failed when `childFails`) and the whole of kOlder (a "users-op" root at 0.5 ms).
const std::string kOlder = "1af7651916cd43dd8448eb211c80319c";
::testing::AssertionResult holdTwoTraces(telemetry::TraceStore& first, telemetry::TraceStore& second, bool childFails) {
  const bool stored =
      first.ingestOtlpJson(otlp("gateway", kTrace, {{"00f067aa0ba902b7", "", 1'000'000, 3'000'000, 0}})).isOk() &&
      second.ingestOtlpJson(otlp("orders", kTrace, {{"00f067aa0ba902b8", "00f067aa0ba902b7", 2'000'000, 9'000'000,
                                                     childFails ? 2 : 0}}))
          .isOk() &&
      second.ingestOtlpJson(otlp("users", kOlder, {{"00f067aa0ba902c1", "", 500'000, 600'000, 0}})).isOk();
  return stored ? ::testing::AssertionSuccess() : ::testing::AssertionFailure() << "a store refused the spans";
}

TEST(TraceMerge, ListsJoinByTraceId_SummaryCoversEveryPart_NewestFirstWithinTheLimit) {
  telemetry::TraceStore first;
  telemetry::TraceStore second;
  ASSERT_TRUE(holdTwoTraces(first, second, /*childFails=*/true));

  const auto traces = bj::parse(listAcross({&first, &second}, 20)).at("traces").as_array();
  ASSERT_EQ(traces.size(), 2u);
  const auto& joined = traces[0].as_object();
  EXPECT_EQ(joined.at("traceId").as_string(), kTrace);
  EXPECT_EQ(joined.at("rootService").as_string(), "gateway");  // the part that starts first has the root
  EXPECT_EQ(joined.at("startTimeUnixNano").as_string(), "1000000");
  EXPECT_DOUBLE_EQ(joined.at("durationMs").as_double(), 8.0);  // 1 ms to 9 ms, across both parts
  EXPECT_EQ(joined.at("spanCount").as_int64(), 2);
  EXPECT_EQ(bj::serialize(joined.at("services")), R"(["gateway","orders"])");
  EXPECT_TRUE(joined.at("error").as_bool());  // the orders part failed
  EXPECT_EQ(traces[1].at("traceId").as_string(), kOlder);

  auto limited = mergeTraceParts({{replicaName(0), partsOf(first, {kTrace, kOlder})},
                                  {replicaName(1), partsOf(second, {kTrace, kOlder})}},
                                 {}, 1, {replicaName(2)});
  const auto limitedList = bj::parse(limited.json).as_object();
  EXPECT_EQ(limitedList.at("traces").as_array().size(), 1u);
  EXPECT_EQ(limitedList.at("unreachableReplicas").as_int64(), 1);
}

// By root span name: the replica holding a trace's root names it in round 1, and the merged root
// decides. Replica B's part of the trace starts with an orphan ("orders-op", whose parent is on A):
// B nominates the trace for "orders-op", but its root is A's "gateway-op", so it is not listed.
TEST(TraceMerge, ARootNameFilterSelectsByTheMergedTracesRoot_NotByAPartsFirstSpan) {
  telemetry::TraceStore first;
  telemetry::TraceStore second;
  ASSERT_TRUE(holdTwoTraces(first, second, /*childFails=*/false));
  const auto listed = [&](const std::string& rootName) {
    std::vector<std::string> ids;
    const auto list = bj::parse(listAcross({&first, &second}, 20, {.rootName = rootName}));
    for (const auto& trace : list.at("traces").as_array()) ids.emplace_back(trace.at("traceId").as_string());
    return ids;
  };
  EXPECT_EQ(listed("gateway-op"), std::vector<std::string>{kTrace});
  EXPECT_EQ(listed("users-op"), std::vector<std::string>{kOlder});
  EXPECT_TRUE(listed("orders-op").empty());
  EXPECT_EQ(listed("").size(), 2u);
}

// Replica A holds the roots of Y (20 ms) and Z (18 ms), B a child of Z (30 ms). Each replica's
// list starts Z at its own part; cut at one per replica, Z came out first, starting at 30 ms with
// the child as its root and one span. Z starts at 18 ms: the newest trace is Y.
TEST(TraceMerge, ListIsCutByEachTracesEarliestSpanAcrossReplicas_NotByTheStartOfOneReplicasPart) {
  const std::string y = "1af7651916cd43dd8448eb211c80319c";
  const std::string z = "2af7651916cd43dd8448eb211c80319c";
  telemetry::TraceStore a;
  telemetry::TraceStore b;
  ASSERT_TRUE(a.ingestOtlpJson(otlp("gateway", y, {{"00f067aa0ba902b1", "", 20'000'000, 21'000'000, 0}})).isOk());
  ASSERT_TRUE(a.ingestOtlpJson(otlp("gateway", z, {{"00f067aa0ba902b2", "", 18'000'000, 40'000'000, 0}})).isOk());
  ASSERT_TRUE(
      b.ingestOtlpJson(otlp("orders", z, {{"00f067aa0ba902b3", "00f067aa0ba902b2", 30'000'000, 35'000'000, 0}})).isOk());

  const auto newest = bj::parse(listAcross({&a, &b}, 1)).at("traces").as_array();
  ASSERT_EQ(newest.size(), 1u);
  EXPECT_EQ(newest[0].at("traceId").as_string(), y);

  const auto both = bj::parse(listAcross({&a, &b}, 2)).at("traces").as_array();
  ASSERT_EQ(both.size(), 2u);
  const auto& whole = both[1].as_object();
  EXPECT_EQ(whole.at("traceId").as_string(), z);
  EXPECT_EQ(whole.at("startTimeUnixNano").as_string(), "18000000");
  EXPECT_EQ(whole.at("rootService").as_string(), "gateway");
  EXPECT_EQ(whole.at("rootName").as_string(), "gateway-op");
  EXPECT_DOUBLE_EQ(whole.at("durationMs").as_double(), 22.0);
  EXPECT_EQ(whole.at("spanCount").as_int64(), 2);
  EXPECT_EQ(bj::serialize(whole.at("services")), R"(["gateway","orders"])");
}

// A span exported twice (again after a timeout, to another replica) is one span of the trace.
TEST(TraceMerge, ListCountsASpanHeldByTwoReplicasOnce) {
  telemetry::TraceStore a;
  telemetry::TraceStore b;
  ASSERT_TRUE(a.ingestOtlpJson(otlp("gateway", kTrace, {{"00f067aa0ba902b7", "", 1'000'000, 9'000'000, 0},
                                                        {"00f067aa0ba902b9", "00f067aa0ba902b7", 5'000'000, 6'000'000, 0}}))
                  .isOk());
  ASSERT_TRUE(b.ingestOtlpJson(otlp("orders", kTrace, {{"00f067aa0ba902b8", "00f067aa0ba902b7", 2'000'000, 8'000'000, 2},
                                                       {"00f067aa0ba902b9", "00f067aa0ba902b7", 5'000'000, 6'000'000, 0}}))
                  .isOk());
  const auto traces = bj::parse(listAcross({&a, &b}, 20)).at("traces").as_array();
  ASSERT_EQ(traces.size(), 1u);
  EXPECT_EQ(traces[0].at("spanCount").as_int64(), 3);
  EXPECT_TRUE(traces[0].at("error").as_bool());
}

// A replica that answers 200 with something else (a proxy's HTML page, another trace, a truncated
// body) loses its part and is counted as not answering; the other replicas' parts are kept.
TEST(TraceMerge, APartThatIsNotATraceCountsAsAnUnreachableReplica_TheOthersAreKept) {
  telemetry::TraceStore store;
  ASSERT_TRUE(store.ingestOtlpJson(otlp("gateway", kTrace, {{"00f067aa0ba902b7", "", 1000, 9000, 0}})).isOk());
  const std::string otherTrace = "1af7651916cd43dd8448eb211c80319c";
  const std::string emptyPart = R"({"traceId":")" + kTrace + R"(","spans":[]})";
  auto merged = mergeTraceDocuments(
      kTrace,
      {"<html>", *store.getTrace(kTrace), R"({"spans":[]})", R"({"traceId":")" + otherTrace + R"(","spans":[]})",
       emptyPart},
      1);
  EXPECT_EQ(merged.spans, 1u);
  EXPECT_EQ(merged.unreadableParts, 3u);
  EXPECT_EQ(merged.unreachableReplicas, 4u);
  const auto trace = bj::parse(merged.json).as_object();
  EXPECT_EQ(trace.at("spans").as_array().size(), 1u);
  EXPECT_EQ(trace.at("unreachableReplicas").as_int64(), 4);

  // Only empty parts: nothing found, every replica answered.
  auto nothing = mergeTraceDocuments(kTrace, {emptyPart, emptyPart}, 0);
  EXPECT_EQ(nothing.spans, 0u);
  EXPECT_EQ(nothing.unreachableReplicas, 0u);

  std::set<std::string> unreadableLists;
  EXPECT_EQ(traceListCandidates({{replicaName(1), R"({"nothing":1})"}, {"", store.listTraces({.limit = 20})}}, &unreadableLists),
            std::vector<std::string>{kTrace});
  EXPECT_EQ(unreadableLists, std::set<std::string>{replicaName(1)});
  auto list = mergeTraceParts(
      {{replicaName(1), R"({"nothing":1})"}, {"", partsOf(store, {kTrace})}, {replicaName(2), "{"}}, {}, 20, {});
  EXPECT_EQ(list.unreadableParts, 2u);
  const auto listed = bj::parse(list.json).as_object();
  EXPECT_EQ(listed.at("traces").as_array().size(), 1u);
  EXPECT_EQ(listed.at("unreachableReplicas").as_int64(), 2);
}

// A replica may fail both rounds of the list (silent in one, unreadable in the other, or unreadable
// in both): it is one replica whose parts may be missing, not two.
TEST(TraceMerge, AReplicaFailingBothListRoundsIsCountedOnce_EachFailingReplicaOnce) {
  telemetry::TraceStore store;
  ASSERT_TRUE(store.ingestOtlpJson(otlp("gateway", kTrace, {{"00f067aa0ba902b7", "", 1000, 9000, 0}})).isOk());
  const std::string liar = replicaName(1);
  const std::string silent = replicaName(2);

  std::set<std::string> failedRoundOne{silent};
  const auto candidates = traceListCandidates({{"", store.listTraces({.limit = 20})}, {liar, "<html>"}}, &failedRoundOne);
  EXPECT_EQ(failedRoundOne, (std::set<std::string>{liar, silent}));

  // Round 2: the liar lies again, the silent one stays silent.
  auto both = mergeTraceParts({{"", partsOf(store, candidates)}, {liar, R"({"traces":[]})"}}, {}, 20, failedRoundOne);
  EXPECT_EQ(both.unreadableParts, 1u);
  EXPECT_EQ(both.unreachableReplicas, 2u);
  EXPECT_EQ(bj::parse(both.json).at("unreachableReplicas").as_int64(), 2);
  EXPECT_EQ(bj::parse(both.json).at("traces").as_array().size(), 1u);

  // The silent one answers round 2 readably: it still may miss a trace of round 1, so it counts.
  auto recovered = mergeTraceParts({{"", partsOf(store, candidates)}, {silent, partsOf(store, {})}}, {}, 20,
                                   failedRoundOne);
  EXPECT_EQ(recovered.unreachableReplicas, 2u);

  // Every replica readable in both rounds: nothing counted, no field.
  auto clean = mergeTraceParts({{"", partsOf(store, candidates)}, {liar, partsOf(store, {})}}, {}, 20, {});
  EXPECT_EQ(clean.unreachableReplicas, 0u);
  EXPECT_FALSE(bj::parse(clean.json).as_object().contains("unreachableReplicas"));
}

}  // namespace
}  // namespace fleetdeck::gateway
