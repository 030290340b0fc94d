#include "fleetdeck/saga/saga_engine.h"

#include <random>

#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/failpoint.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/core/log.h"
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
};

SagaMetrics& metrics() {
  static SagaMetrics instance;
  return instance;
}

double unitRandom() {
  thread_local std::mt19937_64 generator(std::random_device{}());
  return std::uniform_real_distribution<double>(0.0, 1.0)(generator);
}

std::optional<boost::json::object> parseObject(const std::string& text) {
  auto parsed = json::parse(text);
  if (!parsed || !parsed->is_object()) return std::nullopt;
  return parsed->as_object();
}

}  // namespace

struct SagaEngine::Claimed {
  std::string id;
  std::string type;
  std::string state;
  int currentStep = 0;
  int compensatingStep = -1;
  boost::json::object data;
  int attempts = 0;
  std::string traceId;
  int64_t stepStartedAtMicros = 0;  // 0: the current step has not started
  int64_t nowMicros = 0;
};

SagaEngine::SagaEngine(db::ConnectionPool& pool, SagaEngineOptions options, SagaObserver* observer)
    : pool_(pool), options_(std::move(options)), observer_(observer) {
  if (options_.instanceId.empty()) options_.instanceId = "saga-" + randomHex(6);
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

void SagaEngine::wake() {
  {
    std::lock_guard lock(wakeMutex_);
    ++wakeGeneration_;
  }
  wakeUp_.notify_all();
}

void SagaEngine::start() {
  if (running_.exchange(true)) return;
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { workerLoop(); });
}

void SagaEngine::stop() {
  if (!running_.exchange(false)) return;
  wake();
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  workers_.clear();
  // Leases of sagas this process held expire by themselves; release them now so a restart resumes at once.
  const Status released = db::inTransaction(pool_, [&](pqxx::work& transaction) {
    transaction.exec_params("UPDATE saga_instances SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1",
                            options_.instanceId);
    return Status::ok();
  });
  if (!released.isOk()) log::warn("could not release saga leases", {{"error", released.message()}});
}

void SagaEngine::workerLoop() {
  while (running_.load()) {
    uint64_t generation;
    {
      std::lock_guard lock(wakeMutex_);
      generation = wakeGeneration_;
    }
    const int ran = claimAndRun();
    if (ran > 0) continue;
    std::unique_lock lock(wakeMutex_);
    wakeUp_.wait_for(lock, options_.idlePoll,
                     [&] { return !running_.load() || wakeGeneration_ != generation; });
  }
}

int SagaEngine::claimAndRun() {
  std::vector<Claimed> claimed;
  const Status status = db::inTransaction(pool_, [&](pqxx::work& transaction) {
    const auto rows = transaction.exec_params(
        "UPDATE saga_instances SET lease_owner = $1, lease_until = now() + make_interval(secs => $2)"
        " WHERE id IN (SELECT id FROM saga_instances"
        "   WHERE state IN ('RUNNING', 'COMPENSATING') AND next_attempt_at <= now()"
        "     AND (lease_until IS NULL OR lease_until < now())"
        "   ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)"
        " RETURNING id::text, saga_type, state, current_step, compensating_step, data::text, attempts, trace_id,"
        "   COALESCE((extract(epoch FROM step_started_at) * 1000000)::bigint, 0),"
        "   (extract(epoch FROM now()) * 1000000)::bigint",
        options_.instanceId, static_cast<double>(options_.lease.count()) / 1000.0, options_.claimBatch);
    for (const auto& row : rows) {
      Claimed saga;
      saga.id = row[0].as<std::string>();
      saga.type = row[1].as<std::string>();
      saga.state = row[2].as<std::string>();
      saga.currentStep = row[3].as<int>();
      saga.compensatingStep = row[4].as<int>();
      saga.data = parseObject(row[5].as<std::string>()).value_or(boost::json::object{});
      saga.attempts = row[6].as<int>();
      saga.traceId = row[7].as<std::string>();
      saga.stepStartedAtMicros = row[8].as<int64_t>();
      saga.nowMicros = row[9].as<int64_t>();
      claimed.push_back(std::move(saga));
    }
    return Status::ok();
  });
  if (!status.isOk()) {
    log::warn("claiming sagas failed", {{"error", status.message()}});
    return 0;
  }
  for (auto& saga : claimed) {
    if (!running_.load()) break;
    advance(saga);
  }
  return static_cast<int>(claimed.size());
}

