// The products routes of API.md over HTTP: gateway and products as real processes, real PostgreSQL
// and Redis behind them.
#include <gtest/gtest.h>

#include "fleetdeck/core/ids.h"
#include "fleetdeck/core/json.h"
#include "fleetdeck/http/client.h"
#include "fleetdeck/testing/auth_helper.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"

namespace fleetdeck {
namespace {

using testing::ServiceProcess;

constexpr const char* kUnknownId = "01a213e1-22c5-7335-a7e4-2b51dae6d000";

std::map<std::string, std::string> productsEnvironment(const std::string& databaseUrl, const std::string& cacheUrl,
                                                       uint16_t grpcPort) {
  return {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/products/config/products.toml"},
          {"FLEETDECK_DATABASE__URL", databaseUrl},
          {"FLEETDECK_CACHE__URL", cacheUrl},
          {"FLEETDECK_GRPC__PORT", std::to_string(grpcPort)},
          {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())}};
}

class ProductsEndToEnd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    logs_ = testing::sharedInfra().root / "e2e-logs" / std::to_string(getpid());
    const uint16_t productsGrpc = testing::freePort();
    products_ = new ServiceProcess(
        "products", FLEETDECK_PRODUCTS_BINARY,
        productsEnvironment(testing::createTestDatabase("e2e_products"), testing::redisUrl(7), productsGrpc), logs_);
    const Status productsStarted = products_->start();
    ASSERT_TRUE(productsStarted.isOk()) << productsStarted.toString();
    // The gateway signs people in through the users service: an admin drives these routes.
    auto users = testing::startUsersService(FLEETDECK_USERS_BINARY, FLEETDECK_SOURCE_DIR "/services/users/config/users.toml",
                                            logs_);
    ASSERT_TRUE(users.isOk()) << users.status().toString();
    users_ = new testing::UsersServiceUnderTest(std::move(*users));
    gatewayPort_ = testing::freePort();
    gateway_ = new ServiceProcess("gateway", FLEETDECK_GATEWAY_BINARY,
                                  {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/gateway/config/gateway.toml"},
                                   {"FLEETDECK_HTTP__PORT", std::to_string(gatewayPort_)},
                                   {"FLEETDECK_HTTP__THREADS", "2"},
                                   {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())},
                                   {"FLEETDECK_UPSTREAMS__USERS", users_->grpcAddress()},
                                   {"FLEETDECK_AUTH__KEY_FILE", testing::testKeyFile("e2e")},
                                   {"FLEETDECK_UPSTREAMS__PRODUCTS", "127.0.0.1:" + std::to_string(productsGrpc)}},
                                  logs_);
    const Status started = gateway_->start();
    ASSERT_TRUE(started.isOk()) << started.toString();
    auto admin = testing::signInAs("admin", users_->grpcAddress(), gatewayPort_);
    ASSERT_TRUE(admin.isOk()) << admin.status().toString();
    adminToken_ = admin->accessToken;
  }
  static void TearDownTestSuite() {
    delete gateway_;
    delete users_;
    delete products_;
  }

  http::HttpResponse call(const std::string& method, const std::string& target, const std::string& body = {},
                          http::Headers headers = {}) {
    http::HttpClient client("127.0.0.1", gatewayPort_);
    if (!headers.contains("Authorization")) headers = testing::bearer(adminToken_, std::move(headers));
    auto response = client.request(method, target, body, headers);
    EXPECT_TRUE(response.isOk()) << response.status().toString();
    return response.isOk() ? *response : http::HttpResponse{};
  }

  static boost::json::object parse(const http::HttpResponse& response) {
    auto parsed = json::parse(response.body);
    EXPECT_TRUE(parsed && parsed->is_object()) << response.body;
    return parsed && parsed->is_object() ? parsed->as_object() : boost::json::object{};
  }

  static std::vector<std::string> violationFields(const http::HttpResponse& response) {
    std::vector<std::string> fields;
    const auto body = parse(response);
    for (const auto& detail : body.at("error").as_object().at("details").as_array()) {
      fields.emplace_back(detail.as_object().at("field").as_string());
    }
    return fields;
  }

  static std::string errorCode(const http::HttpResponse& response) {
    return std::string(parse(response).at("error").as_object().at("code").as_string());
  }

  boost::json::object createProduct(const std::string& sku, int stock = 5, int priceUnits = 1999) {
    const auto response = call("POST", "/api/v1/products",
                               R"({"sku":")" + sku + R"(","name":"Product )" + sku + R"(","description":"About )" +
                                   sku + R"(","price":{"currencyCode":"EUR","units":")" + std::to_string(priceUnits) +
                                   R"("},"initialStock":")" + std::to_string(stock) + "\"}");
    EXPECT_EQ(response.status, 201) << response.body;
    return parse(response);
  }

  static std::string idOf(const boost::json::object& product) { return std::string(product.at("id").as_string()); }

  static int64_t stockOf(const boost::json::object& product, const char* field) {
    // int64 fields are JSON strings in the proto3 JSON mapping.
    return std::stoll(std::string(product.at("stock").as_object().at(field).as_string()));
  }

  static inline std::filesystem::path logs_;
  static inline ServiceProcess* products_ = nullptr;
  static inline ServiceProcess* gateway_ = nullptr;
  static inline uint16_t gatewayPort_ = 0;
  static inline testing::UsersServiceUnderTest* users_ = nullptr;
  static inline std::string adminToken_;
};

