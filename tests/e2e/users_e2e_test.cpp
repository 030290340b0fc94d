// The whole path over HTTP: gateway and users as real processes, a real PostgreSQL behind them.
#include <gtest/gtest.h>

#include <csignal>
#include <pqxx/pqxx>

#include "fleetdeck/core/json.h"
#include "fleetdeck/http/client.h"
#include "fleetdeck/testing/auth_helper.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"

namespace fleetdeck {
namespace {

using testing::ServiceProcess;

class UsersEndToEnd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto logs = testing::sharedInfra().root / "e2e-logs" / std::to_string(getpid());
    const uint16_t usersGrpc = testing::freePort();
    users_ = new ServiceProcess("users", FLEETDECK_USERS_BINARY,
                                {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/users/config/users.toml"},
                                 {"FLEETDECK_DATABASE__URL", testing::createTestDatabase("e2e_users")},
                                 {"FLEETDECK_GRPC__PORT", std::to_string(usersGrpc)},
                                 {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())}},
                                logs);
    ASSERT_TRUE(users_->start().isOk());
    gatewayPort_ = testing::freePort();
    gateway_ = new ServiceProcess("gateway", FLEETDECK_GATEWAY_BINARY,
                                  {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/gateway/config/gateway.toml"},
                                   {"FLEETDECK_HTTP__PORT", std::to_string(gatewayPort_)},
                                   {"FLEETDECK_HTTP__THREADS", "2"},
                                   {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())},
                                   {"FLEETDECK_UPSTREAMS__USERS", "127.0.0.1:" + std::to_string(usersGrpc)},
                                   {"FLEETDECK_AUTH__KEY_FILE", testing::testKeyFile("users-e2e")}},
                                  logs);
    const Status started = gateway_->start();
    ASSERT_TRUE(started.isOk()) << started.toString();
    // Every route here is an admin's: sign one in (created over gRPC, logged in through the gateway).
    auto admin = testing::signInAs("admin", "127.0.0.1:" + std::to_string(usersGrpc), gatewayPort_);
    ASSERT_TRUE(admin.isOk()) << admin.status().toString();
    adminToken_ = admin->accessToken;
  }
  static void TearDownTestSuite() {
    delete gateway_;
    delete users_;
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

  static std::string firstViolationField(const http::HttpResponse& response) {
    const auto body = parse(response);
    const auto& details = body.at("error").as_object().at("details").as_array();
    return details.empty() ? "" : std::string(details[0].as_object().at("field").as_string());
  }

  boost::json::object createUser(const std::string& name) {
    const auto response = call("POST", "/api/v1/users",
                               R"({"username":")" + name + R"(","email":")" + name +
                                   R"(@example.com","password":"correct horse battery","displayName":"User )" + name +
                                   "\"}");
    EXPECT_EQ(response.status, 201) << response.body;
    return parse(response);
  }

  static inline ServiceProcess* users_ = nullptr;
  static inline ServiceProcess* gateway_ = nullptr;
  static inline uint16_t gatewayPort_ = 0;
  static inline std::string adminToken_;
};

TEST_F(UsersEndToEnd, CreateThenGetWithEtagAndTraceId) {
  const auto created = createUser("erin");
  const std::string id(created.at("id").as_string());
  const auto response = call("GET", "/api/v1/users/" + id);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.headers.get("ETag").value_or(""), "\"1\"");
  EXPECT_EQ(response.headers.get("X-Trace-Id").value_or("").size(), 32u);
  const auto user = parse(response);
  EXPECT_EQ(user.at("username").as_string(), "erin");
  EXPECT_EQ(user.at("displayName").as_string(), "User erin");
  EXPECT_FALSE(user.contains("password"));
  EXPECT_FALSE(user.contains("passwordHash"));
}

