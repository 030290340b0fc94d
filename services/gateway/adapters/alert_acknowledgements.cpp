#include "adapters/alert_acknowledgements.h"

#include <boost/json.hpp>
#include <cstdio>

#include "fleetdeck/bus/key_value.h"
#include "fleetdeck/core/json.h"

namespace fleetdeck::gateway {
namespace {

boost::json::object toObject(const AlertAcknowledgement& acknowledgement) {
  boost::json::object labels;
  for (const auto& [name, value] : acknowledgement.labels) labels[name] = value;
  boost::json::object object{
      {"alertname", acknowledgement.alertname},
      {"labels", std::move(labels)},
      {"by", boost::json::object{{"userId", acknowledgement.byUserId}, {"username", acknowledgement.byUsername}}},
      {"at", acknowledgement.at},
      {"comment", acknowledgement.comment}};
  if (!acknowledgement.alertActiveAt.empty()) object["alertActiveAt"] = acknowledgement.alertActiveAt;
  return object;
}

Result<AlertAcknowledgement> fromJson(const std::string& text) {
  auto parsed = json::parse(text);
  if (!parsed || !parsed->is_object()) return internalError("a stored alert acknowledgement is not a JSON object");
  const auto& object = parsed->as_object();
  AlertAcknowledgement acknowledgement;
  acknowledgement.alertname = json::stringOr(object, "alertname");
  if (const auto* labels = object.if_contains("labels"); labels != nullptr && labels->is_object()) {
    for (const auto& [name, value] : labels->as_object()) {
      if (value.is_string()) acknowledgement.labels.emplace(std::string(name), std::string(value.as_string()));
    }
  }
  if (const auto* by = object.if_contains("by"); by != nullptr && by->is_object()) {
    acknowledgement.byUserId = json::stringOr(by->as_object(), "userId");
    acknowledgement.byUsername = json::stringOr(by->as_object(), "username");
  }
  acknowledgement.at = json::stringOr(object, "at");
  acknowledgement.comment = json::stringOr(object, "comment");
  acknowledgement.alertActiveAt = json::stringOr(object, "alertActiveAt");
  if (acknowledgement.alertname.empty()) return internalError("a stored alert acknowledgement has no alertname");
  return acknowledgement;
}

// FNV-1a, 64 bits: stable across processes and builds (std::hash is neither promised to be).
uint64_t fnv1a(const std::string& text) {
  uint64_t hash = 1469598103934665603ULL;
  for (const unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

}  // namespace

bool acknowledges(const AlertAcknowledgement& acknowledgement, const AlertState& alert) {
  return acknowledgement.alertActiveAt.empty() || acknowledgement.alertActiveAt == alert.activeAt;
}

std::string acknowledgementJson(const AlertAcknowledgement& acknowledgement) {
  return boost::json::serialize(toObject(acknowledgement));
}

std::string alertWithAcknowledgementJson(const AlertState& alert, const AlertAcknowledgement* acknowledgement) {
  boost::json::value event = boost::json::parse(alertJson(alert));
  event.as_object()["acknowledgement"] =
      acknowledgement != nullptr ? boost::json::value(toObject(*acknowledgement)) : boost::json::value(nullptr);
  return boost::json::serialize(event);
}

AlertAcknowledgements::AlertAcknowledgements(bus::Bus* bus, AlertAcknowledgementOptions options) {
  if (bus != nullptr) {
    bucket_ = std::make_unique<bus::KeyValueBucket>(
        *bus, bus::KeyValueOptions{.bucket = options.bucket, .maxAge = options.maxAge, .fileStorage = true});
  }
}

AlertAcknowledgements::~AlertAcknowledgements() = default;

std::string AlertAcknowledgements::storageKey(const std::string& alertKey) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a(alertKey)));
  return std::string("alert.") + hex;
}

Status AlertAcknowledgements::put(const AlertAcknowledgement& acknowledgement) {
  AlertState identity{.alertname = acknowledgement.alertname, .labels = acknowledgement.labels};
  const std::string key = storageKey(alertKey(identity));
  const std::string value = acknowledgementJson(acknowledgement);
  if (bucket_) return bucket_->put(key, value);
  std::lock_guard lock(mutex_);
  local_[key] = value;
  return Status::ok();
}

Result<std::optional<AlertAcknowledgement>> AlertAcknowledgements::find(const std::string& alertKey) {
  const std::string key = storageKey(alertKey);
  std::optional<std::string> stored;
  if (bucket_) {
    auto value = bucket_->get(key);
    if (!value) return value.status();
    stored = std::move(*value);
  } else {
    std::lock_guard lock(mutex_);
    if (auto found = local_.find(key); found != local_.end()) stored = found->second;
  }
  if (!stored) return std::optional<AlertAcknowledgement>();
  auto acknowledgement = fromJson(*stored);
  if (!acknowledgement) return acknowledgement.status();
  return std::optional<AlertAcknowledgement>(std::move(*acknowledgement));
}

Status AlertAcknowledgements::erase(const std::string& alertKey) {
  const std::string key = storageKey(alertKey);
  if (bucket_) return bucket_->erase(key);
  std::lock_guard lock(mutex_);
  local_.erase(key);
  return Status::ok();
}

Result<std::vector<AlertAcknowledgement>> AlertAcknowledgements::list() {
  std::map<std::string, std::string> stored;
  if (bucket_) {
    auto entries = bucket_->entries();
    if (!entries) return entries.status();
    stored = std::move(*entries);
  } else {
    std::lock_guard lock(mutex_);
    stored = local_;
  }
  std::vector<AlertAcknowledgement> result;
  for (const auto& [key, text] : stored) {
    auto acknowledgement = fromJson(text);
    if (acknowledgement) result.push_back(std::move(*acknowledgement));  // a damaged entry is not served
  }
  return result;
}

}  // namespace fleetdeck::gateway
