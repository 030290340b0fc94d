// In-memory PaymentStore and a scripted RandomSource for unit tests of the payments domain.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <numeric>
#include <optional>
#include <vector>

#include "fleetdeck/core/ids.h"
#include "ports/payment_store.h"
#include "ports/random_source.h"

namespace fleetdeck::payments::testing {

// Follows the same rules as the PostgreSQL store (decideCharge, checkTopUp, isRefundable) under one mutex.
class FakePaymentStore final : public PaymentStore {
 public:
  Result<Wallet> openWallet(const std::string& userId, const Money& openingCredit) override {
    std::lock_guard lock(mutex_);
    ++calls;
    if (auto found = wallets_.find(userId); found != wallets_.end()) return found->second;
    Wallet wallet{userId, openingCredit, 1, 0, 0};
    wallets_[userId] = wallet;
    append(userId, openingCredit.units, kKindOpeningCredit, userId);
    return wallet;
  }
  Result<Wallet> findWallet(const std::string& userId) override {
    std::lock_guard lock(mutex_);
    ++calls;
    auto found = wallets_.find(userId);
    if (found == wallets_.end()) return notFound("user " + userId + " has no wallet");
    return found->second;
  }
  Result<Wallet> topUp(const TopUp& topUp) override {
    std::lock_guard lock(mutex_);
    ++calls;
    if (topUp.idempotencyKey.empty()) return invalidField("idempotencyKey", "is required");
    auto found = wallets_.find(topUp.userId);
    if (found == wallets_.end()) return notFound("user " + topUp.userId + " has no wallet");
    for (const auto& entry : ledger_) {
      if (entry.userId == topUp.userId && entry.kind == kKindTopUp && entry.reference == topUp.idempotencyKey) {
        if (entry.amount.units != topUp.amount.units) return invalidField("idempotencyKey", "already used");
        return found->second;
      }
    }
    FLEETDECK_RETURN_IF_ERROR(checkTopUp(found->second, topUp.amount));
    audit_.push_back({.resource = "wallets", .resourceId = topUp.userId, .action = "top_up",
                      .actor = topUp.changedBy.actor, .traceId = topUp.changedBy.traceId});
    return moveMoney(topUp.userId, topUp.amount.units, kKindTopUp, topUp.idempotencyKey);
  }
  Result<Payment> charge(const ChargeCommand& command, bool injectedDecline) override {
    std::lock_guard lock(mutex_);
    ++calls;
    lastInjectedDecline = injectedDecline;
    if (auto seen = byKey(command.idempotencyKey)) return *seen;
    auto wallet = wallets_.find(command.userId);
    auto decision = decideCharge(wallet == wallets_.end() ? nullptr : &wallet->second, command.amount, injectedDecline);
    if (!decision) return decision.status();
    Payment payment;
    payment.id = newUuid();
    payment.userId = command.userId;
    payment.orderId = command.orderId;
    payment.amount = command.amount;
    payment.idempotencyKey = command.idempotencyKey;
    payment.status = std::string(decision->charge ? kStatusCharged : kStatusDeclined);
    payment.declineReason = decision->declineReason;
    payment.sequence = ++sequence_;
    if (decision->charge) moveMoney(command.userId, -command.amount.units, kKindCharge, payment.id);
    payments_.push_back(payment);
    return payment;
  }
  Result<Payment> refund(const std::string& chargeIdempotencyKey,
                         const std::optional<ChargeCommand>& voidIfMissing) override {
    std::lock_guard lock(mutex_);
    ++calls;
    for (auto& payment : payments_) {
      if (payment.idempotencyKey != chargeIdempotencyKey) continue;
      if (voidIfMissing && !isChargeOf(payment, voidIfMissing->userId, voidIfMissing->orderId, voidIfMissing->amount)) {
        return invalidField("chargeIdempotencyKey", "was already used for another charge (payment " + payment.id + ")");
      }
      if (!isRefundable(payment)) return payment;
      payment.status = std::string(kStatusRefunded);
      moveMoney(payment.userId, payment.amount.units, kKindRefund, payment.id);
      return payment;
    }
    if (!voidIfMissing) return notFound("no charge has idempotency key " + chargeIdempotencyKey);
    Payment voided;
    voided.id = newUuid();
    voided.userId = voidIfMissing->userId;
    voided.orderId = voidIfMissing->orderId;
    voided.amount = voidIfMissing->amount;
    voided.idempotencyKey = chargeIdempotencyKey;
    voided.status = std::string(kStatusDeclined);
    voided.declineReason = std::string(kDeclineVoided);
    voided.sequence = ++sequence_;
    payments_.push_back(voided);
    return voided;
  }
  Result<PaymentPage> listPayments(const PaymentQuery& query) override {
    std::lock_guard lock(mutex_);
    ++calls;
    lastPaymentQuery = query;
    PaymentPage page;
    for (auto it = payments_.rbegin(); it != payments_.rend(); ++it) {
      if (query.beforeSequence != 0 && it->sequence >= query.beforeSequence) continue;
      if (!query.orderId.empty() && it->orderId != query.orderId) continue;
      if (!query.userId.empty() && it->userId != query.userId) continue;
      if (static_cast<int>(page.payments.size()) == query.pageSize) {
        page.hasMore = true;
        break;
      }
      page.payments.push_back(*it);
    }
    return page;
  }
  Result<LedgerPage> listLedger(const LedgerQuery& query) override {
    std::lock_guard lock(mutex_);
    ++calls;
    lastLedgerQuery = query;
    if (!wallets_.contains(query.userId)) return notFound("user " + query.userId + " has no wallet");
    LedgerPage page;
    for (auto it = ledger_.rbegin(); it != ledger_.rend(); ++it) {
      if (it->userId != query.userId) continue;
      if (query.beforeSequence != 0 && it->sequence >= query.beforeSequence) continue;
      if (static_cast<int>(page.entries.size()) == query.pageSize) {
        page.hasMore = true;
        break;
      }
      page.entries.push_back(*it);
    }
    return page;
  }

