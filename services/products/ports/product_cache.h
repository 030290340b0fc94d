// A read-through cache of products (Redis in production). Best effort by contract: every method
// swallows cache trouble, so callers fall back to the repository and never fail because of it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "domain/product.h"

namespace fleetdeck::products {

class ProductCache {
 public:
  virtual ~ProductCache() = default;
  // What this process holds in memory, without any I/O or wait, so a thread that must never block
  // (a gRPC reactor's) may ask; null when not held, and the caller takes the blocking path.
  virtual std::shared_ptr<const Product> peek(const std::string&) { return nullptr; }
  // nullopt on a miss or when the cache cannot answer.
  virtual std::optional<Product> get(const std::string& id) = 0;
  // In the order of `ids`.
  virtual std::vector<std::optional<Product>> getMany(const std::vector<std::string>& ids) = 0;
  virtual void put(const Product& product) = 0;
  // Called after every committed write to these products.
  virtual void invalidate(const std::vector<std::string>& ids) = 0;

  // A mark taken before a product is read from the repository, for putRead(): a write committed and
  // invalidated between the read and the put would otherwise have its old row put back (a price
  // read before an update, served for the cache's whole TTL). 0 where nothing is tracked.
  virtual uint64_t markBeforeRead() { return 0; }
  // put(), unless the product was invalidated in this process since `mark` was taken.
  virtual void putRead(const Product& product, uint64_t /*mark*/) { put(product); }
};

// No cache configured: every read goes to the repository.
class NoProductCache final : public ProductCache {
 public:
  std::optional<Product> get(const std::string&) override { return std::nullopt; }
  std::vector<std::optional<Product>> getMany(const std::vector<std::string>& ids) override {
    return std::vector<std::optional<Product>>(ids.size());
  }
  void put(const Product&) override {}
  void invalidate(const std::vector<std::string>&) override {}
};

}  // namespace fleetdeck::products
