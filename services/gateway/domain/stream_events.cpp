#include "domain/stream_events.h"

#include <google/protobuf/util/time_util.h>

#include <boost/json.hpp>

#include "domain/proto_json.h"
#include "fleetdeck/core/ids.h"

namespace fleetdeck::gateway {
namespace {

using google::protobuf::util::TimeUtil;

constexpr std::string_view kOrdersPackage = "fleetdeck.orders.v1.";

std::string rfc3339(int64_t micros) {
  if (micros <= 0) return "";
  return TimeUtil::ToString(TimeUtil::MicrosecondsToTimestamp(micros));
}

bool isSet(const google::protobuf::Timestamp& timestamp) { return timestamp.seconds() != 0 || timestamp.nanos() != 0; }

boost::json::object toObject(const std::map<std::string, std::string>& values) {
  boost::json::object object;
  for (const auto& [name, value] : values) object[name] = value;
  return object;
}

std::map<std::string, std::string> stringMap(const boost::json::value* value) {
  std::map<std::string, std::string> result;
  if (value == nullptr || !value->is_object()) return result;
  for (const auto& [name, entry] : value->as_object()) {
    if (entry.is_string()) result.emplace(std::string(name), std::string(entry.as_string()));
  }
  return result;
}

std::string stringAt(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr) return "";
  if (value->is_string()) return std::string(value->as_string());
  if (value->is_null()) return "";
  return boost::json::serialize(*value);
}

}  // namespace

std::string_view shortEventType(std::string_view fullType) {
  const size_t dot = fullType.rfind('.');
  return dot == std::string_view::npos ? fullType : fullType.substr(dot + 1);
}

bool isOrderEvent(std::string_view fullType) {
  return fullType.starts_with(kOrdersPackage) && shortEventType(fullType).starts_with("Order");
}

std::string orderEventJson(std::string_view orderId, int64_t version, std::string_view fullType, int64_t occurredAtMicros) {
  return boost::json::serialize(boost::json::object{{"orderId", orderId},
                                                    {"version", std::to_string(version)},
                                                    {"type", shortEventType(fullType)},
                                                    {"time", rfc3339(occurredAtMicros)}});
}

std::string sagaStepJson(const orders::v1::SagaStepChanged& change, int64_t occurredAtMicros) {
  const auto& step = change.step();
  std::string time;
  if (isSet(step.end_time())) {
    time = TimeUtil::ToString(step.end_time());
  } else if (isSet(step.start_time())) {
    time = TimeUtil::ToString(step.start_time());
  } else {
    time = rfc3339(occurredAtMicros);
  }
  return boost::json::serialize(boost::json::object{{"sagaId", change.saga_id()},
                                                    {"sagaType", change.saga_type()},
                                                    {"orderId", change.order_id()},
                                                    {"step", step.name()},
                                                    {"state", step.state()},
                                                    {"attempt", step.attempts()},
                                                    {"error", step.error()},
                                                    {"compensation", step.compensation()},
                                                    {"time", time},
                                                    {"traceId", change.trace_id()},
                                                    {"sagaState", change.saga_state()},
                                                    {"durationMs", std::to_string(change.duration_ms())}});
}

Result<orders::v1::Rebuild> parseRebuildProgress(std::string_view bytes) {
  if (bytes.size() > kMaxRebuildProgressBytes) {
    return invalidField("message", std::to_string(bytes.size()) + " bytes, over the " +
                                       std::to_string(kMaxRebuildProgressBytes) + " a rebuild's progress may take");
  }
  orders::v1::Rebuild rebuild;
  if (!rebuild.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return invalidField("message", "is not a fleetdeck.orders.v1.Rebuild");
  }
  ValidationErrors errors;
  if (!isUuid(rebuild.id())) errors.add("id", "must be a rebuild id (UUID), got '" + rebuild.id().substr(0, 64) + "'");
  if (rebuild.state() != "RUNNING" && rebuild.state() != "DONE" && rebuild.state() != "FAILED") {
    errors.add("state", "must be RUNNING, DONE or FAILED, got '" + rebuild.state().substr(0, 64) + "'");
  }
  for (const auto& [field, value] : {std::pair{"processedEvents", rebuild.processed_events()},
                                     std::pair{"totalEvents", rebuild.total_events()},
                                     std::pair{"differenceCount", rebuild.difference_count()}}) {
    if (value < 0) errors.add(field, "must not be negative, got " + std::to_string(value));
  }
  FLEETDECK_RETURN_IF_ERROR(errors.toStatus());
  return rebuild;
}

