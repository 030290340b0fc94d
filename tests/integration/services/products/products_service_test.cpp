// The products catalog through real gRPC on real PostgreSQL and the private Redis: validation,
// optimistic concurrency, idempotent restocks, the audit trail and the cache.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <set>

#include "fleetdeck/core/json.h"
#include "fleetdeck/testing/service_process.h"
#include "products_stack.h"

namespace fleetdeck::products {
namespace {

using testing::kUnknownId;
using testing::ProductsStack;

class ProductsServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { stack_ = ProductsStack::withNewDatabase(fleetdeck::testing::redisUrl(3)); }

  v1::Product create(const std::string& sku, int64_t stock = 5) {
    auto product = stack_->create(sku, stock);
    EXPECT_TRUE(product.isOk()) << product.status().toString();
    return product.isOk() ? *product : v1::Product{};
  }

  Result<v1::Product> update(const std::string& id, const std::string& name, int64_t expectedVersion) {
    v1::UpdateProductRequest request;
    request.set_id(id);
    request.mutable_product()->set_name(name);
    request.mutable_update_mask()->add_paths("name");
    request.set_expected_version(expectedVersion);
    v1::Product product;
    const Status status =
        rpc::fromGrpcStatus(stack_->stub->UpdateProduct(ProductsStack::context().get(), request, &product));
    if (!status.isOk()) return status;
    return product;
  }

  Result<v1::Product> restock(const std::string& id, int64_t quantity, const std::string& key = "") {
    v1::RestockProductRequest request;
    request.set_id(id);
    request.set_quantity(quantity);
    request.set_idempotency_key(key);
    v1::Product product;
    const Status status =
        rpc::fromGrpcStatus(stack_->stub->RestockProduct(ProductsStack::context().get(), request, &product));
    if (!status.isOk()) return status;
    return product;
  }

  Result<v1::ListProductsResponse> list(const std::string& query, int pageSize, const std::string& token = "",
                                        bool includeInactive = false) {
    v1::ListProductsRequest request;
    request.set_query(query);
    request.set_page_size(pageSize);
    request.set_page_token(token);
    request.set_include_inactive(includeInactive);
    v1::ListProductsResponse response;
    const Status status =
        rpc::fromGrpcStatus(stack_->stub->ListProducts(ProductsStack::context().get(), request, &response));
    if (!status.isOk()) return status;
    return response;
  }

  std::unique_ptr<ProductsStack> stack_;
};

TEST_F(ProductsServiceTest, CreateStoresTheProductWithItsStock) {
  const v1::Product product = create("kb-100", 7);
  EXPECT_EQ(product.sku(), "KB-100");
  EXPECT_EQ(product.version(), 1);
  EXPECT_TRUE(product.active());
  EXPECT_EQ(product.price().currency_code(), "EUR");
  EXPECT_EQ(product.price().units(), 1999);
  EXPECT_EQ(product.stock().on_hand(), 7);
  EXPECT_EQ(product.stock().reserved(), 0);
  EXPECT_EQ(product.stock().available(), 7);
  EXPECT_EQ(stack_->stored(product.id()).sku, "KB-100");
}

TEST_F(ProductsServiceTest, DuplicateSkuIsAlreadyExistsWhateverTheCase) {
  create("KB-200");
  auto duplicate = stack_->create("kb-200", 1);
  ASSERT_FALSE(duplicate.isOk());
  EXPECT_EQ(duplicate.status().code(), StatusCode::kAlreadyExists);
  ASSERT_EQ(duplicate.status().violations().size(), 1u);
  EXPECT_EQ(duplicate.status().violations()[0].field, "sku");
}

TEST_F(ProductsServiceTest, ValidationErrorsTravelOverGrpcWithFields) {
  v1::CreateProductRequest request;
  request.set_sku("not a sku");
  request.mutable_price()->set_currency_code("euro");
  request.mutable_price()->set_units(-1);
  v1::Product ignored;
  const Status status =
      rpc::fromGrpcStatus(stack_->stub->CreateProduct(ProductsStack::context().get(), request, &ignored));
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  std::vector<std::string> fields;
  for (const auto& violation : status.violations()) fields.push_back(violation.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"sku", "name", "price.currencyCode", "price.units"}));
}

