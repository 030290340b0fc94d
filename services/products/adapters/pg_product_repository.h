// ProductRepository on PostgreSQL (libpqxx): the catalog, restocks and the audit trail.
#pragma once

#include "fleetdeck/db/connection_pool.h"
#include "ports/product_repository.h"

namespace fleetdeck::products {

class PgProductRepository final : public ProductRepository {
 public:
  explicit PgProductRepository(db::ConnectionPool& pool) : pool_(pool) {}

  Result<Product> insert(const Product& product, const CreateKey& key, const ChangeContext& context) override;
  Result<std::optional<std::pair<Product, std::string>>> findCreatedWith(const std::string& idempotencyKey) override;
  Result<Product> findById(const std::string& id) override;
  Result<std::vector<Product>> findByIds(const std::vector<std::string>& ids) override;
  Result<ProductPage> list(const ProductQuery& query) override;
  Result<Product> update(const std::string& id, const ProductChanges& changes, int64_t expectedVersion,
                         const ChangeContext& context) override;
  Result<Product> deactivate(const std::string& id, const ChangeContext& context) override;
  Result<Product> restock(const std::string& id, int64_t quantity, const std::string& idempotencyKey,
                          const ChangeContext& context) override;
  Result<AuditPage> listAudit(const AuditQuery& query) override;

 private:
  db::ConnectionPool& pool_;
};

// Shared with the reservation repository: the columns a Product is read from, with a table alias
// prefix ("p."), and the row -> Product conversion (reading them from column `first` on).
std::string productColumns(const std::string& prefix = {});
Product productFromRow(const pqxx::row& row, int first = 0);
// '{id1,id2}': a uuid[] parameter. Only for ids already checked to be UUIDs.
std::string uuidArray(const std::vector<std::string>& ids);

}  // namespace fleetdeck::products