Result<std::string> replayProgressJson(const orders::v1::Rebuild& rebuild) {
  // Printed by the REST responses' own writer, so the stream and GET …/rebuilds/{id} cannot disagree
  // on a name or an encoding; then the differences (an empty list here) are left out.
  orders::v1::Rebuild counts = rebuild;
  counts.clear_differences();
  auto json = protoToJson(counts);
  if (!json) return json.status();
  boost::system::error_code error;
  boost::json::value parsed = boost::json::parse(*json, error);
  if (error || !parsed.is_object()) return internalError("the Rebuild's JSON is not an object: " + *json);
  parsed.as_object().erase("differences");
  return boost::json::serialize(parsed);
}

std::string alertKey(const AlertState& alert) {
  // Labels are sorted (std::map) and include alertname, so the key is canonical.
  std::string key = alert.alertname;
  for (const auto& [name, value] : alert.labels) {
    key += '\x1f';
    key += name;
    key += '=';
    key += value;
  }
  return key;
}

std::optional<std::vector<AlertState>> parseAlerts(std::string_view body, std::string* error) {
  const auto fail = [error](std::string message) -> std::optional<std::vector<AlertState>> {
    if (error != nullptr) *error = std::move(message);
    return std::nullopt;
  };
  boost::system::error_code parseError;
  const boost::json::value parsed = boost::json::parse(body, parseError);
  if (parseError || !parsed.is_object()) return fail("answer is not a JSON object");
  const auto& root = parsed.as_object();
  if (stringAt(root, "status") != "success") return fail("status is not success: " + stringAt(root, "error"));
  const auto* data = root.if_contains("data");
  if (data == nullptr || !data->is_object()) return fail("no data object");
  const auto* alerts = data->as_object().if_contains("alerts");
  if (alerts == nullptr || !alerts->is_array()) return fail("no data.alerts array");
  std::vector<AlertState> result;
  for (const auto& entry : alerts->as_array()) {
    if (!entry.is_object()) continue;
    const auto& object = entry.as_object();
    AlertState alert;
    alert.labels = stringMap(object.if_contains("labels"));
    alert.annotations = stringMap(object.if_contains("annotations"));
    if (auto found = alert.labels.find("alertname"); found != alert.labels.end()) alert.alertname = found->second;
    if (auto found = alert.labels.find("severity"); found != alert.labels.end()) alert.severity = found->second;
    alert.state = stringAt(object, "state");
    alert.activeAt = stringAt(object, "activeAt");
    alert.value = stringAt(object, "value");
    result.push_back(std::move(alert));
  }
  return result;
}

std::vector<AlertState> diffAlerts(const std::map<std::string, AlertState>& before, const std::vector<AlertState>& now) {
  std::map<std::string, AlertState> changed;
  std::map<std::string, const AlertState*> current;
  for (const auto& alert : now) current.emplace(alertKey(alert), &alert);
  for (const auto& [key, alert] : current) {
    const auto previous = before.find(key);
    if (previous == before.end() || previous->second.state != alert->state) changed.emplace(key, *alert);
  }
  for (const auto& [key, alert] : before) {
    if (current.contains(key)) continue;
    AlertState resolved = alert;
    resolved.state = "resolved";
    changed.emplace(key, std::move(resolved));
  }
  std::vector<AlertState> result;
  for (auto& [key, alert] : changed) result.push_back(std::move(alert));
  return result;
}

std::string alertJson(const AlertState& alert) {
  return boost::json::serialize(boost::json::object{{"alertname", alert.alertname},
                                                    {"state", alert.state},
                                                    {"severity", alert.severity},
                                                    {"labels", toObject(alert.labels)},
                                                    {"annotations", toObject(alert.annotations)},
                                                    {"activeAt", alert.activeAt},
                                                    {"value", alert.value}});
}

}  // namespace fleetdeck::gateway
