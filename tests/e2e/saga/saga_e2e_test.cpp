// The order saga across real processes: orders, products and payments on a private PostgreSQL.
// Every order must end CONFIRMED or CANCELLED with stock and money consistent — also when
// orders is killed at any step, when payments is down for a while, or when a call's outcome is
// ambiguous.
#include <gtest/gtest.h>

#include <future>
#include <pqxx/pqxx>
#include <thread>

#include "fleetdeck/core/ids.h"
#include "fleetdeck/orders/v1/orders.grpc.pb.h"
#include "fleetdeck/orders/v1/sagas.grpc.pb.h"
#include "fleetdeck/payments/v1/payments.grpc.pb.h"
#include "fleetdeck/products/v1/products.grpc.pb.h"
#include "fleetdeck/rpc/client.h"
#include "fleetdeck/rpc/status_conversion.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"

namespace fleetdeck {
namespace {

using testing::ServiceProcess;
constexpr auto kCall = std::chrono::seconds(5);

class SagaEndToEnd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    logs_ = testing::sharedInfra().root / "e2e-logs" / ("saga-" + std::to_string(getpid()));
    productsPort_ = testing::freePort();
    paymentsPort_ = testing::freePort();
    ordersPort_ = testing::freePort();
    ordersDatabase_ = testing::createTestDatabase("saga_orders");
    productsDatabase_ = testing::createTestDatabase("saga_products");
    // With the catalog cache in Redis, as deployed: orders prices from it.
    products_ = new ServiceProcess("products", FLEETDECK_PRODUCTS_BINARY,
                                   {{"FLEETDECK_DATABASE__URL", productsDatabase_},
                                    {"FLEETDECK_CACHE__URL", testing::redisUrl(13)},
                                    {"FLEETDECK_GRPC__PORT", std::to_string(productsPort_)},
                                    {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())}},
                                   logs_);
    ASSERT_TRUE(products_->start().isOk());
    paymentsDatabase_ = testing::createTestDatabase("saga_payments");
    payments_ = newPayments();
    ASSERT_TRUE(payments_->start().isOk());
    orders_ = newOrders("");
    ASSERT_TRUE(orders_->start().isOk());
    productsStub_ = products::v1::ProductsService::NewStub(rpc::makeChannel(address(productsPort_))).release();
    paymentsStub_ = payments::v1::PaymentsService::NewStub(rpc::makeChannel(address(paymentsPort_))).release();
    ordersStub_ = orders::v1::OrdersService::NewStub(rpc::makeChannel(address(ordersPort_))).release();
    sagasStub_ = orders::v1::SagasService::NewStub(rpc::makeChannel(address(ordersPort_))).release();
  }
  static void TearDownTestSuite() {
    delete orders_;
    delete payments_;
    delete products_;
  }

  static std::string address(uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

  static ServiceProcess* newPayments() {
    return new ServiceProcess("payments", FLEETDECK_PAYMENTS_BINARY,
                              {{"FLEETDECK_DATABASE__URL", paymentsDatabase_},
                               {"FLEETDECK_GRPC__PORT", std::to_string(paymentsPort_)},
                               {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())},
                               {"FLEETDECK_FAULTS__ALLOW_RUNTIME_CHANGES", "true"}},
                              logs_);
  }

  static ServiceProcess* newOrders(const std::string& failpoints) {
    return new ServiceProcess("orders", FLEETDECK_ORDERS_BINARY,
                              {{"FLEETDECK_DATABASE__URL", ordersDatabase_},
                               {"FLEETDECK_GRPC__PORT", std::to_string(ordersPort_)},
                               {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())},
                               {"FLEETDECK_UPSTREAMS__PRODUCTS", address(productsPort_)},
                               {"FLEETDECK_UPSTREAMS__PAYMENTS", address(paymentsPort_)},
                               {"FLEETDECK_CALLS__TIMEOUT", "1s"},
                               {"FLEETDECK_SAGA__IDLE_POLL", "50ms"},
                               {"FLEETDECK_SAGA__LEASE", "2s"},
                               {"FLEETDECK_FAILPOINTS", failpoints}},
                              logs_);
  }

  // Kills orders hard (as a crash would) and starts it again without failpoints.
  static void restartOrders(const std::string& failpoints = "") {
    delete orders_;
    orders_ = newOrders(failpoints);
    const Status started = orders_->start();
    ASSERT_TRUE(started.isOk()) << started.toString();
  }

  std::string createProduct(int64_t stock, int64_t price = 1000) {
    products::v1::CreateProductRequest request;
    request.set_sku("SAGA-" + randomHex(4));
    request.set_name("Saga test product");
    request.mutable_price()->set_currency_code("USD");
    request.mutable_price()->set_units(price);
    request.set_initial_stock(stock);
    products::v1::Product product;
    auto context = rpc::makeContext(kCall);
    EXPECT_TRUE(productsStub_->CreateProduct(context.get(), request, &product).ok());
    return product.id();
  }

  products::v1::Stock stock(const std::string& productId) {
    products::v1::GetProductRequest request;
    request.set_id(productId);
    products::v1::Product product;
    auto context = rpc::makeContext(kCall);
    EXPECT_TRUE(productsStub_->GetProduct(context.get(), request, &product).ok());
    return product.stock();
  }

  std::string openWallet() {
    const std::string user = newUuid();
    payments::v1::OpenWalletRequest request;
    request.set_user_id(user);
    payments::v1::Wallet wallet;
    auto context = rpc::makeContext(kCall);
    EXPECT_TRUE(paymentsStub_->OpenWallet(context.get(), request, &wallet).ok());
    return user;
  }

  int64_t balance(const std::string& user) {
    payments::v1::GetWalletRequest request;
    request.set_user_id(user);
    payments::v1::Wallet wallet;
    auto context = rpc::makeContext(kCall);
    EXPECT_TRUE(paymentsStub_->GetWallet(context.get(), request, &wallet).ok());
    return wallet.balance().units();
  }

  int chargeEntries(const std::string& user) {
    payments::v1::ListLedgerRequest request;
    request.set_user_id(user);
    request.set_page_size(200);
    payments::v1::ListLedgerResponse response;
    auto context = rpc::makeContext(kCall);
    EXPECT_TRUE(paymentsStub_->ListLedger(context.get(), request, &response).ok());
    int charges = 0;
    for (const auto& entry : response.entries()) charges += entry.kind() == "charge" ? 1 : 0;
    return charges;
  }

  // A test that stops at a failed assertion with faults on would leave them to every later test of
  // the suite (they share the payments process): each test ends with payments healthy.
  void TearDown() override {
    if (payments_ != nullptr && payments_->running()) setFaults(0, 0);
  }

  void setFaults(double failureRate, int64_t latencyMs, const std::string& failureCode = "") {
    payments::v1::SetFaultsRequest request;
    request.mutable_faults()->set_failure_rate(failureRate);
    request.mutable_faults()->set_added_latency_ms(latencyMs);
    request.mutable_faults()->set_failure_code(failureCode);
    payments::v1::Faults faults;
    auto context = rpc::makeContext(kCall);
    ASSERT_TRUE(paymentsStub_->SetFaults(context.get(), request, &faults).ok());
  }

  orders::v1::Order place(const std::string& user, const std::string& product, int64_t quantity) {
    orders::v1::CreateOrderRequest request;
    request.set_user_id(user);
    auto* line = request.add_items();
    line->set_product_id(product);
    line->set_quantity(quantity);
    orders::v1::Order order;
    auto context = rpc::makeContext(kCall);
    const grpc::Status status = ordersStub_->CreateOrder(context.get(), request, &order);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return order;
  }

  Result<orders::v1::Order> tryPlace(const std::string& user, const std::string& product, int64_t quantity,
                                     const std::string& key) {
    orders::v1::CreateOrderRequest request;
    request.set_user_id(user);
    request.set_idempotency_key(key);
    auto* line = request.add_items();
    line->set_product_id(product);
    line->set_quantity(quantity);
    orders::v1::Order order;
    auto context = rpc::makeContext(kCall);
    const Status status = rpc::fromGrpcStatus(ordersStub_->CreateOrder(context.get(), request, &order));
    if (!status.isOk()) return status;
    return order;
  }

  // A customer's cancel through OrdersService.CancelOrder.
  Result<orders::v1::Order> cancel(const std::string& id) {
    orders::v1::CancelOrderRequest request;
    request.set_id(id);
    request.set_reason("customer_request");
    orders::v1::Order cancelled;
    auto context = rpc::makeContext(kCall);
    const Status status = rpc::fromGrpcStatus(ordersStub_->CancelOrder(context.get(), request, &cancelled));
    if (!status.isOk()) return status;
    return cancelled;
  }

  orders::v1::Order get(const std::string& id) {
    orders::v1::GetOrderRequest request;
    request.set_id(id);
    orders::v1::Order order;
    auto context = rpc::makeContext(kCall);
    (void)ordersStub_->GetOrder(context.get(), request, &order);
    return order;
  }

  // Waits for the order's saga to finish; returns the order's final state.
  orders::v1::Order settle(const std::string& id, std::chrono::seconds timeout = std::chrono::seconds(30)) {
    orders::v1::Order order;
    const bool done = testing::waitUntil(
        [&] {
          order = get(id);
          if (order.status() == "PENDING") return false;
          orders::v1::GetSagaRequest request;
          request.set_id(order.saga_id());
          orders::v1::GetSagaResponse saga;
          auto context = rpc::makeContext(kCall);
          if (!sagasStub_->GetSaga(context.get(), request, &saga).ok()) return false;
          return saga.saga().state() == "COMPLETED" || saga.saga().state() == "COMPENSATED";
        },
        timeout);
    EXPECT_TRUE(done) << "order " << id << " still " << order.status() << "\n" << orders_->logTail(3000);
    return order;
  }

  orders::v1::Saga saga(const std::string& sagaId) {
    orders::v1::GetSagaRequest request;
    request.set_id(sagaId);
    orders::v1::GetSagaResponse response;
    auto context = rpc::makeContext(kCall);
    EXPECT_TRUE(sagasStub_->GetSaga(context.get(), request, &response).ok());
    return response.saga();
  }

  static inline std::filesystem::path logs_;
  static inline uint16_t productsPort_ = 0, paymentsPort_ = 0, ordersPort_ = 0;
  static inline std::string ordersDatabase_, paymentsDatabase_, productsDatabase_;
  static inline ServiceProcess* products_ = nullptr;
  static inline ServiceProcess* payments_ = nullptr;
  static inline ServiceProcess* orders_ = nullptr;
  static inline products::v1::ProductsService::Stub* productsStub_ = nullptr;
  static inline payments::v1::PaymentsService::Stub* paymentsStub_ = nullptr;
  static inline orders::v1::OrdersService::Stub* ordersStub_ = nullptr;
  static inline orders::v1::SagasService::Stub* sagasStub_ = nullptr;
};

