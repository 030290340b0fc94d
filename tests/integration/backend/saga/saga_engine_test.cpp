// The saga engine against a real PostgreSQL (the orders service's saga tables), with in-process
// steps: how a local last step shares the last transition's transaction, and what happens when it fails there.
#include "fleetdeck/saga/saga_engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <map>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>

#include "fleetdeck/core/ids.h"
#include "fleetdeck/db/connection_pool.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"

namespace fleetdeck::saga {
namespace {

using namespace std::chrono_literals;
using fleetdeck::testing::waitUntil;

std::string sagaTablesSql() {
  std::ifstream file(std::string(FLEETDECK_SOURCE_DIR) + "/services/orders/migrations/003_sagas.sql");
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// Every observer call, as the batches the engine handed over (one per transaction).
class RecordingObserver final : public SagaObserver {
 public:
  void onTransition(pqxx::work& transaction, const SagaTransition& transition) override {
    onTransitions(transaction, {transition});
  }
  void onTransitions(pqxx::work& /*transaction*/, const std::vector<SagaTransition>& transitions) override {
    std::vector<std::string> batch;
    for (const auto& transition : transitions) {
      batch.push_back(transition.stepName + ":" + transition.state + ":" + transition.sagaState);
    }
    std::lock_guard lock(mutex_);
    batches_.push_back(std::move(batch));
  }
  std::vector<std::vector<std::string>> batches() {
    std::lock_guard lock(mutex_);
    return batches_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::vector<std::string>> batches_;
};

class SagaEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_ = std::make_unique<db::ConnectionPool>(
        db::PoolOptions{testing::createTestDatabase("saga_engine"), 8, 5000ms, "saga-engine-test"});
    ASSERT_TRUE(db::inTransaction(*pool_, [](pqxx::work& transaction) {
                  transaction.exec(sagaTablesSql());
                  transaction.exec("CREATE TABLE effects (saga_id uuid NOT NULL)");
                  return Status::ok();
                }).isOk());
    engine_ = std::make_unique<SagaEngine>(*pool_, SagaEngineOptions{.workers = 2, .idlePoll = 50ms}, &observer_);
  }
  void TearDown() override { engine_->stop(); }

  // remote (an in-process action, compensated by counting) then a local last step that writes an
  // effect row and answers what `localOutcome` says.
  void define(std::function<Status()> localOutcome) {
    SagaDefinition definition;
    definition.type = "test_saga";
    definition.retry.initialBackoff = 10ms;
    SagaStep remote{.name = "remote"};
    remote.action = [this](SagaContext&) {
      ++remoteCalls_;
      return Status::ok();
    };
    remote.compensation = [this](SagaContext&) {
      ++compensations_;
      return Status::ok();
    };
    SagaStep local{.name = "local"};
    local.local = [this, localOutcome](pqxx::work& transaction, SagaContext& context) {
      ++localCalls_;
      transaction.exec_params("INSERT INTO effects (saga_id) VALUES ($1)", context.sagaId);
      return localOutcome();
    };
    definition.steps = {std::move(remote), std::move(local)};
    engine_->define(std::move(definition));
    engine_->start();
  }

  std::string run() {
    const std::string id = newUuid();
    SagaEngine::NewSaga saga;
    EXPECT_TRUE(db::inTransaction(*pool_, [&](pqxx::work& transaction) {
                  saga = engine_->begin(transaction, "test_saga", id, boost::json::object{{"k", "v"}}, "");
                  return Status::ok();
                }).isOk());
    engine_->launch(std::move(saga));
    return id;
  }

  Result<SagaView> waitFinished(const std::string& id) {
    Result<SagaView> view = engine_->get(id);
    waitUntil(
        [&] {
          view = engine_->get(id);
          return view.isOk() && (view->state == kCompleted || view->state == kCompensated);
        },
        10s);
    return view;
  }

  int64_t effects() {
    auto lease = pool_->acquire();
    EXPECT_TRUE(lease.isOk());
    pqxx::nontransaction query(**lease);
    return query.exec("SELECT count(*) FROM effects")[0][0].as<int64_t>();
  }

  // "first" (succeeds) then `name` running `action`; both record their compensation in undone().
  SagaDefinition twoStepSaga(const std::string& name, StepAction action) {
    SagaDefinition definition;
    definition.type = "test_saga";
    definition.retry.initialBackoff = 10ms;
    definition.steps = {undoable("first", [](SagaContext&) { return Status::ok(); }),
                        undoable(name, std::move(action))};
    return definition;
  }
  SagaStep undoable(const std::string& name, StepAction action) {
    SagaStep step{.name = name};
    step.action = std::move(action);
    step.compensation = [this, name](SagaContext&) {
      std::lock_guard lock(undoneMutex_);
      undone_.push_back(name);
      return Status::ok();
    };
    return step;
  }
  std::vector<std::string> undone() {
    std::lock_guard lock(undoneMutex_);
    return undone_;
  }
  Result<SagaView> runToTheEnd(SagaDefinition definition) {
    engine_->define(std::move(definition));
    engine_->start();
    return waitFinished(run());
  }

  std::unique_ptr<db::ConnectionPool> pool_;
  RecordingObserver observer_;
  std::mutex undoneMutex_;
  std::vector<std::string> undone_;  // compensations in the order they ran
  std::unique_ptr<SagaEngine> engine_;
  std::atomic<int> remoteCalls_{0}, compensations_{0}, localCalls_{0};
};

TEST_F(SagaEngineTest, ALocalLastStep_CompletesInTheTransactionThatEndsTheStepBeforeIt) {
  define([] { return Status::ok(); });
  const std::string id = run();
  auto view = waitFinished(id);
  ASSERT_TRUE(view.isOk()) << view.status().toString();
  EXPECT_EQ(view->state, kCompleted);
  EXPECT_EQ(remoteCalls_.load(), 1);
  EXPECT_EQ(localCalls_.load(), 1);
  EXPECT_EQ(effects(), 1);
  ASSERT_EQ(view->steps.size(), 2u);
  EXPECT_EQ(view->steps[0].name, "remote");
  EXPECT_EQ(view->steps[0].state, "succeeded");
  EXPECT_EQ(view->steps[1].name, "local");
  EXPECT_EQ(view->steps[1].state, "succeeded");
  EXPECT_NE(view->steps[1].startedAtMicros, 0);
  EXPECT_EQ(view->steps[1].finishedAtMicros, view->steps[1].startedAtMicros);
  // Two transactions: the saga's begin, then the remote step's end with the whole local step.
  const std::vector<std::vector<std::string>> expected{
      {"remote:started:RUNNING"},
      {"remote:succeeded:RUNNING", "local:started:RUNNING", "local:succeeded:COMPLETED"}};
  EXPECT_EQ(observer_.batches(), expected);
}

TEST_F(SagaEngineTest, ALocalLastStepThatFails_LeavesNothingOfItsTry_AndTheSagaCompensates) {
  define([] { return Status(StatusCode::kFailedPrecondition, "the order was cancelled meanwhile"); });
  const std::string id = run();
  auto view = waitFinished(id);
  ASSERT_TRUE(view.isOk()) << view.status().toString();
  EXPECT_EQ(view->state, kCompensated);
  // Tried inside the last transition (rolled back), then on its own (rolled back too).
  EXPECT_EQ(localCalls_.load(), 2);
  EXPECT_EQ(effects(), 0) << "a failed local step's writes must not survive";
  EXPECT_EQ(compensations_.load(), 1);
  ASSERT_EQ(view->steps.size(), 3u);  // remote forward, local forward, remote compensation
  std::map<std::string, std::string> states;
  for (const auto& step : view->steps) states[step.name + "/" + step.phase] = step.state;
  EXPECT_EQ(states["remote/forward"], "succeeded");
  EXPECT_EQ(states["local/forward"], "failed");
  EXPECT_EQ(states["remote/compensation"], "compensated");
  const auto batches = observer_.batches();
  ASSERT_GE(batches.size(), 3u);
  // The rolled-back attempt announced nothing; the transition was then written on its own.
  EXPECT_EQ(batches[1], (std::vector<std::string>{"remote:succeeded:RUNNING", "local:started:RUNNING"}));
  EXPECT_EQ(batches.back().back(), "saga:compensated:COMPENSATED");
}

// A step that keeps timing out past the step deadline may still have taken effect (the call ran, the
// answer was lost): the saga compensates it too, before the steps below it, in reverse order.
TEST_F(SagaEngineTest, AStepTimingOutPastItsDeadline_IsCompensatedItself_ThenTheStepsBelowIt) {
  SagaDefinition definition = twoStepSaga("ambiguous", [this](SagaContext&) {
    ++remoteCalls_;
    return Status(StatusCode::kDeadlineExceeded, "no answer in time");
  });
  definition.retry.maxBackoff = 20ms;
  definition.stepDeadline = 300ms;
  auto view = runToTheEnd(std::move(definition));
  ASSERT_TRUE(view.isOk()) << view.status().toString();
  EXPECT_EQ(view->state, kCompensated);
  EXPECT_GE(remoteCalls_.load(), 2) << "a transient failure is retried until the step deadline";
  EXPECT_NE(view->outcomeReason.find("step deadline exceeded"), std::string::npos) << view->outcomeReason;
  EXPECT_EQ(undone(), (std::vector<std::string>{"ambiguous", "first"}));
  std::map<std::string, std::string> states;
  for (const auto& step : view->steps) states[step.name + "/" + step.phase] = step.state;
  EXPECT_EQ(states["ambiguous/forward"], "failed");
  EXPECT_EQ(states["ambiguous/compensation"], "compensated");
  EXPECT_EQ(states["first/compensation"], "compensated");
}

// A retry stopped by its guard (the order was cancelled while the step waited to be retried) says
// nothing about what the earlier attempt did: that attempt may have taken effect, so the step is
// compensated itself.
TEST_F(SagaEngineTest, ARetryStoppedByItsGuard_IsCompensatedItself_ThenTheStepsBelowIt) {
  SagaDefinition definition = twoStepSaga("second", [this](SagaContext&) {
    ++remoteCalls_;  // took effect, but the answer was lost
    return Status(StatusCode::kUnavailable, "connection reset");
  });
  auto guardRuns = std::make_shared<std::atomic<int>>(0);
  definition.steps[1].guard = [guardRuns](pqxx::work&, SagaContext&) {
    return ++*guardRuns == 1 ? Status::ok() : Status(StatusCode::kFailedPrecondition, "order was cancelled");
  };
  auto view = runToTheEnd(std::move(definition));
  ASSERT_TRUE(view.isOk()) << view.status().toString();
  EXPECT_EQ(view->state, kCompensated);
  EXPECT_EQ(remoteCalls_.load(), 1) << "the retry was stopped by the guard";
  EXPECT_EQ(undone(), (std::vector<std::string>{"second", "first"}));
}

// A definite (business) failure did nothing: only the steps below it are compensated.
TEST_F(SagaEngineTest, AStepFailingForGood_IsNotCompensated_OnlyTheStepsBelowIt) {
  auto view = runToTheEnd(twoStepSaga(
      "refused", [](SagaContext&) { return Status(StatusCode::kFailedPrecondition, "out of stock"); }));
  ASSERT_TRUE(view.isOk()) << view.status().toString();
  EXPECT_EQ(view->state, kCompensated);
  EXPECT_EQ(undone(), std::vector<std::string>{"first"});
}

// An INTERNAL answer is no refusal: the call may have taken effect (a reset stream, a
// proxy's error) with its answer lost, so the step is undone itself too, however early it failed.
TEST_F(SagaEngineTest, AFirstAttemptEndingInternal_IsCompensatedItself_ThenTheStepsBelowIt) {
  auto view = runToTheEnd(
      twoStepSaga("lost", [](SagaContext&) { return Status(StatusCode::kInternal, "stream reset by a proxy"); }));
  ASSERT_TRUE(view.isOk()) << view.status().toString();
  EXPECT_EQ(view->state, kCompensated);
  EXPECT_EQ(undone(), (std::vector<std::string>{"lost", "first"}));
}

// The step deadline is measured on the database's clock: a replica whose clock runs an hour ahead of
// the database's still retries a step that failed transiently a moment ago (it used to find every
// step long past its deadline and compensate at the first UNAVAILABLE).
TEST_F(SagaEngineTest, AReplicaWhoseClockIsAnHourAhead_StillRetriesWithinTheStepDeadline) {
  engine_ = std::make_unique<SagaEngine>(
      *pool_,
      SagaEngineOptions{.workers = 2, .idlePoll = 50ms, .wallClock = [] { return std::chrono::system_clock::now() + 1h; }},
      &observer_);
  std::atomic<int> calls{0};
  auto view = runToTheEnd(twoStepSaga("flaky", [&calls](SagaContext&) {
    return ++calls < 3 ? Status(StatusCode::kUnavailable, "restarting") : Status::ok();
  }));
  ASSERT_TRUE(view.isOk()) << view.status().toString();
  EXPECT_EQ(view->state, kCompleted);
  EXPECT_EQ(calls.load(), 3);
  EXPECT_TRUE(undone().empty());
}

// Backpressure: with every runner busy and the queue full, a launched saga is not queued in memory
// but released to the pollers (lease cleared), and still finishes once a runner is free.
TEST_F(SagaEngineTest, LaunchesBeyondAFullQueue_WaitInTheDatabase_AndAllFinish) {
  engine_->stop();
  engine_ = std::make_unique<SagaEngine>(
      *pool_, SagaEngineOptions{.workers = 1, .maxQueued = 1, .idlePoll = 50ms}, &observer_);
  std::promise<void> gate;
  std::shared_future<void> opened = gate.get_future().share();
  bool gateOpen = false;
  // A failed assertion below must not leave the runner blocked (stop() would wait for it forever).
  const std::unique_ptr<bool, std::function<void(bool*)>> openOnExit(&gateOpen, [&gate](bool* open) {
    if (!*open) gate.set_value();
  });
  SagaDefinition definition;
  definition.type = "test_saga";
  SagaStep blocking{.name = "remote"};
  blocking.action = [this, opened](SagaContext&) {
    if (remoteCalls_.fetch_add(1) == 0) opened.wait();  // the first saga holds the only runner
    return Status::ok();
  };
  definition.steps = {std::move(blocking)};
  engine_->define(std::move(definition));
  engine_->start();

  std::vector<std::string> ids{run()};
  ASSERT_TRUE(waitUntil([&] { return remoteCalls_.load() == 1; }, 5s)) << "the first saga never ran";
  for (int i = 0; i < 3; ++i) ids.push_back(run());  // one queued, two beyond the queue
  const auto unleased = [&] {
    auto lease = pool_->acquire();
    EXPECT_TRUE(lease.isOk());
    pqxx::nontransaction query(**lease);
    return query.exec("SELECT count(*) FROM saga_instances WHERE lease_owner IS NULL")[0][0].as<int64_t>();
  };
  EXPECT_EQ(unleased(), 2) << "the two launches beyond the queue should wait unleased in the database";

  gate.set_value();
  gateOpen = true;
  for (const auto& id : ids) {
    auto view = waitFinished(id);
    ASSERT_TRUE(view.isOk()) << view.status().toString();
    EXPECT_EQ(view->state, kCompleted) << id;
  }
  EXPECT_EQ(remoteCalls_.load(), 4) << "each saga's action once";
}

// A runner that outlived its lease (a slow call) while another replica took the saga over, moved it
// on and handed it back (a retry), must not write its stale outcome over that: before, its own
// replica's poller could claim the saga again under the same owner name, and the stale runner's
// writes passed the lease check (the step ended twice, its attempts and deadline reset).
TEST_F(SagaEngineTest, ARunnerThatLostItsLease_CannotWriteItsStaleOutcome) {
  engine_->stop();
  std::promise<void> gate;
  std::shared_future<void> opened = gate.get_future().share();
  bool gateOpen = false;
  const std::unique_ptr<bool, std::function<void(bool*)>> openOnExit(&gateOpen, [&gate](bool* open) {
    if (!*open) gate.set_value();
  });
  const auto definitionFor = [](StepAction first, StepAction second) {
    SagaDefinition definition;
    definition.type = "test_saga";
    definition.retry.initialBackoff = 10ms;
    SagaStep one{.name = "first"};
    one.action = std::move(first);
    SagaStep two{.name = "second"};
    two.action = std::move(second);
    definition.steps = {std::move(one), std::move(two)};
    return definition;
  };
  std::atomic<int> staleCalls{0};
  // Replica A polls only when woken here, so that replica B is the first to find the lapsed lease.
  engine_ = std::make_unique<SagaEngine>(
      *pool_, SagaEngineOptions{.instanceId = "replica-a", .workers = 2, .lease = 1s, .idlePoll = 1h}, &observer_);
  engine_->define(definitionFor(
      [&](SagaContext&) {
        if (staleCalls.fetch_add(1) == 0) opened.wait();  // a call far slower than the lease
        return Status::ok();
      },
      [](SagaContext&) { return Status::ok(); }));
  engine_->start();
  const std::string id = run();
  ASSERT_TRUE(waitUntil([&] { return staleCalls.load() == 1; }, 5s));

  // Replica B takes over once the lease ran out, finishes the first step and fails the second
  // transiently (its retry hands the lease back), then stops.
  std::atomic<int> secondFailures{0};
  SagaEngine replicaB(*pool_, SagaEngineOptions{.instanceId = "replica-b", .workers = 1, .lease = 1s, .idlePoll = 50ms},
                      &observer_);
  replicaB.define(definitionFor([](SagaContext&) { return Status::ok(); },
                                [&](SagaContext&) {
                                  ++secondFailures;
                                  return Status(StatusCode::kUnavailable, "payments restarting");
                                }));
  replicaB.start();
  ASSERT_TRUE(waitUntil([&] { return secondFailures.load() >= 1; }, 10s)) << "replica B never took the saga over";
  replicaB.stop();
  engine_->wake();  // replica A's poller finds the saga due, its runner still in the slow call
  std::this_thread::sleep_for(300ms);

  gate.set_value();  // the stale call comes back: OK
  gateOpen = true;
  Result<SagaView> view = engine_->get(id);
  EXPECT_TRUE(waitUntil(
      [&] {
        engine_->wake();
        view = engine_->get(id);
        return view.isOk() && view->state == kCompleted;
      },
      10s));
  ASSERT_TRUE(view.isOk()) << view.status().toString();
  EXPECT_EQ(view->state, kCompleted);
  int firstSucceeded = 0;
  for (const auto& batch : observer_.batches()) {
    for (const auto& transition : batch) firstSucceeded += transition.starts_with("first:succeeded") ? 1 : 0;
  }
  EXPECT_EQ(firstSucceeded, 1) << "the first step ended once, by replica B; the stale runner's end was refused";
}

// The saga's own final word after compensating (cancel the order) is retried until it succeeds; its
// failures are transitions like a step's, so the timeline shows why the saga is still open.
TEST_F(SagaEngineTest, AFailingFinalWordIsOnTheTimelineAsRetryingUntilItSucceeds) {
  std::atomic<int> finalCalls{0};
  SagaDefinition definition = twoStepSaga("refused", [](SagaContext&) {
    return Status(StatusCode::kFailedPrecondition, "out of stock");
  });
  definition.onCompensated = [&finalCalls](SagaContext&) {
    return ++finalCalls < 3 ? Status(StatusCode::kInternal, "order is SHIPPED") : Status::ok();
  };
  auto view = runToTheEnd(std::move(definition));
  ASSERT_TRUE(view.isOk()) << view.status().toString();
  EXPECT_EQ(view->state, kCompensated);
  EXPECT_EQ(finalCalls.load(), 3);
  std::vector<std::string> finalWords;
  for (const auto& batch : observer_.batches()) {
    for (const auto& transition : batch) {
      if (transition.starts_with("saga:")) finalWords.push_back(transition);
    }
  }
  EXPECT_EQ(finalWords, (std::vector<std::string>{"saga:failed:COMPENSATING", "saga:failed:COMPENSATING",
                                                  "saga:compensated:COMPENSATED"}));
}

// The console's date filter: the bounds go to the database, so every page stays inside them (a
// filter applied to one page of the unfiltered list would page through everything else too).
TEST_F(SagaEngineTest, ListingByCreationTime_PagesOnlyThroughSagasCreatedInTheRange) {
  engine_->define(twoStepSaga("second", [](SagaContext&) { return Status::ok(); }));
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(newUuid());
  // Created an hour apart, oldest first (ids are time-ordered, as the engine's paging expects).
  ASSERT_TRUE(db::inTransaction(*pool_, [&](pqxx::work& transaction) {
                for (size_t i = 0; i < ids.size(); ++i) {
                  SagaEngine::create(transaction, "test_saga", ids[i], {}, "");
                  transaction.exec_params(
                      "UPDATE saga_instances SET created_at = timestamptz '2026-01-01 00:00:00+00' + $2 * interval '1 hour'"
                      " WHERE id = $1",
                      ids[i], static_cast<int>(i));
                }
                return Status::ok();
              }).isOk());
  constexpr int64_t kJan1 = 1'767'225'600'000'000;  // 2026-01-01T00:00:00Z
  constexpr int64_t kHour = 3'600'000'000;
  // [01:00, 04:00): the second, third and fourth, newest first, one per page.
  std::vector<std::string> listed;
  std::string token;
  int pages = 0;
  do {
    auto page = engine_->list({.pageSize = 1, .pageToken = token, .createdAfterMicros = kJan1 + kHour,
                               .createdBeforeMicros = kJan1 + 4 * kHour});
    ASSERT_TRUE(page.isOk()) << page.status().toString();
    for (const auto& saga : page->sagas) listed.push_back(saga.id);
    token = page->nextPageToken;
  } while (!token.empty() && ++pages < 10);
  EXPECT_EQ(listed, (std::vector<std::string>{ids[3], ids[2], ids[1]}));
  // The lower bound is inclusive to the microsecond, the upper one exclusive.
  auto exact = engine_->list({.createdAfterMicros = kJan1 + 2 * kHour, .createdBeforeMicros = kJan1 + 2 * kHour + 1});
  ASSERT_TRUE(exact.isOk());
  ASSERT_EQ(exact->sagas.size(), 1u);
  EXPECT_EQ(exact->sagas[0].id, ids[2]);
  auto onlyAfter = engine_->list({.createdAfterMicros = kJan1 + 4 * kHour + 1});
  ASSERT_TRUE(onlyAfter.isOk());
  EXPECT_TRUE(onlyAfter->sagas.empty());
  // An empty range is a mistake, named, not an empty list.
  auto inverted = engine_->list({.createdAfterMicros = kJan1 + kHour, .createdBeforeMicros = kJan1 + kHour});
  ASSERT_FALSE(inverted.isOk());
  EXPECT_EQ(inverted.status().code(), StatusCode::kInvalidArgument);
  ASSERT_FALSE(inverted.status().violations().empty());
  EXPECT_EQ(inverted.status().violations()[0].field, "createdBefore");
}

}  // namespace
}  // namespace fleetdeck::saga
