#include "adapters/order_event_feed.h"

#include <google/protobuf/util/time_util.h>

#include "domain/stream_events.h"
#include "fleetdeck/bus/event.h"
#include "fleetdeck/bus/streams.h"
#include "fleetdeck/core/log.h"
#include "fleetdeck/orders/v1/sagas.pb.h"
#include "fleetdeck/telemetry/metrics.h"

namespace fleetdeck::gateway {
namespace {

struct FeedMetrics {
  telemetry::CounterFamily& forwarded = telemetry::defaultRegistry().counter(
      "gateway_stream_events_forwarded_total", "Bus events turned into admin stream events, by stream event type.",
      {"type"});
  telemetry::CounterFamily& dropped = telemetry::defaultRegistry().counter(
      "gateway_stream_events_dropped_total", "Bus messages the admin stream could not read, by reason.", {"reason"});
};

FeedMetrics& metrics() {
  static FeedMetrics instance;
  return instance;
}

}  // namespace

Status forwardOrderMessage(const bus::ReceivedMessage& message, AdminEventSource& events) {
  auto envelope = bus::decodeEnvelope(message);
  if (!envelope) return envelope.status();
  const int64_t occurredMicros = google::protobuf::util::TimeUtil::TimestampToMicroseconds(envelope->occurred_at());
  const std::string& type = envelope->type();
  const auto forwardStep = [&](const orders::v1::SagaStepChanged& change) {
    events.publish("saga.step", sagaStepJson(change, occurredMicros));
    metrics().forwarded.labels({"saga.step"}).inc();
  };
  if (bus::holds<orders::v1::SagaStepsChanged>(*envelope)) {
    orders::v1::SagaStepsChanged changed;
    FLEETDECK_RETURN_IF_ERROR(bus::unpackPayload(*envelope, changed));
    for (const auto& change : changed.changes()) forwardStep(change);
    return Status::ok();
  }
  // One transition per event, as orders published them before SagaStepsChanged (still in the stream).
  if (bus::holds<orders::v1::SagaStepChanged>(*envelope)) {
    orders::v1::SagaStepChanged change;
    FLEETDECK_RETURN_IF_ERROR(bus::unpackPayload(*envelope, change));
    forwardStep(change);
    return Status::ok();
  }
  if (isOrderEvent(type)) {
    events.publish("order.event",
                   orderEventJson(envelope->aggregate_id(), envelope->aggregate_version(), type, occurredMicros));
    metrics().forwarded.labels({"order.event"}).inc();
  }
  return Status::ok();
}

OrderEventFeed::OrderEventFeed(bus::Bus& bus, AdminEventSource& events)
    : events_(events),
      tail_(bus, bus::StreamTailOptions{.stream = bus::domainStream("orders"), .filterSubject = "fleetdeck.orders.v1.>"},
            [this](const bus::ReceivedMessage& message) {
              if (Status status = forwardOrderMessage(message, events_); !status.isOk()) {
                metrics().dropped.labels({"undecodable"}).inc();
                log::warn("order event not shown on the admin stream",
                          {{"subject", message.subject}, {"error", status.toString()}});
              }
            }) {}

Status OrderEventFeed::readiness() const {
  return tail_.subscribed() ? Status::ok() : unavailable("not subscribed to the orders stream yet");
}

}  // namespace fleetdeck::gateway