TEST_F(ProductsEndToEnd, CreateIs201WithEtagAndTheProduct) {
  const auto response = call("POST", "/api/v1/products",
                             R"({"sku":"e2e-kb","name":"Keyboard","price":{"currencyCode":"EUR","units":"4999"},)"
                             R"("initialStock":"3"})");
  ASSERT_EQ(response.status, 201) << response.body;
  EXPECT_EQ(response.headers.get("ETag").value_or(""), "\"1\"");
  EXPECT_EQ(response.headers.get("X-Trace-Id").value_or("").size(), 32u);
  const auto product = parse(response);
  EXPECT_EQ(product.at("sku").as_string(), "E2E-KB");
  EXPECT_EQ(product.at("price").as_object().at("units").as_string(), "4999");
  EXPECT_EQ(stockOf(product, "onHand"), 3);
  EXPECT_EQ(stockOf(product, "reserved"), 0);
  EXPECT_EQ(stockOf(product, "available"), 3);
  EXPECT_TRUE(product.at("active").as_bool());
}

TEST_F(ProductsEndToEnd, GetReturnsTheProductWithEtag) {
  const std::string id = idOf(createProduct("E2E-GET"));
  const auto response = call("GET", "/api/v1/products/" + id);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.headers.get("ETag").value_or(""), "\"1\"");
  EXPECT_EQ(parse(response).at("name").as_string(), "Product E2E-GET");
  // Served from the cache the second time; the answer is the same.
  EXPECT_EQ(call("GET", "/api/v1/products/" + id).body, response.body);
}

TEST_F(ProductsEndToEnd, ListPagesAndSearches) {
  for (const char* sku : {"LIST-A", "LIST-B", "LIST-C"}) createProduct(sku);
  const auto first = call("GET", "/api/v1/products?pageSize=2&query=list-");
  ASSERT_EQ(first.status, 200) << first.body;
  const auto firstPage = parse(first);
  ASSERT_EQ(firstPage.at("products").as_array().size(), 2u);
  const std::string token(firstPage.at("nextPageToken").as_string());
  ASSERT_FALSE(token.empty());
  const auto second = parse(call("GET", "/api/v1/products?pageSize=2&query=list-&pageToken=" + token));
  ASSERT_EQ(second.at("products").as_array().size(), 1u);
  EXPECT_EQ(second.at("nextPageToken").as_string(), "");

  const auto forged = call("GET", "/api/v1/products?pageToken=bm90LWEtdG9rZW4");
  EXPECT_EQ(forged.status, 400);
  EXPECT_EQ(violationFields(forged), std::vector<std::string>{"pageToken"});
}

