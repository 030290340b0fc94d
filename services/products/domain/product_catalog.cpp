#include "domain/product_catalog.h"

#include <boost/json.hpp>

#include <algorithm>
#include <map>

#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/ids.h"

namespace fleetdeck::products {
namespace {

Result<std::string> checkedId(const std::string& id) {
  if (!isUuid(id)) return invalidField("id", "must be a product id (UUID)");
  return normalizeId(id);
}

// Page tokens are opaque to clients: base64url of the last id seen, so they can't be confused with ids.
std::string encodePageToken(const std::string& lastId) { return base64UrlEncode("p1:" + lastId); }

Result<std::string> decodePageToken(const std::string& token) {
  auto decoded = base64UrlDecode(token);
  if (!decoded || !decoded->starts_with("p1:") || !isUuid(decoded->substr(3))) {
    return invalidField("pageToken", "is not a token returned by a previous list call");
  }
  return decoded->substr(3);
}

}  // namespace

Result<Product> ProductCatalog::invalidated(const std::string& id, Result<Product> written) {
  // Failed writes too: a lost answer to COMMIT (UNAVAILABLE) may hide a change that was made, and a
  // stale-version refusal (ABORTED) may come from a client that read a stale cached copy, which
  // would otherwise be served again on every reload until its TTL ran out. A miss costs one read.
  cache_.invalidate({id});
  return written;
}

Result<Product> ProductCatalog::create(NewProduct request, const ChangeContext& context) {
  if (auto problem = idempotencyKeyProblem(request.idempotencyKey); !problem.empty()) {
    return invalidField("idempotencyKey", problem);
  }
  FLEETDECK_RETURN_IF_ERROR(prepareNewProduct(request));
  // What was asked, normalised, as one text: a repeat compares equal, a reuse of the key does not.
  const CreateKey key{request.idempotencyKey,
                      boost::json::serialize(boost::json::array{
                          request.sku, request.name, request.description, request.price.units,
                          request.price.currencyCode, request.initialStock})};
  // A repeat (the first answer was lost) gets the product the first request made, not "sku taken".
  const auto madeBefore = [&]() -> Result<std::optional<Product>> {
    if (key.idempotencyKey.empty()) return std::optional<Product>();
    auto found = repository_.findCreatedWith(key.idempotencyKey);
    if (!found) return found.status();
    if (!*found) return std::optional<Product>();
    if ((*found)->second != key.request) {
      return invalidField("idempotencyKey", "was already used to create product " + (*found)->first.id);
    }
    return std::optional<Product>((*found)->first);
  };
  auto before = madeBefore();
  if (!before) return before.status();
  if (*before) return std::move(**before);
  Product product;
  product.id = newUuid();
  product.sku = std::move(request.sku);
  product.name = std::move(request.name);
  product.description = std::move(request.description);
  product.price = std::move(request.price);
  product.onHand = request.initialStock;
  product.active = true;
  auto created = repository_.insert(product, key, context);
  if (!created && created.status().code() == StatusCode::kAlreadyExists && !key.idempotencyKey.empty()) {
    // The same request sent twice at once: the other one made it.
    auto raced = madeBefore();
    if (!raced) return raced.status();
    if (*raced) return std::move(**raced);
  }
  return created;
}

Result<Product> ProductCatalog::get(const std::string& rawId) {
  auto id = checkedId(rawId);
  if (!id) return id.status();
  auto cached = cache_.lookup(*id);
  if (cached.product) return std::move(*cached.product);
  auto product = repository_.findById(*id);
  if (product) cache_.putRead(*product, cached.mark);
  return product;
}

std::shared_ptr<const Product> ProductCatalog::peek(const std::string& rawId) {
  if (!isUuid(rawId)) return nullptr;
  return cache_.peek(normalizeId(rawId));
}

Result<BatchResult> ProductCatalog::batchGet(const std::vector<std::string>& rawIds) {
  ValidationErrors errors;
  if (rawIds.size() > kMaxBatchIds) errors.add("ids", "must name at most " + std::to_string(kMaxBatchIds) + " ids");
  std::vector<std::string> ids;
  ids.reserve(rawIds.size());
  for (size_t i = 0; i < rawIds.size(); ++i) {
    if (!isUuid(rawIds[i])) errors.add("ids[" + std::to_string(i) + "]", "must be a product id (UUID)");
    ids.push_back(normalizeId(rawIds[i]));
  }
  FLEETDECK_RETURN_IF_ERROR(errors.toStatus());

  std::map<std::string, Product> found;
  std::vector<std::string> uncached;
  std::map<std::string, ReadMark> marks;
  auto cached = cache_.lookupMany(ids);
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i < cached.size() && cached[i].product) {
      found.emplace(ids[i], std::move(*cached[i].product));
    } else if (std::find(uncached.begin(), uncached.end(), ids[i]) == uncached.end()) {
      uncached.push_back(ids[i]);
      if (i < cached.size()) marks.emplace(ids[i], std::move(cached[i].mark));
    }
  }
  if (!uncached.empty()) {
    auto loaded = repository_.findByIds(uncached);
    if (!loaded) return loaded.status();
    for (auto& product : *loaded) {
      // Only under the mark its own lookup took; a row without one is not stored.
      if (auto mark = marks.find(product.id); mark != marks.end()) cache_.putRead(product, mark->second);
      found.emplace(product.id, std::move(product));
    }
  }
  BatchResult result;
  for (const auto& id : ids) {
    if (auto hit = found.find(id); hit != found.end()) {
      result.products.push_back(hit->second);
    } else {
      result.missingIds.push_back(id);
    }
  }
  return result;
}

