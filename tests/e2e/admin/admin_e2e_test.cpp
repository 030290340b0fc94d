// The console's admin API through the gateway, against the whole fleet as processes on a private
// NATS (service registry, orders stream) with every service exporting spans to the gateway's
// built-in receiver, and a real Prometheus scraping them: the fleet view, a placed order's saga
// steps on the live stream (and resumed with Last-Event-ID without a gap), the order's trace across
// services (whole from either of two gateway replicas; a replica that misbehaves or is silent is
// counted, never fails the answer), registry-fed load balancing with a stopped instance ejected, a
// projection rebuild's progress on every gateway's stream whichever orders replica runs it, and a
// stopped service shown down and alerting.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <thread>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>

#include "adapters/child_process.h"
#include "fleetdeck/bus/connection.h"
#include "fleetdeck/bus/registry.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/core/json.h"
#include "fleetdeck/http/client.h"
#include "fleetdeck/http/server.h"
#include "fleetdeck/orders/v1/orders.grpc.pb.h"
#include "fleetdeck/rpc/client.h"
#include "fleetdeck/testing/auth_helper.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/sse_stream.h"
#include "fleetdeck/testing/test_infra.h"

namespace fleetdeck {
namespace {

using testing::ServiceProcess;
using Env = std::map<std::string, std::string>;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string address(uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

using testing::StreamEvent;
using AdminStream = testing::SseStream;

class AdminEndToEnd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    logs_ = testing::sharedInfra().root / "e2e-logs" / ("admin-" + std::to_string(getpid()));
    nats_ = new testing::NatsServer();
    gatewayPort_ = testing::freePort();
    gatewayAdminPort_ = testing::freePort();
    productsGrpc_ = testing::freePort();
    paymentsGrpc_ = testing::freePort();
    notificationsGrpc_ = testing::freePort();
    const uint16_t ordersGrpc = testing::freePort();
    productsDatabase_ = testing::createTestDatabase("e2e_admin_products");
    ordersDatabase_ = testing::createTestDatabase("e2e_admin_orders");
    paymentsDatabase_ = testing::createTestDatabase("e2e_admin_payments");

    auto users = testing::startUsersService(FLEETDECK_USERS_BINARY, FLEETDECK_SOURCE_DIR "/services/users/config/users.toml",
                                            logs_, fleetEnvironment("users-1", {}));
    ASSERT_TRUE(users.isOk()) << users.status().toString();
    users_ = new testing::UsersServiceUnderTest(std::move(*users));
    products_ = start("products", FLEETDECK_PRODUCTS_BINARY, productsEnvironment("products-1", productsGrpc_));
    payments_ = start("payments", FLEETDECK_PAYMENTS_BINARY, paymentsEnvironment());
    notifications_ = start(
        "notifications", FLEETDECK_NOTIFICATIONS_BINARY,
        fleetEnvironment("notifications-1",
                         {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/notifications/config/notifications.toml"},
                          {"FLEETDECK_DATABASE__URL", testing::createTestDatabase("e2e_admin_notifications")},
                          {"FLEETDECK_GRPC__PORT", std::to_string(notificationsGrpc_)}}));
    orders_ = start("orders", FLEETDECK_ORDERS_BINARY, ordersEnvironment("orders-1", ordersGrpc));
    startPrometheus({users_->process->adminPort(), products_->adminPort(), payments_->adminPort(),
                     notifications_->adminPort(), orders_->adminPort(), gatewayAdminPort_});

    gatewayKeyFile_ = testing::testKeyFile("gateway-admin-e2e");
    gateway_ = new ServiceProcess(
        "gateway", FLEETDECK_GATEWAY_BINARY,
        {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/gateway/config/gateway.toml"},
         {"FLEETDECK_SERVICE__INSTANCE", "gateway-1"},
         {"FLEETDECK_HTTP__PORT", std::to_string(gatewayPort_)},
         {"FLEETDECK_ADMIN__PORT", std::to_string(gatewayAdminPort_)},
         {"FLEETDECK_HTTP__THREADS", "2"},
         {"FLEETDECK_AUTH__KEY_FILE", gatewayKeyFile_},
         {"FLEETDECK_NATS__URL", nats_->url()},
         {"FLEETDECK_NATS__RECONNECT_WAIT", "100ms"},
         {"FLEETDECK_REGISTRY__HEARTBEAT_INTERVAL", "1s"},
         {"FLEETDECK_REGISTRY__TTL", "5s"},
         {"FLEETDECK_FLEET__POLL_INTERVAL", "500ms"},
         {"FLEETDECK_FLEET__PROBE_TIMEOUT", "500ms"},
         {"FLEETDECK_FLEET__LATE_HEARTBEAT", "3s"},
         {"FLEETDECK_ALERTS__POLL_INTERVAL", "500ms"},
         {"FLEETDECK_PROMETHEUS__URL", "http://127.0.0.1:" + std::to_string(prometheusPort_)},
         {"FLEETDECK_STREAM__HEARTBEAT_INTERVAL", "500ms"},
         {"FLEETDECK_RESILIENCE__BREAKER_FAILURES", "2"},
         {"FLEETDECK_RESILIENCE__BREAKER_OPEN_FOR", "1s"},
         {"FLEETDECK_LIMITS__PER_ADDRESS_PER_SECOND", "1000"},
         {"FLEETDECK_LIMITS__PER_ADDRESS_BURST", "2000"},
         {"FLEETDECK_UPSTREAMS__USERS", users_->grpcAddress()},
         {"FLEETDECK_UPSTREAMS__PRODUCTS", address(productsGrpc_)},
         {"FLEETDECK_UPSTREAMS__ORDERS", address(ordersGrpc)},
         {"FLEETDECK_UPSTREAMS__PAYMENTS", address(paymentsGrpc_)},
         {"FLEETDECK_UPSTREAMS__NOTIFICATIONS", address(notificationsGrpc_)}},
        logs_);
    const Status started = gateway_->start();
    ASSERT_TRUE(started.isOk()) << started.toString();

    for (const auto& [role, session] : {std::pair{"admin", &admin_}, std::pair{"operator", &operator_},
                                        std::pair{"customer", &customer_}}) {
      auto signedIn = testing::signInAs(role, users_->grpcAddress(), gatewayPort_, "adm");
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
    delete secondProducts_;
    delete orders_;
    delete notifications_;
    delete payments_;
    delete products_;
    delete users_;
    delete nats_;
  }

  // What every service gets here: the private NATS, a fast registry heartbeat, and span export to the
  // gateway's receiver every 200 ms.
  static Env fleetEnvironment(const std::string& instance, Env environment) {
    environment["FLEETDECK_SERVICE__INSTANCE"] = instance;
    if (!environment.contains("FLEETDECK_ADMIN__PORT")) {
      environment["FLEETDECK_ADMIN__PORT"] = std::to_string(testing::freePort());
    }
    environment["FLEETDECK_NATS__URL"] = nats_->url();
    environment["FLEETDECK_NATS__RECONNECT_WAIT"] = "100ms";
    environment["FLEETDECK_OUTBOX__POLL_INTERVAL"] = "50ms";
    environment["FLEETDECK_CONSUMERS__FETCH_WAIT"] = "200ms";
    environment["FLEETDECK_REGISTRY__HEARTBEAT_INTERVAL"] = "1s";
    environment["FLEETDECK_REGISTRY__TTL"] = "5s";
    environment["FLEETDECK_TELEMETRY__EXPORT_INTERVAL"] = "200ms";
    environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:" + std::to_string(gatewayAdminPort_);
    environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/json";
    return environment;
  }

  static Env productsEnvironment(const std::string& instance, uint16_t grpcPort) {
    return fleetEnvironment(instance, {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/products/config/products.toml"},
                                       {"FLEETDECK_DATABASE__URL", productsDatabase_},
                                       {"FLEETDECK_CACHE__URL", testing::redisUrl(11)},
                                       {"FLEETDECK_GRPC__PORT", std::to_string(grpcPort)}});
  }

  // An orders replica: the suite's orders database (replicas share it), its upstreams, fast saga polls.
  static Env ordersEnvironment(const std::string& instance, uint16_t grpcPort) {
    return fleetEnvironment(instance, {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/orders/config/orders.toml"},
                                       {"FLEETDECK_DATABASE__URL", ordersDatabase_},
                                       {"FLEETDECK_GRPC__PORT", std::to_string(grpcPort)},
                                       {"FLEETDECK_UPSTREAMS__PRODUCTS", address(productsGrpc_)},
                                       {"FLEETDECK_UPSTREAMS__PAYMENTS", address(paymentsGrpc_)},
                                       {"FLEETDECK_UPSTREAMS__NOTIFICATIONS", address(notificationsGrpc_)},
                                       {"FLEETDECK_SAGA__IDLE_POLL", "50ms"}});
  }

  static Env paymentsEnvironment() {
    if (paymentsAdminPort_ == 0) paymentsAdminPort_ = testing::freePort();
    return fleetEnvironment("payments-1", {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/payments/config/payments.toml"},
                                           {"FLEETDECK_DATABASE__URL", paymentsDatabase_},
                                           {"FLEETDECK_GRPC__PORT", std::to_string(paymentsGrpc_)},
                                           {"FLEETDECK_ADMIN__PORT", std::to_string(paymentsAdminPort_)}});
  }

  static ServiceProcess* start(const std::string& name, const char* binary, Env environment) {
    auto* process = new ServiceProcess(name, binary, std::move(environment), logs_);
    const Status started = process->start();
    EXPECT_TRUE(started.isOk()) << name << ": " << started.toString() << "\n" << process->logTail();
    return process;
  }

  // A real Prometheus scraping every admin port each second, with one alert rule: payments down.
  static void startPrometheus(const std::vector<uint16_t>& adminPorts) {
    const fs::path folder = logs_ / "prometheus";
    fs::create_directories(folder / "data");
    prometheusPort_ = testing::freePort();
    {
      std::ofstream rules(folder / "admin.rules.yml");
      rules << "groups:\n  - name: admin-e2e\n    rules:\n      - alert: AdminE2EPaymentsDown\n"
               "        expr: up{job=\"payments\"} == 0\n        labels:\n          severity: critical\n"
               "        annotations:\n          summary: payments cannot be scraped\n";
      std::ofstream config(folder / "prometheus.yml");
      config << "global:\n  scrape_interval: 1s\n  scrape_timeout: 500ms\n  evaluation_interval: 1s\n"
             << "rule_files:\n  - " << (folder / "admin.rules.yml").string() << "\nscrape_configs:\n";
      const std::vector<std::string> jobs{"users", "products", "payments", "notifications", "orders", "gateway"};
      for (size_t i = 0; i < adminPorts.size(); ++i) {
        config << "  - job_name: " << jobs[i] << "\n    static_configs:\n      - targets: ['127.0.0.1:" << adminPorts[i]
               << "']\n";
      }
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
        30s);
    ASSERT_TRUE(ready) << "Prometheus did not become ready";
  }

  // A second gateway for one test, named `instance`, on `httpPort`: the suite's config, key ring and
  // users service, plus `extra` (which may override any of it).
  static Env extraGatewayEnvironment(const std::string& instance, uint16_t httpPort, Env extra) {
    Env environment = {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/gateway/config/gateway.toml"},
                       {"FLEETDECK_SERVICE__INSTANCE", instance},
                       {"FLEETDECK_HTTP__PORT", std::to_string(httpPort)},
                       {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())},
                       {"FLEETDECK_AUTH__KEY_FILE", gatewayKeyFile_},
                       {"FLEETDECK_UPSTREAMS__USERS", users_->grpcAddress()}};
    for (auto& [name, value] : extra) environment[name] = std::move(value);
    return environment;
  }

