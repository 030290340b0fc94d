#include "domain/payment.h"

#include <gtest/gtest.h>

namespace fleetdeck::payments {
namespace {

Wallet walletWith(int64_t units, std::string currency = "USD") {
  Wallet wallet;
  wallet.userId = "01a213e1-22c5-7335-a7e4-2b51dae6d000";
  wallet.balance = Money{std::move(currency), units};
  return wallet;
}

TEST(PaymentRules, CurrencyMustBeThreeUpperCaseLetters) {
  EXPECT_EQ(currencyProblem("USD"), "");
  EXPECT_EQ(currencyProblem(""), "is required");
  EXPECT_NE(currencyProblem("usd"), "");
  EXPECT_NE(currencyProblem("US"), "");
  EXPECT_NE(currencyProblem("USDT"), "");
  EXPECT_NE(currencyProblem("U$D"), "");
}

TEST(PaymentRules, IdempotencyKeyIsOneTo128VisibleAsciiCharacters) {
  EXPECT_EQ(requiredIdempotencyKeyProblem("saga-42"), "");
  EXPECT_EQ(requiredIdempotencyKeyProblem(std::string(128, 'k')), "");
  EXPECT_EQ(requiredIdempotencyKeyProblem(""), "is required");
  EXPECT_NE(requiredIdempotencyKeyProblem(std::string(129, 'k')), "");
  EXPECT_NE(requiredIdempotencyKeyProblem("two words"), "");
  EXPECT_NE(requiredIdempotencyKeyProblem("tab\there"), "");
  EXPECT_NE(requiredIdempotencyKeyProblem("caf\xc3\xa9"), "");
}

TEST(PaymentRules, AmountMustBePositiveAndBounded) {
  EXPECT_EQ(amountUnitsProblem(1), "");
  EXPECT_EQ(amountUnitsProblem(kMaxAmountUnits), "");
  EXPECT_EQ(amountUnitsProblem(0), "must be positive");
  EXPECT_EQ(amountUnitsProblem(-5), "must be positive");
  EXPECT_NE(amountUnitsProblem(kMaxAmountUnits + 1), "");
}

TEST(PaymentRules, ChargeWithoutWalletIsRetryableNotDeclined) {
  // The wallet may still be on its way (UserRegistered not consumed yet): a decline would be final.
  auto decision = decideCharge(nullptr, Money{"USD", 100}, false);
  ASSERT_FALSE(decision.isOk());
  EXPECT_EQ(decision.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(decision.status().message().find("no wallet"), std::string::npos) << decision.status().message();
}

TEST(PaymentRules, ChargeCoveredExactlyByTheBalanceGoesThrough) {
  const Wallet wallet = walletWith(500);
  auto decision = decideCharge(&wallet, Money{"USD", 500}, false);
  ASSERT_TRUE(decision.isOk());
  EXPECT_TRUE(decision->charge);
  EXPECT_EQ(decision->declineReason, "");
}

TEST(PaymentRules, ChargeAboveTheBalanceIsDeclinedAsInsufficientFunds) {
  const Wallet wallet = walletWith(499);
  auto decision = decideCharge(&wallet, Money{"USD", 500}, false);
  ASSERT_TRUE(decision.isOk());
  EXPECT_FALSE(decision->charge);
  EXPECT_EQ(decision->declineReason, "insufficient_funds");
}

TEST(PaymentRules, InjectedDeclineWinsOverACoveredCharge) {
  const Wallet wallet = walletWith(10'000);
  auto decision = decideCharge(&wallet, Money{"USD", 1}, true);
  ASSERT_TRUE(decision.isOk());
  EXPECT_FALSE(decision->charge);
  EXPECT_EQ(decision->declineReason, "injected_decline");
}

TEST(PaymentRules, ChargeInAnotherCurrencyIsAnErrorNamingTheField) {
  const Wallet wallet = walletWith(10'000, "EUR");
  auto decision = decideCharge(&wallet, Money{"USD", 1}, false);
  ASSERT_FALSE(decision.isOk());
  EXPECT_EQ(decision.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(decision.status().violations().at(0).field, "amount.currencyCode");
}

TEST(PaymentRules, TopUpMustMatchTheCurrencyAndStayBelowTheMaximumBalance) {
  EXPECT_TRUE(checkTopUp(walletWith(0), Money{"USD", 100}).isOk());
  const Status otherCurrency = checkTopUp(walletWith(0), Money{"EUR", 100});
  EXPECT_EQ(otherCurrency.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(otherCurrency.violations().at(0).field, "amount.currencyCode");
  EXPECT_TRUE(checkTopUp(walletWith(kMaxBalanceUnits - 100), Money{"USD", 100}).isOk());
  EXPECT_EQ(checkTopUp(walletWith(kMaxBalanceUnits - 100), Money{"USD", 101}).code(),
            StatusCode::kFailedPrecondition);
}

TEST(PaymentRules, OnlyChargedPaymentsAreRefundable) {
  Payment payment;
  payment.status = "CHARGED";
  EXPECT_TRUE(isRefundable(payment));
  payment.status = "DECLINED";
  EXPECT_FALSE(isRefundable(payment));
  payment.status = "REFUNDED";
  EXPECT_FALSE(isRefundable(payment));
}

}  // namespace
}  // namespace fleetdeck::payments
