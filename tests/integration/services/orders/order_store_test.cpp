// The orders event store and read model on a real PostgreSQL: appends, conflicts, snapshots,
// time travel and the projection rebuild.
#include <gtest/gtest.h>

#include <mutex>
#include <optional>

#include <chrono>
#include <functional>
#include <future>
#include <set>
#include <thread>
#include <utility>

#include "adapters/order_saga.h"
#include "adapters/pg_order_store.h"
#include "adapters/projection_rebuilder.h"
#include "domain/event_codec.h"
#include "domain/order_book.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/db/connection_pool.h"
#include "fleetdeck/db/migration_runner.h"
#include "fleetdeck/eventstore/event_store.h"
#include "fleetdeck/rpc/client.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"
#include "orders/fake_order_ports.h"
#include "orders_migrations.h"

namespace fleetdeck::orders {
namespace {

class OrderStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = fleetdeck::testing::createTestDatabase("orders");
    pool_ = std::make_unique<db::ConnectionPool>(db::PoolOptions{url_, 8, std::chrono::seconds(5), "orders"});
    auto applied = db::applyMigrations(*pool_, embeddedMigrations());
    ASSERT_TRUE(applied.isOk()) << applied.status().toString();
    store_ = std::make_unique<PgOrderStore>(*pool_, /*snapshotEvery=*/2);
  }

  Order create(const std::string& key = "") {
    NewOrder order;
    order.created = {newUuid(), newUuid(), {{newUuid(), "TEA-1", "Tea", 2, {"USD", 450}}}, {"USD", 900}, newUuid(), key};
    order.idempotencyKey = key;
    auto created = store_->create(order, {"admin-1", "4bf92f3577b34da6a3ce929d0e0e4736", ""});
    EXPECT_TRUE(created.isOk()) << created.status().toString();
    return *created;
  }

  Result<Order> next(const Order& current, const OrderEvent& event) {
    return store_->append(current, event, {"system", "", ""});
  }

  int64_t count(const std::string& sql) {
    pqxx::connection connection(url_);
    pqxx::nontransaction query(connection);
    return query.exec(sql)[0][0].as<int64_t>();
  }

  std::string url_;
  std::unique_ptr<db::ConnectionPool> pool_;
  std::unique_ptr<PgOrderStore> store_;
};

