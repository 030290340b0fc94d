#include "fleetdeck/saga/saga_engine.h"

#include <random>

#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/failpoint.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/core/log.h"
#include "fleetdeck/core/thread_name.h"
#include "fleetdeck/telemetry/metrics.h"

namespace fleetdeck::saga {
namespace {

constexpr const char* kForward = "forward";
constexpr const char* kCompensation = "compensation";

struct SagaMetrics {
  telemetry::CounterFamily& started = telemetry::defaultRegistry().counter(
      "saga_started_total", "Sagas whose first step started.", {"saga"});
  telemetry::CounterFamily& finished = telemetry::defaultRegistry().counter(
      "saga_finished_total", "Sagas that reached a final state, by outcome (completed, compensated).",
      {"saga", "outcome"});
  telemetry::HistogramFamily& stepDuration = telemetry::defaultRegistry().histogram(
      "saga_step_duration_seconds", "Duration of one saga step attempt (action or compensation).",
      {"saga", "step"});
  telemetry::CounterFamily& stepRetries = telemetry::defaultRegistry().counter(
      "saga_step_retries_total", "Step attempts that failed transiently and were scheduled again.",
      {"saga", "step"});
  telemetry::CounterFamily& launchesDeferred = telemetry::defaultRegistry().counter(
      "saga_launches_deferred_total",
      "New sagas left to the pollers because the runners' queue was full (backpressure).", {"saga"});
};

SagaMetrics& metrics() {
  static SagaMetrics instance;
  return instance;
}

double unitRandom() {
  thread_local std::mt19937_64 generator(std::random_device{}());
  return std::uniform_real_distribution<double>(0.0, 1.0)(generator);
}

using db::execPrepared;

std::optional<boost::json::object> parseObject(const std::string& text) {
  auto parsed = json::parse(text);
  if (!parsed || !parsed->is_object()) return std::nullopt;
  return parsed->as_object();
}

}  // namespace

SagaEngine::SagaEngine(db::ConnectionPool& pool, SagaEngineOptions options, SagaObserver* observer)
    : pool_(pool), options_(std::move(options)), observer_(observer) {
  if (options_.instanceId.empty()) options_.instanceId = "saga-" + randomHex(6);
  // The nonce tells this process's leases from those of an earlier one under the same instance id.
  leasePrefix_ = options_.instanceId + "/" + randomHex(4) + ".";
  options_.workers = std::max(1, options_.workers);
  options_.claimBatch = std::max(1, options_.claimBatch);
  options_.maxQueued = std::max(0, options_.maxQueued);
  registerMetrics();
}

SagaEngine::~SagaEngine() { stop(); }

void SagaEngine::define(SagaDefinition definition) {
  const std::string type = definition.type;
  definitions_[type] = std::move(definition);
}

void SagaEngine::create(pqxx::work& transaction, const std::string& type, const std::string& sagaId,
                        const boost::json::object& data, const std::string& traceId) {
  transaction.exec_params(
      "INSERT INTO saga_instances (id, saga_type, state, data, trace_id) VALUES ($1, $2, 'RUNNING', $3::jsonb, $4)",
      sagaId, type, boost::json::serialize(data), traceId);
}

SagaEngine::NewSaga SagaEngine::begin(pqxx::work& transaction, const std::string& type, const std::string& sagaId,
                                      const boost::json::object& data, const std::string& traceId) {
  NewSaga saga{sagaId, type, data, traceId};
  saga.leaseOwner = newLeaseOwner();
  const auto found = definitions_.find(type);
  if (found == definitions_.end() || found->second.steps.empty()) {
    execPrepared(transaction,
        "INSERT INTO saga_instances (id, saga_type, state, data, trace_id, lease_owner, lease_until)"
        " VALUES ($1, $2, 'RUNNING', $3::jsonb, $4, $5, now() + make_interval(secs => $6))",
        sagaId, type, boost::json::serialize(data), traceId, saga.leaseOwner,
        static_cast<double>(options_.lease.count()) / 1000.0);
    return saga;
  }
  // The first step's start is recorded here too (instance and step log row in one statement, its
  // "started" transition through the observer): the runner calls the first action at once, without a
  // transaction of its own to begin it. The step's guard is not run: the saga's subject was created
  // in this very transaction, nothing can have changed it yet.
  const SagaStep& first = found->second.steps.front();
  const auto rows = execPrepared(transaction,
      "WITH saga AS ("
      "  INSERT INTO saga_instances (id, saga_type, state, data, trace_id, lease_owner, lease_until, attempts,"
      "   step_started_at)"
      "  VALUES ($1, $2, 'RUNNING', $3::jsonb, $4, $5, now() + make_interval(secs => $6), 1, now())"
      "  RETURNING id)"
      " INSERT INTO saga_steps (saga_id, step_index, phase, step_name, state, attempts, started_at)"
      " SELECT id, 0, 'forward', $7, 'started', 1, now() FROM saga"
      " RETURNING (extract(epoch FROM started_at) * 1000000)::bigint",
      sagaId, type, boost::json::serialize(data), traceId, saga.leaseOwner,
      static_cast<double>(options_.lease.count()) / 1000.0, first.name);
  saga.stepStartedAtMicros = rows[0][0].as<int64_t>();
  saga.begun = true;
  if (observer_ != nullptr) {
    observer_->onTransition(transaction, {.sagaId = sagaId, .sagaType = type, .stepName = first.name, .stepIndex = 0,
                                          .phase = kForward, .state = "started", .attempt = 1, .sagaState = kRunning,
                                          .startedAtMicros = saga.stepStartedAtMicros, .traceId = traceId,
                                          .data = data});
  }
  return saga;
}

void SagaEngine::launch(NewSaga saga) {
  Claimed claimed;
  claimed.id = std::move(saga.id);
  claimed.type = std::move(saga.type);
  claimed.state = kRunning;
  claimed.data = std::move(saga.data);
  claimed.traceId = std::move(saga.traceId);
  claimed.stepStartedAtMicros = saga.stepStartedAtMicros;
  claimed.stepStartedSteady = std::chrono::steady_clock::now();  // begin() set it to now() just before
  claimed.begun = saga.begun;
  claimed.leaseOwner = std::move(saga.leaseOwner);
  if (saga.begun) metrics().started.labels({claimed.type}).inc();
  if (running_.load()) {
    bool full;
    {
      std::lock_guard lock(queueMutex_);
      full = static_cast<int>(queue_.size()) >= options_.maxQueued;
    }
    if (!full) {
      (void)enqueue(std::move(claimed));
      return;
    }
    metrics().launchesDeferred.labels({claimed.type}).inc();
  }
  // Not running (stopping, or not started yet), or the runners are behind: hand the saga to
  // whichever poller comes first.
  releaseLease(claimed.id, claimed.leaseOwner);
}

std::string SagaEngine::newLeaseOwner() { return leasePrefix_ + std::to_string(++leaseClaims_); }

void SagaEngine::releaseLease(const std::string& sagaId, const std::string& leaseOwner) {
  const Status released = db::inTransaction(pool_, [&](pqxx::work& transaction) {
    transaction.exec_params(
        "UPDATE saga_instances SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2",
        sagaId, leaseOwner);
    return Status::ok();
  });
  if (!released.isOk()) {
    log::warn("could not release a new saga's lease; it resumes when the lease runs out",
              {{"saga", sagaId}, {"error", released.message()}});
  }
}

bool SagaEngine::enqueue(Claimed saga) {
  {
    std::lock_guard lock(queueMutex_);
    if (!inFlight_.insert(saga.id).second) return false;
    queue_.push_back(std::move(saga));
  }
  queueReady_.notify_one();
  return true;
}

void SagaEngine::wake() {
  {
    std::lock_guard lock(wakeMutex_);
    ++wakeGeneration_;
  }
  wakeUp_.notify_all();
}

void SagaEngine::start() {
  if (running_.exchange(true)) return;
  for (int i = 0; i < options_.workers; ++i) {
    runners_.push_back(namedThread("saga-runner", [this] { runnerLoop(); }));
  }
  poller_ = namedThread("saga-poller", [this] { pollerLoop(); });
}

void SagaEngine::stop() {
  if (!running_.exchange(false)) return;
  wake();
  queueReady_.notify_all();
  if (poller_.joinable()) poller_.join();
  for (auto& runner : runners_) {
    if (runner.joinable()) runner.join();
  }
  runners_.clear();
  {
    std::lock_guard lock(queueMutex_);
    queue_.clear();  // leased to us: released below
    inFlight_.clear();
  }
  // Leases of sagas this process held expire by themselves; release them now so a restart resumes at once.
  const Status released = db::inTransaction(pool_, [&](pqxx::work& transaction) {
    transaction.exec_params(
        "UPDATE saga_instances SET lease_owner = NULL, lease_until = NULL WHERE starts_with(lease_owner, $1)",
        leasePrefix_);
    return Status::ok();
  });
  if (!released.isOk()) log::warn("could not release saga leases", {{"error", released.message()}});
}

void SagaEngine::pollerLoop() {
  while (running_.load()) {
    uint64_t generation;
    {
      std::lock_guard lock(wakeMutex_);
      generation = wakeGeneration_;
    }
    int free;
    {
      std::lock_guard lock(queueMutex_);
      free = options_.workers - busy_ - static_cast<int>(queue_.size());
      pollerStarved_ = free <= 0;
    }
    const int limit = std::min(free, options_.claimBatch);
    // A full batch: more may be due at once.
    if (limit > 0 && claim(limit) == limit) continue;
    std::unique_lock lock(wakeMutex_);
    wakeUp_.wait_for(lock, options_.idlePoll,
                     [&] { return !running_.load() || wakeGeneration_ != generation; });
  }
}

void SagaEngine::runnerLoop() {
  for (;;) {
    Claimed saga;
    {
      std::unique_lock lock(queueMutex_);
      queueReady_.wait(lock, [&] { return !running_.load() || !queue_.empty(); });
      if (!running_.load()) return;
      saga = std::move(queue_.front());
      queue_.pop_front();
      ++busy_;
    }
    try {
      advance(saga);
    } catch (const std::exception& exception) {
      // advance() reports its own failures; the saga's lease runs out and it is resumed.
      log::error("saga runner failed", {{"saga", saga.id}, {"error", exception.what()}});
    }
    bool wakePoller;
    {
      std::lock_guard lock(queueMutex_);
      --busy_;
      inFlight_.erase(saga.id);
      wakePoller = pollerStarved_;
      pollerStarved_ = false;
    }
    if (wakePoller) wake();
  }
}

int SagaEngine::claim(int limit) {
  std::vector<Claimed> claimed;
  const std::string owner = newLeaseOwner();
  // Sagas running here whose lease ran out (a slow call) are left to their runner: claiming them
  // again would take the lease from under it.
  std::string inFlight = "{";
  {
    std::lock_guard lock(queueMutex_);
    for (const auto& id : inFlight_) inFlight += (inFlight.size() > 1 ? "," : "") + id;
  }
  inFlight += "}";
  const Status status = db::inTransaction(pool_, [&](pqxx::work& transaction) {
    const auto rows = execPrepared(transaction,
        "UPDATE saga_instances SET lease_owner = $1, lease_until = now() + make_interval(secs => $2)"
        " WHERE id IN (SELECT id FROM saga_instances"
        "   WHERE state IN ('RUNNING', 'COMPENSATING') AND next_attempt_at <= now()"
        "     AND (lease_until IS NULL OR lease_until < now()) AND NOT (id = ANY($4::uuid[]))"
        "   ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)"
        " RETURNING id::text, saga_type, state, current_step, compensating_step, data::text, attempts, trace_id,"
        "   COALESCE((extract(epoch FROM step_started_at) * 1000000)::bigint, 0),"
        "   COALESCE((extract(epoch FROM now() - step_started_at) * 1000000)::bigint, 0)",
        owner, static_cast<double>(options_.lease.count()) / 1000.0, limit, inFlight);
    claimed.clear();  // a retried transaction starts over
    for (const auto& row : rows) {
      Claimed saga;
      saga.leaseOwner = owner;
      saga.id = row[0].as<std::string>();
      saga.type = row[1].as<std::string>();
      saga.state = row[2].as<std::string>();
      saga.currentStep = row[3].as<int>();
      saga.compensatingStep = row[4].as<int>();
      saga.data = parseObject(row[5].as<std::string>()).value_or(boost::json::object{});
      saga.attempts = row[6].as<int>();
      saga.traceId = row[7].as<std::string>();
      saga.stepStartedAtMicros = row[8].as<int64_t>();
      saga.stepStartedSteady = std::chrono::steady_clock::now() - std::chrono::microseconds(row[9].as<int64_t>());
      claimed.push_back(std::move(saga));
    }
    return Status::ok();
  });
  if (!status.isOk()) {
    log::warn("claiming sagas failed", {{"error", status.message()}});
    return 0;
  }
  for (auto& saga : claimed) {
    // In flight here after all (not expected: those are excluded above, and launched ones hold a fresh
    // lease): this claim's lease fences its runner out, so hand the saga back for the next poll.
    const std::string id = saga.id;
    if (!enqueue(std::move(saga))) releaseLease(id, owner);
  }
  return static_cast<int>(claimed.size());
}

void SagaEngine::advance(Claimed& saga) {
  auto found = definitions_.find(saga.type);
  if (found == definitions_.end()) {
    log::error("no definition for saga type; leaving it for a process that knows it",
               {{"saga", saga.id}, {"type", saga.type}});
    (void)db::inTransaction(pool_, [&](pqxx::work& transaction) {
      execPrepared(transaction,
          "UPDATE saga_instances SET lease_owner = NULL, next_attempt_at = now() + interval '1 minute'"
          " WHERE id = $1 AND lease_owner = $2",
          saga.id, saga.leaseOwner);
      return Status::ok();
    });
    return;
  }
  const SagaDefinition& definition = found->second;
  const int stepCount = static_cast<int>(definition.steps.size());
  const std::string& me = saga.leaseOwner;
  const double leaseSeconds = static_cast<double>(options_.lease.count()) / 1000.0;
  const std::optional<double> noLease;  // NULL: lease_until is cleared with lease_owner

  // What guards and local actions queued for after the transition they wrote in (SagaContext::afterCommit).
  std::vector<std::function<void()>> afterCommit;
  // Set by a body to roll its transaction back on purpose (a local step failed inside it).
  bool rollBack = false;
  // The transitions a body announced, handed to the observer together before its transaction commits.
  std::vector<SagaTransition> announced;
  // Runs one transition in one transaction; false when it did not commit or the lease was lost
  // (another process owns the saga now). `body` returns false when its lease check found nothing.
  const auto persist = [&](const std::function<bool(pqxx::work&)>& body) {
    bool owned = false;
    rollBack = false;
    afterCommit.clear();
    announced.clear();
    const Status status = db::inTransaction(pool_, [&](pqxx::work& transaction) {
      owned = body(transaction);
      if (rollBack) return aborted("rolled back: a local step failed");
      if (owned && observer_ != nullptr && !announced.empty()) observer_->onTransitions(transaction, announced);
      return Status::ok();
    });
    if (rollBack) return false;
    if (!status.isOk()) {
      log::warn("persisting a saga transition failed; it will be retried", {{"saga", saga.id}, {"error", status.message()}});
      return false;
    }
    if (owned) {
      for (auto& action : afterCommit) action();
    }
    afterCommit.clear();
    return owned;
  };
  // The step log row an action just called ends (index -1: none); state nullptr keeps it open (a retry).
  struct StepEnd {
    int index = -1;
    const char* phase = kForward;
    const char* state = nullptr;
    std::string error;
  };
  // The step log row of the action about to be called (index -1: none); a repeat keeps its first start.
  struct StepBegin {
    int index = -1;
    const char* phase = kForward;
    int attempt = 1;
    // A local step run in this very transaction: its row is written as succeeded at once.
    bool succeeded = false;
  };
  struct Written {
    int64_t stepStartedAt = 0;  // saga_instances.step_started_at after the write
    int64_t endedStartedAt = 0, endedFinishedAt = 0, begunStartedAt = 0;
  };
  // A transition's writes in one statement: saga_instances under our lease (checked and renewed in
  // the same statement; `set` uses $13 onwards, `renew` false when `set` releases the lease), the
  // step log row that ends and the one that begins. Nothing when the lease is not ours.
  const auto write = [&](pqxx::work& transaction, const StepEnd& end, const StepBegin& begin, const std::string& set,
                         bool renew, const auto&... values) -> std::optional<Written> {
    const bool forwardBegin = std::string_view(begin.phase) == kForward;
    const auto rows = execPrepared(
        transaction,
        "WITH saga AS ("
        "  UPDATE saga_instances SET " + set +
            ", lease_until = now() + make_interval(secs => $3::float8), updated_at = now()"
            "  WHERE id = $1 AND lease_owner = $2"
            "  RETURNING COALESCE((extract(epoch FROM step_started_at) * 1000000)::bigint, 0) AS step_started),"
            " ended AS ("
            "  UPDATE saga_steps SET state = COALESCE($6::text, state),"
            "   finished_at = CASE WHEN $6::text IS NULL THEN finished_at ELSE now() END, error = $7::text"
            "  WHERE saga_id = $1 AND step_index = $4::int AND phase = $5::text AND EXISTS (SELECT 1 FROM saga)"
            "  RETURNING COALESCE((extract(epoch FROM started_at) * 1000000)::bigint, 0) AS started_us,"
            "   COALESCE((extract(epoch FROM finished_at) * 1000000)::bigint, 0) AS finished_us),"
            " begun AS ("
            "  INSERT INTO saga_steps (saga_id, step_index, phase, step_name, state, attempts, started_at, finished_at)"
            "  SELECT $1, $8::int, $9::text, $10::text, $11::text, $12::int, now(),"
            "   CASE WHEN $11::text = 'succeeded' THEN now() END FROM saga WHERE $8::int >= 0"
            "  ON CONFLICT (saga_id, step_index, phase) DO UPDATE SET attempts = EXCLUDED.attempts,"
            "   state = CASE WHEN EXCLUDED.state = 'succeeded' THEN EXCLUDED.state ELSE saga_steps.state END,"
            "   finished_at = COALESCE(EXCLUDED.finished_at, saga_steps.finished_at)"
            "  RETURNING (extract(epoch FROM started_at) * 1000000)::bigint AS started_us)"
            " SELECT saga.step_started, (SELECT started_us FROM ended), (SELECT finished_us FROM ended),"
            "  (SELECT started_us FROM begun) FROM saga",
        saga.id, me, renew ? std::optional<double>(leaseSeconds) : noLease, end.index, end.phase,
        end.state == nullptr ? std::optional<std::string>() : std::optional<std::string>(end.state), end.error,
        begin.index, begin.phase,
        begin.index >= 0 ? definition.steps[static_cast<size_t>(begin.index)].name : std::string(),
        begin.succeeded ? "succeeded" : forwardBegin ? "started" : "compensating", begin.attempt, values...);
    if (rows.empty()) return std::nullopt;
    const auto& row = rows[0];
    return Written{row[0].template as<int64_t>(0), row[1].template as<int64_t>(0), row[2].template as<int64_t>(0),
                   row[3].template as<int64_t>(0)};
  };
  const auto notify = [&](pqxx::work& /*transaction*/, SagaTransition transition) {
    transition.sagaId = saga.id;
    transition.sagaType = saga.type;
    transition.traceId = saga.traceId;
    transition.data = saga.data;
    announced.push_back(std::move(transition));
  };
  // The "started" / "compensating" transition of the action whose step log row `written` began.
  const auto announceBegin = [&](pqxx::work& transaction, const StepBegin& begin, const Written& written) {
    const bool forward = std::string_view(begin.phase) == kForward;
    notify(transaction, {.stepName = definition.steps[static_cast<size_t>(begin.index)].name,
                         .stepIndex = begin.index, .phase = begin.phase,
                         .state = forward ? "started" : "compensating", .attempt = begin.attempt,
                         .sagaState = forward ? kRunning : kCompensating, .startedAtMicros = written.begunStartedAt});
  };
  // The highest step at or below `index` that has something to undo, or -1.
  const auto compensationAtOrBelow = [&](int index) {
    while (index >= 0 && !definition.steps[static_cast<size_t>(index)].compensation) --index;
    return index;
  };
  const auto now = [this] { return options_.wallClock ? options_.wallClock() : std::chrono::system_clock::now(); };
  const auto delaySeconds = [](std::chrono::milliseconds delay) { return static_cast<double>(delay.count()) / 1000.0; };

  // A forward step's guard, run in the transaction that records the step's start; its verdict stands
  // in for the action's result once that transaction committed.
  std::optional<Status> guarded;
  boost::json::object guardedData;
  const auto guardBegun = [&](pqxx::work& transaction, int index) {
    const SagaStep& begun = definition.steps[static_cast<size_t>(index)];
    if (!begun.guard) return;
    SagaContext guardContext{saga.id, saga.type, saga.traceId, saga.data, 1, now() + definition.callTimeout};
    guarded = begun.guard(transaction, guardContext);
    guardedData = std::move(guardContext.data);
    for (auto& action : guardContext.afterCommit) afterCommit.push_back(std::move(action));
  };
  // A step's action; a local step on its own (the fallback when it could not run inside a transition).
  const auto call = [&](const SagaStep& step, SagaContext& context) -> Status {
    if (!step.local) return step.action(context);
    context.afterCommit.clear();
    Status status = db::inTransaction(pool_, [&](pqxx::work& transaction) { return step.local(transaction, context); });
    if (status.isOk()) {
      for (auto& action : context.afterCommit) action();
    }
    context.afterCommit.clear();
    return status;
  };
  // The write that ends forward step `index` as succeeded and begins the next one (or completes the saga).
  const auto writeSucceeded = [&](pqxx::work& transaction, int index, const std::string& data) {
    const int next = index + 1;
    const StepEnd end{index, kForward, "succeeded", ""};
    if (next == stepCount) {
      return write(transaction, end, StepBegin{},
                   "current_step = $13, attempts = 0, step_started_at = NULL, data = $14::jsonb,"
                   " last_error = '', state = 'COMPLETED', finished_at = now(), lease_owner = NULL",
                   false, next, data);
    }
    return write(transaction, end, StepBegin{next, kForward, 1},
                 "current_step = $13, attempts = 1, step_started_at = now(), data = $14::jsonb, last_error = ''", true,
                 next, data);
  };

  // The local step state of the last transition (set by finishWithLocal and the general path below).
  bool localRan = false;
  SagaContext localContext;
  double localSeconds = 0;
  // Runs local step `index` inside `transaction` (into localContext and localSeconds). False when it
  // failed: the transaction is then to be rolled back (rollBack is set).
  const auto runLocal = [&](pqxx::work& transaction, int index) {
    const SagaStep& local = definition.steps[static_cast<size_t>(index)];
    localContext = SagaContext{saga.id, saga.type, saga.traceId, saga.data, 1, now() + definition.callTimeout};
    const auto localStarted = std::chrono::steady_clock::now();
    const Status localStatus = local.local(transaction, localContext);
    localSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - localStarted).count();
    if (!localStatus.isOk()) rollBack = true;
    return localStatus.isOk();
  };
  // Forward step `index` succeeded and the saga's last step is local: the step's end, the local step
  // (started and succeeded) and the saga's completion in one write, then the local step itself in the
  // same transaction. Its failure rolls everything back (rollBack), and the caller writes the
  // transition alone and runs the local step on its own.
  const auto finishWithLocal = [&](pqxx::work& transaction, int index, int attempt, double seconds,
                                   const std::string& data) {
    const int next = index + 1;
    const SagaStep& step = definition.steps[static_cast<size_t>(index)];
    const SagaStep& local = definition.steps[static_cast<size_t>(next)];
    const StepBegin begun{next, kForward, 1, true};
    const auto written =
        write(transaction, {index, kForward, "succeeded", ""}, begun,
              "current_step = $13, attempts = 0, step_started_at = NULL, data = $14::jsonb, last_error = '',"
              " state = 'COMPLETED', finished_at = now(), lease_owner = NULL",
              false, next + 1, data);
    if (!written) return false;
    if (!runLocal(transaction, next)) return true;
    if (localContext.data != saga.data) {
      execPrepared(transaction, "UPDATE saga_instances SET data = $2::jsonb WHERE id = $1", saga.id,
                   boost::json::serialize(localContext.data));
    }
    notify(transaction, {.stepName = step.name, .stepIndex = index, .phase = kForward, .state = "succeeded",
                         .attempt = attempt, .sagaState = kRunning, .durationSeconds = seconds,
                         .startedAtMicros = written->endedStartedAt, .finishedAtMicros = written->endedFinishedAt});
    announceBegin(transaction, begun, *written);
    notify(transaction, {.stepName = local.name, .stepIndex = next, .phase = kForward, .state = "succeeded",
                         .attempt = 1, .sagaState = kCompleted, .durationSeconds = localSeconds,
                         .startedAtMicros = written->begunStartedAt, .finishedAtMicros = written->begunStartedAt});
    for (auto& action : localContext.afterCommit) afterCommit.push_back(std::move(action));
    localContext.afterCommit.clear();
    localRan = true;
    return true;
  };