  static http::HttpResponse as(const testing::TestSession& session, const std::string& method, const std::string& target,
                               const std::string& body = {}, http::Headers headers = {}) {
    http::HttpClient client("127.0.0.1", gatewayPort_);
    auto response = client.request(method, target, body, session.headers(std::move(headers)));
    EXPECT_TRUE(response.isOk()) << response.status().toString();
    return response.isOk() ? *response : http::HttpResponse{};
  }
  static boost::json::object parse(const http::HttpResponse& response) {
    auto parsed = json::parse(response.body);
    return parsed && parsed->is_object() ? parsed->as_object() : boost::json::object{};
  }
  static std::string firstField(const http::HttpResponse& response) {
    const auto body = parse(response);
    if (!body.contains("error")) return "";
    const auto& details = body.at("error").as_object().at("details").as_array();
    return details.empty() ? "" : std::string(details[0].as_object().at("field").as_string());
  }

  // service name -> its entry in GET /api/v1/admin/fleet.
  static std::map<std::string, boost::json::object> fleet() {
    std::map<std::string, boost::json::object> services;
    const auto response = as(operator_, "GET", "/api/v1/admin/fleet");
    if (response.status != 200) return services;
    const auto body = parse(response);
    if (!body.contains("services")) return services;
    for (const auto& entry : body.at("services").as_array()) {
      services[std::string(entry.at("name").as_string())] = entry.as_object();
    }
    return services;
  }
  static std::string statusOf(const std::map<std::string, boost::json::object>& fleet, const std::string& name) {
    auto found = fleet.find(name);
    return found == fleet.end() ? "absent" : std::string(found->second.at("status").as_string());
  }

  static std::string createProduct() {
    const auto response = as(admin_, "POST", "/api/v1/products",
                             boost::json::serialize(boost::json::object{
                                 {"sku", "ADM-" + randomHex(4)},
                                 {"name", "Admin e2e tea"},
                                 {"price", boost::json::object{{"currencyCode", "USD"}, {"units", "250"}}},
                                 {"initialStock", "100"}}));
    EXPECT_EQ(response.status, 201) << response.body;
    return json::stringOr(parse(response), "id");
  }

  // Places an order as the customer once their wallet exists (opened from UserRegistered over NATS).
  // Returns the 202 answer.
  static http::HttpResponse placeOrder(const std::string& productId) {
    const bool wallet = testing::waitUntil(
        [] { return as(admin_, "GET", "/api/v1/users/" + customer_.userId + "/wallet").status == 200; }, 20s);
    EXPECT_TRUE(wallet) << "the customer's wallet never opened";
    if (!wallet) {
      // Opened by hand: the test is about the admin API, not the wallet consumer.
      (void)as(admin_, "POST", "/api/v1/users/" + customer_.userId + "/wallet:topUp",
               R"({"idempotencyKey":")" + newUuid() + R"(","amount":{"currencyCode":"USD","units":"100000"}})");
    }
    http::Headers headers;
    headers.add("Idempotency-Key", newUuid());
    const auto response = as(customer_, "POST", "/api/v1/orders",
                             R"({"items":[{"productId":")" + productId + R"(","quantity":"1"}]})", std::move(headers));
    EXPECT_EQ(response.status, 202) << response.body;
    return response;
  }

  static inline fs::path logs_;
  static inline testing::NatsServer* nats_ = nullptr;
  static inline testing::UsersServiceUnderTest* users_ = nullptr;
  static inline ServiceProcess* products_ = nullptr;
  static inline ServiceProcess* secondProducts_ = nullptr;
  static inline ServiceProcess* payments_ = nullptr;
  static inline ServiceProcess* notifications_ = nullptr;
  static inline ServiceProcess* orders_ = nullptr;
  static inline ServiceProcess* gateway_ = nullptr;
  static inline launcher::ChildProcess* prometheus_ = nullptr;
  static inline uint16_t gatewayPort_ = 0;
  static inline uint16_t gatewayAdminPort_ = 0;
  static inline uint16_t prometheusPort_ = 0;
  static inline uint16_t productsGrpc_ = 0;
  static inline uint16_t paymentsGrpc_ = 0;
  static inline uint16_t paymentsAdminPort_ = 0;
  static inline uint16_t notificationsGrpc_ = 0;
  static inline std::string productsDatabase_;
  static inline std::string ordersDatabase_;
  static inline std::string paymentsDatabase_;
  static inline std::string gatewayKeyFile_;  // a second gateway signs and verifies with the same keys
  static inline testing::TestSession admin_;
  static inline testing::TestSession operator_;
  static inline testing::TestSession customer_;
};

TEST_F(AdminEndToEnd, FleetListsEveryRunningServiceUpWithRegistryReadinessAndPrometheusDetail) {
  const std::vector<std::string> names{"users", "products", "orders", "payments", "notifications", "gateway"};
  std::map<std::string, boost::json::object> services;
  const bool allUp = testing::waitUntil(
      [&] {
        services = fleet();
        for (const auto& name : names) {
          if (statusOf(services, name) != "up") return false;
          // Prometheus has scraped it (up == 1) once prometheusUp is true.
          for (const auto& instance : services[name].at("instances").as_array()) {
            if (!instance.at("prometheusUp").is_bool() || !instance.at("prometheusUp").as_bool()) return false;
          }
        }
        return true;
      },
      30s);
  ASSERT_TRUE(allUp) << as(operator_, "GET", "/api/v1/admin/fleet").body;
  const auto& orders = services["orders"].at("instances").as_array();
  ASSERT_EQ(orders.size(), 1u);
  const auto& instance = orders[0].as_object();
  EXPECT_EQ(instance.at("instanceId").as_string(), "orders-1");
  EXPECT_EQ(instance.at("adminAddress").as_string(), address(orders_->adminPort()));
  EXPECT_FALSE(instance.at("version").as_string().empty());
  EXPECT_FALSE(instance.at("startTime").as_string().empty());
  EXPECT_FALSE(instance.at("lastHeartbeat").as_string().empty());
  EXPECT_EQ(instance.at("readiness").at("checks").at("database").at("status").as_string(), "up");
  EXPECT_TRUE(instance.at("readiness").at("checks").at("database").as_object().contains("latencyMs"));
  // The gateway's breakers toward an instance are part of its row.
  const auto& productsRow = services["products"].at("instances").as_array()[0].as_object();
  ASSERT_FALSE(productsRow.at("breakers").as_array().empty()) << productsRow;
  EXPECT_EQ(productsRow.at("breakers").as_array()[0].at("state").as_string(), "closed");
  // Operators read it; customers may not.
  EXPECT_EQ(as(customer_, "GET", "/api/v1/admin/fleet").status, 403);
}

TEST_F(AdminEndToEnd, PlacedOrdersSagaStepsStreamInOrderAndResumeWithLastEventIdWithoutGaps) {
  const std::string product = createProduct();
  AdminStream reference(gatewayPort_, operator_.accessToken);
  ASSERT_TRUE(reference.readUntil([&](const auto&) { return reference.raw().find(": connected") != std::string::npos; },
                                  5s));
  // A second console that will lose its connection after the saga's first step.
  AdminStream interrupted(gatewayPort_, operator_.accessToken);
  ASSERT_TRUE(interrupted.readUntil(
      [&](const auto&) { return interrupted.raw().find(": connected") != std::string::npos; }, 5s));

  const auto placed = placeOrder(product);
  const auto order = parse(placed);
  const std::string orderId = json::stringOr(order, "id");
  const std::string sagaId = json::stringOr(order, "sagaId");
  ASSERT_FALSE(sagaId.empty()) << placed.body;

  const auto ofSaga = [&](const std::vector<StreamEvent>& events) {
    std::vector<StreamEvent> steps;
    for (const auto& event : events) {
      if (event.type == "saga.step" && event.json().contains("sagaId") && event.json().at("sagaId").as_string() == sagaId) {
        steps.push_back(event);
      }
    }
    return steps;
  };
  ASSERT_TRUE(interrupted.readUntil([&](const auto& events) { return !ofSaga(events).empty(); }, 20s))
      << interrupted.raw();
  const std::string lastSeen = interrupted.events().back().id;
  interrupted.close();

  const auto finished = [&](const std::vector<StreamEvent>& events) {
    for (const auto& step : ofSaga(events)) {
      const std::string state(step.json().at("sagaState").as_string());
      if (state == "COMPLETED" || state == "COMPENSATED" || state == "FAILED") return true;
    }
    return false;
  };
  ASSERT_TRUE(reference.readUntil(finished, 30s)) << reference.raw();
  const auto steps = ofSaga(reference.events());
  EXPECT_EQ(steps.back().json().at("sagaState").as_string(), "COMPLETED") << reference.raw();
  // Every step starts before it succeeds, each event carries the contract's fields, ids grow.
  std::map<std::string, size_t> started;
  std::set<std::string> succeeded;
  for (size_t i = 0; i < steps.size(); ++i) {
    const auto json = steps[i].json();
    for (const char* field : {"sagaId", "orderId", "step", "state", "attempt", "error", "time", "traceId", "sagaState"}) {
      EXPECT_TRUE(json.contains(field)) << field << " missing in " << steps[i].data;
    }
    EXPECT_EQ(json.at("orderId").as_string(), orderId);
    const std::string name(json.at("step").as_string());
    const std::string state(json.at("state").as_string());
    if (state == "started") started.emplace(name, i);
    if (state == "succeeded") {
      if (started.contains(name)) {
        EXPECT_LT(started[name], i) << name << " succeeded before it started";
      }
      succeeded.insert(name);
    }
    if (i > 0) {
      EXPECT_LT(std::stoull(steps[i - 1].id), std::stoull(steps[i].id));
    }
  }
  EXPECT_GE(succeeded.size(), 2u) << "at least the stock reservation and the charge succeeded";
  // The same steps as the saga's own record, in the same order of first appearance.
  const auto saga = parse(as(operator_, "GET", "/api/v1/admin/sagas/" + sagaId));
  ASSERT_TRUE(saga.contains("saga")) << saga;
  std::vector<std::string> recorded;
  for (const auto& step : saga.at("saga").at("steps").as_array()) recorded.emplace_back(step.at("name").as_string());
  std::vector<std::string> streamed;
  for (const auto& step : steps) {
    const std::string name(step.json().at("step").as_string());
    if (std::find(streamed.begin(), streamed.end(), name) == streamed.end()) streamed.push_back(name);
  }
  EXPECT_EQ(streamed, recorded);
  // The order's own events came too (list rows move on them).
  bool created = false;
  bool confirmed = false;
  const auto orderEvents = [&](const std::vector<StreamEvent>& events) {
    created = confirmed = false;
    for (const auto& event : events) {
      if (event.type != "order.event" || json::stringOr(event.json(), "orderId") != orderId) continue;
      created = created || json::stringOr(event.json(), "type") == "OrderCreated";
      confirmed = confirmed || json::stringOr(event.json(), "type") == "OrderConfirmed";
    }
    return created && confirmed;
  };
  EXPECT_TRUE(reference.readUntil(orderEvents, 10s)) << "OrderCreated " << created << ", OrderConfirmed " << confirmed;

  // The interrupted console comes back with Last-Event-ID: it gets exactly what the uninterrupted one
  // got after that id — same ids, same order, same data — nothing skipped, nothing repeated.
  const std::string lastReference = reference.events().back().id;
  AdminStream resumed(gatewayPort_, operator_.accessToken, lastSeen);
  ASSERT_TRUE(resumed.readUntil(
      [&](const auto& events) {
        for (const auto& event : events) {
          if (event.id == lastReference) return true;
        }
        return false;
      },
      10s))
      << resumed.raw();
  std::vector<StreamEvent> expected;
  for (const auto& event : reference.events()) {
    if (!event.id.empty() && std::stoull(event.id) > std::stoull(lastSeen)) expected.push_back(event);
  }
  std::vector<StreamEvent> got;
  for (const auto& event : resumed.events()) {
    if (!event.id.empty() && std::stoull(event.id) <= std::stoull(lastReference)) got.push_back(event);
  }
  EXPECT_EQ(resumed.raw().find("stream.gap"), std::string::npos);
  ASSERT_EQ(got.size(), expected.size()) << resumed.raw();
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].id, expected[i].id);
    EXPECT_EQ(got[i].type, expected[i].type);
    EXPECT_EQ(got[i].data, expected[i].data);
  }
  EXPECT_FALSE(ofSaga(got).empty()) << "the steps after the disconnect were replayed";
}