TEST_F(OrderStoreTest, EveryTransitionIsAnEventAndTheReadModelFollows) {
  Order order = create();
  order = *next(order, OrderConfirmed{order.id, "pay-1"});
  order = *next(order, OrderShipped{order.id, "TRACK-9"});
  order = *next(order, OrderDelivered{order.id});
  auto live = store_->get(order.id);
  ASSERT_TRUE(live.isOk());
  EXPECT_EQ(live->status, "DELIVERED");
  EXPECT_EQ(live->version, 4);
  EXPECT_EQ(live->trackingNumber, "TRACK-9");
  auto loaded = store_->load(order.id);
  ASSERT_TRUE(loaded.isOk());
  EXPECT_EQ(*loaded, *live) << "the read model equals the fold of the events";
  auto history = store_->history(order.id);
  ASSERT_TRUE(history.isOk());
  ASSERT_EQ(history->size(), 4u);
  EXPECT_EQ((*history)[0].type, "OrderCreated");
  EXPECT_EQ((*history)[0].metadata.actor, "admin-1");
  EXPECT_EQ((*history)[0].metadata.traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ((*history)[3].type, "OrderDelivered");
}

// The admin list walks an index in id order and stops at the page's end. Its ORDER BY once named
// the id::text output column: every page then read and sorted every order (as text), which no index
// serves. Checked on the real plan through the table's scan counters, which count a sequential scan
// or an index scan per statement.
TEST_F(OrderStoreTest, TheOrderListWalksAnIndex_ItDoesNotSortEveryOrder) {
  {
    pqxx::connection connection(url_);
    pqxx::work seed(connection);
    seed.exec(
        "INSERT INTO orders (id, user_id, status, items, total_units, currency, saga_id, version,"
        " created_at_us, updated_at_us)"
        " SELECT gen_random_uuid(), gen_random_uuid(), CASE WHEN n % 2 = 0 THEN 'CONFIRMED' ELSE 'PENDING' END,"
        " '[]', 900, 'USD', gen_random_uuid(), 1, n, n FROM generate_series(1, 3000) AS n");
    seed.commit();
    pqxx::nontransaction(connection).exec("ANALYZE orders");
  }
  // Every other session of this database ends first: a backend reports its counters when it ends
  // (or when idle, up to 10 s late), and the migrations' index builds count as sequential scans.
  store_.reset();
  pool_.reset();
  pqxx::connection observer(url_);
  const auto othersGone = [&] {
    return pqxx::nontransaction(observer)
               .exec("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")[0][0]
               .as<int>() == 0;
  };
  for (int attempt = 0; attempt < 100 && !othersGone(); ++attempt) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(othersGone());
  const auto scans = [&] {
    pqxx::nontransaction query(observer);
    query.exec("SELECT pg_stat_clear_snapshot()");
    const auto row = query.exec("SELECT seq_scan, COALESCE(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = 'orders'")[0];
    return std::pair{row[0].as<int64_t>(), row[1].as<int64_t>()};
  };

  db::ConnectionPool pool(db::PoolOptions{url_, 1, std::chrono::seconds(5), "orders"});  // one session
  PgOrderStore store(pool, /*snapshotEvery=*/2);
  for (const std::string status : {"", "CONFIRMED"}) {
    SCOPED_TRACE("status filter '" + status + "'");
    const auto before = scans();
    OrderQuery query;
    query.status = status;
    query.pageSize = 50;
    auto page = store.list(query);
    ASSERT_TRUE(page.isOk()) << page.status().toString();
    ASSERT_EQ(page->orders.size(), 50u);
    EXPECT_TRUE(page->hasMore);
    for (size_t i = 1; i < page->orders.size(); ++i) EXPECT_GT(page->orders[i - 1].id, page->orders[i].id);
    {
      // The list's session reports its counters now (PostgreSQL 15: before this statement's answer).
      auto lease = pool.acquire();
      ASSERT_TRUE(lease.isOk());
      pqxx::nontransaction(**lease).exec("SELECT pg_stat_force_next_flush()");
    }
    const auto after = scans();
    EXPECT_EQ(after.first, before.first) << "a sequential scan of every order";
    EXPECT_EQ(after.second, before.second + 1) << "the page is one index scan";
  }
}

TEST_F(OrderStoreTest, ConcurrentAppendsAtTheSameVersionLetExactlyOneWin) {
  const Order order = create();
  std::vector<std::future<Result<Order>>> attempts;
  for (int i = 0; i < 8; ++i) {
    attempts.push_back(std::async(std::launch::async, [&, i] {
      return next(order, OrderCancelled{order.id, "attempt " + std::to_string(i), "PENDING"});
    }));
  }
  int wins = 0;
  for (auto& attempt : attempts) {
    auto result = attempt.get();
    if (result.isOk()) {
      ++wins;
    } else {
      EXPECT_EQ(result.status().code(), StatusCode::kAborted) << result.status().toString();
    }
  }
  EXPECT_EQ(wins, 1);
  EXPECT_EQ(count("SELECT count(*) FROM events WHERE stream_id = '" + order.id + "'"), 2);
}

// The confirm step repeated after its first run committed (the process died before the step's
// success was persisted, and the saga resumed when its lease ran out): meanwhile an admin shipped,
// even delivered, the order. The repeat is done, not a refusal that compensates (refunding and
// returning the stock of an order on its way to the customer).
TEST_F(OrderStoreTest, ARepeatedConfirmOfAnOrderShippedMeanwhile_IsDone_NotARefusal) {
  orders::testing::FakeCatalog catalog;
  OrderBook book(*store_, catalog);
  // Channels to nowhere: the local step calls neither service.
  OrderSagas sagas(book, *store_, rpc::makeChannel("127.0.0.1:1"), rpc::makeChannel("127.0.0.1:1"));
  const auto definition = sagas.placement(std::chrono::seconds(3), std::chrono::seconds(60));
  const auto confirm = std::find_if(definition.steps.begin(), definition.steps.end(),
                                    [](const auto& step) { return step.name == "confirm_order"; });
  ASSERT_NE(confirm, definition.steps.end());
  ASSERT_TRUE(confirm->local);
  for (const bool delivered : {false, true}) {
    Order order = create();
    order = *next(order, OrderConfirmed{order.id, "pay-1"});
    order = *next(order, OrderShipped{order.id, "TRACK-1"});
    if (delivered) order = *next(order, OrderDelivered{order.id});
    saga::SagaContext context{order.sagaId, kPlacementSaga, "", OrderSagas::placementData(order)};
    context.data["paymentId"] = "pay-1";
    Status status;
    ASSERT_TRUE(db::inTransaction(*pool_, [&](pqxx::work& transaction) {
                  status = confirm->local(transaction, context);
                  return Status::ok();
                }).isOk());
    EXPECT_TRUE(status.isOk()) << status.toString();
    EXPECT_FALSE(context.data.contains("cancelReason")) << boost::json::serialize(context.data);
    EXPECT_EQ(store_->get(order.id)->status, delivered ? "DELIVERED" : "SHIPPED");
  }
}

// The caller's deadline holds until COMMIT: a create that waited for a pooled connection past it
// places nothing (the gateway already answered 504, and the client may well order again).
TEST_F(OrderStoreTest, ACreateThatWaitedPastItsCallersDeadline_PlacesNothing) {
  db::ConnectionPool onePool(db::PoolOptions{url_, 1, std::chrono::seconds(5), "orders-one"});
  PgOrderStore store(onePool, 2);
  std::optional<Result<db::ConnectionPool::Lease>> held(onePool.acquire());
  ASSERT_TRUE(held->isOk());
  NewOrder order;
  order.created = {newUuid(), newUuid(), {{newUuid(), "TEA-1", "Tea", 1, {"USD", 450}}}, {"USD", 450}, newUuid(), ""};
  ChangeContext context{"admin-1", "", ""};
  context.deadline = std::chrono::system_clock::now() + std::chrono::milliseconds(100);
  auto creating = std::async(std::launch::async, [&] { return store.create(order, context); });
  // The connection is freed only once the deadline has passed (however late the create started).
  while (std::chrono::system_clock::now() <= *context.deadline + std::chrono::milliseconds(20)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  held.reset();
  const auto created = creating.get();
  ASSERT_FALSE(created.isOk());
  EXPECT_EQ(created.status().code(), StatusCode::kDeadlineExceeded) << created.status().toString();
  EXPECT_EQ(count("SELECT count(*) FROM orders WHERE id = '" + order.created.orderId + "'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM events WHERE stream_id = '" + order.created.orderId + "'"), 0);
}

// Whatever a rebuild throws (out of memory on a huge store; here its progress callback) ends it as
// FAILED: escaping its thread it would terminate the orders process. The next rebuild can run.
TEST_F(OrderStoreTest, ARebuildThatThrowsEndsFailed_AndTheNextOneRuns) {
  create();
  std::vector<RebuildReport> announced;
  ProjectionRebuilder rebuilder(*pool_, url_, [&](const RebuildReport& report) { announced.push_back(report); });
  auto failed = rebuilder.runNow([](const RebuildReport&) { throw std::runtime_error("out of memory"); });
  ASSERT_TRUE(failed.isOk()) << failed.status().toString();
  EXPECT_EQ(failed->state, "FAILED");
  EXPECT_NE(failed->error.find("out of memory"), std::string::npos) << failed->error;
  // Its end is announced too: whoever follows it on the admin stream stops waiting.
  ASSERT_FALSE(announced.empty());
  EXPECT_EQ(announced.back().id, failed->id);
  EXPECT_EQ(announced.back().state, "FAILED");
  EXPECT_EQ(announced.back().error, failed->error);
  auto stored = rebuilder.get(failed->id);
  ASSERT_TRUE(stored.isOk());
  EXPECT_EQ(stored->state, "FAILED");
  auto next = rebuilder.runNow();
  ASSERT_TRUE(next.isOk()) << next.status().toString();
  EXPECT_EQ(next->state, "DONE") << next->error;
}

// Whoever hears a rebuild's end (the console offers Rebuild again) may start the next one at once,
// on this replica or another: by then the lock is free and this replica no longer counts it running.
TEST_F(OrderStoreTest, WhenARebuildsEndIsAnnounced_TheNextCanStartAtOnce_OnAnyReplica) {
  create();
  ProjectionRebuilder other(*pool_, url_);  // another orders replica on the same database
  std::optional<ProjectionRebuilder> rebuilder;
  std::optional<Status> otherStart;
  rebuilder.emplace(*pool_, url_, [&](const RebuildReport& report) {
    if (report.state == "RUNNING") return;
    otherStart = other.start("orders").status();
  });
  auto started = rebuilder->start("orders");
  ASSERT_TRUE(started.isOk()) << started.status().toString();
  rebuilder->shutdown();
  ASSERT_TRUE(otherStart.has_value()) << "the end was never announced";
  EXPECT_TRUE(otherStart->isOk()) << "refused right after the end was announced: " << otherStart->toString();
  other.shutdown();
  auto again = rebuilder->start("orders");
  ASSERT_TRUE(again.isOk()) << again.status().toString();
  rebuilder->shutdown();
}

// A report left RUNNING by an orders process that died (its lock went with its session) is read as
// interrupted, and the read takes no lock that outlives it: its probe had been a session-level lock
// on a pooled connection, which a failed unlock left held, refusing every later rebuild.
TEST_F(OrderStoreTest, AReportLeftRunningByAProcessThatDied_IsReadAsInterrupted_AndLeavesNoLockBehind) {
  create();
  const std::string id = newUuid();
  {
    pqxx::connection connection(url_);
    pqxx::work transaction(connection);
    transaction.exec_params(
        "INSERT INTO projection_rebuilds (id, projection, state, started_at_us) VALUES ($1, 'orders', 'RUNNING', 1)", id);
    transaction.commit();
  }
  ProjectionRebuilder rebuilder(*pool_, url_);
  auto report = rebuilder.get(id);
  ASSERT_TRUE(report.isOk()) << report.status().toString();
  EXPECT_EQ(report->state, "FAILED");
  EXPECT_NE(report->error.find("interrupted"), std::string::npos) << report->error;
  EXPECT_EQ(count("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database ="
                  " (SELECT oid FROM pg_database WHERE datname = current_database())"),
            0);
  auto next = rebuilder.start("orders");
  ASSERT_TRUE(next.isOk()) << next.status().toString();
  rebuilder.shutdown();
}

TEST_F(OrderStoreTest, AppendingAtAStaleVersionIsAborted) {
  const Order order = create();
  ASSERT_TRUE(next(order, OrderConfirmed{order.id, "p"}).isOk());
  auto stale = next(order, OrderCancelled{order.id, "late", "PENDING"});
  ASSERT_FALSE(stale.isOk());
  EXPECT_EQ(stale.status().code(), StatusCode::kAborted);
}

TEST_F(OrderStoreTest, EventsCannotBeRewritten) {
  const Order order = create();
  pqxx::connection connection(url_);
  pqxx::work transaction(connection);
  EXPECT_THROW(transaction.exec("UPDATE events SET event_type = 'Forged'"), pqxx::sql_error);
}

TEST_F(OrderStoreTest, EventsCannotBeTruncated) {
  create();
  pqxx::connection connection(url_);
  pqxx::work transaction(connection);
  EXPECT_THROW(transaction.exec("TRUNCATE events CASCADE"), pqxx::sql_error);
}

TEST_F(OrderStoreTest, SnapshotsAreTakenAndUsedWithoutChangingTheState) {
  Order order = create();
  order = *next(order, OrderConfirmed{order.id, "p"});  // version 2: snapshot (every 2)
  auto atSnapshot = store_->load(order.id);               // the snapshot, no event after it
  ASSERT_TRUE(atSnapshot.isOk()) << atSnapshot.status().toString();
  EXPECT_EQ(*atSnapshot, order);
  order = *next(order, OrderShipped{order.id, "T"});
  EXPECT_EQ(count("SELECT version FROM snapshots WHERE stream_id = '" + order.id + "'"), 2);
  auto loaded = store_->load(order.id);  // the snapshot and one event after it
  ASSERT_TRUE(loaded.isOk());
  EXPECT_EQ(*loaded, order);

  // A snapshot that no longer decodes is passed over: the state is replayed from the first event.
  EXPECT_EQ(count("WITH spoiled AS (UPDATE snapshots SET state = '\"not an order\"' WHERE stream_id = '" +
                  order.id + "' RETURNING 1) SELECT count(*) FROM spoiled"),
            1);
  auto replayed = store_->load(order.id);
  ASSERT_TRUE(replayed.isOk()) << replayed.status().toString();
  EXPECT_EQ(*replayed, order);

  // One that decodes but is not what its row says (an older encoder's, without a version): the
  // same; used, it would make the order's version 0 and every later change a conflict.
  EXPECT_EQ(count("WITH spoiled AS (UPDATE snapshots SET state = '{\"id\": \"" + order.id +
                  "\", \"status\": \"SHIPPED\"}' WHERE stream_id = '" + order.id + "' RETURNING 1) SELECT count(*) FROM spoiled"),
            1);
  auto versionless = store_->load(order.id);
  ASSERT_TRUE(versionless.isOk()) << versionless.status().toString();
  EXPECT_EQ(*versionless, order);
  EXPECT_TRUE(next(*versionless, OrderDelivered{order.id}).isOk()) << "its next change is no conflict";
}

TEST_F(OrderStoreTest, IdempotentCreateReturnsTheFirstOrderEvenUnderConcurrency) {
  const std::string user = newUuid();
  std::vector<std::future<Result<Order>>> creates;
  for (int i = 0; i < 6; ++i) {
    creates.push_back(std::async(std::launch::async, [&, i] {
      NewOrder attempt;
      attempt.created = {newUuid(), user, {{newUuid(), "S", "N", i + 1, {"USD", 1}}}, {"USD", i + 1}, newUuid(), "k"};
      attempt.idempotencyKey = "k";
      return store_->create(attempt, {});
    }));
  }
  std::set<std::string> ids;
  for (auto& create : creates) {
    auto result = create.get();
    ASSERT_TRUE(result.isOk()) << result.status().toString();
    ids.insert(result->id);
  }
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(count("SELECT count(*) FROM orders"), 1);
  // What OrderBook reads before pricing a repeat.
  auto found = store_->findByIdempotencyKey(user, "k");
  ASSERT_TRUE(found.isOk()) << found.status().toString();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, *ids.begin());
  auto otherUser = store_->findByIdempotencyKey(newUuid(), "k");
  ASSERT_TRUE(otherUser.isOk());
  EXPECT_FALSE(otherUser->has_value()) << "keys are per user";
}

// ARCHITECTURE.md: repeating an idempotency key "returns the first result". A client whose 202
// PENDING was lost retries after the saga confirmed and an admin cancelled: it gets that PENDING
// order (version 1, as the first call answered), not the order as it is now.
TEST_F(OrderStoreTest, ARepeatedCreateAfterLaterChanges_AnswersTheFirstAnswer) {
  orders::testing::FakeCatalog catalog;
  const std::string product = newUuid();
  catalog.products[product] = {"TEA-1", "Tea", {"USD", 450}};
  OrderBook book(*store_, catalog);
  const CreateRequest request{newUuid(), {{product, 2}}, "retry-me"};
  auto first = book.create(request, {"admin-1", "", ""});
  ASSERT_TRUE(first.isOk()) << first.status().toString();
  ASSERT_EQ(first->status, "PENDING");
  ASSERT_TRUE(book.confirm(first->id, "pay-1", {"system", "", ""}).isOk());
  ASSERT_TRUE(book.cancel(first->id, "customer_request", 0, {"admin-1", "", ""}).isOk());
  ASSERT_EQ(store_->get(first->id)->status, "CANCELLED");

  auto repeat = book.create(request, {"admin-1", "", ""});
  ASSERT_TRUE(repeat.isOk()) << repeat.status().toString();
  EXPECT_EQ(repeat->status, "PENDING");
  EXPECT_EQ(repeat->version, 1);
  EXPECT_EQ(*repeat, *first);
  EXPECT_EQ(count("SELECT count(*) FROM orders"), 1);
}

// The same, when the repeat's look-up found nothing and it lost the key's claim in the store to a
// first attempt that committed while the repeat was being priced (and was confirmed at once).
TEST_F(OrderStoreTest, ARepeatThatLostTheKeysClaim_AnswersTheFirstAnswer) {
  const std::string user = newUuid();
  const std::string product = newUuid();
  std::optional<Order> first;
  struct RacingCatalog final : Catalog {
    std::function<void()> meanwhile;
    Result<std::vector<OrderLine>> priceLines(const std::vector<LineRequest>& lines, const ChangeContext&) override {
      if (meanwhile) std::exchange(meanwhile, nullptr)();
      return std::vector<OrderLine>{{lines[0].productId, "TEA-1", "Tea", lines[0].quantity, {"USD", 450}}};
    }
  } catalog;
  catalog.meanwhile = [&] {
    NewOrder order;
    order.created = {newUuid(), user, {{product, "TEA-1", "Tea", 2, {"USD", 450}}}, {"USD", 900}, newUuid(), "k"};
    order.idempotencyKey = "k";
    auto created = store_->create(order, {"admin-1", "", ""});
    ASSERT_TRUE(created.isOk()) << created.status().toString();
    first = *created;
    ASSERT_TRUE(next(*created, OrderConfirmed{created->id, "pay-1"}).isOk());
  };
  OrderBook book(*store_, catalog);
  auto repeat = book.create({user, {{product, 2}}, "k"}, {"admin-1", "", ""});
  ASSERT_TRUE(repeat.isOk()) << repeat.status().toString();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(repeat->status, "PENDING");
  EXPECT_EQ(*repeat, *first);
}

TEST_F(OrderStoreTest, TimeTravelEqualsAFoldOfTheFirstNEvents) {
  struct NoCatalog final : Catalog {
    Result<std::vector<OrderLine>> priceLines(const std::vector<LineRequest>&, const ChangeContext&) override {
      return unimplemented();
    }
    static Status unimplemented() { return Status(StatusCode::kUnimplemented, "not used"); }
  } catalog;
  OrderBook book(*store_, catalog);
  Order order = create();
  order = *next(order, OrderConfirmed{order.id, "p"});
  order = *next(order, OrderCancelled{order.id, "customer_request", "CONFIRMED"});
  auto events = store_->history(order.id);
  ASSERT_TRUE(events.isOk());
  for (int64_t version = 1; version <= 3; ++version) {
    Order expected;
    for (int64_t i = 0; i < version; ++i) {
      const auto& recorded = (*events)[static_cast<size_t>(i)];
      apply(expected, *decodeEvent(recorded.type, recorded.payloadJson), recorded.recordedAtMicros);
    }
    auto travelled = book.atVersion(order.id, version);
    ASSERT_TRUE(travelled.isOk()) << travelled.status().toString();
    EXPECT_EQ(travelled->order, expected) << "version " << version;
  }
  EXPECT_EQ(book.atVersion(order.id, 2)->order.status, "CONFIRMED");
}

TEST_F(OrderStoreTest, RebuildReproducesTheReadModelAndReportsATamperedRow) {
  std::vector<Order> orders;
  for (int i = 0; i < 25; ++i) {
    Order order = create();
    if (i % 2 == 0) order = *next(order, OrderConfirmed{order.id, "p"});
    if (i % 4 == 0) order = *next(order, OrderShipped{order.id, "T" + std::to_string(i)});
    if (i % 5 == 1) order = *next(order, OrderCancelled{order.id, "tab\there \"quoted\" \\ back", "PENDING"});
    orders.push_back(order);
  }
  ProjectionRebuilder rebuilder(*pool_, url_);
  std::vector<int64_t> progress;
  auto clean = rebuilder.runNow([&](const RebuildReport& report) { progress.push_back(report.processedEvents); });
  ASSERT_TRUE(clean.isOk()) << clean.status().toString();
  EXPECT_EQ(clean->state, "DONE") << clean->error;
  EXPECT_EQ(clean->processedEvents, count("SELECT count(*) FROM events"));
  EXPECT_EQ(clean->totalEvents, clean->processedEvents);
  EXPECT_EQ(clean->differenceCount, 0) << (clean->differences.empty() ? "" : clean->differences[0].field);
  EXPECT_FALSE(progress.empty());

  // Someone edits the read model behind the event store's back.
  {
    pqxx::connection connection(url_);
    pqxx::work transaction(connection);
    transaction.exec("UPDATE orders SET status = 'DELIVERED' WHERE id = '" + orders[3].id + "'");
    transaction.commit();
  }
  auto tampered = rebuilder.runNow();
  ASSERT_TRUE(tampered.isOk());
  ASSERT_EQ(tampered->differenceCount, 1);
  EXPECT_EQ(tampered->differences[0].orderId, orders[3].id);
  EXPECT_EQ(tampered->differences[0].field, "status");
  EXPECT_EQ(tampered->differences[0].live, "DELIVERED");
  EXPECT_EQ(tampered->differences[0].rebuilt, orders[3].status);
  auto stored = rebuilder.get(tampered->id);
  ASSERT_TRUE(stored.isOk());
  EXPECT_EQ(stored->differenceCount, 1);
  EXPECT_EQ(stored->differences.size(), 1u);
}

TEST_F(OrderStoreTest, BackgroundRebuildCanBeFollowedUntilDone) {
  create();
  ProjectionRebuilder rebuilder(*pool_, url_);
  auto started = rebuilder.start("orders");
  ASSERT_TRUE(started.isOk());
  EXPECT_EQ(started->state, "RUNNING");
  rebuilder.shutdown();
  auto finished = rebuilder.get(started->id);
  ASSERT_TRUE(finished.isOk());
  EXPECT_EQ(finished->state, "DONE");
  EXPECT_EQ(rebuilder.start("customers").status().code(), StatusCode::kInvalidArgument);
}

// Replicas share the orders_rebuild table: one rebuild at a time across all of them, and a report
// left RUNNING by a process that died says so instead of running for ever.
TEST_F(OrderStoreTest, OneRebuildAcrossReplicas_AndAnAbandonedOneIsReportedAsInterrupted) {
  create();
  auto otherReplica = std::make_unique<pqxx::connection>(url_);
  {
    pqxx::nontransaction session(*otherReplica);
    session.exec("SELECT pg_advisory_lock(hashtext('fleetdeck.orders.projection_rebuild'))");
  }
  std::mutex announcedMutex;
  std::vector<RebuildReport> announced;
  ProjectionRebuilder rebuilder(*pool_, url_, [&](const RebuildReport& report) {
    std::lock_guard lock(announcedMutex);
    announced.push_back(report);
  });
  const auto announcedOf = [&](const std::string& id) {
    std::lock_guard lock(announcedMutex);
    std::vector<RebuildReport> of;
    for (const auto& report : announced) {
      if (report.id == id) of.push_back(report);
    }
    return of;
  };
  auto refused = rebuilder.start("orders");
  ASSERT_FALSE(refused.isOk());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("another orders replica"), std::string::npos) << refused.status().toString();

  // A report some replica recorded as RUNNING: while the lock is held it is running...
  const std::string abandoned = newUuid();
  {
    pqxx::connection connection(url_);
    pqxx::work transaction(connection);
    transaction.exec_params("INSERT INTO projection_rebuilds (id, projection, state, processed_events, total_events,"
                            " difference_count, differences, error, started_at_us) VALUES ($1, 'orders', 'RUNNING',"
                            " 10, 100, 0, '[]'::jsonb, '', 1)", abandoned);
    transaction.commit();
  }
  EXPECT_EQ(rebuilder.get(abandoned)->state, "RUNNING");
  // ...and once nobody holds it (that process died), it was interrupted. The server lets the lock go
  // when it has processed the closed connection, a moment after the client closed it.
  otherReplica.reset();
  Result<RebuildReport> interrupted = notFound("not read yet");
  ASSERT_TRUE(fleetdeck::testing::waitUntil([&] {
    interrupted = rebuilder.get(abandoned);
    return interrupted.isOk() && interrupted->state == "FAILED";
  }, std::chrono::seconds(5))) << (interrupted.isOk() ? interrupted->state : interrupted.status().toString());
  EXPECT_NE(interrupted->error.find("interrupted"), std::string::npos) << interrupted->error;
  EXPECT_EQ(rebuilder.get(abandoned)->state, "FAILED") << "stored, not only reported";
  // Its end is announced once, by the read that found it (later reads change nothing).
  const auto ended = announcedOf(abandoned);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].state, "FAILED");
  EXPECT_EQ(ended[0].error, interrupted->error);
  auto again = rebuilder.start("orders");
  EXPECT_TRUE(again.isOk()) << "the lock is free again: " << again.status().toString();
  rebuilder.shutdown();
}