  // Whether the current action's start is already persisted (by the transition that led to it, or by
  // begin() in the transaction that created the saga).
  bool started = saga.begun;
  // A launched saga that waited long for a runner may have lost its lease meanwhile (another replica
  // claimed it once it ran out): renew it, fenced like every write, before calling its first action.
  if (started && std::chrono::steady_clock::now() - saga.stepStartedSteady > options_.lease / 2) {
    bool renewed = false;
    const Status status = db::inTransaction(pool_, [&](pqxx::work& transaction) {
      renewed = !execPrepared(transaction,
                     "UPDATE saga_instances SET lease_until = now() + make_interval(secs => $3::float8)"
                     " WHERE id = $1 AND lease_owner = $2 RETURNING 1",
                     saga.id, me, leaseSeconds).empty();
      return Status::ok();
    });
    if (!renewed) {
      log::info("a launched saga lost its lease while it waited for a runner; its new owner runs it",
                {{"saga", saga.id}, {"error", status.isOk() ? std::string() : status.message()}});
      return;
    }
  }
  SagaContext context;
  while (running_.load()) {
    context = SagaContext{saga.id, saga.type, saga.traceId, saga.data, saga.attempts + 1,
                          now() + definition.callTimeout};

    if (saga.state == kRunning) {
      const int index = saga.currentStep;
      if (index >= stepCount) return;
      const SagaStep& step = definition.steps[static_cast<size_t>(index)];
      const int attempt = saga.attempts + 1;
      if (!started) {
        const bool firstAttempt = saga.stepStartedAtMicros == 0;
        guarded.reset();
        if (!persist([&](pqxx::work& transaction) {
              const StepBegin begin{index, kForward, attempt};
              const auto written = write(transaction, {}, begin,
                                         "attempts = $13, step_started_at = COALESCE(step_started_at, now())", true,
                                         attempt);
              if (!written) return false;
              saga.stepStartedAtMicros = written->stepStartedAt;
              if (firstAttempt) saga.stepStartedSteady = std::chrono::steady_clock::now();
              if (firstAttempt) announceBegin(transaction, begin, *written);
              guardBegun(transaction, index);
              return true;
            })) {
          return;
        }
        if (firstAttempt && index == 0) metrics().started.labels({saga.type}).inc();
      }
      started = false;
      failpoint("saga.after_step_started");
      const auto callStarted = std::chrono::steady_clock::now();
      if (guarded) context.data = std::move(guardedData);
      Status status = guarded && !guarded->isOk() ? *guarded : call(step, context);
      guarded.reset();
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - callStarted).count();
      metrics().stepDuration.labels({saga.type, step.name}).observe(seconds);
      failpoint("saga.after_step_called");

      if (status.isOk()) {
        // The step's success and the next step's start, in one transaction; when the next step is
        // local, it runs in that transaction too and its success is written there as well.
        saga.data = context.data;
        const int next = index + 1;
        const bool last = next == stepCount;
        const std::string data = boost::json::serialize(saga.data);
        bool tryLocal = !last && static_cast<bool>(definition.steps[static_cast<size_t>(next)].local);
        localRan = false;
        localSeconds = 0;
        for (;;) {
          guarded.reset();
          localRan = false;
          const bool persisted = persist([&](pqxx::work& transaction) {
            if (tryLocal && next + 1 == stepCount) return finishWithLocal(transaction, index, attempt, seconds, data);
            const auto written = writeSucceeded(transaction, index, data);
            if (!written) return false;
            notify(transaction, {.stepName = step.name, .stepIndex = index, .phase = kForward,
                                 .state = "succeeded", .attempt = attempt, .sagaState = last ? kCompleted : kRunning,
                                 .durationSeconds = seconds, .startedAtMicros = written->endedStartedAt,
                                 .finishedAtMicros = written->endedFinishedAt});
            if (last) return true;
            saga.stepStartedAtMicros = written->stepStartedAt;
            saga.stepStartedSteady = std::chrono::steady_clock::now();
            const StepBegin begun{next, kForward, 1};
            announceBegin(transaction, begun, *written);
            if (!tryLocal) {
              guardBegun(transaction, next);
              return true;
            }
            // A local step with steps after it (a local last step went to finishWithLocal above):
            // its success and the next step's start are a second write in this transaction.
            const SagaStep& local = definition.steps[static_cast<size_t>(next)];
            if (!runLocal(transaction, next)) return true;
            const auto localWritten = writeSucceeded(transaction, next, boost::json::serialize(localContext.data));
            if (!localWritten) return false;
            notify(transaction, {.stepName = local.name, .stepIndex = next, .phase = kForward, .state = "succeeded",
                                 .attempt = 1, .sagaState = kRunning, .durationSeconds = localSeconds,
                                 .startedAtMicros = localWritten->endedStartedAt,
                                 .finishedAtMicros = localWritten->endedFinishedAt});
            for (auto& action : localContext.afterCommit) afterCommit.push_back(std::move(action));
            localContext.afterCommit.clear();
            saga.stepStartedAtMicros = localWritten->stepStartedAt;
            saga.stepStartedSteady = std::chrono::steady_clock::now();
            announceBegin(transaction, StepBegin{next + 1, kForward, 1}, *localWritten);
            guardBegun(transaction, next + 1);
            localRan = true;
            return true;
          });
          if (rollBack) {
            // The local step failed inside the transition: write the transition alone, then run the
            // local step as an ordinary one (its failure handled like any action's).
            tryLocal = false;
            continue;
          }
          if (!persisted) return;
          break;
        }
        failpoint("saga.after_step_persisted");
        saga.attempts = 0;
        if (localRan) {
          metrics().stepDuration.labels({saga.type, definition.steps[static_cast<size_t>(next)].name})
              .observe(localSeconds);
          saga.data = localContext.data;
          saga.currentStep = next + 1;
          if (next + 1 == stepCount) {
            metrics().finished.labels({saga.type, "completed"}).inc();
            return;
          }
          started = true;
          continue;
        }
        saga.currentStep = next;
        if (last) {
          metrics().finished.labels({saga.type, "completed"}).inc();
          return;
        }
        started = true;
        continue;
      }

      const bool withinDeadline = std::chrono::steady_clock::now() - saga.stepStartedSteady < definition.stepDeadline;
      if (isTransient(status) && withinDeadline) {
        const auto delay = backoffFor(definition.retry, attempt, unitRandom());
        metrics().stepRetries.labels({saga.type, step.name}).inc();
        (void)persist([&](pqxx::work& transaction) {
          const auto written =
              write(transaction, {index, kForward, nullptr, status.toString()}, {},
                    "last_error = $13, lease_owner = NULL, next_attempt_at = now() + make_interval(secs => $14)", false,
                    status.toString(), delaySeconds(delay));
          if (!written) return false;
          notify(transaction, {.stepName = step.name, .stepIndex = index, .phase = kForward, .state = "failed",
                               .retrying = true, .attempt = attempt, .error = status.toString(),
                               .sagaState = kRunning, .durationSeconds = seconds,
                               .startedAtMicros = written->endedStartedAt, .finishedAtMicros = written->endedFinishedAt});
          return true;
        });
        return;
      }

      // A business failure (or a transient one past the step deadline): undo what was done, starting
      // (in the same transaction) with the highest step that has a compensation. A business failure of
      // a first attempt that is a definite refusal (isDefiniteRefusal) is a definite answer: the
      // failing step did nothing, and undoing starts below it. Otherwise the step's outcome is unknown
      // (a call that timed out, or ended INTERNAL or UNKNOWN, may have taken effect with only its
      // answer lost; a retry stopped by its guard, e.g. the order was cancelled meanwhile, does not
      // tell what an earlier attempt did), so the failing step's own compensation runs first;
      // compensations are idempotent and answer OK when there is nothing to undo.
      const std::string reason =
          isTransient(status) ? "step deadline exceeded: " + status.toString() : status.message();
      saga.data = context.data;
      const bool outcomeUnknown = attempt > 1 || !isDefiniteRefusal(status);
      const int undo = compensationAtOrBelow(outcomeUnknown ? index : index - 1);
      if (!persist([&](pqxx::work& transaction) {
            const StepBegin begin = undo >= 0 ? StepBegin{undo, kCompensation, 1} : StepBegin{};
            const auto written =
                write(transaction, {index, kForward, "failed", status.toString()}, begin,
                      "state = 'COMPENSATING', compensating_step = $13, attempts = $14, step_started_at = NULL,"
                      " last_error = $15, outcome_reason = $16, data = $17::jsonb",
                      true, undo, undo >= 0 ? 1 : 0, status.toString(), reason, boost::json::serialize(saga.data));
            if (!written) return false;
            notify(transaction, {.stepName = step.name, .stepIndex = index, .phase = kForward, .state = "failed",
                                 .attempt = attempt, .error = status.toString(), .sagaState = kCompensating,
                                 .durationSeconds = seconds, .startedAtMicros = written->endedStartedAt,
                                 .finishedAtMicros = written->endedFinishedAt});
            if (undo >= 0) announceBegin(transaction, begin, *written);
            return true;
          })) {
        return;
      }
      saga.state = kCompensating;
      saga.compensatingStep = undo;
      saga.attempts = 0;
      saga.data["failureReason"] = reason;
      started = undo >= 0;
      continue;
    }