TEST_F(ProductsEndToEnd, PatchWithStaleIfMatchIs412AndFreshOneSucceeds) {
  const std::string id = idOf(createProduct("E2E-PATCH"));
  http::Headers fresh;
  fresh.add("If-Match", "\"1\"");
  const auto updated = call("PATCH", "/api/v1/products/" + id,
                            R"({"name":"Renamed","price":{"currencyCode":"USD","units":"2500"}})", fresh);
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.headers.get("ETag").value_or(""), "\"2\"");
  EXPECT_EQ(parse(updated).at("price").as_object().at("currencyCode").as_string(), "USD");

  const auto stale = call("PATCH", "/api/v1/products/" + id, R"({"name":"Mallory"})", fresh);
  EXPECT_EQ(stale.status, 412) << stale.body;
  const auto current = parse(call("GET", "/api/v1/products/" + id));
  EXPECT_EQ(current.at("name").as_string(), "Renamed") << "the cached copy was dropped by the update";
}

TEST_F(ProductsEndToEnd, PatchOfAFieldThatCannotBeEditedIs400NamingIt) {
  const std::string id = idOf(createProduct("E2E-PATCH-2"));
  const auto response = call("PATCH", "/api/v1/products/" + id, R"({"sku":"OTHER"})");
  EXPECT_EQ(response.status, 400) << response.body;
  EXPECT_EQ(violationFields(response), std::vector<std::string>{"sku"});
}

TEST_F(ProductsEndToEnd, DeleteHidesFromTheCatalogButTheProductStaysReadable) {
  const std::string id = idOf(createProduct("E2E-DEL"));
  const auto deleted = call("DELETE", "/api/v1/products/" + id);
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_FALSE(parse(deleted).at("active").as_bool());
  EXPECT_FALSE(parse(call("GET", "/api/v1/products/" + id)).at("active").as_bool());
  EXPECT_EQ(parse(call("GET", "/api/v1/products?query=e2e-del")).at("products").as_array().size(), 0u);
  EXPECT_EQ(parse(call("GET", "/api/v1/products?query=e2e-del&includeInactive=true")).at("products").as_array().size(),
            1u);
}

TEST_F(ProductsEndToEnd, RestockAddsStockOncePerIdempotencyKey) {
  const std::string id = idOf(createProduct("E2E-RST", 5));
  http::Headers key;
  key.add("Idempotency-Key", "restock-e2e-1");
  const auto first = call("POST", "/api/v1/products/" + id + ":restock", R"({"quantity":"10"})", key);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(stockOf(parse(first), "onHand"), 15);
  EXPECT_EQ(first.headers.get("ETag").value_or(""), "\"2\"");
  const auto again = call("POST", "/api/v1/products/" + id + ":restock", R"({"quantity":"10"})", key);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(stockOf(parse(again), "onHand"), 15);
  EXPECT_EQ(stockOf(parse(call("GET", "/api/v1/products/" + id)), "onHand"), 15);
}

TEST_F(ProductsEndToEnd, BadInputIs400NamingTheField) {
  const auto badCreate =
      call("POST", "/api/v1/products", R"({"sku":"no spaces","name":"X","price":{"currencyCode":"EUR","units":"0"}})");
  EXPECT_EQ(badCreate.status, 400) << badCreate.body;
  EXPECT_EQ(errorCode(badCreate), "INVALID_ARGUMENT");
  EXPECT_EQ(violationFields(badCreate), (std::vector<std::string>{"sku", "price.units"}));

  const auto noPrice = call("POST", "/api/v1/products", R"({"sku":"NO-PRICE","name":"X"})");
  EXPECT_EQ(noPrice.status, 400);
  EXPECT_EQ(violationFields(noPrice), (std::vector<std::string>{"price.currencyCode", "price.units"}));

  const std::string id = idOf(createProduct("E2E-BAD"));
  const auto badRestock = call("POST", "/api/v1/products/" + id + ":restock", R"({"quantity":"0"})");
  EXPECT_EQ(badRestock.status, 400);
  EXPECT_EQ(violationFields(badRestock), std::vector<std::string>{"quantity"});

  const auto badId = call("GET", "/api/v1/products/not-a-uuid");
  EXPECT_EQ(badId.status, 400);
  EXPECT_EQ(violationFields(badId), std::vector<std::string>{"id"});

  const auto unknownField = call("POST", "/api/v1/products", R"({"sku":"X-1","colour":"red"})");
  EXPECT_EQ(unknownField.status, 400);
  EXPECT_EQ(violationFields(unknownField), std::vector<std::string>{"colour"});
}

