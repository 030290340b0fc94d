#include "adapters/memory_product_cache.h"

namespace fleetdeck::products {

MemoryProductCache::MemoryProductCache(ProductCache& shared, MemoryProductCacheOptions options, Clock clock)
    : shared_(shared), options_(options), clock_(std::move(clock)) {}

std::shared_ptr<const Product> MemoryProductCache::peek(const std::string& id) {
  const auto now = clock_();
  std::lock_guard lock(mutex_);
  auto found = entries_.find(id);
  if (found == entries_.end()) return nullptr;
  if (found->second.expires <= now) {
    recency_.erase(found->second.recency);
    entries_.erase(found);
    return nullptr;
  }
  recency_.splice(recency_.begin(), recency_, found->second.recency);
  return found->second.product;
}

std::optional<Product> MemoryProductCache::get(const std::string& id) {
  if (auto held = peek(id)) return *held;
  auto loaded = shared_.get(id);
  if (loaded) store(*loaded);
  return loaded;
}

std::vector<std::optional<Product>> MemoryProductCache::getMany(const std::vector<std::string>& ids) {
  return shared_.getMany(ids);
}

void MemoryProductCache::put(const Product& product) {
  shared_.put(product);
  store(product);
}

uint64_t MemoryProductCache::invalidationsSoFar() const {
  std::lock_guard lock(mutex_);
  return invalidations_;
}

CacheLookup MemoryProductCache::lookup(const std::string& id) {
  // Taken before the shared tier is asked: an invalidation while that answer is on its way counts.
  const uint64_t invalidations = invalidationsSoFar();
  if (auto held = peek(id)) return {*held, {invalidations, {}}};
  CacheLookup found = shared_.lookup(id);
  if (found.product) store(*found.product, invalidations);
  found.mark.invalidations = invalidations;
  return found;
}

std::vector<CacheLookup> MemoryProductCache::lookupMany(const std::vector<std::string>& ids) {
  const uint64_t invalidations = invalidationsSoFar();
  auto found = shared_.lookupMany(ids);
  for (auto& entry : found) entry.mark.invalidations = invalidations;
  return found;
}

bool MemoryProductCache::invalidatedSince(const std::string& id, uint64_t seenAt) const {
  const auto found = invalidatedAt_.find(id);
  return seenAt < forgottenBefore_ || (found != invalidatedAt_.end() && found->second > seenAt);
}

void MemoryProductCache::putRead(const Product& product, const ReadMark& mark) {
  {
    std::lock_guard lock(mutex_);
    if (invalidatedSince(product.id, mark.invalidations)) return;
  }
  shared_.putRead(product, mark);
  store(product, mark.invalidations);
}

void MemoryProductCache::invalidate(const std::vector<std::string>& ids) {
  {
    std::lock_guard lock(mutex_);
    constexpr size_t kMaxInvalidationsKept = 100'000;
    if (invalidatedAt_.size() + ids.size() > kMaxInvalidationsKept) {
      invalidatedAt_.clear();
      forgottenBefore_ = invalidations_ + 1;
    }
    ++invalidations_;
    for (const auto& id : ids) invalidatedAt_[id] = invalidations_;
    for (const auto& id : ids) {
      if (auto found = entries_.find(id); found != entries_.end()) {
        recency_.erase(found->second.recency);
        entries_.erase(found);
      }
    }
  }
  shared_.invalidate(ids);
}

size_t MemoryProductCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void MemoryProductCache::store(const Product& product, std::optional<uint64_t> seenAt) {
  if (options_.capacity == 0 || options_.ttl <= std::chrono::milliseconds::zero()) return;
  auto copy = std::make_shared<const Product>(product);
  const auto expires = clock_() + options_.ttl;
  std::lock_guard lock(mutex_);
  if (seenAt && invalidatedSince(product.id, *seenAt)) return;
  if (auto found = entries_.find(product.id); found != entries_.end()) {
    found->second.product = std::move(copy);
    found->second.expires = expires;
    recency_.splice(recency_.begin(), recency_, found->second.recency);
    return;
  }
  if (entries_.size() >= options_.capacity) {
    entries_.erase(recency_.back());
    recency_.pop_back();
  }
  recency_.push_front(product.id);
  entries_.emplace(product.id, Entry{std::move(copy), expires, recency_.begin()});
}

}  // namespace fleetdeck::products
