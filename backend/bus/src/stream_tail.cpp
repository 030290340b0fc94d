#include "fleetdeck/bus/stream_tail.h"

#include "fleetdeck/core/log.h"
#include "fleetdeck/core/thread_name.h"
#include "nats_internal.h"

namespace fleetdeck::bus {

// libnats calls back with C types; this reaches the tail's private members.
struct StreamTailDelivery {
  static void onMessage(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    auto* tail = static_cast<StreamTail*>(closure);
    ReceivedMessage received = messageFromNats(msg);
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, msg) == NATS_OK) {
      received.stream = meta->Stream != nullptr ? meta->Stream : "";
      received.streamSequence = meta->Sequence.Stream;
      received.deliveryCount = meta->NumDelivered;
      jsMsgMetaData_Destroy(meta);
    }
    natsMsg_Destroy(msg);
    tail->delivered_.fetch_add(1, std::memory_order_relaxed);
    // A dead letter replayed for one durable consumer: the event is old news to a tail (it saw the
    // original), and a display feed would show it as new.
    if (received.header(kReplayForHeader)) return;
    try {
      tail->handler_(received);
    } catch (const std::exception& exception) {
      // An observer's failure must not take the delivery thread down; the message is just skipped.
      log::warn("stream tail handler threw; message skipped",
                {{"subject", received.subject}, {"error", exception.what()}});
    }
  }

  static void onComplete(void* closure) {
    auto* tail = static_cast<StreamTail*>(closure);
    {
      std::lock_guard lock(tail->completeMutex_);
      tail->subscriptionComplete_ = true;
    }
    tail->completeSignal_.notify_all();
  }

  // Closes `subscription` and frees it once libnats says its handler will not run again.
  // Unsubscribe alone returns while a delivery may still be in the handler, which then used a
  // StreamTail already destroyed. Bounded: a connection closed underneath has completed already.
  static void close(StreamTail& tail, natsSubscription* subscription, bool unsubscribe) {
    if (unsubscribe) natsSubscription_Unsubscribe(subscription);
    {
      std::unique_lock lock(tail.completeMutex_);
      tail.completeSignal_.wait_for(lock, std::chrono::seconds(5), [&tail] { return tail.subscriptionComplete_; });
    }
    natsSubscription_Destroy(subscription);
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
  natsSubscription* subscription = nullptr;
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
    {
      std::lock_guard lock(completeMutex_);
      subscriptionComplete_ = false;
    }
    natsStatus status = js_Subscribe(&subscription, impl.js, subject.c_str(), &StreamTailDelivery::onMessage, this, &jo,
                                     &subscribeOptions, &errorCode);
    if (status == NATS_OK) {
      status = natsSubscription_SetOnCompleteCB(subscription, &StreamTailDelivery::onComplete, this);
      if (status != NATS_OK) {
        natsSubscription_Unsubscribe(subscription);
        natsSubscription_Destroy(subscription);
      }
    }
    if (status != NATS_OK) subscription = nullptr;
    return statusFromNats(status, "tailing " + options_.stream.name + " (" + subject + ")", errorCode);
  };

  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (subscription != nullptr && !natsSubscription_IsValid(subscription)) {
      lock.unlock();
      StreamTailDelivery::close(*this, subscription, /*unsubscribe=*/false);
      lock.lock();
      subscription = nullptr;
      subscribed_ = false;
    }
    if (subscription == nullptr) {
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
  if (subscription != nullptr) {
    // Unsubscribe deletes the ephemeral consumer on the server at once (it would expire anyway).
    StreamTailDelivery::close(*this, subscription, /*unsubscribe=*/true);
  }
}

}  // namespace fleetdeck::bus
