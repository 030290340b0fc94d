#include "adapters/pg_product_repository.h"

#include "adapters/product_proto.h"
#include "fleetdeck/db/audit_log.h"

namespace fleetdeck::products {
namespace {

constexpr const char* kResource = "products";

// Escapes LIKE wildcards so a search for "50%" finds "50%", not everything.
std::string likePattern(const std::string& text) {
  std::string pattern = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  pattern += '%';
  return pattern;
}

Status uniqueViolation(const std::exception& exception, const std::string& sku, const std::string& idempotencyKey = {}) {
  const std::string what = exception.what();
  if (what.find("products_sku_key") != std::string::npos) {
    return alreadyExists("sku " + sku + " is already taken", {{"sku", "is already taken"}});
  }
  if (what.find("create_requests_pkey") != std::string::npos) {
    return alreadyExists("idempotency key " + idempotencyKey + " was used by another create meanwhile",
                         {{"idempotencyKey", "is already taken"}});
  }
  return alreadyExists("product already exists");
}

void audit(pqxx::work& transaction, const std::string& action, const ChangeContext& context, const Product* before,
           const Product& after) {
  db::AuditRecord record;
  record.resource = kResource;
  record.resourceId = after.id;
  record.action = action;
  record.actor = context.actor;
  record.traceId = context.traceId;
  if (before != nullptr) record.beforeJson = productJson(*before);
  record.afterJson = productJson(after);
  db::appendAudit(transaction, std::move(record));
}

Result<Product> lockProduct(pqxx::work& transaction, const std::string& id) {
  const auto rows =
      transaction.exec_params("SELECT " + productColumns() + " FROM products WHERE id = $1 FOR UPDATE", id);
  if (rows.empty()) return notFound("product " + id + " does not exist");
  return productFromRow(rows[0]);
}

}  // namespace

std::string productColumns(const std::string& prefix) {
  const std::string p = prefix;
  return p + "id::text, " + p + "sku, " + p + "name, " + p + "description, " + p + "price_units, " + p +
         "currency_code, " + p + "on_hand, " + p + "reserved, " + p + "active, " + p + "version," +
         " (extract(epoch FROM " + p + "created_at) * 1000000)::bigint," + " (extract(epoch FROM " + p +
         "updated_at) * 1000000)::bigint";
}

Product productFromRow(const pqxx::row& row, int first) {
  Product product;
  product.id = row[first + 0].as<std::string>();
  product.sku = row[first + 1].as<std::string>();
  product.name = row[first + 2].as<std::string>();
  product.description = row[first + 3].as<std::string>();
  product.price.units = row[first + 4].as<int64_t>();
  product.price.currencyCode = row[first + 5].as<std::string>();
  product.onHand = row[first + 6].as<int64_t>();
  product.reserved = row[first + 7].as<int64_t>();
  product.active = row[first + 8].as<bool>();
  product.version = row[first + 9].as<int64_t>();
  product.createdAtMicros = row[first + 10].as<int64_t>();
  product.updatedAtMicros = row[first + 11].as<int64_t>();
  return product;
}

std::string uuidArray(const std::vector<std::string>& ids) {
  std::string text = "{";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) text += ',';
    text += ids[i];
  }
  text += '}';
  return text;
}

Result<Product> PgProductRepository::insert(const Product& product, const CreateKey& key, const ChangeContext& context) {
  return db::inTransaction<Product>(pool_, [&](pqxx::work& transaction) -> Result<Product> {
    try {
      const auto rows = transaction.exec_params(
          "INSERT INTO products (id, sku, name, description, price_units, currency_code, on_hand, active)"
          " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING " +
              productColumns(),
          product.id, product.sku, product.name, product.description, product.price.units, product.price.currencyCode,
          product.onHand, product.active);
      Product created = productFromRow(rows[0]);
      if (!key.idempotencyKey.empty()) {
        transaction.exec_params("INSERT INTO create_requests (idempotency_key, product_id, request) VALUES ($1, $2, $3)",
                                key.idempotencyKey, created.id, key.request);
      }
      audit(transaction, "create", context, nullptr, created);
      return created;
    } catch (const pqxx::unique_violation& violation) {
      return uniqueViolation(violation, product.sku, key.idempotencyKey);
    }
  });
}

