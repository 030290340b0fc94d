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

// What the cache had seen of a product when a read missed it, handed back to putRead() with the
// row the caller then read from the repository: a write committed and invalidated in between would
// otherwise have its old row put back (a price read before an update, served for the cache's whole
// TTL, and orders priced from it cancelled as price_changed). Opaque to callers.
struct ReadMark {
  // This process's invalidations so far (MemoryProductCache).
  uint64_t invalidations = 0;
  // The shared tier's generation of the product (RedisProductCache), which every replica's
  // invalidation moves on; empty when it could not tell.
  std::string generation;
};

// A read that goes on to the repository when it misses: the cached product, or the mark for putRead().
struct CacheLookup {
  std::optional<Product> product;
  ReadMark mark;
};

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

  // get() and getMany() for a caller that reads the repository on a miss and then calls putRead();
  // the mark is taken in the same round trip as the lookup. Where nothing is tracked, an empty mark.
  virtual CacheLookup lookup(const std::string& id) { return {get(id), {}}; }
  virtual std::vector<CacheLookup> lookupMany(const std::vector<std::string>& ids) {
    std::vector<CacheLookup> lookups;
    for (auto& product : getMany(ids)) lookups.push_back({std::move(product), {}});
    return lookups;
  }
  // put(), unless the product was invalidated (here, or by any replica where the tier is shared)
  // after its lookup took `mark`.
  virtual void putRead(const Product& product, const ReadMark& /*mark*/) { put(product); }
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
