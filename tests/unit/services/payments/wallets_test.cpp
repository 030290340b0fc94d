#include "domain/wallets.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <future>

#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/ids.h"
#include "payments/fake_payment_store.h"

namespace fleetdeck::payments {
namespace {

class WalletsTest : public ::testing::Test {
 protected:
  testing::FakePaymentStore store_;
  testing::ScriptedRandomSource random_{{}, 0.5};
  FaultInjector faults_{{}, true, random_};
  std::vector<std::chrono::milliseconds> slept_;
  std::vector<int> storeCallsWhenSleeping_;
  Wallets wallets_{store_, faults_, WalletSettings{100'000, "USD"}, [this](std::chrono::milliseconds duration) {
                     slept_.push_back(duration);
                     storeCallsWhenSleeping_.push_back(store_.calls);
                   }};

  std::string openWallet() {
    const std::string userId = newUuid();
    auto wallet = wallets_.open(userId);
    EXPECT_TRUE(wallet.isOk()) << wallet.status().toString();
    return userId;
  }

  ChargeRequest chargeOf(const std::string& userId, int64_t units, const std::string& key = newUuid()) {
    return ChargeRequest{key, userId, newUuid(), Money{"USD", units}};
  }

  int64_t balanceOf(const std::string& userId) { return wallets_.get(userId)->balance.units; }
};

TEST_F(WalletsTest, OpenCreditsTheDemoAmountAndRecordsAnOpeningEntry) {
  const std::string userId = newUuid();
  auto wallet = wallets_.open(userId);
  ASSERT_TRUE(wallet.isOk());
  EXPECT_EQ(wallet->balance, (Money{"USD", 100'000}));
  auto ledger = wallets_.listLedger({userId});
  ASSERT_TRUE(ledger.isOk());
  ASSERT_EQ(ledger->entries.size(), 1u);
  EXPECT_EQ(ledger->entries[0].kind, "opening_credit");
  EXPECT_EQ(ledger->entries[0].amount.units, 100'000);
}

TEST_F(WalletsTest, OpenIsIdempotent) {
  const std::string userId = openWallet();
  ASSERT_TRUE(wallets_.topUp({userId, Money{"USD", 50}, newUuid()}).isOk());
  auto again = wallets_.open(userId);
  ASSERT_TRUE(again.isOk());
  EXPECT_EQ(again->balance.units, 100'050) << "opening again must neither reset nor credit twice";
  EXPECT_EQ(wallets_.listLedger({userId})->entries.size(), 2u);
}

TEST_F(WalletsTest, UserIdsMustBeUuidsNamedUserId) {
  for (const auto& result : {wallets_.get("42"), wallets_.open("not-a-uuid"), wallets_.get("")}) {
    ASSERT_FALSE(result.isOk());
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(result.status().violations().at(0).field, "userId");
  }
  EXPECT_EQ(store_.calls, 0) << "invalid input must not reach the store";
}

TEST_F(WalletsTest, UnknownWalletIsNotFound) {
  EXPECT_EQ(wallets_.get(newUuid()).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(wallets_.listLedger({newUuid()}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(wallets_.topUp({newUuid(), Money{"USD", 1}, newUuid()}).status().code(), StatusCode::kNotFound);
}

TEST_F(WalletsTest, TopUpCreditsTheWalletAndTheLedger) {
  const std::string userId = openWallet();
  auto wallet = wallets_.topUp({userId, Money{"USD", 2'500}, newUuid()});
  ASSERT_TRUE(wallet.isOk());
  EXPECT_EQ(wallet->balance.units, 102'500);
  EXPECT_EQ(store_.ledgerSum(userId), 102'500);
  EXPECT_EQ(wallets_.listLedger({userId})->entries.front().kind, "top_up");
}

TEST_F(WalletsTest, TopUpValidatesAmountNamingTheFields) {
  const std::string userId = openWallet();
  auto zero = wallets_.topUp({userId, Money{"USD", 0}, newUuid()});
  ASSERT_FALSE(zero.isOk());
  EXPECT_EQ(zero.status().violations().at(0).field, "amount.units");
  auto negative = wallets_.topUp({userId, Money{"USD", -100}, newUuid()});
  EXPECT_EQ(negative.status().violations().at(0).field, "amount.units");
  auto noCurrency = wallets_.topUp({userId, Money{"", 100}, newUuid()});
  EXPECT_EQ(noCurrency.status().violations().at(0).field, "amount.currencyCode");
  auto otherCurrency = wallets_.topUp({userId, Money{"EUR", 100}, newUuid()});
  ASSERT_FALSE(otherCurrency.isOk());
  EXPECT_EQ(otherCurrency.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(otherCurrency.status().violations().at(0).field, "amount.currencyCode");
  auto badKey = wallets_.topUp({userId, Money{"USD", 100}, "has space"});
  EXPECT_EQ(badKey.status().violations().at(0).field, "idempotencyKey");
  EXPECT_EQ(balanceOf(userId), 100'000);
}

// A client that lost a top-up's answer retries it; without a key the retry would credit again.
TEST_F(WalletsTest, TopUpWithoutAKeyIsRefusedNamingIdempotencyKeyAndCreditsNothing) {
  const std::string userId = openWallet();
  const int callsBefore = store_.calls;
  auto refused = wallets_.topUp({userId, Money{"USD", 700}, ""});
  ASSERT_FALSE(refused.isOk());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().violations().at(0).field, "idempotencyKey");
  EXPECT_EQ(store_.calls, callsBefore) << "invalid input must not reach the store";
  EXPECT_EQ(balanceOf(userId), 100'000);
}

TEST_F(WalletsTest, TopUpWithARepeatedKeyCreditsOnce) {
  const std::string userId = openWallet();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(wallets_.topUp({userId, Money{"USD", 700}, "topup-1"}).isOk());
  EXPECT_EQ(balanceOf(userId), 100'700);
  EXPECT_EQ(store_.ledgerSum(userId), 100'700);
  auto otherAmount = wallets_.topUp({userId, Money{"USD", 800}, "topup-1"});
  ASSERT_FALSE(otherAmount.isOk());
  EXPECT_EQ(otherAmount.status().violations().at(0).field, "idempotencyKey");
}

TEST_F(WalletsTest, ChargeDebitsTheWalletAndIsStoredCharged) {
  const std::string userId = openWallet();
  auto payment = wallets_.charge(chargeOf(userId, 30'000));
  ASSERT_TRUE(payment.isOk()) << payment.status().toString();
  EXPECT_EQ(payment->status, "CHARGED");
  EXPECT_EQ(payment->declineReason, "");
  EXPECT_EQ(balanceOf(userId), 70'000);
  auto ledger = wallets_.listLedger({userId});
  EXPECT_EQ(ledger->entries.front().kind, "charge");
  EXPECT_EQ(ledger->entries.front().amount.units, -30'000);
  EXPECT_EQ(ledger->entries.front().reference, payment->id);
  EXPECT_EQ(store_.ledgerSum(userId), 70'000);
}

TEST_F(WalletsTest, ChargeRepeatedWithTheSameKeyMovesMoneyOnce) {
  const std::string userId = openWallet();
  const ChargeRequest request = chargeOf(userId, 10'000, "saga-1");
  auto first = wallets_.charge(request);
  auto second = wallets_.charge(request);
  ASSERT_TRUE(first.isOk() && second.isOk());
  EXPECT_EQ(first->id, second->id);
  EXPECT_EQ(balanceOf(userId), 90'000);
  EXPECT_EQ(store_.paymentCount(), 1u);
}

TEST_F(WalletsTest, ARepeatedKeyWithAnotherRequest_IsRefusedNamingTheKey_AndMovesNothing) {
  const std::string userId = openWallet();
  const ChargeRequest first = chargeOf(userId, 300, "saga-k");
  auto charged = wallets_.charge(first);
  ASSERT_TRUE(charged.isOk()) << charged.status().toString();
  ChargeRequest otherAmount = first;
  otherAmount.amount.units = 500;
  ChargeRequest otherOrder = first;
  otherOrder.orderId = newUuid();
  for (const ChargeRequest& other : {otherAmount, otherOrder, chargeOf(openWallet(), 300, "saga-k")}) {
    auto refused = wallets_.charge(other);
    ASSERT_FALSE(refused.isOk());
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(refused.status().violations()[0].field, "idempotencyKey");
  }
  EXPECT_EQ(balanceOf(userId), 100'000 - 300);
  auto repeated = wallets_.charge(first);  // the same request: the same answer
  ASSERT_TRUE(repeated.isOk());
  EXPECT_EQ(repeated->id, charged->id);
}

// UUIDs are valid in either case; the store keeps them lower-case (as PostgreSQL prints them).
TEST_F(WalletsTest, IdsInUpperCaseAreTheSameIdsLowerCased) {
  const std::string userId = openWallet();
  const std::string orderId = newUuid();
  const auto upper = [](std::string id) {
    std::transform(id.begin(), id.end(), id.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return id;
  };
  const ChargeRequest request{"saga-u", upper(userId), upper(orderId), Money{"USD", 400}};
  auto charged = wallets_.charge(request);
  ASSERT_TRUE(charged.isOk()) << charged.status().toString();
  EXPECT_EQ(charged->status, "CHARGED");
  EXPECT_EQ(charged->userId, userId);
  EXPECT_EQ(charged->orderId, orderId);
  auto repeated = wallets_.charge(request);
  ASSERT_TRUE(repeated.isOk()) << repeated.status().toString();
  EXPECT_EQ(repeated->id, charged->id);
  ASSERT_TRUE(wallets_.topUp({upper(userId), Money{"USD", 400}, "topup-u"}).isOk());
  EXPECT_EQ(wallets_.get(upper(userId))->balance.units, 100'000);
  EXPECT_EQ(wallets_.listPayments({.orderId = upper(orderId)})->payments.size(), 1u);
  EXPECT_EQ(store_.ledgerSum(userId), 100'000);
}

TEST_F(WalletsTest, ChargeBeyondTheBalanceIsDeclinedAndMovesNothing) {
  const std::string userId = openWallet();
  auto payment = wallets_.charge(chargeOf(userId, 100'001));
  ASSERT_TRUE(payment.isOk());
  EXPECT_EQ(payment->status, "DECLINED");
  EXPECT_EQ(payment->declineReason, "insufficient_funds");
  EXPECT_EQ(balanceOf(userId), 100'000);
}

TEST_F(WalletsTest, ChargeWithoutWalletIsUnavailableAndGoesThroughOnceTheWalletOpens) {
  const std::string userId = newUuid();
  const ChargeRequest request = chargeOf(userId, 1);
  auto early = wallets_.charge(request);
  ASSERT_FALSE(early.isOk());
  EXPECT_EQ(early.status().code(), StatusCode::kUnavailable);
  // Nothing was recorded under the key: the retry after the wallet opened charges.
  ASSERT_TRUE(wallets_.open(userId).isOk());
  auto retried = wallets_.charge(request);
  ASSERT_TRUE(retried.isOk()) << retried.status().toString();
  EXPECT_EQ(retried->status, "CHARGED");
}

TEST_F(WalletsTest, ChargeValidatesEveryFieldAtOnce) {
  auto result = wallets_.charge(ChargeRequest{"", "x", "y", Money{"usd", 0}});
  ASSERT_FALSE(result.isOk());
  std::vector<std::string> fields;
  const Status status = result.status();
  for (const auto& violation : status.violations()) fields.push_back(violation.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"idempotencyKey", "userId", "orderId", "amount.units",
                                              "amount.currencyCode"}));
  EXPECT_EQ(store_.calls, 0);
}

TEST_F(WalletsTest, RefundCreditsBackOnceAndLeavesOthersUnchanged) {
  const std::string userId = openWallet();
  ASSERT_TRUE(wallets_.charge(chargeOf(userId, 40'000, "saga-r")).isOk());
  auto refunded = wallets_.refund("saga-r");
  ASSERT_TRUE(refunded.isOk());
  EXPECT_EQ(refunded->status, "REFUNDED");
  EXPECT_EQ(balanceOf(userId), 100'000);
  auto again = wallets_.refund("saga-r");
  ASSERT_TRUE(again.isOk());
  EXPECT_EQ(again->status, "REFUNDED");
  EXPECT_EQ(balanceOf(userId), 100'000) << "a second refund must not credit again";
  EXPECT_EQ(store_.ledgerSum(userId), 100'000);

  ASSERT_TRUE(wallets_.charge(chargeOf(userId, 999'999, "saga-d")).isOk());
  auto declined = wallets_.refund("saga-d");
  ASSERT_TRUE(declined.isOk());
  EXPECT_EQ(declined->status, "DECLINED");
  EXPECT_EQ(balanceOf(userId), 100'000);
}

TEST_F(WalletsTest, RefundOfAnUnknownChargeIsNotFoundAndAnEmptyKeyIsInvalid) {
  EXPECT_EQ(wallets_.refund("never-charged").status().code(), StatusCode::kNotFound);
  auto empty = wallets_.refund("");
  EXPECT_EQ(empty.status().violations().at(0).field, "chargeIdempotencyKey");
}

TEST_F(WalletsTest, ARefundDescribingAnotherChargeThanTheKeys_IsRefusedNamingTheKey_AndMovesNothing) {
  const std::string userId = openWallet();
  const ChargeRequest charged = chargeOf(userId, 2'000, "saga-m");
  ASSERT_TRUE(wallets_.charge(charged).isOk());
  ChargeRequest otherOrder = charged;
  otherOrder.orderId = newUuid();
  ChargeRequest otherAmount = charged;
  otherAmount.amount.units = 1'000;
  for (const ChargeRequest& other : {otherOrder, otherAmount, chargeOf(openWallet(), 2'000, "saga-m")}) {
    auto refused = wallets_.refund("saga-m", other);
    ASSERT_FALSE(refused.isOk());
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(refused.status().violations().at(0).field, "chargeIdempotencyKey");
  }
  EXPECT_EQ(balanceOf(userId), 98'000);
  auto refunded = wallets_.refund("saga-m", charged);
  ASSERT_TRUE(refunded.isOk()) << refunded.status().toString();
  EXPECT_EQ(refunded->status, "REFUNDED");
  EXPECT_EQ(balanceOf(userId), 100'000);
}

// A void moves no money: an amount above what one payment may charge (an order placed before orders
// refused such totals) still voids the key, or the order saga's compensation would be refused for good.
TEST_F(WalletsTest, VoidOfAnAmountAboveTheChargeCeiling_VoidsTheKey_ButANonPositiveOneIsRefused) {
  const std::string userId = openWallet();
  auto voided = wallets_.refund("saga-big", chargeOf(userId, kMaxAmountUnits * 5, "saga-big"));
  ASSERT_TRUE(voided.isOk()) << voided.status().toString();
  EXPECT_EQ(voided->status, kStatusDeclined);
  EXPECT_EQ(voided->declineReason, kDeclineVoided);
  EXPECT_EQ(balanceOf(userId), 100'000);

  auto refused = wallets_.refund("saga-zero", chargeOf(userId, 0, "saga-zero"));
  ASSERT_FALSE(refused.isOk());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().toString().find("voidIfMissing.amount.units"), std::string::npos) << refused.status().toString();
}

TEST_F(WalletsTest, InjectedFailureIsUnavailableBeforeTouchingTheStore) {
  const std::string userId = openWallet();
  ASSERT_TRUE(wallets_.charge(chargeOf(userId, 100, "saga-f")).isOk());
  ASSERT_TRUE(wallets_.setFaults({.failureRate = 0.5}).isOk());
  const int callsBefore = store_.calls;
  random_.push(0.49);
  auto failedCharge = wallets_.charge(chargeOf(userId, 100));
  ASSERT_FALSE(failedCharge.isOk());
  EXPECT_EQ(failedCharge.status().code(), StatusCode::kUnavailable);
  random_.push(0.1);
  auto failedRefund = wallets_.refund("saga-f");
  EXPECT_EQ(failedRefund.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store_.calls, callsBefore);
  random_.push(0.5);
  EXPECT_TRUE(wallets_.refund("saga-f").isOk()) << "a draw at the rate must not fail";
}

TEST_F(WalletsTest, InjectedDeclineIsStoredSoARepeatAnswersTheSame) {
  const std::string userId = openWallet();
  ASSERT_TRUE(wallets_.setFaults({.declineRate = 0.3}).isOk());
  random_.push(0.2);
  const ChargeRequest request = chargeOf(userId, 100, "saga-i");
  auto declined = wallets_.charge(request);
  ASSERT_TRUE(declined.isOk());
  EXPECT_EQ(declined->status, "DECLINED");
  EXPECT_EQ(declined->declineReason, "injected_decline");
  random_.push(0.9);
  auto repeated = wallets_.charge(request);
  ASSERT_TRUE(repeated.isOk());
  EXPECT_EQ(repeated->id, declined->id);
  EXPECT_EQ(repeated->declineReason, "injected_decline");
  EXPECT_EQ(balanceOf(userId), 100'000);
}

TEST_F(WalletsTest, AddedLatencySleepsBeforeTheWork) {
  const std::string userId = openWallet();
  ASSERT_TRUE(wallets_.setFaults({.addedLatencyMs = 250}).isOk());
  const int callsBefore = store_.calls;
  ASSERT_TRUE(wallets_.charge(chargeOf(userId, 100, "saga-l")).isOk());
  ASSERT_TRUE(wallets_.refund("saga-l").isOk());
  ASSERT_EQ(slept_.size(), 2u);
  EXPECT_EQ(slept_[0].count(), 250);
  EXPECT_EQ(storeCallsWhenSleeping_[0], callsBefore) << "the sleep must come before the store is touched";
  ASSERT_TRUE(wallets_.get(userId).isOk());
  EXPECT_EQ(slept_.size(), 2u) << "only Charge and Refund are slowed down";
}

// The real wait ends at shutdown: a call sleeping out a minute of injected latency held up the
// service's stop (SIGTERM) for up to that minute.
TEST_F(WalletsTest, AddedLatencyEndsAtShutdown_WithUnavailableAndNothingCharged) {
  Wallets wallets(store_, faults_, WalletSettings{100'000, "USD"});
  const std::string userId = newUuid();
  ASSERT_TRUE(wallets.open(userId).isOk());
  ASSERT_TRUE(wallets.setFaults({.addedLatencyMs = 60'000}).isOk());
  const int callsBefore = store_.calls;
  auto charging = std::async(std::launch::async, [&] { return wallets.charge(chargeOf(userId, 100)); });
  EXPECT_EQ(charging.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout) << "it did not wait";
  const auto stopAsked = std::chrono::steady_clock::now();
  wallets.shutdown();
  ASSERT_EQ(charging.wait_for(std::chrono::seconds(5)), std::future_status::ready)
      << "the wait outlived the shutdown";
  EXPECT_LT(std::chrono::steady_clock::now() - stopAsked, std::chrono::seconds(1));
  const auto charged = charging.get();
  EXPECT_EQ(charged.status().code(), StatusCode::kUnavailable) << charged.status().toString();
  EXPECT_EQ(store_.calls, callsBefore);
  const auto later = wallets.refund("any-key");
  EXPECT_EQ(later.status().code(), StatusCode::kUnavailable) << "after shutdown no call waits";
  EXPECT_EQ(store_.calls, callsBefore);
}

TEST_F(WalletsTest, FaultsAreOffByDefault) {
  const std::string userId = openWallet();
  for (int i = 0; i < 20; ++i) ASSERT_EQ(wallets_.charge(chargeOf(userId, 1))->status, "CHARGED");
  EXPECT_EQ(random_.draws, 0);
  EXPECT_TRUE(slept_.empty());
  EXPECT_EQ(store_.lastInjectedDecline, false);
}

TEST_F(WalletsTest, SetFaultsIsRefusedWhenConfigDoesNotAllowIt) {
  FaultInjector locked({}, false, random_);
  Wallets wallets(store_, locked, WalletSettings{});
  auto refused = wallets.setFaults({.failureRate = 1.0});
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(wallets.faults(), FaultSettings{});
}

TEST_F(WalletsTest, PaymentsListNewestFirstWithOpaqueTokensAndFilters) {
  const std::string userId = openWallet();
  const std::string otherId = openWallet();
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(wallets_.charge(chargeOf(userId, 10))->id);
  ASSERT_TRUE(wallets_.charge(chargeOf(otherId, 10)).isOk());

  auto first = wallets_.listPayments({.userId = userId, .pageSize = 3});
  ASSERT_TRUE(first.isOk());
  ASSERT_EQ(first->payments.size(), 3u);
  EXPECT_EQ(first->payments[0].id, ids[4]);
  ASSERT_FALSE(first->nextPageToken.empty());
  EXPECT_NE(first->nextPageToken, std::to_string(first->payments.back().sequence)) << "token must be opaque";
  auto second = wallets_.listPayments({.userId = userId, .pageSize = 3, .pageToken = first->nextPageToken});
  ASSERT_TRUE(second.isOk());
  ASSERT_EQ(second->payments.size(), 2u);
  EXPECT_EQ(second->payments[1].id, ids[0]);
  EXPECT_EQ(second->nextPageToken, "");

  auto byOrder = wallets_.listPayments({.orderId = first->payments[0].orderId});
  ASSERT_TRUE(byOrder.isOk());
  ASSERT_EQ(byOrder->payments.size(), 1u);
  EXPECT_EQ(byOrder->payments[0].id, ids[4]);
}

TEST_F(WalletsTest, ListsClampPageSizeAndRejectBadInputNamingTheField) {
  ASSERT_TRUE(wallets_.listPayments({.pageSize = 1'000'000}).isOk());
  EXPECT_EQ(store_.lastPaymentQuery.pageSize, Wallets::kMaxPageSize);
  ASSERT_TRUE(wallets_.listPayments({}).isOk());
  EXPECT_EQ(store_.lastPaymentQuery.pageSize, Wallets::kDefaultPageSize);

  EXPECT_EQ(wallets_.listPayments({.orderId = "order-1"}).status().violations().at(0).field, "orderId");
  EXPECT_EQ(wallets_.listPayments({.userId = "me"}).status().violations().at(0).field, "userId");
  EXPECT_EQ(wallets_.listPayments({.pageSize = -1}).status().violations().at(0).field, "pageSize");
  EXPECT_EQ(wallets_.listPayments({.pageToken = base64UrlEncode("p1:abc")}).status().violations().at(0).field,
            "pageToken");
  // A ledger token is not a payments token.
  const std::string userId = openWallet();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(wallets_.topUp({userId, Money{"USD", 1}, newUuid()}).isOk());
  auto ledger = wallets_.listLedger({userId, 2});
  ASSERT_FALSE(ledger->nextPageToken.empty());
  EXPECT_EQ(wallets_.listPayments({.pageToken = ledger->nextPageToken}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(WalletsTest, LedgerPagesNewestFirstAcrossAllMovements) {
  const std::string userId = openWallet();
  ASSERT_TRUE(wallets_.topUp({userId, Money{"USD", 5}, newUuid()}).isOk());
  ASSERT_TRUE(wallets_.charge(chargeOf(userId, 7, "saga-x")).isOk());
  ASSERT_TRUE(wallets_.refund("saga-x").isOk());
  std::vector<std::string> kinds;
  LedgerListRequest request{userId, 3, ""};
  for (int page = 0; page < 3; ++page) {
    auto result = wallets_.listLedger(request);
    ASSERT_TRUE(result.isOk());
    for (const auto& entry : result->entries) kinds.push_back(entry.kind);
    if (result->nextPageToken.empty()) break;
    request.pageToken = result->nextPageToken;
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"refund", "charge", "top_up", "opening_credit"}));
}

}  // namespace
}  // namespace fleetdeck::payments
