// Domain events across the real fleet: users, products, payments, notifications and orders as
// processes on a private PostgreSQL and a private NATS JetStream. What one service commits, the
// others learn through its outbox — exactly once in effect, also after redeliveries, restarts and a
// broker outage — and every saga transition is on the bus in order.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <pqxx/pqxx>
#include <set>

#include "fleetdeck/bus/connection.h"
#include "fleetdeck/bus/event.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/http/client.h"
#include "fleetdeck/notifications/v1/notifications.grpc.pb.h"
#include "fleetdeck/orders/v1/events.pb.h"
#include "fleetdeck/orders/v1/orders.grpc.pb.h"
#include "fleetdeck/orders/v1/sagas.grpc.pb.h"
#include "fleetdeck/payments/v1/payments.grpc.pb.h"
#include "fleetdeck/products/v1/products.grpc.pb.h"
#include "fleetdeck/rpc/client.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"
#include "fleetdeck/users/v1/events.pb.h"
#include "fleetdeck/users/v1/users.grpc.pb.h"

namespace fleetdeck {
namespace {

using testing::ServiceProcess;
using Env = std::map<std::string, std::string>;
constexpr auto kCall = std::chrono::seconds(5);
constexpr auto kEventual = std::chrono::seconds(20);
constexpr const char* kUsersStream = "FLEETDECK_USERS";
constexpr const char* kOrdersStream = "FLEETDECK_ORDERS";

std::string address(uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

class EventsEndToEnd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    logs_ = testing::sharedInfra().root / "e2e-logs" / ("events-" + std::to_string(getpid()));
    // A private broker: one test stops it, and the streams then hold only this suite's events.
    nats_ = new testing::NatsServer();
    usersPort_ = testing::freePort();
    productsPort_ = testing::freePort();
    paymentsPort_ = testing::freePort();
    notificationsPort_ = testing::freePort();
    ordersPort_ = testing::freePort();
    ordersDatabase_ = testing::createTestDatabase("events_orders");
    paymentsDatabase_ = testing::createTestDatabase("events_payments");
    notificationsDatabase_ = testing::createTestDatabase("events_notifications");

    users_ = start("users", FLEETDECK_USERS_BINARY,
                   {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/users/config/users.toml"},
                    {"FLEETDECK_DATABASE__URL", testing::createTestDatabase("events_users")},
                    {"FLEETDECK_GRPC__PORT", std::to_string(usersPort_)}});
    products_ = start("products", FLEETDECK_PRODUCTS_BINARY,
                      {{"FLEETDECK_DATABASE__URL", testing::createTestDatabase("events_products")},
                       {"FLEETDECK_GRPC__PORT", std::to_string(productsPort_)}});
    payments_ = start("payments", FLEETDECK_PAYMENTS_BINARY,
                      {{"FLEETDECK_DATABASE__URL", paymentsDatabase_},
                       {"FLEETDECK_GRPC__PORT", std::to_string(paymentsPort_)},
                       {"FLEETDECK_FAULTS__ALLOW_RUNTIME_CHANGES", "true"}});
    notifications_ = start("notifications", FLEETDECK_NOTIFICATIONS_BINARY, notificationsEnv());
    orders_ = start("orders", FLEETDECK_ORDERS_BINARY, ordersEnv(""));

    usersStub_ = users::v1::UsersService::NewStub(rpc::makeChannel(address(usersPort_))).release();
    productsStub_ = products::v1::ProductsService::NewStub(rpc::makeChannel(address(productsPort_))).release();
    paymentsStub_ = payments::v1::PaymentsService::NewStub(rpc::makeChannel(address(paymentsPort_))).release();
    notificationsStub_ =
        notifications::v1::NotificationsService::NewStub(rpc::makeChannel(address(notificationsPort_))).release();
    ordersStub_ = orders::v1::OrdersService::NewStub(rpc::makeChannel(address(ordersPort_))).release();
    sagasStub_ = orders::v1::SagasService::NewStub(rpc::makeChannel(address(ordersPort_))).release();
    // The test's own connection, to read the streams and to replay messages.
    auto connected = bus::Bus::connect({.url = nats_->url(), .name = "events-e2e"});
    ASSERT_TRUE(connected.isOk()) << connected.status().toString();
    bus_ = connected->release();
  }

  static void TearDownTestSuite() {
    delete bus_;
    delete orders_;
    delete notifications_;
    delete payments_;
    delete products_;
    delete users_;
    delete nats_;
  }

  // Every process: the private broker, fast relay retries and consumer polls so a test sees an
  // outage end within a second or two.
  static Env withBus(Env environment) {
    environment["FLEETDECK_ADMIN__PORT"] = std::to_string(testing::freePort());
    environment["FLEETDECK_NATS__URL"] = nats_->url();
    // A stop waits out the whole drain (measured: 5 s per process with the default); 1 s keeps the
    // suite's restarts and teardown short.
    environment["FLEETDECK_SHUTDOWN__DRAIN"] = "1s";
    environment["FLEETDECK_NATS__RECONNECT_WAIT"] = "100ms";
    environment["FLEETDECK_NATS__REQUEST_TIMEOUT"] = "2s";
    environment["FLEETDECK_OUTBOX__POLL_INTERVAL"] = "50ms";
    environment["FLEETDECK_OUTBOX__RETRY_INITIAL"] = "100ms";
    environment["FLEETDECK_OUTBOX__RETRY_MAX"] = "1s";
    environment["FLEETDECK_CONSUMERS__FETCH_WAIT"] = "200ms";
    environment["FLEETDECK_CONSUMERS__RETRY_INITIAL"] = "100ms";
    environment["FLEETDECK_CONSUMERS__RETRY_MAX"] = "1s";
    return environment;
  }

