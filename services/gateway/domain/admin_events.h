// The live feed of the admin stream: events published by whoever observes the fleet (the NATS
// consumer, the upstream breakers), kept in a bounded ring so a console that reconnects with
// Last-Event-ID gets what it missed, and fanned out to every open stream. Thread-safe, no I/O.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fleetdeck::gateway {

struct AdminEvent {
  uint64_t id = 0;
  std::string type;  // "saga.step", "order.event", "fleet.change", "alert", "replay.progress"
  std::string data;  // one JSON value
  // The event as a stream sends it (formatServerSentEvent), made once when published instead of once
  // per open stream; empty until then.
  std::string wire;
};

class AdminEventSource {
 public:
  // `firstId` seeds the ids; main passes processFirstId().
  explicit AdminEventSource(size_t capacity = 4096, uint64_t firstId = 1);

  // A first id for this process: a random block of 2^40 ids of its own. Each replica (and each
  // restart) numbers its events apart from every other, so a Last-Event-ID from another one never
  // falls among this process's ids: it is a gap, and everything kept is replayed. (Seeded by boot
  // time, replicas started seconds apart numbered into each other's ranges within a day, and a resume
  // on the other replica replayed an unrelated suffix as if nothing was missed.)
  static uint64_t processFirstId();

  // Stamps the next id, keeps the event in the ring and hands it to every subscriber, in order.
  // `json` should be one JSON value; it is sent as is (line breaks become extra data: lines).
  uint64_t publish(std::string type, std::string json);

  // Returns false to be dropped (its stream ended).
  using Subscriber = std::function<bool(const AdminEvent&)>;
  struct Subscription {
    uint64_t id = 0;
    // The client asked to resume after an event the ring no longer holds: some were lost. The
    // subscriber then first gets a "stream.gap" event without an id, naming the first event kept.
    bool gap = false;
    size_t replayed = 0;
  };
  // Hands `subscriber` the events after `lastEventId` (oldest first), then registers it for new
  // ones, all under one lock, so nothing published meanwhile is lost, repeated or reordered.
  // Without lastEventId nothing is replayed. At most `maxReplayBytes` of event text is replayed, the
  // newest events; older ones are reported as a gap, as if the ring no longer held them (a replay
  // bigger than the stream's queue would end the stream, and the client's reconnect with the same
  // id would end the same way, forever).
  Subscription subscribe(std::optional<uint64_t> lastEventId, Subscriber subscriber,
                         size_t maxReplayBytes = SIZE_MAX);
  void unsubscribe(uint64_t subscriptionId);

  size_t subscriberCount() const;
  // The id the next publish() will get.
  uint64_t nextId() const;

 private:
  const size_t capacity_;
  mutable std::mutex mutex_;
  uint64_t nextId_;
  std::deque<AdminEvent> ring_;
  uint64_t nextSubscription_ = 1;
  std::map<uint64_t, Subscriber> subscribers_;
};

// One event in text/event-stream form: "id: 7\nevent: saga.step\ndata: {…}\n\n" (no id line for id 0).
std::string formatServerSentEvent(const AdminEvent& event);

}  // namespace fleetdeck::gateway