TEST_F(ProductsServiceTest, UnknownIdIsNotFound) {
  auto missing = stack_->get(kUnknownId);
  ASSERT_FALSE(missing.isOk());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST_F(ProductsServiceTest, UpdateWithStaleVersionIsAbortedAndChangesNothing) {
  const v1::Product product = create("UPD-1");
  auto updated = update(product.id(), "Renamed", 1);
  ASSERT_TRUE(updated.isOk()) << updated.status().toString();
  EXPECT_EQ(updated->version(), 2);
  EXPECT_EQ(updated->name(), "Renamed");

  auto stale = update(product.id(), "Mallory", 1);
  ASSERT_FALSE(stale.isOk());
  EXPECT_EQ(stale.status().code(), StatusCode::kAborted);
  EXPECT_EQ(stack_->stored(product.id()).name, "Renamed");
}

TEST_F(ProductsServiceTest, UpdateRefusesFieldsThatCannotBeEdited) {
  const v1::Product product = create("UPD-2");
  v1::UpdateProductRequest request;
  request.set_id(product.id());
  request.mutable_update_mask()->add_paths("sku");
  request.mutable_update_mask()->add_paths("stock");
  v1::Product ignored;
  const Status status =
      rpc::fromGrpcStatus(stack_->stub->UpdateProduct(ProductsStack::context().get(), request, &ignored));
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(status.violations().size(), 2u);
  EXPECT_EQ(status.violations()[0].field, "sku");
  EXPECT_EQ(status.violations()[1].field, "stock");
}

TEST_F(ProductsServiceTest, ConcurrentEditsOfOneVersionLetExactlyOneWin) {
  const v1::Product product = create("UPD-3");
  std::vector<std::future<bool>> edits;
  for (int i = 0; i < 8; ++i) {
    edits.push_back(std::async(std::launch::async, [this, &product, i] {
      return update(product.id(), "editor " + std::to_string(i), 1).isOk();
    }));
  }
  int wins = 0;
  for (auto& edit : edits) wins += edit.get() ? 1 : 0;
  EXPECT_EQ(wins, 1);
  EXPECT_EQ(stack_->stored(product.id()).version, 2);
}

TEST_F(ProductsServiceTest, DeleteHidesTheProductFromTheCatalogButKeepsIt) {
  const v1::Product product = create("DEL-1");
  v1::DeleteProductRequest request;
  request.set_id(product.id());
  v1::Product deleted;
  ASSERT_TRUE(stack_->stub->DeleteProduct(ProductsStack::context().get(), request, &deleted).ok());
  EXPECT_FALSE(deleted.active());
  EXPECT_EQ(deleted.version(), 2);
  auto again = stack_->get(product.id());
  ASSERT_TRUE(again.isOk());
  EXPECT_FALSE(again->active());
  EXPECT_EQ(list("DEL-1", 10)->products_size(), 0);
  EXPECT_EQ(list("DEL-1", 10, "", true)->products_size(), 1);
}

TEST_F(ProductsServiceTest, ListPagesByIdAndSearchesWithWildcardsTakenLiterally) {
  for (int i = 0; i < 5; ++i) create("PAGE-" + std::to_string(i));
  create("OTHER-1");
  std::vector<std::string> seen;
  std::string token;
  for (int page = 0; page < 5; ++page) {
    auto response = list("page-", 2, token);
    ASSERT_TRUE(response.isOk()) << response.status().toString();
    for (const auto& product : response->products()) seen.push_back(product.sku());
    token = response->next_page_token();
    if (token.empty()) break;
  }
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 5u) << "no product on two pages";

  v1::UpdateProductRequest request;
  const v1::Product discounted = create("SALE-1");
  request.set_id(discounted.id());
  request.mutable_product()->set_description("now 50% off_today");
  request.mutable_update_mask()->add_paths("description");
  v1::Product ignored;
  ASSERT_TRUE(stack_->stub->UpdateProduct(ProductsStack::context().get(), request, &ignored).ok());
  auto percent = list("%", 50);
  ASSERT_EQ(percent->products_size(), 1) << "'%' must match only texts containing a percent sign";
  EXPECT_EQ(percent->products(0).sku(), "SALE-1");
  EXPECT_EQ(list("_today", 50)->products_size(), 1);
}