  static Env notificationsEnv() {
    return {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/notifications/config/notifications.toml"},
            {"FLEETDECK_DATABASE__URL", notificationsDatabase_},
            {"FLEETDECK_GRPC__PORT", std::to_string(notificationsPort_)}};
  }

  static Env ordersEnv(const std::string& failpoints) {
    return {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/orders/config/orders.toml"},
            {"FLEETDECK_DATABASE__URL", ordersDatabase_},
            {"FLEETDECK_GRPC__PORT", std::to_string(ordersPort_)},
            {"FLEETDECK_UPSTREAMS__PRODUCTS", address(productsPort_)},
            {"FLEETDECK_UPSTREAMS__PAYMENTS", address(paymentsPort_)},
            {"FLEETDECK_CALLS__TIMEOUT", "1s"},  // the lease (2 s) must be at least twice as long
            {"FLEETDECK_SAGA__IDLE_POLL", "50ms"},
            {"FLEETDECK_SAGA__LEASE", "2s"},
            {"FLEETDECK_FAILPOINTS", failpoints}};
  }

  // Replaces the orders process (the old one is stopped, or already dead from a failpoint).
  static void restartOrders(const std::string& failpoints) {
    delete orders_;
    orders_ = start("orders", FLEETDECK_ORDERS_BINARY, ordersEnv(failpoints));
  }

  static ServiceProcess* start(const std::string& name, const char* binary, Env environment) {
    auto* process = new ServiceProcess(name, binary, withBus(std::move(environment)), logs_);
    const Status started = process->start();
    EXPECT_TRUE(started.isOk()) << name << ": " << started.toString();
    return process;
  }

  // ---- calls into the fleet ----

  static users::v1::User registerCustomer(const std::string& displayName) {
    users::v1::RegisterRequest request;
    const std::string suffix = randomHex(4);
    request.set_username("ev" + suffix);
    request.set_email("ev" + suffix + "@example.test");
    request.set_password("correct horse battery " + suffix);
    request.set_display_name(displayName);
    users::v1::User user;
    auto context = rpc::makeContext(kCall);
    const grpc::Status status = usersStub_->Register(context.get(), request, &user);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return user;
  }

  static users::v1::User createUserAsAdmin(const std::string& role) {
    users::v1::CreateUserRequest request;
    const std::string suffix = randomHex(4);
    request.set_username("adm" + suffix);
    request.set_email("adm" + suffix + "@example.test");
    request.set_password("a long admin secret " + suffix);
    request.set_display_name("Created by an admin");
    request.set_role(role);
    users::v1::User user;
    auto context = rpc::makeContext(kCall);
    const grpc::Status status = usersStub_->CreateUser(context.get(), request, &user);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return user;
  }

  static std::optional<payments::v1::Wallet> wallet(const std::string& userId) {
    payments::v1::GetWalletRequest request;
    request.set_user_id(userId);
    payments::v1::Wallet wallet;
    auto context = rpc::makeContext(kCall);
    if (!paymentsStub_->GetWallet(context.get(), request, &wallet).ok()) return std::nullopt;
    return wallet;
  }

  static std::vector<notifications::v1::Notification> notificationsOf(const std::string& userId) {
    notifications::v1::ListNotificationsRequest request;
    request.set_user_id(userId);
    request.set_page_size(100);
    notifications::v1::ListNotificationsResponse response;
    auto context = rpc::makeContext(kCall);
    if (!notificationsStub_->ListNotifications(context.get(), request, &response).ok()) return {};
    return {response.notifications().begin(), response.notifications().end()};
  }

  // Notifications of `kind` for the user; with `about`, only those whose body names it (an order id).
  static int countNotifications(const std::string& userId, const std::string& kind, const std::string& about = "") {
    int count = 0;
    for (const auto& notification : notificationsOf(userId)) {
      if (notification.kind() == kind && (about.empty() || notification.body().find(about) != std::string::npos)) {
        ++count;
      }
    }
    return count;
  }

  static std::string createProduct(int64_t stock, int64_t price = 1000) {
    products::v1::CreateProductRequest request;
    request.set_sku("EV-" + randomHex(4));
    request.set_name("Events test product");
    request.mutable_price()->set_currency_code("USD");
    request.mutable_price()->set_units(price);
    request.set_initial_stock(stock);
    products::v1::Product product;
    auto context = rpc::makeContext(kCall);
    EXPECT_TRUE(productsStub_->CreateProduct(context.get(), request, &product).ok());
    return product.id();
  }

