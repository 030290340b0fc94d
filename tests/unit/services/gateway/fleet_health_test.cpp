// The fleet view's rules: how readiness, heartbeat, Prometheus `up` and breakers make up, degraded or
// down, per instance and per service, and which fleet.change events a move produces.
#include "domain/fleet_health.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace fleetdeck::gateway {
namespace {

constexpr int64_t kNow = 1'700'000'000'000'000;

FleetInstance readyInstance(const std::string& id) {
  FleetInstance instance;
  instance.service = "orders";
  instance.instanceId = id;
  instance.grpcAddress = "127.0.0.1:1";
  instance.adminAddress = "127.0.0.1:2";
  instance.startTimeMicros = kNow - 60'000'000;
  instance.lastHeartbeatMicros = kNow - 1'000'000;
  instance.readiness = parseReadiness(
      200, R"({"status":"ready","checks":{"database":{"status":"up","latencyMs":0.4,"critical":true}}})");
  return instance;
}

TEST(FleetHealth, ReadyInstanceWithFreshHeartbeatIsUp) {
  EXPECT_EQ(instanceHealth(readyInstance("a"), {}, kNow), Health::kUp);
}

TEST(FleetHealth, NoReadinessAnswerOrNotReadyIsDown) {
  auto unreachable = readyInstance("a");
  unreachable.readiness = ReadinessProbe{};  // refused
  EXPECT_EQ(instanceHealth(unreachable, {}, kNow), Health::kDown);
  auto notReady = readyInstance("b");
  notReady.readiness = parseReadiness(503, R"({"status":"not_ready","checks":{"database":{"status":"down","error":"x"}}})");
  EXPECT_EQ(instanceHealth(notReady, {}, kNow), Health::kDown);
}

TEST(FleetHealth, NonCriticalCheckDownOpenBreakerLateHeartbeatOrPrometheusDownAreDegraded) {
  auto check = readyInstance("a");
  check.readiness = parseReadiness(
      200, R"({"status":"degraded","checks":{"nats":{"status":"down","critical":false,"error":"no broker"}}})");
  EXPECT_EQ(instanceHealth(check, {}, kNow), Health::kDegraded);
  auto breaker = readyInstance("b");
  breaker.breakers.push_back({"orders", "open"});
  EXPECT_EQ(instanceHealth(breaker, {}, kNow), Health::kDegraded);
  auto late = readyInstance("c");
  late.lastHeartbeatMicros = kNow - 12'000'000;
  EXPECT_EQ(instanceHealth(late, {}, kNow), Health::kDegraded);
  auto scrape = readyInstance("d");
  scrape.prometheusUp = false;
  EXPECT_EQ(instanceHealth(scrape, {}, kNow), Health::kDegraded);
  scrape.prometheusUp = true;
  EXPECT_EQ(instanceHealth(scrape, {}, kNow), Health::kUp);
}

TEST(FleetHealth, ServiceIsUpWhenAllAreDownWhenNoneServesElseDegraded) {
  EXPECT_EQ(serviceHealth({}), Health::kDown);
  EXPECT_EQ(serviceHealth({Health::kUp, Health::kUp}), Health::kUp);
  EXPECT_EQ(serviceHealth({Health::kUp, Health::kDown}), Health::kDegraded);
  EXPECT_EQ(serviceHealth({Health::kDegraded}), Health::kDegraded);
  EXPECT_EQ(serviceHealth({Health::kDown, Health::kDown}), Health::kDown);
}

TEST(FleetHealth, JsonHasTheConsoleShape) {
  std::vector<FleetService> services{{"orders", {readyInstance("orders-1")}}, {"users", {}}};
  services[0].instances[0].breakers.push_back({"orders", "closed"});
  const auto snapshot = assess(services, {}, kNow);
  const auto parsed = boost::json::parse(fleetJson(services, snapshot, kNow)).as_object();
  const auto& list = parsed.at("services").as_array();
  ASSERT_EQ(list.size(), 2u);
  const auto& orders = list[0].as_object();
  EXPECT_EQ(orders.at("name").as_string(), "orders");
  EXPECT_EQ(orders.at("status").as_string(), "up");
  const auto& instance = orders.at("instances").as_array()[0].as_object();
  EXPECT_EQ(instance.at("instanceId").as_string(), "orders-1");
  EXPECT_EQ(instance.at("status").as_string(), "up");
  EXPECT_EQ(instance.at("adminAddress").as_string(), "127.0.0.1:2");
  EXPECT_FALSE(instance.at("startTime").as_string().empty());
  EXPECT_FALSE(instance.at("lastHeartbeat").as_string().empty());
  EXPECT_DOUBLE_EQ(instance.at("uptimeSeconds").as_double(), 60.0);
  EXPECT_EQ(instance.at("readiness").at("checks").at("database").at("status").as_string(), "up");
  EXPECT_EQ(instance.at("breakers").as_array()[0].at("state").as_string(), "closed");
  // A known service without instances is listed, and down.
  EXPECT_EQ(list[1].at("status").as_string(), "down");
  EXPECT_TRUE(list[1].at("instances").as_array().empty());
}

TEST(FleetHealth, DiffReportsInstanceMovesAndDeparturesThenServiceMoves) {
  std::vector<FleetService> before{{"orders", {readyInstance("o1"), readyInstance("o2")}}};
  std::vector<FleetService> after{{"orders", {readyInstance("o1")}}};
  after[0].instances[0].readiness = ReadinessProbe{};
  const auto changes = diffFleet(assess(before, {}, kNow), assess(after, {}, kNow));
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].instance, "o1");
  EXPECT_EQ(changes[0].status, Health::kDown);
  EXPECT_EQ(changes[1].instance, "o2");
  EXPECT_TRUE(changes[1].removed);
  EXPECT_EQ(changes[2].instance, "");
  EXPECT_EQ(changes[2].status, Health::kDown);
  EXPECT_EQ(fleetChangeJson(changes[0]), R"({"service":"orders","instance":"o1","status":"down"})");
  // Nothing moved, nothing to say.
  EXPECT_TRUE(diffFleet(assess(before, {}, kNow), assess(before, {}, kNow)).empty());
}

