// The payments executable as composed by its main, on a real NATS: readiness reports the bus, the
// instance registers, a UserRegistered opens a wallet whose WalletOpened leaves through the outbox,
// and SIGTERM deregisters it.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "fleetdeck/bus/connection.h"
#include "fleetdeck/bus/event.h"
#include "fleetdeck/bus/registry.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/http/client.h"
#include "fleetdeck/payments/v1/payments.grpc.pb.h"
#include "fleetdeck/rpc/client.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"
#include "fleetdeck/users/v1/events.pb.h"

namespace fleetdeck {
namespace {

using namespace std::chrono_literals;
using testing::waitUntil;

TEST(PaymentsProcess, WithNats_RegistersConsumesUserRegisteredPublishesItsEventsAndDeregisters) {
  testing::NatsServer nats;
  const uint16_t grpcPort = testing::freePort();
  const std::string bucket = "registry_" + randomHex(4);
  testing::ServiceProcess payments(
      "payments-bus", FLEETDECK_PAYMENTS_BINARY,
      {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/payments/config/payments.toml"},
       {"FLEETDECK_DATABASE__URL", testing::createTestDatabase("payments_process")},
       {"FLEETDECK_GRPC__PORT", std::to_string(grpcPort)},
       {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())},
       {"FLEETDECK_SERVER__WORKERS", "2"},
       {"FLEETDECK_NATS__URL", nats.url()},
       {"FLEETDECK_REGISTRY__BUCKET", bucket},
       {"FLEETDECK_REGISTRY__HEARTBEAT_INTERVAL", "500ms"},
       {"FLEETDECK_OUTBOX__POLL_INTERVAL", "50ms"},
       // What the registry entry names, whatever the listening address (0.0.0.0 in a container).
       {"FLEETDECK_SERVICE__ADVERTISE_ADDRESS", "localhost"}},
      testing::sharedInfra().root / "process-logs");
  ASSERT_TRUE(payments.start().isOk()) << payments.logTail();

  http::HttpClient admin("127.0.0.1", payments.adminPort());
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

  bus::RegistryOptions registryOptions;
  registryOptions.bucket = bucket;
  bus::RegistryWatcher watcher(client, registryOptions);
  watcher.start();
  // The first entry is written before the admin server listens; a heartbeat adds its address.
  ASSERT_TRUE(waitUntil([&] {
    const auto instances = watcher.instancesOf("payments");
    return instances.size() == 1 && !instances[0].adminAddress.empty();
  }, 15s));
  const auto instance = watcher.instancesOf("payments")[0];
  EXPECT_EQ(instance.grpcAddress, "localhost:" + std::to_string(grpcPort));
  EXPECT_EQ(instance.adminAddress, "localhost:" + std::to_string(payments.adminPort()));
  EXPECT_FALSE(instance.version.empty());

