// In-memory ProductRepository, ReservationRepository and ProductCache for unit tests of the products domain.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>

#include "ports/product_cache.h"
#include "ports/product_repository.h"
#include "ports/reservation_repository.h"

namespace fleetdeck::products::testing {

class FakeProductRepository final : public ProductRepository {
 public:
  Result<Product> insert(const Product& product, const CreateKey& key, const ChangeContext& context) override {
    std::lock_guard lock(mutex_);
    for (const auto& [id, existing] : products_) {
      if (existing.sku == product.sku) return alreadyExists("taken", {{"sku", "is already taken"}});
    }
    if (!key.idempotencyKey.empty() && createKeys_.contains(key.idempotencyKey)) {
      return alreadyExists("key taken", {{"idempotencyKey", "is already taken"}});
    }
    Product stored = product;
    stored.version = 1;
    products_[product.id] = stored;
    if (!key.idempotencyKey.empty()) createKeys_[key.idempotencyKey] = {product.id, key.request};
    audit_.push_back({"", "products", product.id, "create", context.actor, context.traceId, "", stored.name, 0});
    return stored;
  }
  Result<std::optional<std::pair<Product, std::string>>> findCreatedWith(const std::string& idempotencyKey) override {
    std::lock_guard lock(mutex_);
    auto found = createKeys_.find(idempotencyKey);
    if (found == createKeys_.end()) return std::optional<std::pair<Product, std::string>>();
    return std::optional<std::pair<Product, std::string>>(std::make_pair(products_.at(found->second.first),
                                                                         found->second.second));
  }
  Result<Product> findById(const std::string& id) override {
    std::lock_guard lock(mutex_);
    ++findCalls;
    auto found = products_.find(id);
    if (found == products_.end()) return notFound("product " + id + " does not exist");
    return found->second;
  }
  Result<std::vector<Product>> findByIds(const std::vector<std::string>& ids) override {
    std::lock_guard lock(mutex_);
    lastFindByIds = ids;
    std::vector<Product> found;
    for (const auto& id : ids) {
      if (auto product = products_.find(id); product != products_.end()) found.push_back(product->second);
    }
    return found;
  }
  Result<ProductPage> list(const ProductQuery& query) override {
    std::lock_guard lock(mutex_);
    lastQuery = query;
    ProductPage page;
    for (const auto& [id, product] : products_) {
      if (!query.afterId.empty() && id <= query.afterId) continue;
      if (!query.includeInactive && !product.active) continue;
      if (static_cast<int>(page.products.size()) == query.pageSize) {
        page.hasMore = true;
        break;
      }
      page.products.push_back(product);
    }
    return page;
  }
  Result<Product> update(const std::string& id, const ProductChanges& changes, int64_t expectedVersion,
                         const ChangeContext& context) override {
    std::lock_guard lock(mutex_);
    auto found = products_.find(id);
    if (found == products_.end()) return notFound("product " + id + " does not exist");
    if (expectedVersion != 0 && expectedVersion != found->second.version) return aborted("stale");
    Product& product = found->second;
    const std::string before = product.name;
    if (changes.name) product.name = *changes.name;
    if (changes.description) product.description = *changes.description;
    if (changes.price) product.price = *changes.price;
    ++product.version;
    audit_.push_back({"", "products", id, "update", context.actor, context.traceId, before, product.name, 0});
    return product;
  }
  Result<Product> deactivate(const std::string& id, const ChangeContext& context) override {
    std::lock_guard lock(mutex_);
    auto found = products_.find(id);
    if (found == products_.end()) return notFound("product " + id + " does not exist");
    if (!found->second.active) return found->second;
    found->second.active = false;
    ++found->second.version;
    audit_.push_back({"", "products", id, "delete", context.actor, context.traceId, "", "", 0});
    return found->second;
  }
  Result<Product> restock(const std::string& id, int64_t quantity, const std::string& idempotencyKey,
                          const ChangeContext& context) override {
    std::lock_guard lock(mutex_);
    auto found = products_.find(id);
    if (found == products_.end()) return notFound("product " + id + " does not exist");
    if (!idempotencyKey.empty()) {
      if (auto seen = restocks_.find(idempotencyKey); seen != restocks_.end()) return seen->second;
    }
    found->second.onHand += quantity;
    ++found->second.version;
    if (!idempotencyKey.empty()) restocks_[idempotencyKey] = found->second;
    audit_.push_back({"", "products", id, "restock", context.actor, context.traceId, "", "", 0});
    return found->second;
  }
  Result<AuditPage> listAudit(const AuditQuery& query) override {
    std::lock_guard lock(mutex_);
    lastAuditQuery = query;
    AuditPage page;
    for (auto entry = audit_.rbegin(); entry != audit_.rend(); ++entry) {
      if (!query.resourceId.empty() && entry->resourceId != query.resourceId) continue;
      page.entries.push_back(*entry);
    }
    return page;
  }