TEST_F(AdminEndToEnd, OrdersTraceHasSpansFromAtLeastFourServicesUnderOneTraceId) {
  const std::string product = createProduct();
  const auto placed = placeOrder(product);
  const std::string traceId(placed.headers.get("X-Trace-Id").value_or(""));
  ASSERT_EQ(traceId.size(), 32u) << placed.body;
  // The gateway's own gRPC call is a CLIENT span, and the orders service's SERVER span is its child:
  // the traceparent the gateway sends names that span. Each process exports its spans on its own
  // schedule, so the wait covers this too.
  const auto ordersServerUnderGatewayCall = [](const boost::json::object& trace) {
    std::set<std::string> gatewayClientSpans;
    for (const auto& span : trace.at("spans").as_array()) {
      const auto& fields = span.as_object();
      if (fields.at("service").as_string() == "gateway" && fields.at("kind").as_string() == "CLIENT" &&
          std::string_view(fields.at("name").as_string()).starts_with("fleetdeck.orders.v1.OrdersService/")) {
        gatewayClientSpans.emplace(fields.at("spanId").as_string());
      }
    }
    for (const auto& span : trace.at("spans").as_array()) {
      const auto& fields = span.as_object();
      if (fields.at("service").as_string() == "orders" && fields.at("kind").as_string() == "SERVER" &&
          gatewayClientSpans.contains(std::string(fields.at("parentSpanId").as_string()))) {
        return true;
      }
    }
    return false;
  };
  std::set<std::string> services;
  boost::json::object trace;
  const bool complete = testing::waitUntil(
      [&] {
        const auto response = as(operator_, "GET", "/api/v1/admin/traces/" + traceId);
        if (response.status != 200) return false;
        trace = parse(response);
        services.clear();
        for (const auto& span : trace.at("spans").as_array()) services.emplace(span.at("service").as_string());
        return services.contains("gateway") && services.contains("orders") && services.contains("products") &&
               services.contains("payments") && ordersServerUnderGatewayCall(trace);
      },
      30s);
  std::string seen;
  for (const auto& service : services) seen += service + " ";
  ASSERT_TRUE(services.contains("gateway") && services.contains("orders") && services.contains("products") &&
              services.contains("payments"))
      << "services in trace " << traceId << ": " << seen;
  EXPECT_TRUE(complete) << "no orders SERVER span under a gateway CLIENT span of an OrdersService call";
  EXPECT_EQ(trace.at("traceId").as_string(), traceId);
  for (const auto& span : trace.at("spans").as_array()) {
    for (const char* field : {"spanId", "parentSpanId", "service", "name", "startTimeUnixNano", "endTimeUnixNano",
                              "attributes", "status"}) {
      EXPECT_TRUE(span.as_object().contains(field)) << field;
    }
  }
  // notifications joins once its consumer span of the order's events arrives (not required).
  std::cout << "services in the order's trace: " << seen << "\n";

  // The list finds it by service, and bad parameters are named.
  const auto list = as(operator_, "GET", "/api/v1/admin/traces?service=orders&limit=1000");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_NE(list.body.find(traceId), std::string::npos);
  // ...and by its root span's name, the route the order was placed on (what the console's
  // Operation filter asks); every trace listed has that root.
  const auto byRoot = as(operator_, "GET", "/api/v1/admin/traces?rootName=POST%20%2Fapi%2Fv1%2Forders&limit=1000");
  ASSERT_EQ(byRoot.status, 200) << byRoot.body;
  EXPECT_NE(byRoot.body.find(traceId), std::string::npos);
  const auto byRootList = parse(byRoot);
  for (const auto& entry : byRootList.at("traces").as_array()) {
    EXPECT_EQ(entry.at("rootName").as_string(), "POST /api/v1/orders");
  }
  const auto longRoot = as(operator_, "GET", "/api/v1/admin/traces?rootName=" + std::string(513, 'x'));
  EXPECT_EQ(longRoot.status, 400);
  EXPECT_EQ(firstField(longRoot), "rootName");
  const auto badLimit = as(operator_, "GET", "/api/v1/admin/traces?limit=0");
  EXPECT_EQ(badLimit.status, 400);
  EXPECT_EQ(firstField(badLimit), "limit");
  const auto badDuration = as(operator_, "GET", "/api/v1/admin/traces?minDurationMs=soon");
  EXPECT_EQ(badDuration.status, 400);
  EXPECT_EQ(firstField(badDuration), "minDurationMs");
  // A misspelt filter is named, not ignored (which would list every trace as if filtered).
  const auto misspelt = as(operator_, "GET", "/api/v1/admin/traces?service=orders&minDuration=5");
  EXPECT_EQ(misspelt.status, 400) << misspelt.body;
  EXPECT_EQ(firstField(misspelt), "minDuration") << misspelt.body;
  const auto badId = as(operator_, "GET", "/api/v1/admin/traces/not-a-trace");
  EXPECT_EQ(badId.status, 400);
  EXPECT_EQ(firstField(badId), "traceId");
  EXPECT_EQ(as(operator_, "GET", "/api/v1/admin/traces/" + std::string(32, 'a')).status, 404);
  EXPECT_EQ(as(customer_, "GET", "/api/v1/admin/traces").status, 403);
}

