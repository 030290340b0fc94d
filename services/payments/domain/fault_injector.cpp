#include "domain/fault_injector.h"

#include <cmath>
#include <string>

namespace fleetdeck::payments {
namespace {

bool isRate(double value) { return std::isfinite(value) && value >= 0.0 && value <= 1.0; }

}  // namespace

bool isInjectableFailureCode(StatusCode code) {
  return code == StatusCode::kUnavailable || code == StatusCode::kInternal;
}

Status validateFaults(const FaultSettings& settings, const std::string& fieldPrefix) {
  ValidationErrors errors;
  if (!isRate(settings.declineRate)) errors.add(fieldPrefix + "declineRate", "must be a number from 0 to 1");
  if (!isRate(settings.failureRate)) errors.add(fieldPrefix + "failureRate", "must be a number from 0 to 1");
  if (settings.addedLatencyMs < 0 || settings.addedLatencyMs > kMaxAddedLatencyMs) {
    errors.add(fieldPrefix + "addedLatencyMs", "must be from 0 to " + std::to_string(kMaxAddedLatencyMs));
  }
  if (!isInjectableFailureCode(settings.failureCode)) {
    errors.add(fieldPrefix + "failureCode", "must be UNAVAILABLE or INTERNAL");
  }
  return errors.toStatus();
}

FaultSettings FaultInjector::current() const {
  std::lock_guard lock(mutex_);
  return settings_;
}

Result<FaultSettings> FaultInjector::change(const FaultSettings& settings, const ChangeRecorder& record) {
  if (!allowRuntimeChanges_) return failedPrecondition("fault injection can only be changed on a local fleet");
  FLEETDECK_RETURN_IF_ERROR(validateFaults(settings));
  std::lock_guard changing(changeMutex_);
  // Recorded first: an admin change that could not be recorded is not made.
  if (record) FLEETDECK_RETURN_IF_ERROR(record(current(), settings));
  std::lock_guard lock(mutex_);
  settings_ = settings;
  return settings_;
}

bool FaultInjector::shouldFail() { return draw(current().failureRate); }

bool FaultInjector::shouldDecline() { return draw(current().declineRate); }

std::chrono::milliseconds FaultInjector::addedLatency() const {
  return std::chrono::milliseconds(current().addedLatencyMs);
}

bool FaultInjector::draw(double rate) { return rate > 0.0 && random_.nextUnit() < rate; }

}  // namespace fleetdeck::payments
