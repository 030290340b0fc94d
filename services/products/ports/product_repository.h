// Where the catalog, its stock and its audit trail are stored; the PostgreSQL adapter implements it,
// unit tests fake it. Every admin change writes its audit entry in the same transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "domain/product.h"
#include "fleetdeck/core/status.h"

namespace fleetdeck::products {

// A create's idempotency key (empty: none) and what the create asked, as one comparable text.
struct CreateKey {
  std::string idempotencyKey;
  std::string request;
};

struct ProductQuery {
  std::string text;  // case-insensitive substring of sku, name or description
  bool includeInactive = false;
  int pageSize = 50;
  std::string afterId;  // keyset cursor: return products with id > afterId
};

struct ProductPage {
  std::vector<Product> products;
  bool hasMore = false;
};

// One recorded admin change, as the audit API shows it.
struct AuditEntry {
  std::string id;
  std::string resource;
  std::string resourceId;
  std::string action;
  std::string actor;
  std::string traceId;
  std::string beforeJson;
  std::string afterJson;
  int64_t occurredAtMicros = 0;
};

struct AuditQuery {
  std::string resourceId;
  std::string actor;
  int pageSize = 50;
  std::string pageToken;
};

struct AuditPage {
  std::vector<AuditEntry> entries;  // newest first
  std::string nextPageToken;
};

class ProductRepository {
 public:
  virtual ~ProductRepository() = default;
  // ALREADY_EXISTS naming "sku" when the sku is taken (case-insensitively). With a key, the key and
  // `request` (what was asked, to tell a repeat from a reuse) are recorded in the same transaction;
  // a key taken meanwhile is ALREADY_EXISTS too.
  virtual Result<Product> insert(const Product& product, const CreateKey& key, const ChangeContext& context) = 0;
  // The product a create with this key made, and what that create asked; nullopt when none did.
  virtual Result<std::optional<std::pair<Product, std::string>>> findCreatedWith(const std::string& idempotencyKey) = 0;
  virtual Result<Product> findById(const std::string& id) = 0;
  // The products that exist among `ids`, in any order.
  virtual Result<std::vector<Product>> findByIds(const std::vector<std::string>& ids) = 0;
  virtual Result<ProductPage> list(const ProductQuery& query) = 0;
  // Applies the changes and bumps the version. NOT_FOUND for an unknown id; ABORTED when
  // expectedVersion is non-zero and differs from the stored version.
  virtual Result<Product> update(const std::string& id, const ProductChanges& changes, int64_t expectedVersion,
                                 const ChangeContext& context) = 0;
  // Marks the product inactive; an inactive one is returned as is.
  virtual Result<Product> deactivate(const std::string& id, const ChangeContext& context) = 0;
  // Adds to on_hand. With an idempotency key, a repeat returns the product as the first call left it
  // and adds nothing; the same key with a different product or quantity is INVALID_ARGUMENT.
  virtual Result<Product> restock(const std::string& id, int64_t quantity, const std::string& idempotencyKey,
                                  const ChangeContext& context) = 0;
  // INVALID_ARGUMENT naming "pageToken" for a token it did not issue.
  virtual Result<AuditPage> listAudit(const AuditQuery& query) = 0;
};

}  // namespace fleetdeck::products
