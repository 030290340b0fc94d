// Fault injection for demos and tests: declined charges, failing calls and added latency, off by default.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>

#include "fleetdeck/core/status.h"
#include "ports/random_source.h"

namespace fleetdeck::payments {

struct FaultSettings {
  double declineRate = 0.0;     // share of charges declined as "injected_decline" (0-1)
  double failureRate = 0.0;     // share of Charge/Refund calls failing with failureCode (0-1)
  int64_t addedLatencyMs = 0;   // added to every Charge and Refund
  // What a failing call answers: UNAVAILABLE (a service down: callers retry it) or INTERNAL (a fault
  // callers cannot read as "retry": shows how the order sagas treat errors that are not transient).
  StatusCode failureCode = StatusCode::kUnavailable;
  bool operator==(const FaultSettings&) const = default;
};

// Latency beyond a minute would only outlast every client's deadline.
inline constexpr int64_t kMaxAddedLatencyMs = 60'000;

// The codes an injected failure may answer with.
bool isInjectableFailureCode(StatusCode code);

// INVALID_ARGUMENT naming each bad field as "<prefix>declineRate", … ("faults." over gRPC/REST).
Status validateFaults(const FaultSettings& settings, const std::string& fieldPrefix = "faults.");

class FaultInjector {
 public:
  // `allowRuntimeChanges` comes from config: only a local fleet may change faults while running.
  FaultInjector(FaultSettings initial, bool allowRuntimeChanges, RandomSource& random)
      : settings_(initial), allowRuntimeChanges_(allowRuntimeChanges), random_(random) {}

  FaultSettings current() const;
  // Records a valid change before it applies (the audit trail); its error refuses the change.
  using ChangeRecorder = std::function<Status(const FaultSettings& before, const FaultSettings& after)>;

  // Validates, records (when `record` is given) and applies; FAILED_PRECONDITION unless runtime
  // changes are allowed. Changes are serialized, so each recorded `before` is what the change
  // replaced; Charge and Refund never wait for a recording.
  Result<FaultSettings> change(const FaultSettings& settings, const ChangeRecorder& record = {});
  bool runtimeChangesAllowed() const { return allowRuntimeChanges_; }

  // Each draws a chance only when its rate is above zero, so with faults off nothing is random.
  bool shouldFail();
  bool shouldDecline();
  std::chrono::milliseconds addedLatency() const;

 private:
  bool draw(double rate);

  mutable std::mutex mutex_;  // guards settings_: held briefly, by every Charge and Refund
  std::mutex changeMutex_;    // one change at a time, held while it is recorded
  FaultSettings settings_;
  const bool allowRuntimeChanges_;
  RandomSource& random_;
};

}  // namespace fleetdeck::payments