  users::v1::UserRegistered registered;
  registered.set_user_id(newUuid());
  bus::EventContext context;
  context.aggregateId = registered.user_id();
  const auto envelope = bus::makeEnvelope(registered, context);
  for (int copy = 0; copy < 2; ++copy) {
    bus::OutgoingMessage message{envelope.subject(), newUuid(), {}, envelope.SerializeAsString()};
    ASSERT_TRUE(waitUntil([&] { return client.publish(message).isOk(); }, 10s));
  }
  auto stub = payments::v1::PaymentsService::NewStub(rpc::makeChannel("127.0.0.1:" + std::to_string(grpcPort)));
  payments::v1::Wallet wallet;
  ASSERT_TRUE(waitUntil([&] {
    grpc::ClientContext call;
    call.set_deadline(std::chrono::system_clock::now() + 2s);
    payments::v1::GetWalletRequest request;
    request.set_user_id(registered.user_id());
    return stub->GetWallet(&call, request, &wallet).ok();
  }, 15s));
  EXPECT_EQ(wallet.balance().units(), 100'000);
  // WalletOpened, once, published by the relay.
  ASSERT_TRUE(waitUntil([&] {
    auto state = client.streamState("FLEETDECK_PAYMENTS");
    return state.isOk() && state->messages >= 1;
  }, 15s));
  std::this_thread::sleep_for(300ms);  // room for a wrong second wallet event
  auto state = client.streamState("FLEETDECK_PAYMENTS");
  ASSERT_TRUE(state.isOk());
  EXPECT_EQ(state->messages, 1u);
  auto published = client.getMessage("FLEETDECK_PAYMENTS", state->firstSequence);
  ASSERT_TRUE(published.isOk());
  auto event = bus::decodeEnvelope(*published);
  ASSERT_TRUE(event.isOk());
  EXPECT_EQ(event->type(), "fleetdeck.payments.v1.WalletOpened");
  EXPECT_EQ(event->aggregate_id(), registered.user_id());

  // What operators see on /metrics.
  std::string metrics;
  EXPECT_TRUE(waitUntil([&] {
    auto scraped = admin.request("GET", "/metrics", "", {});
    metrics = scraped.isOk() ? scraped->body : "";
    return metrics.find("outbox_lag_events{outbox=\"payments\"} 0") != std::string::npos;
  }, 10s)) << metrics;
  EXPECT_NE(metrics.find("bus_consumed_total{consumer=\"payments-users\",outcome=\"ack\"} 2"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("outbox_published_total{outbox=\"payments\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("bus_published_total{stream=\"FLEETDECK_PAYMENTS\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("outbox_oldest_unsent_age_seconds{outbox=\"payments\"} 0"), std::string::npos) << metrics;
  // Admin routes are counted under their own names (start() polled /readyz), not as "unmatched".
  EXPECT_NE(metrics.find("http_requests_total{route=\"/readyz\",method=\"GET\",code=\"200\"}"), std::string::npos)
      << metrics;

  EXPECT_EQ(payments.stop(), 0) << payments.logTail();
  // Deregistered on the way out: gone long before the 15 s TTL.
  EXPECT_TRUE(waitUntil([&] { return watcher.instancesOf("payments").empty(); }, 5s));
}

TEST(PaymentsProcess, NatsDown_ServiceIsStillReady_WithTheBusDegraded) {
  testing::NatsServer nats;
  nats.stop();
  testing::ServiceProcess payments(
      "payments-nobus", FLEETDECK_PAYMENTS_BINARY,
      {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/payments/config/payments.toml"},
       {"FLEETDECK_DATABASE__URL", testing::createTestDatabase("payments_nobus")},
       {"FLEETDECK_GRPC__PORT", std::to_string(testing::freePort())},
       {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())},
       {"FLEETDECK_SERVER__WORKERS", "2"},
       {"FLEETDECK_NATS__URL", nats.url()}},
      testing::sharedInfra().root / "process-logs");
  ASSERT_TRUE(payments.start().isOk()) << payments.logTail();
  http::HttpClient admin("127.0.0.1", payments.adminPort());
  auto ready = admin.request("GET", "/readyz", "", {});
  ASSERT_TRUE(ready.isOk());
  EXPECT_EQ(ready->status, 200) << ready->body;
  EXPECT_NE(ready->body.find("nats"), std::string::npos) << ready->body;
  EXPECT_NE(ready->body.find("not connected to NATS"), std::string::npos) << ready->body;
  EXPECT_NE(ready->body.find("\"degraded\""), std::string::npos) << ready->body;
  EXPECT_EQ(payments.stop(), 0) << payments.logTail();
}

// Starts payments with the config key `key` set to `value` and expects it to stop at start, naming the
// key and its bounds (`bounds`, e.g. "[1s, ").
void expectRefusedAtStart(const std::string& key, const std::string& value, const std::string& bounds,
                          const std::string& database) {
  const Status refused = testing::refusedAtStart(
      "payments-" + database, FLEETDECK_PAYMENTS_BINARY,
      testing::serviceEnvironment(FLEETDECK_SOURCE_DIR "/services/payments/config/payments.toml", "payments_" + database),
      key, value, bounds);
  EXPECT_TRUE(refused.isOk()) << refused.toString();
}

TEST(PaymentsProcess, APruneIntervalOfZero_IsRefusedAtStartNamingTheKey) {
  // The processed-events pruner waits prune_interval between rounds: at 0 it ran DELETE after DELETE
  // without a pause for as long as the process lived (an idle payments used 0.49 CPU seconds in 2 s).
  expectRefusedAtStart("consumers.prune_interval", "0s", "[1s, ", "prune0");
}

TEST(PaymentsProcess, ATelemetryExportIntervalOfZero_IsRefusedAtStartNamingTheKey) {
  // The span exporter (every service's, through ServiceHost) waits export_interval for a batch to
  // fill: at 0 its thread woke without a pause, and each service of an idle local fleet used 16-19 %
  // of a core.
  expectRefusedAtStart("telemetry.export_interval", "0s", "[10ms, ", "export0");
}

TEST(PaymentsProcess, AnAcquireTimeoutOfZero_IsRefusedAtStartNamingTheKey) {
  // A call that finds every pool connection lent out waits acquire_timeout for one: at 0 it failed at
  // once with RESOURCE_EXHAUSTED (a pool of one under light load gave up 99 acquires in a few seconds,
  // none at 2s), so a burst failed calls a moment's wait would have served.
  expectRefusedAtStart("database.acquire_timeout", "0s", "[10ms, ", "acquire0");
}

}  // namespace
}  // namespace fleetdeck