// Services export spans to any gateway replica (in Kubernetes through the gateway's Service), so
// one trace's spans are spread over the replicas. Each replica asks the others found in the
// registry for their part: the trace and the list are whole from either replica, and a replica
// that does not answer is counted instead of failing the lookup.
TEST_F(AdminEndToEnd, ATraceSpreadOverTwoGatewayReplicasIsWholeFromEither_ASilentReplicaIsCounted) {
  const uint16_t secondPort = testing::freePort();
  ServiceProcess second("gateway-traces-2", FLEETDECK_GATEWAY_BINARY,
                        extraGatewayEnvironment("gateway-traces-2", secondPort,
                                                {{"FLEETDECK_NATS__URL", nats_->url()},
                                                 {"FLEETDECK_NATS__RECONNECT_WAIT", "100ms"},
                                                 {"FLEETDECK_REGISTRY__HEARTBEAT_INTERVAL", "1s"},
                                                 {"FLEETDECK_REGISTRY__TTL", "5s"}}),
                        logs_);
  ASSERT_TRUE(second.start().isOk()) << second.logTail();

  const std::string traceId = randomHex(16);
  const std::string rootSpan = randomHex(8);
  const auto exportSpanOf = [&](const std::string& spanTraceId, uint16_t adminPort, const std::string& service,
                                const std::string& spanId, const std::string& parent, uint64_t startOffsetNanos) {
    const uint64_t start = 1'700'000'000'000'000'000ULL + startOffsetNanos;
    const boost::json::object span{{"traceId", spanTraceId},
                                   {"spanId", spanId},
                                   {"parentSpanId", parent},
                                   {"name", service + " work"},
                                   {"kind", 2},
                                   {"startTimeUnixNano", std::to_string(start)},
                                   {"endTimeUnixNano", std::to_string(start + 1'000'000)},
                                   {"status", boost::json::object{{"code", 1}}}};
    const boost::json::object resource{
        {"attributes", boost::json::array{boost::json::object{
                           {"key", "service.name"}, {"value", boost::json::object{{"stringValue", service}}}}}}};
    const std::string body = boost::json::serialize(boost::json::object{
        {"resourceSpans",
         boost::json::array{boost::json::object{
             {"resource", resource},
             {"scopeSpans", boost::json::array{boost::json::object{{"spans", boost::json::array{span}}}}}}}}});
    http::Headers headers;
    headers.add("Content-Type", "application/json");
    http::HttpClient client("127.0.0.1", adminPort);
    auto answer = client.request("POST", "/v1/traces", body, headers);
    ASSERT_TRUE(answer.isOk()) << answer.status().toString();
    ASSERT_EQ(answer->status, 200) << answer->body;
  };
  const auto exportSpan = [&](uint16_t adminPort, const std::string& service, const std::string& spanId,
                              const std::string& parent, uint64_t startOffsetNanos) {
    exportSpanOf(traceId, adminPort, service, spanId, parent, startOffsetNanos);
  };
  // The root on the first replica, its child on the second.
  exportSpan(gatewayAdminPort_, "gateway", rootSpan, "", 0);
  exportSpan(second.adminPort(), "orders", randomHex(8), rootSpan, 200'000);

  const auto spansVia = [&](uint16_t port, boost::json::object* trace) {
    http::HttpClient client("127.0.0.1", port);
    auto answer = client.request("GET", "/api/v1/admin/traces/" + traceId, "", operator_.headers({}));
    if (!answer || answer->status != 200) return size_t{0};
    *trace = parse(*answer);
    return trace->at("spans").as_array().size();
  };
  boost::json::object trace;
  // Each replica finds the other in the registry after its heartbeat.
  EXPECT_TRUE(testing::waitUntil([&] { return spansVia(gatewayPort_, &trace) == 2; }, 15s))
      << boost::json::serialize(trace);
  EXPECT_EQ(trace.at("spans").as_array()[0].at("service").as_string(), "gateway");
  EXPECT_EQ(trace.at("spans").as_array()[1].at("parentSpanId").as_string(), rootSpan);
  EXPECT_FALSE(trace.contains("unreachableReplicas"));
  EXPECT_TRUE(testing::waitUntil([&] { return spansVia(secondPort, &trace) == 2; }, 15s))
      << boost::json::serialize(trace);

  // The list on the first replica finds the trace by a service whose part only the second holds;
  // unfiltered, its one summary covers both parts.
  const auto listedEntry = [&](const std::string& target) {
    const auto list = as(operator_, "GET", target);
    EXPECT_EQ(list.status, 200) << list.body;
    const auto body = parse(list);
    for (const auto& entry : body.at("traces").as_array()) {
      if (entry.at("traceId").as_string() == traceId) return entry.as_object();
    }
    return boost::json::object{};
  };
  EXPECT_FALSE(listedEntry("/api/v1/admin/traces?service=orders&limit=1000").empty());
  // By root span name: the root's ("gateway work", on the first replica) finds it; the child's
  // ("orders work", the first span of the second replica's part) does not.
  EXPECT_FALSE(listedEntry("/api/v1/admin/traces?rootName=gateway%20work&limit=1000").empty());
  EXPECT_TRUE(listedEntry("/api/v1/admin/traces?rootName=orders%20work&limit=1000").empty());
  const auto summary = listedEntry("/api/v1/admin/traces?limit=1000");
  ASSERT_FALSE(summary.empty());
  EXPECT_EQ(summary.at("spanCount").as_int64(), 2) << boost::json::serialize(summary);
  EXPECT_EQ(summary.at("rootService").as_string(), "gateway");
  EXPECT_EQ(boost::json::serialize(summary.at("services")), R"(["gateway","orders"])");

  // The replicas' own routes on the admin port (reachable from outside in Compose and Kubernetes)
  // ask for an operator's token as the API routes do; the merges above passed the caller's along.
  for (const uint16_t adminPort : {gatewayAdminPort_, second.adminPort()}) {
    for (const std::string& target : std::vector<std::string>{"/traces", "/traces/" + traceId}) {
      http::HttpClient client("127.0.0.1", adminPort);
      const auto anonymous = client.request("GET", target, "", {});
      ASSERT_TRUE(anonymous.isOk()) << anonymous.status().toString();
      EXPECT_EQ(anonymous->status, 401) << target << ": " << anonymous->body;
      const auto asCustomer = client.request("GET", target, "", customer_.headers({}));
      ASSERT_TRUE(asCustomer.isOk()) << asCustomer.status().toString();
      EXPECT_EQ(asCustomer->status, 403) << target << ": " << asCustomer->body;
      const auto asOperator = client.request("GET", target, "", operator_.headers({}));
      ASSERT_TRUE(asOperator.isOk()) << asOperator.status().toString();
      EXPECT_EQ(asOperator->status, 200) << target << ": " << asOperator->body;
    }
  }

  // Round 2 of the list (a replica's parts of named traces) is behind the same gate.
  for (const uint16_t adminPort : {gatewayAdminPort_, second.adminPort()}) {
    http::HttpClient client("127.0.0.1", adminPort);
    const std::string ids = R"({"traceIds":[")" + traceId + R"("]})";
    const auto anonymous = client.request("POST", "/trace-parts", ids, {});
    ASSERT_TRUE(anonymous.isOk()) << anonymous.status().toString();
    EXPECT_EQ(anonymous->status, 401) << anonymous->body;
    const auto asCustomer = client.request("POST", "/trace-parts", ids, customer_.headers({}));
    ASSERT_TRUE(asCustomer.isOk()) << asCustomer.status().toString();
    EXPECT_EQ(asCustomer->status, 403) << asCustomer->body;
  }

  // A replica that holds none of a trace says so (200, an empty part): a 404 is what an older
  // replica without the route answers, so the asking replica takes it for no answer.
  {
    http::HttpClient client("127.0.0.1", second.adminPort());
    const std::string absent = randomHex(16);
    const auto part = client.request("GET", "/traces/" + absent, "", operator_.headers({}));
    ASSERT_TRUE(part.isOk()) << part.status().toString();
    EXPECT_EQ(part->status, 200) << part->body;
    EXPECT_EQ(part->body, R"({"traceId":")" + absent + R"(","spans":[]})");
  }

  // A trace only the second replica holds, found through the first.
  const std::string onlyOnSecond = randomHex(16);
  exportSpanOf(onlyOnSecond, second.adminPort(), "orders", randomHex(8), "", 0);
  ASSERT_EQ(as(operator_, "GET", "/api/v1/admin/traces/" + onlyOnSecond).status, 200);

  // A replica that stops answering (stopped, not gone: still in the registry) is counted; the
  // answer has the part the others hold. When no answering replica holds any of the trace, it is
  // not known to be missing: 503, try again, not 404.
  ASSERT_EQ(kill(second.pid(), SIGSTOP), 0);
  // kill() only queues the stop: every thread of the replica stops when next scheduled, which on a
  // busy machine can be after the next request was served. Wait (bounded) until all have.
  const auto allStopped = [pid = second.pid()] {
    std::error_code error;
    for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", error)) {
      std::ifstream stat(task.path() / "stat");
      std::string line;
      std::getline(stat, line);
      const size_t end = line.rfind(')');
      if (end == std::string::npos || end + 2 >= line.size() || line[end + 2] != 'T') return false;
    }
    return !error;
  };
  for (int attempt = 0; attempt < 200 && !allStopped(); ++attempt) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(allStopped());
  const auto partial = as(operator_, "GET", "/api/v1/admin/traces/" + traceId);
  const auto unknown = as(operator_, "GET", "/api/v1/admin/traces/" + onlyOnSecond);
  ASSERT_EQ(kill(second.pid(), SIGCONT), 0);
  EXPECT_EQ(unknown.status, 503) << unknown.body;
  EXPECT_TRUE(unknown.headers.get("Retry-After").has_value());
  EXPECT_NE(unknown.body.find("1 replica(s) did not answer"), std::string::npos) << unknown.body;
  ASSERT_EQ(partial.status, 200) << partial.body;
  const auto partialTrace = parse(partial);
  EXPECT_EQ(partialTrace.at("spans").as_array().size(), 1u) << partial.body;
  EXPECT_EQ(partialTrace.at("unreachableReplicas").as_int64(), 1) << partial.body;
  // A trace no replica holds is still a 404.
  EXPECT_EQ(as(operator_, "GET", "/api/v1/admin/traces/" + randomHex(16)).status, 404);
  EXPECT_EQ(second.stop(10s), 0);
}

// A gateway replica that misbehaves on the peer trace routes: a loopback HTTP server of the test,
// registered in the suite's registry as an instance of the gateway whose adminAddress is that
// server (heartbeating as a real instance does, so it stays until it leaves). /healthz and /readyz
// answer as a healthy host's do; GET /traces, GET /traces/{traceId} and POST /trace-parts answer
// with the chosen misbehaviour. It records what it was asked.
class MisbehavingGatewayReplica {
 public:
  enum class Answer {
    kServerError,     // 500
    kNotFound,        // 404, as an older replica without the route answers
    kNotJson,         // 200 with an HTML page (a proxy's, say)
    kJsonNotAPart,    // 200 with JSON that is neither a trace, a list nor parts
    kNoAnswerInTime,  // holds the request (answered 503 only when the mode changes or it leaves)
  };
  struct Asked {
    std::string method;
    std::string path;
    std::string body;
    std::string authorization;
  };

  MisbehavingGatewayReplica(bus::Bus& bus, const std::string& instanceId)
      : instanceId_(instanceId),
        // On IPv6 loopback: the registry's admin address is then "[::1]:port", which the fan-out
        // must split at the last colon and unbracket (it once asked for the host "[::1]").
        server_(http::ServerOptions{.address = "::1", .port = 0},
                [this](http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
                  respond(request, std::move(responder));
                }) {
    started_ = server_.start();
    if (!started_.isOk()) return;
    bus::RegistryOptions options;
    options.ttl = 5s;  // as the suite's processes register
    options.heartbeatInterval = 1s;
    registration_.emplace(bus, bus::ServiceInstance{.name = "gateway",
                                                    .instanceId = instanceId_,
                                                    .version = "misbehaving",
                                                    .grpcAddress = "",
                                                    .adminAddress = "[::1]:" + std::to_string(server_.port())},
                          options);
    registration_->start();
  }
  ~MisbehavingGatewayReplica() {
    leave();
    release();
    server_.stop(std::chrono::milliseconds(500));
  }

  const Status& started() const { return started_; }
  const std::string& instanceId() const { return instanceId_; }
  // Deletes its registry entry (as a stopping process does: watchers drop it at once).
  void leave() {
    if (registration_) registration_->stop(true);
    registration_.reset();
  }
  void answerWith(Answer answer) {
    release();
    std::lock_guard lock(mutex_);
    answer_ = answer;
    asked_.clear();
  }
  std::vector<Asked> asked() const {
    std::lock_guard lock(mutex_);
    return asked_;
  }

 private:
  void respond(http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
    if (request.path == "/healthz") {
      return responder->send(http::HttpResponse::json(200, R"({"status":"alive","service":"gateway"})"));
    }
    if (request.path == "/readyz") {
      return responder->send(http::HttpResponse::json(200, R"({"status":"ready","service":"gateway","checks":{}})"));
    }
    std::unique_lock lock(mutex_);
    asked_.push_back({request.method, request.path, request.body,
                      std::string(request.header("Authorization").value_or(""))});
    switch (answer_) {
      case Answer::kServerError:
        lock.unlock();
        return responder->send(http::errorResponse(internalError("this replica's trace store is broken"), ""));
      case Answer::kNotFound:
        lock.unlock();
        return responder->send(http::errorResponse(notFound("no route " + request.path), ""));
      case Answer::kNotJson: {
        lock.unlock();
        auto page = http::HttpResponse::text(200, "<html><body><h1>It works!</h1></body></html>");
        page.headers.set("Content-Type", "text/html");
        return responder->send(std::move(page));
      }
      case Answer::kJsonNotAPart:
        lock.unlock();
        return responder->send(http::HttpResponse::json(200, R"({"status":"ok","items":[1,2,3]})"));
      case Answer::kNoAnswerInTime:
        held_.push_back(std::move(responder));
        return;
    }
  }
  // Answers the held requests (long after their asker gave up on them).
  void release() {
    std::vector<std::shared_ptr<http::Responder>> held;
    {
      std::lock_guard lock(mutex_);
      held.swap(held_);
    }
    for (auto& responder : held) responder->send(http::errorResponse(unavailable("too late"), ""));
  }

  std::string instanceId_;
  mutable std::mutex mutex_;
  Answer answer_ = Answer::kServerError;
  std::vector<Asked> asked_;
  std::vector<std::shared_ptr<http::Responder>> held_;
  Status started_;
  http::HttpServer server_;
  std::optional<bus::ServiceRegistration> registration_;
};

