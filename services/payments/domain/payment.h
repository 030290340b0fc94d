// Wallets, ledger entries and payments, and the rules money follows; pure C++, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fleetdeck/core/idempotency_key.h"
#include "fleetdeck/core/status.h"

namespace fleetdeck::payments {

// Ledger entry kinds.
inline constexpr std::string_view kKindOpeningCredit = "opening_credit";
inline constexpr std::string_view kKindTopUp = "top_up";
inline constexpr std::string_view kKindCharge = "charge";
inline constexpr std::string_view kKindRefund = "refund";

// Payment statuses.
inline constexpr std::string_view kStatusCharged = "CHARGED";
inline constexpr std::string_view kStatusDeclined = "DECLINED";
inline constexpr std::string_view kStatusRefunded = "REFUNDED";

// Why a charge was declined.
inline constexpr std::string_view kDeclineInsufficientFunds = "insufficient_funds";
inline constexpr std::string_view kDeclineInjected = "injected_decline";
// Refunded before it was made: the key was voided, and a charge arriving with it later moves nothing.
inline constexpr std::string_view kDeclineVoided = "voided";

// One charge or top-up may move at most this much (10 billion major units): far above any real
// order, far below where sums of many movements could overflow 64 bits.
inline constexpr int64_t kMaxAmountUnits = 1'000'000'000'000;
// A top-up may not raise a balance above this.
inline constexpr int64_t kMaxBalanceUnits = 1'000'000'000'000'000;

// Integer minor units (cents) and an ISO 4217 code; never floating point.
struct Money {
  std::string currency;
  int64_t units = 0;
  bool operator==(const Money&) const = default;
};

struct Wallet {
  std::string userId;
  Money balance;  // always the sum of the wallet's ledger entries
  int64_t version = 0;
  int64_t createdAtMicros = 0;
  int64_t updatedAtMicros = 0;
};

struct LedgerEntry {
  std::string id;
  std::string userId;
  Money amount;  // signed: credits positive, charges negative
  std::string kind;
  std::string reference;  // the payment id, or the top-up's key
  int64_t sequence = 0;   // order of recording; pages go by it
  int64_t timeMicros = 0;
};

// Who makes an admin change and under which trace: recorded in the audit trail with the change.
struct ChangeContext {
  std::string actor = "system";
  std::string traceId;
};

struct Payment {
  std::string id;
  std::string userId;
  std::string orderId;
  Money amount;
  std::string status;
  std::string declineReason;  // empty unless DECLINED
  std::string idempotencyKey;
  int64_t sequence = 0;
  int64_t createTimeMicros = 0;
  int64_t updateTimeMicros = 0;
};

// Each returns an empty string when valid, otherwise the reason, worded for the client.
std::string currencyProblem(std::string_view currency);
// A key that must be there: fleetdeck::idempotencyKeyProblem, and empty is "is required".
std::string requiredIdempotencyKeyProblem(std::string_view key);
// A positive amount of at most kMaxAmountUnits.
std::string amountUnitsProblem(int64_t units);

// What a charge does, decided inside the transaction that holds the wallet's lock.
struct ChargeDecision {
  bool charge = false;        // debit the wallet and store CHARGED
  std::string declineReason;  // otherwise: store DECLINED with this reason
};

// `wallet` is null when the user has none. INVALID_ARGUMENT (amount.currencyCode) when the amount
// is in another currency than the wallet: a caller's mistake, not a business decline, so nothing is stored.
Result<ChargeDecision> decideCharge(const Wallet* wallet, const Money& amount, bool injectedDecline);

// OK when `amount` may be credited to `wallet` by a top-up.
Status checkTopUp(const Wallet& wallet, const Money& amount);

// Whether `payment` is the charge of this user, order and amount: what a repeated or refunded key
// must describe. Ids compare as stored (lower-case).
bool isChargeOf(const Payment& payment, const std::string& userId, const std::string& orderId, const Money& amount);

// Only a charged payment gives money back; refunding anything else changes nothing.
bool isRefundable(const Payment& payment);

}  // namespace fleetdeck::payments
