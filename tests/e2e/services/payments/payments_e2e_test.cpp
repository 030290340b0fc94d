// The payments routes over HTTP: gateway and payments as real processes, a real PostgreSQL behind them.
// Wallets are opened and charges made with the internal gRPC calls (they have no REST route).
#include <gtest/gtest.h>

#include "fleetdeck/core/ids.h"
#include "fleetdeck/core/json.h"
#include "fleetdeck/http/client.h"
#include "fleetdeck/payments/v1/payments.grpc.pb.h"
#include "fleetdeck/rpc/client.h"
#include "fleetdeck/testing/auth_helper.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"

namespace fleetdeck {
namespace {

using testing::ServiceProcess;
namespace v1 = payments::v1;

// One payments process and a gateway in front of it.
struct Fleet {
  std::unique_ptr<ServiceProcess> payments;
  std::unique_ptr<ServiceProcess> gateway;
  testing::UsersServiceUnderTest users;
  uint16_t gatewayPort = 0;
  std::string adminToken;
  std::unique_ptr<v1::PaymentsService::Stub> stub;

  Status start(const std::string& name, bool allowRuntimeFaultChanges) {
    const auto logs = testing::sharedInfra().root / "e2e-logs" / std::to_string(getpid());
    const uint16_t grpcPort = testing::freePort();
    std::map<std::string, std::string> environment{
        {"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/payments/config/payments.toml"},
        {"FLEETDECK_DATABASE__URL", testing::createTestDatabase("e2e_" + name)},
        {"FLEETDECK_GRPC__PORT", std::to_string(grpcPort)},
        {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())},
        {"FLEETDECK_SERVER__WORKERS", "4"}};
    if (allowRuntimeFaultChanges) environment["FLEETDECK_FAULTS__ALLOW_RUNTIME_CHANGES"] = "true";
    payments = std::make_unique<ServiceProcess>(name, FLEETDECK_PAYMENTS_BINARY, environment, logs);
    FLEETDECK_RETURN_IF_ERROR(payments->start());
    // The gateway signs people in through the users service: an admin drives these routes.
    auto startedUsers = testing::startUsersService(FLEETDECK_USERS_BINARY,
                                                   FLEETDECK_SOURCE_DIR "/services/users/config/users.toml", logs);
    if (!startedUsers) return startedUsers.status();
    users = std::move(*startedUsers);
    gatewayPort = testing::freePort();
    std::map<std::string, std::string> gatewayEnvironment{
        {"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/gateway/config/gateway.toml"},
        {"FLEETDECK_HTTP__PORT", std::to_string(gatewayPort)},
        {"FLEETDECK_HTTP__THREADS", "2"},
        {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())},
        {"FLEETDECK_UPSTREAMS__PAYMENTS", "127.0.0.1:" + std::to_string(grpcPort)},
        {"FLEETDECK_UPSTREAMS__USERS", users.grpcAddress()},
        {"FLEETDECK_AUTH__KEY_FILE", testing::testKeyFile(name)}};
    // A local fleet's gateway (the launcher's control address makes it one; nothing here calls it).
    if (allowRuntimeFaultChanges) gatewayEnvironment["FLEETDECK_LOCAL_FLEET__CONTROL_URL"] = "http://127.0.0.1:1";
    gateway = std::make_unique<ServiceProcess>(name + "-gateway", FLEETDECK_GATEWAY_BINARY, gatewayEnvironment, logs);
    FLEETDECK_RETURN_IF_ERROR(gateway->start());
    auto admin = testing::signInAs("admin", users.grpcAddress(), gatewayPort);
    if (!admin) return admin.status();
    adminToken = admin->accessToken;
    stub = v1::PaymentsService::NewStub(rpc::makeChannel("127.0.0.1:" + std::to_string(grpcPort)));
    return Status::ok();
  }
};

class PaymentsEndToEnd : public ::testing::Test {
 protected:
  http::HttpResponse call(const Fleet& fleet, const std::string& method, const std::string& target,
                          const std::string& body = {}, http::Headers headers = {}) {
    http::HttpClient client("127.0.0.1", fleet.gatewayPort);
    if (!headers.contains("Authorization")) headers = testing::bearer(fleet.adminToken, std::move(headers));
    auto response = client.request(method, target, body, headers);
    EXPECT_TRUE(response.isOk()) << response.status().toString();
    return response.isOk() ? *response : http::HttpResponse{};
  }

  static boost::json::object parse(const http::HttpResponse& response) {
    auto parsed = json::parse(response.body);
    EXPECT_TRUE(parsed && parsed->is_object()) << response.body;
    return parsed && parsed->is_object() ? parsed->as_object() : boost::json::object{};
  }