    if (saga.state != kCompensating) return;
    // A step with nothing to undo is passed over (its index is written with the next compensation's start).
    const int index = compensationAtOrBelow(saga.compensatingStep);
    if (index != saga.compensatingStep) {
      saga.compensatingStep = index;
      saga.attempts = 0;
    }
    const int attempt = saga.attempts + 1;
    if (index < 0) {
      // Everything done was undone: the saga's own final word (e.g. cancel the order).
      Status status = definition.onCompensated ? definition.onCompensated(context) : Status::ok();
      if (!status.isOk()) {
        // Retried until it succeeds, like a compensation, and as visible: a failed-and-retrying
        // transition on the timeline and the bus (else the saga looks idle while it retries, with its
        // error only in last_error), the retry counted, and a log line now and then.
        const auto delay = backoffFor(definition.retry, attempt, unitRandom());
        metrics().stepRetries.labels({saga.type, "saga"}).inc();
        if (attempt == 1 || attempt % 20 == 0) {
          log::warn("a compensated saga's final step failed; retrying",
                    {{"saga", saga.id}, {"type", saga.type}, {"attempt", attempt}, {"error", status.toString()}});
        }
        (void)persist([&](pqxx::work& transaction) {
          if (!write(transaction, {}, {},
                     "compensating_step = -1, attempts = $13, last_error = $14, lease_owner = NULL,"
                     " next_attempt_at = now() + make_interval(secs => $15)",
                     false, attempt, status.toString(), delaySeconds(delay))) {
            return false;
          }
          notify(transaction, {.stepName = "saga", .stepIndex = -1, .phase = kCompensation, .state = "failed",
                               .retrying = true, .attempt = attempt, .error = status.toString(),
                               .sagaState = kCompensating});
          return true;
        });
        return;
      }
      saga.data = context.data;
      if (persist([&](pqxx::work& transaction) {
            if (!write(transaction, {}, {},
                       "state = 'COMPENSATED', compensating_step = -1, finished_at = now(), lease_owner = NULL,"
                       " attempts = 0, data = $13::jsonb",
                       false, boost::json::serialize(saga.data))) {
              return false;
            }
            notify(transaction, {.stepName = "saga", .stepIndex = -1, .phase = kCompensation, .state = "compensated",
                                 .attempt = attempt, .sagaState = kCompensated});
            return true;
          })) {
        metrics().finished.labels({saga.type, "compensated"}).inc();
      }
      return;
    }
    const SagaStep& step = definition.steps[static_cast<size_t>(index)];
    if (!started) {
      if (!persist([&](pqxx::work& transaction) {
            const StepBegin begin{index, kCompensation, attempt};
            const auto written =
                write(transaction, {}, begin, "compensating_step = $13, attempts = $14", true, index, attempt);
            if (!written) return false;
            if (attempt == 1) announceBegin(transaction, begin, *written);
            return true;
          })) {
        return;
      }
    }
    started = false;
    failpoint("saga.before_compensation_called");
    const auto callStarted = std::chrono::steady_clock::now();
    Status status = step.compensation(context);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - callStarted).count();
    metrics().stepDuration.labels({saga.type, step.name + ":compensation"}).observe(seconds);
    if (status.isOk()) {
      // This compensation's end and the next one's start, in one transaction.
      saga.data = context.data;
      const int next = compensationAtOrBelow(index - 1);
      if (!persist([&](pqxx::work& transaction) {
            const StepBegin begin = next >= 0 ? StepBegin{next, kCompensation, 1} : StepBegin{};
            const auto written =
                write(transaction, {index, kCompensation, "compensated", ""}, begin,
                      "compensating_step = $13, attempts = $14, data = $15::jsonb", true, next, next >= 0 ? 1 : 0,
                      boost::json::serialize(saga.data));
            if (!written) return false;
            notify(transaction, {.stepName = step.name, .stepIndex = index, .phase = kCompensation,
                                 .state = "compensated", .attempt = attempt, .sagaState = kCompensating,
                                 .durationSeconds = seconds, .startedAtMicros = written->endedStartedAt,
                                 .finishedAtMicros = written->endedFinishedAt});
            if (next >= 0) announceBegin(transaction, begin, *written);
            return true;
          })) {
        return;
      }
      saga.compensatingStep = next;
      saga.attempts = 0;
      started = next >= 0;
      continue;
    }
    // Compensations never give up: whatever the error, try again later (an operator sees the
    // stuck saga through saga_oldest_running_age_seconds and its last_error).
    const auto delay = backoffFor(definition.retry, attempt, unitRandom());
    metrics().stepRetries.labels({saga.type, step.name + ":compensation"}).inc();
    (void)persist([&](pqxx::work& transaction) {
      const auto written =
          write(transaction, {index, kCompensation, nullptr, status.toString()}, {},
                "last_error = $13, lease_owner = NULL, next_attempt_at = now() + make_interval(secs => $14)", false,
                status.toString(), delaySeconds(delay));
      if (!written) return false;
      notify(transaction, {.stepName = step.name, .stepIndex = index, .phase = kCompensation, .state = "failed",
                           .retrying = true, .attempt = attempt, .error = status.toString(),
                           .sagaState = kCompensating, .durationSeconds = seconds,
                           .startedAtMicros = written->endedStartedAt, .finishedAtMicros = written->endedFinishedAt});
      return true;
    });
    return;
  }
}