TEST_F(SagaEndToEnd, HappyPathConfirmsCommitsStockAndDebitsTheWallet) {
  const std::string product = createProduct(10, 1250);
  const std::string user = openWallet();
  const int64_t before = balance(user);
  const auto order = settle(place(user, product, 2).id());
  EXPECT_EQ(order.status(), "CONFIRMED");
  EXPECT_EQ(stock(product).on_hand(), 8);
  EXPECT_EQ(stock(product).reserved(), 0);
  EXPECT_EQ(balance(user), before - 2500);
  const auto timeline = saga(order.saga_id());
  ASSERT_EQ(timeline.steps_size(), 4);
  EXPECT_EQ(timeline.steps(0).name(), "reserve_stock");
  EXPECT_EQ(timeline.steps(3).name(), "confirm_order");
  for (const auto& step : timeline.steps()) EXPECT_EQ(step.state(), "succeeded") << step.name();
}

// A new user's first order can reach payments before their UserRegistered does (the wallet opens
// from that event): the charge waits for the wallet instead of declining the order.
TEST_F(SagaEndToEnd, ChargeWaitsForAWalletStillOnItsWay) {
  const std::string product = createProduct(10, 700);
  const std::string user = newUuid();  // no wallet yet
  const auto placed = place(user, product, 1);
  std::string lastError;
  ASSERT_TRUE(testing::waitUntil(
      [&] {
        lastError = saga(placed.saga_id()).last_error();
        return lastError.find("no wallet") != std::string::npos;
      },
      std::chrono::seconds(10)))
      << "the charge was not retried for want of a wallet; last error: " << lastError;
  EXPECT_EQ(get(placed.id()).status(), "PENDING");

  payments::v1::OpenWalletRequest request;
  request.set_user_id(user);
  payments::v1::Wallet wallet;
  auto context = rpc::makeContext(kCall);
  ASSERT_TRUE(paymentsStub_->OpenWallet(context.get(), request, &wallet).ok());
  const int64_t opened = wallet.balance().units();

  const auto order = settle(placed.id());
  EXPECT_EQ(order.status(), "CONFIRMED") << order.cancel_reason();
  EXPECT_EQ(balance(user), opened - 700);
  EXPECT_EQ(chargeEntries(user), 1);
  EXPECT_EQ(stock(product).on_hand(), 9);
}

