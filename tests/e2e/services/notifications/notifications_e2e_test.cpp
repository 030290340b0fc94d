// The notifications path as a client sees it: notifications recorded through the internal gRPC
// Notify, read through the gateway over HTTP; gateway and service are real processes on real PostgreSQL.
#include <gtest/gtest.h>

#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/core/json.h"
#include "fleetdeck/http/client.h"
#include "fleetdeck/notifications/v1/notifications.grpc.pb.h"
#include "fleetdeck/rpc/client.h"
#include "fleetdeck/testing/auth_helper.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"

namespace fleetdeck {
namespace {

using testing::ServiceProcess;
namespace v1 = notifications::v1;

class NotificationsEndToEnd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto logs = testing::sharedInfra().root / "e2e-logs" / std::to_string(getpid());
    const uint16_t grpcPort = testing::freePort();
    service_ = new ServiceProcess(
        "notifications", FLEETDECK_NOTIFICATIONS_BINARY,
        {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/notifications/config/notifications.toml"},
         {"FLEETDECK_DATABASE__URL", testing::createTestDatabase("e2e_notifications")},
         {"FLEETDECK_GRPC__PORT", std::to_string(grpcPort)},
         {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())}},
        logs);
    const Status serviceStarted = service_->start();
    ASSERT_TRUE(serviceStarted.isOk()) << serviceStarted.toString();
    stub_ = v1::NotificationsService::NewStub(rpc::makeChannel("127.0.0.1:" + std::to_string(grpcPort))).release();

