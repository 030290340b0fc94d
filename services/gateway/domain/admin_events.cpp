#include "domain/admin_events.h"

#include <random>

namespace fleetdeck::gateway {

uint64_t AdminEventSource::processFirstId() {
  // 2^22 - 1 blocks below 2^62: ids stay positive as signed 64-bit numbers too.
  thread_local std::mt19937_64 generator(std::random_device{}());
  const uint64_t block = std::uniform_int_distribution<uint64_t>(1, (uint64_t{1} << 22) - 1)(generator);
  return block << 40;
}

AdminEventSource::AdminEventSource(size_t capacity, uint64_t firstId)
    : capacity_(capacity == 0 ? 1 : capacity), nextId_(firstId == 0 ? 1 : firstId) {}

uint64_t AdminEventSource::publish(std::string type, std::string json) {
  std::lock_guard lock(mutex_);
  AdminEvent event{nextId_++, std::move(type), std::move(json), {}};
  event.wire = formatServerSentEvent(event);
  // Delivered under the lock: subscribers only queue (StreamWriter::write never blocks), and the
  // lock is what keeps every stream in publish order and consistent with subscribe()'s replay.
  for (auto it = subscribers_.begin(); it != subscribers_.end();) {
    if (!it->second(event)) {
      it = subscribers_.erase(it);
    } else {
      ++it;
    }
  }
  ring_.push_back(std::move(event));
  if (ring_.size() > capacity_) ring_.pop_front();
  return ring_.back().id;
}

AdminEventSource::Subscription AdminEventSource::subscribe(std::optional<uint64_t> lastEventId, Subscriber subscriber,
                                                          size_t maxReplayBytes) {
  std::lock_guard lock(mutex_);
  Subscription subscription;
  subscription.id = nextSubscription_++;
  if (lastEventId) {
    // An id from the future (another process, a reset) cannot be resumed: everything kept is replayed.
    const bool fromFuture = *lastEventId >= nextId_;
    const uint64_t after = fromFuture ? 0 : *lastEventId;
    // The oldest event the replay starts at: the ring's oldest, or later when the events after
    // `after` do not fit in maxReplayBytes.
    uint64_t oldest = ring_.empty() ? nextId_ : ring_.front().id;
    size_t bytes = 0;
    for (auto it = ring_.rbegin(); it != ring_.rend() && it->id > after; ++it) {
      bytes += formatServerSentEvent(*it).size();
      if (bytes > maxReplayBytes) {
        oldest = it->id + 1;
        break;
      }
    }
    // Everything after lastEventId must be replayed, else the client missed something.
    subscription.gap = after + 1 < oldest || fromFuture;
    bool open = true;
    if (subscription.gap) {
      open = subscriber(AdminEvent{0, "stream.gap",
                                   "{\"lastEventId\":\"" + std::to_string(*lastEventId) + "\",\"oldestKept\":\"" +
                                       std::to_string(oldest) + "\"}"});
    }
    for (const auto& event : ring_) {
      if (!open) break;
      if (event.id > after && event.id >= oldest) {
        open = subscriber(event);
        ++subscription.replayed;
      }
    }
    if (!open) return subscription;
  }
  subscribers_.emplace(subscription.id, std::move(subscriber));
  return subscription;
}

void AdminEventSource::unsubscribe(uint64_t subscriptionId) {
  std::lock_guard lock(mutex_);
  subscribers_.erase(subscriptionId);
}

size_t AdminEventSource::subscriberCount() const {
  std::lock_guard lock(mutex_);
  return subscribers_.size();
}

uint64_t AdminEventSource::nextId() const {
  std::lock_guard lock(mutex_);
  return nextId_;
}

std::string formatServerSentEvent(const AdminEvent& event) {
  if (!event.wire.empty()) return event.wire;
  std::string out = event.id == 0 ? std::string() : "id: " + std::to_string(event.id) + "\n";
  if (!event.type.empty()) out += "event: " + event.type + "\n";
  std::string_view data = event.data;
  while (true) {
    const size_t newline = data.find('\n');
    std::string_view line = data.substr(0, newline);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out += "data: ";
    out += line;
    out += '\n';
    if (newline == std::string_view::npos) break;
    data.remove_prefix(newline + 1);
  }
  out += '\n';
  return out;
}

}  // namespace fleetdeck::gateway