Result<std::optional<std::pair<Product, std::string>>> PgProductRepository::findCreatedWith(
    const std::string& idempotencyKey) {
  using Found = std::optional<std::pair<Product, std::string>>;
  return db::inTransaction<Found>(pool_, [&](pqxx::work& transaction) -> Result<Found> {
    const auto rows = transaction.exec_params(
        "SELECT " + productColumns("p.") + ", c.request FROM create_requests c JOIN products p ON p.id = c.product_id"
        " WHERE c.idempotency_key = $1",
        idempotencyKey);
    if (rows.empty()) return Found();
    return Found(std::make_pair(productFromRow(rows[0]), rows[0][rows[0].size() - 1].as<std::string>()));
  });
}

Result<Product> PgProductRepository::findById(const std::string& id) {
  return db::inTransaction<Product>(pool_, [&](pqxx::work& transaction) -> Result<Product> {
    const auto rows = transaction.exec_params("SELECT " + productColumns() + " FROM products WHERE id = $1", id);
    if (rows.empty()) return notFound("product " + id + " does not exist");
    return productFromRow(rows[0]);
  });
}

Result<std::vector<Product>> PgProductRepository::findByIds(const std::vector<std::string>& ids) {
  if (ids.empty()) return std::vector<Product>{};
  // One statement, so no transaction around it: one round trip instead of three (every new order's
  // lines are priced here).
  auto lease = pool_.acquire();
  if (!lease) return lease.status();
  try {
    pqxx::nontransaction statement(**lease);
    const auto rows = db::execPrepared(statement, "SELECT " + productColumns() + " FROM products WHERE id = ANY($1::uuid[])",
                                       uuidArray(ids));
    std::vector<Product> products;
    products.reserve(rows.size());
    for (const auto& row : rows) products.push_back(productFromRow(row));
    return products;
  } catch (const std::exception& exception) {
    return db::statusFromException(exception);
  }
}

Result<ProductPage> PgProductRepository::list(const ProductQuery& query) {
  return db::inTransaction<ProductPage>(pool_, [&](pqxx::work& transaction) -> Result<ProductPage> {
    // One statement with optional filters: NULL parameters switch a condition off.
    const auto rows = transaction.exec_params(
        "SELECT " + productColumns() +
            " FROM products"
            " WHERE ($1::uuid IS NULL OR id > $1::uuid)"
            "   AND ($2::boolean OR active)"
            "   AND ($3::text IS NULL OR sku ILIKE $3 OR name ILIKE $3 OR description ILIKE $3)"
            " ORDER BY products.id LIMIT $4",  // the column: plain id is the id::text output
        query.afterId.empty() ? std::optional<std::string>() : query.afterId, query.includeInactive,
        query.text.empty() ? std::optional<std::string>() : likePattern(query.text), query.pageSize + 1);
    ProductPage page;
    for (const auto& row : rows) {
      if (static_cast<int>(page.products.size()) == query.pageSize) {
        page.hasMore = true;
        break;
      }
      page.products.push_back(productFromRow(row));
    }
    return page;
  });
}

Result<Product> PgProductRepository::update(const std::string& id, const ProductChanges& changes,
                                            int64_t expectedVersion, const ChangeContext& context) {
  return db::inTransaction<Product>(pool_, [&](pqxx::work& transaction) -> Result<Product> {
    auto before = lockProduct(transaction, id);
    if (!before) return before.status();
    if (expectedVersion != 0 && before->version != expectedVersion) {
      return aborted("product " + id + " was changed by someone else (version " + std::to_string(before->version) +
                     ", you edited version " + std::to_string(expectedVersion) + "); reload and retry");
    }
    const auto rows = transaction.exec_params(
        "UPDATE products SET"
        " name = COALESCE($2, name),"
        " description = COALESCE($3, description),"
        " price_units = COALESCE($4, price_units),"
        " currency_code = COALESCE($5, currency_code),"
        " version = version + 1, updated_at = now()"
        " WHERE id = $1 RETURNING " +
            productColumns(),
        id, changes.name, changes.description,
        changes.price ? std::optional<int64_t>(changes.price->units) : std::nullopt,
        changes.price ? std::optional<std::string>(changes.price->currencyCode) : std::nullopt);
    Product after = productFromRow(rows[0]);
    audit(transaction, "update", context, &*before, after);
    return after;
  });
}

