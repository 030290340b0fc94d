#include "fleetdeck/bus/live.h"

#include <chrono>

#include "fleetdeck/core/leak_on_purpose.h"
#include "fleetdeck/core/log.h"
#include "nats_internal.h"

namespace fleetdeck::bus {

std::string liveSubjectFor(const google::protobuf::Descriptor& type) {
  constexpr std::string_view kOwnPackage = "fleetdeck.";
  std::string_view name = type.full_name();
  if (name.starts_with(kOwnPackage)) name.remove_prefix(kOwnPackage.size());
  return std::string(kLiveSubjectPrefix) + std::string(name);
}

std::string liveSubjectProblem(std::string_view subject) {
  if (!subject.starts_with(kLiveSubjectPrefix) || subject.size() == kLiveSubjectPrefix.size()) {
    return "must be a subject under " + std::string(kLiveSubjectPrefix) + " (a stream would store any other)";
  }
  if (subject.find_first_of("*> \t\r\n") != std::string_view::npos) return "must not hold wildcards or white space";
  if (subject.find("..") != std::string_view::npos || subject.back() == '.') return "must not have an empty token";
  return {};
}

Status publishLive(Bus& bus, const std::string& subject, std::string_view data) {
  if (auto problem = liveSubjectProblem(subject); !problem.empty()) return invalidField("subject", problem);
  if (!bus.connected()) return unavailable("not connected to NATS: live message on " + subject + " dropped");
  return statusFromNats(natsConnection_Publish(bus.impl().connection, subject.c_str(), data.data(),
                                               static_cast<int>(data.size())),
                        "publishing to " + subject);
}

struct LiveSubscription::Subscription {
  const Handler handler;  // a copy: a subscription left to libnats (see stop()) must not point into its owner
  natsSubscription* nats = nullptr;
  std::mutex completeMutex;
  std::condition_variable completeSignal;
  bool complete = false;

  static void onMessage(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    auto* self = static_cast<Subscription*>(closure);
    const ReceivedMessage received = messageFromNats(msg);
    natsMsg_Destroy(msg);
    try {
      self->handler(received);
    } catch (const std::exception& exception) {
      // A subscriber's failure must not take the delivery thread (and the process) down.
      log::warn("live subscription handler threw; message skipped",
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

  // Unsubscribe returns while a delivery may still be in the handler: the subscription (and the
  // owner the handler belongs to) may only go once libnats says the handler will not run again.
  // Bounded: a connection closed underneath has completed already. False when libnats has not
  // finished with it in time: then neither it nor this object may be freed.
  bool close() {
    natsSubscription_Unsubscribe(nats);
    {
      std::unique_lock lock(completeMutex);
      if (!completeSignal.wait_for(lock, std::chrono::seconds(5), [this] { return complete; })) return false;
    }
    natsSubscription_Destroy(nats);
    nats = nullptr;
    return true;
  }
};

LiveSubscription::LiveSubscription(Bus& bus, std::string subject, Handler handler)
    : bus_(bus), subject_(std::move(subject)), handler_(std::move(handler)) {}

LiveSubscription::~LiveSubscription() { stop(); }

Status LiveSubscription::start() {
  if (auto problem = liveSubjectProblem(subject_); !problem.empty()) return invalidField("subject", problem);
  std::lock_guard lock(mutex_);
  if (subscription_) return Status::ok();
  auto subscription = std::make_unique<Subscription>(handler_);
  natsStatus status = natsConnection_Subscribe(&subscription->nats, bus_.impl().connection, subject_.c_str(),
                                               &Subscription::onMessage, subscription.get());
  if (status == NATS_OK) {
    status = natsSubscription_SetOnCompleteCB(subscription->nats, &Subscription::onComplete, subscription.get());
    if (status != NATS_OK) {
      // A delivery may already be running with no completion to wait for: left to libnats, not freed.
      natsSubscription_Unsubscribe(subscription->nats);
      leakOnPurpose(subscription.get());
      (void)subscription.release();
    }
  }
  if (status != NATS_OK) return statusFromNats(status, "subscribing to " + subject_);
  subscription_ = std::move(subscription);
  return Status::ok();
}

void LiveSubscription::stop() {
  std::unique_ptr<Subscription> subscription;
  {
    std::lock_guard lock(mutex_);
    subscription = std::move(subscription_);
  }
  if (subscription && !subscription->close()) {
    // A handler still running after 5 s (stuck downstream): freeing the subscription under it, or
    // under libnats' completion call, would be a use after free. A small leak at shutdown instead.
    log::error("live subscription still delivering 5 s after unsubscribing; left to the NATS library",
               {{"subject", subject_}});
    leakOnPurpose(subscription.get());
    (void)subscription.release();
  }
}

bool LiveSubscription::active() const {
  std::lock_guard lock(mutex_);
  return subscription_ && natsSubscription_IsValid(subscription_->nats) && bus_.connected();
}

}  // namespace fleetdeck::bus
