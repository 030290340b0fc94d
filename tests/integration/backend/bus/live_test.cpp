// Live subjects against a real nats-server: plain messages reach every subscriber connected at the
// time and are stored nowhere, and a subscription made while NATS is away, or across a broker
// restart, receives once the broker is back.
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "fleetdeck/bus/live.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"

namespace fleetdeck::bus {
namespace {

using namespace std::chrono_literals;
using fleetdeck::testing::waitUntil;

std::unique_ptr<Bus> connectTo(const std::string& url, bool waitForIt = true) {
  BusOptions options;
  options.url = url;
  options.name = "live-test";
  options.requestTimeout = 3s;
  options.reconnectWait = 100ms;
  auto bus = Bus::connect(options);
  EXPECT_TRUE(bus.isOk()) << bus.status().toString();
  if (waitForIt) {
    EXPECT_TRUE(waitUntil([&] { return (*bus)->connected(); }, 10s));
  }
  return std::move(*bus);
}

// A subject of its own per test, so tests sharing the broker never see each other's messages.
std::string uniqueSubject() { return std::string(kLiveSubjectPrefix) + "test." + randomHex(6); }

struct Received {
  std::mutex mutex;
  std::vector<std::string> data;
  LiveSubscription::Handler handler() {
    return [this](const ReceivedMessage& message) {
      std::lock_guard lock(mutex);
      data.push_back(message.data);
    };
  }
  std::vector<std::string> copy() {
    std::lock_guard lock(mutex);
    return data;
  }
  bool has(const std::string& text) {
    const auto all = copy();
    return std::find(all.begin(), all.end(), text) != all.end();
  }
};

// Publishes `text` until `received` has it (a subscription's SUB reaches the server asynchronously,
// so the first messages after start() may precede it). False after 30 tries.
bool publishUntilReceived(Bus& publisher, const std::string& subject, const std::string& text, Received& received) {
  for (int attempt = 0; attempt < 30; ++attempt) {
    (void)publishLive(publisher, subject, text);
    if (waitUntil([&] { return received.has(text); }, 500ms)) return true;
  }
  return false;
}

TEST(LiveSubjects, EverySubscriberConnectedNowGetsTheMessage_ALaterOneGetsNothing) {
  const std::string subject = uniqueSubject();
  auto publisher = connectTo(testing::natsUrl());
  auto firstBus = connectTo(testing::natsUrl());
  auto secondBus = connectTo(testing::natsUrl());
  Received first;
  Received second;
  LiveSubscription firstSubscription(*firstBus, subject, first.handler());
  LiveSubscription secondSubscription(*secondBus, subject, second.handler());
  ASSERT_TRUE(firstSubscription.start().isOk());
  ASSERT_TRUE(secondSubscription.start().isOk());
  EXPECT_TRUE(firstSubscription.active());
  // Each subscriber's SUB reaches the server on its own connection, in its own time: warmed up one by one.
  ASSERT_TRUE(publishUntilReceived(*publisher, subject, "warm-up", first));
  ASSERT_TRUE(publishUntilReceived(*publisher, subject, "warm-up", second)) << "the second subscriber was not subscribed";

  ASSERT_TRUE(publishLive(*publisher, subject, std::string("progress \0 42", 13)).isOk());
  EXPECT_TRUE(waitUntil([&] { return first.has(std::string("progress \0 42", 13)); }, 5s)) << "bytes arrive as sent";
  EXPECT_TRUE(waitUntil([&] { return second.has(std::string("progress \0 42", 13)); }, 5s));

  // Nothing was stored: a subscriber that comes later gets only what is published after it.
  auto lateBus = connectTo(testing::natsUrl());
  Received late;
  LiveSubscription lateSubscription(*lateBus, subject, late.handler());
  ASSERT_TRUE(lateSubscription.start().isOk());
  ASSERT_TRUE(publishUntilReceived(*publisher, subject, "after", late));
  for (const auto& data : late.copy()) EXPECT_EQ(data, "after");

  // Stopped: nothing more reaches it.
  firstSubscription.stop();
  EXPECT_FALSE(firstSubscription.active());
  const size_t before = first.copy().size();
  ASSERT_TRUE(publishUntilReceived(*publisher, subject, "after stop", second));
  EXPECT_EQ(first.copy().size(), before);
}

TEST(LiveSubjects, ASubjectAStreamCouldTake_IsRefused_AndNothingGoesOutWhileDisconnected) {
  auto bus = connectTo(testing::natsUrl());
  const Status refused = publishLive(*bus, "fleetdeck.orders.v1.Rebuild", "x");
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument);
  ASSERT_FALSE(refused.violations().empty());
  EXPECT_EQ(refused.violations()[0].field, "subject");
  LiveSubscription wrong(*bus, "fleetdeck.orders.v1.>", [](const ReceivedMessage&) {});
  EXPECT_EQ(wrong.start().code(), StatusCode::kInvalidArgument);

  testing::NatsServer nats;
  auto away = connectTo(nats.url());
  nats.stop();
  ASSERT_TRUE(waitUntil([&] { return !away->connected(); }, 10s));
  EXPECT_EQ(publishLive(*away, uniqueSubject(), "stale by the time it would arrive").code(), StatusCode::kUnavailable);
}

TEST(LiveSubjects, SubscribedWhileNatsIsAway_AndAcrossARestart_ReceivesOnceItIsBack) {
  testing::NatsServer nats;
  nats.stop();
  const std::string subject = uniqueSubject();
  auto subscriberBus = connectTo(nats.url(), /*waitForIt=*/false);
  Received received;
  LiveSubscription subscription(*subscriberBus, subject, received.handler());
  ASSERT_TRUE(subscription.start().isOk()) << "libnats takes it and sends it on connect";
  EXPECT_FALSE(subscription.active());

  nats.start();
  auto publisher = connectTo(nats.url());
  ASSERT_TRUE(waitUntil([&] { return subscriberBus->connected(); }, 15s));
  EXPECT_TRUE(publishUntilReceived(*publisher, subject, "first", received)) << "the subscription never reached NATS";
  EXPECT_TRUE(subscription.active());

  nats.stop();
  nats.start();
  ASSERT_TRUE(waitUntil([&] { return publisher->connected() && subscriberBus->connected(); }, 15s));
  EXPECT_TRUE(publishUntilReceived(*publisher, subject, "after restart", received))
      << "the subscription did not come back with the connection";
}

}  // namespace
}  // namespace fleetdeck::bus