void SagaEngine::registerMetrics() {
  metrics();
  telemetry::defaultRegistry().addCollector([this](telemetry::SampleWriter& writer) {
    auto counts = db::inTransaction<std::pair<int64_t, double>>(
        pool_, [](pqxx::work& transaction) -> Result<std::pair<int64_t, double>> {
          const auto row = transaction.exec(
              "SELECT count(*), COALESCE(extract(epoch FROM now() - min(created_at)), 0)::float8"
              " FROM saga_instances WHERE state IN ('RUNNING', 'COMPENSATING')")[0];
          return std::make_pair(row[0].as<int64_t>(), row[1].as<double>());
        });
    if (!counts) return;  // the database readiness check reports the outage
    writer.header("saga_running", "Sagas not yet completed or compensated.", telemetry::MetricType::kGauge);
    writer.sample("saga_running", static_cast<double>(counts->first));
    writer.header("saga_oldest_running_age_seconds", "Age of the oldest unfinished saga.",
                  telemetry::MetricType::kGauge);
    writer.sample("saga_oldest_running_age_seconds", counts->second);
  });
}

Result<SagaView> SagaEngine::get(const std::string& sagaId) {
  if (!isUuid(sagaId)) return invalidField("id", "must be a saga id (UUID)");
  return db::inTransaction<SagaView>(pool_, [&](pqxx::work& transaction) -> Result<SagaView> {
    const auto rows = transaction.exec_params(
        "SELECT saga_type, state, current_step, trace_id, last_error, outcome_reason, data::text,"
        " (extract(epoch FROM created_at) * 1000000)::bigint, (extract(epoch FROM updated_at) * 1000000)::bigint,"
        " COALESCE((extract(epoch FROM finished_at) * 1000000)::bigint, 0)"
        " FROM saga_instances WHERE id = $1",
        sagaId);
    if (rows.empty()) return notFound("saga " + sagaId + " does not exist");
    SagaView view;
    view.id = sagaId;
    view.type = rows[0][0].as<std::string>();
    view.state = rows[0][1].as<std::string>();
    view.currentStep = rows[0][2].as<int>();
    view.traceId = rows[0][3].as<std::string>();
    view.lastError = rows[0][4].as<std::string>();
    view.outcomeReason = rows[0][5].as<std::string>();
    view.data = parseObject(rows[0][6].as<std::string>()).value_or(boost::json::object{});
    view.createdAtMicros = rows[0][7].as<int64_t>();
    view.updatedAtMicros = rows[0][8].as<int64_t>();
    view.finishedAtMicros = rows[0][9].as<int64_t>();
    if (auto found = definitions_.find(view.type);
        found != definitions_.end() && view.currentStep < static_cast<int>(found->second.steps.size())) {
      view.currentStepName = found->second.steps[static_cast<size_t>(view.currentStep)].name;
    }
    for (const auto& row : transaction.exec_params(
             "SELECT step_index, step_name, phase, state, attempts,"
             " COALESCE((extract(epoch FROM started_at) * 1000000)::bigint, 0),"
             " COALESCE((extract(epoch FROM finished_at) * 1000000)::bigint, 0), error"
             " FROM saga_steps WHERE saga_id = $1 ORDER BY started_at, step_index",
             sagaId)) {
      view.steps.push_back({row[0].as<int>(), row[1].as<std::string>(), row[2].as<std::string>(),
                            row[3].as<std::string>(), row[4].as<int>(), row[5].as<int64_t>(), row[6].as<int64_t>(),
                            row[7].as<std::string>()});
    }
    return view;
  });
}