TEST_F(SagaEndToEnd, OutOfStockCancelsWithTheReasonAndReservesNothing) {
  const std::string product = createProduct(1);
  const std::string user = openWallet();
  const int64_t before = balance(user);
  const auto order = settle(place(user, product, 3).id());
  EXPECT_EQ(order.status(), "CANCELLED");
  EXPECT_EQ(order.cancel_reason(), "out_of_stock");
  EXPECT_EQ(stock(product).reserved(), 0);
  EXPECT_EQ(stock(product).on_hand(), 1);
  EXPECT_EQ(balance(user), before);
  EXPECT_EQ(saga(order.saga_id()).outcome_reason().find("out of stock"), 0u);
}

TEST_F(SagaEndToEnd, PaymentDeclinedReleasesTheStockAndCancels) {
  const std::string product = createProduct(5, 90'000'000);  // far above the demo credit
  const std::string user = openWallet();
  const auto order = settle(place(user, product, 1).id());
  EXPECT_EQ(order.status(), "CANCELLED");
  EXPECT_EQ(order.cancel_reason(), "payment_declined");
  EXPECT_EQ(stock(product).reserved(), 0);
  EXPECT_EQ(stock(product).on_hand(), 5);
  const auto timeline = saga(order.saga_id());
  bool released = false;
  for (const auto& step : timeline.steps()) {
    if (step.name() == "reserve_stock" && step.compensation()) released = step.state() == "compensated";
  }
  EXPECT_TRUE(released) << timeline.DebugString();
}

