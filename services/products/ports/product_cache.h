// A read-through cache of products (Redis in production). Best effort by contract: every method
// swallows cache trouble, so callers fall back to the repository and never fail because of it.
#pragma once

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
