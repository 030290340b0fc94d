// The process's connection to NATS JetStream (libnats): reconnects by itself, declares streams, and
// publishes with the broker's acknowledgement. libnats types stay out of this header.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fleetdeck/bus/message.h"
#include "fleetdeck/bus/streams.h"
#include "fleetdeck/core/status.h"

namespace fleetdeck {
class Config;
}

namespace fleetdeck::bus {

struct BusOptions {
  // nats://127.0.0.1:4222; several servers comma-separated. Empty: the bus is disabled.
  std::string url;
  // Shown by the server for this connection: "<service>-<instance>".
  std::string name = "fleetdeck";
  std::chrono::milliseconds connectTimeout{2000};
  // How long a publish waits for its PubAck, and JetStream API calls for their answer.
  std::chrono::milliseconds requestTimeout{5000};
  // Pause between reconnect attempts (libnats adds jitter); attempts never stop.
  std::chrono::milliseconds reconnectWait{500};
  // How many JetStream servers keep each stream this connection declares (and the registry bucket it
  // creates): 1 to kMaxStreamReplicas, at most the cluster's size. Every process declaring a stream
  // must agree, since each declaration sets the stream to its own count.
  int streamReplicas = 1;
};

// JetStream's own limit on a stream's replicas.
inline constexpr int kMaxStreamReplicas = 5;

// Reads [nats] url, connect_timeout, request_timeout, reconnect_wait, stream_replicas. `name` names the
// connection.
BusOptions busOptionsFromConfig(Config& config, std::string name);

// The server list without any server's user and password ("nats://***@host:4222"): what logs, errors
// and /readyz show of [nats] url.
std::string urlWithoutCredentials(const std::string& url);

struct PublishAck {
  std::string stream;
  uint64_t sequence = 0;
  bool duplicate = false;  // the stream had this Nats-Msg-Id already and stored nothing
};

struct StreamState {
  uint64_t messages = 0;
  uint64_t firstSequence = 0;
  uint64_t lastSequence = 0;
  int64_t consumers = 0;
  int replicas = 0;  // as configured on the stream
};

class Bus {
 public:
  // Connects to options.url. When no server answers yet, still returns a Bus that keeps trying in
  // the background (connected() is false until then), so a service starts while NATS is down.
  // INVALID_ARGUMENT for an empty or malformed url, or streamReplicas outside 1..kMaxStreamReplicas.
  static Result<std::unique_ptr<Bus>> connect(BusOptions options);
  ~Bus();
  Bus(const Bus&) = delete;
  Bus& operator=(const Bus&) = delete;

  bool connected() const;
  // Readiness: OK when connected and the server answered a round trip within `timeout`.
  Status ping(std::chrono::milliseconds timeout = std::chrono::milliseconds(1000));

  // Creates the stream, or updates it to this spec, on options().streamReplicas servers. Remembered:
  // declared streams are created again before the next publish after a reconnect (a broker that lost
  // its store gets them back).
  // UNAVAILABLE while disconnected (the declaration is kept and retried).
  Status declareStream(const StreamSpec& spec);

  // Publishes with Nats-Msg-Id = message.msgId and waits for the PubAck. UNAVAILABLE when the broker
  // is unreachable, DEADLINE_EXCEEDED when the ack did not come in time (the message may be stored:
  // re-send with the same id), NOT_FOUND when no stream takes the subject, INVALID_ARGUMENT for a
  // message without subject or id.
  Result<PublishAck> publish(const OutgoingMessage& message);
  // Publishes every message without waiting in between, then waits (up to the request timeout) for
  // all their acks: one round trip for the batch instead of one per message. One status per message,
  // in order, with publish()'s codes; NOT_FOUND (no stream takes the subject) also marks the streams
  // for declaring again before the next publish. The broker stores the messages in the order sent.
  std::vector<Status> publishAll(const std::vector<OutgoingMessage>& messages);

  // What a stream holds now. NOT_FOUND for an unknown stream.
  Result<StreamState> streamState(const std::string& stream);
  // The stored message at `sequence` (for inspecting dead letters and replaying them). NOT_FOUND
  // when the sequence was deleted or never existed.
  Result<ReceivedMessage> getMessage(const std::string& stream, uint64_t sequence);

  // How many times the connection came back after losing the server.
  uint64_t reconnects() const;
  const BusOptions& options() const;

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  explicit Bus(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fleetdeck::bus