    // The gateway signs people in through the users service: an admin drives these routes.
    auto users = testing::startUsersService(FLEETDECK_USERS_BINARY, FLEETDECK_SOURCE_DIR "/services/users/config/users.toml",
                                            logs);
    ASSERT_TRUE(users.isOk()) << users.status().toString();
    users_ = new testing::UsersServiceUnderTest(std::move(*users));
    gatewayPort_ = testing::freePort();
    gateway_ = new ServiceProcess(
        "gateway", FLEETDECK_GATEWAY_BINARY,
        {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/gateway/config/gateway.toml"},
         {"FLEETDECK_HTTP__PORT", std::to_string(gatewayPort_)},
         {"FLEETDECK_HTTP__THREADS", "2"},
         {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())},
         {"FLEETDECK_UPSTREAMS__NOTIFICATIONS", "127.0.0.1:" + std::to_string(grpcPort)},
         {"FLEETDECK_UPSTREAMS__USERS", users_->grpcAddress()},
         {"FLEETDECK_AUTH__KEY_FILE", testing::testKeyFile("notifications-e2e")}},
        logs);
    const Status gatewayStarted = gateway_->start();
    ASSERT_TRUE(gatewayStarted.isOk()) << gatewayStarted.toString();
    auto admin = testing::signInAs("admin", users_->grpcAddress(), gatewayPort_);
    ASSERT_TRUE(admin.isOk()) << admin.status().toString();
    adminToken_ = admin->accessToken;
  }
  static void TearDownTestSuite() {
    delete gateway_;
    delete users_;
    delete stub_;
    delete service_;
  }

  static v1::Notification notify(const std::string& sourceId, const std::string& userId, const std::string& title) {
    v1::NotifyRequest request;
    request.set_source_id(sourceId);
    request.set_user_id(userId);
    request.set_kind("order_shipped");
    request.set_title(title);
    request.set_body("Tracking number 1Z999.");
    v1::Notification response;
    auto context = rpc::makeContext(std::chrono::seconds(5));
    const grpc::Status status = stub_->Notify(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  http::HttpResponse call(const std::string& method, const std::string& target) {
    http::HttpClient client("127.0.0.1", gatewayPort_);
    auto response = client.request(method, target, {}, testing::bearer(adminToken_));
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
    if (!body.contains("error")) return "";
    const auto& details = body.at("error").as_object().at("details").as_array();
    return details.empty() ? "" : std::string(details[0].as_object().at("field").as_string());
  }

  static std::vector<std::string> titlesOf(const boost::json::object& page) {
    std::vector<std::string> titles;
    for (const auto& item : page.at("notifications").as_array()) {
      titles.emplace_back(item.as_object().at("title").as_string());
    }
    return titles;
  }

  static inline ServiceProcess* service_ = nullptr;
  static inline ServiceProcess* gateway_ = nullptr;
  static inline v1::NotificationsService::Stub* stub_ = nullptr;
  static inline uint16_t gatewayPort_ = 0;
  static inline testing::UsersServiceUnderTest* users_ = nullptr;
  static inline std::string adminToken_;
};

TEST_F(NotificationsEndToEnd, ListsAUsersNotificationsNewestFirstAcrossPages) {
  const std::string user = newUuid();
  const std::string otherUser = newUuid();
  for (int i = 1; i <= 3; ++i) notify(user + "-shipped-" + std::to_string(i), user, "Parcel " + std::to_string(i));
  notify(otherUser + "-shipped", otherUser, "Not yours");

  const auto first = call("GET", "/api/v1/notifications?userId=" + user + "&pageSize=2");
  ASSERT_EQ(first.status, 200) << first.body;
  const auto firstPage = parse(first);
  EXPECT_EQ(titlesOf(firstPage), (std::vector<std::string>{"Parcel 3", "Parcel 2"}));
  const auto& newest = firstPage.at("notifications").as_array()[0].as_object();
  EXPECT_EQ(newest.at("userId").as_string(), user);
  EXPECT_EQ(newest.at("kind").as_string(), "order_shipped");
  EXPECT_EQ(newest.at("sourceId").as_string(), user + "-shipped-3");
  EXPECT_EQ(newest.at("body").as_string(), "Tracking number 1Z999.");
  EXPECT_TRUE(newest.contains("createTime"));
  const std::string token(firstPage.at("nextPageToken").as_string());
  ASSERT_FALSE(token.empty());

  const auto second = call("GET", "/api/v1/notifications?userId=" + user + "&pageSize=2&pageToken=" + token);
  ASSERT_EQ(second.status, 200) << second.body;
  const auto secondPage = parse(second);
  EXPECT_EQ(titlesOf(secondPage), std::vector<std::string>{"Parcel 1"});
  EXPECT_EQ(secondPage.contains("nextPageToken") ? std::string(secondPage.at("nextPageToken").as_string()) : "", "");
}

TEST_F(NotificationsEndToEnd, RepeatedNotifyShowsOnceInTheList) {
  const std::string user = newUuid();
  const v1::Notification first = notify("repeat-" + user, user, "Welcome");
  const v1::Notification again = notify("repeat-" + user, user, "Welcome again");
  EXPECT_EQ(again.id(), first.id());
  EXPECT_EQ(again.title(), "Welcome");
  const auto response = call("GET", "/api/v1/notifications?userId=" + user);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(titlesOf(parse(response)), std::vector<std::string>{"Welcome"});
}

// API.md: notifications are "own" for every role. An admin who names nobody reads their own, not a
// 400; naming a user is still theirs to do.
TEST_F(NotificationsEndToEnd, WithoutUserIdAnAdminReadsTheirOwn) {
  auto me = call("GET", "/api/v1/users/me");
  ASSERT_EQ(me.status, 200) << me.body;
  const std::string adminId(parse(me).at("id").as_string());
  notify("own-" + adminId, adminId, "For the admin");
  notify("own-" + adminId + "-other", newUuid(), "For someone else");
  for (const std::string target : {"/api/v1/notifications", "/api/v1/notifications?pageSize=5"}) {
    const auto response = call("GET", target);
    ASSERT_EQ(response.status, 200) << target << ": " << response.body;
    EXPECT_EQ(titlesOf(parse(response)), std::vector<std::string>{"For the admin"}) << target;
  }
}

TEST_F(NotificationsEndToEnd, MalformedUserIdIs400NamingUserId) {
  const auto response = call("GET", "/api/v1/notifications?userId=alice");
  EXPECT_EQ(response.status, 400) << response.body;
  EXPECT_EQ(firstViolationField(response), "userId");
  EXPECT_EQ(parse(response).at("error").as_object().at("code").as_string(), "INVALID_ARGUMENT");
}

TEST_F(NotificationsEndToEnd, MalformedPageTokenIs400NamingPageToken) {
  const std::string user = newUuid();
  for (const std::string& token : {std::string("garbage!"), base64UrlEncode("n1:12:not-a-uuid")}) {
    const auto response = call("GET", "/api/v1/notifications?userId=" + user + "&pageToken=" + token);
    EXPECT_EQ(response.status, 400) << token << ": " << response.body;
    EXPECT_EQ(firstViolationField(response), "pageToken") << token;
  }
}

TEST_F(NotificationsEndToEnd, NonNumericPageSizeIs400NamingPageSize) {
  const auto response = call("GET", "/api/v1/notifications?userId=" + newUuid() + "&pageSize=ten");
  EXPECT_EQ(response.status, 400) << response.body;
  EXPECT_EQ(firstViolationField(response), "pageSize");
}

TEST_F(NotificationsEndToEnd, NotifyIsNotReachableOverHttp) {
  const auto response = call("POST", "/api/v1/notifications");
  EXPECT_EQ(response.status, 405) << response.body;
  EXPECT_NE(response.headers.get("Allow").value_or("").find("GET"), std::string::npos);
}

TEST_F(NotificationsEndToEnd, AdminPortServesReadinessAndNotifyMetrics) {
  notify("metrics-" + newUuid(), newUuid(), "Counted");
  http::HttpClient admin("127.0.0.1", service_->adminPort());
  auto ready = admin.get("/readyz");
  ASSERT_TRUE(ready.isOk());
  EXPECT_EQ(ready->status, 200);
  EXPECT_NE(ready->body.find("\"database\""), std::string::npos) << ready->body;
  auto metrics = admin.get("/metrics");
  ASSERT_TRUE(metrics.isOk());
  EXPECT_NE(metrics->body.find("notifications_notify_total{outcome=\"created\"}"), std::string::npos);
  EXPECT_NE(metrics->body.find("db_pool_connections_open{pool=\"notifications\"}"), std::string::npos);
}

TEST_F(NotificationsEndToEnd, SigtermEndsTheServiceCleanly) {
  // Runs last in this file (gtest keeps declaration order): it stops the service. The test's own
  // channel goes first: a synchronous client polls its connection only during calls, so it would
  // not see the server's GOAWAY and the server would wait out its whole drain time.
  delete stub_;
  stub_ = nullptr;
  EXPECT_EQ(service_->stop(std::chrono::seconds(10)), 0);
}

}  // namespace
}  // namespace fleetdeck