TEST_F(ProductsEndToEnd, UnknownIdIs404) {
  for (const auto& [method, target] :
       std::vector<std::pair<std::string, std::string>>{{"GET", std::string("/api/v1/products/") + kUnknownId},
                                                        {"DELETE", std::string("/api/v1/products/") + kUnknownId}}) {
    const auto response = call(method, target);
    EXPECT_EQ(response.status, 404) << method << " " << target << ": " << response.body;
    EXPECT_EQ(errorCode(response), "NOT_FOUND");
  }
  const auto restock = call("POST", std::string("/api/v1/products/") + kUnknownId + ":restock", R"({"quantity":"1"})");
  EXPECT_EQ(restock.status, 404);
  const auto patch = call("PATCH", std::string("/api/v1/products/") + kUnknownId, R"({"name":"X"})");
  EXPECT_EQ(patch.status, 404);
}

// An admin whose answer was lost repeats the create with its Idempotency-Key and gets the product it
// made, not "sku taken"; the key for another product is the caller's mistake.
TEST_F(ProductsEndToEnd, ARepeatedCreateWithItsIdempotencyKeyAnswersTheProductItMade) {
  const auto keyed = [](const std::string& key) {
    http::Headers headers;
    headers.add("Idempotency-Key", key);
    return headers;
  };
  const std::string body = R"({"sku":"e2e-idem","name":"Mug","price":{"currencyCode":"EUR","units":"900"},)"
                           R"("initialStock":"2"})";
  const std::string key = "create-" + newUuid();
  const auto first = call("POST", "/api/v1/products", body, keyed(key));
  ASSERT_EQ(first.status, 201) << first.body;
  const auto again = call("POST", "/api/v1/products", body, keyed(key));
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(idOf(parse(again)), idOf(parse(first)));
  EXPECT_EQ(call("POST", "/api/v1/products", body).status, 409) << "without the key a repeat is a taken sku";
  const auto other = call("POST", "/api/v1/products",
                          R"({"sku":"e2e-idem-2","name":"Cup","price":{"currencyCode":"EUR","units":"900"}})", keyed(key));
  EXPECT_EQ(other.status, 400) << other.body;
  EXPECT_EQ(violationFields(other), std::vector<std::string>{"idempotencyKey"});
}

TEST_F(ProductsEndToEnd, DuplicateSkuIs409) {
  createProduct("E2E-DUP");
  const auto response = call("POST", "/api/v1/products",
                             R"({"sku":"e2e-dup","name":"Again","price":{"currencyCode":"EUR","units":"1"}})");
  EXPECT_EQ(response.status, 409) << response.body;
  EXPECT_EQ(violationFields(response), std::vector<std::string>{"sku"});
}

