// Operators' acknowledgements of active alerts ("seen, someone is on it"): shared by every gateway
// replica in a NATS key-value bucket, or kept in this process when the gateway runs without NATS.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "domain/stream_events.h"
#include "fleetdeck/core/status.h"

namespace fleetdeck::bus {
class Bus;
class KeyValueBucket;
}  // namespace fleetdeck::bus

namespace fleetdeck::gateway {

struct AlertAcknowledgement {
  std::string alertname;
  std::map<std::string, std::string> labels;  // the alert's full label set: with alertname, its identity
  std::string byUserId;
  std::string byUsername;
  std::string at;  // RFC 3339, when it was acknowledged
  std::string comment;
  // The firing it acknowledges: Prometheus' activeAt of the alert then (empty in acknowledgements
  // stored before this was kept). A later firing of the same alert is not acknowledged by it.
  std::string alertActiveAt;
};

// Whether `acknowledgement` is of this firing of the alert. An acknowledgement can outlive the firing
// it was made for (made while another replica already saw the alert resolve, or kept while the gateway
// that would have dropped it was down); it must not silence the next firing.
bool acknowledges(const AlertAcknowledgement& acknowledgement, const AlertState& alert);

// {alertname, labels, by: {userId, username}, at, comment}
std::string acknowledgementJson(const AlertAcknowledgement& acknowledgement);
// The stream's `alert` data (alertJson) plus `acknowledgement`: the object above, or null.
std::string alertWithAcknowledgementJson(const AlertState& alert, const AlertAcknowledgement* acknowledgement);

struct AlertAcknowledgementOptions {
  std::string bucket = "fleetdeck_alert_acks";
  // An acknowledgement older than this is dropped (an alert resolving drops its own at once).
  std::chrono::milliseconds maxAge{std::chrono::hours(24)};
};

class AlertAcknowledgements {
 public:
  // `bus` null: acknowledgements live in this process only (lost on restart, not shared).
  AlertAcknowledgements(bus::Bus* bus, AlertAcknowledgementOptions options);
  ~AlertAcknowledgements();

  Status put(const AlertAcknowledgement& acknowledgement);
  // The acknowledgement of the alert with this alertKey(), if any.
  Result<std::optional<AlertAcknowledgement>> find(const std::string& alertKey);
  // Removing one that does not exist is not an error.
  Status erase(const std::string& alertKey);
  Result<std::vector<AlertAcknowledgement>> list();

 private:
  // The bucket key of an alert: a stable hash of its identity (KV keys cannot hold label values).
  static std::string storageKey(const std::string& alertKey);

  std::unique_ptr<bus::KeyValueBucket> bucket_;
  std::mutex mutex_;  // for the in-process map
  std::map<std::string, std::string> local_;  // storage key -> JSON, without NATS
};

}  // namespace fleetdeck::gateway
