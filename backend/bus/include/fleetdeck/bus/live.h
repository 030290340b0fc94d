// Plain NATS publish and subscribe, without JetStream, for ephemeral news that every process
// connected now should see and nobody needs later (a projection rebuild's progress).
#pragma once

#include <google/protobuf/descriptor.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "fleetdeck/bus/connection.h"
#include "fleetdeck/bus/message.h"
#include "fleetdeck/core/status.h"

namespace fleetdeck::bus {

// No stream takes subjects under this prefix (the domain streams are fleetdeck.<domain>.v1.>, the
// dead letters fleetdeck.dlq.>): a message published here reaches the subscribers of the moment and
// is stored nowhere. A live subject under a stream's subjects would be stored by that stream.
inline constexpr std::string_view kLiveSubjectPrefix = "fleetdeck.live.";

// The live subject of a payload type, named after it as domain events are:
// fleetdeck.orders.v1.Rebuild -> "fleetdeck.live.orders.v1.Rebuild".
std::string liveSubjectFor(const google::protobuf::Descriptor& type);

// Empty when `subject` is a live subject publishLive() accepts; otherwise why not.
std::string liveSubjectProblem(std::string_view subject);

// Sends `data` to whoever subscribes to `subject` now: no acknowledgement, no retry, nothing stored.
// INVALID_ARGUMENT for a subject that is not a live one; UNAVAILABLE while disconnected (dropped
// rather than queued for the reconnect: by then a newer message has superseded it).
Status publishLive(Bus& bus, const std::string& subject, std::string_view data);

// A plain subscription to one live subject. libnats sends it again after every reconnect, and on the
// first connect when NATS was not up at start().
class LiveSubscription {
 public:
  // Runs on the subscription's libnats delivery thread, one message at a time; keep it short. What
  // it throws is logged and the message skipped.
  using Handler = std::function<void(const ReceivedMessage&)>;

  LiveSubscription(Bus& bus, std::string subject, Handler handler);
  ~LiveSubscription();
  LiveSubscription(const LiveSubscription&) = delete;
  LiveSubscription& operator=(const LiveSubscription&) = delete;

  // INVALID_ARGUMENT for a subject that is not a live one; otherwise what libnats answers (only a
  // closed connection refuses). Starting a started subscription is OK and changes nothing.
  Status start();
  // Returns once the handler has run for the last time.
  void stop();
  // Subscribed and connected: messages published now arrive (readiness detail).
  bool active() const;

 private:
  // The libnats subscription and what its callbacks reach (libnats types stay out of this header).
  struct Subscription;

  Bus& bus_;
  const std::string subject_;
  const Handler handler_;
  mutable std::mutex mutex_;  // subscription_
  std::unique_ptr<Subscription> subscription_;
};

}  // namespace fleetdeck::bus