TEST_F(ProductsEndToEnd, AdminChangesShowUpInTheProductAudit) {
  const std::string id = idOf(createProduct("E2E-AUDIT"));
  http::Headers ifMatch;
  ifMatch.add("If-Match", "\"1\"");
  ASSERT_EQ(call("PATCH", "/api/v1/products/" + id, R"({"description":"Audited"})", ifMatch).status, 200);
  http::Headers trace;
  trace.add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_EQ(call("POST", "/api/v1/products/" + id + ":restock", R"({"quantity":"2"})", trace).status, 200);

  const auto response = call("GET", "/api/v1/admin/audit/products?resourceId=" + id);
  ASSERT_EQ(response.status, 200) << response.body;
  const auto entries = parse(response).at("entries").as_array();
  ASSERT_EQ(entries.size(), 3u) << response.body;
  const auto& restock = entries[0].as_object();
  EXPECT_EQ(restock.at("action").as_string(), "restock");
  EXPECT_EQ(restock.at("resource").as_string(), "products");
  EXPECT_EQ(restock.at("traceId").as_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_FALSE(restock.at("actor").as_string().empty());
  const auto& update = entries[1].as_object();
  EXPECT_EQ(update.at("action").as_string(), "update");
  auto before = json::parse(std::string(update.at("beforeJson").as_string()));
  auto after = json::parse(std::string(update.at("afterJson").as_string()));
  ASSERT_TRUE(before && after);
  EXPECT_EQ(before->as_object().at("description").as_string(), "About E2E-AUDIT");
  EXPECT_EQ(after->as_object().at("description").as_string(), "Audited");
  EXPECT_EQ(entries[2].as_object().at("action").as_string(), "create");

  const auto paged = parse(call("GET", "/api/v1/admin/audit/products?resourceId=" + id + "&pageSize=2"));
  EXPECT_EQ(paged.at("entries").as_array().size(), 2u);
  EXPECT_FALSE(paged.at("nextPageToken").as_string().empty());
}

TEST_F(ProductsEndToEnd, AdminPortReportsDatabaseAndRedisAndCacheMetrics) {
  const std::string id = idOf(createProduct("E2E-METRICS"));
  call("GET", "/api/v1/products/" + id);
  call("GET", "/api/v1/products/" + id);
  http::HttpClient admin("127.0.0.1", products_->adminPort());
  auto ready = admin.get("/readyz");
  ASSERT_TRUE(ready.isOk());
  EXPECT_EQ(ready->status, 200);
  const auto body = parse(*ready);
  EXPECT_EQ(body.at("status").as_string(), "ready") << ready->body;
  EXPECT_EQ(body.at("checks").as_object().at("redis").as_object().at("status").as_string(), "up");
  auto metrics = admin.get("/metrics");
  ASSERT_TRUE(metrics.isOk());
  EXPECT_NE(metrics->body.find("cache_requests_total{cache=\"products\",result=\"hit\"}"), std::string::npos);
  EXPECT_NE(metrics->body.find("db_pool_connections_open{pool=\"products\"}"), std::string::npos);
}

TEST_F(ProductsEndToEnd, WithRedisUnreachableReadinessIsDegradedNotFailed) {
  const uint16_t grpcPort = testing::freePort();
  const std::string closed = "redis://127.0.0.1:" + std::to_string(testing::freePort()) + "/0";
  ServiceProcess degraded("products-degraded", FLEETDECK_PRODUCTS_BINARY,
                          productsEnvironment(testing::createTestDatabase("e2e_products_nocache"), closed, grpcPort),
                          logs_);
  const Status started = degraded.start();
  ASSERT_TRUE(started.isOk()) << started.toString() << "\n" << degraded.logTail();
  http::HttpClient admin("127.0.0.1", degraded.adminPort());
  auto ready = admin.get("/readyz");
  ASSERT_TRUE(ready.isOk());
  EXPECT_EQ(ready->status, 200) << "a cache is not critical: " << ready->body;
  const auto body = parse(*ready);
  EXPECT_EQ(body.at("status").as_string(), "degraded");
  EXPECT_EQ(body.at("checks").as_object().at("redis").as_object().at("status").as_string(), "down");
  EXPECT_EQ(body.at("checks").as_object().at("database").as_object().at("status").as_string(), "up");
  EXPECT_EQ(degraded.stop(), 0);
}

}  // namespace
}  // namespace fleetdeck
