// The admin stream's feed: ordered ids, bounded memory, Last-Event-ID resume without loss or repeats.
#include "domain/admin_events.h"

#include <gtest/gtest.h>

#include <thread>

namespace fleetdeck::gateway {
namespace {

TEST(AdminEventSource, SubscribersGetEveryEventInOrderWithGrowingIds) {
  AdminEventSource source(16, 1000);
  std::vector<AdminEvent> seen;
  source.subscribe(std::nullopt, [&](const AdminEvent& event) {
    seen.push_back(event);
    return true;
  });
  EXPECT_EQ(source.publish("saga.step", R"({"step":1})"), 1000u);
  EXPECT_EQ(source.publish("saga.step", R"({"step":2})"), 1001u);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].data, R"({"step":1})");
  EXPECT_EQ(seen[1].id, 1001u);
}

TEST(AdminEventSource, ResumingAfterAnIdReplaysExactlyWhatCameAfterIt) {
  AdminEventSource source(16);
  for (int i = 1; i <= 5; ++i) source.publish("order.event", std::to_string(i));
  std::vector<uint64_t> ids;
  const auto subscription = source.subscribe(2, [&](const AdminEvent& event) {
    ids.push_back(event.id);
    return true;
  });
  EXPECT_FALSE(subscription.gap);
  EXPECT_EQ(subscription.replayed, 3u);
  source.publish("order.event", "6");
  EXPECT_EQ(ids, (std::vector<uint64_t>{3, 4, 5, 6}));
}

TEST(AdminEventSource, AnIdOlderThanTheRingIsReportedAsAGapFirst) {
  AdminEventSource source(3);
  for (int i = 1; i <= 10; ++i) source.publish("alert", std::to_string(i));
  std::vector<AdminEvent> seen;
  const auto subscription = source.subscribe(2, [&](const AdminEvent& event) {
    seen.push_back(event);
    return true;
  });
  EXPECT_TRUE(subscription.gap);
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].type, "stream.gap");
  EXPECT_EQ(seen[0].id, 0u) << "the notice has no id, so it does not move Last-Event-ID";
  EXPECT_EQ(seen[1].id, 8u);
  EXPECT_EQ(seen[3].id, 10u);
}

TEST(AdminEventSource, AReplayBiggerThanItsBudget_SendsTheNewestThatFit_AfterAGap) {
  AdminEventSource source(100);
  for (int i = 1; i <= 10; ++i) source.publish("saga.step", std::string(80, 'x') + std::to_string(i));
  const size_t one = formatServerSentEvent(AdminEvent{10, "saga.step", std::string(80, 'x') + "10"}).size();
  std::vector<AdminEvent> seen;
  const auto subscription = source.subscribe(
      1, [&](const AdminEvent& event) {
        seen.push_back(event);
        return true;
      },
      3 * one + one / 2);
  EXPECT_TRUE(subscription.gap) << "events 2 to 7 are not replayed: the client must know";
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].type, "stream.gap");
  EXPECT_NE(seen[0].data.find("\"oldestKept\":\"8\""), std::string::npos) << seen[0].data;
  EXPECT_EQ(seen[1].id, 8u);
  EXPECT_EQ(seen[3].id, 10u);
  // Within the budget nothing changes: all of it, no gap.
  seen.clear();
  const auto within = source.subscribe(7, [&](const AdminEvent& event) {
    seen.push_back(event);
    return true;
  }, 3 * one + one / 2);
  EXPECT_FALSE(within.gap);
  EXPECT_EQ(seen.size(), 3u);
}

// Two replicas (or a restart): each numbers its events in a block of its own, so a console resuming
// on the other one with the first one's Last-Event-ID gets a gap and everything kept, never an
// unrelated suffix taken for what it missed.
TEST(AdminEventSource, AnIdFromAnotherProcessIsAGap_EvenAfterManyEvents) {
  const uint64_t firstA = AdminEventSource::processFirstId();
  uint64_t firstB = AdminEventSource::processFirstId();
  while (firstB == firstA) firstB = AdminEventSource::processFirstId();
  EXPECT_EQ(firstA % (uint64_t{1} << 40), 0u);
  EXPECT_LT(firstA, uint64_t{1} << 62);
  AdminEventSource a(4096, firstA), b(4096, firstB);
  uint64_t lastOfA = 0;
  for (int i = 0; i < 3000; ++i) lastOfA = a.publish("alert", "{}");
  for (int i = 0; i < 2500; ++i) b.publish("alert", "{}");
  std::vector<std::string> types;
  const auto resumed = b.subscribe(lastOfA, [&](const AdminEvent& event) {
    types.push_back(event.type);
    return true;
  });
  EXPECT_TRUE(resumed.gap);
  ASSERT_FALSE(types.empty());
  EXPECT_EQ(types.front(), "stream.gap");
  EXPECT_EQ(resumed.replayed, 2500u) << "everything kept is replayed";
}

TEST(AdminEventSource, ASubscriberThatSaysStopIsDropped) {
  AdminEventSource source(8);
  int calls = 0;
  source.subscribe(std::nullopt, [&](const AdminEvent&) { return ++calls < 2; });
  source.publish("a", "1");
  source.publish("a", "2");
  source.publish("a", "3");
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(source.subscriberCount(), 0u);
}

TEST(AdminEventSource, ConcurrentPublishersNeverReorderOrLoseEvents) {
  AdminEventSource source(100'000);
  std::vector<uint64_t> ids;
  source.subscribe(std::nullopt, [&](const AdminEvent& event) {
    ids.push_back(event.id);
    return true;
  });
  std::vector<std::thread> publishers;
  for (int t = 0; t < 4; ++t) {
    publishers.emplace_back([&] {
      for (int i = 0; i < 500; ++i) source.publish("fleet.change", "{}");
    });
  }
  for (auto& thread : publishers) thread.join();
  ASSERT_EQ(ids.size(), 2000u);
  for (size_t i = 1; i < ids.size(); ++i) ASSERT_EQ(ids[i], ids[i - 1] + 1);
}

TEST(ServerSentEvents, MultiLineDataBecomesSeveralDataLines) {
  EXPECT_EQ(formatServerSentEvent({7, "saga.step", "{\n\"a\":1\r\n}"}), "id: 7\nevent: saga.step\ndata: {\ndata: \"a\":1\ndata: }\n\n");
  EXPECT_EQ(formatServerSentEvent({0, "stream.gap", "{}"}), "event: stream.gap\ndata: {}\n\n");
}

}  // namespace
}  // namespace fleetdeck::gateway
