// Orders through the gateway with the real products service pricing them: every orders route of
// API.md that works before the saga exists, with its errors.
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

class OrdersEndToEnd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto logs = testing::sharedInfra().root / "e2e-logs" / ("orders-" + std::to_string(getpid()));
    const uint16_t productsGrpc = testing::freePort();
    const uint16_t ordersGrpc = testing::freePort();
    products_ = new ServiceProcess("products", FLEETDECK_PRODUCTS_BINARY,
                                   {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/products/config/products.toml"},
                                    {"FLEETDECK_DATABASE__URL", testing::createTestDatabase("e2e_products")},
                                    {"FLEETDECK_GRPC__PORT", std::to_string(productsGrpc)},
                                    {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())}},
                                   logs);
    ASSERT_TRUE(products_->start().isOk());
    orders_ = new ServiceProcess("orders", FLEETDECK_ORDERS_BINARY,
                                 {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/orders/config/orders.toml"},
                                  {"FLEETDECK_DATABASE__URL", testing::createTestDatabase("e2e_orders")},
                                  {"FLEETDECK_GRPC__PORT", std::to_string(ordersGrpc)},
                                  {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())},
                                  {"FLEETDECK_UPSTREAMS__PRODUCTS", "127.0.0.1:" + std::to_string(productsGrpc)}},
                                 logs);
    const Status ordersStarted = orders_->start();
    ASSERT_TRUE(ordersStarted.isOk()) << ordersStarted.toString();
    // The gateway signs people in through the users service: an admin drives these routes.
    auto users = testing::startUsersService(FLEETDECK_USERS_BINARY, FLEETDECK_SOURCE_DIR "/services/users/config/users.toml",
                                            logs);
    ASSERT_TRUE(users.isOk()) << users.status().toString();
    users_ = new testing::UsersServiceUnderTest(std::move(*users));
    gatewayPort_ = testing::freePort();
    gateway_ = new ServiceProcess("gateway", FLEETDECK_GATEWAY_BINARY,
                                  {{"FLEETDECK_HTTP__PORT", std::to_string(gatewayPort_)},
                                   {"FLEETDECK_HTTP__THREADS", "2"},
                                   {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())},
                                   {"FLEETDECK_UPSTREAMS__PRODUCTS", "127.0.0.1:" + std::to_string(productsGrpc)},
                                   {"FLEETDECK_UPSTREAMS__ORDERS", "127.0.0.1:" + std::to_string(ordersGrpc)},
                                   {"FLEETDECK_UPSTREAMS__USERS", users_->grpcAddress()},
                                   {"FLEETDECK_AUTH__KEY_FILE", testing::testKeyFile("e2e")}},
                                  logs);
    ASSERT_TRUE(gateway_->start().isOk());
    auto admin = testing::signInAs("admin", users_->grpcAddress(), gatewayPort_);
    ASSERT_TRUE(admin.isOk()) << admin.status().toString();
    adminToken_ = admin->accessToken;
  }
  static void TearDownTestSuite() {
    delete gateway_;
    delete users_;
    delete orders_;
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
  static std::string text(const boost::json::object& object, std::string_view key) {
    return json::stringOr(object, key);
  }
  static std::string firstField(const http::HttpResponse& response) {
    const auto body = parse(response);
    const auto& details = body.at("error").as_object().at("details").as_array();
    return details.empty() ? "" : std::string(details[0].as_object().at("field").as_string());
  }

  std::string createProduct(const std::string& sku, int64_t price) {
    const auto response = call("POST", "/api/v1/products",
                               R"({"sku":")" + sku + R"(","name":"Tea )" + sku +
                                   R"(","price":{"currencyCode":"USD","units":")" + std::to_string(price) +
                                   R"("},"initialStock":"10"})");
    EXPECT_EQ(response.status, 201) << response.body;
    return text(parse(response), "id");
  }

  boost::json::object placeOrder(const std::string& user, const std::string& product, int quantity,
                                 const std::string& key = "") {
    http::Headers headers;
    if (!key.empty()) headers.add("Idempotency-Key", key);
    const auto response = call("POST", "/api/v1/orders",
                               R"({"userId":")" + user + R"(","items":[{"productId":")" + product +
                                   R"(","quantity":)" + std::to_string(quantity) + "}]}",
                               headers);
    EXPECT_EQ(response.status, 202) << response.body;
    return parse(response);
  }

  // An order names a user who exists (the gateway refuses one for nobody): a customer account.
  static std::string newUser() {
    const std::string tail = newUuid().substr(24);
    auto id = testing::createUserViaGrpc(users_->grpcAddress(), "buyer" + tail, "correct horse battery " + tail, "customer");
    EXPECT_TRUE(id.isOk()) << id.status().toString();
    return id.isOk() ? *id : std::string();
  }

  static inline ServiceProcess* products_ = nullptr;
  static inline ServiceProcess* orders_ = nullptr;
  static inline ServiceProcess* gateway_ = nullptr;
  static inline uint16_t gatewayPort_ = 0;
  static inline testing::UsersServiceUnderTest* users_ = nullptr;
  static inline std::string adminToken_;
};

