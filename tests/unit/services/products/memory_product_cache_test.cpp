// The in-memory tier in front of the shared product cache: what it serves without I/O, how long at
// most, and what drops it. Its clock is the test's.
#include "adapters/memory_product_cache.h"

#include <gtest/gtest.h>

#include "domain/product_catalog.h"
#include "products/fake_product_repository.h"

namespace fleetdeck::products {
namespace {

using std::chrono::milliseconds;

constexpr const char* kProductA = "01a213e1-22c5-7335-a7e4-2b51dae6d001";
constexpr const char* kProductB = "01a213e1-22c5-7335-a7e4-2b51dae6d002";
constexpr const char* kProductC = "01a213e1-22c5-7335-a7e4-2b51dae6d003";

Product product(const std::string& id, const std::string& name) {
  Product result;
  result.id = id;
  result.sku = "SKU-" + id.substr(id.size() - 3);
  result.name = name;
  result.price = Money{"EUR", 100};
  result.onHand = 5;
  result.version = 1;
  return result;
}

class MemoryProductCacheTest : public ::testing::Test {
 protected:
  MemoryProductCache make(MemoryProductCacheOptions options) {
    return MemoryProductCache(shared_, options, [this] { return now_; });
  }

  testing::FakeProductCache shared_;
  std::chrono::steady_clock::time_point now_{};
};

TEST_F(MemoryProductCacheTest, PutKeepsACopyThatPeekServesWithoutTheSharedTier) {
  auto cache = make({.ttl = milliseconds(1000)});
  EXPECT_EQ(cache.peek(kProductA), nullptr);
  cache.put(product(kProductA, "Tea"));
  EXPECT_TRUE(shared_.contains(kProductA)) << "a put reaches the shared tier too";
  shared_.available = false;
  auto held = cache.peek(kProductA);
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(held->name, "Tea");
  EXPECT_EQ(shared_.hits, 0);
}

TEST_F(MemoryProductCacheTest, ACopyIsNeverServedOnceItsTtlHasPassed) {
  auto cache = make({.ttl = milliseconds(1000)});
  cache.put(product(kProductA, "Tea"));
  shared_.invalidate({kProductA});  // as another replica's write would
  now_ += milliseconds(999);
  EXPECT_NE(cache.peek(kProductA), nullptr);
  EXPECT_EQ(cache.get(kProductA)->name, "Tea");
  now_ += milliseconds(1);
  EXPECT_EQ(cache.peek(kProductA), nullptr);
  EXPECT_FALSE(cache.get(kProductA).has_value()) << "an expired copy sends the read on to the shared tier";
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(MemoryProductCacheTest, ReadingACopyDoesNotExtendItsLife) {
  auto cache = make({.ttl = milliseconds(1000)});
  cache.put(product(kProductA, "Tea"));
  for (int i = 0; i < 9; ++i) {
    now_ += milliseconds(100);
    ASSERT_NE(cache.peek(kProductA), nullptr);
  }
  now_ += milliseconds(100);
  EXPECT_EQ(cache.peek(kProductA), nullptr);
}

TEST_F(MemoryProductCacheTest, InvalidateDropsTheCopyHereAndInTheSharedTier) {
  auto cache = make({.ttl = milliseconds(1000)});
  cache.put(product(kProductA, "Tea"));
  cache.put(product(kProductB, "Coffee"));
  cache.invalidate({kProductA});
  EXPECT_EQ(cache.peek(kProductA), nullptr);
  EXPECT_FALSE(shared_.contains(kProductA));
  EXPECT_EQ(shared_.invalidated, std::vector<std::string>{kProductA});
  EXPECT_NE(cache.peek(kProductB), nullptr);
}

// A read that missed the cache, then a write that committed and invalidated, then the read's put:
// the row read before the write must not go back into the cache (here or in the shared tier), or
// the old price is served until the TTL runs out.
TEST_F(MemoryProductCacheTest, ARowReadBeforeAnInvalidationIsNotPutBack) {
  auto cache = make({.ttl = milliseconds(60'000)});
  const auto missed = cache.lookupMany({kProductA, kProductB});
  ASSERT_EQ(missed.size(), 2u);
  ASSERT_FALSE(missed[0].product.has_value());
  cache.invalidate({kProductA});  // the write's, while the read was on its way
  cache.putRead(product(kProductA, "Tea at the old price"), missed[0].mark);
  EXPECT_EQ(cache.peek(kProductA), nullptr);
  EXPECT_FALSE(shared_.contains(kProductA));
  // Other products, and reads that started after the invalidation, are put as before.
  cache.putRead(product(kProductB, "Coffee"), missed[1].mark);
  EXPECT_NE(cache.peek(kProductB), nullptr);
  const auto missedAfter = cache.lookup(kProductA);
  ASSERT_FALSE(missedAfter.product.has_value());
  cache.putRead(product(kProductA, "Tea"), missedAfter.mark);
  EXPECT_NE(cache.peek(kProductA), nullptr);
  EXPECT_TRUE(shared_.contains(kProductA));
}

// This process's own write landing while a read's put is on its way to the shared tier (after the
// put's first check): the shared tier refuses the old row, and the memory tier did keep it, serving
// the old price and version here for its TTL.
TEST_F(MemoryProductCacheTest, AWriteHereDuringARowsPut_KeepsTheOldRowOutOfMemoryToo) {
  auto cache = make({.ttl = milliseconds(60'000)});
  const auto missed = cache.lookup(kProductA);
  ASSERT_FALSE(missed.product.has_value());
  shared_.beforePutRead = [&] {
    shared_.beforePutRead = nullptr;
    cache.invalidate({kProductA});
  };
  cache.putRead(product(kProductA, "Tea at the old price"), missed.mark);
  EXPECT_EQ(cache.peek(kProductA), nullptr);
}

TEST_F(MemoryProductCacheTest, GetKeepsASharedHitInMemory) {
  auto cache = make({.ttl = milliseconds(1000)});
  shared_.put(product(kProductA, "Tea"));
  EXPECT_EQ(cache.peek(kProductA), nullptr);
  EXPECT_EQ(cache.get(kProductA)->name, "Tea");
  EXPECT_EQ(shared_.hits, 1);
  EXPECT_EQ(cache.get(kProductA)->name, "Tea");
  EXPECT_EQ(shared_.hits, 1) << "the second read is served from memory";
}

TEST_F(MemoryProductCacheTest, BatchReadsSkipMemoryAndReadTheSharedTier) {
  auto cache = make({.ttl = milliseconds(1000)});
  cache.put(product(kProductA, "Tea"));
  shared_.put(product(kProductA, "Tea, repriced elsewhere"));
  const auto batch = cache.getMany({kProductA, kProductB});
  ASSERT_EQ(batch.size(), 2u);
  ASSERT_TRUE(batch[0].has_value());
  EXPECT_EQ(batch[0]->name, "Tea, repriced elsewhere");
  EXPECT_FALSE(batch[1].has_value());
}

TEST_F(MemoryProductCacheTest, AFullCacheDropsTheLeastRecentlyRead) {
  auto cache = make({.ttl = milliseconds(1000), .capacity = 2});
  cache.put(product(kProductA, "Tea"));
  cache.put(product(kProductB, "Coffee"));
  ASSERT_NE(cache.peek(kProductA), nullptr);  // A is now more recent than B
  cache.put(product(kProductC, "Cocoa"));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_NE(cache.peek(kProductA), nullptr);
  EXPECT_EQ(cache.peek(kProductB), nullptr);
  EXPECT_NE(cache.peek(kProductC), nullptr);
}

TEST_F(MemoryProductCacheTest, ZeroTtlOrZeroCapacityHoldsNothing) {
  for (const MemoryProductCacheOptions options :
       {MemoryProductCacheOptions{.ttl = milliseconds(0)}, MemoryProductCacheOptions{.capacity = 0}}) {
    auto cache = make(options);
    cache.put(product(kProductA, "Tea"));
    EXPECT_EQ(cache.peek(kProductA), nullptr);
    EXPECT_EQ(cache.get(kProductA)->name, "Tea") << "the shared tier still answers";
  }
}

TEST_F(MemoryProductCacheTest, TheCatalogsWritesDropTheMemoryCopyAtOnce) {
  testing::FakeProductRepository repository;
  auto cache = make({.ttl = milliseconds(60'000)});
  ProductCatalog catalog(repository, cache);
  const ChangeContext admin{"admin-1", ""};
  auto created = catalog.create({"A-1", "Tea", "", Money{"EUR", 100}, 5}, admin);
  ASSERT_TRUE(created.isOk());
  const std::string id = created->id;
  EXPECT_EQ(catalog.peek(id), nullptr) << "creating does not fill the cache";
  ASSERT_TRUE(catalog.get(id).isOk());
  ASSERT_NE(catalog.peek(id), nullptr);
  std::string upper = id;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_NE(catalog.peek(upper), nullptr) << "ids are normalised as get() does";
  EXPECT_EQ(catalog.peek("not-an-id"), nullptr);

  ProductChanges changes;
  changes.name = "Green tea";
  ASSERT_TRUE(catalog.update(id, changes, 0, admin).isOk());
  EXPECT_EQ(catalog.peek(id), nullptr);
  EXPECT_EQ(catalog.get(id)->name, "Green tea");
  ASSERT_TRUE(catalog.restock(id, 2, "", admin).isOk());
  EXPECT_EQ(catalog.peek(id), nullptr);
  EXPECT_EQ(catalog.get(id)->onHand, 7);
  ASSERT_TRUE(catalog.remove(id, admin).isOk());
  EXPECT_EQ(catalog.peek(id), nullptr);
  EXPECT_FALSE(catalog.get(id)->active);
}

}  // namespace
}  // namespace fleetdeck::products
