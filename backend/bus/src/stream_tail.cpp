#include "fleetdeck/bus/stream_tail.h"

#include "fleetdeck/core/leak_on_purpose.h"
#include "fleetdeck/core/log.h"
#include "fleetdeck/core/thread_name.h"
#include "nats_internal.h"

namespace fleetdeck::bus {

struct StreamTail::Subscription {
  const Handler handler;
  const std::shared_ptr<std::atomic<uint64_t>> delivered;
  natsSubscription* nats = nullptr;
  std::mutex completeMutex;
  std::condition_variable completeSignal;
  bool complete = false;

  static void onMessage(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    auto* self = static_cast<Subscription*>(closure);
    ReceivedMessage received = messageFromNats(msg);
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, msg) == NATS_OK) {
      received.stream = meta->Stream != nullptr ? meta->Stream : "";
      received.streamSequence = meta->Sequence.Stream;
      received.deliveryCount = meta->NumDelivered;
      jsMsgMetaData_Destroy(meta);
    }
    natsMsg_Destroy(msg);
    self->delivered->fetch_add(1, std::memory_order_relaxed);
    // A dead letter replayed for one durable consumer: the event is old news to a tail (it saw the
    // original), and a display feed would show it as new.
    if (received.header(kReplayForHeader)) return;
    try {
      self->handler(received);
    } catch (const std::exception& exception) {
      // An observer's failure must not take the delivery thread down; the message is just skipped.
      log::warn("stream tail handler threw; message skipped",
                {{"subject", received.subject}, {"error", exception.what()}});
    }
  }

  static void onComplete(void* closure) {
    auto* self = static_cast<Subscription*>(closure);
    {
      std::lock_guard lock(self->completeMutex);
      self->complete = true;
    }
    self->completeSignal.notify_all();
  }

  // Closes the subscription; true once libnats says the handler will not run again (then it is
  // freed), false when that did not come within `timeout` (then neither it nor this may be freed).
  // Unsubscribe alone returns while a delivery may still be in the handler. A connection closed
  // underneath has completed already.
  bool close(bool unsubscribe, std::chrono::milliseconds timeout) {
    if (unsubscribe) natsSubscription_Unsubscribe(nats);
    {
      std::unique_lock lock(completeMutex);
      if (!completeSignal.wait_for(lock, timeout, [this] { return complete; })) return false;
    }
    natsSubscription_Destroy(nats);
    nats = nullptr;
    return true;
  }

  // Closes and frees `subscription`, or leaves it to libnats when its handler is still running.
  static void closeAndFree(std::unique_ptr<Subscription>& subscription, bool unsubscribe,
                           std::chrono::milliseconds timeout, const std::string& stream) {
    if (!subscription) return;
    if (!subscription->close(unsubscribe, timeout)) {
      log::error("stream tail still delivering after closing its subscription; left to the NATS library",
                 {{"stream", stream}, {"timeout_ms", static_cast<int64_t>(timeout.count())}});
      leakOnPurpose(subscription.get());
      (void)subscription.release();
    }
    subscription.reset();
  }
};

StreamTail::StreamTail(Bus& bus, StreamTailOptions options, Handler handler)
    : bus_(bus), options_(std::move(options)), handler_(std::move(handler)) {}

StreamTail::~StreamTail() { stop(); }

void StreamTail::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
  }
  thread_ = namedThread("stream-tail", [this] { run(); });
}

void StreamTail::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void StreamTail::run() {
  std::unique_ptr<Subscription> subscription;
  Status lastProblem;
  const auto subscribe = [&]() -> Status {
    if (!bus_.connected()) return unavailable("not connected to NATS");
    FLEETDECK_RETURN_IF_ERROR(bus_.declareStream(options_.stream));
    Bus::Impl& impl = bus_.impl();
    jsOptions jo = impl.requestOptions();
    jsSubOptions subscribeOptions;
    jsSubOptions_Init(&subscribeOptions);
    subscribeOptions.Stream = options_.stream.name.c_str();
    subscribeOptions.Ordered = true;
    subscribeOptions.Config.DeliverPolicy = js_DeliverNew;
    if (options_.replayFor.count() > 0) {
      subscribeOptions.Config.DeliverPolicy = js_DeliverByStartTime;
      subscribeOptions.Config.OptStartTime = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                 std::chrono::system_clock::now().time_since_epoch() - options_.replayFor)
                                                 .count();
    }
    const std::string subject = options_.filterSubject.empty() ? options_.stream.subjects.front() : options_.filterSubject;
    jsErrCode errorCode = static_cast<jsErrCode>(0);
    auto fresh = std::unique_ptr<Subscription>(new Subscription{handler_, delivered_});
    natsStatus status = js_Subscribe(&fresh->nats, impl.js, subject.c_str(), &Subscription::onMessage, fresh.get(), &jo,
                                     &subscribeOptions, &errorCode);
    if (status == NATS_OK) {
      status = natsSubscription_SetOnCompleteCB(fresh->nats, &Subscription::onComplete, fresh.get());
      if (status != NATS_OK) {
        // A delivery may already be running with no completion to wait for: left to libnats, not freed.
        natsSubscription_Unsubscribe(fresh->nats);
        leakOnPurpose(fresh.get());
        (void)fresh.release();
      }
    }
    if (status == NATS_OK) subscription = std::move(fresh);
    return statusFromNats(status, "tailing " + options_.stream.name + " (" + subject + ")", errorCode);
  };

  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (subscription && !natsSubscription_IsValid(subscription->nats)) {
      lock.unlock();
      Subscription::closeAndFree(subscription, /*unsubscribe=*/false, options_.closeTimeout, options_.stream.name);
      lock.lock();
      subscribed_ = false;
    }
    if (!subscription) {
      lock.unlock();
      Status status = subscribe();
      lock.lock();
      if (status.isOk()) {
        subscribed_ = true;
        log::info("tailing stream", {{"stream", options_.stream.name}, {"subject", options_.filterSubject}});
        lastProblem = Status::ok();
      } else if (status.code() != lastProblem.code()) {
        log::warn("cannot tail stream yet; retrying", {{"stream", options_.stream.name}, {"error", status.toString()}});
        lastProblem = status;
      }
    }
    wake_.wait_for(lock, options_.resubscribeInterval, [this] { return stopping_; });
  }
  lock.unlock();
  subscribed_ = false;
  // Unsubscribe deletes the ephemeral consumer on the server at once (it would expire anyway).
  Subscription::closeAndFree(subscription, /*unsubscribe=*/true, options_.closeTimeout, options_.stream.name);
}

}  // namespace fleetdeck::bus