// The trace routes' fan-out to the gateway's peers (the other gateway instances in the registry):
// whatever a peer answers that is not a 200 with a readable part (500, an older replica's 404, a
// page that is not JSON, JSON that is not a part, no answer within the peer timeout) counts that
// peer in unreachableReplicas. The trace and the list stay 200 with exactly the spans the answering
// replica (here the suite's gateway) holds, and the peer is asked with the caller's token.
TEST_F(AdminEndToEnd, AMisbehavingGatewayReplicaIsCountedUnreachable_TheTraceAndTheListKeepTheRealSpans) {
  const std::string product = createProduct();
  const auto placed = placeOrder(product);
  const std::string traceId(placed.headers.get("X-Trace-Id").value_or(""));
  ASSERT_EQ(traceId.size(), 32u) << placed.body;

  // The suite's gateway's own part of the trace, as its admin port gives it to a peer: span id -> span.
  const auto localPart = [&] {
    std::map<std::string, boost::json::value> spans;
    http::HttpClient client("127.0.0.1", gatewayAdminPort_);
    const auto part = client.request("GET", "/traces/" + traceId, "", operator_.headers({}));
    EXPECT_TRUE(part.isOk() && part->status == 200) << (part ? part->body : part.status().toString());
    if (!part || part->status != 200) return spans;
    const auto document = parse(*part);
    for (const auto& span : document.at("spans").as_array()) spans.emplace(span.at("spanId").as_string(), span);
    return spans;
  };
  const auto servicesIn = [](const std::map<std::string, boost::json::value>& spans) {
    std::set<std::string> services;
    for (const auto& [id, span] : spans) services.emplace(span.at("service").as_string());
    return services;
  };
  // Each service exports its spans on its own schedule.
  std::set<std::string> services;
  ASSERT_TRUE(testing::waitUntil(
      [&] {
        services = servicesIn(localPart());
        return services.contains("gateway") && services.contains("orders") && services.contains("products") &&
               services.contains("payments");
      },
      30s))
      << "services in trace " << traceId << ": " << services.size();

  auto bus = bus::Bus::connect({.url = nats_->url(), .name = "admin-e2e-misbehaving-replica"});
  ASSERT_TRUE(bus.isOk()) << bus.status().toString();
  ASSERT_TRUE(testing::waitUntil([&] { return (*bus)->connected(); }, 10s));
  MisbehavingGatewayReplica fake(**bus, "gateway-misbehaving-" + randomHex(4));
  ASSERT_TRUE(fake.started().isOk()) << fake.started().toString();

  // The gateway's fleet view and its trace peers read the same registry watcher: once the view lists
  // the fake next to the gateway itself (and no other replica is left from an earlier test), the
  // lookups fan out to exactly the fake.
  const auto gatewayInstances = [] {
    std::set<std::string> ids;
    const auto services = fleet();
    if (const auto found = services.find("gateway"); found != services.end()) {
      for (const auto& instance : found->second.at("instances").as_array()) ids.emplace(instance.at("instanceId").as_string());
    }
    return ids;
  };
  const std::set<std::string> withFake{"gateway-1", fake.instanceId()};
  ASSERT_TRUE(testing::waitUntil([&] { return gatewayInstances() == withFake; }, 15s))
      << "gateway instances in the fleet view: " << gatewayInstances().size();

  const std::string token = "Bearer " + operator_.accessToken;
  // A missing count is no count.
  const auto unreachableIn = [](const boost::json::object& body) {
    const auto* count = body.if_contains("unreachableReplicas");
    return count != nullptr && count->is_number() ? count->to_number<int64_t>() : int64_t{0};
  };
  using Answer = MisbehavingGatewayReplica::Answer;
  for (const auto& [answer, name] : {std::pair{Answer::kServerError, "500"}, std::pair{Answer::kNotFound, "404"},
                                     std::pair{Answer::kNotJson, "200, not JSON"},
                                     std::pair{Answer::kJsonNotAPart, "200, JSON that is not a part"},
                                     std::pair{Answer::kNoAnswerInTime, "no answer in time"}}) {
    SCOPED_TRACE(std::string("the fake replica answers: ") + name);
    fake.answerWith(answer);
    // What the gateway holds before and after the calls: a span exported in between may or may not
    // be in an answer; nothing else may be, and nothing held before may be missing.
    const auto before = localPart();
    const auto lookup = as(operator_, "GET", "/api/v1/admin/traces/" + traceId);
    const auto list = as(operator_, "GET", "/api/v1/admin/traces?limit=1000");
    const auto after = localPart();

    EXPECT_EQ(lookup.status, 200) << lookup.body.substr(0, 1000);
    const auto trace = parse(lookup);
    if (lookup.status == 200) {
      std::set<std::string> answered;
      for (const auto& span : trace.at("spans").as_array()) {
        const std::string id(span.at("spanId").as_string());
        answered.emplace(id);
        const auto held = after.find(id);
        EXPECT_TRUE(held != after.end() && held->second == span)
            << "a span the gateway does not hold as such: " << boost::json::serialize(span);
      }
      for (const auto& [id, span] : before) EXPECT_TRUE(answered.contains(id)) << "span " << id << " left out";
      EXPECT_EQ(json::stringOr(trace, "traceId"), traceId);
      EXPECT_EQ(unreachableIn(trace), 1) << answered.size() << " spans";
    }

    // A trace no answering replica holds while the fake failed: not known to be gone, 503 with
    // Retry-After and the reason the console tells apart from "no trace store" by (TracePane).
    const auto unknown = as(operator_, "GET", "/api/v1/admin/traces/" + randomHex(16));
    EXPECT_EQ(unknown.status, 503) << unknown.body.substr(0, 1000);
    EXPECT_TRUE(unknown.headers.get("Retry-After").has_value());
    if (unknown.status == 503) {
      const auto error = parse(unknown).at("error").as_object();
      EXPECT_EQ(json::stringOr(error, "code"), "UNAVAILABLE");
      EXPECT_EQ(json::stringOr(error, "reason"), "TRACE_REPLICAS_SILENT") << unknown.body;
      EXPECT_NE(json::stringOr(error, "message").find("is in no answering gateway replica's trace store"), std::string::npos)
          << unknown.body;
    }

    EXPECT_EQ(list.status, 200) << list.body.substr(0, 1000);
    const auto listed = parse(list);
    if (list.status == 200) {
      // Once, though a peer answering 200 unreadably fails both rounds of the list.
      EXPECT_EQ(unreachableIn(listed), 1);
      boost::json::object entry;
      for (const auto& candidate : listed.at("traces").as_array()) {
        if (candidate.at("traceId").as_string() == traceId) entry = candidate.as_object();
      }
      EXPECT_FALSE(entry.empty()) << "trace " << traceId << " not listed";
      if (!entry.empty()) {
        const std::string summary = boost::json::serialize(entry);
        EXPECT_GE(entry.at("spanCount").as_int64(), static_cast<int64_t>(before.size())) << summary;
        EXPECT_LE(entry.at("spanCount").as_int64(), static_cast<int64_t>(after.size())) << summary;
        EXPECT_EQ(entry.at("rootService").as_string(), "gateway") << summary;
      }
    }

    // The fake was asked every round, on its admin address, with the operator's token.
    std::set<std::string> routes;
    for (const auto& asked : fake.asked()) {
      EXPECT_EQ(asked.authorization, token) << asked.method << " " << asked.path;
      if (asked.method == "GET" && asked.path == "/traces/" + traceId) routes.emplace("trace");
      if (asked.method == "GET" && asked.path == "/traces") routes.emplace("list");
      if (asked.method == "POST" && asked.path == "/trace-parts" && asked.body.find(traceId) != std::string::npos) {
        routes.emplace("parts");
      }
    }
    EXPECT_EQ(routes, (std::set<std::string>{"list", "parts", "trace"}));
  }

  // Gone from the registry, the fake is no longer asked: whole answers again, nothing counted.
  fake.leave();
  ASSERT_TRUE(testing::waitUntil([&] { return gatewayInstances() == std::set<std::string>{"gateway-1"}; }, 15s))
      << "the fake replica is still in the fleet view";
  const auto whole = as(operator_, "GET", "/api/v1/admin/traces/" + traceId);
  ASSERT_EQ(whole.status, 200) << whole.body.substr(0, 1000);
  EXPECT_EQ(unreachableIn(parse(whole)), 0);
  const auto wholeList = as(operator_, "GET", "/api/v1/admin/traces?limit=1000");
  ASSERT_EQ(wholeList.status, 200) << wholeList.body.substr(0, 1000);
  EXPECT_EQ(unreachableIn(parse(wholeList)), 0);
  EXPECT_NE(wholeList.body.find(traceId), std::string::npos);
}

// A gateway run with [traces] enabled = false keeps no trace store: its trace list and a trace are
// 503 UNAVAILABLE with the reason TRACE_STORE_DISABLED (which the console reads as tracing off
// there, not as silent replicas) and the Retry-After of any 503, while its other routes serve.
TEST_F(AdminEndToEnd, AGatewayWithTracingOff_AnswersItsTraceRoutes503WithTheReasonTraceStoreDisabled) {
  const uint16_t port = testing::freePort();
  ServiceProcess gateway("gateway-no-traces", FLEETDECK_GATEWAY_BINARY,
                         extraGatewayEnvironment("gateway-no-traces", port, {{"FLEETDECK_TRACES__ENABLED", "false"}}), logs_);
  ASSERT_TRUE(gateway.start().isOk()) << gateway.logTail();
  http::HttpClient client("127.0.0.1", port);
  for (const std::string& target : {std::string("/api/v1/admin/traces"), "/api/v1/admin/traces/" + randomHex(16)}) {
    SCOPED_TRACE(target);
    auto answer = client.request("GET", target, "", operator_.headers({}));
    ASSERT_TRUE(answer.isOk()) << answer.status().toString();
    EXPECT_EQ(answer->status, 503) << answer->body;
    EXPECT_EQ(answer->headers.get("Retry-After").value_or(""), "30");
    const auto body = parse(*answer);
    ASSERT_TRUE(body.contains("error") && body.at("error").is_object()) << answer->body;
    const auto& error = body.at("error").as_object();
    EXPECT_EQ(json::stringOr(error, "code"), "UNAVAILABLE") << answer->body;
    EXPECT_EQ(json::stringOr(error, "reason"), "TRACE_STORE_DISABLED") << answer->body;
  }
  // The gateway itself serves: only its trace routes are off.
  auto me = client.request("GET", "/api/v1/users/me", "", operator_.headers({}));
  ASSERT_TRUE(me.isOk()) << me.status().toString();
  EXPECT_EQ(me->status, 200) << me->body;
  EXPECT_EQ(gateway.stop(10s), 0);
}