Result<ListResult> ProductCatalog::list(const ListRequest& request) {
  ValidationErrors errors;
  if (request.pageSize < 0) errors.add("pageSize", "must not be negative");
  if (utf8Length(request.query) > kMaxQueryLength) {
    errors.add("query", "must be at most " + std::to_string(kMaxQueryLength) + " characters long");
  }
  FLEETDECK_RETURN_IF_ERROR(errors.toStatus());

  ProductQuery query;
  query.pageSize = request.pageSize == 0 ? kDefaultPageSize : std::min(request.pageSize, kMaxPageSize);
  query.text = request.query;
  query.includeInactive = request.includeInactive;
  if (!request.pageToken.empty()) {
    auto after = decodePageToken(request.pageToken);
    if (!after) return after.status();
    query.afterId = normalizeId(*after);
  }
  auto page = repository_.list(query);
  if (!page) return page.status();
  ListResult result;
  result.products = std::move(page->products);
  if (page->hasMore && !result.products.empty()) result.nextPageToken = encodePageToken(result.products.back().id);
  return result;
}

Result<Product> ProductCatalog::update(const std::string& rawId, ProductChanges changes, int64_t expectedVersion,
                                       const ChangeContext& context) {
  auto id = checkedId(rawId);
  if (!id) return id.status();
  FLEETDECK_RETURN_IF_ERROR(validateChanges(changes));
  if (expectedVersion < 0) return invalidField("expectedVersion", "must not be negative");
  return invalidated(*id, repository_.update(*id, changes, expectedVersion, context));
}

Result<Product> ProductCatalog::remove(const std::string& rawId, const ChangeContext& context) {
  auto id = checkedId(rawId);
  if (!id) return id.status();
  return invalidated(*id, repository_.deactivate(*id, context));
}

Result<Product> ProductCatalog::restock(const std::string& rawId, int64_t quantity, const std::string& idempotencyKey,
                                        const ChangeContext& context) {
  ValidationErrors errors;
  if (!isUuid(rawId)) errors.add("id", "must be a product id (UUID)");
  if (auto problem = restockQuantityProblem(quantity); !problem.empty()) errors.add("quantity", problem);
  if (auto problem = idempotencyKeyProblem(idempotencyKey); !problem.empty()) errors.add("idempotencyKey", problem);
  FLEETDECK_RETURN_IF_ERROR(errors.toStatus());
  const std::string id = normalizeId(rawId);
  return invalidated(id, repository_.restock(id, quantity, idempotencyKey, context));
}

Result<AuditPage> ProductCatalog::listAudit(const AuditQuery& request) {
  ValidationErrors errors;
  if (request.pageSize < 0) errors.add("pageSize", "must not be negative");
  if (!request.resourceId.empty() && !isUuid(request.resourceId)) {
    errors.add("resourceId", "must be a product id (UUID)");
  }
  if (request.actor.size() > 128) errors.add("actor", "must be at most 128 characters long");
  FLEETDECK_RETURN_IF_ERROR(errors.toStatus());
  AuditQuery query = request;
  query.resourceId = normalizeId(request.resourceId);
  query.pageSize = request.pageSize == 0 ? kDefaultPageSize : std::min(request.pageSize, kMaxPageSize);
  return repository_.listAudit(query);
}

}  // namespace fleetdeck::products
