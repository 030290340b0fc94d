// Idempotent consumption on a real PostgreSQL: one effect per event, nothing recorded for a failed
// effect, one winner when the same event is handled concurrently.
#include "fleetdeck/db/processed_events.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <optional>

#include "fleetdeck/core/ids.h"
#include "fleetdeck/db/connection_pool.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"

namespace fleetdeck::db {
namespace {

std::unique_ptr<ConnectionPool> consumerDatabase() {
  auto pool = std::make_unique<ConnectionPool>(
      PoolOptions{testing::createTestDatabase("inbox"), 8, std::chrono::milliseconds(5000), "inbox-test"});
  EXPECT_TRUE(inTransaction(*pool, [](pqxx::work& transaction) {
                transaction.exec(kProcessedEventsTableSql);
                transaction.exec("CREATE TABLE effects (event_id text NOT NULL)");
                return Status::ok();
              }).isOk());
  return pool;
}

int64_t scalar(ConnectionPool& pool, const std::string& sql) {
  auto lease = pool.acquire();
  EXPECT_TRUE(lease.isOk());
  pqxx::nontransaction query(**lease);
  return query.exec(sql)[0][0].as<int64_t>();
}

std::function<Status(pqxx::work&)> insertEffect(const std::string& eventId, std::atomic<int>& runs) {
  return [&runs, eventId](pqxx::work& transaction) {
    ++runs;
    transaction.exec_params("INSERT INTO effects (event_id) VALUES ($1)", eventId);
    return Status::ok();
  };
}

TEST(ConsumeOnce, SecondDelivery_IsOkWithoutRunningTheEffect) {
  auto pool = consumerDatabase();
  const std::string eventId = newUuid();
  std::atomic<int> runs{0};
  bool duplicate = true;
  ASSERT_TRUE(consumeOnce(*pool, "c", eventId, insertEffect(eventId, runs), &duplicate).isOk());
  EXPECT_FALSE(duplicate);
  ASSERT_TRUE(consumeOnce(*pool, "c", eventId, insertEffect(eventId, runs), &duplicate).isOk());
  EXPECT_TRUE(duplicate);
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(scalar(*pool, "SELECT count(*) FROM effects"), 1);
  // Another consumer of the same database applies the same event once for itself.
  ASSERT_TRUE(consumeOnce(*pool, "other", eventId, insertEffect(eventId, runs), &duplicate).isOk());
  EXPECT_FALSE(duplicate);
  EXPECT_EQ(scalar(*pool, "SELECT count(*) FROM effects"), 2);
}

TEST(ConsumeOnce, FailedEffect_RecordsNothing_SoTheRedeliveryRunsItAgain) {
  auto pool = consumerDatabase();
  const std::string eventId = newUuid();
  Status failed = consumeOnce(*pool, "c", eventId, [&](pqxx::work& transaction) {
    transaction.exec_params("INSERT INTO effects (event_id) VALUES ($1)", eventId);
    return unavailable("downstream failed after a partial write");
  });
  EXPECT_EQ(failed.code(), StatusCode::kUnavailable);
  EXPECT_EQ(scalar(*pool, "SELECT count(*) FROM effects"), 0);
  EXPECT_EQ(scalar(*pool, "SELECT count(*) FROM processed_events"), 0);
  std::atomic<int> runs{0};
  ASSERT_TRUE(consumeOnce(*pool, "c", eventId, insertEffect(eventId, runs)).isOk());
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(scalar(*pool, "SELECT count(*) FROM effects"), 1);
}

TEST(ConsumeOnce, ConcurrentDeliveriesOfOneEvent_HaveExactlyOneEffect) {
  auto pool = consumerDatabase();
  const std::string eventId = newUuid();
  std::atomic<int> runs{0};
  std::vector<std::future<Status>> deliveries;
  for (int i = 0; i < 6; ++i) {
    deliveries.push_back(std::async(std::launch::async, [&] {
      return consumeOnce(*pool, "c", eventId, [&](pqxx::work& transaction) {
        ++runs;
        transaction.exec_params("INSERT INTO effects (event_id) VALUES ($1)", eventId);
        // Holds the transaction open a moment so the other deliveries really overlap with it.
        transaction.exec("SELECT pg_sleep(0.05)");
        return Status::ok();
      });
    }));
  }
  for (auto& delivery : deliveries) EXPECT_TRUE(delivery.get().isOk());
  EXPECT_EQ(scalar(*pool, "SELECT count(*) FROM effects"), 1);
}

TEST(ConsumeOnce, RefusesEmptyNames_AndPruneForgetsOldRecords) {
  auto pool = consumerDatabase();
  std::atomic<int> runs{0};
  Status bad = consumeOnce(*pool, "", "", insertEffect("x", runs));
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.violations().size(), 2u);
  EXPECT_EQ(runs.load(), 0);
  ASSERT_TRUE(consumeOnce(*pool, "c", "old", insertEffect("old", runs)).isOk());
  ASSERT_TRUE(consumeOnce(*pool, "c", "new", insertEffect("new", runs)).isOk());
  ASSERT_TRUE(inTransaction(*pool, [](pqxx::work& transaction) {
                transaction.exec("UPDATE processed_events SET processed_at = now() - interval '40 days'"
                                 " WHERE event_id = 'old'");
                return Status::ok();
              }).isOk());
  auto pruned = pruneProcessedEvents(*pool, std::chrono::hours(24 * 30));
  ASSERT_TRUE(pruned.isOk());
  EXPECT_EQ(*pruned, 1);
  EXPECT_EQ(scalar(*pool, "SELECT count(*) FROM processed_events"), 1);
}

// The pruner the consuming services run: it deletes old records on its own, in batches larger than
// one call's limit, keeps recent ones, and stops at once when destroyed.
TEST(ConsumeOnce, ThePrunerForgetsOldRecordsOnItsOwn_AndStopsWhenDestroyed) {
  auto pool = consumerDatabase();
  ASSERT_TRUE(inTransaction(*pool, [](pqxx::work& transaction) {
                transaction.exec("INSERT INTO processed_events (consumer, event_id, processed_at)"
                                 " SELECT 'c', 'old-' || i, now() - interval '9 days' FROM generate_series(1, 12000) i");
                transaction.exec("INSERT INTO processed_events (consumer, event_id) VALUES ('c', 'recent')");
                return Status::ok();
              }).isOk());
  const auto started = std::chrono::steady_clock::now();
  {
    ProcessedEventsPruner pruner(*pool, std::chrono::hours(24 * 8), std::chrono::hours(1));
    EXPECT_TRUE(testing::waitUntil(
        [&] { return scalar(*pool, "SELECT count(*) FROM processed_events") == 1; }, std::chrono::seconds(20)))
        << "left: " << scalar(*pool, "SELECT count(*) FROM processed_events");
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20)) << "it did not wait out its hour";
  EXPECT_EQ(scalar(*pool, "SELECT count(*) FROM processed_events WHERE event_id = 'recent'"), 1);
}