TEST_F(AdminEndToEnd, RegistryInstancesAreRoundRobinedAndAStoppedOneIsEjected) {
  const std::string product = createProduct();
  const uint16_t secondGrpc = testing::freePort();
  secondProducts_ = start("products-2", FLEETDECK_PRODUCTS_BINARY, productsEnvironment("products-2", secondGrpc));
  const auto upstreamAddresses = [] {
    std::set<std::string> found;
    const auto body = parse(as(operator_, "GET", "/api/v1/admin/upstreams"));
    if (!body.contains("instances")) return found;
    for (const auto& instance : body.at("instances").as_array()) {
      if (instance.at("upstream").as_string() == "products") found.emplace(instance.at("address").as_string());
    }
    return found;
  };
  const std::set<std::string> both{address(productsGrpc_), address(secondGrpc)};
  ASSERT_TRUE(testing::waitUntil([&] { return upstreamAddresses() == both; }, 15s))
      << as(operator_, "GET", "/api/v1/admin/upstreams").body;
  // Round robin: a handful of reads reach both instances (each counts its gRPC requests).
  for (int i = 0; i < 10; ++i) EXPECT_EQ(as(customer_, "GET", "/api/v1/products/" + product).status, 200);
  const auto handled = [](const ServiceProcess& process) {
    http::HttpClient client("127.0.0.1", process.adminPort());
    auto response = client.get("/metrics");
    return response.isOk() && response->body.find("GetProduct") != std::string::npos;
  };
  EXPECT_TRUE(handled(*products_));
  EXPECT_TRUE(handled(*secondProducts_));

  // Stopped (it deregisters): ejected from the upstream, and every read still succeeds.
  ASSERT_EQ(secondProducts_->stop(10s), 0);
  EXPECT_TRUE(testing::waitUntil([&] { return upstreamAddresses() == std::set<std::string>{address(productsGrpc_)}; }, 10s))
      << as(operator_, "GET", "/api/v1/admin/upstreams").body;
  for (int i = 0; i < 10; ++i) EXPECT_EQ(as(customer_, "GET", "/api/v1/products/" + product).status, 200);
  delete secondProducts_;
  secondProducts_ = nullptr;
}

// A gateway whose configured products address is stale (nothing listens there) routes by the
// registry's instance, and its /readyz reports the channels it calls, not the configured text.
TEST_F(AdminEndToEnd, GatewayWithAStaleConfiguredAddressRoutesAndIsReadyByTheRegistry) {
  const std::string product = createProduct();
  const uint16_t port = testing::freePort();
  const uint16_t staleProducts = testing::freePort();  // nothing listens here
  ServiceProcess gateway("gateway-stale-config", FLEETDECK_GATEWAY_BINARY,
                         extraGatewayEnvironment("gateway-stale-config", port,
                                                 {{"FLEETDECK_NATS__URL", nats_->url()},
                                                  {"FLEETDECK_REGISTRY__HEARTBEAT_INTERVAL", "1s"},
                                                  {"FLEETDECK_REGISTRY__TTL", "5s"},
                                                  {"FLEETDECK_FLEET__POLL_INTERVAL", "500ms"},
                                                  {"FLEETDECK_FLEET__PROBE_TIMEOUT", "500ms"},
                                                  {"FLEETDECK_UPSTREAMS__PRODUCTS", address(staleProducts)}}),
                         logs_);
  ASSERT_TRUE(gateway.start().isOk()) << gateway.logTail();

  const auto productsCheck = [&] {
    http::HttpClient client("127.0.0.1", gateway.adminPort());
    auto response = client.get("/readyz");
    if (!response) return boost::json::object{};
    const auto body = parse(*response);
    if (!body.contains("checks") || !body.at("checks").as_object().contains("upstream:products")) {
      return boost::json::object{};
    }
    return body.at("checks").as_object().at("upstream:products").as_object();
  };
  // Within a few probes: an idle channel is polled by the check itself (gRPC alone took 5-15 s).
  ASSERT_TRUE(testing::waitUntil([&] { return json::stringOr(productsCheck(), "status") == "up"; }, 5s))
      << boost::json::serialize(productsCheck()) << "\n" << gateway.logTail();

  http::HttpClient client("127.0.0.1", port);
  auto read = client.request("GET", "/api/v1/products/" + product, "", customer_.headers({}));
  ASSERT_TRUE(read.isOk()) << read.status().toString();
  EXPECT_EQ(read->status, 200) << read->body;
  EXPECT_EQ(gateway.stop(10s), 0);
}

// Acknowledgements are NATS key-value calls, each waiting out its request timeout while NATS is away.
// They run off the HTTP threads: a gateway with a single HTTP thread answers other requests at once
// meanwhile (they used to wait behind the acknowledgement for seconds).
TEST_F(AdminEndToEnd, WhileNatsIsAway_AnAcknowledgementHoldsUpNoOtherRequest) {
  testing::NatsServer ownNats;
  const uint16_t port = testing::freePort();
  ServiceProcess gateway("gateway-own-nats", FLEETDECK_GATEWAY_BINARY,
                         extraGatewayEnvironment("gateway-own-nats", port,
                                                 {{"FLEETDECK_HTTP__THREADS", "1"},
                                                  {"FLEETDECK_NATS__URL", ownNats.url()},
                                                  {"FLEETDECK_NATS__REQUEST_TIMEOUT", "3s"}}),
                         logs_);
  ASSERT_TRUE(gateway.start().isOk()) << gateway.logTail();
  const auto on = [&](const std::string& method, const std::string& target, const std::string& body = {}) {
    http::HttpClient client("127.0.0.1", port, 20s);
    auto response = client.request(method, target, body, operator_.headers({}));
    return response.isOk() ? *response : http::HttpResponse{};
  };
  ASSERT_TRUE(testing::waitUntil([&] { return on("GET", "/api/v1/admin/alerts/acknowledgements").status == 200; }, 10s))
      << gateway.logTail();

  ownNats.stop();
  std::atomic<bool> answered{false};
  int withdrawStatus = 0;
  std::thread withdraw([&] {
    withdrawStatus = on("POST", "/api/v1/admin/alerts:unacknowledge",
                        R"({"alertname":"AdminE2ENeverFiring","labels":{"alertname":"AdminE2ENeverFiring"}})")
                         .status;
    answered = true;
  });
  std::this_thread::sleep_for(300ms);  // the withdrawal is in the gateway, waiting for NATS
  const auto other = on("GET", "/api/v1/openapi.json");
  const bool stillWaiting = !answered.load();
  withdraw.join();
  EXPECT_EQ(other.status, 200);
  EXPECT_TRUE(stillWaiting) << "the other request waited for the acknowledgement's NATS call";
  EXPECT_TRUE(withdrawStatus == 503 || withdrawStatus == 504) << withdrawStatus << ": NATS is away";
  EXPECT_EQ(gateway.stop(10s), 0);
}

// Open admin streams are capped per user ([stream] max_per_user): one more is 429 with Retry-After,
// another user is still served, and a closed stream frees its slot.
TEST_F(AdminEndToEnd, AdminStreamsPerUserAreCapped_AClosedOneFreesItsSlot) {
  const uint16_t port = testing::freePort();
  ServiceProcess gateway("gateway-stream-cap", FLEETDECK_GATEWAY_BINARY,
                         extraGatewayEnvironment("gateway-stream-cap", port,
                                                 {{"FLEETDECK_STREAM__MAX_PER_USER", "2"},
                                                  {"FLEETDECK_STREAM__HEARTBEAT_INTERVAL", "200ms"}}),
                         logs_);
  ASSERT_TRUE(gateway.start().isOk()) << gateway.logTail();
  auto first = std::make_unique<AdminStream>(port, operator_.accessToken);
  AdminStream second(port, operator_.accessToken);
  ASSERT_TRUE(first->waitFor(": connected", 5s)) << first->raw();
  ASSERT_TRUE(second.waitFor(": connected", 5s)) << second.raw();
  {
    AdminStream third(port, operator_.accessToken);
    EXPECT_TRUE(third.waitFor("429", 5s)) << third.raw();
    EXPECT_TRUE(third.waitFor("Retry-After", 1s)) << third.raw();
  }
  AdminStream otherUser(port, admin_.accessToken);
  EXPECT_TRUE(otherUser.waitFor(": connected", 5s)) << otherUser.raw();

  first.reset();  // the gateway notices at its next heartbeat
  bool reopened = false;
  for (int attempt = 0; attempt < 25 && !reopened; ++attempt) {
    AdminStream again(port, operator_.accessToken);
    reopened = again.waitFor(": connected", 1s);
  }
  EXPECT_TRUE(reopened) << gateway.logTail();
  EXPECT_EQ(gateway.stop(10s), 0);
}

// Runs last: it stops payments.
// An admin demotes an operator: the operator's access token stops working at once (the users
// service publishes UserAccessChanged, the gateway refuses tokens issued before it) instead of
// keeping operator rights until it expires; a refresh gives a token with the new role.
TEST_F(AdminEndToEnd, ADemotedUsersOlderAccessTokenIsRefusedAtOnce_ARefreshCarriesTheNewRole) {
  auto demoted = testing::signInAs("operator", users_->grpcAddress(), gatewayPort_, "demoted");
  ASSERT_TRUE(demoted.isOk()) << demoted.status().toString();
  ASSERT_EQ(as(*demoted, "GET", "/api/v1/users?pageSize=1").status, 200);
  // The operator's admin stream, open before the demotion (authorised once, when it opened).
  AdminStream stream(gatewayPort_, demoted->accessToken);
  ASSERT_TRUE(stream.waitFor(": connected", 5s)) << stream.raw();
  // No pause: the token carries the account's version, so one signed in the very second of the
  // change is refused as well (by issue time alone, tokens of that second were kept).
  const auto changed = as(admin_, "PATCH", "/api/v1/users/" + demoted->userId, R"({"role":"customer"})");
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_TRUE(testing::waitUntil([&] { return as(*demoted, "GET", "/api/v1/users/me").status == 401; }, 10s))
      << "the operator token still works after the demotion";
  // The next event ends the stream instead of reaching the customer the operator now is.
  const std::string orderId = json::stringOr(parse(placeOrder(createProduct())), "id");
  const auto orderSeen = [&](const std::vector<StreamEvent>& events) {
    for (const auto& event : events) {
      if (event.type == "order.event" && json::stringOr(event.json(), "orderId") == orderId) return true;
    }
    return false;
  };
  const auto watched = std::chrono::steady_clock::now();
  EXPECT_FALSE(stream.readUntil(orderSeen, 15s)) << stream.raw();
  EXPECT_LT(std::chrono::steady_clock::now() - watched, 14s) << "the stream stayed open";
  http::HttpClient client("127.0.0.1", gatewayPort_);
  auto refreshed = client.request("POST", "/api/v1/auth/refresh", R"({"refreshToken":")" + demoted->refreshToken + "\"}", {});
  ASSERT_TRUE(refreshed.isOk());
  ASSERT_EQ(refreshed->status, 200) << refreshed->body;
  testing::TestSession after = *demoted;
  after.accessToken = json::stringOr(parse(*refreshed), "accessToken");
  EXPECT_EQ(as(after, "GET", "/api/v1/users/me").status, 200);
  EXPECT_EQ(as(after, "GET", "/api/v1/users?pageSize=1").status, 403) << "a customer now";
}

