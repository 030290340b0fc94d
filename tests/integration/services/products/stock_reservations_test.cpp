// Inventory reservations of the order saga on real PostgreSQL: all-or-nothing, never below zero under
// concurrency, idempotent by key, and the RESERVED/COMMITTED/RELEASED/RETURNED state machine.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "products_stack.h"

namespace fleetdeck::products {
namespace {

using testing::kUnknownId;
using testing::ProductsStack;

class StockReservationsTest : public ::testing::Test {
 protected:
  void SetUp() override { stack_ = ProductsStack::withNewDatabase(fleetdeck::testing::redisUrl(3)); }

  std::string create(const std::string& sku, int64_t stock, int64_t priceUnits = 1999) {
    auto product = stack_->create(sku, stock, priceUnits);
    EXPECT_TRUE(product.isOk()) << product.status().toString();
    return product.isOk() ? product->id() : std::string();
  }

  std::unique_ptr<ProductsStack> stack_;
};

TEST_F(StockReservationsTest, ReserveStock_NeverDrivesAvailableBelowZero_UnderConcurrency) {
  const std::string id = create("HOT-1", 5);
  std::atomic<bool> running{true};
  std::atomic<int64_t> lowestAvailable{5};
  // Watches the stored row while the reservations race.
  std::thread watcher([&] {
    while (running) {
      const Product product = stack_->stored(id);
      int64_t lowest = lowestAvailable.load();
      while (product.available() < lowest && !lowestAvailable.compare_exchange_weak(lowest, product.available())) {
      }
    }
  });

  std::vector<std::future<Result<v1::Reservation>>> calls;
  for (int i = 0; i < 50; ++i) {
    calls.push_back(std::async(std::launch::async, [this, &id, i] {
      return stack_->reserve("saga-" + std::to_string(i), {{id, 1}});
    }));
  }
  int succeeded = 0;
  for (auto& call : calls) {
    auto result = call.get();
    if (result.isOk()) {
      ++succeeded;
      EXPECT_EQ(result->state(), "RESERVED");
    } else {
      EXPECT_EQ(result.status().code(), StatusCode::kFailedPrecondition) << result.status().toString();
      EXPECT_NE(result.status().message().find("out of stock"), std::string::npos) << result.status().message();
      ASSERT_EQ(result.status().violations().size(), 1u);
      EXPECT_EQ(result.status().violations()[0].field, "lines[0].quantity");
    }
  }
  running = false;
  watcher.join();

  EXPECT_EQ(succeeded, 5);
  const Product product = stack_->stored(id);
  EXPECT_EQ(product.onHand, 5);
  EXPECT_EQ(product.reserved, 5);
  EXPECT_EQ(product.available(), 0);
  EXPECT_GE(lowestAvailable.load(), 0);
  EXPECT_EQ(stack_->get(id)->stock().available(), 0) << "the cache shows the reservations too";
}

TEST_F(StockReservationsTest, ReserveTakesAllLinesOrNone) {
  const std::string plenty = create("PLENTY", 10);
  const std::string scarce = create("SCARCE", 1);
  auto result = stack_->reserve("saga-all-or-none", {{plenty, 3}, {scarce, 2}});
  ASSERT_FALSE(result.isOk());
  EXPECT_EQ(result.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(result.status().message().find("out of stock: SCARCE"), std::string::npos) << result.status().message();
  ASSERT_EQ(result.status().violations().size(), 1u);
  EXPECT_EQ(result.status().violations()[0].field, "lines[1].quantity");
  EXPECT_EQ(stack_->stored(plenty).reserved, 0) << "the line that fitted was not reserved either";

  // A failed reservation is not stored: the same key may try again once stock arrived.
  v1::RestockProductRequest restock;
  restock.set_id(scarce);
  restock.set_quantity(5);
  v1::Product ignored;
  ASSERT_TRUE(stack_->stub->RestockProduct(ProductsStack::context().get(), restock, &ignored).ok());
  auto retried = stack_->reserve("saga-all-or-none", {{plenty, 3}, {scarce, 2}});
  ASSERT_TRUE(retried.isOk()) << retried.status().toString();
  EXPECT_EQ(stack_->stored(plenty).reserved, 3);
  EXPECT_EQ(stack_->stored(scarce).reserved, 2);
}

TEST_F(StockReservationsTest, ReserveCapturesSkuNameAndUnitPriceAtReserveTime) {
  const std::string id = create("PRICED", 10, 2500);
  auto reserved = stack_->reserve("saga-priced", {{id, 2}});
  ASSERT_TRUE(reserved.isOk()) << reserved.status().toString();
  ASSERT_EQ(reserved->lines_size(), 1);
  EXPECT_EQ(reserved->lines(0).sku(), "PRICED");
  EXPECT_EQ(reserved->lines(0).name(), "Product PRICED");
  EXPECT_EQ(reserved->lines(0).quantity(), 2);
  EXPECT_EQ(reserved->lines(0).unit_price().units(), 2500);
  EXPECT_EQ(reserved->lines(0).unit_price().currency_code(), "EUR");

  ProductChanges changes;
  changes.price = Money{"EUR", 9900};
  ASSERT_TRUE(stack_->catalog->update(id, changes, 0, {}).isOk());
  auto repeated = stack_->reserve("saga-priced", {{id, 2}});
  ASSERT_TRUE(repeated.isOk());
  EXPECT_EQ(repeated->lines(0).unit_price().units(), 2500) << "the order keeps the price it was reserved at";
}

TEST_F(StockReservationsTest, ReserveReleaseAndCommitAreIdempotent) {
  const std::string id = create("IDEM", 10);
  auto first = stack_->reserve("saga-idem", {{id, 4}});
  auto second = stack_->reserve("saga-idem", {{id, 4}});
  ASSERT_TRUE(first.isOk() && second.isOk());
  EXPECT_EQ(first->SerializeAsString(), second->SerializeAsString()) << "a repeat returns the first result";
  EXPECT_EQ(stack_->stored(id).reserved, 4);

  auto committed = stack_->commit("saga-idem");
  auto committedAgain = stack_->commit("saga-idem");
  ASSERT_TRUE(committed.isOk() && committedAgain.isOk()) << committedAgain.status().toString();
  EXPECT_EQ(committed->state(), "COMMITTED");
  EXPECT_EQ(committedAgain->state(), "COMMITTED");
  Product product = stack_->stored(id);
  EXPECT_EQ(product.onHand, 6);
  EXPECT_EQ(product.reserved, 0);

  auto afterCommit = stack_->reserve("saga-idem", {{id, 4}});
  ASSERT_TRUE(afterCommit.isOk());
  EXPECT_EQ(afterCommit->state(), "COMMITTED") << "a late repeat of reserve takes nothing more";
  EXPECT_EQ(stack_->stored(id).onHand, 6);

  const std::string other = create("IDEM-2", 10);
  ASSERT_TRUE(stack_->reserve("saga-released", {{other, 3}}).isOk());
  auto released = stack_->release("saga-released");
  auto releasedAgain = stack_->release("saga-released");
  ASSERT_TRUE(released.isOk() && releasedAgain.isOk());
  EXPECT_EQ(released->state(), "RELEASED");
  EXPECT_EQ(releasedAgain->state(), "RELEASED");
  product = stack_->stored(other);
  EXPECT_EQ(product.onHand, 10);
  EXPECT_EQ(product.reserved, 0);
}

TEST_F(StockReservationsTest, ReleaseAfterCommitReturnsTheStockOnce) {
  const std::string id = create("RETURN", 10);
  ASSERT_TRUE(stack_->reserve("saga-return", {{id, 3}}).isOk());
  ASSERT_TRUE(stack_->commit("saga-return").isOk());
  EXPECT_EQ(stack_->stored(id).onHand, 7);
  auto returned = stack_->release("saga-return");
  ASSERT_TRUE(returned.isOk()) << returned.status().toString();
  EXPECT_EQ(returned->state(), "RETURNED");
  ASSERT_EQ(returned->lines_size(), 1);
  EXPECT_EQ(stack_->stored(id).onHand, 10);
  ASSERT_TRUE(stack_->release("saga-return").isOk());
  EXPECT_EQ(stack_->stored(id).onHand, 10) << "returning twice puts the stock back once";
  EXPECT_EQ(stack_->stored(id).reserved, 0);
}

TEST_F(StockReservationsTest, CommitAfterReleaseIsFailedPrecondition) {
  const std::string id = create("LATE", 10);
  ASSERT_TRUE(stack_->reserve("saga-late", {{id, 2}}).isOk());
  ASSERT_TRUE(stack_->release("saga-late").isOk());
  auto commit = stack_->commit("saga-late");
  ASSERT_FALSE(commit.isOk());
  EXPECT_EQ(commit.status().code(), StatusCode::kFailedPrecondition);
  const Product product = stack_->stored(id);
  EXPECT_EQ(product.onHand, 10);
  EXPECT_EQ(product.reserved, 0);
}

TEST_F(StockReservationsTest, CommitOfAnUnknownKeyIsNotFound) {
  EXPECT_EQ(stack_->commit("never-reserved").status().code(), StatusCode::kNotFound);
}

TEST_F(StockReservationsTest, ReleaseBeforeReserveLeavesAMarkerSoTheLateReserveTakesNothing) {
  const std::string id = create("RACE", 10);
  auto released = stack_->release("saga-timed-out");
  ASSERT_TRUE(released.isOk()) << released.status().toString();
  EXPECT_EQ(released->state(), "RELEASED");
  EXPECT_EQ(released->lines_size(), 0);
  auto late = stack_->reserve("saga-timed-out", {{id, 4}});
  ASSERT_TRUE(late.isOk()) << late.status().toString();
  EXPECT_EQ(late->state(), "RELEASED");
  EXPECT_EQ(stack_->stored(id).reserved, 0);
}

TEST_F(StockReservationsTest, ConcurrentRepeatsOfOneKeyReserveOnce) {
  const std::string id = create("TWICE", 10);
  std::vector<std::future<Result<v1::Reservation>>> calls;
  for (int i = 0; i < 10; ++i) {
    calls.push_back(std::async(std::launch::async, [this, &id] { return stack_->reserve("saga-dup", {{id, 3}}); }));
  }
  for (auto& call : calls) {
    auto result = call.get();
    ASSERT_TRUE(result.isOk()) << result.status().toString();
    EXPECT_EQ(result->state(), "RESERVED");
  }
  EXPECT_EQ(stack_->stored(id).reserved, 3);
}

TEST_F(StockReservationsTest, ReusingAKeyForDifferentLinesIsInvalid) {
  const std::string id = create("REUSE", 10);
  ASSERT_TRUE(stack_->reserve("saga-reuse", {{id, 1}}).isOk());
  auto reused = stack_->reserve("saga-reuse", {{id, 2}});
  ASSERT_FALSE(reused.isOk());
  EXPECT_EQ(reused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(reused.status().violations().at(0).field, "reservationKey");
  EXPECT_EQ(stack_->stored(id).reserved, 1);
}

TEST_F(StockReservationsTest, BadLinesAreInvalidArgumentNamingTheLine) {
  const std::string id = create("LINES", 10);
  auto empty = stack_->reserve("saga-bad", {});
  EXPECT_EQ(empty.status().violations().at(0).field, "lines");
  auto zero = stack_->reserve("saga-bad", {{id, 0}});
  EXPECT_EQ(zero.status().violations().at(0).field, "lines[0].quantity");
  auto duplicate = stack_->reserve("saga-bad", {{id, 1}, {id, 1}});
  EXPECT_EQ(duplicate.status().violations().at(0).field, "lines[1].productId");
  auto unknown = stack_->reserve("saga-bad", {{id, 1}, {kUnknownId, 1}});
  ASSERT_FALSE(unknown.isOk());
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(unknown.status().violations().at(0).field, "lines[1].productId");
  EXPECT_EQ(stack_->stored(id).reserved, 0);
  EXPECT_EQ(stack_->commit("saga-bad").status().code(), StatusCode::kNotFound) << "nothing was stored";
}

TEST_F(StockReservationsTest, DeletedProductsCannotBeReserved) {
  const std::string id = create("GONE", 10);
  ASSERT_TRUE(stack_->catalog->remove(id, {}).isOk());
  auto result = stack_->reserve("saga-gone", {{id, 1}});
  ASSERT_FALSE(result.isOk());
  EXPECT_EQ(result.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(result.status().violations().at(0).field, "lines[0].productId");
}

TEST_F(StockReservationsTest, ConcurrentSagasOverTheSameProductsInOppositeOrderDoNotDeadlock) {
  const std::string a = create("LOCK-A", 1000);
  const std::string b = create("LOCK-B", 1000);
  std::vector<std::future<Status>> sagas;
  for (int i = 0; i < 20; ++i) {
    sagas.push_back(std::async(std::launch::async, [this, &a, &b, i]() -> Status {
      const std::string key = "saga-lock-" + std::to_string(i);
      auto lines = i % 2 == 0 ? std::vector<std::pair<std::string, int64_t>>{{a, 1}, {b, 1}}
                              : std::vector<std::pair<std::string, int64_t>>{{b, 1}, {a, 1}};
      if (auto reserved = stack_->reserve(key, lines); !reserved) return reserved.status();
      auto finished = i % 3 == 0 ? stack_->release(key) : stack_->commit(key);
      return finished.status();
    }));
  }
  int committed = 0;
  for (int i = 0; i < 20; ++i) {
    const Status status = sagas[i].get();
    EXPECT_TRUE(status.isOk()) << status.toString();
    committed += i % 3 == 0 ? 0 : 1;
  }
  for (const auto& id : {a, b}) {
    const Product product = stack_->stored(id);
    EXPECT_EQ(product.reserved, 0);
    EXPECT_EQ(product.onHand, 1000 - committed);
  }
}

}  // namespace
}  // namespace fleetdeck::products
