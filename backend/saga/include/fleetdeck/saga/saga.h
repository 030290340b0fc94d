// A saga: ordered steps, each with an action and (optionally) a compensation, run durably by the
// SagaEngine. Actions talk to other services; they must be idempotent under the saga id, because
// a step can run again after a crash or an ambiguous timeout.
#pragma once

#include <chrono>
#include <functional>
#include <pqxx/pqxx>
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
  // Work a guard or local action queues, run once the transaction it wrote in has committed (and
  // dropped if it rolled back), e.g. waking the service's outbox relay.
  std::vector<std::function<void()>> afterCommit;
};

// OK: the step is done. A transient error (see isTransient) is retried with backoff; anything else
// is a business failure: the saga compensates the completed steps in reverse order.
using StepAction = std::function<Status(SagaContext&)>;

// A check on the service's own database, run inside the transaction that records the step's start
// (e.g. "was the order cancelled meanwhile?"), so it costs no transaction of its own. It sees and
// may add to the data as the action would. Not OK: the action is not called and the status is
// handled as if the action had returned it.
using StepGuard = std::function<Status(pqxx::work&, SagaContext&)>;
// A step whose whole effect is on the service's own database. It runs inside the transaction that
// persists the previous step's success, and its own success is written in that same transaction; when
// it fails there, that transaction is rolled back and redone without it, and the step then runs as
// an ordinary one (in a transaction of its own, committed only when it returns OK).
using LocalAction = std::function<Status(pqxx::work&, SagaContext&)>;

struct SagaStep {
  std::string name;
  StepAction action;        // empty when `local` is set
  StepAction compensation;  // may be empty: nothing to undo
  StepGuard guard;          // may be empty
  LocalAction local;        // set instead of `action` for a step on the service's own database
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

// INVALID_ARGUMENT, FAILED_PRECONDITION, NOT_FOUND, ALREADY_EXISTS, OUT_OF_RANGE, PERMISSION_DENIED,
// UNAUTHENTICATED: the callee looked at the request and refused it, so a first attempt answered so
// did nothing. Anything else that is not transient (INTERNAL, UNKNOWN, CANCELLED, DATA_LOSS, ...)
// may come from a call that took effect with its answer lost on the way (a reset stream, a proxy).
bool isDefiniteRefusal(const Status& status);

// The backoff before attempt `attempt` + 1, with jitter drawn from `unitRandom` in [0, 1).
std::chrono::milliseconds backoffFor(const RetryPolicy& policy, int attempt, double unitRandom);

}  // namespace fleetdeck::saga
