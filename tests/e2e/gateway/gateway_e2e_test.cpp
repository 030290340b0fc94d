// The gateway's own promises, each proven through real HTTP against the whole fleet as processes
// (users, products, orders, payments, notifications, a real Prometheus): who gets in, who sees
// what, what abuse costs, how failure looks, and the admin API the console lives on.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "adapters/child_process.h"
#include "fleetdeck/auth/jwt.h"
#include "fleetdeck/auth/key_ring.h"
#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/core/json.h"
#include "fleetdeck/http/client.h"
#include "fleetdeck/http/compression.h"
#include "fleetdeck/orders/v1/orders.grpc.pb.h"
#include "fleetdeck/payments/v1/payments.grpc.pb.h"
#include "fleetdeck/rpc/client.h"
#include "fleetdeck/testing/auth_helper.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/sse_stream.h"
#include "fleetdeck/testing/test_infra.h"

namespace fleetdeck {
namespace {

using testing::ServiceProcess;
namespace fs = std::filesystem;

constexpr const char* kConsoleOrigin = "https://console.example.test";

// A raw HTTP/1.1 exchange from a chosen loopback source address (127.0.0.0/8 all reaches lo), so a
// test can be "another client" to the per-address rate limiter. Returns the status code and the
// Retry-After header.
struct RawAnswer {
  int status = 0;
  std::string retryAfter;
};
RawAnswer rawGet(uint16_t port, const std::string& sourceAddress, const std::string& target,
                 const std::string& forwardedFor = "", const std::string& method = "GET",
                 const std::string& extraHeaders = "") {
  RawAnswer answer;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in source{};
  source.sin_family = AF_INET;
  inet_pton(AF_INET, sourceAddress.c_str(), &source.sin_addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0) {
    close(fd);
    return answer;
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return answer;
  }
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  const std::string request = method + " " + target + " HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n" +
                              (forwardedFor.empty() ? "" : "X-Forwarded-For: " + forwardedFor + "\r\n") +
                              extraHeaders + "\r\n";
  (void)::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string received;
  char buffer[4096];
  ssize_t n;
  while ((n = recv(fd, buffer, sizeof buffer, 0)) > 0) received.append(buffer, static_cast<size_t>(n));
  close(fd);
  if (received.size() > 12) answer.status = std::atoi(received.substr(9, 3).c_str());
  const size_t header = received.find("\r\nRetry-After: ");
  if (header != std::string::npos) {
    const size_t start = header + 15;
    answer.retryAfter = received.substr(start, received.find("\r\n", start) - start);
  }
  return answer;
}

// A stand-in upstream on a free loopback port that answers every request with one scripted HTTP
// response and closes the connection: for upstream answers a real one gives only now and then.
class ScriptedHttpListener {
 public:
  explicit ScriptedHttpListener(std::string answer) : answer_(std::move(answer)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(listen(fd_, 64), 0);
    socklen_t length = sizeof address;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedHttpListener() {
    shutdown(fd_, SHUT_RDWR);  // wakes the accept() below
    thread_.join();
    close(fd_);
  }
  ScriptedHttpListener(const ScriptedHttpListener&) = delete;
  ScriptedHttpListener& operator=(const ScriptedHttpListener&) = delete;

  uint16_t port() const { return port_; }

 private:
  void serve() {
    while (true) {
      const int connection = accept(fd_, nullptr, nullptr);
      if (connection < 0) return;
      timeval timeout{5, 0};
      setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      std::string received;
      char buffer[4096];
      ssize_t n = 0;
      while (received.find("\r\n\r\n") == std::string::npos &&
             (n = recv(connection, buffer, sizeof buffer, 0)) > 0) {
        received.append(buffer, static_cast<size_t>(n));
      }
      (void)::send(connection, answer_.data(), answer_.size(), MSG_NOSIGNAL);
      close(connection);
    }
  }

  std::string answer_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

using EventStream = testing::SseStream;

class GatewayEndToEnd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    logs_ = testing::sharedInfra().root / "e2e-logs" / ("gateway-" + std::to_string(getpid()));
    auto users = testing::startUsersService(FLEETDECK_USERS_BINARY, FLEETDECK_SOURCE_DIR "/services/users/config/users.toml",
                                            logs_);
    ASSERT_TRUE(users.isOk()) << users.status().toString();
    users_ = new testing::UsersServiceUnderTest(std::move(*users));

    productsGrpc_ = testing::freePort();
    productsDatabase_ = testing::createTestDatabase("e2e_gw_products");
    products_ = new ServiceProcess("products", FLEETDECK_PRODUCTS_BINARY, productsEnvironment(), logs_);
    ASSERT_TRUE(products_->start().isOk()) << products_->logTail();

    ordersGrpc_ = testing::freePort();
    const uint16_t ordersGrpc = ordersGrpc_;
    orders_ = new ServiceProcess("orders", FLEETDECK_ORDERS_BINARY,
                                 {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/orders/config/orders.toml"},
                                  {"FLEETDECK_DATABASE__URL", testing::createTestDatabase("e2e_gw_orders")},
                                  {"FLEETDECK_GRPC__PORT", std::to_string(ordersGrpc)},
                                  {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())},
                                  {"FLEETDECK_UPSTREAMS__PRODUCTS", address(productsGrpc_)}},
                                 logs_);
    const Status ordersStarted = orders_->start();
    ASSERT_TRUE(ordersStarted.isOk()) << ordersStarted.toString();

    paymentsGrpc_ = testing::freePort();
    payments_ = new ServiceProcess("payments", FLEETDECK_PAYMENTS_BINARY,
                                   {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/payments/config/payments.toml"},
                                    {"FLEETDECK_DATABASE__URL", testing::createTestDatabase("e2e_gw_payments")},
                                    {"FLEETDECK_GRPC__PORT", std::to_string(paymentsGrpc_)},
                                    {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())},
                                    // Fault changes are admin changes in payments' audit trail; the
                                    // tests that make one make it with every fault off, as it runs.
                                    {"FLEETDECK_FAULTS__ALLOW_RUNTIME_CHANGES", "true"}},
                                   logs_);
    ASSERT_TRUE(payments_->start().isOk()) << payments_->logTail();

    const uint16_t notificationsGrpc = testing::freePort();
    notifications_ = new ServiceProcess(
        "notifications", FLEETDECK_NOTIFICATIONS_BINARY,
        {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/notifications/config/notifications.toml"},
         {"FLEETDECK_DATABASE__URL", testing::createTestDatabase("e2e_gw_notifications")},
         {"FLEETDECK_GRPC__PORT", std::to_string(notificationsGrpc)},
         {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())}},
        logs_);
    ASSERT_TRUE(notifications_->start().isOk()) << notifications_->logTail();

    startPrometheus();

    keyFile_ = testing::testKeyFile("gateway-e2e");
    gatewayEnvironment_ = {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/gateway/config/gateway.toml"},
                           {"FLEETDECK_HTTP__THREADS", "2"},
                           {"FLEETDECK_AUTH__KEY_FILE", keyFile_},
                           {"FLEETDECK_UPSTREAMS__USERS", users_->grpcAddress()},
                           {"FLEETDECK_UPSTREAMS__PRODUCTS", address(productsGrpc_)},
                           {"FLEETDECK_UPSTREAMS__ORDERS", address(ordersGrpc)},
                           {"FLEETDECK_UPSTREAMS__PAYMENTS", address(paymentsGrpc_)},
                           {"FLEETDECK_UPSTREAMS__NOTIFICATIONS", address(notificationsGrpc)},
                           {"FLEETDECK_CORS__ALLOWED_ORIGINS", kConsoleOrigin},
                           {"FLEETDECK_PROMETHEUS__URL", "http://127.0.0.1:" + std::to_string(prometheusPort_)},
                           {"FLEETDECK_STREAM__HEARTBEAT_INTERVAL", "200ms"},
                           {"FLEETDECK_RESILIENCE__BREAKER_FAILURES", "3"},
                           {"FLEETDECK_RESILIENCE__BREAKER_OPEN_FOR", "1s"},
                           {"FLEETDECK_LIMITS__PER_ADDRESS_PER_SECOND", "1000"},
                           {"FLEETDECK_LIMITS__PER_ADDRESS_BURST", "2000"}};
    gatewayPort_ = testing::freePort();
    gatewayAdminPort_ = testing::freePort();
    auto environment = gatewayEnvironment_;
    environment["FLEETDECK_HTTP__PORT"] = std::to_string(gatewayPort_);
    environment["FLEETDECK_ADMIN__PORT"] = std::to_string(gatewayAdminPort_);
    gateway_ = new ServiceProcess("gateway", FLEETDECK_GATEWAY_BINARY, environment, logs_);
    const Status started = gateway_->start();
    ASSERT_TRUE(started.isOk()) << started.toString();