// A poison UserRegistered (undecodable) is dead-lettered by both its consumers (payments opens
// wallets from it, notifications welcomes): operators see the letters, only an admin replays, and a
// replay goes to the consumer that gave up on it alone (the other one does not see it again).
TEST_F(AdminEndToEnd, DeadLettersAreListedForOperators_AndAnAdminReplaysOneToItsConsumerOnly) {
  auto bus = bus::Bus::connect({.url = nats_->url(), .name = "admin-e2e"});
  ASSERT_TRUE(bus.isOk()) << bus.status().toString();
  ASSERT_TRUE(testing::waitUntil([&] { return (*bus)->connected(); }, 10s));
  const std::string msgId = "poison-" + newUuid();
  auto published = (*bus)->publish({.subject = "fleetdeck.users.v1.UserRegistered", .msgId = msgId,
                                    .headers = {}, .data = "not a protobuf envelope \xff\xff"});
  ASSERT_TRUE(published.isOk()) << published.status().toString();

  // consumer -> its letters of this message (sequence, replayed).
  const auto lettersOfPoison = [&] {
    std::map<std::string, std::vector<std::pair<uint64_t, bool>>> letters;
    const auto response = as(operator_, "GET", "/api/v1/admin/dead-letters?limit=500");
    EXPECT_EQ(response.status, 200) << response.body;
    const auto body = parse(response);
    if (!body.contains("deadLetters")) return letters;
    for (const auto& entry : body.at("deadLetters").as_array()) {
      const auto& letter = entry.as_object();
      // A replay travels as "<id>:replay:<letter's sequence>".
      if (!json::stringOr(letter, "msgId").starts_with(msgId)) continue;
      EXPECT_EQ(json::stringOr(letter, "subject"), "fleetdeck.users.v1.UserRegistered");
      EXPECT_FALSE(json::stringOr(letter, "reason").empty());
      letters[json::stringOr(letter, "consumer")].emplace_back(letter.at("sequence").to_number<uint64_t>(),
                                                               letter.at("replayed").as_bool());
    }
    return letters;
  };
  std::map<std::string, std::vector<std::pair<uint64_t, bool>>> letters;
  ASSERT_TRUE(testing::waitUntil([&] { return (letters = lettersOfPoison()).size() == 2; }, 20s))
      << "expected one letter from each of the two consumers of UserRegistered, got " << letters.size();
  std::string walletConsumer;
  for (const auto& [consumer, found] : letters) {
    EXPECT_EQ(found.size(), 1u) << consumer;
    if (consumer.starts_with("payments")) walletConsumer = consumer;
  }
  ASSERT_FALSE(walletConsumer.empty()) << "no letter from payments";
  const std::string otherConsumer = letters.begin()->first == walletConsumer ? letters.rbegin()->first
                                                                             : letters.begin()->first;
  const uint64_t sequence = letters[walletConsumer][0].first;
  EXPECT_EQ(as(customer_, "GET", "/api/v1/admin/dead-letters").status, 403);
  const auto misspelt = as(operator_, "GET", "/api/v1/admin/dead-letters?consumers=" + otherConsumer);
  EXPECT_EQ(misspelt.status, 400) << misspelt.body;
  EXPECT_EQ(firstField(misspelt), "consumers") << misspelt.body;
  const auto filtered = parse(as(operator_, "GET", "/api/v1/admin/dead-letters?consumer=" + otherConsumer));
  for (const auto& entry : filtered.at("deadLetters").as_array()) {
    EXPECT_EQ(json::stringOr(entry.as_object(), "consumer"), otherConsumer);
  }

  const std::string replayOne = R"({"sequence":)" + std::to_string(sequence) + "}";
  EXPECT_EQ(as(operator_, "POST", "/api/v1/admin/dead-letters:replay", replayOne).status, 403);
  const auto both = as(admin_, "POST", "/api/v1/admin/dead-letters:replay",
                       R"({"sequence":1,"consumer":")" + walletConsumer + R"("})");
  EXPECT_EQ(both.status, 400) << both.body;
  EXPECT_EQ(firstField(both), "consumer");
  const auto negative = as(admin_, "POST", "/api/v1/admin/dead-letters:replay", R"({"sequence":-3})");
  EXPECT_EQ(negative.status, 400) << negative.body;
  EXPECT_EQ(firstField(negative), "sequence");
  EXPECT_EQ(as(admin_, "POST", "/api/v1/admin/dead-letters:replay", R"({"sequence":999999999})").status, 404);

  const auto replayed = as(admin_, "POST", "/api/v1/admin/dead-letters:replay", replayOne);
  ASSERT_EQ(replayed.status, 200) << replayed.body;
  EXPECT_EQ(parse(replayed).at("replayed").to_number<int>(), 1);
  // Still poison: payments gives up on it again (a new letter, marked as a replay); the other
  // consumer skipped the replay, so it still has its one original letter.
  ASSERT_TRUE(testing::waitUntil(
      [&] {
        letters = lettersOfPoison();
        return letters[walletConsumer].size() == 1 && letters[walletConsumer][0].first != sequence;
      },
      20s));
  EXPECT_TRUE(letters[walletConsumer][0].second) << "the new letter should be marked replayed";
  ASSERT_EQ(letters[otherConsumer].size(), 1u);
  EXPECT_FALSE(letters[otherConsumer][0].second);
  EXPECT_EQ(as(admin_, "POST", "/api/v1/admin/dead-letters:replay", replayOne).status, 404);
}

// The console's sagas page sends its date filter to the gateway: the bounds reach the orders
// service through the transcoder (RFC 3339 query parameters), and a bad one is named.
TEST_F(AdminEndToEnd, SagasAreListedByCreationTime_AndABadBoundIsNamed) {
  const auto placed = parse(placeOrder(createProduct()));
  const std::string sagaId = json::stringOr(placed, "sagaId");
  ASSERT_FALSE(sagaId.empty());
  const auto saga = parse(as(operator_, "GET", "/api/v1/admin/sagas/" + sagaId));
  ASSERT_TRUE(saga.contains("saga")) << boost::json::serialize(saga);
  const std::string created(saga.at("saga").at("createTime").as_string());
  const auto listed = [&](const std::string& query) {
    const auto response = as(operator_, "GET", "/api/v1/admin/sagas?pageSize=200&" + query);
    EXPECT_EQ(response.status, 200) << response.body;
    std::set<std::string> ids;
    const auto body = parse(response);
    if (body.contains("sagas")) {
      for (const auto& listedSaga : body.at("sagas").as_array()) ids.emplace(listedSaga.at("id").as_string());
    }
    return ids;
  };
  // createdAfter includes its own instant, createdBefore excludes it.
  EXPECT_TRUE(listed("createdAfter=" + created).contains(sagaId)) << created;
  EXPECT_FALSE(listed("createdBefore=" + created).contains(sagaId)) << created;
  EXPECT_FALSE(listed("createdAfter=2000-01-01T00:00:00Z&createdBefore=2000-01-02T00:00:00Z").contains(sagaId));
  const auto bad = as(operator_, "GET", "/api/v1/admin/sagas?createdAfter=yesterday");
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(firstField(bad), "createdAfter") << bad.body;
  const auto inverted = as(operator_, "GET", "/api/v1/admin/sagas?createdAfter=" + created + "&createdBefore=" + created);
  EXPECT_EQ(inverted.status, 400) << inverted.body;
  EXPECT_EQ(firstField(inverted), "createdBefore") << inverted.body;
}

// The replay.progress events of one rebuild on `stream`, oldest first.
std::vector<StreamEvent> progressOf(const AdminStream& stream, const std::string& rebuildId) {
  std::vector<StreamEvent> found;
  for (const auto& event : stream.events()) {
    if (event.type == "replay.progress" && json::stringOr(event.json(), "id") == rebuildId) found.push_back(event);
  }
  return found;
}

bool rebuildEnded(const AdminStream& stream, const std::string& rebuildId) {
  const auto progress = progressOf(stream, rebuildId);
  return !progress.empty() && json::stringOr(progress.back().json(), "state") != "RUNNING";
}

// A projection rebuild's progress reaches the admin stream of every gateway, not only the one that
// proxied the POST, and a rebuild an orders replica runs without any gateway asking shows too: two
// gateways and two orders replicas on one NATS. Each stream gets the rebuild's reports, RUNNING
// ones then one final one, with the Rebuild's shape and id; the final one matches what GET answers
// (processedEvents == totalEvents), and Last-Event-ID replays what a reconnecting console missed.
TEST_F(AdminEndToEnd, RebuildProgressStreamsOnEveryGateway_WhicheverOrdersReplicaRunsIt) {
  placeOrder(createProduct());  // events to replay

  const uint16_t secondOrdersGrpc = testing::freePort();
  ServiceProcess secondOrders("orders-2", FLEETDECK_ORDERS_BINARY, ordersEnvironment("orders-2", secondOrdersGrpc), logs_);
  ASSERT_TRUE(secondOrders.start().isOk()) << secondOrders.logTail();
  const uint16_t secondPort = testing::freePort();
  ServiceProcess secondGateway("gateway-rebuild-2", FLEETDECK_GATEWAY_BINARY,
                               extraGatewayEnvironment("gateway-rebuild-2", secondPort,
                                                       {{"FLEETDECK_NATS__URL", nats_->url()},
                                                        {"FLEETDECK_NATS__RECONNECT_WAIT", "100ms"},
                                                        {"FLEETDECK_REGISTRY__HEARTBEAT_INTERVAL", "1s"},
                                                        {"FLEETDECK_REGISTRY__TTL", "5s"},
                                                        {"FLEETDECK_STREAM__HEARTBEAT_INTERVAL", "500ms"},
                                                        {"FLEETDECK_UPSTREAMS__ORDERS", address(secondOrdersGrpc)}}),
                               logs_);
  ASSERT_TRUE(secondGateway.start().isOk()) << secondGateway.logTail();
  // Both gateways subscribed (orders_stream covers the orders stream and the rebuild progress).
  for (const uint16_t adminPort : {gatewayAdminPort_, secondGateway.adminPort()}) {
    const auto feedCheck = [adminPort] {
      http::HttpClient client("127.0.0.1", adminPort);
      auto response = client.get("/readyz");
      if (!response) return std::string("no answer");
      const auto body = parse(*response);
      if (!body.contains("checks") || !body.at("checks").as_object().contains("orders_stream")) return std::string("absent");
      return boost::json::serialize(body.at("checks").as_object().at("orders_stream"));
    };
    ASSERT_TRUE(testing::waitUntil([&] { return feedCheck().find("\"up\"") != std::string::npos; }, 15s))
        << adminPort << ": " << feedCheck();
  }

  AdminStream first(gatewayPort_, operator_.accessToken);
  AdminStream second(secondPort, operator_.accessToken);
  ASSERT_TRUE(first.waitFor(": connected", 5s)) << first.raw();
  ASSERT_TRUE(second.waitFor(": connected", 5s)) << second.raw();

  // What every stream must say of a rebuild: its reports, RUNNING ones first, one final one last
  // that matches GET's answer.
  const auto expectProgress = [&](const AdminStream& stream, const std::string& rebuildId, const std::string& name) {
    const auto progress = progressOf(stream, rebuildId);
    ASSERT_GE(progress.size(), 2u) << name << ": the first counted total and the end\n" << stream.raw();
    for (size_t i = 0; i < progress.size(); ++i) {
      const auto data = progress[i].json();
      EXPECT_FALSE(progress[i].id.empty()) << name << ": an event without an id cannot be resumed after";
      for (const char* field : {"id", "state", "processedEvents", "totalEvents", "differenceCount", "error"}) {
        EXPECT_TRUE(data.contains(field)) << name << ": " << field << " in " << progress[i].data;
      }
      EXPECT_FALSE(data.contains("differences")) << name << ": " << progress[i].data;
      if (i + 1 < progress.size()) {
        EXPECT_EQ(json::stringOr(data, "state"), "RUNNING") << name << ": " << progress[i].data;
      }
    }
    const auto last = progress.back().json();
    const auto report = parse(as(operator_, "GET", "/api/v1/admin/projections/rebuilds/" + rebuildId));
    EXPECT_EQ(json::stringOr(last, "state"), "DONE") << name << ": " << progress.back().data;
    EXPECT_EQ(json::stringOr(last, "processedEvents"), json::stringOr(last, "totalEvents")) << name;
    EXPECT_NE(json::stringOr(last, "totalEvents"), "0") << name << ": the store has events";
    for (const char* field : {"state", "processedEvents", "totalEvents", "differenceCount", "error", "endTime"}) {
      EXPECT_EQ(json::stringOr(last, field), json::stringOr(report, field)) << name << ": " << field << " differs from GET";
    }
  };

  // 1. Started through the first gateway, run by whichever orders replica it picks.
  const auto started = as(admin_, "POST", "/api/v1/admin/projections/orders:rebuild", "{}");
  ASSERT_EQ(started.status, 202) << started.body;
  const std::string proxied = json::stringOr(parse(started), "id");
  ASSERT_TRUE(isUuid(proxied)) << started.body;
  ASSERT_TRUE(first.readUntil([&](const auto&) { return rebuildEnded(first, proxied); }, 20s)) << first.raw();
  ASSERT_TRUE(second.readUntil([&](const auto&) { return rebuildEnded(second, proxied); }, 20s))
      << "the gateway that did not proxy the POST never heard the end\n" << second.raw();
  expectProgress(first, proxied, "first gateway");
  expectProgress(second, proxied, "second gateway");

  // 2. Started on the second orders replica itself: no gateway proxied anything.
  auto stub = orders::v1::OrdersService::NewStub(rpc::makeChannel(address(secondOrdersGrpc)));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 10s);
  orders::v1::RebuildProjectionRequest request;
  request.set_name("orders");
  orders::v1::Rebuild direct;
  const grpc::Status called = stub->RebuildProjection(&context, request, &direct);
  ASSERT_TRUE(called.ok()) << called.error_message();
  ASSERT_TRUE(first.readUntil([&](const auto&) { return rebuildEnded(first, direct.id()); }, 20s)) << first.raw();
  ASSERT_TRUE(second.readUntil([&](const auto&) { return rebuildEnded(second, direct.id()); }, 20s)) << second.raw();
  expectProgress(first, direct.id(), "first gateway, rebuild on orders-2");
  expectProgress(second, direct.id(), "second gateway, rebuild on orders-2");

  // 3. A console that reconnects after the first report gets the rest from the ring.
  const auto seen = progressOf(second, proxied);
  AdminStream resumed(secondPort, operator_.accessToken, seen.front().id);
  ASSERT_TRUE(resumed.readUntil([&](const auto&) { return rebuildEnded(resumed, proxied); }, 10s)) << resumed.raw();
  const auto replayed = progressOf(resumed, proxied);
  ASSERT_EQ(replayed.size(), seen.size() - 1) << resumed.raw();
  for (size_t i = 0; i < replayed.size(); ++i) {
    EXPECT_EQ(replayed[i].id, seen[i + 1].id);
    EXPECT_EQ(replayed[i].data, seen[i + 1].data);
  }

  EXPECT_EQ(secondGateway.stop(10s), 0);
  EXPECT_EQ(secondOrders.stop(10s), 0);
}