// A stop (SIGTERM) during a round of a large backlog: the pruner ends after the batch under way, not
// after the round's up to 100 batches (it ignored the stop until the round was over). The round here
// is exactly the backlog, 100 batches of 50, so a pruner that finishes it leaves nothing.
TEST(ConsumeOnce, ThePrunerStopsBetweenBatches_NotAtTheEndOfItsRound) {
  auto pool = consumerDatabase();
  ASSERT_TRUE(inTransaction(*pool, [](pqxx::work& transaction) {
                transaction.exec("INSERT INTO processed_events (consumer, event_id, processed_at)"
                                 " SELECT 'c', 'old-' || i, now() - interval '9 days' FROM generate_series(1, 5000) i");
                // Each batch takes 20 ms at least, so the round lasts 2 s whatever the machine.
                transaction.exec("CREATE FUNCTION slow_batch() RETURNS trigger LANGUAGE plpgsql AS"
                                 " $$ BEGIN PERFORM pg_sleep(0.02); RETURN NULL; END $$");
                transaction.exec("CREATE TRIGGER slow_batch BEFORE DELETE ON processed_events"
                                 " FOR EACH STATEMENT EXECUTE PROCEDURE slow_batch()");
                return Status::ok();
              }).isOk());
  std::optional<ProcessedEventsPruner> pruner;
  pruner.emplace(*pool, std::chrono::hours(24 * 8), std::chrono::hours(1), 50);
  ASSERT_TRUE(testing::waitUntil([&] { return scalar(*pool, "SELECT count(*) FROM processed_events") < 5000; },
                                 std::chrono::seconds(20)))
      << "the pruner never started";
  const auto stopAsked = std::chrono::steady_clock::now();
  pruner.reset();
  const auto stopping = std::chrono::steady_clock::now() - stopAsked;
  EXPECT_GT(scalar(*pool, "SELECT count(*) FROM processed_events"), 0) << "the stop waited for the whole round";
  // One batch takes ~20 ms, the whole round 2 s: 1.2 s tells them apart on a loaded machine too.
  EXPECT_LT(stopping, std::chrono::milliseconds(1200)) << "the round lasts 2 s";
}
}  // namespace
}  // namespace fleetdeck::db