    for (const auto& [role, session] : {std::pair{"admin", &admin_}, std::pair{"operator", &operator_},
                                  std::pair{"customer", &alice_}, std::pair{"customer", &bob_}}) {
      auto signedIn = testing::signInAs(role, users_->grpcAddress(), gatewayPort_, "gw");
      ASSERT_TRUE(signedIn.isOk()) << signedIn.status().toString();
      *session = *signedIn;
    }
  }

  static void TearDownTestSuite() {
    delete gateway_;
    if (prometheus_) {
      (void)prometheus_->stop(std::chrono::seconds(5));
      delete prometheus_;
    }
    delete notifications_;
    delete payments_;
    delete orders_;
    delete products_;
    delete users_;
  }

  static std::string address(uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

  static std::map<std::string, std::string> productsEnvironment() {
    return {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/products/config/products.toml"},
            {"FLEETDECK_DATABASE__URL", productsDatabase_},
            {"FLEETDECK_CACHE__URL", testing::redisUrl(9)},
            {"FLEETDECK_GRPC__PORT", std::to_string(productsGrpc_)},
            {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())}};
  }

  // A real Prometheus scraping the gateway, for the proxied query, alerts and rules routes.
  static void startPrometheus() {
    const fs::path folder = logs_ / "prometheus";
    fs::create_directories(folder / "data");
    prometheusPort_ = testing::freePort();
    {
      std::ofstream config(folder / "prometheus.yml");
      config << "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: prometheus\n    static_configs:\n"
                "      - targets: ['127.0.0.1:"
             << prometheusPort_ << "']\n";
    }
    launcher::ProcessSpec spec;
    spec.executable = FLEETDECK_PROMETHEUS_BINARY;
    spec.arguments = {"--config.file=" + (folder / "prometheus.yml").string(),
                      "--storage.tsdb.path=" + (folder / "data").string(),
                      "--web.listen-address=127.0.0.1:" + std::to_string(prometheusPort_)};
    spec.logFile = folder / "prometheus.log";
    auto process = launcher::ChildProcess::spawn(spec);
    ASSERT_TRUE(process.isOk()) << process.status().toString();
    prometheus_ = new launcher::ChildProcess(std::move(*process));
    const bool ready = testing::waitUntil(
        [] {
          http::HttpClient client("127.0.0.1", prometheusPort_, std::chrono::milliseconds(500));
          auto response = client.get("/-/ready");
          return response.isOk() && response->status == 200;
        },
        std::chrono::seconds(30));
    ASSERT_TRUE(ready) << "Prometheus did not become ready";
  }

  static http::HttpResponse call(const std::string& method, const std::string& target, const std::string& body = {},
                                 http::Headers headers = {}, uint16_t port = 0) {
    http::HttpClient client("127.0.0.1", port == 0 ? gatewayPort_ : port);
    auto response = client.request(method, target, body, headers);
    EXPECT_TRUE(response.isOk()) << response.status().toString();
    return response.isOk() ? *response : http::HttpResponse{};
  }
  static http::HttpResponse as(const testing::TestSession& session, const std::string& method, const std::string& target,
                               const std::string& body = {}, http::Headers headers = {}) {
    return call(method, target, body, session.headers(std::move(headers)));
  }
  static boost::json::object parse(const http::HttpResponse& response) {
    auto parsed = json::parse(response.body);
    EXPECT_TRUE(parsed && parsed->is_object()) << response.body;
    return parsed && parsed->is_object() ? parsed->as_object() : boost::json::object{};
  }
  static std::string errorCode(const http::HttpResponse& response) {
    const auto body = parse(response);
    return body.contains("error") ? std::string(body.at("error").as_object().at("code").as_string()) : "";
  }
  static std::string firstField(const http::HttpResponse& response) {
    const auto body = parse(response);
    if (!body.contains("error")) return "";
    const auto& details = body.at("error").as_object().at("details").as_array();
    return details.empty() ? "" : std::string(details[0].as_object().at("field").as_string());
  }

  static std::string createProduct(const std::string& sku, const std::string& name = "Tea") {
    const auto response =
        as(admin_, "POST", "/api/v1/products",
           boost::json::serialize(boost::json::object{{"sku", sku},
                                                      {"name", name},
                                                      {"price", boost::json::object{{"currencyCode", "USD"}, {"units", "250"}}},
                                                      {"initialStock", "100"}}));
    EXPECT_EQ(response.status, 201) << response.body;
    return json::stringOr(parse(response), "id");
  }

  static std::string placeOrder(const testing::TestSession& customer, const std::string& productId) {
    const auto response = as(customer, "POST", "/api/v1/orders",
                             R"({"items":[{"productId":")" + productId + R"(","quantity":1}]})");
    EXPECT_EQ(response.status, 202) << response.body;
    const auto order = parse(response);
    EXPECT_EQ(json::stringOr(order, "userId"), customer.userId) << "the gateway fills the owner from the token";
    return json::stringOr(order, "id");
  }

  // The ring the gateway signs with, read from its key file, to forge tokens it must refuse.
  static auth::KeyRing gatewayKeys() {
    auto ring = auth::loadOrCreateKeyFile({.path = keyFile_}, auth::unixNow());
    EXPECT_TRUE(ring.isOk()) << ring.status().toString();
    return std::move(*ring);
  }
  static auth::Claims claimsFor(const testing::TestSession& session) {
    const int64_t now = auth::unixNow();
    auth::Claims claims;
    claims.subject = session.userId;
    claims.role = session.role;
    claims.issuer = "fleetdeck";
    claims.audience = "fleetdeck-api";
    claims.issuedAt = now;
    claims.notBefore = now;
    claims.expiresAt = now + 300;
    return claims;
  }

  static std::string metricsOfGateway() {
    http::HttpClient client("127.0.0.1", gatewayAdminPort_);
    auto response = client.get("/metrics");
    return response.isOk() ? response->body : std::string();
  }

  static inline fs::path logs_;
  static inline testing::UsersServiceUnderTest* users_ = nullptr;
  static inline ServiceProcess* products_ = nullptr;
  static inline ServiceProcess* orders_ = nullptr;
  static inline ServiceProcess* payments_ = nullptr;
  static inline ServiceProcess* notifications_ = nullptr;
  static inline ServiceProcess* gateway_ = nullptr;
  static inline launcher::ChildProcess* prometheus_ = nullptr;
  static inline uint16_t prometheusPort_ = 0;
  static inline uint16_t productsGrpc_ = 0;
  static inline uint16_t paymentsGrpc_ = 0;
  static inline uint16_t ordersGrpc_ = 0;
  static inline std::string productsDatabase_;
  static inline uint16_t gatewayPort_ = 0;
  static inline uint16_t gatewayAdminPort_ = 0;
  static inline std::string keyFile_;
  static inline std::map<std::string, std::string> gatewayEnvironment_;
  static inline testing::TestSession admin_;
  static inline testing::TestSession operator_;
  static inline testing::TestSession alice_;
  static inline testing::TestSession bob_;
};

// --- authentication ------------------------------------------------------------------------------

TEST_F(GatewayEndToEnd, AForgedTokenWithTheRealKeyPassesSoTheRefusalsBelowAreAboutTheirFlaw) {
  const auto token = auth::signToken(gatewayKeys(), claimsFor(admin_));
  ASSERT_TRUE(token.isOk());
  EXPECT_EQ(call("GET", "/api/v1/users?pageSize=1", {}, testing::bearer(*token)).status, 200);
}

TEST_F(GatewayEndToEnd, AlgNoneTokenIs401) {
  const auto ring = gatewayKeys();
  const std::string header = base64UrlEncode(
      boost::json::serialize(boost::json::object{{"alg", "none"}, {"typ", "JWT"}, {"kid", ring.current().kid()}}));
  const int64_t now = auth::unixNow();
  const std::string payload = base64UrlEncode(boost::json::serialize(
      boost::json::object{{"sub", admin_.userId}, {"role", "admin"}, {"iss", "fleetdeck"}, {"aud", "fleetdeck-api"},
                          {"iat", now}, {"nbf", now}, {"exp", now + 300}}));
  const auto response = call("GET", "/api/v1/users?pageSize=1", {}, testing::bearer(header + "." + payload + "."));
  EXPECT_EQ(response.status, 401) << response.body;
  EXPECT_EQ(errorCode(response), "UNAUTHENTICATED");
  EXPECT_EQ(response.headers.get("WWW-Authenticate").value_or(""), "Bearer error=\"invalid_token\"");
}

TEST_F(GatewayEndToEnd, TamperedSignatureIs401) {
  // A customer's genuine token with the payload changed to role admin, signature kept.
  const std::string& token = alice_.accessToken;
  const size_t first = token.find('.');
  const size_t last = token.rfind('.');
  auto payload = json::parse(*base64UrlDecode(token.substr(first + 1, last - first - 1)));
  ASSERT_TRUE(payload);
  payload->as_object()["role"] = "admin";
  const std::string tampered =
      token.substr(0, first) + "." + base64UrlEncode(boost::json::serialize(*payload)) + token.substr(last);
  const auto response = call("GET", "/api/v1/users?pageSize=1", {}, testing::bearer(tampered));
  EXPECT_EQ(response.status, 401) << response.body;
  EXPECT_NE(response.body.find("signature"), std::string::npos) << response.body;
}

TEST_F(GatewayEndToEnd, ExpiredTokenIs401) {
  auto claims = claimsFor(admin_);
  claims.issuedAt = auth::unixNow() - 7200;
  claims.notBefore = claims.issuedAt;
  claims.expiresAt = auth::unixNow() - 3600;
  const auto response = call("GET", "/api/v1/users?pageSize=1", {}, testing::bearer(*auth::signToken(gatewayKeys(), claims)));
  EXPECT_EQ(response.status, 401) << response.body;
  EXPECT_NE(response.body.find("expired"), std::string::npos) << response.body;
}

TEST_F(GatewayEndToEnd, WrongAudienceIs401) {
  auto claims = claimsFor(admin_);
  claims.audience = "some-other-api";
  const auto response = call("GET", "/api/v1/users?pageSize=1", {}, testing::bearer(*auth::signToken(gatewayKeys(), claims)));
  EXPECT_EQ(response.status, 401) << response.body;
  EXPECT_NE(response.body.find("audience"), std::string::npos) << response.body;
}

TEST_F(GatewayEndToEnd, NoTokenOnASignedInRouteIs401AndAnonymousRoutesStayOpen) {
  // Every 401 says how to authenticate (RFC 9110 15.5.2): a transcoded route, and the gateway's own.
  for (const char* target : {"/api/v1/users/me", "/api/v1/admin/upstreams", "/api/v1/admin/traces"}) {
    const auto response = call("GET", target);
    EXPECT_EQ(response.status, 401) << target;
    EXPECT_EQ(response.headers.get("WWW-Authenticate").value_or(""), "Bearer") << target;
  }
  EXPECT_EQ(call("GET", "/api/v1/products?pageSize=1").status, 200);
}

// --- public health -------------------------------------------------------------------------------

// API.md: health is for anonymous callers, on the public port (the Ingress serves only /api).
TEST_F(GatewayEndToEnd, HealthIsAnonymousOnThePublicPortAndNamesNoAddressOrVersion) {
  http::HttpResponse response;
  const bool ok = testing::waitUntil(
      [&] {
        response = call("GET", "/api/v1/health");
        return response.status == 200 && json::stringOr(parse(response), "status") == "ok";
      },
      std::chrono::seconds(15));
  ASSERT_TRUE(ok) << response.status << " " << response.body;
  const auto body = parse(response);
  const auto& services = body.at("services").as_object();
  for (const char* name : {"users", "products", "orders", "payments", "notifications"}) {
    ASSERT_TRUE(services.contains(name)) << response.body;
    EXPECT_EQ(services.at(name).as_string(), "up") << name;
  }
  EXPECT_EQ(response.headers.get("Cache-Control").value_or(""), "no-store");
  for (const char* secret : {"127.0.0.1", "version", "instance", "Address"}) {
    EXPECT_EQ(response.body.find(secret), std::string::npos) << secret << " in " << response.body;
  }
}

