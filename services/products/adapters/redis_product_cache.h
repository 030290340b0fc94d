// ProductCache on Redis: key products:v1:<id>, value the serialized v1.Product, with a TTL.
//
// Cache-aside's window (a read loads a product, a write commits and invalidates, the read stores the
// old copy) is closed across replicas by the key's generation (RedisCache::generationKey): every
// invalidation moves it on, a lookup reads it with the entry, and putRead() stores only while it
// has not moved. put() stores unconditionally.
#pragma once

#include <chrono>

#include "fleetdeck/cache/redis_cache.h"
#include "ports/product_cache.h"

namespace fleetdeck::products {

class RedisProductCache final : public ProductCache {
 public:
  RedisProductCache(cache::RedisCache& redis, std::chrono::seconds ttl) : redis_(redis), ttl_(ttl) {}

  std::optional<Product> get(const std::string& id) override;
  std::vector<std::optional<Product>> getMany(const std::vector<std::string>& ids) override;
  void put(const Product& product) override;
  void invalidate(const std::vector<std::string>& ids) override;
  CacheLookup lookup(const std::string& id) override;
  std::vector<CacheLookup> lookupMany(const std::vector<std::string>& ids) override;
  void putRead(const Product& product, const ReadMark& mark) override;

  static std::string keyFor(const std::string& id) { return "products:v1:" + id; }

 private:
  cache::RedisCache& redis_;
  std::chrono::seconds ttl_;
};

}  // namespace fleetdeck::products