TEST_F(SagaEndToEnd, CancellingAConfirmedOrderRefundsAndReturnsTheStock) {
  const std::string product = createProduct(4, 700);
  const std::string user = openWallet();
  const int64_t before = balance(user);
  const auto order = settle(place(user, product, 2).id());
  ASSERT_EQ(order.status(), "CONFIRMED");
  const auto cancelled = cancel(order.id());
  ASSERT_TRUE(cancelled.isOk()) << cancelled.status().toString();
  EXPECT_EQ(cancelled->status(), "CANCELLED");
  EXPECT_TRUE(testing::waitUntil([&] { return balance(user) == before && stock(product).on_hand() == 4; },
                                 std::chrono::seconds(20)))
      << "balance " << balance(user) << " vs " << before << ", on hand " << stock(product).on_hand();
}

// Undoing a confirmed order has nothing to fall back on: an error that is not transient (INTERNAL
// here) is retried like an outage until the money and the stock are back, never taken as the end.
TEST_F(SagaEndToEnd, ARefundFailingWithANonTransientErrorIsRetriedUntilTheMoneyIsBack) {
  const std::string product = createProduct(4, 650);
  const std::string user = openWallet();
  const int64_t before = balance(user);
  const auto order = settle(place(user, product, 2).id());
  ASSERT_EQ(order.status(), "CONFIRMED");
  setFaults(1.0, 0, "INTERNAL");
  ASSERT_TRUE(cancel(order.id()).isOk());
  // The refund saga's first step fails a few times (backoff 0.1, 0.2, 0.4 s, ...): nothing given
  // back yet, and the saga still running rather than finished.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(balance(user), before - 1300);
  EXPECT_EQ(stock(product).on_hand(), 2);
  orders::v1::ListSagasRequest running;
  running.set_state("RUNNING");
  running.set_page_size(100);
  orders::v1::ListSagasResponse listed;
  auto listContext = rpc::makeContext(kCall);
  ASSERT_TRUE(sagasStub_->ListSagas(listContext.get(), running, &listed).ok());
  const orders::v1::Saga* refund = nullptr;
  for (const auto& saga : listed.sagas()) {
    if (saga.type() == "order-refund" && saga.order_id() == order.id()) refund = &saga;
  }
  ASSERT_NE(refund, nullptr) << "the refund saga ended with nothing given back: " << listed.DebugString();
  EXPECT_EQ(refund->current_step(), "refund_payment");
  EXPECT_NE(refund->last_error().find("INTERNAL"), std::string::npos) << refund->last_error();
  setFaults(0, 0);
  EXPECT_TRUE(testing::waitUntil([&] { return balance(user) == before && stock(product).on_hand() == 4; },
                                 std::chrono::seconds(20)))
      << "balance " << balance(user) << " vs " << before << ", on hand " << stock(product).on_hand();
}