  static std::string errorCode(const http::HttpResponse& response) {
    const auto body = parse(response);
    if (!body.contains("error")) return {};
    return std::string(body.at("error").as_object().at("code").as_string());
  }

  static std::string firstViolationField(const http::HttpResponse& response) {
    const auto body = parse(response);
    if (!body.contains("error")) return {};
    const auto& error = body.at("error").as_object();
    if (!error.contains("details")) return {};
    const auto& details = error.at("details").as_array();
    return details.empty() ? "" : std::string(details[0].as_object().at("field").as_string());
  }

  static std::string openWallet(Fleet& fleet) {
    v1::OpenWalletRequest request;
    request.set_user_id(newUuid());
    v1::Wallet wallet;
    auto context = rpc::makeContext(std::chrono::seconds(5));
    const grpc::Status status = fleet.stub->OpenWallet(context.get(), request, &wallet);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return request.user_id();
  }

  static grpc::Status charge(Fleet& fleet, const std::string& key, const std::string& userId,
                             const std::string& orderId, int64_t units, v1::Payment& payment) {
    v1::ChargeRequest request;
    request.set_idempotency_key(key);
    request.set_user_id(userId);
    request.set_order_id(orderId);
    request.mutable_amount()->set_currency_code("USD");
    request.mutable_amount()->set_units(units);
    auto context = rpc::makeContext(std::chrono::seconds(5));
    return fleet.stub->Charge(context.get(), request, &payment);
  }

  static std::string units(const boost::json::object& wallet) {
    return std::string(wallet.at("balance").as_object().at("units").as_string());
  }
};

// A fleet as configured everywhere but on a laptop: runtime fault changes are refused.
class PaymentsDefaultFleet : public PaymentsEndToEnd {
 protected:
  static void SetUpTestSuite() {
    fleet_ = new Fleet();
    const Status started = fleet_->start("payments", false);
    ASSERT_TRUE(started.isOk()) << started.toString();
  }
  static void TearDownTestSuite() {
    delete fleet_;
    fleet_ = nullptr;
  }
  http::HttpResponse call(const std::string& method, const std::string& target, const std::string& body = {},
                          http::Headers headers = {}) {
    return PaymentsEndToEnd::call(*fleet_, method, target, body, std::move(headers));
  }
  static inline Fleet* fleet_ = nullptr;
};

TEST_F(PaymentsDefaultFleet, GetWalletShowsTheDemoCreditWithAnEtag) {
  const std::string userId = openWallet(*fleet_);
  const auto response = call("GET", "/api/v1/users/" + userId + "/wallet");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.headers.get("ETag").value_or(""), "\"1\"");
  const auto wallet = parse(response);
  EXPECT_EQ(wallet.at("userId").as_string(), userId);
  EXPECT_EQ(wallet.at("balance").as_object().at("currencyCode").as_string(), "USD");
  EXPECT_EQ(units(wallet), "100000");
}

TEST_F(PaymentsDefaultFleet, TopUpRepeatedWithTheSameIdempotencyKeyCreditsOnce) {
  const std::string userId = openWallet(*fleet_);
  http::Headers headers;
  headers.add("Idempotency-Key", "topup-" + newUuid());
  for (int i = 0; i < 3; ++i) {
    const auto response = call("POST", "/api/v1/users/" + userId + "/wallet:topUp",
                               R"({"amount":{"currencyCode":"USD","units":"2500"}})", headers);
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(units(parse(response)), "102500");
  }
  const auto wallet = call("GET", "/api/v1/users/" + userId + "/wallet");
  EXPECT_EQ(units(parse(wallet)), "102500");
  EXPECT_EQ(wallet.headers.get("ETag").value_or(""), "\"2\"");

  const auto ledger = parse(call("GET", "/api/v1/users/" + userId + "/wallet/ledger"));
  const auto& entries = ledger.at("entries").as_array();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].as_object().at("kind").as_string(), "top_up");
  EXPECT_EQ(entries[1].as_object().at("kind").as_string(), "opening_credit");

  // Without a key a retry could not be told from a new top-up: refused, and nothing is credited (by
  // the gateway, naming the header; payments refuses a keyless gRPC call itself too).
  for (int i = 0; i < 2; ++i) {
    const auto refused =
        call("POST", "/api/v1/users/" + userId + "/wallet:topUp", R"({"amount":{"currencyCode":"USD","units":1}})");
    ASSERT_EQ(refused.status, 400) << refused.body;
    EXPECT_EQ(errorCode(refused), "INVALID_ARGUMENT");
    EXPECT_EQ(firstViolationField(refused), "Idempotency-Key");
  }
  EXPECT_EQ(units(parse(call("GET", "/api/v1/users/" + userId + "/wallet"))), "102500");
}

