// Polls Prometheus' /api/v1/alerts every few seconds and publishes an `alert` event on the admin
// stream for every alert that appears, changes state (pending -> firing) or goes away (resolved).
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "domain/admin_events.h"
#include "domain/stream_events.h"
#include "fleetdeck/core/status.h"

namespace fleetdeck::gateway {

class AlertAcknowledgements;

struct AlertWatcherOptions {
  std::string prometheusUrl;  // base URL, e.g. http://127.0.0.1:9090
  std::chrono::milliseconds pollInterval{std::chrono::seconds(5)};
  std::chrono::milliseconds timeout{std::chrono::seconds(3)};
};

class AlertWatcher {
 public:
  // With `acknowledgements`, an alert's events carry its acknowledgement, and an alert that resolves
  // loses it (firing again later, it is unacknowledged).
  AlertWatcher(AdminEventSource& events, AlertWatcherOptions options, AlertAcknowledgements* acknowledgements = nullptr);
  ~AlertWatcher();
  AlertWatcher(const AlertWatcher&) = delete;
  AlertWatcher& operator=(const AlertWatcher&) = delete;

  void start();
  void stop();
  // One poll: publishes the changes since the last successful one. UNAVAILABLE when Prometheus did
  // not answer usefully (then nothing is published and the known alerts stay as they were, so an
  // outage of Prometheus does not read as every alert resolving).
  Status pollOnce();
  // The active (pending or firing) alert with this alertKey() as of the last poll.
  std::optional<AlertState> active(const std::string& key);

 private:
  void run();

  AdminEventSource& events_;
  AlertWatcherOptions options_;
  AlertAcknowledgements* acknowledgements_;
  std::mutex pollMutex_;
  std::mutex knownMutex_;  // known_ is read by request threads (active())
  std::map<std::string, AlertState> known_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace fleetdeck::gateway