// The catalog's cached price can lag the real one (a lost invalidation: here the price is changed
// behind the products service's back). The order is priced from the cache, the reservation reads
// the row under its lock: the saga does not charge a total products no longer stands behind.
TEST_F(SagaEndToEnd, APriceThatChangedBehindTheCatalogsCache_CancelsInsteadOfChargingIt) {
  const auto cachedPrice = [&](const std::string& id) {
    products::v1::BatchGetProductsRequest request;
    request.add_ids(id);
    products::v1::BatchGetProductsResponse response;
    auto context = rpc::makeContext(kCall);
    EXPECT_TRUE(productsStub_->BatchGetProducts(context.get(), request, &response).ok());
    return response.products_size() == 1 ? response.products(0).price().units() : int64_t{-1};
  };
  // A product whose 1000 price is in the cache while the row says 5000. The cache is best effort
  // (a Redis call over its 50 ms budget is skipped), so a fill that did not happen is tried again
  // with a fresh product rather than taken as the saga's fault.
  std::string product;
  for (int attempt = 0; attempt < 5 && product.empty(); ++attempt) {
    const std::string candidate = createProduct(5, 1000);
    ASSERT_EQ(cachedPrice(candidate), 1000);  // fills the cache
    pqxx::connection connection(productsDatabase_);
    pqxx::work transaction(connection);
    transaction.exec_params("UPDATE products SET price_units = 5000 WHERE id = $1", candidate);
    transaction.commit();
    if (cachedPrice(candidate) == 1000) product = candidate;
  }
  ASSERT_FALSE(product.empty()) << "the catalog cache never held a price";
  const std::string user = openWallet();
  const int64_t before = balance(user);
  const auto placed = place(user, product, 1);
  EXPECT_EQ(placed.total().units(), 1000) << "priced from the cached copy";
  const auto order = settle(placed.id());
  EXPECT_EQ(order.status(), "CANCELLED");
  EXPECT_EQ(order.cancel_reason(), "price_changed");
  EXPECT_NE(saga(order.saga_id()).outcome_reason().find("reserved at 5000"), std::string::npos)
      << saga(order.saga_id()).DebugString();
  EXPECT_EQ(balance(user), before) << "nothing charged";
  EXPECT_EQ(chargeEntries(user), 0);
  EXPECT_EQ(stock(product).reserved(), 0) << "the reservation was released";
  EXPECT_EQ(stock(product).on_hand(), 5);
}

TEST_F(SagaEndToEnd, TwoHundredConcurrentOrdersForFiveUnitsConfirmExactlyFive) {
  const std::string product = createProduct(5, 100);
  std::vector<std::string> users;
  for (int i = 0; i < 20; ++i) users.push_back(openWallet());
  std::vector<std::future<std::string>> placed;
  for (int i = 0; i < 200; ++i) {
    placed.push_back(std::async(std::launch::async, [&, i] { return place(users[i % 20], product, 1).id(); }));
  }
  std::vector<std::string> ids;
  for (auto& future : placed) ids.push_back(future.get());
  int confirmed = 0;
  int cancelled = 0;
  for (const auto& id : ids) {
    const auto order = settle(id, std::chrono::seconds(90));
    confirmed += order.status() == "CONFIRMED" ? 1 : 0;
    cancelled += order.status() == "CANCELLED" ? 1 : 0;
  }
  EXPECT_EQ(confirmed, 5);
  EXPECT_EQ(cancelled, 195);
  EXPECT_EQ(stock(product).on_hand(), 0);
  EXPECT_EQ(stock(product).reserved(), 0);
  EXPECT_GE(stock(product).available(), 0);
}