TEST_F(AdminEndToEnd, ZStoppedServiceIsDownInTheFleetOnTheStreamAndAlertsThenComesBack) {
  AdminStream stream(gatewayPort_, operator_.accessToken);
  ASSERT_TRUE(stream.readUntil([&](const auto&) { return stream.raw().find(": connected") != std::string::npos; }, 5s));
  ASSERT_TRUE(testing::waitUntil([] { return statusOf(fleet(), "payments") == "up"; }, 20s));

  ASSERT_EQ(payments_->stop(10s), 0);
  std::map<std::string, boost::json::object> services;
  ASSERT_TRUE(testing::waitUntil(
      [&] {
        services = fleet();
        return statusOf(services, "payments") == "down";
      },
      15s))
      << as(operator_, "GET", "/api/v1/admin/fleet").body;
  EXPECT_EQ(statusOf(services, "orders"), "up") << "the others stay up";
  EXPECT_EQ(statusOf(services, "users"), "up");
  const auto paymentsDown = [](const std::vector<StreamEvent>& events) {
    for (const auto& event : events) {
      if (event.type == "fleet.change" && json::stringOr(event.json(), "service") == "payments" &&
          json::stringOr(event.json(), "instance").empty() && json::stringOr(event.json(), "status") == "down") {
        return true;
      }
    }
    return false;
  };
  EXPECT_TRUE(stream.readUntil(paymentsDown, 10s)) << stream.raw();
  // Prometheus cannot scrape it either: the alert fires and the stream says so.
  const auto alert = [](const std::string& state) {
    return [state](const std::vector<StreamEvent>& events) {
      for (const auto& event : events) {
        if (event.type == "alert" && json::stringOr(event.json(), "alertname") == "AdminE2EPaymentsDown" &&
            json::stringOr(event.json(), "state") == state) {
          return true;
        }
      }
      return false;
    };
  };
  EXPECT_TRUE(stream.readUntil(alert("firing"), 30s)) << stream.raw();

  // An operator acknowledges it: the stream says who, the list has it; a customer may not, a bad body
  // is 400 naming the field, and an alert that is not active is 404.
  boost::json::object firingLabels;
  for (const auto& event : stream.events()) {
    if (event.type == "alert" && json::stringOr(event.json(), "alertname") == "AdminE2EPaymentsDown" &&
        json::stringOr(event.json(), "state") == "firing") {
      firingLabels = event.json().at("labels").as_object();
    }
  }
  ASSERT_FALSE(firingLabels.empty()) << stream.raw();
  const auto acknowledgement = [](const boost::json::object& labels) {
    return boost::json::serialize(
        boost::json::object{{"alertname", "AdminE2EPaymentsDown"}, {"labels", labels}, {"comment", "on it"}});
  };
  EXPECT_EQ(as(customer_, "POST", "/api/v1/admin/alerts:acknowledge", acknowledgement(firingLabels)).status, 403);
  const auto noName = as(operator_, "POST", "/api/v1/admin/alerts:acknowledge", R"({"labels":{}})");
  EXPECT_EQ(noName.status, 400) << noName.body;
  EXPECT_EQ(firstField(noName), "alertname") << noName.body;
  boost::json::object otherLabels = firingLabels;
  otherLabels["job"] = "no-such-job";
  EXPECT_EQ(as(operator_, "POST", "/api/v1/admin/alerts:acknowledge", acknowledgement(otherLabels)).status, 404);
  // A misspelt key is named: stored without it, the acknowledgement would have lost the comment.
  const auto misspelt = as(operator_, "POST", "/api/v1/admin/alerts:acknowledge",
                           boost::json::serialize(boost::json::object{
                               {"alertname", "AdminE2EPaymentsDown"}, {"labels", firingLabels}, {"coment", "on it"}}));
  EXPECT_EQ(misspelt.status, 400) << misspelt.body;
  EXPECT_EQ(firstField(misspelt), "coment") << misspelt.body;
  EXPECT_EQ(as(operator_, "POST", "/api/v1/admin/alerts:unacknowledge",
               boost::json::serialize(boost::json::object{
                   {"alertname", "AdminE2EPaymentsDown"}, {"labels", firingLabels}, {"lables", firingLabels}}))
                .status,
            400);
  // The comment's limit is 500 characters, not bytes ("é" is two bytes in UTF-8).
  std::string longComment;
  for (int i = 0; i < 501; ++i) longComment += "\u00e9";
  const auto withComment = [&](const std::string& comment) {
    return boost::json::serialize(boost::json::object{
        {"alertname", "AdminE2EPaymentsDown"}, {"labels", firingLabels}, {"comment", comment}});
  };
  const auto tooLong = as(operator_, "POST", "/api/v1/admin/alerts:acknowledge", withComment(longComment));
  EXPECT_EQ(tooLong.status, 400) << tooLong.body;
  EXPECT_EQ(firstField(tooLong), "comment") << tooLong.body;
  longComment.resize(longComment.size() - 2);
  EXPECT_EQ(as(operator_, "POST", "/api/v1/admin/alerts:acknowledge", withComment(longComment)).status, 200);
  const auto acknowledged = as(operator_, "POST", "/api/v1/admin/alerts:acknowledge", acknowledgement(firingLabels));
  ASSERT_EQ(acknowledged.status, 200) << acknowledged.body;
  EXPECT_EQ(parse(acknowledged).at("by").at("userId").as_string(), operator_.userId) << acknowledged.body;
  EXPECT_EQ(json::stringOr(parse(acknowledged), "comment"), "on it");
  const auto acknowledgedOnStream = [](const std::vector<StreamEvent>& events) {
    for (const auto& event : events) {
      if (event.type != "alert") continue;
      const auto data = event.json();
      if (json::stringOr(data, "alertname") != "AdminE2EPaymentsDown") continue;
      const auto* by = data.if_contains("acknowledgement");
      if (by != nullptr && by->is_object() && json::stringOr(by->as_object(), "comment") == "on it") return true;
    }
    return false;
  };
  EXPECT_TRUE(stream.readUntil(acknowledgedOnStream, 10s)) << stream.raw();
  const auto listed = [] {
    const auto body = parse(as(operator_, "GET", "/api/v1/admin/alerts/acknowledgements"));
    return body.contains("acknowledgements") ? body.at("acknowledgements").as_array().size() : size_t{99};
  };
  EXPECT_EQ(listed(), 1u) << as(operator_, "GET", "/api/v1/admin/alerts/acknowledgements").body;

  // Back on the same ports: up again in the fleet, and the alert resolves.
  delete payments_;
  payments_ = start("payments", FLEETDECK_PAYMENTS_BINARY, paymentsEnvironment());
  EXPECT_TRUE(testing::waitUntil([] { return statusOf(fleet(), "payments") == "up"; }, 20s))
      << as(operator_, "GET", "/api/v1/admin/fleet").body;
  EXPECT_TRUE(stream.readUntil(alert("resolved"), 30s)) << stream.raw();
  // Resolved, it lost its acknowledgement: firing again later, it is news again.
  EXPECT_TRUE(testing::waitUntil([&] { return listed() == 0; }, 5s))
      << as(operator_, "GET", "/api/v1/admin/alerts/acknowledgements").body;
  const auto& firing = stream.events();
  for (const auto& event : firing) {
    if (event.type == "alert" && json::stringOr(event.json(), "state") == "firing") {
      const auto json = event.json();
      EXPECT_EQ(json::stringOr(json, "severity"), "critical");
      EXPECT_EQ(json.at("labels").at("job").as_string(), "payments");
      EXPECT_EQ(json.at("annotations").at("summary").as_string(), "payments cannot be scraped");
      break;
    }
  }
}

}  // namespace
}  // namespace fleetdeck
