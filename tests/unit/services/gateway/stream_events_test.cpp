// The admin stream's order.event, saga.step, replay.progress and alert shapes
// (docs/console-api-contract.md), the rebuild progress messages replay.progress is made of, and the
// alert-change diff that decides which alert events go out.
#include "domain/stream_events.h"

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "domain/proto_json.h"

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

orders::v1::Rebuild runningRebuild() {
  orders::v1::Rebuild rebuild;
  rebuild.set_id("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
  rebuild.set_projection("orders");
  rebuild.set_state("RUNNING");
  rebuild.set_processed_events(3000);
  rebuild.set_total_events(150001);
  *rebuild.mutable_start_time() = TimeUtil::MicrosecondsToTimestamp(1'700'000'000'000'000);
  return rebuild;
}

// What the console reads of replay.progress is GET …/rebuilds/{id}'s answer, names and encodings
// alike (int64 as strings), minus the differences it fetches once the rebuild is over.
TEST(StreamEvents, ReplayProgressIsTheRebuildAsGetAnswersIt_WithoutDifferences) {
  orders::v1::Rebuild done = runningRebuild();
  done.set_state("DONE");
  done.set_processed_events(150001);
  done.set_difference_count(1);
  auto* difference = done.add_differences();
  difference->set_order_id("o-1");
  difference->set_field("status");
  *done.mutable_end_time() = TimeUtil::MicrosecondsToTimestamp(1'700'000'002'000'000);

  const auto json = replayProgressJson(done);
  ASSERT_TRUE(json.isOk()) << json.status().toString();
  auto expected = boost::json::parse(*protoToJson(done)).as_object();  // what GET answers
  expected.erase("differences");
  const auto progress = boost::json::parse(*json).as_object();
  EXPECT_EQ(progress, expected);
  EXPECT_FALSE(progress.contains("differences"));
  EXPECT_EQ(progress.at("id").as_string(), "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
  EXPECT_EQ(progress.at("state").as_string(), "DONE");
  EXPECT_EQ(progress.at("processedEvents").as_string(), "150001");
  EXPECT_EQ(progress.at("totalEvents").as_string(), "150001");
  EXPECT_EQ(progress.at("differenceCount").as_string(), "1");
  EXPECT_EQ(progress.at("error").as_string(), "");
  EXPECT_EQ(progress.at("endTime").as_string(), "2023-11-14T22:13:22Z");

  // Running: no end time yet, and every count printed (zeros included).
  const auto running = boost::json::parse(*replayProgressJson(runningRebuild())).as_object();
  EXPECT_EQ(running.at("state").as_string(), "RUNNING");
  EXPECT_EQ(running.at("differenceCount").as_string(), "0");
  EXPECT_FALSE(running.contains("endTime"));
}

TEST(StreamEvents, ARebuildProgressMessageIsReadBack) {
  const orders::v1::Rebuild sent = runningRebuild();
  const auto read = parseRebuildProgress(sent.SerializeAsString());
  ASSERT_TRUE(read.isOk()) << read.status().toString();
  EXPECT_EQ(read->SerializeAsString(), sent.SerializeAsString());
  for (const char* state : {"DONE", "FAILED"}) {
    orders::v1::Rebuild ended = sent;
    ended.set_state(state);
    EXPECT_TRUE(parseRebuildProgress(ended.SerializeAsString()).isOk()) << state;
  }
}

// Anything on the subject that is not a well-formed Rebuild is refused naming what is wrong: the
// feed logs it and drops it instead of showing consoles a progress bar for nothing.
TEST(StreamEvents, AMalformedRebuildProgressMessageIsRefusedNamingTheField) {
  const auto fieldOf = [](std::string_view bytes) -> std::string {
    const auto read = parseRebuildProgress(bytes);
    if (read.isOk()) return "(accepted)";
    EXPECT_EQ(read.status().code(), StatusCode::kInvalidArgument) << read.status().toString();
    return read.status().violations().empty() ? "(no field)" : read.status().violations()[0].field;
  };
  EXPECT_EQ(fieldOf("\xff\xff\xff not protobuf"), "message");
  EXPECT_EQ(fieldOf(std::string(kMaxRebuildProgressBytes + 1, '\0')), "message");
  EXPECT_EQ(fieldOf(""), "id") << "an empty message is a Rebuild of defaults: no id";

  orders::v1::Rebuild noId = runningRebuild();
  noId.set_id("rb-1");
  EXPECT_EQ(fieldOf(noId.SerializeAsString()), "id");
  orders::v1::Rebuild badState = runningRebuild();
  badState.set_state("PAUSED");
  EXPECT_EQ(fieldOf(badState.SerializeAsString()), "state");
  orders::v1::Rebuild noState = runningRebuild();
  noState.clear_state();
  EXPECT_EQ(fieldOf(noState.SerializeAsString()), "state");
  for (const auto& [field, set] : std::vector<std::pair<std::string, void (*)(orders::v1::Rebuild&)>>{
           {"processedEvents", [](orders::v1::Rebuild& r) { r.set_processed_events(-1); }},
           {"totalEvents", [](orders::v1::Rebuild& r) { r.set_total_events(-5); }},
           {"differenceCount", [](orders::v1::Rebuild& r) { r.set_difference_count(-2); }}}) {
    orders::v1::Rebuild negative = runningRebuild();
    set(negative);
    EXPECT_EQ(fieldOf(negative.SerializeAsString()), field);
  }
  // Another message on the subject: its fields land where the Rebuild's numbers are, or nowhere.
  orders::v1::SagaStepChanged other;
  other.set_saga_id("s-1");
  other.set_saga_state("RUNNING");
  EXPECT_NE(fieldOf(other.SerializeAsString()), "(accepted)");
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