TEST_F(SagaEndToEnd, PaymentsDownForAWhileIsRetriedAndTheSagaCompletes) {
  const std::string product = createProduct(3, 500);
  const std::string user = openWallet();
  payments_->stop();
  const std::string id = place(user, product, 1).id();
  std::this_thread::sleep_for(std::chrono::seconds(10));
  EXPECT_EQ(get(id).status(), "PENDING") << "still waiting for payments";
  delete payments_;
  payments_ = newPayments();
  ASSERT_TRUE(payments_->start().isOk());
  EXPECT_EQ(settle(id).status(), "CONFIRMED");
  EXPECT_EQ(chargeEntries(user), 1);
}

TEST_F(SagaEndToEnd, AnAmbiguousChargeIsRetriedWithTheSameKeyAndChargesOnce) {
  const std::string product = createProduct(3, 400);
  const std::string user = openWallet();
  const int64_t before = balance(user);
  // Payments answers after orders' 1 s deadline: the charge happens, orders sees DEADLINE_EXCEEDED.
  setFaults(0, 1500);
  const std::string id = place(user, product, 1).id();
  ASSERT_TRUE(testing::waitUntil([&] { return chargeEntries(user) == 1; }, std::chrono::seconds(15)));
  setFaults(0, 0);
  EXPECT_EQ(settle(id).status(), "CONFIRMED");
  EXPECT_EQ(chargeEntries(user), 1);
  EXPECT_EQ(balance(user), before - 400);
}

TEST_F(SagaEndToEnd, KilledAtAnyFailpointEverySagaFinishesConsistently) {
  const std::vector<std::string> failpoints = {"saga.after_step_started", "saga.after_step_called",
                                               "saga.after_step_persisted", "saga.before_compensation_called"};
  for (const auto& point : failpoints) {
    SCOPED_TRACE(point);
    const std::string product = createProduct(2, 300);
    const std::string declinedProduct = createProduct(2, 90'000'000);
    const std::string user = openWallet();
    const int64_t before = balance(user);
    // One order that succeeds and one whose payment is declined (so compensation runs too); the
    // compensation failpoint only fires on the second.
    for (const bool declined : {false, true}) {
      if (point == "saga.before_compensation_called" && !declined) continue;
      restartOrders(point);
      const std::string key = "crash-" + randomHex(6);
      // The process may die before it answers; a client retries with the same Idempotency-Key. A
      // channel still reconnecting to the restarted process answers UNAVAILABLE without placing
      // anything: retried until the order is placed or the process is gone.
      for (int attempt = 0; attempt < 50 && orders_->running(); ++attempt) {
        const auto placed = tryPlace(user, declined ? declinedProduct : product, 1, key);
        if (placed.isOk() || placed.status().code() != StatusCode::kUnavailable) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      EXPECT_TRUE(testing::waitUntil([&] { return !orders_->running(); }, std::chrono::seconds(10)))
          << "the failpoint did not fire";
      restartOrders();
      // Like any client: UNAVAILABLE (the old connection died with the process) is retried.
      Result<orders::v1::Order> order = unavailable("not tried");
      for (int attempt = 0; attempt < 50 && !order.isOk(); ++attempt) {
        order = tryPlace(user, declined ? declinedProduct : product, 1, key);
        if (!order.isOk() && order.status().code() != StatusCode::kUnavailable) break;
        if (!order.isOk()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      ASSERT_TRUE(order.isOk()) << order.status().toString();
      EXPECT_EQ(settle(order->id()).status(), declined ? "CANCELLED" : "CONFIRMED");
    }
    if (point != "saga.before_compensation_called") {
      EXPECT_EQ(stock(product).on_hand(), 1);
      EXPECT_EQ(balance(user), before - 300);
      EXPECT_EQ(chargeEntries(user), 1);
    }
    EXPECT_EQ(stock(product).reserved(), 0);
    EXPECT_EQ(stock(declinedProduct).on_hand(), 2);
    EXPECT_EQ(stock(declinedProduct).reserved(), 0);
  }
}

}  // namespace
}  // namespace fleetdeck
