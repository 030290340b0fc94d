// Migrations and the connection pool against a real PostgreSQL (the infra fixture's).
#include "fleetdeck/db/migration_runner.h"

#include <gtest/gtest.h>

#include <thread>

#include <future>

#include "fleetdeck/db/connection_pool.h"
#include "fleetdeck/testing/test_infra.h"

namespace fleetdeck::db {
namespace {

std::vector<Migration> schemaV1() {
  return {{"001_create_items.sql", "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);"},
          {"002_seed.sql", "INSERT INTO items VALUES (1, 'one');"}};
}

int count(pqxx::connection& connection, const std::string& sql) {
  pqxx::nontransaction query(connection);
  return query.exec(sql)[0][0].as<int>();
}

TEST(MigrationRunner, AppliesPendingOnceInOrder) {
  pqxx::connection connection(testing::createTestDatabase("migrations"));
  auto first = MigrationRunner::apply(connection, schemaV1());
  ASSERT_TRUE(first.isOk()) << first.status().toString();
  EXPECT_EQ(*first, 2);
  auto again = MigrationRunner::apply(connection, schemaV1());
  ASSERT_TRUE(again.isOk());
  EXPECT_EQ(*again, 0);
  EXPECT_EQ(count(connection, "SELECT count(*) FROM items"), 1);

  auto withThird = schemaV1();
  withThird.push_back({"003_more.sql", "INSERT INTO items VALUES (2, 'two');"});
  auto third = MigrationRunner::apply(connection, withThird);
  ASSERT_TRUE(third.isOk());
  EXPECT_EQ(*third, 1);
  auto applied = MigrationRunner::applied(connection);
  ASSERT_TRUE(applied.isOk());
  ASSERT_EQ(applied->size(), 3u);
  EXPECT_EQ((*applied)[2].name, "003_more.sql");
}

TEST(MigrationRunner, RefusesWhenAnAppliedMigrationChanged) {
  pqxx::connection connection(testing::createTestDatabase("migrations"));
  ASSERT_TRUE(MigrationRunner::apply(connection, schemaV1()).isOk());
  auto edited = schemaV1();
  edited[0].sql = "CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL);";
  auto result = MigrationRunner::apply(connection, edited);
  ASSERT_FALSE(result.isOk());
  EXPECT_EQ(result.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(result.status().message().find("001_create_items.sql was changed"), std::string::npos)
      << result.status().message();
}

// A build whose migrations skip one the database has is of another lineage: refused.
TEST(MigrationRunner, RefusesWhenAnAppliedMigrationOlderThanItsNewestIsMissing) {
  pqxx::connection connection(testing::createTestDatabase("migrations"));
  ASSERT_TRUE(MigrationRunner::apply(connection, schemaV1()).isOk());
  auto result = MigrationRunner::apply(connection, {schemaV1()[1]});
  ASSERT_FALSE(result.isOk());
  EXPECT_EQ(result.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(result.status().message().find("001_create_items.sql is missing"), std::string::npos)
      << result.status().message();
}

// During a rolling update the first new pod migrates while the previous release's pods keep serving;
// one of those that restarts (a crash, a node drain) meets the newer migrations and must start.
TEST(MigrationRunner, ThePreviousReleaseStartsOnADatabaseAlreadyMigratedByTheNextOne) {
  pqxx::connection connection(testing::createTestDatabase("migrations"));
  auto next = schemaV1();
  next.push_back({"003_add_price.sql", "ALTER TABLE items ADD COLUMN price bigint;"});
  ASSERT_TRUE(MigrationRunner::apply(connection, next).isOk());
  auto previous = MigrationRunner::apply(connection, schemaV1());
  ASSERT_TRUE(previous.isOk()) << previous.status().toString();
  EXPECT_EQ(*previous, 0);
  EXPECT_EQ(count(connection, "SELECT count(*) FROM schema_migrations"), 3);
  // It still refuses one of its own migrations changed since it was applied.
  auto edited = schemaV1();
  edited[1].sql = "INSERT INTO items VALUES (1, 'uno');";
  auto changed = MigrationRunner::apply(connection, edited);
  ASSERT_FALSE(changed.isOk());
  EXPECT_NE(changed.status().message().find("002_seed.sql was changed"), std::string::npos);
}

TEST(MigrationRunner, FailingMigrationLeavesNothingHalfApplied) {
  pqxx::connection connection(testing::createTestDatabase("migrations"));
  std::vector<Migration> broken = {
      {"001_ok.sql", "CREATE TABLE a (x int);"},
      {"002_broken.sql", "CREATE TABLE b (y int); INSERT INTO nowhere VALUES (1);"}};
  auto result = MigrationRunner::apply(connection, broken);
  ASSERT_FALSE(result.isOk());
  EXPECT_NE(result.status().message().find("002_broken.sql failed"), std::string::npos);
  EXPECT_EQ(count(connection, "SELECT count(*) FROM schema_migrations"), 1);
  EXPECT_EQ(count(connection, "SELECT count(*) FROM pg_tables WHERE tablename = 'b'"), 0);
}

// An old replica's long transaction holds the table: the ALTER waits at most the lock timeout (every
// query on the table queues behind a waiting ALTER), tries again, then gives up as UNAVAILABLE with
// nothing applied; once the transaction ends, the migration goes through.
TEST(MigrationRunner, AMigrationBlockedByALongTransaction_GivesUpAndTriesAgainLater_NotWaitingForever) {
  const std::string url = testing::createTestDatabase("migrations");
  pqxx::connection connection(url);
  ASSERT_TRUE(MigrationRunner::apply(connection, schemaV1()).isOk());
  pqxx::connection oldReplica(url);
  auto reading = std::make_unique<pqxx::work>(oldReplica);
  reading->exec("SELECT count(*) FROM items");  // holds ACCESS SHARE on items until it ends
  auto withAlter = schemaV1();
  withAlter.push_back({"003_add_price.sql", "ALTER TABLE items ADD COLUMN price bigint;"});
  const MigrationLocking quick{std::chrono::milliseconds(200), 2, std::chrono::milliseconds(50)};
  auto blocked = MigrationRunner::apply(connection, withAlter, quick);
  ASSERT_FALSE(blocked.isOk());
  EXPECT_EQ(blocked.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(blocked.status().message().find("003_add_price.sql could not take its locks"), std::string::npos)
      << blocked.status().message();
  EXPECT_EQ(count(connection, "SELECT count(*) FROM schema_migrations"), 2);
  reading->commit();
  reading.reset();
  auto applied = MigrationRunner::apply(connection, withAlter, quick);
  ASSERT_TRUE(applied.isOk()) << applied.status().toString();
  EXPECT_EQ(*applied, 1);
}

TEST(MigrationRunner, ConcurrentReplicasApplyEachMigrationOnce) {
  const std::string url = testing::createTestDatabase("migrations");
  std::vector<std::future<Result<int>>> runs;
  for (int i = 0; i < 4; ++i) {
    runs.push_back(std::async(std::launch::async, [url] {
      pqxx::connection connection(url);
      return MigrationRunner::apply(connection, schemaV1());
    }));
  }
  int total = 0;
  for (auto& run : runs) {
    auto result = run.get();
    ASSERT_TRUE(result.isOk()) << result.status().toString();
    total += *result;
  }
  EXPECT_EQ(total, 2);
  pqxx::connection connection(url);
  EXPECT_EQ(count(connection, "SELECT count(*) FROM items"), 1);
}

int invalidIndexes(pqxx::connection& connection, const std::string& name) {
  return count(connection, "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                           " WHERE c.relname = '" + name + "' AND NOT i.indisvalid");
}

// CREATE INDEX CONCURRENTLY cannot run in a transaction: the marker runs the migration statement by
// statement. A build that fails leaves an INVALID index and no schema_migrations row; the next start
// runs the migration again from its first statement, which drops that index and builds it anew.
TEST(MigrationRunner, ANoTransactionMigration_BuildsAnIndexConcurrently_AndAfterAFailureRunsAgainWhole) {
  pqxx::connection connection(testing::createTestDatabase("migrations"));
  ASSERT_TRUE(MigrationRunner::apply(connection, schemaV1()).isOk());
  {
    pqxx::nontransaction insert(connection);
    insert.exec("INSERT INTO items VALUES (2, 'one')");  // a duplicate name: the unique build fails
  }
  auto withIndex = schemaV1();
  withIndex.push_back({"003_unique_names.sql",
                       "-- fleetdeck:no-transaction\n"
                       "DROP INDEX CONCURRENTLY IF EXISTS items_name_key;\n"
                       "CREATE UNIQUE INDEX CONCURRENTLY items_name_key ON items (name);\n"});
  auto failed = MigrationRunner::apply(connection, withIndex);
  ASSERT_FALSE(failed.isOk());
  EXPECT_NE(failed.status().message().find("003_unique_names.sql failed at statement 2 of 2"), std::string::npos)
      << failed.status().message();
  EXPECT_EQ(count(connection, "SELECT count(*) FROM schema_migrations"), 2);
  EXPECT_EQ(invalidIndexes(connection, "items_name_key"), 1);

  {
    pqxx::nontransaction fix(connection);
    fix.exec("DELETE FROM items WHERE id = 2");
  }
  auto applied = MigrationRunner::apply(connection, withIndex);
  ASSERT_TRUE(applied.isOk()) << applied.status().toString();
  EXPECT_EQ(*applied, 1);
  EXPECT_EQ(count(connection, "SELECT count(*) FROM schema_migrations"), 3);
  EXPECT_EQ(invalidIndexes(connection, "items_name_key"), 0);
  EXPECT_EQ(count(connection, "SELECT count(*) FROM pg_indexes WHERE indexname = 'items_name_key'"), 1);
  pqxx::nontransaction duplicate(connection);
  EXPECT_THROW(duplicate.exec("INSERT INTO items VALUES (3, 'one')"), pqxx::unique_violation);
}

// A replica that waits for the migration lock holds no snapshot while it waits: the holder's
// CREATE INDEX CONCURRENTLY waits for every older snapshot, and a waiting `SELECT pg_advisory_lock()`
// made the two wait for each other until PostgreSQL's deadlock detector aborted one of them.
TEST(MigrationRunner, AReplicaWaitingForTheLock_DoesNotHoldUpTheHoldersConcurrentIndexBuild) {
  const std::string url = testing::createTestDatabase("migrations");
  pqxx::connection holder(url);
  ASSERT_TRUE(MigrationRunner::apply(holder, schemaV1()).isOk());
  pqxx::nontransaction holding(holder);
  holding.exec("SELECT pg_advisory_lock(" + std::to_string(kMigrationLockKey) + ")");

  auto waiting = std::async(std::launch::async, [url] {
    pqxx::connection connection(url);
    return MigrationRunner::apply(connection, schemaV1());
  });
  // The other replica is waiting for the lock by now (it polls every 200 ms).
  ASSERT_EQ(waiting.wait_for(std::chrono::seconds(1)), std::future_status::timeout);

  holding.exec("SET statement_timeout = 15000");
  EXPECT_NO_THROW(holding.exec("CREATE INDEX CONCURRENTLY items_name_idx ON items (name)"));
  EXPECT_EQ(holding.exec("SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                         " WHERE c.relname = 'items_name_idx' AND i.indisvalid")[0][0].as<int>(), 1);
  holding.exec("SELECT pg_advisory_unlock(" + std::to_string(kMigrationLockKey) + ")");

  auto result = waiting.get();
  ASSERT_TRUE(result.isOk()) << result.status().toString();
  EXPECT_EQ(*result, 0);
}

TEST(ConnectionPool, AcquireTimesOutWhenAllConnectionsAreLent) {
  ConnectionPool pool({testing::createTestDatabase("pool"), 2, std::chrono::milliseconds(100), "test"});
  auto first = pool.acquire();
  auto second = pool.acquire();
  ASSERT_TRUE(first.isOk() && second.isOk());
  auto third = pool.acquire();
  ASSERT_FALSE(third.isOk());
  EXPECT_EQ(third.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(pool.stats().acquireTimeouts, 1u);
}

TEST(ConnectionPool, AFullPoolIsBusyNotDown_ThePingStaysOk) {
  ConnectionPool pool({testing::createTestDatabase("pool"), 1, std::chrono::milliseconds(100), "test"});
  auto held = pool.acquire();
  ASSERT_TRUE(held.isOk());
  EXPECT_TRUE(pool.ping().isOk()) << "every connection at work is load, not an outage";
  EXPECT_EQ(pool.stats().acquireTimeouts, 1u);
}

TEST(ConnectionPool, ReusesReturnedConnectionsAndPings) {
  ConnectionPool pool({testing::createTestDatabase("pool"), 1, std::chrono::milliseconds(500), "test"});
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(pool.ping().isOk());
  EXPECT_EQ(pool.stats().open, 1u);
}

TEST(ConnectionPool, UnreachableDatabaseIsUnavailable) {
  ConnectionPool pool({"postgresql://nobody@127.0.0.1:1/none?connect_timeout=2", 1, std::chrono::milliseconds(500), "x"});
  const Status status = pool.ping();
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.toString();
}

// A transaction left idle (its process's host died mid-transaction) is ended by the server after
// PoolOptions::idleInTransactionTimeout, and its row locks go with it; the server also probes the
// client with its own keepalives.
TEST(ConnectionPool, ATransactionLeftIdle_IsEndedByTheServer_AndItsLocksReleased) {
  const std::string url = testing::createTestDatabase("pool_idle");
  PoolOptions options{url, 2, std::chrono::milliseconds(500), "test"};
  options.idleInTransactionTimeout = std::chrono::milliseconds(500);
  ConnectionPool pool(options);
  ASSERT_TRUE(inTransaction(pool, [](pqxx::work& tx) {
                tx.exec("CREATE TABLE wallet (id int PRIMARY KEY, balance int)");
                tx.exec("INSERT INTO wallet VALUES (1, 100)");
                return Status::ok();
              }).isOk());
  auto abandoned = pool.acquire();
  ASSERT_TRUE(abandoned.isOk());
  pqxx::work holder(**abandoned);
  EXPECT_EQ(holder.exec("SHOW tcp_keepalives_idle")[0][0].as<std::string>(), "10");
  holder.exec("SELECT balance FROM wallet WHERE id = 1 FOR UPDATE");
  // ... and nothing more from it, as from a process that is gone.
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  pqxx::connection other(url);
  pqxx::work taker(other);
  taker.exec("SET lock_timeout = '2s'");
  EXPECT_EQ(taker.exec("SELECT balance FROM wallet WHERE id = 1 FOR UPDATE")[0][0].as<int>(), 100)
      << "the abandoned transaction's lock is gone";
  EXPECT_THROW(holder.exec("SELECT 1"), pqxx::failure) << "its session was ended";
}

TEST(Transactions, ErrorStatusRollsBackAndExceptionsBecomeStatus) {
  ConnectionPool pool({testing::createTestDatabase("tx"), 2, std::chrono::milliseconds(500), "test"});
  ASSERT_TRUE(inTransaction(pool, [](pqxx::work& tx) {
                tx.exec("CREATE TABLE t (id int PRIMARY KEY)");
                return Status::ok();
              }).isOk());
  const Status rolledBack = inTransaction(pool, [](pqxx::work& tx) {
    tx.exec("INSERT INTO t VALUES (1)");
    return aborted("changed my mind");
  });
  EXPECT_EQ(rolledBack.code(), StatusCode::kAborted);
  const Status duplicate = inTransaction(pool, [](pqxx::work& tx) {
    tx.exec("INSERT INTO t VALUES (2)");
    tx.exec("INSERT INTO t VALUES (2)");
    return Status::ok();
  });
  EXPECT_EQ(duplicate.code(), StatusCode::kAlreadyExists);
  auto rows = inTransaction<int>(pool, [](pqxx::work& tx) -> Result<int> {
    return tx.exec("SELECT count(*) FROM t")[0][0].as<int>();
  });
  ASSERT_TRUE(rows.isOk());
  EXPECT_EQ(*rows, 0);
}

}  // namespace
}  // namespace fleetdeck::db