// A gateway none of whose services answers cannot serve: 503 with the error body, without naming
// the addresses it tried.
TEST_F(GatewayEndToEnd, HealthIs503WhenNoServiceIsReachable) {
  auto environment = gatewayEnvironment_;
  const std::string nowhere = address(testing::freePort());
  for (const char* name : {"USERS", "PRODUCTS", "ORDERS", "PAYMENTS", "NOTIFICATIONS"}) {
    environment[std::string("FLEETDECK_UPSTREAMS__") + name] = nowhere;
  }
  environment.erase("FLEETDECK_PROMETHEUS__URL");
  const uint16_t port = testing::freePort();
  environment["FLEETDECK_HTTP__PORT"] = std::to_string(port);
  environment["FLEETDECK_ADMIN__PORT"] = std::to_string(testing::freePort());
  ServiceProcess gateway("gateway-no-upstream", FLEETDECK_GATEWAY_BINARY, environment, logs_);
  ASSERT_TRUE(gateway.start().isOk()) << gateway.logTail();
  http::HttpResponse response;
  const bool unavailable = testing::waitUntil(
      [&] {
        response = call("GET", "/api/v1/health", {}, {}, port);
        return response.status == 503;
      },
      std::chrono::seconds(10));
  ASSERT_TRUE(unavailable) << response.status << " " << response.body;
  EXPECT_EQ(errorCode(response), "UNAVAILABLE");
  EXPECT_TRUE(response.headers.contains("Retry-After"));
  EXPECT_EQ(response.body.find(nowhere), std::string::npos) << response.body;
}

// A call deadline of 0 made every proxied request a 504 while the gateway looked healthy: each is
// refused at start, naming its key.
TEST_F(GatewayEndToEnd, ACallTimeoutOfZero_IsRefusedAtStartNamingTheKey) {
  for (const std::string key : {"GATEWAY__UPSTREAM_TIMEOUT", "PROMETHEUS__TIMEOUT", "FLEET__PROBE_TIMEOUT"}) {
    auto environment = gatewayEnvironment_;
    environment["FLEETDECK_HTTP__PORT"] = std::to_string(testing::freePort());
    environment["FLEETDECK_ADMIN__PORT"] = std::to_string(testing::freePort());
    environment["FLEETDECK_" + key] = "0s";
    ServiceProcess gateway("gateway-timeout0", FLEETDECK_GATEWAY_BINARY, environment, logs_);
    const Status started = gateway.start(std::chrono::seconds(10));
    ASSERT_FALSE(started.isOk()) << key << " = 0s was accepted; stopped: " << gateway.stop();
    EXPECT_NE(gateway.logTail().find("FLEETDECK_" + key), std::string::npos) << gateway.logTail();
  }
}

TEST_F(GatewayEndToEnd, UnknownUserAndWrongPasswordGetTheSameAnswer) {
  const auto unknown = call("POST", "/api/v1/auth/login", R"({"username":"nobody.here","password":"whatever-1234"})");
  const auto wrong = call("POST", "/api/v1/auth/login",
                          R"({"username":")" + operator_.username + R"(","password":"not-the-password"})");
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.headers.get("WWW-Authenticate").value_or(""), "Bearer") << "a service's 401 too";
  EXPECT_EQ(parse(unknown).at("error").as_object().at("message"), parse(wrong).at("error").as_object().at("message"));
}

TEST_F(GatewayEndToEnd, TwentyBadLoginsAre429WithRetryAfter) {
  auto victim = testing::signInAs("customer", users_->grpcAddress(), gatewayPort_, "victim");
  ASSERT_TRUE(victim.isOk());
  std::vector<int> statuses;
  http::HttpResponse last;
  for (int i = 0; i < 20; ++i) {
    last = call("POST", "/api/v1/auth/login", R"({"username":")" + victim->username + R"(","password":"guess-)" +
                                                  std::to_string(i) + "\"}");
    statuses.push_back(last.status);
  }
  EXPECT_EQ(statuses.front(), 401);
  EXPECT_EQ(last.status, 429) << last.body;
  EXPECT_TRUE(last.headers.contains("Retry-After"));
  EXPECT_GE(std::atoi(std::string(last.headers.get("Retry-After").value_or("0")).c_str()), 1);
  // Even the right password waits now: the account is throttled, not just wrong guesses.
  EXPECT_EQ(call("POST", "/api/v1/auth/login",
                 R"({"username":")" + victim->username + R"(","password":")" + victim->password + "\"}")
                .status,
            429);
}

TEST_F(GatewayEndToEnd, ReusedRefreshTokenRevokesTheWholeFamily) {
  auto carol = testing::signInAs("customer", users_->grpcAddress(), gatewayPort_, "carol");
  ASSERT_TRUE(carol.isOk());
  const std::string first = carol->refreshToken;
  const auto rotated = call("POST", "/api/v1/auth/refresh", R"({"refreshToken":")" + first + "\"}");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  const auto session = parse(rotated);
  const std::string second = json::stringOr(session, "refreshToken");
  EXPECT_NE(second, first);
  EXPECT_EQ(json::stringOr(session, "tokenType"), "Bearer");
  const std::string access = json::stringOr(session, "accessToken");
  EXPECT_EQ(call("GET", "/api/v1/users/me", {}, testing::bearer(access)).status, 200);

  // The retired token comes back (as a thief would use it): refused, and the family dies with it.
  const auto reused = call("POST", "/api/v1/auth/refresh", R"({"refreshToken":")" + first + "\"}");
  EXPECT_EQ(reused.status, 401) << reused.body;
  const auto afterReuse = call("POST", "/api/v1/auth/refresh", R"({"refreshToken":")" + second + "\"}");
  EXPECT_EQ(afterReuse.status, 401) << "the legitimate newer token is revoked too: " << afterReuse.body;
}

TEST_F(GatewayEndToEnd, LogoutRevokesTheRefreshToken) {
  auto dave = testing::signInAs("customer", users_->grpcAddress(), gatewayPort_, "dave");
  ASSERT_TRUE(dave.isOk());
  // Sent along with an access token that no longer verifies (it expired while the laptop slept):
  // the session routes take their credential from the body and serve the call anyway.
  const auto stale = testing::bearer("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c3RhbGU");
  const auto refreshed = call("POST", "/api/v1/auth/refresh", R"({"refreshToken":")" + dave->refreshToken + "\"}", stale);
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  dave->refreshToken = json::stringOr(parse(refreshed), "refreshToken");
  EXPECT_EQ(call("GET", "/api/v1/users/me", {}, stale).status, 401) << "other routes still refuse it";
  const auto logout = call("POST", "/api/v1/auth/logout", R"({"refreshToken":")" + dave->refreshToken + "\"}", stale);
  EXPECT_EQ(logout.status, 204) << logout.body;
  EXPECT_EQ(call("POST", "/api/v1/auth/refresh", R"({"refreshToken":")" + dave->refreshToken + "\"}").status, 401);
}

TEST_F(GatewayEndToEnd, RegisterMakesACustomerWhoCanSignIn) {
  const std::string name = "reg." + randomHex(4);
  const auto registered = call("POST", "/api/v1/auth/register",
                               R"({"username":")" + name + R"(","email":")" + name +
                                   R"(@example.com","password":"correct horse battery","displayName":"Reg"})");
  ASSERT_EQ(registered.status, 201) << registered.body;
  EXPECT_EQ(json::stringOr(parse(registered), "role"), "customer");
  auto session = testing::loginThroughGateway(gatewayPort_, name, "correct horse battery");
  ASSERT_TRUE(session.isOk()) << session.status().toString();
  const auto me = as(*session, "GET", "/api/v1/users/me");
  EXPECT_EQ(me.status, 200);
  EXPECT_EQ(json::stringOr(parse(me), "username"), name);
}

// A sign-up whose answer was lost (the client retries under its Idempotency-Key) gets the account it
// made, 201 with the same id and ETag, instead of "username is already taken".
TEST_F(GatewayEndToEnd, ARegisterRepeatedUnderItsIdempotencyKeyAnswersTheAccountItMade) {
  const std::string name = "again." + randomHex(4);
  const std::string body = R"({"username":")" + name + R"(","email":")" + name +
                           R"(@example.com","password":"correct horse battery"})";
  const auto keyed = [](const std::string& key) {
    http::Headers headers;
    headers.add("Idempotency-Key", key);
    return headers;
  };
  const std::string key = newUuid();
  const auto first = call("POST", "/api/v1/auth/register", body, keyed(key));
  ASSERT_EQ(first.status, 201) << first.body;
  const auto repeat = call("POST", "/api/v1/auth/register", body, keyed(key));
  ASSERT_EQ(repeat.status, 201) << repeat.body;
  EXPECT_EQ(json::stringOr(parse(repeat), "id"), json::stringOr(parse(first), "id"));
  EXPECT_EQ(repeat.headers.get("ETag").value_or(""), first.headers.get("ETag").value_or("-"));
  // Without the key the same body is the taken name it always was; under it, another account is 400.
  EXPECT_EQ(call("POST", "/api/v1/auth/register", body).status, 409);
  const std::string other = R"({"username":")" + name + R"(x","email":")" + name +
                            R"(x@example.com","password":"correct horse battery"})";
  const auto reused = call("POST", "/api/v1/auth/register", other, keyed(key));
  EXPECT_EQ(reused.status, 400) << reused.body;
  EXPECT_EQ(firstField(reused), "idempotencyKey");
}

// --- authorization -------------------------------------------------------------------------------

TEST_F(GatewayEndToEnd, CustomerOnAnAdminRouteIs403) {
  EXPECT_EQ(as(alice_, "GET", "/api/v1/users").status, 403);
  EXPECT_EQ(as(alice_, "POST", "/api/v1/products", R"({"sku":"NOPE-1"})").status, 403);
  EXPECT_EQ(as(alice_, "GET", "/api/v1/admin/upstreams").status, 403);
  EXPECT_EQ(as(alice_, "GET", "/api/v1/admin/metrics/query?query=up").status, 403);
  EXPECT_EQ(errorCode(as(alice_, "GET", "/api/v1/users")), "PERMISSION_DENIED");
  // An operator reads, but does not act.
  EXPECT_EQ(as(operator_, "GET", "/api/v1/users?pageSize=1").status, 200);
  EXPECT_EQ(as(operator_, "POST", "/api/v1/products", R"({"sku":"NOPE-2"})").status, 403);
}