TEST_F(ProductsServiceTest, RestockWithAnIdempotencyKeyAddsOnceAndRepeatsTheFirstAnswer) {
  const v1::Product product = create("RST-1", 5);
  auto first = restock(product.id(), 10, "restock-key-1");
  ASSERT_TRUE(first.isOk()) << first.status().toString();
  EXPECT_EQ(first->stock().on_hand(), 15);
  ASSERT_TRUE(restock(product.id(), 1).isOk());  // a keyless restock in between
  auto again = restock(product.id(), 10, "restock-key-1");
  ASSERT_TRUE(again.isOk()) << again.status().toString();
  EXPECT_EQ(again->stock().on_hand(), 15) << "the first answer, not the current stock";
  EXPECT_EQ(again->version(), first->version());
  EXPECT_EQ(stack_->stored(product.id()).onHand, 16);

  auto reused = restock(product.id(), 3, "restock-key-1");
  ASSERT_FALSE(reused.isOk());
  EXPECT_EQ(reused.status().violations().at(0).field, "idempotencyKey");
}

TEST_F(ProductsServiceTest, ConcurrentRestocksWithOneKeyAddOnce) {
  const v1::Product product = create("RST-2", 0);
  std::vector<std::future<Result<v1::Product>>> calls;
  for (int i = 0; i < 8; ++i) {
    calls.push_back(std::async(std::launch::async, [this, &product] { return restock(product.id(), 4, "same-key"); }));
  }
  for (auto& call : calls) {
    auto result = call.get();
    ASSERT_TRUE(result.isOk()) << result.status().toString();
    EXPECT_EQ(result->stock().on_hand(), 4);
  }
  EXPECT_EQ(stack_->stored(product.id()).onHand, 4);
}

TEST_F(ProductsServiceTest, RestockQuantityOutsideOneToAMillionIsInvalid) {
  const v1::Product product = create("RST-3");
  for (int64_t quantity : {0LL, -5LL, 1'000'001LL}) {
    auto result = restock(product.id(), quantity);
    ASSERT_FALSE(result.isOk());
    EXPECT_EQ(result.status().violations().at(0).field, "quantity");
  }
}

TEST_F(ProductsServiceTest, EveryAdminChangeIsAuditedWithActorTraceAndBeforeAfter) {
  const v1::Product product = create("AUD-1", 2);
  ASSERT_TRUE(update(product.id(), "Audited", 1).isOk());
  ASSERT_TRUE(restock(product.id(), 3).isOk());
  v1::DeleteProductRequest remove;
  remove.set_id(product.id());
  v1::Product ignored;
  ASSERT_TRUE(stack_->stub->DeleteProduct(ProductsStack::context("admin-9").get(), remove, &ignored).ok());
  create("AUD-2");  // another product's entries are filtered out

  common::v1::ListAuditRequest request;
  request.set_resource_id(product.id());
  common::v1::ListAuditResponse response;
  ASSERT_TRUE(stack_->stub->ListProductAudit(ProductsStack::context().get(), request, &response).ok());
  ASSERT_EQ(response.entries_size(), 4);
  std::vector<std::string> actions;
  for (const auto& entry : response.entries()) actions.push_back(entry.action());
  EXPECT_EQ(actions, (std::vector<std::string>{"delete", "restock", "update", "create"})) << "newest first";

  const auto& created = response.entries(3);
  EXPECT_EQ(created.resource(), "products");
  EXPECT_EQ(created.actor(), "admin-7");
  EXPECT_EQ(created.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_TRUE(created.before_json().empty());
  EXPECT_EQ(response.entries(0).actor(), "admin-9");

  const auto& renamed = response.entries(2);
  auto before = json::parse(renamed.before_json());
  auto after = json::parse(renamed.after_json());
  ASSERT_TRUE(before && after) << renamed.before_json() << " / " << renamed.after_json();
  EXPECT_EQ(before->as_object().at("name").as_string(), "Product AUD-1");
  EXPECT_EQ(after->as_object().at("name").as_string(), "Audited");
  EXPECT_EQ(after->as_object().at("version").as_string(), "2");

  auto restocked = json::parse(response.entries(1).after_json());
  ASSERT_TRUE(restocked);
  EXPECT_EQ(restocked->as_object().at("stock").as_object().at("onHand").as_string(), "5");
  auto deleted = json::parse(response.entries(0).after_json());
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->as_object().at("active").as_bool(), false);

  common::v1::ListAuditRequest byActor;
  byActor.set_actor("admin-9");
  common::v1::ListAuditResponse actorEntries;
  ASSERT_TRUE(stack_->stub->ListProductAudit(ProductsStack::context().get(), byActor, &actorEntries).ok());
  ASSERT_EQ(actorEntries.entries_size(), 1);
  EXPECT_EQ(actorEntries.entries(0).action(), "delete");
}