// The console follows a rebuild through GetRebuild: the stored report moves while it runs.
TEST_F(OrderStoreTest, ARunningRebuildsProgressIsStored) {
  for (int i = 0; i < 5; ++i) create();
  ProjectionRebuilder rebuilder(*pool_, url_);
  std::optional<RebuildReport> storedWhileRunning;
  auto done = rebuilder.runNow([&](const RebuildReport& report) {
    if (report.state == "DONE") storedWhileRunning = *rebuilder.get(report.id);
  });
  ASSERT_TRUE(done.isOk()) << done.status().toString();
  ASSERT_TRUE(storedWhileRunning.has_value());
  EXPECT_EQ(storedWhileRunning->state, "RUNNING");
  EXPECT_EQ(storedWhileRunning->totalEvents, done->totalEvents) << "the total was stored once it was counted";
  EXPECT_GT(storedWhileRunning->totalEvents, 0);
}

// What the observer hears (the admin stream's replay.progress) is what GetRebuild already says: each
// running report once it is stored, at most every kProgressInterval however many events there are,
// and the end once, last, after it is stored (the console fetches the report when it hears of it).
TEST_F(OrderStoreTest, ARebuildIsAnnouncedAtABoundedRate_AndItsEndOnceAfterItIsStored) {
  create();
  // Enough events for the fold to take a while: copies of that OrderCreated, each for an order of its own.
  {
    pqxx::connection connection(url_);
    pqxx::work transaction(connection);
    transaction.exec(
        "INSERT INTO events (event_id, stream_id, version, event_type, payload, actor)"
        " SELECT gen_random_uuid(), o.id::text, 1, e.event_type, jsonb_set(e.payload, '{orderId}', to_jsonb(o.id::text)),"
        " e.actor FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, 150000)) o,"
        " (SELECT * FROM events WHERE event_type = 'OrderCreated' LIMIT 1) e");
    transaction.commit();
  }
  struct Announcement {
    std::chrono::steady_clock::time_point at;
    RebuildReport report;
    std::string storedState;  // what GetRebuild answered as it was announced
    int64_t storedProcessed = 0;
  };
  std::vector<Announcement> announced;
  std::optional<ProjectionRebuilder> rebuilder;
  rebuilder.emplace(*pool_, url_, [&](const RebuildReport& report) {
    const auto at = std::chrono::steady_clock::now();  // before get(): its time is not the throttle's
    const auto stored = rebuilder->get(report.id);
    ASSERT_TRUE(stored.isOk()) << stored.status().toString();
    announced.push_back({at, report, stored->state, stored->processedEvents});
  });
  int progressCalls = 0;
  const auto started = std::chrono::steady_clock::now();
  auto done = rebuilder->runNow([&](const RebuildReport&) { ++progressCalls; });
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(done.isOk()) << done.status().toString();
  ASSERT_EQ(done->state, "DONE") << done->error;
  EXPECT_EQ(done->totalEvents, count("SELECT count(*) FROM events"));

  ASSERT_GE(announced.size(), 2u) << "at least the counted total, and the end";
  const Announcement& last = announced.back();
  EXPECT_EQ(last.report.state, "DONE");
  EXPECT_EQ(last.report.processedEvents, done->totalEvents);
  EXPECT_EQ(last.report.totalEvents, done->totalEvents);
  EXPECT_EQ(last.report.differenceCount, done->differenceCount);
  EXPECT_EQ(last.storedState, "DONE") << "the end was announced before GetRebuild could say so";
  int64_t processed = -1;
  for (size_t i = 0; i + 1 < announced.size(); ++i) {
    const Announcement& running = announced[i];
    EXPECT_EQ(running.report.id, done->id);
    EXPECT_EQ(running.report.state, "RUNNING") << "only the last one ends it (#" << i << ")";
    EXPECT_EQ(running.report.totalEvents, done->totalEvents);
    EXPECT_GE(running.report.processedEvents, processed);
    processed = running.report.processedEvents;
    EXPECT_EQ(running.storedState, "RUNNING");
    EXPECT_EQ(running.storedProcessed, running.report.processedEvents) << "announced before it was stored (#" << i << ")";
    if (i > 0) {
      // The interval is measured before each store and the announcements follow their store, so one
      // slow store (a loaded machine) shortens the next gap by its time: 200 ms of slack still tells
      // a throttle from none (announcements microseconds apart).
      EXPECT_GE(running.at - announced[i - 1].at, ProjectionRebuilder::kProgressInterval - std::chrono::milliseconds(200))
          << "#" << i;
    }
  }
  const auto intervals = took / ProjectionRebuilder::kProgressInterval;
  EXPECT_LE(static_cast<int64_t>(announced.size()) - 1, intervals + 1)
      << announced.size() << " announcements in " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
      << " ms";
  EXPECT_GT(progressCalls, static_cast<int>(announced.size())) << "nothing was held back: the bound was not tested";
}

}  // namespace
}  // namespace fleetdeck::orders
