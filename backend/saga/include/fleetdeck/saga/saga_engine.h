// The durable saga engine: saga instances and their step log live in the service's PostgreSQL.
//
// How a saga runs:
//   - The process that creates a saga records it with begin() in its own transaction, already leased
//     to itself and with its first step started, and hands it to launch() once that transaction
//     commits: the first action is called at once on this engine's runners, without a claim or a
//     start transaction and without waiting for a poll.
//   - A poller claims due sagas (retries whose backoff ran out, sagas whose owner died and whose lease
//     expired, sagas recorded with the static create()) with SELECT … FOR UPDATE SKIP LOCKED under a
//     lease, only as many as there are free runners, so any number of replicas can share the work
//     and a crashed one's sagas are resumed when its lease runs out.
//   - `workers` runner threads run that many sagas at once, each saga on one thread, step by step.
//     The same saga is never run twice at once in one process (a set of sagas in flight).
//   - Each transition is one transaction, under the lease (every write checks lease_owner and renews
//     lease_until in the same statement). The owner written is this process's and this claim's
//     ("<instance>/<process nonce>.<claim number>"): a runner that lost its lease (it outlived it, and
//     another replica, or this one's poller, claimed the saga since) finds its writes refused and
//     drops the saga, instead of writing over what the new owner did. A step's success is persisted together with the start of the
//     next action (the next step, or the first compensation after a business failure), so a forward
//     saga of N steps begun with begin() takes N transactions of its own. A local step (on the
//     service's own database) runs inside the transaction that persists the previous step's success
//     and takes none; a step's guard is read inside the transaction that records its start.
//     Persist-before-call still holds: an action is called only after a committed transaction
//     recorded its start; a crash anywhere resumes from the last commit and repeats at most the
//     action that was started (actions are idempotent).
//   - The observer sees every transition inside the transaction that persists it, with the step log
//     row's times, so an outbox row written there is published exactly when the transition is durable.
//
// The owning service's migrations create the tables:
//   CREATE TABLE saga_instances (
//     id uuid PRIMARY KEY, saga_type text NOT NULL, state text NOT NULL, current_step int NOT NULL DEFAULT 0,
//     compensating_step int NOT NULL DEFAULT -1, data jsonb NOT NULL, attempts int NOT NULL DEFAULT 0,
//     step_started_at timestamptz, next_attempt_at timestamptz NOT NULL DEFAULT now(),
//     lease_owner text, lease_until timestamptz, trace_id text NOT NULL DEFAULT '', last_error text NOT NULL DEFAULT '',
//     outcome_reason text NOT NULL DEFAULT '', created_at timestamptz NOT NULL DEFAULT now(),
//     updated_at timestamptz NOT NULL DEFAULT now(), finished_at timestamptz);
//   CREATE INDEX saga_instances_due_idx ON saga_instances (next_attempt_at) WHERE state IN ('RUNNING', 'COMPENSATING');
//   CREATE TABLE saga_steps (
//     saga_id uuid NOT NULL REFERENCES saga_instances (id), step_index int NOT NULL, phase text NOT NULL,
//     step_name text NOT NULL, state text NOT NULL, attempts int NOT NULL DEFAULT 0, started_at timestamptz,
//     finished_at timestamptz, error text NOT NULL DEFAULT '', PRIMARY KEY (saga_id, step_index, phase));
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fleetdeck/db/connection_pool.h"
#include "fleetdeck/saga/saga.h"

namespace fleetdeck::saga {

// Saga states: RUNNING -> COMPLETED, or RUNNING -> COMPENSATING -> COMPENSATED.
inline constexpr const char* kRunning = "RUNNING";
inline constexpr const char* kCompensating = "COMPENSATING";
inline constexpr const char* kCompleted = "COMPLETED";
inline constexpr const char* kCompensated = "COMPENSATED";

// One step transition, handed to the observer inside the transaction that persists it, so an
// outbox row written there is published exactly when the transition is durable.
struct SagaTransition {
  std::string sagaId;
  std::string sagaType;
  std::string stepName;
  int stepIndex = 0;
  std::string phase;  // "forward" or "compensation"
  // started, succeeded, failed (with retrying = true for a transient failure), compensating, compensated
  std::string state;
  bool retrying = false;
  int attempt = 0;
  std::string error;
  std::string sagaState;  // the saga's state after this transition
  double durationSeconds = 0;
  // The step log row's started_at / finished_at as written in this transaction (0: not set).
  int64_t startedAtMicros = 0;
  int64_t finishedAtMicros = 0;
  std::string traceId;
  boost::json::object data;
};

class SagaObserver {
 public:
  virtual ~SagaObserver() = default;
  virtual void onTransition(pqxx::work& transaction, const SagaTransition& transition) = 0;
  // Every transition one transaction persists, in order, at the end of that transaction: an
  // observer writing outbox rows can write them in one statement.
  virtual void onTransitions(pqxx::work& transaction, const std::vector<SagaTransition>& transitions) {
    for (const auto& transition : transitions) onTransition(transaction, transition);
  }
};

struct SagaStepView {
  int index = 0;
  std::string name;
  std::string phase;
  std::string state;
  int attempts = 0;
  int64_t startedAtMicros = 0;
  int64_t finishedAtMicros = 0;
  std::string error;
};

struct SagaView {
  std::string id;
  std::string type;
  std::string state;
  int currentStep = 0;
  std::string currentStepName;
  std::string traceId;
  std::string lastError;
  std::string outcomeReason;
  boost::json::object data;
  int64_t createdAtMicros = 0;
  int64_t updatedAtMicros = 0;
  int64_t finishedAtMicros = 0;
  std::vector<SagaStepView> steps;
};

struct SagaPage {
  std::vector<SagaView> sagas;  // newest first, without steps
  std::string nextPageToken;
};

// What list() returns: every filter optional (empty, 0).
struct SagaQuery {
  std::string state;
  int pageSize = 0;  // 0: 50; at most 200
  std::string pageToken;
  int64_t createdAfterMicros = 0;   // created at or after
  int64_t createdBeforeMicros = 0;  // created before
};

struct SagaEngineOptions {
  std::string instanceId;  // prefix of every lease owner: "<instance>/<process nonce>.<claim>"
  int workers = 32;        // sagas run at once in this process (runner threads)
  int claimBatch = 16;     // at most this many sagas per claim (and never more than free runners)
  // Launched sagas waiting here for a runner; beyond this, launch() releases the lease instead and
  // the pollers (of any replica, when a runner is free) claim the saga, so a burst of orders waits in
  // the database, not in this process's memory, and idle replicas can take it.
  int maxQueued = 256;
  std::chrono::milliseconds lease{30'000};
  std::chrono::milliseconds idlePoll{200};
  // This host's clock (empty: the system clock). Attempts' call deadlines read it; a step's deadline
  // never does: it is measured from the database's step_started_at on the database's clock, since
  // replicas' clocks may differ from it. Tests skew it.
  std::function<std::chrono::system_clock::time_point()> wallClock;
};

class SagaEngine {
 public:
  SagaEngine(db::ConnectionPool& pool, SagaEngineOptions options, SagaObserver* observer = nullptr);
  ~SagaEngine();

