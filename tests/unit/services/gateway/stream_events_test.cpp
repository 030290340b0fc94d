// The admin stream's order.event, saga.step and alert shapes (docs/console-api-contract.md) and the
// alert-change diff that decides which alert events go out.
#include "domain/stream_events.h"

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace fleetdeck::gateway {
namespace {

using google::protobuf::util::TimeUtil;

TEST(StreamEvents, OrderEventCarriesShortTypeStringVersionAndTime) {
  EXPECT_TRUE(isOrderEvent("fleetdeck.orders.v1.OrderConfirmed"));
  EXPECT_FALSE(isOrderEvent("fleetdeck.orders.v1.SagaStepChanged"));
  EXPECT_FALSE(isOrderEvent("fleetdeck.orders.v1.SagaStepsChanged"));
  EXPECT_FALSE(isOrderEvent("fleetdeck.payments.v1.OrderLike"));
  const auto json = boost::json::parse(
      orderEventJson("o-1", 3, "fleetdeck.orders.v1.OrderConfirmed", 1'700'000'000'123'000)).as_object();
  EXPECT_EQ(json.at("orderId").as_string(), "o-1");
  EXPECT_EQ(json.at("version").as_string(), "3");
  EXPECT_EQ(json.at("type").as_string(), "OrderConfirmed");
  EXPECT_EQ(json.at("time").as_string(), "2023-11-14T22:13:20.123Z");
}

TEST(StreamEvents, SagaStepHasEveryContractFieldIncludingSagaState) {
  orders::v1::SagaStepChanged change;
  change.set_saga_id("s-1");
  change.set_saga_type("place_order");
  change.set_order_id("o-1");
  change.set_saga_state("COMPENSATED");
  change.set_trace_id("4bf92f3577b34da6a3ce929d0e0e4736");
  change.set_duration_ms(12);
  auto* step = change.mutable_step();
  step->set_name("reserve_stock");
  step->set_state("compensated");
  step->set_attempts(2);
  step->set_error("payment_declined");
  step->set_compensation(true);
  *step->mutable_start_time() = TimeUtil::MicrosecondsToTimestamp(1'700'000'000'000'000);
  *step->mutable_end_time() = TimeUtil::MicrosecondsToTimestamp(1'700'000'001'000'000);
  const auto json = boost::json::parse(sagaStepJson(change, 0)).as_object();
  EXPECT_EQ(json.at("sagaId").as_string(), "s-1");
  EXPECT_EQ(json.at("orderId").as_string(), "o-1");
  EXPECT_EQ(json.at("step").as_string(), "reserve_stock");
  EXPECT_EQ(json.at("state").as_string(), "compensated");
  EXPECT_EQ(json.at("attempt").as_int64(), 2);
  EXPECT_EQ(json.at("error").as_string(), "payment_declined");
  EXPECT_EQ(json.at("time").as_string(), "2023-11-14T22:13:21Z") << "the transition's time is the step's end";
  EXPECT_EQ(json.at("traceId").as_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(json.at("sagaState").as_string(), "COMPENSATED");
  EXPECT_TRUE(json.at("compensation").as_bool());
}

TEST(StreamEvents, AlertsAreParsedFromPrometheusAndKeyedByNameAndLabels) {
  std::string error;
  EXPECT_FALSE(parseAlerts("nope", &error));
  EXPECT_FALSE(error.empty());
  EXPECT_FALSE(parseAlerts(R"({"status":"error","error":"boom"})", &error));
  auto alerts = parseAlerts(R"({"status":"success","data":{"alerts":[
      {"labels":{"alertname":"ServiceDown","severity":"critical","job":"orders"},
       "annotations":{"summary":"orders is down"},"state":"firing","activeAt":"2024-03-01T10:00:00Z","value":"0e+00"},
      {"labels":{"alertname":"ServiceDown","severity":"critical","job":"users"},"state":"pending"}]}})");
  ASSERT_TRUE(alerts);
  ASSERT_EQ(alerts->size(), 2u);
  EXPECT_EQ((*alerts)[0].alertname, "ServiceDown");
  EXPECT_EQ((*alerts)[0].severity, "critical");
  EXPECT_EQ((*alerts)[0].annotations.at("summary"), "orders is down");
  EXPECT_NE(alertKey((*alerts)[0]), alertKey((*alerts)[1])) << "same name, other labels: another alert";
}

TEST(StreamEvents, AlertDiffReportsNewStateChangesAndResolvedOnly) {
  AlertState pending{"HighErrorRate", "pending", "warning", {{"alertname", "HighErrorRate"}, {"service", "orders"}}};
  AlertState down{"ServiceDown", "firing", "critical", {{"alertname", "ServiceDown"}, {"job", "users"}}};
  std::map<std::string, AlertState> known{{alertKey(pending), pending}, {alertKey(down), down}};
  // Unchanged: nothing.
  EXPECT_TRUE(diffAlerts(known, {pending, down}).empty());
  // pending -> firing, and ServiceDown gone -> resolved.
  AlertState firing = pending;
  firing.state = "firing";
  const auto changes = diffAlerts(known, {firing});
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].alertname, "HighErrorRate");
  EXPECT_EQ(changes[0].state, "firing");
  EXPECT_EQ(changes[1].alertname, "ServiceDown");
  EXPECT_EQ(changes[1].state, "resolved");
  const auto json = boost::json::parse(alertJson(changes[1])).as_object();
  EXPECT_EQ(json.at("labels").at("job").as_string(), "users");
  EXPECT_EQ(json.at("severity").as_string(), "critical");
  // From nothing, everything listed is new.
  EXPECT_EQ(diffAlerts({}, {pending, down}).size(), 2u);
}

}  // namespace
}  // namespace fleetdeck::gateway
