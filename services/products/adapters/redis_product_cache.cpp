#include "adapters/redis_product_cache.h"

#include "adapters/product_proto.h"
#include "fleetdeck/core/log.h"

namespace fleetdeck::products {
namespace {

// Errors were counted and logged by RedisCache; here a failed or unreadable entry is just a miss.
std::optional<Product> decode(const std::string& id, const std::optional<std::string>& bytes) {
  if (!bytes) return std::nullopt;
  v1::Product message;
  if (!message.ParseFromString(*bytes) || message.id() != id) {
    log::warn("ignoring an unreadable cache entry", {{"productId", id}});
    return std::nullopt;
  }
  return fromProto(message);
}

}  // namespace

std::optional<Product> RedisProductCache::get(const std::string& id) {
  auto cached = redis_.get(keyFor(id));
  if (!cached) return std::nullopt;
  return decode(id, *cached);
}

std::vector<std::optional<Product>> RedisProductCache::getMany(const std::vector<std::string>& ids) {
  std::vector<std::optional<Product>> products(ids.size());
  std::vector<std::string> keys;
  keys.reserve(ids.size());
  for (const auto& id : ids) keys.push_back(keyFor(id));
  auto cached = redis_.getMany(keys);
  if (!cached) return products;
  for (size_t i = 0; i < ids.size() && i < cached->size(); ++i) products[i] = decode(ids[i], (*cached)[i]);
  return products;
}

CacheLookup RedisProductCache::lookup(const std::string& id) {
  auto found = lookupMany({id});
  return std::move(found.front());
}

std::vector<CacheLookup> RedisProductCache::lookupMany(const std::vector<std::string>& ids) {
  // Unanswered, the marks stay empty and putRead() stores nothing: the next read fills the entry.
  std::vector<CacheLookup> lookups(ids.size());
  std::vector<std::string> keys;
  keys.reserve(ids.size());
  for (const auto& id : ids) keys.push_back(keyFor(id));
  auto cached = redis_.getWithGenerations(keys);
  if (!cached) return lookups;
  for (size_t i = 0; i < ids.size() && i < cached->size(); ++i) {
    lookups[i].product = decode(ids[i], (*cached)[i].value);
    lookups[i].mark.generation = std::move((*cached)[i].generation);
  }
  return lookups;
}

void RedisProductCache::put(const Product& product) {
  v1::Product message;
  toProto(product, message);
  // Best effort: the next read loads from the database again.
  if (Status stored = redis_.set(keyFor(product.id), message.SerializeAsString(), ttl_); !stored.isOk()) {
    log::debug("product not cached", {{"productId", product.id}, {"error", stored.message()}});
  }
}

void RedisProductCache::putRead(const Product& product, const ReadMark& mark) {
  if (mark.generation.empty()) return;
  v1::Product message;
  toProto(product, message);
  auto stored = redis_.setIfGeneration(keyFor(product.id), message.SerializeAsString(), ttl_, mark.generation);
  if (!stored) {
    log::debug("product not cached", {{"productId", product.id}, {"error", stored.status().message()}});
  } else if (!*stored) {
    log::debug("product not cached: invalidated since it was read", {{"productId", product.id}});
  }
}

void RedisProductCache::invalidate(const std::vector<std::string>& ids) {
  std::vector<std::string> keys;
  keys.reserve(ids.size());
  for (const auto& id : ids) keys.push_back(keyFor(id));
  // Deletes the entries and moves their generations on, so reads that missed before this cannot store
  // what they read. A failure is counted, remembered and retried by RedisCache as soon as Redis is back.
  if (Status removed = redis_.remove(keys); !removed.isOk()) {
    log::debug("cache invalidation deferred",
               {{"products", static_cast<uint64_t>(ids.size())}, {"error", removed.message()}});
  }
}

}  // namespace fleetdeck::products
