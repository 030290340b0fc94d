#include "adapters/order_events_outbox.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <stdexcept>

#include "domain/event_codec.h"
#include "fleetdeck/bus/event.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/orders/v1/events.pb.h"
#include "fleetdeck/orders/v1/sagas.pb.h"

namespace fleetdeck::orders {
namespace {

using google::protobuf::util::TimeUtil;

// The event codec writes the proto3 JSON shape of events.proto, so the stored JSON converts to the
// bus payload without a second hand-written mapping that could drift from the first.
template <typename Proto>
Result<std::string> appendAs(pqxx::work& transaction, const OrderEvent& event, const bus::EventContext& context) {
  Proto payload;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto parsed = google::protobuf::util::JsonStringToMessage(encodeEvent(event), &payload, options);
  if (!parsed.ok()) {
    return internalError(std::string("order event ") + std::string(eventTypeName(event)) +
                         " does not convert to its proto: " + parsed.ToString());
  }
  return bus::appendEvent(transaction, payload, context);
}

// A trace id (32 hex) as a traceparent, so consumers join the trace of the order that started the saga.
std::string traceparentOf(const std::string& traceId) {
  if (traceId.size() != 32 || traceId.find_first_not_of("0123456789abcdef") != std::string::npos) return "";
  return "00-" + traceId + "-" + randomHex(8) + "-01";
}

std::string textOf(const boost::json::object& data, const char* key) {
  const auto* value = data.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
}

}  // namespace

Status appendOrderEventToOutbox(pqxx::work& transaction, const Order& after, const OrderEvent& event,
                                const std::string& eventId, const ChangeContext& context) {
  bus::EventContext eventContext;
  eventContext.eventId = eventId;
  eventContext.aggregateId = after.id;
  eventContext.aggregateVersion = after.version;
  eventContext.actor = context.actor;
  eventContext.causationId = context.causationId;
  eventContext.traceparent = traceparentOf(context.traceId);
  eventContext.source = "orders";
  eventContext.occurredAtMicros = after.updatedAtMicros;
  const Result<std::string> appended = std::visit(
      [&](const auto& typed) -> Result<std::string> {
        using Event = std::decay_t<decltype(typed)>;
        if constexpr (std::is_same_v<Event, OrderCreated>) return appendAs<v1::OrderCreated>(transaction, event, eventContext);
        if constexpr (std::is_same_v<Event, OrderConfirmed>) return appendAs<v1::OrderConfirmed>(transaction, event, eventContext);
        if constexpr (std::is_same_v<Event, OrderCancelled>) return appendAs<v1::OrderCancelled>(transaction, event, eventContext);
        if constexpr (std::is_same_v<Event, OrderShipped>) return appendAs<v1::OrderShipped>(transaction, event, eventContext);
        if constexpr (std::is_same_v<Event, OrderDelivered>) return appendAs<v1::OrderDelivered>(transaction, event, eventContext);
      },
      event);
  return appended.status();
}

namespace {

// One transition as the event describes it.
void toProto(const saga::SagaTransition& transition, v1::SagaStepChanged& changed) {
  changed.set_saga_id(transition.sagaId);
  changed.set_saga_type(transition.sagaType);
  changed.set_order_id(textOf(transition.data, "orderId"));
  changed.set_saga_state(transition.sagaState);
  changed.set_trace_id(transition.traceId);
  v1::SagaStep& step = *changed.mutable_step();
  step.set_index(transition.stepIndex);
  step.set_name(transition.stepName);
  step.set_phase(transition.phase);
  step.set_state(transition.state);
  step.set_attempts(transition.attempt);
  step.set_error(transition.error);
  step.set_compensation(transition.phase == "compensation");
  // The step log row's times as this transaction wrote them: the ones GetSaga shows.
  const int64_t startedAt = transition.startedAtMicros;
  const int64_t finishedAt = transition.finishedAtMicros;
  if (startedAt != 0) *step.mutable_start_time() = TimeUtil::MicrosecondsToTimestamp(startedAt);
  if (finishedAt != 0) *step.mutable_end_time() = TimeUtil::MicrosecondsToTimestamp(finishedAt);
  if (startedAt != 0 && finishedAt != 0) changed.set_duration_ms((finishedAt - startedAt) / 1000);
}

}  // namespace

void SagaStepEvents::onTransition(pqxx::work& transaction, const saga::SagaTransition& transition) {
  onTransitions(transaction, {transition});
}

void SagaStepEvents::onTransitions(pqxx::work& transaction, const std::vector<saga::SagaTransition>& transitions) {
  if (transitions.empty()) return;
  // The engine announces the transitions of one transaction together, all of one saga.
  const saga::SagaTransition& first = transitions.front();
  v1::SagaStepsChanged changed;
  for (const auto& transition : transitions) toProto(transition, *changed.add_changes());
  bus::EventContext context;
  context.aggregateId = first.sagaId;
  context.causationId = first.sagaId;
  context.traceparent = traceparentOf(first.traceId);
  context.source = "orders";
  const Status appended = db::appendToOutbox(transaction, bus::toOutboxMessage(bus::makeEnvelope(changed, context)));
  if (!appended.isOk()) throw std::runtime_error("writing SagaStepsChanged to the outbox: " + appended.toString());
}

}  // namespace fleetdeck::orders
