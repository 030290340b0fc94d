// An ephemeral, ordered JetStream consumer that hands a stream's new messages to a callback: for
// observers (the gateway's admin stream) that need no durable position and must not slow producers.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "fleetdeck/bus/connection.h"
#include "fleetdeck/bus/message.h"
#include "fleetdeck/bus/streams.h"

namespace fleetdeck::bus {

struct StreamTailOptions {
  StreamSpec stream;          // declared (created or updated) before subscribing
  std::string filterSubject;  // empty: the whole stream
  // How often a lost subscription (NATS down at start, consumer gone) is tried again.
  std::chrono::milliseconds resubscribeInterval{std::chrono::seconds(1)};
  // 0: only messages published after the tail subscribed. Otherwise it starts this far back in time,
  // for a tail whose state must cover what happened shortly before it started (each subscription
  // replays that window again, so handling a message twice must be harmless).
  std::chrono::seconds replayFor{0};
  // How long closing a subscription waits for a delivery still in the handler. A handler still
  // running then (stuck downstream) keeps its subscription, left to libnats, not freed under it.
  std::chrono::milliseconds closeTimeout{std::chrono::seconds(5)};
};

// Messages published after the tail subscribed (or since `replayFor` ago), in stream order, without
// acknowledgements: the server keeps nothing for it once it is gone (ordered consumer). libnats recreates the
// consumer after a gap (missed heartbeats), continuing after the last sequence it delivered.
class StreamTail {
 public:
  // Runs on a libnats delivery thread, one message at a time; keep it short.
  using Handler = std::function<void(const ReceivedMessage&)>;

  StreamTail(Bus& bus, StreamTailOptions options, Handler handler);
  ~StreamTail();
  StreamTail(const StreamTail&) = delete;
  StreamTail& operator=(const StreamTail&) = delete;

  // Starts a thread that subscribes (again, whenever the subscription is lost). Starting while NATS
  // is down is fine.
  void start();
  void stop();
  // Whether the subscription is active (readiness detail).
  bool subscribed() const { return subscribed_.load(); }
  uint64_t delivered() const { return delivered_->load(); }

 private:
  void run();
  // What libnats calls back with: a subscription and its own copy of the handler, so a delivery
  // still running when the tail goes (see closeTimeout) never reaches into a destroyed tail.
  struct Subscription;

  Bus& bus_;
  StreamTailOptions options_;
  Handler handler_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::atomic<bool> subscribed_{false};
  std::shared_ptr<std::atomic<uint64_t>> delivered_ = std::make_shared<std::atomic<uint64_t>>(0);
  std::thread thread_;
};

}  // namespace fleetdeck::bus