TEST_F(UsersEndToEnd, TraceparentFromTheClientIsKept) {
  http::Headers headers;
  headers.add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  const auto response = call("GET", "/api/v1/users?pageSize=1", {}, headers);
  EXPECT_EQ(response.headers.get("X-Trace-Id").value_or(""), "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST_F(UsersEndToEnd, ListAcrossTwoPages) {
  for (const char* name : {"page.a", "page.b", "page.c"}) createUser(name);
  const auto first = call("GET", "/api/v1/users?pageSize=2&query=page.");
  ASSERT_EQ(first.status, 200) << first.body;
  const auto firstPage = parse(first);
  ASSERT_EQ(firstPage.at("users").as_array().size(), 2u);
  const std::string token(firstPage.at("nextPageToken").as_string());
  ASSERT_FALSE(token.empty());
  const auto second = parse(call("GET", "/api/v1/users?pageSize=2&query=page.&pageToken=" + token));
  ASSERT_EQ(second.at("users").as_array().size(), 1u);
  EXPECT_EQ(second.at("users").as_array()[0].as_object().at("username").as_string(), "page.c");
  EXPECT_EQ(second.at("nextPageToken").as_string(), "");
}

TEST_F(UsersEndToEnd, UpdateWithStaleIfMatchIs412AndFreshOneSucceeds) {
  const std::string id(createUser("frank").at("id").as_string());
  http::Headers fresh;
  fresh.add("If-Match", "\"1\"");
  const auto updated = call("PATCH", "/api/v1/users/" + id, R"({"displayName":"Frank"})", fresh);
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.headers.get("ETag").value_or(""), "\"2\"");
  EXPECT_EQ(parse(updated).at("displayName").as_string(), "Frank");

  const auto stale = call("PATCH", "/api/v1/users/" + id, R"({"displayName":"Mallory"})", fresh);
  EXPECT_EQ(stale.status, 412) << stale.body;
  EXPECT_EQ(parse(call("GET", "/api/v1/users/" + id)).at("displayName").as_string(), "Frank");
}

TEST_F(UsersEndToEnd, BadEmailIs400NamingTheField) {
  const auto response = call("POST", "/api/v1/users",
                             R"({"username":"gina","email":"gina-at-example","password":"correct horse battery"})");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(firstViolationField(response), "email");
  EXPECT_EQ(parse(response).at("error").as_object().at("code").as_string(), "INVALID_ARGUMENT");
}

TEST_F(UsersEndToEnd, UnknownIdIs404) {
  const auto response = call("GET", "/api/v1/users/01a213e1-22c5-7335-a7e4-2b51dae6d000");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(parse(response).at("error").as_object().at("code").as_string(), "NOT_FOUND");
}

TEST_F(UsersEndToEnd, DuplicateUsernameIs409) {
  createUser("henry");
  const auto response = call("POST", "/api/v1/users",
                             R"({"username":"henry","email":"other@example.com","password":"correct horse battery"})");
  EXPECT_EQ(response.status, 409);
  EXPECT_EQ(firstViolationField(response), "username");
}

TEST_F(UsersEndToEnd, RoutingErrors) {
  EXPECT_EQ(call("GET", "/api/v1/nothing").status, 404);
  const auto wrongMethod = call("PUT", "/api/v1/users/x");
  EXPECT_EQ(wrongMethod.status, 405);
  EXPECT_NE(wrongMethod.headers.get("Allow").value_or("").find("PATCH"), std::string::npos);
  const auto malformed = call("POST", "/api/v1/users", R"({"username": "x",, })");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_NE(malformed.body.find("at byte"), std::string::npos) << malformed.body;
}

