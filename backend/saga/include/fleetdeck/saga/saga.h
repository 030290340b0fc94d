// A saga: ordered steps, each with an action and (optionally) a compensation, run durably by the
// SagaEngine. Actions talk to other services; they must be idempotent under the saga id, because
// a step can run again after a crash or an ambiguous timeout.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "fleetdeck/core/json.h"
#include "fleetdeck/core/status.h"

namespace fleetdeck::saga {

// What a running step sees. `data` is the saga's own state, persisted after each step; an action
// may add to it (e.g. the payment id) for later steps and compensations.
struct SagaContext {
  std::string sagaId;
  std::string sagaType;
  std::string traceId;
  boost::json::object data;
  int attempt = 1;
  // Calls made by this attempt should finish by then.
  std::chrono::system_clock::time_point deadline;
};

// OK: the step is done. A transient error (see isTransient) is retried with backoff; anything else
// is a business failure: the saga compensates the completed steps in reverse order.
using StepAction = std::function<Status(SagaContext&)>;

struct SagaStep {
  std::string name;
  StepAction action;
  StepAction compensation;  // may be empty: nothing to undo
};

struct RetryPolicy {
  std::chrono::milliseconds initialBackoff{100};
  std::chrono::milliseconds maxBackoff{5000};
  double multiplier = 2.0;
  double jitter = 0.2;  // +-20 %
};

struct SagaDefinition {
  std::string type;
  std::vector<SagaStep> steps;
  // Runs (and is retried until OK) after every completed step was compensated.
  StepAction onCompensated;
  RetryPolicy retry;
  // A forward step still failing transiently this long after its first attempt becomes a business failure.
  std::chrono::milliseconds stepDeadline{60'000};
  // Deadline of one attempt's calls.
  std::chrono::milliseconds callTimeout{3'000};
};

// UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED and ABORTED: worth trying again.
bool isTransient(const Status& status);

// The backoff before attempt `attempt` + 1, with jitter drawn from `unitRandom` in [0, 1).
std::chrono::milliseconds backoffFor(const RetryPolicy& policy, int attempt, double unitRandom);

}  // namespace fleetdeck::saga