TEST_F(GatewayEndToEnd, EveryRefusedCallerIsCountedInAuthFailures_WhicheverRouteRefusedThem) {
  const auto counted = [](const std::string& code) {
    const std::string series = "gateway_auth_failures_total{code=\"" + code + "\"} ";
    const std::string text = metricsOfGateway();
    const size_t at = text.find(series);
    return at == std::string::npos ? 0.0 : std::stod(text.substr(at + series.size()));
  };
  const double before401 = counted("401");
  const double before403 = counted("403");
  // 403: a transcoded route, the merged audit, an admin route, the Prometheus proxy, the trace routes.
  for (const char* target : {"/api/v1/users", "/api/v1/admin/audit", "/api/v1/admin/upstreams",
                             "/api/v1/admin/metrics/query?query=up", "/api/v1/admin/traces"}) {
    EXPECT_EQ(as(alice_, "GET", target).status, 403) << target;
  }
  // The admin port's peer trace routes, which other replicas call with the caller's token.
  const auto peer403 = call("GET", "/traces", {}, alice_.headers({}), gatewayAdminPort_);
  EXPECT_EQ(peer403.status, 403) << peer403.body;
  // 401: no token on a signed-in route, a token that fails the check, and both at the peer routes.
  EXPECT_EQ(call("GET", "/api/v1/users/me").status, 401);
  EXPECT_EQ(call("GET", "/api/v1/users/me", {}, testing::bearer("not.a.token")).status, 401);
  const auto peerNoToken = call("GET", "/traces", {}, {}, gatewayAdminPort_);
  EXPECT_EQ(peerNoToken.status, 401) << peerNoToken.body;
  EXPECT_EQ(peerNoToken.headers.get("WWW-Authenticate").value_or(""), "Bearer");
  const auto peerBadToken = call("GET", "/traces", {}, testing::bearer("not.a.token"), gatewayAdminPort_);
  EXPECT_EQ(peerBadToken.status, 401) << peerBadToken.body;
  EXPECT_EQ(peerBadToken.headers.get("WWW-Authenticate").value_or(""), "Bearer error=\"invalid_token\"");
  EXPECT_EQ(counted("403") - before403, 6);
  EXPECT_EQ(counted("401") - before401, 4);
}

TEST_F(GatewayEndToEnd, WhatTheConsolePollsIsNotRecordedAsATrace_TheFleetsWorkIs) {
  const auto traceIdOf = [](const http::HttpResponse& response) {
    return std::string(response.headers.get("X-Trace-Id").value_or(""));
  };
  const std::string fleet = traceIdOf(as(operator_, "GET", "/api/v1/admin/fleet"));
  const std::string metrics = traceIdOf(as(operator_, "GET", "/api/v1/admin/metrics/query?query=up"));
  const std::string lookup = traceIdOf(as(operator_, "GET", "/api/v1/admin/traces?limit=1"));
  const std::string work = traceIdOf(as(alice_, "GET", "/api/v1/products?pageSize=1"));
  for (const auto& id : {fleet, metrics, lookup, work}) ASSERT_EQ(id.size(), 32u) << "every answer names its trace";
  // The products read was answered last: once its trace is in the store, the others' would be too.
  ASSERT_TRUE(testing::waitUntil([&] { return as(operator_, "GET", "/api/v1/admin/traces/" + work).status == 200; },
                                 std::chrono::seconds(10)))
      << "the fleet's work is recorded";
  for (const auto& id : {fleet, metrics, lookup}) {
    const auto answer = as(operator_, "GET", "/api/v1/admin/traces/" + id);
    EXPECT_EQ(answer.status, 404) << id << ": " << answer.body;
  }
  const auto list = parse(as(operator_, "GET", "/api/v1/admin/traces?limit=1000"));
  ASSERT_TRUE(list.contains("traces"));
  for (const auto& entry : list.at("traces").as_array()) {
    const std::string root(entry.as_object().at("rootName").as_string());
    EXPECT_FALSE(root.starts_with("GET /api/v1/admin/fleet") || root.starts_with("GET /api/v1/admin/metrics") ||
                 root.starts_with("GET /api/v1/admin/traces"))
        << root;
  }
}

TEST_F(GatewayEndToEnd, StoppingAndStartingServicesIs404OffTheLocalFleet) {
  // Only a gateway the launcher runs knows its control endpoint (launcher_e2e_test covers that one).
  for (const char* path : {"/api/v1/admin/services/payments:stop", "/api/v1/admin/services/payments:start"}) {
    EXPECT_EQ(as(admin_, "POST", path).status, 404) << path;
    EXPECT_EQ(errorCode(as(admin_, "POST", path)), "NOT_FOUND") << path;
  }
}

TEST_F(GatewayEndToEnd, CustomerReadingAnotherCustomersOrderIs404) {
  const std::string product = createProduct("GW-OWN-1");
  const std::string order = placeOrder(alice_, product);
  EXPECT_EQ(as(alice_, "GET", "/api/v1/orders/" + order).status, 200);
  const auto stranger = as(bob_, "GET", "/api/v1/orders/" + order);
  EXPECT_EQ(stranger.status, 404) << stranger.body;
  EXPECT_EQ(as(bob_, "GET", "/api/v1/orders/" + order + "/events").status, 404);
  EXPECT_EQ(as(bob_, "GET", "/api/v1/orders/" + order + "/details").status, 404);
  EXPECT_EQ(as(bob_, "POST", "/api/v1/orders/" + order + ":cancel", R"({"reason":"mine now"})").status, 404);
  EXPECT_EQ(as(bob_, "GET", "/api/v1/orders?userId=" + alice_.userId).status, 404);
  // Nor through his own order's path with hers in a query parameter spelling the same field: that
  // parameter must not replace the id the ownership check looked at.
  const std::string own = placeOrder(bob_, product);
  for (const char* alias : {"orderId", "order_id"}) {
    const auto smuggled = as(bob_, "GET", "/api/v1/orders/" + own + "/events?" + alias + "=" + order);
    EXPECT_EQ(smuggled.status, 400) << alias << ": " << smuggled.body;
    EXPECT_EQ(smuggled.body.find("OrderCreated"), std::string::npos) << alias;
  }
  // Bob's own list does not show Alice's order.
  const auto list = as(bob_, "GET", "/api/v1/orders");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.body.find(order), std::string::npos);
  // The order is untouched by Bob's attempt to cancel it.
  EXPECT_NE(json::stringOr(parse(as(alice_, "GET", "/api/v1/orders/" + order)), "status"), "CANCELLED");
  EXPECT_EQ(as(operator_, "GET", "/api/v1/orders/" + order).status, 200);
}

TEST_F(GatewayEndToEnd, CustomerReadingAnotherCustomersWalletIs404) {
  auto stub = payments::v1::PaymentsService::NewStub(rpc::makeChannel(address(paymentsGrpc_)));
  payments::v1::OpenWalletRequest open;
  open.set_user_id(alice_.userId);
  payments::v1::Wallet wallet;
  auto context = rpc::makeContext(std::chrono::seconds(5));
  ASSERT_TRUE(stub->OpenWallet(context.get(), open, &wallet).ok());
  EXPECT_EQ(as(alice_, "GET", "/api/v1/users/" + alice_.userId + "/wallet").status, 200);
  const auto stranger = as(bob_, "GET", "/api/v1/users/" + alice_.userId + "/wallet");
  EXPECT_EQ(stranger.status, 404) << stranger.body;
  EXPECT_EQ(as(bob_, "GET", "/api/v1/users/" + alice_.userId + "/wallet/ledger").status, 404);
  EXPECT_EQ(as(bob_, "POST", "/api/v1/users/" + bob_.userId + "/wallet:topUp",
               R"({"idempotencyKey":")" + newUuid() + R"(","amount":{"currencyCode":"USD","units":"100"}})")
                .status,
            403)
      << "only an admin tops up";
}

TEST_F(GatewayEndToEnd, CustomerReadingAnotherCustomersNotificationsIs404) {
  EXPECT_EQ(as(bob_, "GET", "/api/v1/notifications").status, 200);
  const auto stranger = as(bob_, "GET", "/api/v1/notifications?userId=" + alice_.userId);
  EXPECT_EQ(stranger.status, 404) << stranger.body;
  EXPECT_EQ(as(bob_, "GET", "/api/v1/users/" + alice_.userId).status, 404);
  EXPECT_EQ(as(bob_, "GET", "/api/v1/users/" + bob_.userId).status, 200);
}

// API.md: "admin may add userId" to an order; one that does not is the admin's own, not a 400.
TEST_F(GatewayEndToEnd, AnAdminsOrderWithoutUserIdIsTheirOwn) {
  const std::string product = createProduct("GW-ADMIN-OWN-1");
  const auto response = as(admin_, "POST", "/api/v1/orders", R"({"items":[{"productId":")" + product + R"(","quantity":1}]})");
  ASSERT_EQ(response.status, 202) << response.body;
  EXPECT_EQ(json::stringOr(parse(response), "userId"), admin_.userId);
  const auto forAlice = as(admin_, "POST", "/api/v1/orders",
                           R"({"userId":")" + alice_.userId + R"(","items":[{"productId":")" + product + R"(","quantity":1}]})");
  ASSERT_EQ(forAlice.status, 202) << forAlice.body;
  EXPECT_EQ(json::stringOr(parse(forAlice), "userId"), alice_.userId);
}

// An order for a user who does not exist used to be accepted (202, stock reserved) and cancelled a
// minute later by its saga (no wallet). It is refused up front, naming userId, and nothing is placed.
TEST_F(GatewayEndToEnd, AnAdminsOrderForNobodyIs400NamingUserId) {
  const std::string product = createProduct("GW-NOBODY-1");
  const std::string nobody = newUuid();
  const auto response = as(admin_, "POST", "/api/v1/orders",
                           R"({"userId":")" + nobody + R"(","items":[{"productId":")" + product + R"(","quantity":1}]})");
  EXPECT_EQ(response.status, 400) << response.body;
  EXPECT_EQ(firstField(response), "userId") << response.body;
  const auto orders = as(admin_, "GET", "/api/v1/orders?userId=" + nobody);
  ASSERT_EQ(orders.status, 200) << orders.body;
  EXPECT_TRUE(!parse(orders).contains("orders") || parse(orders).at("orders").as_array().empty()) << orders.body;
}

