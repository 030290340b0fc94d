// The service registry on a real nats-server: registration, heartbeats, TTL expiry, deregistration.
#include "fleetdeck/bus/registry.h"

#include <gtest/gtest.h>

#include <mutex>

#include "fleetdeck/core/ids.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"

namespace fleetdeck::bus {
namespace {

using namespace std::chrono_literals;
using fleetdeck::testing::waitUntil;

std::unique_ptr<Bus> connectShared() {
  BusOptions options;
  options.url = testing::natsUrl();
  auto bus = Bus::connect(options);
  EXPECT_TRUE(bus.isOk()) << bus.status().toString();
  EXPECT_TRUE(waitUntil([&] { return (*bus)->connected(); }, 10s));
  return std::move(*bus);
}

// A bucket per test with a short TTL, so expiry is observable in seconds.
RegistryOptions shortLived() {
  RegistryOptions options;
  options.bucket = "registry_test_" + randomHex(4);
  options.ttl = 2s;
  options.heartbeatInterval = 300ms;
  return options;
}

ServiceInstance instance(const std::string& name, const std::string& id) {
  ServiceInstance result;
  result.name = name;
  result.instanceId = id;
  result.version = "0.1.0";
  result.grpcAddress = "127.0.0.1:50051";
  result.adminAddress = "127.0.0.1:9101";
  return result;
}

std::vector<std::string> idsOf(const std::vector<ServiceInstance>& instances) {
  std::vector<std::string> ids;
  for (const auto& one : instances) ids.push_back(one.instanceId);
  return ids;
}

TEST(Registry, TwoInstancesRegister_OneStopsHeartbeating_IsGoneAfterTtl) {
  auto bus = connectShared();
  const auto options = shortLived();
  ServiceRegistration first(*bus, instance("orders", "orders-a"), options);
  ServiceRegistration second(*bus, instance("orders", "orders-b"), options);
  first.start();
  second.start();

  // Declared before the watcher, so they outlive its thread, which may still report a change while
  // the test ends.
  std::mutex mutex;
  std::vector<RegistryChange> changes;
  RegistryWatcher watcher(*bus, options);
  watcher.onChange([&](const RegistryChange& change) {
    std::lock_guard lock(mutex);
    changes.push_back(change);
  });
  watcher.start();
  ASSERT_TRUE(waitUntil([&] { return watcher.snapshot().size() == 2; }, 10s));
  auto live = watcher.instancesOf("orders");
  EXPECT_EQ(idsOf(live), (std::vector<std::string>{"orders-a", "orders-b"}));
  EXPECT_EQ(live[0].grpcAddress, "127.0.0.1:50051");
  EXPECT_EQ(live[0].version, "0.1.0");
  EXPECT_GT(live[0].startTimeMicros, 0);
  EXPECT_GT(live[0].lastHeartbeatMicros, 0);
  EXPECT_TRUE(watcher.instancesOf("payments").empty());

  // orders-b dies without deregistering (a crash): only the TTL removes it.
  second.stop(false);
  const auto stoppedAt = std::chrono::steady_clock::now();
  ASSERT_TRUE(waitUntil([&] { return watcher.snapshot().size() == 1; }, 10s));
  EXPECT_GE(std::chrono::steady_clock::now() - stoppedAt, 1s) << "dropped before its TTL ran out";
  EXPECT_EQ(idsOf(watcher.snapshot()), (std::vector<std::string>{"orders-a"}));
  // orders-a keeps heartbeating, so it outlives several TTLs.
  std::this_thread::sleep_for(2500ms);
  EXPECT_EQ(idsOf(watcher.snapshot()), (std::vector<std::string>{"orders-a"}));

  std::lock_guard lock(mutex);
  bool sawRemoval = false;
  for (const auto& change : changes) {
    if (change.kind == RegistryChange::Kind::kRemoved && change.instance.instanceId == "orders-b") sawRemoval = true;
  }
  EXPECT_TRUE(sawRemoval);
}

TEST(Registry, AWatcherWhoseClockIsAnHourOff_SeesLiveInstances_AndExpiresADeadOneAfterTheTtl) {
  auto bus = connectShared();
  const auto options = shortLived();
  ServiceRegistration alive(*bus, instance("orders", "orders-a"), options);
  ServiceRegistration crashing(*bus, instance("orders", "orders-b"), options);
  alive.start();
  crashing.start();
  for (const auto skew : {std::chrono::hours(1), -std::chrono::hours(1)}) {
    auto skewed = options;
    skewed.wallClock = [skew] {
      return std::chrono::duration_cast<std::chrono::microseconds>((std::chrono::system_clock::now() + skew).time_since_epoch())
          .count();
    };
    RegistryWatcher watcher(*bus, skewed);
    watcher.start();
    ASSERT_TRUE(waitUntil([&] { return watcher.synced() && watcher.snapshot().size() == 2; }, 10s))
        << "skew " << skew.count() << " h: " << watcher.snapshot().size() << " instances";
    std::this_thread::sleep_for(2500ms);  // longer than the TTL: heartbeats keep both
    EXPECT_EQ(watcher.snapshot().size(), 2u) << "skew " << skew.count() << " h";
  }

  RegistryWatcher watcher(*bus, options);
  watcher.start();
  ASSERT_TRUE(waitUntil([&] { return watcher.snapshot().size() == 2; }, 10s));
  crashing.stop(false);
  const auto stoppedAt = std::chrono::steady_clock::now();
  ASSERT_TRUE(waitUntil([&] { return watcher.snapshot().size() == 1; }, 10s));
  EXPECT_GE(std::chrono::steady_clock::now() - stoppedAt, 1s) << "dropped before its TTL ran out";
  EXPECT_EQ(idsOf(watcher.snapshot()), (std::vector<std::string>{"orders-a"}));
}

TEST(Registry, Deregistration_RemovesAtOnce_AndALateWatcherSeesCurrentContent) {
  auto bus = connectShared();
  auto options = shortLived();
  options.ttl = 30s;  // long: removal below can only come from the delete
  ServiceRegistration users(*bus, instance("users", "users-1"), options);
  ServiceRegistration payments(*bus, instance("payments", "payments-1"), options);
  users.start();
  payments.start();
  RegistryWatcher watcher(*bus, options);
  watcher.start();
  ASSERT_TRUE(waitUntil([&] { return watcher.snapshot().size() == 2; }, 10s));
  EXPECT_TRUE(watcher.synced());
  payments.stop(true);
  ASSERT_TRUE(waitUntil([&] { return watcher.snapshot().size() == 1; }, 5s));
  EXPECT_EQ(watcher.snapshot()[0].name, "users");

  RegistryWatcher late(*bus, options);
  late.start();
  ASSERT_TRUE(waitUntil([&] { return late.synced(); }, 10s));
  EXPECT_EQ(idsOf(late.snapshot()), (std::vector<std::string>{"users-1"}));
}

TEST(Registry, InstanceJson_RoundTrips_AndMalformedEntriesAreRefused) {
  auto original = instance("gateway", "gw-1");
  original.startTimeMicros = 1'700'000'000'000'000;
  auto parsed = instanceFromJson(instanceToJson(original));
  ASSERT_TRUE(parsed.isOk());
  EXPECT_EQ(*parsed, original);
  EXPECT_FALSE(instanceFromJson("not json").isOk());
  EXPECT_FALSE(instanceFromJson(R"({"name":"x"})").isOk());
  EXPECT_EQ(registryKey("orders", "host:1 2"), "orders.host_1_2");
}

}  // namespace
}  // namespace fleetdeck::bus