TEST_F(ProductsServiceTest, AFailedChangeLeavesNoAuditEntry) {
  const v1::Product product = create("AUD-3");
  ASSERT_FALSE(update(product.id(), "Stale", 9).isOk());
  common::v1::ListAuditRequest request;
  request.set_resource_id(product.id());
  common::v1::ListAuditResponse response;
  ASSERT_TRUE(stack_->stub->ListProductAudit(ProductsStack::context().get(), request, &response).ok());
  ASSERT_EQ(response.entries_size(), 1);
  EXPECT_EQ(response.entries(0).action(), "create");
}

TEST_F(ProductsServiceTest, ReadsAreCachedAndAnUpdateIsVisibleAtOnce) {
  const v1::Product product = create("CACHE-1");
  const std::string key = RedisProductCache::keyFor(product.id());
  ASSERT_TRUE(stack_->get(product.id()).isOk());
  auto cached = stack_->redis->get(key);
  ASSERT_TRUE(cached.isOk()) << cached.status().toString();
  ASSERT_TRUE(cached->has_value()) << "the first read fills the cache";
  v1::Product entry;
  ASSERT_TRUE(entry.ParseFromString(**cached));
  EXPECT_EQ(entry.name(), "Product CACHE-1");

  ASSERT_TRUE(update(product.id(), "Fresh name", 0).isOk());
  EXPECT_FALSE(stack_->redis->get(key)->has_value()) << "the update dropped the cached copy";
  auto read = stack_->get(product.id());
  ASSERT_TRUE(read.isOk());
  EXPECT_EQ(read->name(), "Fresh name");
  EXPECT_EQ(read->version(), 2);
}

TEST_F(ProductsServiceTest, AStaleCachedCopyIsServedUntilAWriteDropsIt) {
  // Proves reads really come from Redis: a copy planted there wins over the database until invalidated.
  const v1::Product product = create("CACHE-2", 5);
  v1::Product planted = product;
  planted.set_name("Planted in the cache");
  ASSERT_TRUE(
      stack_->redis->set(RedisProductCache::keyFor(product.id()), planted.SerializeAsString(), std::chrono::seconds(60))
          .isOk());
  EXPECT_EQ(stack_->get(product.id())->name(), "Planted in the cache");
  ASSERT_TRUE(restock(product.id(), 1).isOk());
  auto read = stack_->get(product.id());
  EXPECT_EQ(read->name(), "Product CACHE-2");
  EXPECT_EQ(read->stock().on_hand(), 6);
}

TEST_F(ProductsServiceTest, AMemoryCopyIsServedWithoutRedisUntilThisProcessWritesIt) {
  const v1::Product product = create("MEMORY-1", 5);
  ASSERT_TRUE(stack_->get(product.id()).isOk());
  ASSERT_NE(stack_->cache->peek(product.id()), nullptr) << "the first read keeps a copy in memory";
  // A copy planted in Redis is not what GetProduct answers while memory holds one.
  v1::Product planted = product;
  planted.set_name("Planted in Redis");
  ASSERT_TRUE(
      stack_->redis->set(RedisProductCache::keyFor(product.id()), planted.SerializeAsString(), std::chrono::seconds(60))
          .isOk());
  EXPECT_EQ(stack_->get(product.id())->name(), "Product MEMORY-1");

  ASSERT_TRUE(update(product.id(), "Renamed", 1).isOk());
  EXPECT_EQ(stack_->cache->peek(product.id()), nullptr);
  EXPECT_EQ(stack_->get(product.id())->name(), "Renamed") << "an update is visible at once in both tiers";
  ASSERT_TRUE(stack_->reserve("memory-saga", {{product.id(), 2}}).isOk());
  EXPECT_EQ(stack_->get(product.id())->stock().available(), 3) << "a reservation drops the copy too";
  ASSERT_TRUE(restock(product.id(), 4).isOk());
  EXPECT_EQ(stack_->get(product.id())->stock().on_hand(), 9);
}

