#include "adapters/alert_watcher.h"

#include "adapters/alert_acknowledgements.h"
#include "fleetdeck/core/log.h"
#include "fleetdeck/http/client.h"
#include "fleetdeck/telemetry/metrics.h"

namespace fleetdeck::gateway {
namespace {

telemetry::CounterFamily& pollFailures() {
  static telemetry::CounterFamily& family = telemetry::defaultRegistry().counter(
      "gateway_alert_poll_failures_total", "Polls of Prometheus' alerts that got no usable answer.");
  return family;
}

}  // namespace

AlertWatcher::AlertWatcher(AdminEventSource& events, AlertWatcherOptions options,
                           AlertAcknowledgements* acknowledgements)
    : events_(events), options_(std::move(options)), acknowledgements_(acknowledgements) {}

AlertWatcher::~AlertWatcher() { stop(); }

void AlertWatcher::start() {
  if (thread_.joinable() || options_.prometheusUrl.empty()) return;
  thread_ = std::thread([this] { run(); });
}

void AlertWatcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AlertWatcher::run() {
  Status lastProblem;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    Status status = pollOnce();
    if (!status.isOk() && status.code() != lastProblem.code()) {
      log::warn("cannot read Prometheus alerts; retrying", {{"error", status.toString()}});
    }
    lastProblem = status;
    lock.lock();
    wake_.wait_for(lock, options_.pollInterval, [this] { return stopping_; });
  }
}

Status AlertWatcher::pollOnce() {
  std::lock_guard round(pollMutex_);
  auto url = http::parseHttpUrl(options_.prometheusUrl);
  if (!url) return invalidField("prometheus.url", url.status().message());
  std::string base = url->target == "/" ? "" : url->target;
  if (!base.empty() && base.back() == '/') base.pop_back();
  http::HttpClient client(url->host, url->port, options_.timeout);
  auto response = client.get(base + "/api/v1/alerts");
  if (!response) {
    pollFailures().labels({}).inc();
    return unavailable("Prometheus alerts: " + response.status().message());
  }
  std::string error;
  auto alerts = response->status == 200 ? parseAlerts(response->body, &error) : std::nullopt;
  if (!alerts) {
    pollFailures().labels({}).inc();
    return unavailable("Prometheus alerts answered " + std::to_string(response->status) + ": " +
                       (error.empty() ? response->body.substr(0, 200) : error));
  }
  std::map<std::string, AlertState> before;
  {
    std::lock_guard lock(knownMutex_);
    before = known_;
  }
  for (const auto& change : diffAlerts(before, *alerts)) {
    log::info("alert changed", {{"alertname", change.alertname}, {"state", change.state}});
    std::optional<AlertAcknowledgement> acknowledgement;
    if (acknowledgements_ != nullptr) {
      const std::string key = alertKey(change);
      if (change.state == "resolved") {
        if (Status erased = acknowledgements_->erase(key); !erased.isOk()) {
          log::warn("cannot drop a resolved alert's acknowledgement; it ages out",
                    {{"alertname", change.alertname}, {"error", erased.toString()}});
        }
      } else if (auto found = acknowledgements_->find(key); found && *found) {
        if (acknowledges(**found, change)) {
          acknowledgement = std::move(*found);
        } else if (Status erased = acknowledgements_->erase(key); !erased.isOk()) {
          log::warn("cannot drop an earlier firing's acknowledgement; it ages out",
                    {{"alertname", change.alertname}, {"error", erased.toString()}});
        }
      }
    }
    events_.publish("alert", alertWithAcknowledgementJson(change, acknowledgement ? &*acknowledgement : nullptr));
  }
  std::map<std::string, AlertState> now;
  for (auto& alert : *alerts) {
    std::string key = alertKey(alert);
    now.emplace(std::move(key), std::move(alert));
  }
  std::lock_guard lock(knownMutex_);
  known_ = std::move(now);
  return Status::ok();
}

std::optional<AlertState> AlertWatcher::active(const std::string& key) {
  std::lock_guard lock(knownMutex_);
  auto found = known_.find(key);
  if (found == known_.end()) return std::nullopt;
  return found->second;
}

}  // namespace fleetdeck::gateway