TEST_F(OrdersEndToEnd, PlaceAnOrderPricedByTheCatalogAndReadItBack) {
  const std::string product = createProduct("E2E-TEA-1", 450);
  const std::string user = newUser();
  const auto order = placeOrder(user, product, 3);
  EXPECT_EQ(text(order, "status"), "PENDING");
  EXPECT_EQ(text(order.at("total").as_object(), "units"), "1350");
  EXPECT_EQ(text(order.at("items").as_array()[0].as_object(), "sku"), "E2E-TEA-1");
  EXPECT_TRUE(isUuid(text(order, "sagaId")));
  const auto fetched = call("GET", "/api/v1/orders/" + text(order, "id"));
  EXPECT_EQ(fetched.status, 200);
  EXPECT_EQ(fetched.headers.get("ETag").value_or(""), "\"1\"");
}

TEST_F(OrdersEndToEnd, RepeatedIdempotencyKeyReturnsTheFirstOrder) {
  const std::string product = createProduct("E2E-TEA-2", 100);
  const std::string user = newUser();
  const auto first = placeOrder(user, product, 1, "checkout-42");
  const auto second = placeOrder(user, product, 1, "checkout-42");
  EXPECT_EQ(text(first, "id"), text(second, "id"));
  // The same key for other items is a client bug: 400 naming the key, and no second order.
  http::Headers headers;
  headers.add("Idempotency-Key", "checkout-42");
  const auto other = call("POST", "/api/v1/orders",
                          R"({"userId":")" + user + R"(","items":[{"productId":")" + product + R"(","quantity":5}]})",
                          headers);
  EXPECT_EQ(other.status, 400) << other.body;
  EXPECT_NE(other.body.find("idempotencyKey"), std::string::npos) << other.body;
  EXPECT_EQ(call("GET", "/api/v1/orders?userId=" + user).body.find("checkout"), std::string::npos);
  const auto list = parse(call("GET", "/api/v1/orders?userId=" + user));
  EXPECT_EQ(list.at("orders").as_array().size(), 1u);
}