// API.md: resource is one filter of GET /api/v1/admin/audit, not a requirement. Without it the
// users, products and orders trails come merged, newest first, and the page token resumes the merge.
TEST_F(GatewayEndToEnd, AuditWithoutResourceMergesTheTrailsNewestFirstAcrossPages) {
  auto auditor = testing::signInAs("admin", users_->grpcAddress(), gatewayPort_, "audit-merge");
  ASSERT_TRUE(auditor.isOk()) << auditor.status().toString();
  // products, users, products, users, products: interleaved in time.
  std::vector<std::pair<std::string, std::string>> made;  // (resource, id), oldest first
  for (int i = 0; i < 5; ++i) {
    if (i % 2 == 0) {
      const std::string sku = "GW-AUDIT-" + newUuid().substr(24);
      const auto product = as(*auditor, "POST", "/api/v1/products",
                              R"({"sku":")" + sku + R"(","name":"Audited","price":{"currencyCode":"USD","units":"100"}})");
      ASSERT_EQ(product.status, 201) << product.body;
      made.emplace_back("products", json::stringOr(parse(product), "id"));
    } else {
      const std::string name = "audited" + newUuid().substr(24);
      const auto user = as(*auditor, "POST", "/api/v1/users",
                           R"({"username":")" + name + R"(","email":")" + name +
                               R"(@example.com","password":"correct horse battery","displayName":"Audited"})");
      ASSERT_EQ(user.status, 201) << user.body;
      made.emplace_back("users", json::stringOr(parse(user), "id"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // a millisecond apart at least, as ids order them
  }
  std::vector<std::pair<std::string, std::string>> listed;
  std::string token;
  int pages = 0;
  do {
    const auto page = as(*auditor, "GET",
                         "/api/v1/admin/audit?actor=" + auditor->userId + "&pageSize=2" +
                             (token.empty() ? "" : "&pageToken=" + token));
    ASSERT_EQ(page.status, 200) << page.body;
    const auto body = parse(page);
    const auto& entries = body.at("entries").as_array();
    EXPECT_LE(entries.size(), 2u);
    for (const auto& entry : entries) {
      listed.emplace_back(json::stringOr(entry.as_object(), "resource"), json::stringOr(entry.as_object(), "resourceId"));
    }
    token = json::stringOr(body, "nextPageToken");
    ASSERT_LT(++pages, 10) << "the token must move on";
  } while (!token.empty());
  EXPECT_GE(pages, 3);
  const std::vector<std::pair<std::string, std::string>> newestFirst(made.rbegin(), made.rend());
  EXPECT_EQ(listed, newestFirst);

  for (const std::string& bad : {std::string("garbage!"), base64UrlEncode("{\"v\":1,\"s\":{\"spaceships\":{}}}"),
                                 base64UrlEncode("{\"v\":1,\"s\":{\"users\":{\"t\":\"\",\"l\":\"x\"}}}")}) {
    const auto refused = as(*auditor, "GET", "/api/v1/admin/audit?pageToken=" + bad);
    EXPECT_EQ(refused.status, 400) << bad << ": " << refused.body;
    EXPECT_EQ(firstField(refused), "pageToken") << bad;
  }
  EXPECT_EQ(as(alice_, "GET", "/api/v1/admin/audit").status, 403);
  EXPECT_EQ(as(operator_, "GET", "/api/v1/admin/audit?pageSize=1").status, 200);
}

// Payments keeps an audit trail too (admins' top-ups, fault changes): merged into the listing
// without resource, reached with resource=payments, and closed to customers like the others.
TEST_F(GatewayEndToEnd, AnAdminsWalletTopUpIsInTheMergedAuditAndUnderResourcePayments) {
  auto admin = testing::signInAs("admin", users_->grpcAddress(), gatewayPort_, "audit-pay");
  ASSERT_TRUE(admin.isOk()) << admin.status().toString();
  auto stub = payments::v1::PaymentsService::NewStub(rpc::makeChannel(address(paymentsGrpc_)));
  payments::v1::OpenWalletRequest open;
  open.set_user_id(alice_.userId);
  payments::v1::Wallet wallet;
  auto context = rpc::makeContext(std::chrono::seconds(5));
  ASSERT_TRUE(stub->OpenWallet(context.get(), open, &wallet).ok());
  const std::string key = newUuid();
  for (int i = 0; i < 2; ++i) {  // the repeat credits nothing and records nothing
    const auto topUp = as(*admin, "POST", "/api/v1/users/" + alice_.userId + "/wallet:topUp",
                          R"({"idempotencyKey":")" + key + R"(","amount":{"currencyCode":"USD","units":"300"}})");
    ASSERT_EQ(topUp.status, 200) << topUp.body;
  }

  const auto merged = as(*admin, "GET", "/api/v1/admin/audit?actor=" + admin->userId);
  ASSERT_EQ(merged.status, 200) << merged.body;
  const auto mergedBody = parse(merged);
  const auto& entries = mergedBody.at("entries").as_array();
  ASSERT_EQ(entries.size(), 1u) << merged.body;
  const auto& entry = entries[0].as_object();
  EXPECT_EQ(json::stringOr(entry, "resource"), "wallets");
  EXPECT_EQ(json::stringOr(entry, "resourceId"), alice_.userId);
  EXPECT_EQ(json::stringOr(entry, "action"), "top_up");
  EXPECT_EQ(json::stringOr(entry, "actor"), admin->userId);
  EXPECT_FALSE(json::stringOr(entry, "traceId").empty());
  const auto before = json::parse(json::stringOr(entry, "beforeJson"));
  const auto after = json::parse(json::stringOr(entry, "afterJson"));
  ASSERT_TRUE(before && after) << merged.body;
  const auto units = [](const boost::json::value& wallet) {
    return std::stoll(std::string(wallet.as_object().at("balance").as_object().at("units").as_string()));
  };
  EXPECT_EQ(units(*after) - units(*before), 300);

  const auto byResource =
      as(operator_, "GET", "/api/v1/admin/audit?resource=payments&resourceId=" + alice_.userId + "&actor=" + admin->userId);
  ASSERT_EQ(byResource.status, 200) << byResource.body;
  EXPECT_EQ(parse(byResource).at("entries").as_array().size(), 1u) << byResource.body;

  for (const std::string path : {"/api/v1/admin/audit", "/api/v1/admin/audit?resource=payments",
                                 "/api/v1/admin/audit/payments"}) {
    EXPECT_EQ(as(alice_, "GET", path).status, 403) << path;
  }
}

// A resource id without resource is asked of the trails that can hold it. "faults" names payments'
// fault settings, which no other trail holds: each of users, products and orders refused it in words
// of its own, and the first refusal to arrive was the answer ("must be an order id (UUID)" to a
// console user asking for the fault changes). An id no trail holds is one 400 naming resourceId.
TEST_F(GatewayEndToEnd, AuditWithoutResource_AsksForFaultsOfPaymentsAlone_AndRefusesAnIdNoTrailHolds) {
  auto admin = testing::signInAs("admin", users_->grpcAddress(), gatewayPort_, "audit-faults");
  ASSERT_TRUE(admin.isOk()) << admin.status().toString();
  auto stub = payments::v1::PaymentsService::NewStub(rpc::makeChannel(address(paymentsGrpc_)));
  for (int i = 0; i < 2; ++i) {  // every fault off, as the fleet runs: recorded all the same
    payments::v1::SetFaultsRequest request;
    request.mutable_faults()->set_failure_code("UNAVAILABLE");
    payments::v1::Faults faults;
    auto context = rpc::makeContext(std::chrono::seconds(5));
    context->AddMetadata("fleetdeck-actor", admin->userId);
    const grpc::Status set = stub->SetFaults(context.get(), request, &faults);
    ASSERT_TRUE(set.ok()) << set.error_message();
  }

  for (const std::string filter : {"", "resource=payments&"}) {
    std::vector<std::string> listed;
    std::string token;
    int pages = 0;
    do {
      const auto page = as(operator_, "GET",
                           "/api/v1/admin/audit?" + filter + "resourceId=faults&pageSize=1&actor=" + admin->userId +
                               (token.empty() ? "" : "&pageToken=" + token));
      ASSERT_EQ(page.status, 200) << filter << ": " << page.body;
      const auto body = parse(page);
      for (const auto& entry : body.at("entries").as_array()) {
        EXPECT_EQ(json::stringOr(entry.as_object(), "resourceId"), "faults") << page.body;
        listed.push_back(json::stringOr(entry.as_object(), "action"));
      }
      token = json::stringOr(body, "nextPageToken");
      ASSERT_LT(++pages, 10) << "the token must move on";
    } while (!token.empty());
    EXPECT_EQ(listed, (std::vector<std::string>{"set_faults", "set_faults"})) << filter;
  }

  for (const std::string id : {"wallet-42", "FAULTS", "users"}) {
    const auto refused = as(operator_, "GET", "/api/v1/admin/audit?resourceId=" + id);
    EXPECT_EQ(refused.status, 400) << id << ": " << refused.body;
    EXPECT_EQ(firstField(refused), "resourceId") << id << ": " << refused.body;
    EXPECT_NE(refused.body.find("faults"), std::string::npos) << "the message says what is taken: " << refused.body;
  }
}

TEST_F(GatewayEndToEnd, CustomerSettingRoleIs400) {
  const auto onMe = as(alice_, "PATCH", "/api/v1/users/me", R"({"role":"admin"})");
  EXPECT_EQ(onMe.status, 400) << onMe.body;
  EXPECT_EQ(firstField(onMe), "role");
  const std::string name = "sneaky." + randomHex(4);
  const auto onRegister = call("POST", "/api/v1/auth/register",
                               R"({"username":")" + name + R"(","email":")" + name +
                                   R"(@example.com","password":"correct horse battery","role":"admin"})");
  EXPECT_EQ(onRegister.status, 400) << onRegister.body;
  EXPECT_EQ(firstField(onRegister), "role");
  const auto forOthers = as(alice_, "POST", "/api/v1/orders",
                            R"({"userId":")" + bob_.userId + R"(","items":[{"productId":")" + newUuid() + R"(","quantity":1}]})");
  EXPECT_EQ(forOthers.status, 400) << forOthers.body;
  EXPECT_EQ(firstField(forOthers), "userId");
  EXPECT_EQ(json::stringOr(parse(as(alice_, "GET", "/api/v1/users/me")), "role"), "customer");
}

TEST_F(GatewayEndToEnd, UsersChangeTheirOwnProfileAndPasswordOnlyWithTheCurrentOne) {
  auto erin = testing::signInAs("customer", users_->grpcAddress(), gatewayPort_, "erin");
  ASSERT_TRUE(erin.isOk());
  const auto renamed = as(*erin, "PATCH", "/api/v1/users/me", R"({"displayName":"Erin E."})");
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(json::stringOr(parse(renamed), "displayName"), "Erin E.");
  const auto noCurrent = as(*erin, "PATCH", "/api/v1/users/me", R"({"password":"a brand new password"})");
  EXPECT_EQ(noCurrent.status, 400);
  EXPECT_EQ(firstField(noCurrent), "currentPassword");
  const auto changed = as(*erin, "PATCH", "/api/v1/users/me",
                          R"({"password":"a brand new password","currentPassword":")" + erin->password + "\"}");
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(call("POST", "/api/v1/auth/refresh", R"({"refreshToken":")" + erin->refreshToken + "\"}").status, 401)
      << "a new password signs every other session out";
  EXPECT_TRUE(testing::loginThroughGateway(gatewayPort_, erin->username, "a brand new password").isOk());
}

