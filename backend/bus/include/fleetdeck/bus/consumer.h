// Durable JetStream pull consumers: a loop on its own thread that fetches bounded batches, hands each
// message to a handler and acks, naks with backoff, or dead-letters it according to the handler's Status.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "fleetdeck/bus/connection.h"
#include "fleetdeck/bus/message.h"
#include "fleetdeck/core/status.h"
#include "fleetdeck/db/outbox.h"

namespace fleetdeck {
class Config;
}

namespace fleetdeck::bus {

struct ConsumerOptions {
  std::string stream;         // FLEETDECK_USERS
  std::string durable;        // "<service>-<what>", e.g. "payments-users"; survives restarts
  std::string filterSubject;  // one subject or wildcard inside the stream; empty: the whole stream
  // Unacknowledged this long, a message is delivered again (the handler is presumed dead).
  std::chrono::milliseconds ackWait{std::chrono::seconds(30)};
  // After this many deliveries without success the message goes to the dead-letter stream. Enforced
  // here rather than by the server, which would silently stop delivering instead. With the retry
  // backoff below, 10 deliveries span about two minutes: a dependency that is down for a while (a
  // database restart) does not send good messages to the dead-letter stream.
  int maxDeliver = 10;
  int batchSize = 16;  // messages per fetch
  // How long one fetch waits for messages; also bounds how long stop() waits for the loop.
  std::chrono::milliseconds fetchWait{std::chrono::seconds(1)};
  // Delay before a failed message is redelivered, growing with its delivery count.
  db::BackoffPolicy retry{std::chrono::milliseconds(500), std::chrono::seconds(30), 2.0};
  // A handler answering UNAVAILABLE or DEADLINE_EXCEEDED (its database or a service it calls is
  // down) is called again with the same message, with the backoff above, for up to this long before
  // the message is handed back: the outage is not the message's fault, so it must not use up the
  // message's deliveries (which would dead-letter good events after an outage of a few minutes).
  // The message and the rest of its batch are kept from redelivery meanwhile (in-progress acks).
  // Zero: hand such a message back at once, like any other failure.
  std::chrono::milliseconds transientHold{std::chrono::minutes(10)};
};

// Reads [consumers] ack_wait (at least 1s), max_deliver, batch_size, fetch_wait, retry_initial, retry_max,
// transient_hold as the defaults of a service's consumers; the caller sets stream, durable and filterSubject.
ConsumerOptions consumerDefaultsFromConfig(Config& config);

// What the loop does with a message after the handler returned `status`.
enum class Disposition { kAck, kRetry, kDeadLetter };
// OK -> ack; INVALID_ARGUMENT or DATA_LOSS (a message that can never succeed, e.g. undecodable) ->
// dead letter at once; anything else is transient -> retry, and dead letter once `deliveryCount`
// reached `maxDeliver`.
Disposition dispositionFor(const Status& status, uint64_t deliveryCount, int maxDeliver);

using MessageHandler = std::function<Status(const ReceivedMessage&)>;

class ConsumerLoop {
 public:
  ConsumerLoop(Bus& bus, ConsumerOptions options, MessageHandler handler);
  ~ConsumerLoop();
  ConsumerLoop(const ConsumerLoop&) = delete;
  ConsumerLoop& operator=(const ConsumerLoop&) = delete;

  // Starts the thread. The consumer is created there (and again whenever it has to be), so starting
  // while NATS is down is fine: the loop waits for it.
  void start();
  // Lets the message in hand finish (acked or nak'ed), then joins. Unprocessed messages of the batch
  // are nak'ed so another instance gets them at once. Idempotent.
  void stop();

  const ConsumerOptions& options() const { return options_; }
  // Whether the durable consumer is bound (for readiness detail).
  bool subscribed() const { return subscribed_.load(); }

 private:
  struct State;
  void run();

  Bus& bus_;
  ConsumerOptions options_;
  MessageHandler handler_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> subscribed_{false};
  std::thread thread_;
};

}  // namespace fleetdeck::bus
