#include "adapters/order_event_feed.h"

#include <google/protobuf/util/time_util.h>

#include "domain/stream_events.h"
#include "fleetdeck/bus/event.h"
#include "fleetdeck/bus/live.h"
#include "fleetdeck/bus/streams.h"
#include "fleetdeck/core/log.h"
#include "fleetdeck/orders/v1/orders.pb.h"
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

std::string rebuildProgressSubject() { return bus::liveSubjectFor(*orders::v1::Rebuild::descriptor()); }

Status forwardRebuildProgress(const bus::ReceivedMessage& message, AdminEventSource& events) {
  auto rebuild = parseRebuildProgress(message.data);
  if (!rebuild) return rebuild.status();
  auto json = replayProgressJson(*rebuild);
  if (!json) return json.status();
  events.publish("replay.progress", std::move(*json));
  metrics().forwarded.labels({"replay.progress"}).inc();
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
            }),
      progress_(bus, rebuildProgressSubject(), [this](const bus::ReceivedMessage& message) {
        if (Status status = forwardRebuildProgress(message, events_); !status.isOk()) {
          metrics().dropped.labels({"malformed"}).inc();
          log::warn("rebuild progress not shown on the admin stream",
                    {{"subject", message.subject}, {"bytes", static_cast<int64_t>(message.data.size())},
                     {"error", status.toString()}});
        }
      }) {}

void OrderEventFeed::start() {
  tail_.start();
  // libnats sends the subscription once connected, and again after every reconnect; only a closed
  // connection refuses it, which readiness then shows.
  if (Status status = progress_.start(); !status.isOk()) {
    log::warn("cannot subscribe to rebuild progress; the admin stream will not show it",
              {{"subject", rebuildProgressSubject()}, {"error", status.toString()}});
  }
}

void OrderEventFeed::stop() {
  progress_.stop();
  tail_.stop();
}

Status OrderEventFeed::readiness() const {
  if (!tail_.subscribed()) return unavailable("not subscribed to the orders stream yet");
  if (!progress_.active()) return unavailable("not subscribed to rebuild progress (" + rebuildProgressSubject() + ")");
  return Status::ok();
}

}  // namespace fleetdeck::gateway