Result<Product> PgProductRepository::deactivate(const std::string& id, const ChangeContext& context) {
  return db::inTransaction<Product>(pool_, [&](pqxx::work& transaction) -> Result<Product> {
    auto before = lockProduct(transaction, id);
    if (!before) return before.status();
    if (!before->active) return before;  // deleting twice changes nothing
    const auto rows = transaction.exec_params(
        "UPDATE products SET active = false, version = version + 1, updated_at = now() WHERE id = $1 RETURNING " +
            productColumns(),
        id);
    Product after = productFromRow(rows[0]);
    audit(transaction, "delete", context, &*before, after);
    return after;
  });
}

Result<Product> PgProductRepository::restock(const std::string& id, int64_t quantity, const std::string& idempotencyKey,
                                             const ChangeContext& context) {
  return db::inTransaction<Product>(pool_, [&](pqxx::work& transaction) -> Result<Product> {
    // The product's row lock comes first: two calls with one key queue here, and the second then
    // finds the first one's stored result.
    auto before = lockProduct(transaction, id);
    if (!before) return before.status();
    if (!idempotencyKey.empty()) {
      const auto claimed = transaction.exec_params(
          "INSERT INTO restock_requests (idempotency_key, product_id, quantity) VALUES ($1, $2, $3)"
          " ON CONFLICT (idempotency_key) DO NOTHING RETURNING 1",
          idempotencyKey, id, quantity);
      if (claimed.empty()) {
        const auto stored = transaction.exec_params(
            "SELECT r.product_id::text, r.quantity, " + productColumns("p.") +
                " FROM restock_requests r CROSS JOIN LATERAL jsonb_populate_record(NULL::products, r.result) p"
                " WHERE r.idempotency_key = $1",
            idempotencyKey);
        if (stored.empty() || stored[0][0].as<std::string>() != id || stored[0][1].as<int64_t>() != quantity) {
          return invalidField("idempotencyKey", "was already used for a different restock");
        }
        return productFromRow(stored[0], 2);
      }
    }
    if (before->onHand > kMaxStock - quantity) {
      return failedPrecondition("restocking " + std::to_string(quantity) + " would take product " + id + " above " +
                                std::to_string(kMaxStock) + " units on hand");
    }
    const auto rows = transaction.exec_params(
        "UPDATE products SET on_hand = on_hand + $2, version = version + 1, updated_at = now()"
        " WHERE id = $1 RETURNING " +
            productColumns(),
        id, quantity);
    Product after = productFromRow(rows[0]);
    if (!idempotencyKey.empty()) {
      transaction.exec_params(
          "UPDATE restock_requests SET result = (SELECT to_jsonb(p) FROM products p WHERE p.id = $2)"
          " WHERE idempotency_key = $1",
          idempotencyKey, id);
    }
    audit(transaction, "restock", context, &*before, after);
    return after;
  });
}

Result<AuditPage> PgProductRepository::listAudit(const AuditQuery& query) {
  auto page = db::listAudit(pool_, {query.resourceId, query.actor, query.pageSize, query.pageToken});
  if (!page) return page.status();
  AuditPage result;
  result.nextPageToken = page->nextPageToken;
  for (auto& record : page->records) {
    result.entries.push_back({std::move(record.id), std::move(record.resource), std::move(record.resourceId),
                              std::move(record.action), std::move(record.actor), std::move(record.traceId),
                              std::move(record.beforeJson), std::move(record.afterJson), record.occurredAtMicros});
  }
  return result;
}

}  // namespace fleetdeck::products
