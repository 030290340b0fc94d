// The products service's catalog use cases (create, read, list, update, delete, restock, audit) over
// its ports: validation first, reads through the cache, the cache invalidated after every write.
#pragma once

#include <string>
#include <vector>

#include "domain/product.h"
#include "ports/product_cache.h"
#include "ports/product_repository.h"

namespace fleetdeck::products {

struct ListRequest {
  int pageSize = 0;  // 0: default; clamped to [1, kMaxPageSize]
  std::string pageToken;
  std::string query;
  bool includeInactive = false;
};

struct ListResult {
  std::vector<Product> products;
  std::string nextPageToken;
};

struct BatchResult {
  std::vector<Product> products;  // in the order of the request
  std::vector<std::string> missingIds;
};

class ProductCatalog {
 public:
  static constexpr int kDefaultPageSize = 50;
  static constexpr int kMaxPageSize = 200;
  static constexpr size_t kMaxBatchIds = 200;
  static constexpr size_t kMaxQueryLength = 100;

  ProductCatalog(ProductRepository& repository, ProductCache& cache) : repository_(repository), cache_(cache) {}

  Result<Product> create(NewProduct request, const ChangeContext& context);
  Result<Product> get(const std::string& id);
  // The product if the cache's in-memory tier holds it, without I/O; null otherwise (including for
  // an id that is not one: get() then says why).
  std::shared_ptr<const Product> peek(const std::string& id);
  Result<BatchResult> batchGet(const std::vector<std::string>& ids);
  Result<ListResult> list(const ListRequest& request);
  Result<Product> update(const std::string& id, ProductChanges changes, int64_t expectedVersion,
                         const ChangeContext& context);
  // Marks the product inactive; orders that reference it keep working.
  Result<Product> remove(const std::string& id, const ChangeContext& context);
  Result<Product> restock(const std::string& id, int64_t quantity, const std::string& idempotencyKey,
                          const ChangeContext& context);
  Result<AuditPage> listAudit(const AuditQuery& query);

 private:
  // Drops product `id` from the cache after a write to it, whatever its outcome, and hands the result on.
  Result<Product> invalidated(const std::string& id, Result<Product> written);

  ProductRepository& repository_;
  ProductCache& cache_;
};

}  // namespace fleetdeck::products
