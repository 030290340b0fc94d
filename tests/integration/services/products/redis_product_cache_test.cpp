// RedisProductCache shared by two replicas on one real Redis: a row one replica read from the
// database before the other's write invalidated it is not stored over that invalidation.
#include "adapters/redis_product_cache.h"

#include <gtest/gtest.h>
#include <signal.h>

#include "fleetdeck/core/ids.h"
#include "fleetdeck/testing/test_infra.h"

namespace fleetdeck::products {
namespace {

// Database 14: no other suite uses it, so no other suite's invalidation moves these generations.
constexpr int kRedisDatabase = 14;

std::unique_ptr<cache::RedisCache> openReplica(const std::string& name) {
  // 1 s, not the service's 50 ms: a slow round trip on a loaded machine must not back the cache off.
  auto opened = cache::RedisCache::open(
      {fleetdeck::testing::redisUrl(kRedisDatabase), std::chrono::seconds(1), std::chrono::seconds(1), name});
  EXPECT_TRUE(opened.isOk()) << opened.status().toString();
  return opened.isOk() ? std::move(*opened) : nullptr;
}

Product priced(const std::string& id, int64_t units) {
  Product product;
  product.id = id;
  product.sku = "SKU-" + id.substr(0, 8);
  product.name = "Tea";
  product.price = Money{"EUR", units};
  product.onHand = 5;
  product.version = 1;
  return product;
}

class RedisProductCacheTest : public ::testing::Test {
 protected:
  void SetUp() override { signal(SIGPIPE, SIG_IGN); }

  std::unique_ptr<cache::RedisCache> redisA_ = openReplica("replica-a");
  std::unique_ptr<cache::RedisCache> redisB_ = openReplica("replica-b");
  RedisProductCache replicaA_{*redisA_, std::chrono::seconds(60)};
  RedisProductCache replicaB_{*redisB_, std::chrono::seconds(60)};
};

// A's GetProduct misses and reads the old price from PostgreSQL; B commits a new price and
// invalidates; A's put of the old price must be refused, or every replica serves it for the TTL.
TEST_F(RedisProductCacheTest, ARowReadBeforeAnotherReplicasInvalidationIsNotStored) {
  const std::string id = newUuid();
  const CacheLookup missed = replicaA_.lookup(id);
  ASSERT_FALSE(missed.product.has_value());
  EXPECT_EQ(missed.mark.generation, "0") << "never invalidated";

  replicaB_.invalidate({id});
  replicaA_.putRead(priced(id, 100), missed.mark);
  EXPECT_FALSE(replicaB_.lookup(id).product.has_value()) << "the old price was stored over B's invalidation";
  const CacheLookup next = replicaA_.lookup(id);
  ASSERT_FALSE(next.product.has_value());
  // B's invalidation gave the key a generation of its own; its value comes from a sequence that Redis
  // keeps across runs (a second run of this suite on the same test Redis starts beyond 1).
  EXPECT_NE(next.mark.generation, missed.mark.generation);
  EXPECT_NE(next.mark.generation, "0");

  // With no invalidation between the miss and the put, the row read is stored for every replica.
  replicaA_.putRead(priced(id, 120), next.mark);
  const CacheLookup hit = replicaB_.lookup(id);
  ASSERT_TRUE(hit.product.has_value());
  EXPECT_EQ(hit.product->price.units, 120);
}

// BatchGetProducts (the saga's prices) with one product repriced by another replica meanwhile:
// only that one is refused.
TEST_F(RedisProductCacheTest, ABatchReadKeepsAMarkPerProduct) {
  const std::string repriced = newUuid();
  const std::string untouched = newUuid();
  replicaB_.invalidate({repriced, untouched});  // both have a generation already
  const auto missed = replicaA_.lookupMany({repriced, untouched});
  ASSERT_EQ(missed.size(), 2u);
  ASSERT_FALSE(missed[0].product.has_value());
  ASSERT_FALSE(missed[1].product.has_value());

  replicaB_.invalidate({repriced});
  replicaA_.putRead(priced(repriced, 100), missed[0].mark);
  replicaA_.putRead(priced(untouched, 300), missed[1].mark);
  const auto seen = replicaB_.lookupMany({repriced, untouched});
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_FALSE(seen[0].product.has_value());
  ASSERT_TRUE(seen[1].product.has_value());
  EXPECT_EQ(seen[1].product->price.units, 300);
  EXPECT_NE(seen[0].mark.generation, missed[0].mark.generation) << "a newer generation than A's read saw";
  EXPECT_NE(seen[0].mark.generation, "0");
}

// A lookup Redis could not answer gives no generation to compare with: nothing is stored, even if
// Redis answers again by the time of the put (the next read fills the entry).
TEST_F(RedisProductCacheTest, AReadWithoutAGenerationIsNotStored) {
  const std::string id = newUuid();
  replicaA_.putRead(priced(id, 100), ReadMark{});
  EXPECT_FALSE(replicaB_.lookup(id).product.has_value());
}

}  // namespace
}  // namespace fleetdeck::products
