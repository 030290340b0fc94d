// ProductCache on Redis: key products:v1:<id>, value the serialized v1.Product, with a TTL.
//
// Cache-aside has one known window: a read that loaded a product just before a write committed may
// store the old copy just after the write's invalidation. The TTL bounds how long that copy lives.
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

  static std::string keyFor(const std::string& id) { return "products:v1:" + id; }

 private:
  cache::RedisCache& redis_;
  std::chrono::seconds ttl_;
};

}  // namespace fleetdeck::products