// ARCHITECTURE.md promises a stale admin edit 412. A route whose service takes no expected version
// (DELETE, :restock) cannot keep that promise: it refuses If-Match by name instead of passing over it
// and going ahead, while the routes that can still answer 412.
TEST_F(GatewayEndToEnd, IfMatchOnARouteThatCannotCheckItIs400_NotIgnored) {
  const std::string product = createProduct("GW-IF-MATCH-1");
  http::Headers stale;
  stale.add("If-Match", "\"999\"");
  const auto deleted = as(admin_, "DELETE", "/api/v1/products/" + product, {}, stale);
  EXPECT_EQ(deleted.status, 400) << deleted.body;
  EXPECT_EQ(firstField(deleted), "If-Match");
  const auto restocked = as(admin_, "POST", "/api/v1/products/" + product + ":restock", R"({"quantity":"1"})", stale);
  EXPECT_EQ(restocked.status, 400) << restocked.body;
  EXPECT_EQ(firstField(restocked), "If-Match");
  const auto kept = parse(as(admin_, "GET", "/api/v1/products/" + product));
  EXPECT_TRUE(kept.contains("active") && kept.at("active").as_bool()) << boost::json::serialize(kept);
  EXPECT_EQ(json::stringOr(kept, "version"), "1") << "neither call changed it";
  auto frank = testing::signInAs("customer", users_->grpcAddress(), gatewayPort_, "frank");
  ASSERT_TRUE(frank.isOk());
  const auto disabled = as(admin_, "DELETE", "/api/v1/users/" + frank->userId, {}, stale);
  EXPECT_EQ(disabled.status, 400) << disabled.body;
  EXPECT_EQ(firstField(disabled), "If-Match");
  EXPECT_EQ(json::stringOr(parse(as(admin_, "GET", "/api/v1/users/" + frank->userId)), "status"), "active");

  EXPECT_EQ(as(admin_, "PATCH", "/api/v1/products/" + product, R"({"name":"Stale"})", stale).status, 412);
  EXPECT_EQ(as(admin_, "DELETE", "/api/v1/products/" + product).status, 200);
}

// --- abuse limits ----------------------------------------------------------------------------------

TEST_F(GatewayEndToEnd, TenMebibyteBodyIs413) {
  const std::string huge = R"({"sku":")" + std::string(10 << 20, 'A') + "\"}";
  const auto response = as(admin_, "POST", "/api/v1/products", huge);
  EXPECT_EQ(response.status, 413) << response.body.substr(0, 200);
}

TEST_F(GatewayEndToEnd, HugePageSizeIsClampedNotRefused) {
  for (int i = 0; i < 3; ++i) createProduct("GW-PAGE-" + std::to_string(i));
  const auto response = call("GET", "/api/v1/products?pageSize=1000000000");
  ASSERT_EQ(response.status, 200) << response.body;
  const auto page = parse(response);
  const auto& products = page.at("products").as_array();
  EXPECT_GE(products.size(), 3u);
  EXPECT_LE(products.size(), 200u);
  EXPECT_EQ(as(admin_, "GET", "/api/v1/users?pageSize=1000000000").status, 200);
}