TEST_F(ProductsServiceTest, AnotherReplicasWriteIsSeenOnceTheMemoryTtlHasPassed) {
  // Two replicas on one database and one Redis; replica A's memory tier runs on a clock the test moves.
  auto now = std::make_shared<std::atomic<int64_t>>(0);
  const auto clock = [now] { return std::chrono::steady_clock::time_point(std::chrono::milliseconds(now->load())); };
  const std::string database = stack_->pool->options().connectionString;
  auto replicaA = std::make_unique<ProductsStack>(database, fleetdeck::testing::redisUrl(3),
                                                  MemoryProductCacheOptions{.ttl = std::chrono::seconds(2)}, clock);
  const v1::Product product = create("REPLICA-1", 5);
  ASSERT_EQ(replicaA->get(product.id())->name(), "Product REPLICA-1");

  ASSERT_TRUE(update(product.id(), "Renamed on B", 1).isOk());
  EXPECT_EQ(replicaA->get(product.id())->name(), "Product REPLICA-1")
      << "replica A keeps its copy until its memory ttl passes (the documented bound)";
  now->store(1999);
  EXPECT_EQ(replicaA->get(product.id())->name(), "Product REPLICA-1");
  now->store(2000);
  EXPECT_EQ(replicaA->get(product.id())->name(), "Renamed on B") << "a copy never outlives its ttl";
  // BatchGetProducts (the saga's prices) reads the shared tier, never replica A's memory.
  ASSERT_TRUE(update(product.id(), "Renamed again on B", 2).isOk());
  ASSERT_NE(replicaA->cache->peek(product.id()), nullptr);
  v1::BatchGetProductsRequest request;
  request.add_ids(product.id());
  v1::BatchGetProductsResponse response;
  ASSERT_TRUE(replicaA->stub->BatchGetProducts(ProductsStack::context().get(), request, &response).ok());
  ASSERT_EQ(response.products_size(), 1);
  EXPECT_EQ(response.products(0).name(), "Renamed again on B");
}

TEST_F(ProductsServiceTest, BatchGetMixesCachedAndStoredProductsInRequestOrder) {
  const v1::Product a = create("BATCH-A");
  const v1::Product b = create("BATCH-B");
  ASSERT_TRUE(stack_->get(b.id()).isOk());  // b is now cached
  v1::BatchGetProductsRequest request;
  request.add_ids(b.id());
  request.add_ids(kUnknownId);
  request.add_ids(a.id());
  v1::BatchGetProductsResponse response;
  ASSERT_TRUE(stack_->stub->BatchGetProducts(ProductsStack::context().get(), request, &response).ok());
  ASSERT_EQ(response.products_size(), 2);
  EXPECT_EQ(response.products(0).sku(), "BATCH-B");
  EXPECT_EQ(response.products(1).sku(), "BATCH-A");
  ASSERT_EQ(response.missing_ids_size(), 1);
  EXPECT_EQ(response.missing_ids(0), kUnknownId);
  EXPECT_TRUE(stack_->redis->get(RedisProductCache::keyFor(a.id()))->has_value());
}

TEST_F(ProductsServiceTest, KeepsAnsweringFromPostgresWhenRedisIsUnreachable) {
  // Nothing listens on this port: every cache call fails, the service must not.
  const std::string closedPort = "redis://127.0.0.1:" + std::to_string(fleetdeck::testing::freePort()) + "/0";
  auto degraded = std::make_unique<ProductsStack>(stack_->pool->options().connectionString, closedPort);
  auto created = degraded->create("NOCACHE-1", 3);
  ASSERT_TRUE(created.isOk()) << created.status().toString();
  for (int i = 0; i < 3; ++i) {
    auto read = degraded->get(created->id());
    ASSERT_TRUE(read.isOk()) << read.status().toString();
    EXPECT_EQ(read->sku(), "NOCACHE-1");
  }
  auto reserved = degraded->reserve("nocache-saga", {{created->id(), 2}});
  ASSERT_TRUE(reserved.isOk()) << reserved.status().toString();
  EXPECT_EQ(degraded->get(created->id())->stock().available(), 1);
  const Status ping = degraded->redis->ping();
  EXPECT_EQ(ping.code(), StatusCode::kUnavailable) << "readiness reports the cache as down";
}

}  // namespace
}  // namespace fleetdeck::products
