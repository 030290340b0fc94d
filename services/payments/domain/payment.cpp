#include "domain/payment.h"

namespace fleetdeck::payments {

std::string currencyProblem(std::string_view currency) {
  if (currency.empty()) return "is required";
  if (currency.size() != 3) return "must be a 3-letter ISO 4217 code such as USD";
  for (char c : currency) {
    if (c < 'A' || c > 'Z') return "must be a 3-letter ISO 4217 code in upper case, such as USD";
  }
  return {};
}

std::string requiredIdempotencyKeyProblem(std::string_view key) {
  if (key.empty()) return "is required";
  return fleetdeck::idempotencyKeyProblem(key);
}

std::string amountUnitsProblem(int64_t units) {
  if (units <= 0) return "must be positive";
  if (units > kMaxAmountUnits) return "must be at most " + std::to_string(kMaxAmountUnits);
  return {};
}

Result<ChargeDecision> decideCharge(const Wallet* wallet, const Money& amount, bool injectedDecline) {
  // Wallets open from the user's UserRegistered event, which can reach payments after the user's
  // first order does: a missing wallet is not yet a reason to decline. The caller retries (the saga
  // until its step deadline); nothing is stored, so the retry finds the wallet once it opens.
  if (wallet == nullptr) {
    return unavailable("no wallet for this user yet: payments opens it when the user's registration event "
                       "arrives; retry later");
  }
  if (amount.currency != wallet->balance.currency) {
    return invalidField("amount.currencyCode", "must be the wallet's currency " + wallet->balance.currency);
  }
  if (injectedDecline) return ChargeDecision{false, std::string(kDeclineInjected)};
  if (wallet->balance.units < amount.units) return ChargeDecision{false, std::string(kDeclineInsufficientFunds)};
  return ChargeDecision{true, {}};
}

Status checkTopUp(const Wallet& wallet, const Money& amount) {
  if (amount.currency != wallet.balance.currency) {
    return invalidField("amount.currencyCode", "must be the wallet's currency " + wallet.balance.currency);
  }
  if (wallet.balance.units > kMaxBalanceUnits - amount.units) {
    return failedPrecondition("the top-up would raise the balance above the maximum of " +
                              std::to_string(kMaxBalanceUnits) + " units");
  }
  return Status::ok();
}

bool isChargeOf(const Payment& payment, const std::string& userId, const std::string& orderId, const Money& amount) {
  return payment.userId == userId && payment.orderId == orderId && payment.amount == amount;
}

bool isRefundable(const Payment& payment) { return payment.status == kStatusCharged; }

}  // namespace fleetdeck::payments