TEST_F(GatewayEndToEnd, SqlMetacharactersAreStoredAndReturnedLiterally) {
  const std::string name = "Robert'); DROP TABLE products;-- 100% _tea_ \\ \"quoted\"";
  const std::string id = createProduct("GW-SQL-1", name);
  const auto fetched = call("GET", "/api/v1/products/" + id);
  ASSERT_EQ(fetched.status, 200);
  EXPECT_EQ(json::stringOr(parse(fetched), "name"), name);
  // LIKE wildcards in a search are literal too: "%" matches only names containing a percent sign.
  const auto search = call("GET", "/api/v1/products?query=" + percentEncode("100% _tea_"));
  ASSERT_EQ(search.status, 200) << search.body;
  const auto page = parse(search);
  const auto& found = page.at("products").as_array();
  ASSERT_EQ(found.size(), 1u) << search.body;
  EXPECT_EQ(json::stringOr(found[0].as_object(), "id"), id);
  auto erin = testing::signInAs("customer", users_->grpcAddress(), gatewayPort_, "sql");
  ASSERT_TRUE(erin.isOk());
  const auto renamed = as(*erin, "PATCH", "/api/v1/users/me", R"({"displayName":"x'; DELETE FROM users;--"})");
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(json::stringOr(parse(as(*erin, "GET", "/api/v1/users/me")), "displayName"), "x'; DELETE FROM users;--");
}

TEST_F(GatewayEndToEnd, TextThatIsNotUtf8OrHoldsNulIs400NamingTheParameter) {
  for (const std::string target : {"/api/v1/products/%C0", "/api/v1/products?query=%FF", "/api/v1/products?query=a%00b"}) {
    const auto response = call("GET", target);
    EXPECT_EQ(response.status, 400) << target << ": " << response.body;
    EXPECT_NE(response.body.find(target.find("query") != std::string::npos ? "\"query\"" : "\"id\""), std::string::npos)
        << target << ": " << response.body;
  }
  const auto nul = as(admin_, "POST", "/api/v1/products", R"({"sku":"GW-NUL-1","name":"Tea\u0000Cut","price":{"currencyCode":"USD","units":"250"},"initialStock":"1"})");
  EXPECT_EQ(nul.status, 400) << nul.body;
  EXPECT_NE(nul.body.find("\"name\""), std::string::npos) << nul.body;
  // The gateway's own routes that fill a request by hand check the same (they answered 500: the
  // upstream could not parse the call), and take each parameter once.
  for (const auto& [target, field] :
       std::vector<std::pair<std::string, std::string>>{{"/api/v1/orders/%FF/details", "id"},
                                                        {"/api/v1/admin/audit?actor=%FF", "actor"},
                                                        {"/api/v1/admin/audit?actor=a%00b", "actor"},
                                                        {"/api/v1/admin/audit?resourceId=%C0%AF", "resourceId"},
                                                        {"/api/v1/admin/audit?actor=a&actor=b", "actor"},
                                                        {"/api/v1/admin/audit?resource=users&resource=orders", "resource"}}) {
    const auto response = as(operator_, "GET", target);
    EXPECT_EQ(response.status, 400) << target << ": " << response.body;
    EXPECT_NE(response.body.find("\"" + field + "\""), std::string::npos) << target << ": " << response.body;
  }
}

TEST_F(GatewayEndToEnd, ABurstOverTheRateLimitIs429WithRetryAfterWhileOthersAreServed) {
  // A gateway of its own with a tight per-address limit, so the other tests keep their budget.
  auto environment = gatewayEnvironment_;
  const uint16_t port = testing::freePort();
  environment["FLEETDECK_HTTP__PORT"] = std::to_string(port);
  environment["FLEETDECK_ADMIN__PORT"] = std::to_string(testing::freePort());
  // A token per 100 s: the burst of 5 and nothing more within the test, however slowly a loaded
  // machine runs it (at 2 per second, the checks below that expect 429 sometimes found a token).
  environment["FLEETDECK_LIMITS__PER_ADDRESS_PER_SECOND"] = "0.01";
  environment["FLEETDECK_LIMITS__PER_ADDRESS_BURST"] = "5";
  environment["FLEETDECK_GATEWAY__TRUSTED_PROXIES"] = "127.0.0.4/32";  // an ingress
  ServiceProcess limited("gateway-limited", FLEETDECK_GATEWAY_BINARY, environment, logs_);
  ASSERT_TRUE(limited.start().isOk()) << limited.logTail();
  // Let in: anything but 429 (an upstream hiccup on a loaded machine is not the limiter's doing).
  int letIn = 0;
  RawAnswer refused;
  for (int i = 0; i < 30; ++i) {
    const RawAnswer answer = rawGet(port, "127.0.0.2", "/api/v1/products?pageSize=1");
    if (answer.status != 429) ++letIn;
    if (answer.status == 429) refused = answer;
  }
  EXPECT_EQ(letIn, 5) << "the burst of 5";
  EXPECT_EQ(refused.status, 429);
  EXPECT_GE(std::atoi(refused.retryAfter.c_str()), 1) << "Retry-After: " << refused.retryAfter;
  // Another client (another source address) is served while the first one is throttled.
  EXPECT_EQ(rawGet(port, "127.0.0.3", "/api/v1/products?pageSize=1").status, 200);
  EXPECT_EQ(rawGet(port, "127.0.0.2", "/api/v1/products?pageSize=1").status, 429);
  // Nor with CORS preflights: they count against the same budget (each one is answered and logged).
  const std::string preflight = std::string("Origin: ") + kConsoleOrigin + "\r\nAccess-Control-Request-Method: GET\r\n";
  EXPECT_EQ(rawGet(port, "127.0.0.2", "/api/v1/products", "", "OPTIONS", preflight).status, 429);
  // A throttled client cannot talk its way out with X-Forwarded-For: it is not a trusted proxy.
  EXPECT_EQ(rawGet(port, "127.0.0.2", "/api/v1/products?pageSize=1", "198.51.100.77").status, 429);

  // Behind the ingress (a trusted proxy), each client has its own budget, not one shared by all.
  int throughIngress = 0;
  for (int i = 0; i < 30; ++i) {
    if (rawGet(port, "127.0.0.4", "/api/v1/products?pageSize=1", "198.51.100.1").status != 429) ++throughIngress;
  }
  EXPECT_EQ(throughIngress, 5);
  EXPECT_EQ(rawGet(port, "127.0.0.4", "/api/v1/products?pageSize=1", "198.51.100.1").status, 429);
  EXPECT_EQ(rawGet(port, "127.0.0.4", "/api/v1/products?pageSize=1", "198.51.100.2").status, 200)
      << "another client behind the same ingress is served";
  // A proxy that adds its own X-Forwarded-For line after the client's: the lines are one list, read
  // from the right, so a forged first line is not a new client.
  EXPECT_EQ(rawGet(port, "127.0.0.4", "/api/v1/products?pageSize=1", "198.51.100.99", "GET",
                   "X-Forwarded-For: 198.51.100.1\r\n")
                .status,
            429);
  // IPv6 clients count by their /64: a fresh address from the same /64 for every request gets no
  // fresh budget, another /64 does.
  int fromOneSlash64 = 0;
  for (int i = 1; i <= 30; ++i) {
    const std::string address = "2001:db8:1:2::" + std::to_string(i);
    if (rawGet(port, "127.0.0.4", "/api/v1/products?pageSize=1", address).status != 429) ++fromOneSlash64;
  }
  EXPECT_EQ(fromOneSlash64, 5);
  EXPECT_EQ(rawGet(port, "127.0.0.4", "/api/v1/products?pageSize=1", "2001:db8:1:3::1").status, 200);
}

// --- cross-cutting ---------------------------------------------------------------------------------

TEST_F(GatewayEndToEnd, GzipWhenTheClientAsksForIt) {
  const auto plain = call("GET", "/api/v1/openapi.json");
  ASSERT_EQ(plain.status, 200);
  EXPECT_FALSE(plain.headers.contains("Content-Encoding"));
  http::Headers accept;
  accept.add("Accept-Encoding", "gzip, deflate");
  const auto zipped = call("GET", "/api/v1/openapi.json", {}, accept);
  ASSERT_EQ(zipped.status, 200);
  EXPECT_EQ(zipped.headers.get("Content-Encoding").value_or(""), "gzip");
  EXPECT_LT(zipped.body.size(), plain.body.size() / 3);
  auto unzipped = http::gzipDecompress(zipped.body);
  ASSERT_TRUE(unzipped.isOk());
  EXPECT_EQ(*unzipped, plain.body);
}

TEST_F(GatewayEndToEnd, CorsAnswersOnlyTheConfiguredOrigins) {
  http::Headers preflight;
  preflight.add("Origin", kConsoleOrigin);
  preflight.add("Access-Control-Request-Method", "PATCH");
  preflight.add("Access-Control-Request-Headers", "authorization, if-match");
  const auto allowed = call("OPTIONS", "/api/v1/users/me", {}, preflight);
  EXPECT_EQ(allowed.status, 204);
  EXPECT_EQ(allowed.headers.get("Access-Control-Allow-Origin").value_or(""), kConsoleOrigin);
  EXPECT_NE(allowed.headers.get("Access-Control-Allow-Methods").value_or("").find("PATCH"), std::string::npos);
  http::Headers evil;
  evil.add("Origin", "https://evil.example");
  evil.add("Access-Control-Request-Method", "GET");
  const auto refused = call("OPTIONS", "/api/v1/users/me", {}, evil);
  EXPECT_EQ(refused.status, 403);
  EXPECT_FALSE(refused.headers.contains("Access-Control-Allow-Origin"));
  http::Headers simple;
  simple.add("Origin", kConsoleOrigin);
  const auto read = call("GET", "/api/v1/products?pageSize=1", {}, simple);
  EXPECT_EQ(read.headers.get("Access-Control-Allow-Origin").value_or(""), kConsoleOrigin);
  EXPECT_NE(read.headers.get("Access-Control-Expose-Headers").value_or("").find("X-Trace-Id"), std::string::npos);
}

TEST_F(GatewayEndToEnd, EveryRequestWritesAnAccessLogLineWithItsTraceId) {
  const std::string traceId = randomHex(16);
  http::Headers headers;
  headers.add("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01");
  const auto response = call("GET", "/api/v1/products?pageSize=1&query=access-log", {}, headers);
  EXPECT_EQ(response.headers.get("X-Trace-Id").value_or(""), traceId);
  std::string line;
  const bool logged = testing::waitUntil(
      [&] {
        const std::string tail = gateway_->logTail(256 * 1024);
        const size_t at = tail.find("\"trace_id\":\"" + traceId + "\"");
        if (at == std::string::npos) return false;
        const size_t start = tail.rfind('\n', at);
        line = tail.substr(start == std::string::npos ? 0 : start + 1, tail.find('\n', at) - start);
        return true;
      },
      std::chrono::seconds(5));
  ASSERT_TRUE(logged);
  EXPECT_NE(line.find("http access"), std::string::npos) << line;
  EXPECT_NE(line.find("query=access-log"), std::string::npos) << line;
  EXPECT_NE(line.find("\"status\":200"), std::string::npos) << line;
}

TEST_F(GatewayEndToEnd, OrderDetailsAggregateOrderUserAndProducts) {
  const std::string product = createProduct("GW-DETAILS-1", "Details Tea");
  const std::string order = placeOrder(alice_, product);
  const auto response = as(alice_, "GET", "/api/v1/orders/" + order + "/details");
  ASSERT_EQ(response.status, 200) << response.body;
  const auto details = parse(response);
  EXPECT_EQ(json::stringOr(details.at("order").as_object(), "id"), order);
  EXPECT_EQ(json::stringOr(details.at("user").as_object(), "id"), alice_.userId);
  ASSERT_EQ(details.at("products").as_array().size(), 1u);
  EXPECT_EQ(json::stringOr(details.at("products").as_array()[0].as_object(), "name"), "Details Tea");
  EXPECT_TRUE(details.at("missing").as_array().empty());
  // The route reads the client's X-Request-Timeout like every other (it used to ignore it).
  http::Headers unreadable;
  unreadable.add("X-Request-Timeout", "soon");
  const auto refused = as(alice_, "GET", "/api/v1/orders/" + order + "/details", "", unreadable);
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_NE(refused.body.find("X-Request-Timeout"), std::string::npos) << refused.body;
}

// Every kind of route refuses an unreadable X-Request-Timeout with a 400 naming the header, and the
// gateway goes on serving (a transcoded route's refusal once answered through a responder already
// handed to the call).
TEST_F(GatewayEndToEnd, AnUnreadableRequestTimeoutIs400OnEveryKindOfRoute_AndTheGatewayServesOn) {
  const std::string product = createProduct("GW-TIMEOUT-1");
  http::Headers unreadable;
  unreadable.add("X-Request-Timeout", "soon");
  for (const std::string& path : {"/api/v1/products/" + product, std::string("/api/v1/admin/audit?resource=products")}) {
    const auto refused = as(admin_, "GET", path, "", unreadable);
    EXPECT_EQ(refused.status, 400) << path << ": " << refused.body;
    EXPECT_NE(refused.body.find("X-Request-Timeout"), std::string::npos) << path << ": " << refused.body;
  }
  EXPECT_EQ(as(admin_, "GET", "/api/v1/products/" + product).status, 200) << "the gateway no longer serves";
}

TEST_F(GatewayEndToEnd, OrderDetailsNameTheMissingPartInsteadOfFailingWhole) {
  // An order whose user the users service does not know (the gateway refuses to place one, so it is
  // placed on the orders service directly): the user part cannot be read.
  const std::string product = createProduct("GW-DETAILS-2");
  auto stub = orders::v1::OrdersService::NewStub(rpc::makeChannel(address(ordersGrpc_)));
  orders::v1::CreateOrderRequest create;
  create.set_user_id(newUuid());
  auto* line = create.add_items();
  line->set_product_id(product);
  line->set_quantity(2);
  orders::v1::Order placed;
  auto context = rpc::makeContext(std::chrono::seconds(5));
  const grpc::Status created = stub->CreateOrder(context.get(), create, &placed);
  ASSERT_TRUE(created.ok()) << created.error_message();
  const std::string order = placed.id();
  const auto response = as(operator_, "GET", "/api/v1/orders/" + order + "/details");
  ASSERT_EQ(response.status, 200) << response.body;
  const auto details = parse(response);
  EXPECT_EQ(json::stringOr(details.at("order").as_object(), "id"), order);
  EXPECT_TRUE(details.at("user").is_null());
  ASSERT_EQ(details.at("missing").as_array().size(), 1u) << response.body;
  EXPECT_EQ(details.at("missing").as_array()[0].as_string(), "user");
  EXPECT_EQ(details.at("products").as_array().size(), 1u);
}

// --- admin API -------------------------------------------------------------------------------------

TEST_F(GatewayEndToEnd, PrometheusHttpApiIsProxiedForOperators) {
  const auto query = as(operator_, "GET", "/api/v1/admin/metrics/query?query=" + percentEncode("up{job=\"prometheus\"}"));
  ASSERT_EQ(query.status, 200) << query.body;
  EXPECT_EQ(json::stringOr(parse(query), "status"), "success");
  const int64_t now = auth::unixNow();
  const auto range = as(operator_, "GET", "/api/v1/admin/metrics/query_range?query=up&start=" + std::to_string(now - 60) +
                                              "&end=" + std::to_string(now) + "&step=5");
  EXPECT_EQ(range.status, 200) << range.body;
  const auto alerts = as(operator_, "GET", "/api/v1/admin/alerts");
  EXPECT_EQ(alerts.status, 200);
  EXPECT_NE(alerts.body.find("\"alerts\""), std::string::npos) << alerts.body;
  const auto rules = as(admin_, "GET", "/api/v1/admin/rules");
  EXPECT_EQ(rules.status, 200);
  EXPECT_NE(rules.body.find("\"groups\""), std::string::npos) << rules.body;
  // Prometheus's own errors pass through as they are.
  EXPECT_EQ(as(operator_, "GET", "/api/v1/admin/metrics/query?query=" + percentEncode("up{")).status, 400);
  // Only the route's own parameters reach Prometheus: anything else is refused by name.
  const auto timeout = as(operator_, "GET", "/api/v1/admin/metrics/query?query=up&timeout=10m");
  EXPECT_EQ(timeout.status, 400) << timeout.body;
  EXPECT_EQ(firstField(timeout), "timeout");

  // An answer over [prometheus] max_response_bytes is refused, not buffered: 10,000 points of one
  // series are about 200 KB.
  const std::string big = "/api/v1/admin/metrics/query_range?query=" + percentEncode("vector(1)") +
                          "&start=" + std::to_string(now - 9999) + "&end=" + std::to_string(now) + "&step=1";
  EXPECT_EQ(as(operator_, "GET", big).status, 200) << "within the default 16 MiB";
  auto environment = gatewayEnvironment_;
  const uint16_t port = testing::freePort();
  environment["FLEETDECK_HTTP__PORT"] = std::to_string(port);
  environment["FLEETDECK_ADMIN__PORT"] = std::to_string(testing::freePort());
  environment["FLEETDECK_PROMETHEUS__MAX_RESPONSE_BYTES"] = "65536";
  ServiceProcess small("gateway-small-answers", FLEETDECK_GATEWAY_BINARY, environment, logs_);
  ASSERT_TRUE(small.start().isOk()) << small.logTail();
  http::HttpClient client("127.0.0.1", port);
  auto refused = client.request("GET", big, "", operator_.headers({}));
  ASSERT_TRUE(refused.isOk()) << refused.status().toString();
  EXPECT_EQ(refused->status, 400) << refused->body;
  EXPECT_NE(refused->body.find("too large"), std::string::npos) << refused->body;
  // The HTTP client's reason names Prometheus' address, which clients never learn.
  EXPECT_EQ(refused->body.find(std::to_string(prometheusPort_)), std::string::npos) << refused->body;
  auto fits = client.request("GET", "/api/v1/admin/metrics/query?query=" + percentEncode("vector(1)"), "",
                             operator_.headers({}));
  ASSERT_TRUE(fits.isOk());
  EXPECT_EQ(fits->status, 200) << fits->body;

  // Prometheus away: 503 with Retry-After, and its address stays in the gateway's log.
  const uint16_t nowhere = testing::freePort();
  environment["FLEETDECK_HTTP__PORT"] = std::to_string(testing::freePort());
  environment["FLEETDECK_ADMIN__PORT"] = std::to_string(testing::freePort());
  environment["FLEETDECK_PROMETHEUS__URL"] = "http://127.0.0.1:" + std::to_string(nowhere);
  ServiceProcess away("gateway-no-prometheus", FLEETDECK_GATEWAY_BINARY, environment, logs_);
  ASSERT_TRUE(away.start().isOk()) << away.logTail();
  http::HttpClient awayClient("127.0.0.1", static_cast<uint16_t>(std::stoi(environment["FLEETDECK_HTTP__PORT"])));
  auto unavailable = awayClient.request("GET", "/api/v1/admin/metrics/query?query=up", "", operator_.headers({}));
  ASSERT_TRUE(unavailable.isOk()) << unavailable.status().toString();
  EXPECT_EQ(unavailable->status, 503) << unavailable->body;
  EXPECT_TRUE(unavailable->headers.get("Retry-After").has_value());
  EXPECT_EQ(unavailable->body.find(std::to_string(nowhere)), std::string::npos) << unavailable->body;
}

// Prometheus' own 503 (a query that timed out, one that was cancelled) reaches the client as it is,
// with the Retry-After every 503 of the API carries.
TEST_F(GatewayEndToEnd, APrometheus503IsPassedThroughWithRetryAfter) {
  const std::string body = R"({"status":"error","errorType":"timeout","error":"query timed out in query execution"})";
  ScriptedHttpListener prometheus("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: " +
                                  std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  auto environment = gatewayEnvironment_;
  const uint16_t port = testing::freePort();
  environment["FLEETDECK_HTTP__PORT"] = std::to_string(port);
  environment["FLEETDECK_ADMIN__PORT"] = std::to_string(testing::freePort());
  environment["FLEETDECK_PROMETHEUS__URL"] = "http://127.0.0.1:" + std::to_string(prometheus.port());
  ServiceProcess gateway("gateway-prometheus-503", FLEETDECK_GATEWAY_BINARY, environment, logs_);
  ASSERT_TRUE(gateway.start().isOk()) << gateway.logTail();
  http::HttpClient client("127.0.0.1", port);
  auto answer = client.request("GET", "/api/v1/admin/metrics/query?query=up", "", operator_.headers({}));
  ASSERT_TRUE(answer.isOk()) << answer.status().toString();
  EXPECT_EQ(answer->status, 503) << answer->body;
  EXPECT_EQ(answer->body, body);
  EXPECT_GE(std::atoi(std::string(answer->headers.get("Retry-After").value_or("0")).c_str()), 1);
}

// A Prometheus that accepts but never answers holds the fleet view's first round for its probe
// timeout: meanwhile GET /admin/fleet is a quick 503 with Retry-After, not a request that waits for
// the round on a server thread (one held per console asking).
TEST_F(GatewayEndToEnd, TheFleetViewBeforeItsFirstRound_IsAQuick503_NotAWait) {
  const int blackHole = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(blackHole, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(blackHole, 64), 0);  // connections queue in the backlog; none is ever answered
  socklen_t length = sizeof address;
  getsockname(blackHole, reinterpret_cast<sockaddr*>(&address), &length);
  auto environment = gatewayEnvironment_;
  const uint16_t port = testing::freePort();
  environment["FLEETDECK_HTTP__PORT"] = std::to_string(port);
  environment["FLEETDECK_ADMIN__PORT"] = std::to_string(testing::freePort());
  environment["FLEETDECK_PROMETHEUS__URL"] = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port));
  environment["FLEETDECK_FLEET__PROBE_TIMEOUT"] = "20s";
  ServiceProcess gateway("gateway-black-hole-prometheus", FLEETDECK_GATEWAY_BINARY, environment, logs_);
  ASSERT_TRUE(gateway.start().isOk()) << gateway.logTail();
  http::HttpClient client("127.0.0.1", port, std::chrono::seconds(10));
  const auto asked = std::chrono::steady_clock::now();
  auto fleet = client.request("GET", "/api/v1/admin/fleet", "", operator_.headers({}));
  const auto waited = std::chrono::steady_clock::now() - asked;
  close(blackHole);
  ASSERT_TRUE(fleet.isOk()) << fleet.status().toString() << " after "
                            << std::chrono::duration_cast<std::chrono::milliseconds>(waited).count() << " ms";
  EXPECT_EQ(fleet->status, 503) << fleet->body;
  EXPECT_EQ(fleet->headers.get("Retry-After").value_or(""), "1");
}

