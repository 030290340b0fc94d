#include "domain/product_catalog.h"

#include <gtest/gtest.h>

#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/ids.h"
#include "products/fake_product_repository.h"

namespace fleetdeck::products {
namespace {

constexpr const char* kUnknownId = "01a213e1-22c5-7335-a7e4-2b51dae6d000";

class ProductCatalogTest : public ::testing::Test {
 protected:
  testing::FakeProductRepository repository_;
  testing::FakeProductCache cache_;
  ProductCatalog catalog_{repository_, cache_};
  ChangeContext admin_{"admin-1", "4bf92f3577b34da6a3ce929d0e0e4736"};

  Product create(const std::string& sku, int64_t stock = 5) {
    auto product = catalog_.create({sku, "Product " + sku, "", Money{"EUR", 1999}, stock}, admin_);
    EXPECT_TRUE(product.isOk()) << product.status().toString();
    return product.isOk() ? *product : Product{};
  }
};

TEST_F(ProductCatalogTest, CreateAssignsAnIdNormalisesAndRecordsWhoDidIt) {
  auto product = catalog_.create({"kb-1", " Keyboard ", "", Money{"eur", 4999}, 3}, admin_);
  ASSERT_TRUE(product.isOk()) << product.status().toString();
  EXPECT_TRUE(isUuid(product->id));
  EXPECT_EQ(product->sku, "KB-1");
  EXPECT_EQ(product->name, "Keyboard");
  EXPECT_EQ(product->price, (Money{"EUR", 4999}));
  EXPECT_EQ(product->available(), 3);
  EXPECT_TRUE(product->active);
  const auto audit = repository_.auditEntries();
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "create");
  EXPECT_EQ(audit[0].actor, "admin-1");
  EXPECT_EQ(audit[0].traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST_F(ProductCatalogTest, InvalidProductNeverReachesTheRepository) {
  auto product = catalog_.create({"", "", "", Money{}, -1}, admin_);
  ASSERT_FALSE(product.isOk());
  EXPECT_EQ(product.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(repository_.auditEntries().empty());
}

TEST_F(ProductCatalogTest, SecondGetIsServedFromTheCache) {
  const Product product = create("A-1");
  ASSERT_TRUE(catalog_.get(product.id).isOk());
  EXPECT_EQ(repository_.findCalls, 1);
  EXPECT_TRUE(cache_.contains(product.id));
  auto again = catalog_.get(product.id);
  ASSERT_TRUE(again.isOk());
  EXPECT_EQ(repository_.findCalls, 1) << "a cache hit must not query the repository";
  EXPECT_EQ(again->id, product.id);
}

TEST_F(ProductCatalogTest, GetAcceptsUpperCaseIdsAndRejectsNonUuids) {
  const Product product = create("A-1");
  std::string upper = product.id;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  EXPECT_TRUE(catalog_.get(upper).isOk());
  auto bad = catalog_.get("1 OR 1=1");
  ASSERT_FALSE(bad.isOk());
  EXPECT_EQ(bad.status().violations().at(0).field, "id");
}

TEST_F(ProductCatalogTest, UnavailableCacheFallsBackToTheRepository) {
  cache_.available = false;
  const Product product = create("A-1");
  ASSERT_TRUE(catalog_.get(product.id).isOk());
  ASSERT_TRUE(catalog_.get(product.id).isOk());
  EXPECT_EQ(repository_.findCalls, 2);
}

TEST_F(ProductCatalogTest, EveryWriteInvalidatesTheCachedCopy) {
  const Product product = create("A-1");
  auto read = [&] { ASSERT_TRUE(catalog_.get(product.id).isOk()); };

  read();
  ProductChanges changes;
  changes.name = "Renamed";
  ASSERT_TRUE(catalog_.update(product.id, changes, 0, admin_).isOk());
  EXPECT_FALSE(cache_.contains(product.id));
  auto fresh = catalog_.get(product.id);
  EXPECT_EQ(fresh->name, "Renamed");

  ASSERT_TRUE(catalog_.restock(product.id, 3, "", admin_).isOk());
  EXPECT_FALSE(cache_.contains(product.id));
  EXPECT_EQ(catalog_.get(product.id)->onHand, 8);

  ASSERT_TRUE(catalog_.remove(product.id, admin_).isOk());
  EXPECT_FALSE(cache_.contains(product.id));
  EXPECT_FALSE(catalog_.get(product.id)->active);
}

// A stale-version refusal may come from a stale cached copy the client read (kept, every reload would
// show that version again and every retry be refused until the TTL); a write whose answer was lost
// may have been made. Either way the copy goes.
TEST_F(ProductCatalogTest, AFailedWriteDropsTheCachedCopyToo) {
  const Product product = create("A-1");
  ASSERT_TRUE(catalog_.get(product.id).isOk());
  ASSERT_TRUE(cache_.contains(product.id));
  ProductChanges changes;
  changes.name = "Renamed";
  auto stale = catalog_.update(product.id, changes, 7, admin_);
  ASSERT_FALSE(stale.isOk());
  EXPECT_EQ(stale.status().code(), StatusCode::kAborted);
  EXPECT_EQ(cache_.invalidated, (std::vector<std::string>{product.id}));
  EXPECT_FALSE(cache_.contains(product.id));
}

TEST_F(ProductCatalogTest, BatchGetKeepsRequestOrderAndListsMissingIds) {
  const Product a = create("A-1");
  const Product b = create("B-1");
  ASSERT_TRUE(catalog_.get(b.id).isOk());  // b cached, a not
  auto batch = catalog_.batchGet({b.id, kUnknownId, a.id});
  ASSERT_TRUE(batch.isOk()) << batch.status().toString();
  ASSERT_EQ(batch->products.size(), 2u);
  EXPECT_EQ(batch->products[0].id, b.id);
  EXPECT_EQ(batch->products[1].id, a.id);
  EXPECT_EQ(batch->missingIds, std::vector<std::string>{kUnknownId});
  EXPECT_EQ(repository_.lastFindByIds, (std::vector<std::string>{kUnknownId, a.id}))
      << "only ids the cache did not have are loaded";
  EXPECT_TRUE(cache_.contains(a.id)) << "loaded products are cached";
}

TEST_F(ProductCatalogTest, BatchGetNamesEachBadIdByIndex) {
  auto batch = catalog_.batchGet({kUnknownId, "nope"});
  ASSERT_FALSE(batch.isOk());
  EXPECT_EQ(batch.status().violations().at(0).field, "ids[1]");
  EXPECT_FALSE(catalog_.batchGet(std::vector<std::string>(201, kUnknownId)).isOk());
}

TEST_F(ProductCatalogTest, ListClampsPageSizeAndPagesWithOpaqueTokens) {
  for (int i = 0; i < 5; ++i) create("P-" + std::to_string(i));
  auto first = catalog_.list({.pageSize = 2});
  ASSERT_TRUE(first.isOk());
  ASSERT_EQ(first->products.size(), 2u);
  ASSERT_FALSE(first->nextPageToken.empty());
  EXPECT_EQ(first->nextPageToken.find(first->products.back().id), std::string::npos) << "token must be opaque";
  auto second = catalog_.list({.pageSize = 2, .pageToken = first->nextPageToken});
  ASSERT_TRUE(second.isOk());
  EXPECT_GT(second->products.front().id, first->products.back().id);

  ASSERT_TRUE(catalog_.list({.pageSize = 1'000'000}).isOk());
  EXPECT_EQ(repository_.lastQuery.pageSize, ProductCatalog::kMaxPageSize);
  ASSERT_TRUE(catalog_.list({}).isOk());
  EXPECT_EQ(repository_.lastQuery.pageSize, ProductCatalog::kDefaultPageSize);
  EXPECT_FALSE(repository_.lastQuery.includeInactive);
}

TEST_F(ProductCatalogTest, ListRefusesForgedTokensNegativeSizesAndLongQueries) {
  auto forged = catalog_.list({.pageToken = base64UrlEncode("u1:" + std::string(kUnknownId))});
  ASSERT_FALSE(forged.isOk());
  EXPECT_EQ(forged.status().violations().at(0).field, "pageToken");
  EXPECT_EQ(catalog_.list({.pageSize = -1}).status().violations().at(0).field, "pageSize");
  EXPECT_EQ(catalog_.list({.query = std::string(101, 'q')}).status().violations().at(0).field, "query");
}

TEST_F(ProductCatalogTest, DeletedProductsAreHiddenUnlessAsked) {
  const Product kept = create("KEEP");
  const Product gone = create("GONE");
  ASSERT_TRUE(catalog_.remove(gone.id, admin_).isOk());
  auto visible = catalog_.list({});
  ASSERT_EQ(visible->products.size(), 1u);
  EXPECT_EQ(visible->products[0].id, kept.id);
  EXPECT_EQ(catalog_.list({.includeInactive = true})->products.size(), 2u);
}

TEST_F(ProductCatalogTest, RestockValidatesQuantityAndKeyTogether) {
  const Product product = create("A-1");
  auto bad = catalog_.restock(product.id, 0, std::string(200, 'k'), admin_);
  ASSERT_FALSE(bad.isOk());
  ASSERT_EQ(bad.status().violations().size(), 2u);
  EXPECT_EQ(bad.status().violations()[0].field, "quantity");
  EXPECT_EQ(bad.status().violations()[1].field, "idempotencyKey");
}

TEST_F(ProductCatalogTest, RestockWithAKeyAddsOnce) {
  const Product product = create("A-1", 5);
  auto first = catalog_.restock(product.id, 10, "key-1", admin_);
  auto again = catalog_.restock(product.id, 10, "key-1", admin_);
  ASSERT_TRUE(first.isOk());
  ASSERT_TRUE(again.isOk());
  EXPECT_EQ(again->onHand, 15);
  EXPECT_EQ(repository_.stored(product.id).onHand, 15);
}

TEST_F(ProductCatalogTest, UpdateRejectsANegativeExpectedVersion) {
  const Product product = create("A-1");
  ProductChanges changes;
  changes.description = "new";
  auto result = catalog_.update(product.id, changes, -1, admin_);
  ASSERT_FALSE(result.isOk());
  EXPECT_EQ(result.status().violations().at(0).field, "expectedVersion");
}

TEST_F(ProductCatalogTest, AuditListingValidatesFiltersAndClampsThePageSize) {
  const Product product = create("A-1");
  EXPECT_EQ(catalog_.listAudit({.resourceId = "x"}).status().violations().at(0).field, "resourceId");
  auto page = catalog_.listAudit({.resourceId = product.id, .pageSize = 5000});
  ASSERT_TRUE(page.isOk());
  EXPECT_EQ(repository_.lastAuditQuery.pageSize, ProductCatalog::kMaxPageSize);
  ASSERT_EQ(page->entries.size(), 1u);
  EXPECT_EQ(page->entries[0].action, "create");
}

}  // namespace
}  // namespace fleetdeck::products