TEST_F(UsersEndToEnd, SqlMetacharactersAreStoredLiterally) {
  const std::string id(createUser("ivan").at("id").as_string());
  const auto updated = call("PATCH", "/api/v1/users/" + id, R"({"displayName":"Robert'); DROP TABLE users;--"})");
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(parse(call("GET", "/api/v1/users/" + id)).at("displayName").as_string(), "Robert'); DROP TABLE users;--");
}

TEST_F(UsersEndToEnd, DeleteDisablesAndResetPasswordReturnsOnce) {
  const std::string id(createUser("judy").at("id").as_string());
  const auto reset = call("POST", "/api/v1/users/" + id + ":resetPassword");
  ASSERT_EQ(reset.status, 200) << reset.body;
  EXPECT_GE(parse(reset).at("temporaryPassword").as_string().size(), 12u);
  const auto deleted = call("DELETE", "/api/v1/users/" + id);
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(parse(deleted).at("status").as_string(), "disabled");
  EXPECT_EQ(parse(call("GET", "/api/v1/users/" + id)).at("status").as_string(), "disabled");
}

TEST_F(UsersEndToEnd, AnAdminEditShowsUpInTheAuditApiWithBeforeAndAfter) {
  const std::string id(createUser("kate").at("id").as_string());
  http::Headers headers;
  headers.add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  ASSERT_EQ(call("PATCH", "/api/v1/users/" + id, R"({"role":"operator"})", headers).status, 200);
  const auto response = call("GET", "/api/v1/admin/audit/users?resourceId=" + id);
  ASSERT_EQ(response.status, 200) << response.body;
  const auto body = parse(response);
  const auto& entries = body.at("entries").as_array();
  ASSERT_EQ(entries.size(), 2u) << response.body;
  const auto& latest = entries[0].as_object();
  EXPECT_EQ(latest.at("action").as_string(), "update");
  EXPECT_EQ(latest.at("traceId").as_string(), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_FALSE(latest.at("actor").as_string().empty());
  EXPECT_NE(std::string(latest.at("beforeJson").as_string()).find("customer"), std::string::npos);
  EXPECT_NE(std::string(latest.at("afterJson").as_string()).find("operator"), std::string::npos);
}

TEST_F(UsersEndToEnd, AdminPortsServeHealthReadinessAndMetrics) {
  http::HttpClient admin("127.0.0.1", users_->adminPort());
  auto ready = admin.get("/readyz");
  ASSERT_TRUE(ready.isOk());
  EXPECT_EQ(ready->status, 200);
  EXPECT_NE(ready->body.find("\"database\""), std::string::npos) << ready->body;
  auto metrics = admin.get("/metrics");
  ASSERT_TRUE(metrics.isOk());
  EXPECT_NE(metrics->body.find("db_pool_connections_open{pool=\"users\"}"), std::string::npos);
  auto health = admin.get("/healthz");
  ASSERT_TRUE(health.isOk());
  EXPECT_EQ(health->status, 200);
}

TEST_F(UsersEndToEnd, UsersDownGivesA503FastNotAHang) {
  // Runs last in this file (gtest keeps declaration order): it stops the users process.
  const int exitCode = users_->stop(std::chrono::seconds(10));
  EXPECT_EQ(exitCode, 0) << "SIGTERM must end the service cleanly";
  const auto started = std::chrono::steady_clock::now();
  const auto response = call("GET", "/api/v1/users?pageSize=1");
  EXPECT_EQ(response.status, 503) << response.body;
  EXPECT_TRUE(response.headers.contains("Retry-After"));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(6));
}


// A stop signal during start-up ends the process at once (128 + SIGTERM) instead of waiting until
// start-up finishes: here the migrations wait for another replica's migration lock, held by the test.
TEST(UsersStartup, SigtermWhileStartUpWaitsOnTheMigrationLock_EndsTheProcessAtOnce) {
  const std::string database = testing::createTestDatabase("e2e_users_startup");
  pqxx::connection otherReplica(database);
  pqxx::nontransaction(otherReplica).exec("SELECT pg_advisory_lock(" + std::to_string(0x466c656574446b) + ")");
  ServiceProcess users("users-blocked", FLEETDECK_USERS_BINARY,
                       {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/users/config/users.toml"},
                        {"FLEETDECK_DATABASE__URL", database},
                        {"FLEETDECK_GRPC__PORT", std::to_string(testing::freePort())},
                        {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())}},
                       testing::sharedInfra().root / "e2e-logs" / ("users-startup-" + std::to_string(getpid())));
  EXPECT_FALSE(users.start(std::chrono::milliseconds(1500)).isOk()) << "start-up is blocked on the lock";
  ASSERT_TRUE(users.running());
  // Killed after the grace instead, it would not end with 128 + SIGTERM.
  EXPECT_EQ(users.stop(std::chrono::seconds(5)), 128 + SIGTERM) << users.logTail();
}

// A refresh-token lifetime under a minute (0, "500ms") made every refresh token expired as it was
// issued, and the service started as if nothing were wrong: it is refused at start, naming the key,
// as a setting no restart mends (EX_CONFIG).
TEST(UsersStartup, ARefreshTtlUnderAMinute_RefusesToStartNamingTheKey) {
  const std::string database = testing::createTestDatabase("e2e_users_refresh_ttl");
  const auto logs = testing::sharedInfra().root / "e2e-logs" / ("users-refresh-ttl-" + std::to_string(getpid()));
  int run = 0;
  for (const std::string ttl : {"0", "500ms", "59s"}) {
    ServiceProcess users("users-ttl-" + std::to_string(run++), FLEETDECK_USERS_BINARY,
                         {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/users/config/users.toml"},
                          {"FLEETDECK_DATABASE__URL", database},
                          {"FLEETDECK_GRPC__PORT", std::to_string(testing::freePort())},
                          {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())},
                          {"FLEETDECK_SESSIONS__REFRESH_TTL", ttl}},
                         logs);
    const Status started = users.start(std::chrono::seconds(20));
    EXPECT_FALSE(started.isOk()) << ttl << ": started with a refresh lifetime under a minute";
    EXPECT_NE(started.message().find("exited with code 78"), std::string::npos) << ttl << ": " << started.toString();
    EXPECT_NE(started.message().find("sessions.refresh_ttl"), std::string::npos) << ttl << ": " << started.toString();
    users.stop(std::chrono::seconds(5));
  }
}
}  // namespace
}  // namespace fleetdeck