  // Definitions are fixed before start().
  void define(SagaDefinition definition);

  // A saga recorded by begin(), to be handed to launch() after its transaction committed.
  struct NewSaga {
    std::string id;
    std::string type;
    boost::json::object data;
    std::string traceId;
    int64_t stepStartedAtMicros = 0;  // the first step's start as begin() recorded it
    bool begun = false;               // begin() recorded the first step's start
    std::string leaseOwner;           // the lease begin() took
  };

  // Records a new saga in the caller's transaction (the one that creates what the saga is about),
  // leased to this engine, with its first step already started (step log row and "started"
  // transition included): call launch() once the transaction committed, and the first action is
  // called at once. If launch() never comes (the process died), the lease runs out and any
  // replica's poller resumes the saga, repeating at most that first (idempotent) action.
  NewSaga begin(pqxx::work& transaction, const std::string& type, const std::string& sagaId,
                const boost::json::object& data, const std::string& traceId);
  // Starts a committed saga from begin() on this engine's runners at once, or, when maxQueued sagas
  // already wait for a runner here, leaves it to the pollers.
  void launch(NewSaga saga);

  // Records a new saga in the caller's transaction, unleased: a poller (of any replica) claims it.
  static void create(pqxx::work& transaction, const std::string& type, const std::string& sagaId,
                     const boost::json::object& data, const std::string& traceId);

  // Nudges the poller (e.g. after a transaction that create()d a saga committed).
  void wake();

  void start();
  // Stops claiming new work and lets running steps finish; unfinished sagas resume on the next start.
  void stop();

  Result<SagaView> get(const std::string& sagaId);
  Result<SagaPage> list(const SagaQuery& query);

 private:
  // A saga this process holds the lease of, as its runner sees it.
  struct Claimed {
    std::string id;
    std::string type;
    std::string state;
    int currentStep = 0;
    int compensatingStep = -1;
    boost::json::object data;
    int attempts = 0;
    std::string traceId;
    int64_t stepStartedAtMicros = 0;  // 0: the current step has not started
    // The current step's start on this process's monotonic clock, from the database's own now() minus
    // step_started_at: what the step deadline is measured from.
    std::chrono::steady_clock::time_point stepStartedSteady{};
    bool begun = false;               // the current action's start is persisted: call it at once
    std::string leaseOwner;           // this claim's lease_owner: every write must find it still there
  };

  void pollerLoop();
  void runnerLoop();
  // Claims up to `limit` due sagas and queues them; how many were claimed.
  int claim(int limit);
  // Queues a leased saga unless it is already in flight here; false when it was.
  bool enqueue(Claimed saga);
  // A lease_owner value no other claim, here or in another process, has used.
  std::string newLeaseOwner();
  // Gives a saga leased to this process back to the pollers (lease cleared).
  void releaseLease(const std::string& sagaId, const std::string& leaseOwner);
  void advance(Claimed& saga);
  void registerMetrics();

  db::ConnectionPool& pool_;
  SagaEngineOptions options_;
  SagaObserver* observer_;
  std::map<std::string, SagaDefinition> definitions_;
  std::thread poller_;
  std::vector<std::thread> runners_;
  std::atomic<bool> running_{false};
  // This process's leases: "<instance>/<nonce>." then a claim number.
  std::string leasePrefix_;
  std::atomic<uint64_t> leaseClaims_{0};
  // Poller wake-ups (a create(), a runner freed while the poller waited for one, stop()).
  std::mutex wakeMutex_;
  std::condition_variable wakeUp_;
  uint64_t wakeGeneration_ = 0;
  // Sagas queued or running in this process; runners wait on queueReady_.
  std::mutex queueMutex_;
  std::condition_variable queueReady_;
  std::deque<Claimed> queue_;
  std::set<std::string> inFlight_;
  int busy_ = 0;
  bool pollerStarved_ = false;  // the poller found no free runner: a finishing runner wakes it
};

}  // namespace fleetdeck::saga
