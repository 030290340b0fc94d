// The admin stream fed from a real NATS: events published through backend/bus on the orders stream
// come out as order.event and saga.step, in order, starting from new messages, and keep coming after
// the broker restarts; rebuild progress on its live subject comes out as replay.progress, on every
// gateway's feed, and a malformed one is dropped while the feed goes on.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <mutex>

#include "adapters/order_event_feed.h"
#include "fleetdeck/bus/event.h"
#include "fleetdeck/bus/live.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/orders/v1/events.pb.h"
#include "fleetdeck/orders/v1/orders.pb.h"
#include "fleetdeck/orders/v1/sagas.pb.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"

namespace fleetdeck::gateway {
namespace {

using namespace std::chrono_literals;
using fleetdeck::testing::waitUntil;

std::unique_ptr<bus::Bus> connectTo(const std::string& url, const std::string& name) {
  bus::BusOptions options;
  options.url = url;
  options.name = name;
  options.requestTimeout = 3s;
  options.reconnectWait = 100ms;
  auto connected = bus::Bus::connect(options);
  EXPECT_TRUE(connected.isOk()) << connected.status().toString();
  EXPECT_TRUE(waitUntil([&] { return (*connected)->connected(); }, 10s));
  return std::move(*connected);
}

// What a console would have received: every event published on the source, in order.
struct Recorder {
  std::mutex mutex;
  std::vector<AdminEvent> events;
  explicit Recorder(AdminEventSource& source) {
    source.subscribe(std::nullopt, [this](const AdminEvent& event) {
      std::lock_guard lock(mutex);
      events.push_back(event);
      return true;
    });
  }
  size_t size() {
    std::lock_guard lock(mutex);
    return events.size();
  }
  std::vector<AdminEvent> copy() {
    std::lock_guard lock(mutex);
    return events;
  }
};

// Publishes an event the way the orders outbox does: envelope, subject = type, id = event id.
void publish(bus::Bus& bus, const google::protobuf::Message& payload, const std::string& aggregateId, int64_t version) {
  bus::EventContext context;
  context.aggregateId = aggregateId;
  context.aggregateVersion = version;
  context.source = "orders";
  const auto envelope = bus::makeEnvelope(payload, context);
  bus::OutgoingMessage message;
  message.subject = envelope.subject();
  message.msgId = envelope.event_id();
  message.headers.emplace_back(bus::kEventTypeHeader, envelope.type());
  message.data = envelope.SerializeAsString();
  auto ack = bus.publish(message);
  ASSERT_TRUE(ack.isOk()) << ack.status().toString();
}

orders::v1::SagaStepChanged step(const std::string& sagaId, const std::string& orderId, const std::string& name,
                                 const std::string& state, const std::string& sagaState) {
  orders::v1::SagaStepChanged change;
  change.set_saga_id(sagaId);
  change.set_saga_type("place_order");
  change.set_order_id(orderId);
  change.set_saga_state(sagaState);
  change.mutable_step()->set_name(name);
  change.mutable_step()->set_state(state);
  change.mutable_step()->set_attempts(1);
  return change;
}

boost::json::object data(const AdminEvent& event) { return boost::json::parse(event.data).as_object(); }

TEST(OrderEventFeed, OrderAndSagaEventsBecomeStreamEventsInOrderFromNewMessagesOnly) {
  testing::NatsServer nats;
  auto producer = connectTo(nats.url(), "orders-test");
  ASSERT_TRUE(producer->declareStream(bus::domainStream("orders")).isOk());
  const std::string orderId = "o-" + randomHex(4);
  const std::string sagaId = "s-" + randomHex(4);
  // Published before the gateway starts: history, which the stream must not replay.
  orders::v1::OrderCreated old;
  old.set_order_id("o-old");
  publish(*producer, old, "o-old", 1);

  AdminEventSource source(1024, 1);
  Recorder recorder(source);
  auto consumer = connectTo(nats.url(), "gateway-test");
  OrderEventFeed feed(*consumer, source);
  feed.start();
  ASSERT_TRUE(waitUntil([&] { return feed.readiness().isOk(); }, 10s)) << feed.readiness().toString();

  orders::v1::OrderCreated created;
  created.set_order_id(orderId);
  created.set_saga_id(sagaId);
  publish(*producer, created, orderId, 1);
  // One transaction's transitions travel as one SagaStepsChanged; a lone SagaStepChanged (as older
  // orders versions published) is still read.
  publish(*producer, step(sagaId, orderId, "reserve_stock", "started", "RUNNING"), sagaId, 1);
  orders::v1::SagaStepsChanged reserved;
  *reserved.add_changes() = step(sagaId, orderId, "reserve_stock", "succeeded", "RUNNING");
  *reserved.add_changes() = step(sagaId, orderId, "charge_payment", "started", "RUNNING");
  publish(*producer, reserved, sagaId, 2);
  orders::v1::SagaStepsChanged finished;
  *finished.add_changes() = step(sagaId, orderId, "charge_payment", "succeeded", "RUNNING");
  *finished.add_changes() = step(sagaId, orderId, "confirm_order", "succeeded", "COMPLETED");
  publish(*producer, finished, sagaId, 3);
  orders::v1::OrderConfirmed confirmed;
  confirmed.set_order_id(orderId);
  publish(*producer, confirmed, orderId, 2);
  // Not shown on the stream: not an order event nor a saga step.
  orders::v1::Saga saga;
  publish(*producer, saga, sagaId, 4);

  ASSERT_TRUE(waitUntil([&] { return recorder.size() >= 7; }, 10s)) << recorder.size();
  const auto events = recorder.copy();
  ASSERT_EQ(events.size(), 7u);
  EXPECT_EQ(events[0].type, "order.event");
  EXPECT_EQ(data(events[0]).at("orderId").as_string(), orderId) << "the older OrderCreated was not replayed";
  EXPECT_EQ(data(events[0]).at("type").as_string(), "OrderCreated");
  EXPECT_EQ(data(events[0]).at("version").as_string(), "1");
  EXPECT_FALSE(data(events[0]).at("time").as_string().empty());
  const std::vector<std::pair<std::string, std::string>> steps{{"reserve_stock", "started"},
                                                               {"reserve_stock", "succeeded"},
                                                               {"charge_payment", "started"},
                                                               {"charge_payment", "succeeded"},
                                                               {"confirm_order", "succeeded"}};
  for (size_t i = 0; i < steps.size(); ++i) {
    const auto& event = events[1 + i];
    ASSERT_EQ(event.type, "saga.step");
    const auto json = data(event);
    EXPECT_EQ(json.at("sagaId").as_string(), sagaId);
    EXPECT_EQ(json.at("orderId").as_string(), orderId);
    EXPECT_EQ(json.at("step").as_string(), steps[i].first);
    EXPECT_EQ(json.at("state").as_string(), steps[i].second);
  }
  EXPECT_EQ(data(events[5]).at("sagaState").as_string(), "COMPLETED");
  EXPECT_EQ(events[6].type, "order.event");
  EXPECT_EQ(data(events[6]).at("type").as_string(), "OrderConfirmed");
  EXPECT_EQ(data(events[6]).at("version").as_string(), "2");
  for (size_t i = 1; i < events.size(); ++i) EXPECT_LT(events[i - 1].id, events[i].id);
  feed.stop();
}

TEST(OrderEventFeed, GarbageOnTheStreamIsSkippedAndTheFeedGoesOn) {
  testing::NatsServer nats;
  auto producer = connectTo(nats.url(), "orders-test");
  ASSERT_TRUE(producer->declareStream(bus::domainStream("orders")).isOk());
  AdminEventSource source(1024, 1);
  Recorder recorder(source);
  auto consumer = connectTo(nats.url(), "gateway-test");
  OrderEventFeed feed(*consumer, source);
  feed.start();
  ASSERT_TRUE(waitUntil([&] { return feed.readiness().isOk(); }, 10s));
  auto ack = producer->publish({"fleetdeck.orders.v1.OrderCreated", "garbage-1", {}, "not an envelope"});
  ASSERT_TRUE(ack.isOk()) << ack.status().toString();
  orders::v1::OrderCreated created;
  created.set_order_id("o-after");
  publish(*producer, created, "o-after", 1);
  ASSERT_TRUE(waitUntil([&] { return recorder.size() >= 1; }, 10s));
  const auto events = recorder.copy();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(data(events[0]).at("orderId").as_string(), "o-after");
}

TEST(OrderEventFeed, KeepsDeliveringAfterTheBrokerRestarts) {
  testing::NatsServer nats;
  auto producer = connectTo(nats.url(), "orders-test");
  ASSERT_TRUE(producer->declareStream(bus::domainStream("orders")).isOk());
  AdminEventSource source(1024, 1);
  Recorder recorder(source);
  auto consumer = connectTo(nats.url(), "gateway-test");
  OrderEventFeed feed(*consumer, source);
  feed.start();
  ASSERT_TRUE(waitUntil([&] { return feed.readiness().isOk(); }, 10s));
  orders::v1::OrderCreated first;
  first.set_order_id("o-before");
  publish(*producer, first, "o-before", 1);
  ASSERT_TRUE(waitUntil([&] { return recorder.size() == 1; }, 10s));

  nats.stop();
  nats.start();
  ASSERT_TRUE(waitUntil([&] { return producer->connected() && consumer->connected(); }, 15s));
  // The tail comes back by itself; keep publishing (bounded) until an event arrives through it.
  orders::v1::OrderCreated after;
  after.set_order_id("o-after-restart");
  bool delivered = false;
  for (int attempt = 0; attempt < 30 && !delivered; ++attempt) {
    bus::EventContext context;
    context.aggregateId = "o-after-restart";
    context.aggregateVersion = 1;
    const auto envelope = bus::makeEnvelope(after, context);
    (void)producer->publish({envelope.subject(), envelope.event_id(), {}, envelope.SerializeAsString()});
    delivered = waitUntil(
        [&] {
          for (const auto& event : recorder.copy()) {
            if (event.data.find("o-after-restart") != std::string::npos) return true;
          }
          return false;
        },
        1s);
  }
  EXPECT_TRUE(delivered) << "no order event arrived within 30 s of the broker's restart";
  EXPECT_TRUE(feed.readiness().isOk());
}

orders::v1::Rebuild rebuild(const std::string& id, const std::string& state, int64_t processed, int64_t total) {
  orders::v1::Rebuild message;
  message.set_id(id);
  message.set_projection("orders");
  message.set_state(state);
  message.set_processed_events(processed);
  message.set_total_events(total);
  return message;
}

// The replay.progress events of `recorder` for rebuild `id`, as JSON.
std::vector<boost::json::object> progressOf(Recorder& recorder, const std::string& id) {
  std::vector<boost::json::object> found;
  for (const auto& event : recorder.copy()) {
    if (event.type != "replay.progress") continue;
    auto json = data(event);
    if (json.at("id").as_string() == id) found.push_back(std::move(json));
  }
  return found;
}

// Two gateways, one orders replica announcing: both feeds show every report, as replay.progress with
// the Rebuild's names, ids of their own; a malformed message between them is dropped, not shown.
TEST(OrderEventFeed, RebuildProgressReachesEveryGatewaysStream_AMalformedMessageIsDropped) {
  testing::NatsServer nats;
  auto ordersBus = connectTo(nats.url(), "orders-test");
  AdminEventSource firstSource(1024, 1);
  AdminEventSource secondSource(1024, 1'000'000);
  Recorder first(firstSource);
  Recorder second(secondSource);
  auto firstBus = connectTo(nats.url(), "gateway-1");
  auto secondBus = connectTo(nats.url(), "gateway-2");
  OrderEventFeed firstFeed(*firstBus, firstSource);
  OrderEventFeed secondFeed(*secondBus, secondSource);
  firstFeed.start();
  secondFeed.start();
  ASSERT_TRUE(waitUntil([&] { return firstFeed.readiness().isOk() && secondFeed.readiness().isOk(); }, 10s))
      << firstFeed.readiness().toString() << " / " << secondFeed.readiness().toString();
  EXPECT_EQ(rebuildProgressSubject(), "fleetdeck.live.orders.v1.Rebuild");

  // The subscriptions reach the server asynchronously: announce until both have heard of a warm-up.
  const std::string warmUp = newUuid();
  ASSERT_TRUE(waitUntil(
      [&] {
        (void)bus::publishLive(*ordersBus, rebuildProgressSubject(), rebuild(warmUp, "DONE", 0, 0).SerializeAsString());
        return !progressOf(first, warmUp).empty() && !progressOf(second, warmUp).empty();
      },
      10s));

  const std::string id = newUuid();
  ASSERT_TRUE(bus::publishLive(*ordersBus, rebuildProgressSubject(), rebuild(id, "RUNNING", 0, 9000).SerializeAsString()).isOk());
  ASSERT_TRUE(bus::publishLive(*ordersBus, rebuildProgressSubject(), "not a Rebuild at all \xff\xff\xff").isOk());
  orders::v1::Rebuild noId = rebuild("", "RUNNING", 10, 20);
  ASSERT_TRUE(bus::publishLive(*ordersBus, rebuildProgressSubject(), noId.SerializeAsString()).isOk());
  ASSERT_TRUE(bus::publishLive(*ordersBus, rebuildProgressSubject(), rebuild(id, "RUNNING", 3000, 9000).SerializeAsString()).isOk());
  orders::v1::Rebuild done = rebuild(id, "DONE", 9000, 9000);
  done.set_difference_count(2);
  done.add_differences()->set_order_id("o-1");
  ASSERT_TRUE(bus::publishLive(*ordersBus, rebuildProgressSubject(), done.SerializeAsString()).isOk());

  for (Recorder* recorder : {&first, &second}) {
    ASSERT_TRUE(waitUntil([&] { return progressOf(*recorder, id).size() == 3; }, 10s)) << progressOf(*recorder, id).size();
    const auto progress = progressOf(*recorder, id);
    EXPECT_EQ(progress[0].at("state").as_string(), "RUNNING");
    EXPECT_EQ(progress[0].at("processedEvents").as_string(), "0");
    EXPECT_EQ(progress[1].at("processedEvents").as_string(), "3000");
    EXPECT_EQ(progress[2].at("state").as_string(), "DONE");
    EXPECT_EQ(progress[2].at("processedEvents").as_string(), "9000");
    EXPECT_EQ(progress[2].at("totalEvents").as_string(), "9000");
    EXPECT_EQ(progress[2].at("differenceCount").as_string(), "2");
    EXPECT_FALSE(progress[2].contains("differences"));
    // Nothing else came through: the two malformed messages were dropped.
    size_t shown = 0;
    for (const auto& event : recorder->copy()) shown += event.type == "replay.progress" ? 1 : 0;
    EXPECT_EQ(shown, progressOf(*recorder, warmUp).size() + 3);
  }
  // Each gateway numbers its own events (Last-Event-ID resumes on the one that sent them).
  const auto firstEvents = first.copy();
  const auto secondEvents = second.copy();
  EXPECT_LT(firstEvents.back().id, 1'000'000u);
  EXPECT_GE(secondEvents.back().id, 1'000'000u);
  firstFeed.stop();
  secondFeed.stop();
}

// Stopped and started again, the broker forgets every plain subscription: libnats sends it again,
// and progress reaches the stream once more.
TEST(OrderEventFeed, RebuildProgressKeepsArrivingAfterTheBrokerRestarts) {
  testing::NatsServer nats;
  auto ordersBus = connectTo(nats.url(), "orders-test");
  AdminEventSource source(1024, 1);
  Recorder recorder(source);
  auto gatewayBus = connectTo(nats.url(), "gateway-test");
  OrderEventFeed feed(*gatewayBus, source);
  feed.start();
  ASSERT_TRUE(waitUntil([&] { return feed.readiness().isOk(); }, 10s));

  nats.stop();
  ASSERT_TRUE(waitUntil([&] { return !feed.readiness().isOk(); }, 10s)) << "readiness still OK without NATS";
  nats.start();
  ASSERT_TRUE(waitUntil([&] { return ordersBus->connected() && gatewayBus->connected(); }, 15s));
  const std::string id = newUuid();
  EXPECT_TRUE(waitUntil(
      [&] {
        (void)bus::publishLive(*ordersBus, rebuildProgressSubject(), rebuild(id, "FAILED", 1, 2).SerializeAsString());
        return !progressOf(recorder, id).empty();
      },
      15s))
      << "no rebuild progress arrived within 15 s of the broker's restart";
  EXPECT_TRUE(waitUntil([&] { return feed.readiness().isOk(); }, 10s)) << feed.readiness().toString();
  feed.stop();
}

}  // namespace
}  // namespace fleetdeck::gateway
