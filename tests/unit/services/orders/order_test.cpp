#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

#include "adapters/order_saga.h"
#include "domain/event_codec.h"
#include "domain/order.h"
#include "domain/order_book.h"
#include "fleetdeck/core/ids.h"
#include "orders/fake_order_ports.h"

namespace fleetdeck::orders {
namespace {

Order orderIn(std::string_view status) {
  Order order;
  order.id = "o1";
  order.status = std::string(status);
  order.version = 3;
  return order;
}

TEST(OrderStateMachine, EveryValidTransitionIsAllowed) {
  EXPECT_TRUE(decideConfirm(orderIn(kPending), "p1").isOk());
  EXPECT_TRUE(decideCancel(orderIn(kPending), "changed my mind").isOk());
  EXPECT_TRUE(decideCancel(orderIn(kConfirmed), "").isOk());
  EXPECT_TRUE(decideShip(orderIn(kConfirmed), "TRACK-1").isOk());
  EXPECT_TRUE(decideDeliver(orderIn(kShipped)).isOk());
}

TEST(OrderStateMachine, EveryInvalidTransitionIsAFailedPreconditionNamingTheState) {
  struct Case {
    std::string_view status;
    std::function<Result<OrderEvent>(const Order&)> decide;
  };
  const std::vector<Case> invalid = {
      {kConfirmed, [](const Order& o) { return decideConfirm(o, "p"); }},
      {kShipped, [](const Order& o) { return decideConfirm(o, "p"); }},
      {kDelivered, [](const Order& o) { return decideConfirm(o, "p"); }},
      {kCancelled, [](const Order& o) { return decideConfirm(o, "p"); }},
      {kShipped, [](const Order& o) { return decideCancel(o, ""); }},
      {kDelivered, [](const Order& o) { return decideCancel(o, ""); }},
      {kCancelled, [](const Order& o) { return decideCancel(o, ""); }},
      {kPending, [](const Order& o) { return decideShip(o, "T"); }},
      {kShipped, [](const Order& o) { return decideShip(o, "T"); }},
      {kDelivered, [](const Order& o) { return decideShip(o, "T"); }},
      {kCancelled, [](const Order& o) { return decideShip(o, "T"); }},
      {kPending, [](const Order& o) { return decideDeliver(o); }},
      {kConfirmed, [](const Order& o) { return decideDeliver(o); }},
      {kDelivered, [](const Order& o) { return decideDeliver(o); }},
      {kCancelled, [](const Order& o) { return decideDeliver(o); }},
  };
  for (const auto& c : invalid) {
    auto result = c.decide(orderIn(c.status));
    ASSERT_FALSE(result.isOk()) << c.status;
    EXPECT_EQ(result.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(result.status().message().find(std::string(c.status)), std::string::npos) << result.status().message();
  }
}

TEST(OrderStateMachine, FreeTextWithControlCharactersIsRefusedNamingTheField) {
  Order order;
  order.id = "o";
  order.status = "CONFIRMED";
  auto cancelled = decideCancel(order, "oops\a");
  ASSERT_FALSE(cancelled.isOk());
  EXPECT_EQ(cancelled.status().violations()[0].field, "reason");
  auto shipped = decideShip(order, "TRK\x1b");
  ASSERT_FALSE(shipped.isOk());
  EXPECT_EQ(shipped.status().violations()[0].field, "trackingNumber");
  EXPECT_TRUE(decideShip(order, "TRK-1").isOk());
}

TEST(OrderStateMachine, CancelRemembersThePreviousStatusAndDefaultsTheReason) {
  auto event = decideCancel(orderIn(kConfirmed), "");
  ASSERT_TRUE(event.isOk());
  const auto& cancelled = std::get<OrderCancelled>(*event);
  EXPECT_EQ(cancelled.previousStatus, "CONFIRMED");
  EXPECT_EQ(cancelled.reason, "customer_request");
}

TEST(OrderLines, ValidationNamesTheLine) {
  EXPECT_FALSE(validateLines({}).isOk());
  const std::string id = newUuid();
  const Status status = validateLines({{id, 1}, {id, 2}, {"nope", 0}});
  ASSERT_EQ(status.code(), StatusCode::kInvalidArgument);
  std::vector<std::string> fields;
  for (const auto& violation : status.violations()) fields.push_back(violation.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"items[1].productId", "items[2].productId", "items[2].quantity"}));
}

TEST(OrderLines, TotalsRefuseMixedCurrencies) {
  auto total = totalOf({{"a", "A", "A", 2, {"USD", 150}}, {"b", "B", "B", 1, {"USD", 1000}}});
  ASSERT_TRUE(total.isOk());
  EXPECT_EQ(total->units, 1300);
  EXPECT_FALSE(totalOf({{"a", "A", "A", 1, {"USD", 1}}, {"b", "B", "B", 1, {"EUR", 1}}}).isOk());
}

TEST(OrderLines, ATotalAboveWhatOnePaymentCanCharge_IsRefusedNamingTheItems) {
  auto atLimit = totalOf({{"a", "A", "A", 2, {"VND", kMaxOrderTotalUnits / 2}}});
  ASSERT_TRUE(atLimit.isOk()) << atLimit.status().toString();
  EXPECT_EQ(atLimit->units, kMaxOrderTotalUnits);
  for (const auto& lines : {std::vector<OrderLine>{{"a", "A", "A", 2, {"VND", 600'000'000'000}}},
                            std::vector<OrderLine>{{"a", "A", "A", 1, {"VND", kMaxOrderTotalUnits}},
                                                   {"b", "B", "B", 1, {"VND", 1}}},
                            std::vector<OrderLine>{{"a", "A", "A", 1000, {"VND", INT64_MAX / 10}}}}) {
    auto total = totalOf(lines);
    ASSERT_FALSE(total.isOk());
    EXPECT_EQ(total.status().code(), StatusCode::kInvalidArgument);
    ASSERT_FALSE(total.status().violations().empty());
    EXPECT_TRUE(total.status().violations()[0].field.starts_with("items")) << total.status().toString();
  }
}

TEST(ReservedTotal, SumsTheLines_AndRefusesMixedCurrenciesOrOverflow) {
  const auto reservation = [](std::vector<std::tuple<int64_t, int64_t, std::string>> lines) {
    products::v1::Reservation result;
    for (const auto& [quantity, units, currency] : lines) {
      auto* line = result.add_lines();
      line->set_quantity(quantity);
      line->mutable_unit_price()->set_units(units);
      line->mutable_unit_price()->set_currency_code(currency);
    }
    return result;
  };
  EXPECT_EQ(reservedTotalOf(reservation({{2, 150, "USD"}, {1, 1000, "USD"}})), (Money{"USD", 1300}));
  // The same units in another currency on an earlier line: the last line's currency alone would pass.
  EXPECT_FALSE(reservedTotalOf(reservation({{1, 200, "EUR"}, {1, 100, "USD"}})).has_value());
  EXPECT_FALSE(reservedTotalOf(reservation({{1000, INT64_MAX / 10, "USD"}})).has_value());
  EXPECT_FALSE(reservedTotalOf(reservation({{1, INT64_MAX, "USD"}, {1, 1, "USD"}})).has_value());
}

TEST(EventCodec, EveryEventRoundTrips) {
  const std::vector<OrderEvent> events = {
      OrderCreated{"o1", "u1", {{"p1", "SKU-1", "Tea \"green\"\tbox", 3, {"USD", 499}}}, {"USD", 1497}, "s1", "k1"},
      OrderConfirmed{"o1", "pay1"}, OrderCancelled{"o1", "payment_declined", "PENDING"},
      OrderShipped{"o1", "TRACK\n1"}, OrderDelivered{"o1"}};
  for (const auto& event : events) {
    auto decoded = decodeEvent(eventTypeName(event), encodeEvent(event));
    ASSERT_TRUE(decoded.isOk()) << decoded.status().toString();
    EXPECT_EQ(encodeEvent(*decoded), encodeEvent(event));
  }
  EXPECT_EQ(decodeEvent("OrderTeleported", "{}").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(decodeEvent("OrderCreated", "not json").status().code(), StatusCode::kDataLoss);
}

TEST(EventCodec, FoldingTheEventsGivesTheState) {
  Order order;
  apply(order, OrderCreated{"o1", "u1", {{"p1", "S", "N", 2, {"USD", 5}}}, {"USD", 10}, "s1", ""}, 100);
  apply(order, OrderConfirmed{"o1", "pay"}, 200);
  apply(order, OrderShipped{"o1", "T1"}, 300);
  EXPECT_EQ(order.status, "SHIPPED");
  EXPECT_EQ(order.version, 3);
  EXPECT_EQ(order.trackingNumber, "T1");
  EXPECT_EQ(order.createdAtMicros, 100);
  EXPECT_EQ(order.updatedAtMicros, 300);
  auto decoded = decodeOrder(encodeOrder(order));
  ASSERT_TRUE(decoded.isOk());
  EXPECT_EQ(*decoded, order);
}

class OrderBookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tea_ = newUuid();
    catalog_.products[tea_] = {"TEA-1", "Green tea", {"USD", 450}};
  }
  Result<Order> place(int64_t quantity = 2, const std::string& key = "") {
    return book_.create({user_, {{tea_, quantity}}, key}, {"u", "trace", ""});
  }
  testing::FakeOrderStore store_;
  testing::FakeCatalog catalog_;
  OrderBook book_{store_, catalog_};
  std::string user_ = newUuid();
  std::string tea_;
};

TEST_F(OrderBookTest, CreateStoresAPendingPricedOrderWithASaga) {
  auto order = place(2);
  ASSERT_TRUE(order.isOk()) << order.status().toString();
  EXPECT_EQ(order->status, "PENDING");
  EXPECT_EQ(order->total.units, 900);
  EXPECT_EQ(order->items[0].sku, "TEA-1");
  EXPECT_TRUE(isUuid(order->sagaId));
  EXPECT_EQ(order->version, 1);
}

// The admin audit of orders: every change with the order before and after it, newest first, each
// order's stream read once per page (it was read twice per row).
TEST_F(OrderBookTest, TheAuditShowsEachChangeBeforeAndAfter_ReadingEachOrderOnce) {
  auto first = place(1);
  auto second = place(2);
  ASSERT_TRUE(first.isOk() && second.isOk());
  ASSERT_TRUE(book_.cancel(first->id, "changed my mind", 0, {first->userId, "t", ""}).isOk());
  const int readsBefore = store_.historyReads;
  auto audit = book_.audit({.pageSize = 10});
  ASSERT_TRUE(audit.isOk()) << audit.status().toString();
  ASSERT_EQ(audit->changes.size(), 3u);
  EXPECT_EQ(audit->changes[0].event.type, "OrderCancelled");
  EXPECT_NE(audit->changes[0].beforeJson.find("PENDING"), std::string::npos) << audit->changes[0].beforeJson;
  EXPECT_NE(audit->changes[0].afterJson.find("CANCELLED"), std::string::npos) << audit->changes[0].afterJson;
  EXPECT_EQ(audit->changes[1].event.orderId, second->id);
  EXPECT_TRUE(audit->changes[2].beforeJson.empty()) << "a creation has no before";
  EXPECT_NE(audit->changes[2].afterJson.find("PENDING"), std::string::npos);
  EXPECT_EQ(store_.historyReads - readsBefore, 2) << "one read per order on the page";
}

// As users, products and payments refuse theirs: every malformed filter named in one INVALID_ARGUMENT.
// An actor longer than any id was looked up and answered an empty page.
TEST_F(OrderBookTest, TheAuditRefusesEachMalformedFilterNamingIt_AsTheOtherServicesDo) {
  ASSERT_TRUE(place(1).isOk());
  const auto fieldsOf = [](const Status& status) {
    std::vector<std::string> fields;
    for (const auto& violation : status.violations()) fields.push_back(violation.field);
    std::sort(fields.begin(), fields.end());
    return fields;
  };
  const auto longActor = book_.audit({.actor = std::string(129, 'a')});
  EXPECT_EQ(longActor.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(fieldsOf(longActor.status()), std::vector<std::string>{"actor"}) << longActor.status().toString();
  const auto all = book_.audit({.orderId = "order-42", .actor = std::string(129, 'a'), .pageSize = -1,
                                .pageToken = "not-a-token"});
  EXPECT_EQ(fieldsOf(all.status()), (std::vector<std::string>{"actor", "pageSize", "pageToken", "resourceId"}));
  // At the limit it is a filter like any other.
  auto atLimit = book_.audit({.actor = std::string(128, 'a')});
  ASSERT_TRUE(atLimit.isOk()) << atLimit.status().toString();
  EXPECT_TRUE(atLimit->changes.empty());
}

TEST_F(OrderBookTest, RepeatedIdempotencyKeyReturnsTheFirstOrder) {
  auto first = place(1, "key-1");
  auto second = place(1, "key-1");
  ASSERT_TRUE(first.isOk() && second.isOk());
  EXPECT_EQ(first->id, second->id);
  EXPECT_EQ(second->items[0].quantity, 1);
}

// The client lost the answer and retries while the product was withdrawn, or products is down: it
// must learn that its order exists, not "no longer sold" (it would place it again and pay twice).
TEST_F(OrderBookTest, ARepeatedKeyGetsTheFirstOrder_EvenWhenItCouldNotBePricedNow) {
  auto first = place(1, "key-3");
  ASSERT_TRUE(first.isOk()) << first.status().toString();
  catalog_.products[tea_].active = false;
  auto withdrawn = place(1, "key-3");
  ASSERT_TRUE(withdrawn.isOk()) << withdrawn.status().toString();
  EXPECT_EQ(withdrawn->id, first->id);
  catalog_.failure = unavailable("products is down");
  auto outage = place(1, "key-3");
  ASSERT_TRUE(outage.isOk()) << outage.status().toString();
  EXPECT_EQ(outage->id, first->id);
  EXPECT_FALSE(place(1, "key-4").isOk()) << "a new order still needs its prices";
}

TEST_F(OrderBookTest, OnlyTheSagaCancelsWithTheSagasReasonCodes) {
  auto order = place(1);
  ASSERT_TRUE(order.isOk());
  auto posing = book_.cancel(order->id, "payment_declined", 0, {"user-1", "trace", ""});
  ASSERT_FALSE(posing.isOk());
  EXPECT_EQ(posing.status().violations()[0].field, "reason");
  auto ownWords = book_.cancel(order->id, "found it cheaper elsewhere", 0, {"user-1", "trace", ""});
  ASSERT_TRUE(ownWords.isOk()) << ownWords.status().toString();
  EXPECT_EQ(ownWords->cancelReason, "found it cheaper elsewhere");
  auto bySaga = place(1);
  ASSERT_TRUE(bySaga.isOk());
  auto declined = book_.cancel(bySaga->id, "payment_declined", 0, {"system", "trace", "saga-1"});
  ASSERT_TRUE(declined.isOk()) << declined.status().toString();
}

TEST_F(OrderBookTest, AnInvertedTimeRangeIsRefused_NotAnsweredWithAnEmptyList) {
  ListRequest inverted;
  inverted.createdAfterMicros = 2'000'000;
  inverted.createdBeforeMicros = 1'000'000;
  auto page = book_.list(inverted);
  ASSERT_FALSE(page.isOk());
  EXPECT_EQ(page.status().violations()[0].field, "createdBefore");
  ListRequest ordered;
  ordered.createdAfterMicros = 1'000'000;
  ordered.createdBeforeMicros = 2'000'000;
  EXPECT_TRUE(book_.list(ordered).isOk());
}

TEST_F(OrderBookTest, AKeyReusedForOtherItemsIsRefused_NamingTheKey) {
  auto first = place(1, "key-2");
  ASSERT_TRUE(first.isOk());
  auto other = place(5, "key-2");
  ASSERT_FALSE(other.isOk());
  EXPECT_EQ(other.status().code(), StatusCode::kInvalidArgument);
  ASSERT_FALSE(other.status().violations().empty());
  EXPECT_EQ(other.status().violations()[0].field, "idempotencyKey");
  EXPECT_NE(other.status().violations()[0].reason.find(first->id), std::string::npos);
}

TEST_F(OrderBookTest, UnknownProductAndCatalogOutageAreReported) {
  auto unknown = book_.create({user_, {{newUuid(), 1}}, ""}, {});
  ASSERT_FALSE(unknown.isOk());
  EXPECT_EQ(unknown.status().violations()[0].field, "items[0].productId");
  catalog_.failure = unavailable("products down");
  EXPECT_EQ(place().status().code(), StatusCode::kUnavailable);
}

TEST_F(OrderBookTest, ACancelWithoutVersionThatLosesARace_IsDecidedAgainOnTheNewerState) {
  auto order = place();
  ASSERT_TRUE(order.isOk());
  store_.beforeNextAppend = [&] { ASSERT_TRUE(book_.confirm(order->id, "pay", {}).isOk()); };
  auto cancelled = book_.cancel(order->id, "changed my mind", /*expectedVersion=*/0, {});
  ASSERT_TRUE(cancelled.isOk()) << cancelled.status().toString();
  EXPECT_EQ(cancelled->status, "CANCELLED");
  EXPECT_EQ(cancelled->version, 3) << "created, confirmed (the race), cancelled";
  // With an expected version the caller asked for exactly that state: the conflict stands.
  auto other = place(1, "key-race");
  store_.beforeNextAppend = [&] { ASSERT_TRUE(book_.confirm(other->id, "pay", {}).isOk()); };
  EXPECT_EQ(book_.cancel(other->id, "x", /*expectedVersion=*/1, {}).status().code(), StatusCode::kAborted);
}

// UUIDs compare case-insensitively; the event store keys streams by their text.
TEST_F(OrderBookTest, IdsInUpperCaseNameTheSameOrderAndProduct) {
  const auto upper = [](std::string id) {
    for (char& c : id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return id;
  };
  auto byUpperProduct = book_.create({upper(user_), {{upper(tea_), 1}}, ""}, {});
  ASSERT_TRUE(byUpperProduct.isOk()) << byUpperProduct.status().toString();
  EXPECT_EQ(byUpperProduct->items[0].productId, tea_);
  EXPECT_EQ(byUpperProduct->userId, user_) << "owner checks compare it with the token's id";
  const std::string id = upper(byUpperProduct->id);
  EXPECT_TRUE(book_.get(id).isOk());
  EXPECT_TRUE(book_.history(id).isOk());
  auto cancelled = book_.cancel(id, "changed my mind", 0, {});
  ASSERT_TRUE(cancelled.isOk()) << cancelled.status().toString();
  EXPECT_EQ(cancelled->status, "CANCELLED");
  // One product named twice, in two spellings, is one product twice.
  auto twice = book_.create({user_, {{tea_, 1}, {upper(tea_), 1}}, ""}, {});
  EXPECT_EQ(twice.status().code(), StatusCode::kInvalidArgument) << twice.status().toString();
}

TEST_F(OrderBookTest, StaleExpectedVersionIsAborted) {
  auto order = place();
  ASSERT_TRUE(book_.confirm(order->id, "pay", {}).isOk());
  auto stale = book_.ship(order->id, "T1", /*expectedVersion=*/1, {});
  ASSERT_FALSE(stale.isOk());
  EXPECT_EQ(stale.status().code(), StatusCode::kAborted);
  EXPECT_TRUE(book_.ship(order->id, "T1", 2, {}).isOk());
}

TEST_F(OrderBookTest, TimeTravelIsAFoldOfTheFirstNEvents) {
  auto order = place();
  ASSERT_TRUE(book_.confirm(order->id, "pay", {}).isOk());
  ASSERT_TRUE(book_.ship(order->id, "T1", 0, {}).isOk());
  auto v1 = book_.atVersion(order->id, 1);
  auto v2 = book_.atVersion(order->id, 2);
  ASSERT_TRUE(v1.isOk() && v2.isOk());
  EXPECT_EQ(v1->order.status, "PENDING");
  EXPECT_EQ(v2->order.status, "CONFIRMED");
  EXPECT_EQ(v2->event.type, "OrderConfirmed");
  EXPECT_EQ(book_.atVersion(order->id, 4).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(book_.atVersion(order->id, 0).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(OrderBookTest, ListValidatesFiltersAndClampsThePageSize) {
  EXPECT_EQ(book_.list({.status = "LOST"}).status().violations()[0].field, "status");
  ASSERT_TRUE(book_.list({.pageSize = 1'000'000'000}).isOk());
  EXPECT_EQ(store_.lastQuery.pageSize, OrderBook::kMaxPageSize);
}

}  // namespace
}  // namespace fleetdeck::orders
