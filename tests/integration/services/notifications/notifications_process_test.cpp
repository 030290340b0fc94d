// The notifications executable as composed by its main, on a real NATS: its three consumers turn
// events into notifications once each, and the bus check of /readyz passes.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <set>

#include "fleetdeck/bus/connection.h"
#include "fleetdeck/bus/event.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/http/client.h"
#include "fleetdeck/notifications/v1/notifications.grpc.pb.h"
#include "fleetdeck/orders/v1/events.pb.h"
#include "fleetdeck/payments/v1/events.pb.h"
#include "fleetdeck/rpc/client.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"
#include "fleetdeck/users/v1/events.pb.h"

namespace fleetdeck {
namespace {

using namespace std::chrono_literals;
using testing::waitUntil;

TEST(NotificationsProcess, WithNats_EventsFromThreeStreamsBecomeOneNotificationEach) {
  testing::NatsServer nats;
  const uint16_t grpcPort = testing::freePort();
  testing::ServiceProcess service(
      "notifications-bus", FLEETDECK_NOTIFICATIONS_BINARY,
      {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/notifications/config/notifications.toml"},
       {"FLEETDECK_DATABASE__URL", testing::createTestDatabase("notifications_process")},
       {"FLEETDECK_GRPC__PORT", std::to_string(grpcPort)},
       {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())},
       {"FLEETDECK_SERVER__WORKERS", "2"},
       {"FLEETDECK_NATS__URL", nats.url()},
       {"FLEETDECK_CONSUMERS__FETCH_WAIT", "200ms"}},
      testing::sharedInfra().root / "process-logs");
  ASSERT_TRUE(service.start().isOk()) << service.logTail();
  http::HttpClient admin("127.0.0.1", service.adminPort());
  ASSERT_TRUE(waitUntil([&] {
    auto ready = admin.request("GET", "/readyz", "", {});
    return ready.isOk() && ready->status == 200 && ready->body.find("nats") != std::string::npos &&
           ready->body.find("degraded") == std::string::npos;
  }, 15s)) << admin.request("GET", "/readyz", "", {})->body;

  bus::BusOptions options;
  options.url = nats.url();
  auto connected = bus::Bus::connect(options);
  ASSERT_TRUE(connected.isOk());
  auto& client = **connected;
  ASSERT_TRUE(waitUntil([&] { return client.connected(); }, 10s));
  auto publishTwice = [&](const google::protobuf::Message& payload, const std::string& key) {
    bus::EventContext context;
    context.aggregateId = key;
    const auto envelope = bus::makeEnvelope(payload, context);
    for (int copy = 0; copy < 2; ++copy) {
      bus::OutgoingMessage message{envelope.subject(), newUuid(), {}, envelope.SerializeAsString()};
      auto ack = client.publish(message);
      ASSERT_TRUE(ack.isOk()) << ack.status().toString();
    }
  };
  const std::string userId = newUuid();
  const std::string orderId = newUuid();
  users::v1::UserRegistered registered;
  registered.set_user_id(userId);
  registered.set_display_name("Grace");
  publishTwice(registered, userId);
  orders::v1::OrderCreated created;
  created.set_order_id(orderId);
  created.set_user_id(userId);
  publishTwice(created, orderId);
  orders::v1::OrderCancelled cancelled;
  cancelled.set_order_id(orderId);
  cancelled.set_reason("payment_declined");
  publishTwice(cancelled, orderId);
  payments::v1::PaymentDeclined declined;
  declined.set_user_id(userId);
  declined.set_order_id(orderId);
  declined.set_reason("insufficient_funds");
  declined.mutable_amount()->set_units(500);
  declined.mutable_amount()->set_currency_code("USD");
  publishTwice(declined, userId);

  auto stub = notifications::v1::NotificationsService::NewStub(
      rpc::makeChannel("127.0.0.1:" + std::to_string(grpcPort)));
  auto list = [&] {
    grpc::ClientContext call;
    call.set_deadline(std::chrono::system_clock::now() + 2s);
    notifications::v1::ListNotificationsRequest request;
    request.set_user_id(userId);
    notifications::v1::ListNotificationsResponse response;
    EXPECT_TRUE(stub->ListNotifications(&call, request, &response).ok());
    std::multiset<std::string> kinds;
    for (const auto& notification : response.notifications()) kinds.insert(notification.kind());
    return kinds;
  };
  const std::multiset<std::string> expected{"welcome", "order_cancelled", "payment_declined"};
  ASSERT_TRUE(waitUntil([&] { return list() == expected; }, 20s));
  std::this_thread::sleep_for(500ms);  // the second copies are handled by now: still one each
  EXPECT_EQ(list(), expected);
  EXPECT_EQ(service.stop(), 0) << service.logTail();
}

// Starts notifications with the config key `key` set to `value` and expects it to stop at start, naming
// the key and its bounds (`bounds`, e.g. "[1s, ").
void expectRefusedAtStart(const std::string& key, const std::string& value, const std::string& bounds,
                          const std::string& database) {
  const Status refused = testing::refusedAtStart(
      "notifications-" + database, FLEETDECK_NOTIFICATIONS_BINARY,
      testing::serviceEnvironment(FLEETDECK_SOURCE_DIR "/services/notifications/config/notifications.toml",
                                  "notifications_" + database),
      key, value, bounds);
  EXPECT_TRUE(refused.isOk()) << refused.toString();
}

TEST(NotificationsProcess, APruneIntervalOfZero_IsRefusedAtStartNamingTheKey) {
  // The processed-events pruner waits prune_interval between rounds: at 0 it ran DELETE after DELETE
  // without a pause for as long as the process lived (an idle payments used 0.49 CPU seconds in 2 s).
  expectRefusedAtStart("consumers.prune_interval", "0s", "[1s, ", "prune0");
}

TEST(NotificationsProcess, AnAckWaitBelowOneSecond_IsRefusedAtStartNamingTheKey) {
  // JetStream delivers a message again once it has gone unacknowledged for ack_wait, even while its
  // handler still runs, and a fetched batch is handled one message after another: at 1ms a backlog of
  // 1000 events was handled 1068 times (200: 260 times). At 0 the server silently used its 30s default.
  expectRefusedAtStart("consumers.ack_wait", "1ms", "[1s, ", "ackwait1ms");
}

}  // namespace
}  // namespace fleetdeck