TEST(FleetHealth, ReadinessThatIsNotJsonIsReportedNotTrusted) {
  const auto probe = parseReadiness(200, "<html>");
  EXPECT_TRUE(probe.answered);
  EXPECT_FALSE(probe.error.empty());
  EXPECT_TRUE(probe.checks.empty());
}

TEST(PublicHealth, TheWorseOfTheLastRoundAndTheLiveBreakersPerService) {
  const std::vector<std::string> services{"orders", "products", "users"};
  auto body = publicHealthJson(services, {{"orders", Health::kUp}, {"products", Health::kUp}, {"users", Health::kDegraded}},
                               {{"orders", {"closed"}}, {"products", {"open", "closed"}}, {"users", {"closed"}}});
  ASSERT_TRUE(body.isOk()) << body.status().toString();
  EXPECT_EQ(boost::json::parse(*body),
            boost::json::parse(R"({"status":"degraded","services":{"orders":"up","products":"degraded","users":"degraded"}})"));

  body = publicHealthJson(services, {}, {{"orders", {"closed"}}, {"products", {"half_open"}}, {"users", {"closed"}}});
  ASSERT_TRUE(body.isOk());
  EXPECT_EQ(boost::json::parse(*body).as_object().at("status").as_string(), "ok") << "before the first round";

  // Every breaker open, no instance known, or down in the last round: down.
  body = publicHealthJson(services, {{"users", Health::kDown}}, {{"products", {"open", "open"}}, {"users", {"closed"}}});
  EXPECT_EQ(body.status().code(), StatusCode::kUnavailable) << "nothing behind the gateway can serve";
  body = publicHealthJson(services, {{"users", Health::kDown}}, {{"orders", {"closed"}}, {"users", {"closed"}}});
  ASSERT_TRUE(body.isOk());
  EXPECT_EQ(boost::json::parse(*body),
            boost::json::parse(R"({"status":"degraded","services":{"orders":"up","products":"down","users":"down"}})"));
  EXPECT_FALSE(publicHealthJson({}, {}, {}).isOk()) << "no upstream configured";
}

}  // namespace
}  // namespace fleetdeck::gateway