TEST_F(PaymentsDefaultFleet, BadTopUpInputIs400NamingTheField) {
  const std::string userId = openWallet(*fleet_);
  const std::string path = "/api/v1/users/" + userId + "/wallet:topUp";
  // Each under a key of its own, so the field named is the one that is wrong.
  const auto keyed = [] {
    http::Headers headers;
    headers.add("Idempotency-Key", newUuid());
    return headers;
  };
  auto response = call("POST", path, R"({"amount":{"currencyCode":"USD","units":"0"}})", keyed());
  EXPECT_EQ(response.status, 400) << response.body;
  EXPECT_EQ(firstViolationField(response), "amount.units");

  response = call("POST", path, R"({"amount":{"currencyCode":"USD","units":"-500"}})", keyed());
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(firstViolationField(response), "amount.units");

  response = call("POST", path, R"({"amount":{"currencyCode":"EUR","units":"500"}})", keyed());
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(firstViolationField(response), "amount.currencyCode");
  EXPECT_EQ(errorCode(response), "INVALID_ARGUMENT");

  response = call("POST", path, R"({"amount":{"units":"500"}})", keyed());
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(firstViolationField(response), "amount.currencyCode");

  response =
      call("POST", "/api/v1/users/not-a-uuid/wallet:topUp", R"({"amount":{"currencyCode":"USD","units":1}})", keyed());
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(firstViolationField(response), "userId");

  response = call("GET", "/api/v1/users/42/wallet");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(firstViolationField(response), "userId");

  EXPECT_EQ(units(parse(call("GET", "/api/v1/users/" + userId + "/wallet"))), "100000") << "nothing was credited";
}

TEST_F(PaymentsDefaultFleet, UnknownWalletIs404) {
  const std::string nobody = newUuid();
  auto response = call("GET", "/api/v1/users/" + nobody + "/wallet");
  EXPECT_EQ(response.status, 404) << response.body;
  EXPECT_EQ(errorCode(response), "NOT_FOUND");
  http::Headers headers;
  headers.add("Idempotency-Key", newUuid());
  response = call("POST", "/api/v1/users/" + nobody + "/wallet:topUp", R"({"amount":{"currencyCode":"USD","units":1}})",
                  headers);
  EXPECT_EQ(response.status, 404) << response.body;
  EXPECT_EQ(call("GET", "/api/v1/users/" + nobody + "/wallet/ledger").status, 404);
}