  static orders::v1::Order place(const std::string& userId, const std::string& productId, int64_t quantity) {
    orders::v1::CreateOrderRequest request;
    request.set_user_id(userId);
    auto* line = request.add_items();
    line->set_product_id(productId);
    line->set_quantity(quantity);
    orders::v1::Order order;
    auto context = rpc::makeContext(kCall);
    const grpc::Status status = ordersStub_->CreateOrder(context.get(), request, &order);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return order;
  }

  static void setPaymentFailureRate(double rate) {
    payments::v1::SetFaultsRequest request;
    request.mutable_faults()->set_failure_rate(rate);
    payments::v1::Faults faults;
    auto context = rpc::makeContext(kCall);
    const grpc::Status status = paymentsStub_->SetFaults(context.get(), request, &faults);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  static std::optional<orders::v1::Saga> saga(const std::string& sagaId) {
    orders::v1::GetSagaRequest request;
    request.set_id(sagaId);
    orders::v1::GetSagaResponse response;
    auto context = rpc::makeContext(kCall);
    if (!sagasStub_->GetSaga(context.get(), request, &response).ok()) return std::nullopt;
    return response.saga();
  }

  // Waits until the order's saga finished; returns the order as it ended.
  static orders::v1::Order settle(const orders::v1::Order& placed) {
    orders::v1::Order order;
    const bool done = testing::waitUntil(
        [&] {
          orders::v1::GetOrderRequest request;
          request.set_id(placed.id());
          auto context = rpc::makeContext(kCall);
          if (!ordersStub_->GetOrder(context.get(), request, &order).ok() || order.status() == "PENDING") return false;
          auto found = saga(order.saga_id());
          return found && (found->state() == "COMPLETED" || found->state() == "COMPENSATED");
        },
        kEventual);
    EXPECT_TRUE(done) << "order " << placed.id() << " still " << order.status() << "\n" << orders_->logTail(3000);
    return order;
  }

  // ---- what the bus holds ----

  struct StoredEvent {
    uint64_t sequence = 0;
    std::string msgId;
    common::v1::EventEnvelope envelope;
  };

  // Every message of `stream`, oldest first, with its envelope decoded (a message that does not
  // decode fails the test: producers only publish envelopes).
  static std::vector<StoredEvent> streamEvents(const std::string& stream) {
    std::vector<StoredEvent> events;
    auto state = bus_->streamState(stream);
    EXPECT_TRUE(state.isOk()) << state.status().toString();
    if (!state || state->messages == 0) return events;
    for (uint64_t sequence = state->firstSequence; sequence <= state->lastSequence; ++sequence) {
      auto message = bus_->getMessage(stream, sequence);
      if (!message) continue;  // deleted
      auto envelope = bus::decodeEnvelope(*message);
      EXPECT_TRUE(envelope.isOk()) << stream << " #" << sequence << ": " << envelope.status().toString();
      if (!envelope) continue;
      events.push_back({sequence, message->header(bus::kMsgIdHeader).value_or(""), std::move(*envelope)});
    }
    return events;
  }

  template <typename Payload>
  static std::vector<std::pair<StoredEvent, Payload>> eventsOf(const std::vector<StoredEvent>& events) {
    std::vector<std::pair<StoredEvent, Payload>> found;
    for (const auto& event : events) {
      if (!bus::holds<Payload>(event.envelope)) continue;
      Payload payload;
      EXPECT_TRUE(bus::unpackPayload(event.envelope, payload).isOk());
      found.emplace_back(event, std::move(payload));
    }
    return found;
  }

  // The step transitions of one saga (each SagaStepsChanged event's, in turn), in stream order.
  static std::vector<orders::v1::SagaStepChanged> sagaSteps(const std::string& sagaId) {
    std::vector<orders::v1::SagaStepChanged> steps;
    for (auto& [event, changed] : eventsOf<orders::v1::SagaStepsChanged>(streamEvents(kOrdersStream))) {
      for (const auto& change : changed.changes()) {
        EXPECT_EQ(change.saga_id(), event.envelope.aggregate_id()) << "one event carries one saga's transitions";
        if (change.saga_id() == sagaId) steps.push_back(change);
      }
    }
    return steps;
  }

  // Publishes a stored message again under a new message id, as a replay or a broker redelivery
  // after lost acknowledgements would: same envelope, same event id.
  static void republish(const std::string& stream, uint64_t sequence) {
    auto message = bus_->getMessage(stream, sequence);
    ASSERT_TRUE(message.isOk()) << message.status().toString();
    bus::OutgoingMessage again;
    again.subject = message->subject;
    again.msgId = message->header(bus::kMsgIdHeader).value_or("") + ":again:" + randomHex(4);
    for (const auto& [name, value] : message->headers) {
      if (name != bus::kMsgIdHeader) again.headers.emplace_back(name, value);
    }
    again.data = message->data;
    auto published = bus_->publish(again);
    ASSERT_TRUE(published.isOk()) << published.status().toString();
    EXPECT_FALSE(published->duplicate);
  }

  // The value of an unlabelled-but-one metric line, e.g. outbox_lag_events{outbox="orders"}; nullopt
  // when the process does not answer or does not export it yet.
  static std::optional<double> metric(const ServiceProcess& process, const std::string& series) {
    http::HttpClient client("127.0.0.1", process.adminPort(), std::chrono::seconds(2));
    auto response = client.get("/metrics");
    if (!response || response->status != 200) return std::nullopt;
    const std::string& body = response->body;
    size_t at = 0;
    while ((at = body.find(series, at)) != std::string::npos) {
      const bool lineStart = at == 0 || body[at - 1] == '\n';
      const size_t valueAt = at + series.size();
      if (lineStart && valueAt < body.size() && body[valueAt] == ' ') {
        return std::stod(body.substr(valueAt + 1, body.find('\n', valueAt) - valueAt - 1));
      }
      at = valueAt;
    }
    return std::nullopt;
  }

  static int64_t unsentOutboxRows(const std::string& databaseUrl) {
    pqxx::connection connection(databaseUrl);
    pqxx::work transaction(connection);
    return transaction.exec("SELECT count(*) FROM outbox WHERE sent_at IS NULL")[0][0].as<int64_t>();
  }

  static inline std::filesystem::path logs_;
  static inline testing::NatsServer* nats_ = nullptr;
  static inline bus::Bus* bus_ = nullptr;
  static inline uint16_t usersPort_ = 0, productsPort_ = 0, paymentsPort_ = 0, notificationsPort_ = 0,
                         ordersPort_ = 0;
  static inline std::string ordersDatabase_, paymentsDatabase_, notificationsDatabase_;
  static inline ServiceProcess *users_ = nullptr, *products_ = nullptr, *payments_ = nullptr,
                               *notifications_ = nullptr, *orders_ = nullptr;
  static inline users::v1::UsersService::Stub* usersStub_ = nullptr;
  static inline products::v1::ProductsService::Stub* productsStub_ = nullptr;
  static inline payments::v1::PaymentsService::Stub* paymentsStub_ = nullptr;
  static inline notifications::v1::NotificationsService::Stub* notificationsStub_ = nullptr;
  static inline orders::v1::OrdersService::Stub* ordersStub_ = nullptr;
  static inline orders::v1::SagasService::Stub* sagasStub_ = nullptr;
};

TEST_F(EventsEndToEnd, RegisteredCustomerGetsWalletWelcomeAndOneConfirmationEvenAfterRedelivery) {
  // Self-registration and an admin's create both announce the account.
  const auto customer = registerCustomer("Ada Events");
  const auto created = createUserAsAdmin("customer");
  for (const auto* user : {&customer, &created}) {
    ASSERT_TRUE(testing::waitUntil([&] { return wallet(user->id()).has_value(); }, kEventual))
        << "no wallet for " << user->id() << "\n" << payments_->logTail(2000) << users_->logTail(2000);
    ASSERT_TRUE(testing::waitUntil([&] { return countNotifications(user->id(), "welcome") == 1; }, kEventual))
        << notifications_->logTail(2000);
  }
  const int64_t balanceBefore = wallet(customer.id())->balance().units();
  EXPECT_EQ(balanceBefore, 100'000);  // the demo credit, once

  const std::string product = createProduct(10, 1500);
  const auto order = settle(place(customer.id(), product, 2));
  ASSERT_EQ(order.status(), "CONFIRMED");
  ASSERT_TRUE(testing::waitUntil([&] { return countNotifications(customer.id(), "order_confirmed", order.id()) == 1; },
                                 kEventual))
      << notifications_->logTail(3000);
  EXPECT_EQ(wallet(customer.id())->balance().units(), balanceBefore - 3000);

  // The event ids on the bus are the ids the notifications were recorded for.
  const auto orderEvents = streamEvents(kOrdersStream);
  std::optional<StoredEvent> confirmed;
  for (auto& [event, payload] : eventsOf<orders::v1::OrderConfirmed>(orderEvents)) {
    if (payload.order_id() == order.id()) confirmed = event;
  }
  ASSERT_TRUE(confirmed.has_value()) << "OrderConfirmed of " << order.id() << " is not on the bus";
  EXPECT_EQ(confirmed->msgId, confirmed->envelope.event_id());
  EXPECT_EQ(confirmed->envelope.aggregate_id(), order.id());
  EXPECT_EQ(confirmed->envelope.source(), "orders");
  for (const auto& notification : notificationsOf(customer.id())) {
    if (notification.kind() == "order_confirmed") {
      EXPECT_EQ(notification.source_id(), confirmed->envelope.event_id());
    }
  }
  std::optional<StoredEvent> registered;
  for (auto& [event, payload] : eventsOf<users::v1::UserRegistered>(streamEvents(kUsersStream))) {
    if (payload.user_id() == customer.id()) {
      EXPECT_FALSE(registered.has_value()) << "UserRegistered twice on the bus";
      EXPECT_EQ(payload.role(), "customer");
      EXPECT_EQ(payload.display_name(), "Ada Events");
      registered = event;
    }
  }
  ASSERT_TRUE(registered.has_value());

  // Redelivery across a restart: notifications goes down, both events arrive again (new message
  // ids, same event ids), notifications comes back and consumes them.
  notifications_->stop();
  republish(kOrdersStream, confirmed->sequence);
  republish(kUsersStream, registered->sequence);
  const Status restarted = notifications_->start();
  ASSERT_TRUE(restarted.isOk()) << restarted.toString();
  // Consumers take their stream in order: once events published after the replays have their
  // effect, the replays were handled before them.
  const auto marker = registerCustomer("Marker");
  const auto markerOrder = settle(place(customer.id(), product, 1));
  ASSERT_EQ(markerOrder.status(), "CONFIRMED");
  ASSERT_TRUE(testing::waitUntil(
      [&] {
        return countNotifications(marker.id(), "welcome") == 1 &&
               countNotifications(customer.id(), "order_confirmed", markerOrder.id()) == 1;
      },
      kEventual))
      << notifications_->logTail(3000);
  EXPECT_EQ(countNotifications(customer.id(), "order_confirmed", order.id()), 1);
  EXPECT_EQ(countNotifications(customer.id(), "welcome"), 1);
  // Payments saw the replayed UserRegistered too: still one wallet, credited once.
  EXPECT_EQ(wallet(customer.id())->balance().units(), balanceBefore - 3000 - 1500);
}

TEST_F(EventsEndToEnd, OrdersPlacedWhileNatsIsDownCompleteAndEveryEventIsPublishedOnce) {
  const auto customer = registerCustomer("Outage Customer");
  ASSERT_TRUE(testing::waitUntil([&] { return wallet(customer.id()).has_value(); }, kEventual));
  const std::string product = createProduct(20, 700);
  constexpr int kOrders = 5;

  nats_->stop();
  const auto stoppedAt = std::chrono::steady_clock::now();
  std::vector<std::string> orderIds;
  std::set<std::string> sagaIds;
  for (int i = 0; i < kOrders; ++i) {
    const auto order = settle(place(customer.id(), product, 1));
    EXPECT_EQ(order.status(), "CONFIRMED") << "sagas do not need NATS";
    orderIds.push_back(order.id());
    sagaIds.insert(order.saga_id());
  }
  ASSERT_EQ(orderIds.size(), static_cast<size_t>(kOrders));
  // While the broker is away the events wait in the outbox, and the lag says so.
  ASSERT_TRUE(testing::waitUntil(
      [&] { return metric(*orders_, "outbox_lag_events{outbox=\"orders\"}").value_or(0) >= 2 * kOrders; },
      std::chrono::seconds(5)));
  const int64_t waiting = unsentOutboxRows(ordersDatabase_);
  EXPECT_GE(waiting, 2 * kOrders);
  // The outage lasts 10 s in all (the orders above took part of it).
  std::this_thread::sleep_until(stoppedAt + std::chrono::seconds(10));
  nats_->start();
  const auto restartedAt = std::chrono::steady_clock::now();

  ASSERT_TRUE(testing::waitUntil(
      [&] {
        return metric(*orders_, "outbox_lag_events{outbox=\"orders\"}") == 0.0 &&
               metric(*payments_, "outbox_lag_events{outbox=\"payments\"}") == 0.0;
      },
      std::chrono::seconds(30)))
      << orders_->logTail(3000);
  // Reported, not asserted: how long the relays took to catch up (the gauges refresh once a second).
  const auto drained = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - restartedAt);
  RecordProperty("outbox_rows_waiting", static_cast<int>(waiting));
  RecordProperty("drain_ms", static_cast<int>(drained.count()));
  std::cout << "[ measure  ] " << waiting << " orders outbox rows waited through the outage; lag back to 0 "
            << drained.count() << " ms after NATS restarted" << std::endl;
  EXPECT_EQ(unsentOutboxRows(ordersDatabase_), 0);
  EXPECT_EQ(unsentOutboxRows(paymentsDatabase_), 0);
  ASSERT_TRUE(testing::waitUntil([&] { return bus_->connected(); }, std::chrono::seconds(10)));

  // Exactly one message per event: per order one OrderCreated and one OrderConfirmed, per saga the
  // started/succeeded pair of each of its four steps; no event id twice in the stream.
  const auto events = streamEvents(kOrdersStream);
  std::map<std::string, std::map<std::string, int>> perOrder;  // order id -> type -> count
  std::map<std::string, int> perSaga, eventsPerSaga;
  std::set<std::string> seenIds;
  for (const auto& event : events) {
    // The first test's deliberate replays travel under their own message ids; everything the
    // outbox published carries its event id.
    if (event.msgId.find(":again:") != std::string::npos) continue;
    EXPECT_EQ(event.msgId, event.envelope.event_id());
    EXPECT_TRUE(seenIds.insert(event.envelope.event_id()).second) << "event " << event.envelope.event_id() << " twice";
    if (bus::holds<orders::v1::SagaStepsChanged>(event.envelope)) {
      orders::v1::SagaStepsChanged changed;
      EXPECT_TRUE(bus::unpackPayload(event.envelope, changed).isOk());
      if (sagaIds.count(event.envelope.aggregate_id()) != 0) {
        perSaga[event.envelope.aggregate_id()] += changed.changes_size();
        ++eventsPerSaga[event.envelope.aggregate_id()];
      }
    } else if (std::find(orderIds.begin(), orderIds.end(), event.envelope.aggregate_id()) != orderIds.end()) {
      ++perOrder[event.envelope.aggregate_id()][event.envelope.type()];
    }
  }
  int created = 0, confirmed = 0;
  for (const auto& orderId : orderIds) {
    EXPECT_EQ(perOrder[orderId]["fleetdeck.orders.v1.OrderCreated"], 1) << orderId;
    EXPECT_EQ(perOrder[orderId]["fleetdeck.orders.v1.OrderConfirmed"], 1) << orderId;
    EXPECT_EQ(perOrder[orderId].size(), 2u) << orderId;
    created += perOrder[orderId]["fleetdeck.orders.v1.OrderCreated"];
    confirmed += perOrder[orderId]["fleetdeck.orders.v1.OrderConfirmed"];
  }
  EXPECT_EQ(created, kOrders);
  EXPECT_EQ(confirmed, kOrders);
  ASSERT_EQ(perSaga.size(), sagaIds.size());
  for (const auto& [sagaId, count] : perSaga) EXPECT_EQ(count, 8) << "saga " << sagaId;
  // Eight transitions in four transactions: begun with the order, then one per remote step's end
  // (the local confirm_order runs inside commit_stock's).
  for (const auto& [sagaId, count] : eventsPerSaga) EXPECT_EQ(count, 4) << "saga " << sagaId;

  // And the customer hears about each order once, after the broker came back.
  ASSERT_TRUE(testing::waitUntil(
      [&] {
        for (const auto& orderId : orderIds) {
          if (countNotifications(customer.id(), "order_confirmed", orderId) != 1) return false;
        }
        return true;
      },
      kEventual))
      << notifications_->logTail(3000);
}

TEST_F(EventsEndToEnd, SagaStepChangedArrivesInOrderPerSagaWithTimingsAndFinalState) {
  const auto customer = registerCustomer("Saga Watcher");
  ASSERT_TRUE(testing::waitUntil([&] { return wallet(customer.id()).has_value(); }, kEventual));
  const std::string product = createProduct(3, 900);

  // Forward path: started -> succeeded for each step, in step order, ending COMPLETED.
  const auto order = settle(place(customer.id(), product, 1));
  ASSERT_EQ(order.status(), "CONFIRMED");
  const auto timeline = saga(order.saga_id());
  ASSERT_TRUE(timeline.has_value());
  ASSERT_EQ(timeline->steps_size(), 4);
  std::vector<orders::v1::SagaStepChanged> steps;
  ASSERT_TRUE(testing::waitUntil(
      [&] {
        steps = sagaSteps(order.saga_id());
        return steps.size() >= 8;
      },
      kEventual))
      << "only " << steps.size() << " SagaStepChanged for " << order.saga_id();
  ASSERT_EQ(steps.size(), 8u);
  for (int index = 0; index < 4; ++index) {
    const auto& started = steps[static_cast<size_t>(2 * index)];
    const auto& succeeded = steps[static_cast<size_t>(2 * index + 1)];
    const std::string& name = timeline->steps(index).name();
    EXPECT_EQ(started.step().name(), name);
    EXPECT_EQ(started.step().index(), index);
    EXPECT_EQ(started.step().state(), "started");
    EXPECT_EQ(started.step().phase(), "forward");
    EXPECT_EQ(started.step().attempts(), 1);
    EXPECT_TRUE(started.step().has_start_time());
    EXPECT_FALSE(started.step().has_end_time());
    EXPECT_EQ(started.duration_ms(), 0);
    EXPECT_EQ(started.saga_state(), "RUNNING");
    EXPECT_EQ(succeeded.step().name(), name);
    EXPECT_EQ(succeeded.step().state(), "succeeded");
    EXPECT_TRUE(succeeded.step().error().empty());
    EXPECT_EQ(succeeded.step().start_time().seconds(), started.step().start_time().seconds());
    EXPECT_TRUE(succeeded.step().has_end_time());
    EXPECT_GE(succeeded.duration_ms(), 0);
    EXPECT_EQ(succeeded.saga_state(), index == 3 ? "COMPLETED" : "RUNNING");
    for (const auto* changed : {&started, &succeeded}) {
      EXPECT_EQ(changed->saga_id(), order.saga_id());
      EXPECT_EQ(changed->saga_type(), "order-placement");
      EXPECT_EQ(changed->order_id(), order.id());
      EXPECT_EQ(changed->trace_id(), timeline->trace_id());
    }
  }

  // Compensation path (more than is in stock): reserve_stock fails with its error, and the saga
  // ends COMPENSATED; the customer hears of the cancellation once.
  const auto refused = settle(place(customer.id(), product, 50));
  ASSERT_EQ(refused.status(), "CANCELLED");
  std::vector<orders::v1::SagaStepChanged> compensation;
  ASSERT_TRUE(testing::waitUntil(
      [&] {
        compensation = sagaSteps(refused.saga_id());
        return !compensation.empty() && compensation.back().saga_state() == "COMPENSATED";
      },
      kEventual));
  ASSERT_EQ(compensation.size(), 3u);
  EXPECT_EQ(compensation[0].step().name(), "reserve_stock");
  EXPECT_EQ(compensation[0].step().state(), "started");
  EXPECT_EQ(compensation[1].step().name(), "reserve_stock");
  EXPECT_EQ(compensation[1].step().state(), "failed");
  EXPECT_FALSE(compensation[1].step().error().empty());
  EXPECT_TRUE(compensation[1].step().has_end_time());
  EXPECT_EQ(compensation[1].saga_state(), "COMPENSATING");
  EXPECT_EQ(compensation[2].step().state(), "compensated");
  EXPECT_TRUE(compensation[2].step().compensation());
  EXPECT_EQ(compensation[2].saga_state(), "COMPENSATED");
  ASSERT_TRUE(testing::waitUntil(
      [&] { return countNotifications(customer.id(), "order_cancelled", refused.id()) == 1; }, kEventual))
      << notifications_->logTail(3000);
}

TEST_F(EventsEndToEnd, EveryOrderEventIsOnTheBusUnderItsEventStoreIdAndShippedAndDeclinedAreNotified) {
  const auto customer = registerCustomer("Ship And Decline");
  ASSERT_TRUE(testing::waitUntil([&] { return wallet(customer.id()).has_value(); }, kEventual));

  // Confirmed, shipped, delivered: four events, the same ids and versions in the store and on the bus.
  const auto order = settle(place(customer.id(), createProduct(5, 400), 1));
  ASSERT_EQ(order.status(), "CONFIRMED");
  {
    orders::v1::ShipOrderRequest request;
    request.set_id(order.id());
    request.set_tracking_number("TRACK-" + randomHex(3));
    orders::v1::Order shipped;
    auto context = rpc::makeContext(kCall);
    const grpc::Status status = ordersStub_->ShipOrder(context.get(), request, &shipped);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  {
    orders::v1::DeliverOrderRequest request;
    request.set_id(order.id());
    orders::v1::Order delivered;
    auto context = rpc::makeContext(kCall);
    const grpc::Status status = ordersStub_->DeliverOrder(context.get(), request, &delivered);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  orders::v1::ListOrderEventsResponse history;
  {
    orders::v1::ListOrderEventsRequest request;
    request.set_order_id(order.id());
    auto context = rpc::makeContext(kCall);
    ASSERT_TRUE(ordersStub_->ListOrderEvents(context.get(), request, &history).ok());
  }
  ASSERT_EQ(history.events_size(), 4);
  std::vector<StoredEvent> onBus;
  ASSERT_TRUE(testing::waitUntil(
      [&] {
        onBus.clear();
        for (auto& event : streamEvents(kOrdersStream)) {
          if (event.envelope.aggregate_id() == order.id()) onBus.push_back(std::move(event));
        }
        return onBus.size() >= 4;
      },
      kEventual));
  ASSERT_EQ(onBus.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    const auto& stored = history.events(i);
    const auto& published = onBus[static_cast<size_t>(i)].envelope;
    EXPECT_EQ(published.event_id(), stored.event_id());
    EXPECT_EQ(published.type(), "fleetdeck.orders.v1." + stored.type());
    EXPECT_EQ(published.aggregate_version(), stored.version());
  }
  orders::v1::OrderShipped shipped;
  ASSERT_TRUE(bus::unpackPayload(onBus[2].envelope, shipped).isOk());
  EXPECT_EQ(shipped.order_id(), order.id());
  EXPECT_FALSE(shipped.tracking_number().empty());
  ASSERT_TRUE(testing::waitUntil(
      [&] { return countNotifications(customer.id(), "order_shipped", order.id()) == 1; }, kEventual))
      << notifications_->logTail(3000);

  // More than the wallet holds (the demo credit is 100000): payments declines, the saga compensates,
  // and the customer hears of both once.
  const auto declined = settle(place(customer.id(), createProduct(5, 80'000), 2));
  ASSERT_EQ(declined.status(), "CANCELLED");
  ASSERT_TRUE(testing::waitUntil(
      [&] {
        return countNotifications(customer.id(), "payment_declined", declined.id()) == 1 &&
               countNotifications(customer.id(), "order_cancelled", declined.id()) == 1;
      },
      kEventual))
      << notifications_->logTail(3000);
}

TEST_F(EventsEndToEnd, TransientStepFailuresAreOnTheBusAsRetryingFailuresBeforeTheSuccess) {
  const auto customer = registerCustomer("Retry Watcher");
  ASSERT_TRUE(testing::waitUntil([&] { return wallet(customer.id()).has_value(); }, kEventual));
  const std::string product = createProduct(5, 300);

  // Payments answers UNAVAILABLE until at least one failed attempt is on the bus, then recovers.
  setPaymentFailureRate(1.0);
  const auto placed = place(customer.id(), product, 1);
  const bool sawFailure = testing::waitUntil(
      [&] {
        for (const auto& changed : sagaSteps(placed.saga_id())) {
          if (changed.step().name() == "charge_payment" && changed.step().state() == "failed") return true;
        }
        return false;
      },
      kEventual);
  setPaymentFailureRate(0.0);
  ASSERT_TRUE(sawFailure) << orders_->logTail(3000);
  const auto order = settle(placed);
  ASSERT_EQ(order.status(), "CONFIRMED");

  std::vector<orders::v1::SagaStepChanged> steps;
  ASSERT_TRUE(testing::waitUntil(
      [&] {
        steps = sagaSteps(order.saga_id());
        return !steps.empty() && steps.back().saga_state() == "COMPLETED";
      },
      kEventual));
  std::vector<orders::v1::SagaStepChanged> charge;
  for (const auto& changed : steps) {
    if (changed.step().name() == "charge_payment") charge.push_back(changed);
  }
  // started once, then each failed attempt (numbered, with its error, the saga still RUNNING), then
  // the success on the attempt after the last failure.
  ASSERT_GE(charge.size(), 3u);
  EXPECT_EQ(charge.front().step().state(), "started");
  EXPECT_EQ(charge.front().step().attempts(), 1);
  for (size_t i = 1; i + 1 < charge.size(); ++i) {
    EXPECT_EQ(charge[i].step().state(), "failed");
    EXPECT_EQ(charge[i].step().attempts(), static_cast<int>(i));
    EXPECT_NE(charge[i].step().error().find("UNAVAILABLE"), std::string::npos) << charge[i].step().error();
    EXPECT_EQ(charge[i].saga_state(), "RUNNING");
  }
  EXPECT_EQ(charge.back().step().state(), "succeeded");
  EXPECT_EQ(charge.back().step().attempts(), static_cast<int>(charge.size()) - 1);
  EXPECT_TRUE(charge.back().step().error().empty());
  EXPECT_GE(charge.back().duration_ms(), 0);
  // Every other step ran once: 2 events each for the three others, plus the charge's.
  EXPECT_EQ(steps.size(), 6u + charge.size());
}

TEST_F(EventsEndToEnd, OrdersDyingRightAfterATransitionStillPublishesEachEventOnce) {
  const auto customer = registerCustomer("Crash Watcher");
  ASSERT_TRUE(testing::waitUntil([&] { return wallet(customer.id()).has_value(); }, kEventual));
  const std::string product = createProduct(5, 200);
  for (const std::string point : {"saga.after_step_started", "saga.after_step_persisted"}) {
    SCOPED_TRACE(point);
    restartOrders(point);
    const std::string key = "crash-" + randomHex(6);
    const auto request = [&] {
      orders::v1::CreateOrderRequest create;
      create.set_user_id(customer.id());
      create.set_idempotency_key(key);
      auto* line = create.add_items();
      line->set_product_id(product);
      line->set_quantity(1);
      return create;
    }();
    // The process may die before it answers; until it accepted the order (the channel may still be
    // backing off from the previous process), the create is repeated with the same key.
    bool accepted = false;
    ASSERT_TRUE(testing::waitUntil(
        [&] {
          if (!accepted) {
            orders::v1::Order ignored;
            auto context = rpc::makeContext(kCall);
            accepted = ordersStub_->CreateOrder(context.get(), request, &ignored).ok();
          }
          return !orders_->running();
        },
        std::chrono::seconds(15)))
        << "the failpoint did not fire\n" << orders_->logTail(2000);
    restartOrders("");
    // Like any client, retry with the same key until the new process answers. The channel reconnects
    // with gRPC's growing backoff (1 s, 1.6 s, 2.6 s, … with jitter) after the old process died, and on
    // a loaded machine the restart itself takes seconds: 10 s was too short once (two test binaries
    // and a busy core on 2 cores).
    orders::v1::Order placed;
    ASSERT_TRUE(testing::waitUntil(
        [&] {
          auto context = rpc::makeContext(kCall);
          return ordersStub_->CreateOrder(context.get(), request, &placed).ok();
        },
        std::chrono::seconds(30)))
        << orders_->logTail(2000);
    const auto order = settle(placed);
    ASSERT_EQ(order.status(), "CONFIRMED");

    // The resumed saga's transitions: each once, in order, although the process died between
    // persisting one and publishing it.
    std::vector<orders::v1::SagaStepChanged> steps;
    ASSERT_TRUE(testing::waitUntil(
        [&] {
          steps = sagaSteps(order.saga_id());
          return !steps.empty() && steps.back().saga_state() == "COMPLETED";
        },
        kEventual))
        << orders_->logTail(3000);
    ASSERT_EQ(steps.size(), 8u);
    for (size_t i = 0; i < steps.size(); ++i) {
      EXPECT_EQ(steps[i].step().index(), static_cast<int>(i / 2));
      EXPECT_EQ(steps[i].step().state(), i % 2 == 0 ? "started" : "succeeded");
    }
    int created = 0, confirmed = 0;
    for (const auto& event : streamEvents(kOrdersStream)) {
      if (event.envelope.aggregate_id() != order.id()) continue;
      created += bus::holds<orders::v1::OrderCreated>(event.envelope) ? 1 : 0;
      confirmed += bus::holds<orders::v1::OrderConfirmed>(event.envelope) ? 1 : 0;
    }
    EXPECT_EQ(created, 1);
    EXPECT_EQ(confirmed, 1);
    ASSERT_TRUE(testing::waitUntil(
        [&] { return countNotifications(customer.id(), "order_confirmed", order.id()) == 1; }, kEventual));
  }
}

}  // namespace
}  // namespace fleetdeck