TEST_F(GatewayEndToEnd, OpenApiDocumentIsServedAndMatchesTheGeneratedFile) {
  const auto response = call("GET", "/api/v1/openapi.json");
  ASSERT_EQ(response.status, 200);
  const auto document = parse(response);
  EXPECT_EQ(json::stringOr(document, "openapi"), "3.1.0");
  EXPECT_TRUE(document.at("paths").as_object().contains("/api/v1/auth/login"));
  std::ifstream file(FLEETDECK_SOURCE_DIR "/docs/openapi.json");
  std::stringstream content;
  content << file.rdbuf();
  EXPECT_EQ(content.str(), response.body) << "docs/openapi.json is stale: rebuild target fleetdeck_openapi";
}

// Runs last among the stream tests: it stops and restarts the products service.
TEST_F(GatewayEndToEnd, ZKilledServiceIs503FastBreakerOpensRecoveryClosesItAndTheStreamSawItAll) {
  const std::string product = createProduct("GW-BREAKER-1");
  const std::string instance = address(productsGrpc_);
  const std::string metric = "circuit_breaker_state{upstream=\"products\",upstream_instance=\"" + instance + "\"}";
  EXPECT_NE(metricsOfGateway().find(metric + " 0"), std::string::npos) << metricsOfGateway();

  EventStream stream(gatewayPort_, operator_.accessToken);
  ASSERT_TRUE(stream.waitFor("retry: 2000", std::chrono::seconds(5))) << stream.raw();
  ASSERT_TRUE(stream.waitFor(":hb", std::chrono::seconds(5))) << "heartbeats every 200 ms here";

  ASSERT_EQ(products_->stop(std::chrono::seconds(10)), 0);
  std::vector<http::HttpResponse> answers;
  for (int i = 0; i < 6; ++i) {
    const auto started = std::chrono::steady_clock::now();
    answers.push_back(call("GET", "/api/v1/products/" + product));
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3)) << "503 fast, not a hang";
  }
  for (const auto& answer : answers) {
    EXPECT_EQ(answer.status, 503) << answer.body;
    EXPECT_TRUE(answer.headers.contains("Retry-After"));
    // The connection error names the service's internal address: logged for operators, not sent.
    EXPECT_EQ(answer.body.find(instance), std::string::npos) << answer.body;
    EXPECT_NE(answer.body.find("service 'products' is unavailable"), std::string::npos) << answer.body;
  }
  EXPECT_NE(answers.back().body.find("circuit open"), std::string::npos) << answers.back().body;
  EXPECT_NE(metricsOfGateway().find(metric + " 1"), std::string::npos);
  // The public health says so at once (the breaker is read live), and still serves the rest.
  const auto degraded = call("GET", "/api/v1/health");
  EXPECT_EQ(degraded.status, 200) << degraded.body;
  EXPECT_EQ(json::stringOr(parse(degraded), "status"), "degraded") << degraded.body;
  EXPECT_EQ(parse(degraded).at("services").as_object().at("products").as_string(), "down") << degraded.body;
  EXPECT_EQ(parse(degraded).at("services").as_object().at("users").as_string(), "up") << degraded.body;
  ASSERT_TRUE(stream.waitFor("\"state\":\"open\"", std::chrono::seconds(5))) << stream.raw();

  // Back on the same address: after the cool-down a probe goes through and closes the breaker.
  delete products_;
  products_ = new ServiceProcess("products", FLEETDECK_PRODUCTS_BINARY, productsEnvironment(), logs_);
  ASSERT_TRUE(products_->start().isOk()) << products_->logTail();
  const bool recovered = testing::waitUntil(
      [&] { return call("GET", "/api/v1/products/" + product).status == 200; }, std::chrono::seconds(20));
  EXPECT_TRUE(recovered);
  EXPECT_NE(metricsOfGateway().find(metric + " 0"), std::string::npos);
  EXPECT_TRUE(testing::waitUntil(
      [&] { return json::stringOr(parse(call("GET", "/api/v1/health")), "status") == "ok"; }, std::chrono::seconds(15)))
      << call("GET", "/api/v1/health").body;
  ASSERT_TRUE(stream.waitFor("\"state\":\"closed\"", std::chrono::seconds(5))) << stream.raw();

  // The events came in order with increasing ids: open, half_open, closed.
  const auto ids = stream.idsOf("fleet.change");
  ASSERT_GE(ids.size(), 3u) << stream.raw();
  const std::string& data = stream.raw();
  const size_t open = data.find("\"state\":\"open\"");
  const size_t halfOpen = data.find("\"state\":\"half_open\"");
  const size_t closed = data.find("\"state\":\"closed\"");
  EXPECT_LT(open, halfOpen);
  EXPECT_LT(halfOpen, closed);
  for (size_t i = 1; i < ids.size(); ++i) EXPECT_LT(std::stoull(ids[i - 1]), std::stoull(ids[i]));

  // A console that lost the connection after the first event resumes with Last-Event-ID and gets
  // exactly what came after it.
  EventStream resumed(gatewayPort_, operator_.accessToken, ids.front());
  ASSERT_TRUE(resumed.waitFor("\"state\":\"closed\"", std::chrono::seconds(5))) << resumed.raw();
  // The fleet view's own fleet.change events (the products instance degraded, then up) may follow
  // the breaker's: read up to the last one the first stream saw.
  ASSERT_TRUE(resumed.waitFor("id: " + ids.back() + "\n", std::chrono::seconds(5))) << resumed.raw();
  auto replayed = resumed.idsOf("fleet.change");
  // Later events may have arrived in the same read; compare what both streams had.
  while (!replayed.empty() && std::stoull(replayed.back()) > std::stoull(ids.back())) replayed.pop_back();
  ASSERT_EQ(replayed.size(), ids.size() - 1) << resumed.raw();
  EXPECT_EQ(replayed.front(), ids[1]);
  EXPECT_EQ(resumed.raw().find("id: " + ids.front() + "\n"), std::string::npos);
  // A customer may not listen.
  EXPECT_EQ(as(alice_, "GET", "/api/v1/admin/stream").status, 403);
  // A misspelt resume parameter is refused, not ignored (the stream would start over from now), and
  // a bad id is named as the client sent it.
  for (const auto& [query, field] : std::vector<std::pair<std::string, std::string>>{
           {"lastEventID=5", "lastEventID"}, {"lastEventId=yesterday", "lastEventId"}, {"lastEventId=%zz", "query"}}) {
    const auto refused = as(operator_, "GET", "/api/v1/admin/stream?" + query);
    EXPECT_EQ(refused.status, 400) << query << ": " << refused.body;
    EXPECT_NE(refused.body.find("\"" + field + "\""), std::string::npos) << query << ": " << refused.body;
  }
}

}  // namespace
}  // namespace fleetdeck