TEST_F(PaymentsDefaultFleet, PaymentsAreListedByOrder) {
  const std::string userId = openWallet(*fleet_);
  const std::string orderId = newUuid();
  v1::Payment charged;
  ASSERT_TRUE(charge(*fleet_, "saga-" + newUuid(), userId, orderId, 4'200, charged).ok());
  v1::Payment declined;
  ASSERT_TRUE(charge(*fleet_, "saga-" + newUuid(), userId, newUuid(), 1'000'000, declined).ok());
  ASSERT_EQ(declined.status(), "DECLINED");

  const auto response = call("GET", "/api/v1/payments?orderId=" + orderId);
  ASSERT_EQ(response.status, 200) << response.body;
  const auto listed = parse(response);
  const auto& payments = listed.at("payments").as_array();
  ASSERT_EQ(payments.size(), 1u);
  const auto& payment = payments[0].as_object();
  EXPECT_EQ(payment.at("id").as_string(), charged.id());
  EXPECT_EQ(payment.at("status").as_string(), "CHARGED");
  EXPECT_EQ(payment.at("amount").as_object().at("units").as_string(), "4200");

  const auto byUser = parse(call("GET", "/api/v1/payments?userId=" + userId + "&pageSize=1"));
  ASSERT_EQ(byUser.at("payments").as_array().size(), 1u);
  EXPECT_EQ(byUser.at("payments").as_array()[0].as_object().at("declineReason").as_string(), "insufficient_funds");
  EXPECT_FALSE(byUser.at("nextPageToken").as_string().empty());

  EXPECT_EQ(units(parse(call("GET", "/api/v1/users/" + userId + "/wallet"))), "95800");
}

TEST_F(PaymentsDefaultFleet, BadListInputIs400NamingTheField) {
  auto response = call("GET", "/api/v1/payments?orderId=order-1");
  EXPECT_EQ(response.status, 400) << response.body;
  EXPECT_EQ(firstViolationField(response), "orderId");
  response = call("GET", "/api/v1/payments?pageToken=forged");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(firstViolationField(response), "pageToken");
  response = call("GET", "/api/v1/payments?pageSize=-3");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(firstViolationField(response), "pageSize");
}

// API.md: fault injection is the local fleet's; elsewhere (Kubernetes, Compose) there is no such
// route, so the console shows no fault panel whose every Apply would fail.
TEST_F(PaymentsDefaultFleet, FaultRoutesAre404OffTheLocalFleet) {
  const auto current = call("GET", "/api/v1/admin/faults");
  EXPECT_EQ(current.status, 404) << current.body;
  const auto refused = call("PUT", "/api/v1/admin/faults", R"({"failureRate":1})");
  EXPECT_EQ(refused.status, 404) << refused.body;
}

// The local fleet's configuration: runtime fault changes allowed.
class PaymentsLocalFleet : public PaymentsEndToEnd {
 protected:
  static void SetUpTestSuite() {
    fleet_ = new Fleet();
    const Status started = fleet_->start("payments_local", true);
    ASSERT_TRUE(started.isOk()) << started.toString();
  }
  static void TearDownTestSuite() {
    delete fleet_;
    fleet_ = nullptr;
  }
  void TearDown() override { call("PUT", "/api/v1/admin/faults", "{}"); }
  http::HttpResponse call(const std::string& method, const std::string& target, const std::string& body = {},
                          http::Headers headers = {}) {
    return PaymentsEndToEnd::call(*fleet_, method, target, body, std::move(headers));
  }
  static inline Fleet* fleet_ = nullptr;
};

TEST_F(PaymentsLocalFleet, FaultsCanBeSetAndReadBack) {
  const auto set =
      call("PUT", "/api/v1/admin/faults", R"({"declineRate":0.25,"failureRate":0.5,"addedLatencyMs":"20"})");
  ASSERT_EQ(set.status, 200) << set.body;
  const auto faults = parse(call("GET", "/api/v1/admin/faults"));
  EXPECT_EQ(faults.at("declineRate").to_number<double>(), 0.25);
  EXPECT_EQ(faults.at("failureRate").to_number<double>(), 0.5);
  EXPECT_EQ(faults.at("addedLatencyMs").as_string(), "20");
}

TEST_F(PaymentsLocalFleet, OutOfRangeFaultsAre400NamingTheField) {
  auto response = call("PUT", "/api/v1/admin/faults", R"({"declineRate":2})");
  EXPECT_EQ(response.status, 400) << response.body;
  EXPECT_EQ(firstViolationField(response), "faults.declineRate");
  response = call("PUT", "/api/v1/admin/faults", R"({"addedLatencyMs":"-1"})");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(firstViolationField(response), "faults.addedLatencyMs");
  EXPECT_EQ(parse(call("GET", "/api/v1/admin/faults")).at("declineRate").to_number<double>(), 0.0);
}

TEST_F(PaymentsLocalFleet, FailureRateOneMakesChargesUnavailableUntilTurnedOff) {
  const std::string userId = openWallet(*fleet_);
  ASSERT_EQ(call("PUT", "/api/v1/admin/faults", R"({"failureRate":1})").status, 200);
  v1::Payment payment;
  const std::string key = "saga-" + newUuid();
  EXPECT_EQ(charge(*fleet_, key, userId, newUuid(), 100, payment).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(parse(call("GET", "/api/v1/payments?userId=" + userId)).at("payments").as_array().size(), 0u);

  ASSERT_EQ(call("PUT", "/api/v1/admin/faults", R"({"failureRate":0})").status, 200);
  ASSERT_TRUE(charge(*fleet_, key, userId, newUuid(), 100, payment).ok());
  EXPECT_EQ(payment.status(), "CHARGED");
  EXPECT_EQ(units(parse(call("GET", "/api/v1/users/" + userId + "/wallet"))), "99900");
}

TEST_F(PaymentsLocalFleet, DeclineRateOneDeclinesChargesAsInjected) {
  const std::string userId = openWallet(*fleet_);
  ASSERT_EQ(call("PUT", "/api/v1/admin/faults", R"({"declineRate":1})").status, 200);
  v1::Payment payment;
  ASSERT_TRUE(charge(*fleet_, "saga-" + newUuid(), userId, newUuid(), 100, payment).ok());
  EXPECT_EQ(payment.status(), "DECLINED");
  EXPECT_EQ(payment.decline_reason(), "injected_decline");
  EXPECT_EQ(units(parse(call("GET", "/api/v1/users/" + userId + "/wallet"))), "100000");
}

}  // namespace
}  // namespace fleetdeck