Result<SagaPage> SagaEngine::list(const SagaQuery& query) {
  const std::string& state = query.state;
  ValidationErrors errors;
  if (!state.empty() && state != kRunning && state != kCompensating && state != kCompleted && state != kCompensated) {
    errors.add("state", "must be one of RUNNING, COMPENSATING, COMPLETED, COMPENSATED");
  }
  if (query.pageSize < 0) errors.add("pageSize", "must not be negative");
  if (query.createdAfterMicros != 0 && query.createdBeforeMicros != 0 &&
      query.createdAfterMicros >= query.createdBeforeMicros) {
    errors.add("createdBefore", "must be later than createdAfter");  // an empty list would hide the mistake
  }
  std::optional<std::string> before;
  if (!query.pageToken.empty()) {
    auto decoded = base64UrlDecode(query.pageToken);
    if (!decoded || !decoded->starts_with("s1:") || !isUuid(decoded->substr(3))) {
      errors.add("pageToken", "is not a token returned by a previous list call");
    } else {
      before = decoded->substr(3);
    }
  }
  FLEETDECK_RETURN_IF_ERROR(errors.toStatus());
  const int pageSize = query.pageSize == 0 ? 50 : std::min(query.pageSize, 200);
  const auto bound = [](int64_t micros) { return micros == 0 ? std::optional<int64_t>() : std::optional<int64_t>(micros); };
  return db::inTransaction<SagaPage>(pool_, [&](pqxx::work& transaction) -> Result<SagaPage> {
    const auto rows = transaction.exec_params(
        "SELECT id::text, saga_type, state, current_step, trace_id, last_error, outcome_reason, data::text,"
        " (extract(epoch FROM created_at) * 1000000)::bigint, (extract(epoch FROM updated_at) * 1000000)::bigint,"
        " COALESCE((extract(epoch FROM finished_at) * 1000000)::bigint, 0)"
        " FROM saga_instances WHERE ($1::uuid IS NULL OR id < $1::uuid) AND ($2::text IS NULL OR state = $2)"
        "   AND ($4::bigint IS NULL OR created_at >= 'epoch'::timestamptz + $4 * interval '1 microsecond')"
        "   AND ($5::bigint IS NULL OR created_at < 'epoch'::timestamptz + $5 * interval '1 microsecond')"
        " ORDER BY saga_instances.id DESC LIMIT $3",  // the column: plain id is the id::text output
        before, state.empty() ? std::optional<std::string>() : state, pageSize + 1, bound(query.createdAfterMicros),
        bound(query.createdBeforeMicros));
    SagaPage page;
    for (const auto& row : rows) {
      if (static_cast<int>(page.sagas.size()) == pageSize) {
        page.nextPageToken = base64UrlEncode("s1:" + page.sagas.back().id);
        break;
      }
      SagaView view;
      view.id = row[0].as<std::string>();
      view.type = row[1].as<std::string>();
      view.state = row[2].as<std::string>();
      view.currentStep = row[3].as<int>();
      view.traceId = row[4].as<std::string>();
      view.lastError = row[5].as<std::string>();
      view.outcomeReason = row[6].as<std::string>();
      view.data = parseObject(row[7].as<std::string>()).value_or(boost::json::object{});
      view.createdAtMicros = row[8].as<int64_t>();
      view.updatedAtMicros = row[9].as<int64_t>();
      view.finishedAtMicros = row[10].as<int64_t>();
      if (auto found = definitions_.find(view.type);
          found != definitions_.end() && view.currentStep < static_cast<int>(found->second.steps.size())) {
        view.currentStepName = found->second.steps[static_cast<size_t>(view.currentStep)].name;
      }
      page.sagas.push_back(std::move(view));
    }
    return page;
  });
}

}  // namespace fleetdeck::saga