TEST_F(OrdersEndToEnd, BadOrdersAre400NamingTheLine) {
  const std::string user = newUser();
  const auto unknown = call("POST", "/api/v1/orders",
                            R"({"userId":")" + user + R"(","items":[{"productId":")" + newUuid() + R"(","quantity":1}]})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(firstField(unknown), "items[0].productId");
  const auto zero = call("POST", "/api/v1/orders",
                         R"({"userId":")" + user + R"(","items":[{"productId":")" + newUuid() + R"(","quantity":0}]})");
  EXPECT_EQ(zero.status, 400);
  EXPECT_EQ(firstField(zero), "items[0].quantity");
  const auto empty = call("POST", "/api/v1/orders", R"({"userId":")" + user + R"(","items":[]})");
  EXPECT_EQ(firstField(empty), "items");
}

TEST_F(OrdersEndToEnd, WrongTransitionsAre409AndCancelWorksFromPending) {
  const std::string product = createProduct("E2E-TEA-3", 200);
  const auto order = placeOrder(newUser(), product, 1);
  const std::string id = text(order, "id");
  const auto ship = call("POST", "/api/v1/orders/" + id + ":ship", R"({"trackingNumber":"TRK-1"})");
  EXPECT_EQ(ship.status, 409) << ship.body;
  EXPECT_NE(ship.body.find("PENDING"), std::string::npos);
  EXPECT_EQ(call("POST", "/api/v1/orders/" + id + ":deliver").status, 409);

  http::Headers stale;
  stale.add("If-Match", "\"7\"");
  EXPECT_EQ(call("POST", "/api/v1/orders/" + id + ":cancel", R"({"reason":"changed my mind"})", stale).status, 412);
  // The same condition in the body instead of the header.
  EXPECT_EQ(call("POST", "/api/v1/orders/" + id + ":cancel", R"({"reason":"changed my mind","expectedVersion":"7"})").status,
            412);

  const auto cancelled = call("POST", "/api/v1/orders/" + id + ":cancel", R"({"reason":"changed my mind"})");
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(text(parse(cancelled), "status"), "CANCELLED");
  EXPECT_EQ(text(parse(cancelled), "cancelReason"), "changed my mind");
  EXPECT_EQ(call("POST", "/api/v1/orders/" + id + ":cancel", "{}").status, 409);
}

// A client whose answer was lost repeats its change with the same Idempotency-Key and gets the first
// answer, not the 409 that says the order is no longer where the change starts from.
TEST_F(OrdersEndToEnd, ARepeatedCancelWithItsIdempotencyKeyAnswersTheFirstResult) {
  const std::string product = createProduct("E2E-TEA-6", 200);
  const std::string id = text(placeOrder(newUser(), product, 1), "id");
  const std::string key = "cancel-" + newUuid();
  const auto keyed = [&] {
    http::Headers headers;
    headers.add("Idempotency-Key", key);
    return headers;
  };
  const auto first = call("POST", "/api/v1/orders/" + id + ":cancel", R"({"reason":"changed my mind"})", keyed());
  ASSERT_EQ(first.status, 200) << first.body;
  const auto again = call("POST", "/api/v1/orders/" + id + ":cancel", R"({"reason":"changed my mind"})", keyed());
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(text(parse(again), "status"), "CANCELLED");
  EXPECT_EQ(text(parse(again), "version"), text(parse(first), "version"));
  EXPECT_EQ(again.headers.get("ETag").value_or(""), first.headers.get("ETag").value_or("-"));
  // One cancellation in the history, and the key is the change's cause.
  const auto events = parse(call("GET", "/api/v1/orders/" + id + "/events")).at("events").as_array();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(text(events[1].as_object(), "causationId"), "idempotency-key:" + key);

  // The key with another reason is another change, not a repeat.
  const auto otherReason = call("POST", "/api/v1/orders/" + id + ":cancel", R"({"reason":"found it cheaper"})", keyed());
  EXPECT_EQ(otherReason.status, 400) << otherReason.body;
  EXPECT_EQ(firstField(otherReason), "idempotencyKey");

  // Without the key a repeat is what it always was; the key for another change is the caller's mistake.
  EXPECT_EQ(call("POST", "/api/v1/orders/" + id + ":cancel", R"({"reason":"changed my mind"})").status, 409);
  const auto misused = call("POST", "/api/v1/orders/" + id + ":ship", R"({"trackingNumber":"TRK-9"})", keyed());
  EXPECT_EQ(misused.status, 400) << misused.body;
  EXPECT_EQ(firstField(misused), "idempotencyKey");
  http::Headers unreadable;
  unreadable.add("Idempotency-Key", std::string(200, 'k'));
  const auto tooLong = call("POST", "/api/v1/orders/" + id + ":deliver", "{}", unreadable);
  EXPECT_EQ(tooLong.status, 400) << tooLong.body;
  EXPECT_EQ(firstField(tooLong), "Idempotency-Key");  // refused at the gateway, by its header name
}

TEST_F(OrdersEndToEnd, HistoryTimeTravelAndAudit) {
  const std::string product = createProduct("E2E-TEA-4", 300);
  const std::string id = text(placeOrder(newUser(), product, 2), "id");
  ASSERT_EQ(call("POST", "/api/v1/orders/" + id + ":cancel", R"({"reason":"test"})").status, 200);

  const auto history = parse(call("GET", "/api/v1/orders/" + id + "/events"));
  const auto& events = history.at("events").as_array();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(text(events[0].as_object(), "type"), "OrderCreated");
  EXPECT_EQ(text(events[1].as_object(), "type"), "OrderCancelled");
  EXPECT_EQ(text(events[1].as_object().at("payload").as_object(), "reason"), "test");

  const auto v1 = parse(call("GET", "/api/v1/admin/orders/" + id + "/state?version=1"));
  EXPECT_EQ(text(v1.at("order").as_object(), "status"), "PENDING");
  const auto beyond = call("GET", "/api/v1/admin/orders/" + id + "/state?version=9");
  EXPECT_EQ(beyond.status, 400);
  EXPECT_EQ(firstField(beyond), "version");

  const auto audit = call("GET", "/api/v1/admin/audit?resource=orders&resourceId=" + id);
  ASSERT_EQ(audit.status, 200) << audit.body;
  const auto auditBody = parse(audit);
  const auto& entries = auditBody.at("entries").as_array();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(text(entries[0].as_object(), "action"), "OrderCancelled");
  EXPECT_NE(text(entries[0].as_object(), "beforeJson").find("PENDING"), std::string::npos);
  EXPECT_NE(text(entries[0].as_object(), "afterJson").find("CANCELLED"), std::string::npos);
  const auto wrongResource = call("GET", "/api/v1/admin/audit?resource=spaceships");
  EXPECT_EQ(wrongResource.status, 400);
  EXPECT_EQ(firstField(wrongResource), "resource");
}

TEST_F(OrdersEndToEnd, ProjectionRebuildRunsInTheBackgroundAndFindsNoDifferences) {
  const std::string product = createProduct("E2E-TEA-5", 300);
  placeOrder(newUser(), product, 1);
  const auto started = call("POST", "/api/v1/admin/projections/orders:rebuild", "{}");
  ASSERT_EQ(started.status, 202) << started.body;
  const std::string id = text(parse(started), "id");
  boost::json::object report;
  ASSERT_TRUE(testing::waitUntil(
      [&] {
        report = parse(call("GET", "/api/v1/admin/projections/rebuilds/" + id));
        return text(report, "state") != "RUNNING";
      },
      std::chrono::seconds(20)));
  EXPECT_EQ(text(report, "state"), "DONE") << boost::json::serialize(report);
  EXPECT_EQ(text(report, "differenceCount"), "0");
  EXPECT_EQ(call("POST", "/api/v1/admin/projections/customers:rebuild", "{}").status, 400);
}

TEST_F(OrdersEndToEnd, UnknownAndMalformedIds) {
  EXPECT_EQ(call("GET", "/api/v1/orders/" + newUuid()).status, 404);
  const auto malformed = call("GET", "/api/v1/orders/not-an-id");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(firstField(malformed), "id");
  EXPECT_EQ(call("GET", "/api/v1/orders?status=LOST").status, 400);
}

}  // namespace
}  // namespace fleetdeck