void SagaEngine::advance(Claimed& saga) {
  auto found = definitions_.find(saga.type);
  if (found == definitions_.end()) {
    log::error("no definition for saga type; leaving it for a process that knows it",
               {{"saga", saga.id}, {"type", saga.type}});
    (void)db::inTransaction(pool_, [&](pqxx::work& transaction) {
      transaction.exec_params(
          "UPDATE saga_instances SET lease_owner = NULL, next_attempt_at = now() + interval '1 minute'"
          " WHERE id = $1 AND lease_owner = $2",
          saga.id, options_.instanceId);
      return Status::ok();
    });
    return;
  }
  const SagaDefinition& definition = found->second;
  const std::string& me = options_.instanceId;

  // Persists one transition under our lease; false when the lease was lost (another worker owns it now).
  const auto persist = [&](const std::function<void(pqxx::work&)>& body) {
    bool owned = false;
    const Status status = db::inTransaction(pool_, [&](pqxx::work& transaction) {
      const auto held = transaction.exec_params(
          "UPDATE saga_instances SET lease_until = now() + make_interval(secs => $3), updated_at = now()"
          " WHERE id = $1 AND lease_owner = $2 RETURNING 1",
          saga.id, me, static_cast<double>(options_.lease.count()) / 1000.0);
      if (held.empty()) return Status::ok();
      owned = true;
      body(transaction);
      return Status::ok();
    });
    if (!status.isOk()) {
      log::warn("persisting a saga transition failed; it will be retried", {{"saga", saga.id}, {"error", status.message()}});
      return false;
    }
    return owned;
  };
  const auto notify = [&](pqxx::work& transaction, SagaTransition transition) {
    transition.sagaId = saga.id;
    transition.sagaType = saga.type;
    transition.traceId = saga.traceId;
    transition.data = saga.data;
    if (observer_ != nullptr) observer_->onTransition(transaction, transition);
  };
  const auto releaseUntil = [&](pqxx::work& transaction, std::chrono::milliseconds delay) {
    transaction.exec_params(
        "UPDATE saga_instances SET lease_owner = NULL, lease_until = NULL,"
        " next_attempt_at = now() + make_interval(secs => $2) WHERE id = $1",
        saga.id, static_cast<double>(delay.count()) / 1000.0);
  };
  const auto now = [] { return std::chrono::system_clock::now(); };

  while (running_.load()) {
    SagaContext context{saga.id, saga.type, saga.traceId, saga.data, saga.attempts + 1,
                        now() + definition.callTimeout};

    if (saga.state == kRunning) {
      const int index = saga.currentStep;
      if (index >= static_cast<int>(definition.steps.size())) return;
      const SagaStep& step = definition.steps[static_cast<size_t>(index)];
      const int attempt = saga.attempts + 1;
      const bool firstAttempt = saga.stepStartedAtMicros == 0;
      if (!persist([&](pqxx::work& transaction) {
            transaction.exec_params(
                "UPDATE saga_instances SET attempts = $2,"
                " step_started_at = COALESCE(step_started_at, now()) WHERE id = $1",
                saga.id, attempt);
            transaction.exec_params(
                "INSERT INTO saga_steps (saga_id, step_index, phase, step_name, state, attempts, started_at)"
                " VALUES ($1, $2, 'forward', $3, 'started', $4, now())"
                " ON CONFLICT (saga_id, step_index, phase) DO UPDATE SET attempts = EXCLUDED.attempts",
                saga.id, index, step.name, attempt);
            if (firstAttempt) notify(transaction, {.stepName = step.name, .stepIndex = index, .phase = kForward,
                                                   .state = "started", .attempt = attempt, .sagaState = kRunning});
          })) {
        return;
      }
      if (firstAttempt) {
        saga.stepStartedAtMicros = saga.nowMicros;
        if (index == 0) metrics().started.labels({saga.type}).inc();
      }
      failpoint("saga.after_step_started");
      const auto callStarted = std::chrono::steady_clock::now();
      Status status = step.action(context);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - callStarted).count();
      metrics().stepDuration.labels({saga.type, step.name}).observe(seconds);
      failpoint("saga.after_step_called");

      if (status.isOk()) {
        saga.data = context.data;
        const bool last = index + 1 == static_cast<int>(definition.steps.size());
        if (!persist([&](pqxx::work& transaction) {
              transaction.exec_params(
                  "UPDATE saga_steps SET state = 'succeeded', finished_at = now(), error = ''"
                  " WHERE saga_id = $1 AND step_index = $2 AND phase = 'forward'",
                  saga.id, index);
              transaction.exec_params(
                  "UPDATE saga_instances SET current_step = $2, attempts = 0, step_started_at = NULL,"
                  " data = $3::jsonb, last_error = '', state = $4,"
                  " finished_at = CASE WHEN $4 = 'COMPLETED' THEN now() END,"
                  " lease_owner = CASE WHEN $4 = 'COMPLETED' THEN NULL ELSE lease_owner END"
                  " WHERE id = $1",
                  saga.id, index + 1, boost::json::serialize(saga.data), last ? kCompleted : kRunning);
              notify(transaction, {.stepName = step.name, .stepIndex = index, .phase = kForward, .state = "succeeded",
                                   .attempt = attempt, .sagaState = last ? kCompleted : kRunning,
                                   .durationSeconds = seconds});
            })) {
          return;
        }
        failpoint("saga.after_step_persisted");
        saga.currentStep = index + 1;
        saga.attempts = 0;
        saga.stepStartedAtMicros = 0;
        if (last) {
          metrics().finished.labels({saga.type, "completed"}).inc();
          return;
        }
        continue;
      }

      const bool withinDeadline =
          std::chrono::system_clock::now() - std::chrono::system_clock::time_point(std::chrono::microseconds(
                                                 saga.stepStartedAtMicros)) <
          definition.stepDeadline;
      if (isTransient(status) && withinDeadline) {
        const auto delay = backoffFor(definition.retry, attempt, unitRandom());
        metrics().stepRetries.labels({saga.type, step.name}).inc();
        (void)persist([&](pqxx::work& transaction) {
          transaction.exec_params(
              "UPDATE saga_steps SET error = $3 WHERE saga_id = $1 AND step_index = $2 AND phase = 'forward'",
              saga.id, index, status.toString());
          transaction.exec_params("UPDATE saga_instances SET last_error = $2 WHERE id = $1", saga.id,
                                  status.toString());
          releaseUntil(transaction, delay);
          notify(transaction, {.stepName = step.name, .stepIndex = index, .phase = kForward, .state = "failed",
                               .retrying = true, .attempt = attempt, .error = status.toString(),
                               .sagaState = kRunning, .durationSeconds = seconds});
        });
        return;
      }

      // A business failure (or a transient one past the step deadline): undo what was done.
      const std::string reason =
          isTransient(status) ? "step deadline exceeded: " + status.toString() : status.message();
      saga.data = context.data;
      if (!persist([&](pqxx::work& transaction) {
            transaction.exec_params(
                "UPDATE saga_steps SET state = 'failed', finished_at = now(), error = $3"
                " WHERE saga_id = $1 AND step_index = $2 AND phase = 'forward'",
                saga.id, index, status.toString());
            transaction.exec_params(
                "UPDATE saga_instances SET state = 'COMPENSATING', compensating_step = $2, attempts = 0,"
                " step_started_at = NULL, last_error = $3, outcome_reason = $4, data = $5::jsonb WHERE id = $1",
                saga.id, index - 1, status.toString(), reason, boost::json::serialize(saga.data));
            notify(transaction, {.stepName = step.name, .stepIndex = index, .phase = kForward, .state = "failed",
                                 .attempt = attempt, .error = status.toString(), .sagaState = kCompensating,
                                 .durationSeconds = seconds});
          })) {
        return;
      }
      saga.state = kCompensating;
      saga.compensatingStep = index - 1;
      saga.attempts = 0;
      saga.data["failureReason"] = reason;
      continue;
    }

    if (saga.state != kCompensating) return;
    const int index = saga.compensatingStep;
    const int attempt = saga.attempts + 1;
    if (index < 0) {
      // Everything done was undone: the saga's own final word (e.g. cancel the order).
      Status status = definition.onCompensated ? definition.onCompensated(context) : Status::ok();
      if (!status.isOk()) {
        const auto delay = backoffFor(definition.retry, attempt, unitRandom());
        (void)persist([&](pqxx::work& transaction) {
          transaction.exec_params("UPDATE saga_instances SET attempts = $2, last_error = $3 WHERE id = $1", saga.id,
                                  attempt, status.toString());
          releaseUntil(transaction, delay);
        });
        return;
      }
      saga.data = context.data;
      if (persist([&](pqxx::work& transaction) {
            transaction.exec_params(
                "UPDATE saga_instances SET state = 'COMPENSATED', finished_at = now(), lease_owner = NULL,"
                " lease_until = NULL, attempts = 0, data = $2::jsonb WHERE id = $1",
                saga.id, boost::json::serialize(saga.data));
            notify(transaction, {.stepName = "saga", .stepIndex = -1, .phase = kCompensation, .state = "compensated",
                                 .attempt = attempt, .sagaState = kCompensated});
          })) {
        metrics().finished.labels({saga.type, "compensated"}).inc();
      }
      return;
    }
    const SagaStep& step = definition.steps[static_cast<size_t>(index)];
    if (!step.compensation) {
      if (!persist([&](pqxx::work& transaction) {
            transaction.exec_params("UPDATE saga_instances SET compensating_step = $2, attempts = 0 WHERE id = $1",
                                    saga.id, index - 1);
          })) {
        return;
      }
      saga.compensatingStep = index - 1;
      saga.attempts = 0;
      continue;
    }
    if (!persist([&](pqxx::work& transaction) {
          transaction.exec_params("UPDATE saga_instances SET attempts = $2 WHERE id = $1", saga.id, attempt);
          transaction.exec_params(
              "INSERT INTO saga_steps (saga_id, step_index, phase, step_name, state, attempts, started_at)"
              " VALUES ($1, $2, 'compensation', $3, 'compensating', $4, now())"
              " ON CONFLICT (saga_id, step_index, phase) DO UPDATE SET attempts = EXCLUDED.attempts",
              saga.id, index, step.name, attempt);
          if (attempt == 1) {
            notify(transaction, {.stepName = step.name, .stepIndex = index, .phase = kCompensation,
                                 .state = "compensating", .attempt = attempt, .sagaState = kCompensating});
          }
        })) {
      return;
    }
    failpoint("saga.before_compensation_called");
    const auto callStarted = std::chrono::steady_clock::now();
    Status status = step.compensation(context);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - callStarted).count();
    metrics().stepDuration.labels({saga.type, step.name + ":compensation"}).observe(seconds);
    if (status.isOk()) {
      saga.data = context.data;
      if (!persist([&](pqxx::work& transaction) {
            transaction.exec_params(
                "UPDATE saga_steps SET state = 'compensated', finished_at = now(), error = ''"
                " WHERE saga_id = $1 AND step_index = $2 AND phase = 'compensation'",
                saga.id, index);
            transaction.exec_params(
                "UPDATE saga_instances SET compensating_step = $2, attempts = 0, data = $3::jsonb WHERE id = $1",
                saga.id, index - 1, boost::json::serialize(saga.data));
            notify(transaction, {.stepName = step.name, .stepIndex = index, .phase = kCompensation,
                                 .state = "compensated", .attempt = attempt, .sagaState = kCompensating,
                                 .durationSeconds = seconds});
          })) {
        return;
      }
      saga.compensatingStep = index - 1;
      saga.attempts = 0;
      continue;
    }
    // Compensations never give up: whatever the error, try again later (an operator sees the
    // stuck saga through saga_oldest_running_age_seconds and its last_error).
    const auto delay = backoffFor(definition.retry, attempt, unitRandom());
    metrics().stepRetries.labels({saga.type, step.name + ":compensation"}).inc();
    (void)persist([&](pqxx::work& transaction) {
      transaction.exec_params(
          "UPDATE saga_steps SET error = $3 WHERE saga_id = $1 AND step_index = $2 AND phase = 'compensation'",
          saga.id, index, status.toString());
      transaction.exec_params("UPDATE saga_instances SET last_error = $2 WHERE id = $1", saga.id, status.toString());
      releaseUntil(transaction, delay);
      notify(transaction, {.stepName = step.name, .stepIndex = index, .phase = kCompensation, .state = "failed",
                           .retrying = true, .attempt = attempt, .error = status.toString(),
                           .sagaState = kCompensating, .durationSeconds = seconds});
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

Result<SagaPage> SagaEngine::list(const std::string& state, int pageSize, const std::string& pageToken) {
  if (!state.empty() && state != kRunning && state != kCompensating && state != kCompleted && state != kCompensated) {
    return invalidField("state", "must be one of RUNNING, COMPENSATING, COMPLETED, COMPENSATED");
  }
  if (pageSize < 0) return invalidField("pageSize", "must not be negative");
  pageSize = pageSize == 0 ? 50 : std::min(pageSize, 200);
  std::optional<std::string> before;
  if (!pageToken.empty()) {
    auto decoded = base64UrlDecode(pageToken);
    if (!decoded || !decoded->starts_with("s1:") || !isUuid(decoded->substr(3))) {
      return invalidField("pageToken", "is not a token returned by a previous list call");
    }
    before = decoded->substr(3);
  }
  return db::inTransaction<SagaPage>(pool_, [&](pqxx::work& transaction) -> Result<SagaPage> {
    const auto rows = transaction.exec_params(
        "SELECT id::text, saga_type, state, current_step, trace_id, last_error, outcome_reason, data::text,"
        " (extract(epoch FROM created_at) * 1000000)::bigint, (extract(epoch FROM updated_at) * 1000000)::bigint,"
        " COALESCE((extract(epoch FROM finished_at) * 1000000)::bigint, 0)"
        " FROM saga_instances WHERE ($1::uuid IS NULL OR id < $1::uuid) AND ($2::text IS NULL OR state = $2)"
        " ORDER BY id DESC LIMIT $3",
        before, state.empty() ? std::optional<std::string>() : state, pageSize + 1);
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