  // Test access to what is stored, bypassing the port.
  Product& stored(const std::string& id) {
    std::lock_guard lock(mutex_);
    return products_.at(id);
  }
  std::vector<AuditEntry> auditEntries() {
    std::lock_guard lock(mutex_);
    return audit_;
  }

  ProductQuery lastQuery;
  AuditQuery lastAuditQuery;
  std::vector<std::string> lastFindByIds;
  int findCalls = 0;

 private:
  std::mutex mutex_;
  std::map<std::string, Product> products_;
  std::map<std::string, Product> restocks_;
  std::map<std::string, std::pair<std::string, std::string>> createKeys_;  // key -> product id, request
  std::vector<AuditEntry> audit_;
};

// Records what the domain asks of the reservation store and answers with canned results.
class FakeReservationRepository final : public ReservationRepository {
 public:
  Result<Reservation> reserve(const std::string& key, const std::vector<StockLine>& lines) override {
    ++reserveCalls;
    lastLines = lines;
    Reservation reservation{key, std::string(kStateReserved), {}};
    for (const auto& line : lines) {
      reservation.lines.push_back({line.productId, "SKU", "name", line.quantity, Money{"EUR", 100}});
    }
    return reservation;
  }
  Result<Reservation> release(const std::string& key) override {
    return Reservation{key, std::string(kStateReleased), {{"p-released", "SKU", "name", 1, Money{"EUR", 100}}}};
  }
  Result<Reservation> commit(const std::string& key) override {
    return failedPrecondition("reservation " + key + " was released");
  }

  int reserveCalls = 0;
  std::vector<StockLine> lastLines;
};

// A map instead of Redis; `available = false` makes it behave like a cache that is down.
class FakeProductCache final : public ProductCache {
 public:
  std::optional<Product> get(const std::string& id) override {
    std::lock_guard lock(mutex_);
    if (!available) return std::nullopt;
    auto found = entries_.find(id);
    if (found == entries_.end()) return std::nullopt;
    ++hits;
    return found->second;
  }
  std::vector<std::optional<Product>> getMany(const std::vector<std::string>& ids) override {
    std::vector<std::optional<Product>> result;
    for (const auto& id : ids) result.push_back(get(id));
    return result;
  }
  void put(const Product& product) override {
    std::lock_guard lock(mutex_);
    if (available) entries_[product.id] = product;
  }
  void putRead(const Product& product, const ReadMark& mark) override {
    if (beforePutRead) beforePutRead();
    ProductCache::putRead(product, mark);
  }
  void invalidate(const std::vector<std::string>& ids) override {
    std::lock_guard lock(mutex_);
    invalidated.insert(invalidated.end(), ids.begin(), ids.end());
    if (!available) return;
    for (const auto& id : ids) entries_.erase(id);
  }
  bool contains(const std::string& id) {
    std::lock_guard lock(mutex_);
    return entries_.contains(id);
  }

  bool available = true;
  int hits = 0;
  // Runs as a read's put reaches this tier: where a concurrent write's invalidation can land.
  std::function<void()> beforePutRead;
  std::vector<std::string> invalidated;

 private:
  std::mutex mutex_;
  std::map<std::string, Product> entries_;
};

}  // namespace fleetdeck::products::testing