  Status recordFaultChange(const FaultSettings& before, const FaultSettings& after,
                           const ChangeContext& context) override {
    std::lock_guard lock(mutex_);
    ++calls;
    audit_.push_back({.resource = "faults", .resourceId = "faults", .action = "set_faults", .actor = context.actor,
                      .traceId = context.traceId});
    return Status::ok();
  }
  // Newest first, filters only (no paging): the domain's tests need no more.
  Result<db::AuditPage> listAudit(const db::AuditQuery& query) override {
    std::lock_guard lock(mutex_);
    ++calls;
    db::AuditPage page;
    for (auto it = audit_.rbegin(); it != audit_.rend(); ++it) {
      if (!query.resourceId.empty() && it->resourceId != query.resourceId) continue;
      if (!query.actor.empty() && it->actor != query.actor) continue;
      page.records.push_back(*it);
    }
    return page;
  }

  // Sum of the wallet's ledger entries: must always equal its balance.
  int64_t ledgerSum(const std::string& userId) {
    std::lock_guard lock(mutex_);
    return std::accumulate(ledger_.begin(), ledger_.end(), int64_t{0}, [&](int64_t sum, const LedgerEntry& entry) {
      return entry.userId == userId ? sum + entry.amount.units : sum;
    });
  }
  size_t paymentCount() {
    std::lock_guard lock(mutex_);
    return payments_.size();
  }

  // Every call counts, so tests can see that a failure happened before touching the store.
  int calls = 0;
  std::optional<bool> lastInjectedDecline;
  PaymentQuery lastPaymentQuery;
  LedgerQuery lastLedgerQuery;

 private:
  Wallet moveMoney(const std::string& userId, int64_t units, std::string_view kind, const std::string& reference) {
    Wallet& wallet = wallets_[userId];
    wallet.balance.units += units;
    ++wallet.version;
    append(userId, units, kind, reference);
    return wallet;
  }
  void append(const std::string& userId, int64_t units, std::string_view kind, const std::string& reference) {
    LedgerEntry entry;
    entry.id = newUuid();
    entry.userId = userId;
    entry.amount = Money{wallets_[userId].balance.currency, units};
    entry.kind = std::string(kind);
    entry.reference = reference;
    entry.sequence = ++sequence_;
    ledger_.push_back(entry);
  }
  std::optional<Payment> byKey(const std::string& key) {
    for (const auto& payment : payments_) {
      if (payment.idempotencyKey == key) return payment;
    }
    return std::nullopt;
  }

  std::mutex mutex_;
  std::map<std::string, Wallet> wallets_;
  std::vector<LedgerEntry> ledger_;
  std::vector<Payment> payments_;
  std::vector<db::AuditRecord> audit_;
  int64_t sequence_ = 0;
};

// Answers the queued values in order, then `fallback`; counts the draws.
class ScriptedRandomSource final : public RandomSource {
 public:
  explicit ScriptedRandomSource(std::deque<double> values = {}, double fallback = 0.5)
      : values_(std::move(values)), fallback_(fallback) {}
  double nextUnit() override {
    std::lock_guard lock(mutex_);
    ++draws;
    if (values_.empty()) return fallback_;
    const double value = values_.front();
    values_.pop_front();
    return value;
  }
  void push(double value) {
    std::lock_guard lock(mutex_);
    values_.push_back(value);
  }
  int draws = 0;

 private:
  std::mutex mutex_;
  std::deque<double> values_;
  double fallback_;
};

}  // namespace fleetdeck::payments::testing
