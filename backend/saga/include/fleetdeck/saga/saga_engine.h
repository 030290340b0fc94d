// The durable saga engine: saga instances and their step log live in the service's PostgreSQL;
// worker threads claim due sagas with SELECT … FOR UPDATE SKIP LOCKED under a lease, so any number
// of replicas can run them and a crashed one's sagas are resumed when its lease runs out.
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
#include <map>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
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
  std::string traceId;
  boost::json::object data;
};

class SagaObserver {
 public:
  virtual ~SagaObserver() = default;
  virtual void onTransition(pqxx::work& transaction, const SagaTransition& transition) = 0;
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

struct SagaEngineOptions {
  std::string instanceId;  // lease owner
  int workers = 4;
  int claimBatch = 16;
  std::chrono::milliseconds lease{30'000};
  std::chrono::milliseconds idlePoll{200};
};

class SagaEngine {
 public:
  SagaEngine(db::ConnectionPool& pool, SagaEngineOptions options, SagaObserver* observer = nullptr);
  ~SagaEngine();

  // Definitions are fixed before start().
  void define(SagaDefinition definition);

  // Records a new saga in the caller's transaction (the one that creates what the saga is about).
  static void create(pqxx::work& transaction, const std::string& type, const std::string& sagaId,
                     const boost::json::object& data, const std::string& traceId);

  // Nudges idle workers after a transaction that created a saga committed.
  void wake();

  void start();
  // Stops claiming new work and lets running steps finish; unfinished sagas resume on the next start.
  void stop();

  Result<SagaView> get(const std::string& sagaId);
  Result<SagaPage> list(const std::string& state, int pageSize, const std::string& pageToken);

 private:
  struct Claimed;
  void workerLoop();
  int claimAndRun();
  void advance(Claimed& saga);
  void registerMetrics();

  db::ConnectionPool& pool_;
  SagaEngineOptions options_;
  SagaObserver* observer_;
  std::map<std::string, SagaDefinition> definitions_;
  std::vector<std::thread> workers_;
  std::atomic<bool> running_{false};
  std::mutex wakeMutex_;
  std::condition_variable wakeUp_;
  uint64_t wakeGeneration_ = 0;
};

}  // namespace fleetdeck::saga
