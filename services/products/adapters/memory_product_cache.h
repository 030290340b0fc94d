// ProductCache tier in this process's memory, in front of a shared one (Redis): a GetProduct hit is
// answered from here without I/O, on the gRPC thread that received the call.
//
// Staleness is bounded by `ttl`: this process's own writes drop the entry at once, but a write made
// by another replica (or a reservation there) is not seen here until the entry expires, and neither
// is the old copy a read put back here after crossing a write (cache-aside's window). An entry copied
// from the shared tier is at most `ttl` older than that tier's copy. Batch reads (the order
// saga's prices) skip this tier and read the shared one.
#pragma once

#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "ports/product_cache.h"

namespace fleetdeck::products {

struct MemoryProductCacheOptions {
  // How long an entry may be served without asking the shared tier or the database.
  std::chrono::milliseconds ttl{1000};
  // Entries beyond this evict the least recently read.
  size_t capacity = 10'000;
};

class MemoryProductCache final : public ProductCache {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  MemoryProductCache(ProductCache& shared, MemoryProductCacheOptions options,
                     Clock clock = [] { return std::chrono::steady_clock::now(); });

  std::shared_ptr<const Product> peek(const std::string& id) override;
  // From memory, else from the shared tier (a hit there is kept here).
  std::optional<Product> get(const std::string& id) override;
  // The shared tier only: see the header comment.
  std::vector<std::optional<Product>> getMany(const std::vector<std::string>& ids) override;
  void put(const Product& product) override;
  void invalidate(const std::vector<std::string>& ids) override;
  // As get() and getMany(), with this process's mark added to the shared tier's.
  CacheLookup lookup(const std::string& id) override;
  std::vector<CacheLookup> lookupMany(const std::vector<std::string>& ids) override;
  // Refused here when this process invalidated the product since the mark, else forwarded to the
  // shared tier (which refuses another replica's) and kept here either way: another replica's write
  // is only seen here after `ttl`, as the header comment says.
  void putRead(const Product& product, const ReadMark& mark) override;

  size_t size() const;

 private:
  struct Entry {
    std::shared_ptr<const Product> product;
    std::chrono::steady_clock::time_point expires;
    std::list<std::string>::iterator recency;
  };

  // Keeps a copy; with `seenAt` (the invalidation count when its read began), only if no invalidation
  // of the product came since, checked under the same lock as the insert: a write here between the
  // caller's check and the insert put the old row back for the copy's whole TTL.
  void store(const Product& product, std::optional<uint64_t> seenAt = std::nullopt);
  uint64_t invalidationsSoFar() const;
  // Whether `id` was invalidated after the count `seenAt` was taken (or that is too old to tell).
  // Under mutex_.
  bool invalidatedSince(const std::string& id, uint64_t seenAt) const;

  ProductCache& shared_;
  const MemoryProductCacheOptions options_;
  const Clock clock_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  // Invalidations, numbered: a read's mark is the number of the last one before it. Per product the
  // number of its last invalidation; past kMaxInvalidationsKept entries they are forgotten and every
  // read marked before that point counts as invalidated (refusing a put is always safe).
  uint64_t invalidations_ = 0;
  uint64_t forgottenBefore_ = 0;
  std::unordered_map<std::string, uint64_t> invalidatedAt_;
  // Most recently read first.
  std::list<std::string> recency_;
};

}  // namespace fleetdeck::products
