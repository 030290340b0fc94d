// The payments service's use cases (wallets, top-ups, charges, refunds, listings, fault injection) over its ports.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "domain/fault_injector.h"
#include "domain/payment.h"
#include "ports/payment_store.h"

namespace fleetdeck::payments {

struct WalletSettings {
  int64_t demoCreditUnits = 100'000;  // 1000.00 in the currency below
  std::string currency = "USD";
};

struct TopUpRequest {
  std::string userId;
  Money amount;
  std::string idempotencyKey;  // required (the Idempotency-Key header): a retry must not credit twice
  ChangeContext changedBy;     // who asked: the audit trail records the credit with it
};

struct ChargeRequest {
  std::string idempotencyKey;
  std::string userId;
  std::string orderId;
  Money amount;
};

struct PaymentListRequest {
  std::string orderId;
  std::string userId;
  int pageSize = 0;  // 0: default; clamped to [1, kMaxPageSize]
  std::string pageToken;
};

struct PaymentList {
  std::vector<Payment> payments;
  std::string nextPageToken;
};

struct LedgerListRequest {
  std::string userId;
  int pageSize = 0;
  std::string pageToken;
};

struct LedgerList {
  std::vector<LedgerEntry> entries;
  std::string nextPageToken;
};

class Wallets {
 public:
  static constexpr int kDefaultPageSize = 50;
  static constexpr int kMaxPageSize = 200;

  // How added latency waits; tests pass one that records instead of sleeping. Without one it is a wait
  // that shutdown() ends.
  using Sleep = std::function<void(std::chrono::milliseconds)>;

  Wallets(PaymentStore& store, FaultInjector& faults, WalletSettings settings, Sleep sleep = {});

  // User and order ids (UUIDs) are accepted in either case and lower-cased before they reach the
  // store, the form PostgreSQL hands them back in; idempotency keys are opaque and kept as sent.

  // Opens the user's wallet with the demo credit; returns the existing wallet when there is one.
  Result<Wallet> open(const std::string& userId);
  Result<Wallet> get(const std::string& userId);
  Result<Wallet> topUp(const TopUpRequest& request);
  // A decline is a normal answer (a DECLINED payment), not an error. Subject to fault injection.
  // Added latency models a slow payments service: the charge is made after it whether or not the
  // caller still waits (past its deadline is the ambiguous outcome the saga's retry with the same
  // key must survive); only shutdown() ends the wait early, with UNAVAILABLE and nothing charged.
  Result<Payment> charge(const ChargeRequest& request);
  // Subject to fault injection (failure and latency, as for charge). `voidIfMissing`: the charge
  // being undone, to void its key when no charge has it yet (see PaymentStore::refund); its key is
  // the refund's.
  Result<Payment> refund(const std::string& chargeIdempotencyKey,
                         const std::optional<ChargeRequest>& voidIfMissing = std::nullopt);
  // The process is stopping: every added-latency wait ends now (its call answers UNAVAILABLE having
  // done nothing, for the caller to retry elsewhere), and later calls do not wait.
  void shutdown();
  Result<PaymentList> listPayments(const PaymentListRequest& request);
  Result<LedgerList> listLedger(const LedgerListRequest& request);

  FaultSettings faults() const { return faults_.current(); }
  // A change is recorded in the audit trail before it applies; when that fails, nothing changes and
  // the error is the answer (no unrecorded admin change).
  Result<FaultSettings> setFaults(const FaultSettings& settings, const ChangeContext& context = {});
  // The audit trail (top-ups and fault changes), newest first. INVALID_ARGUMENT naming pageSize
  // (negative), actor (over 128 characters), resourceId (neither a user id nor "faults") or pageToken.
  Result<db::AuditPage> audit(const db::AuditQuery& query);

  const WalletSettings& settings() const { return settings_; }

 private:
  // Added latency, then maybe an injected UNAVAILABLE: the part of fault injection every Charge/Refund gets.
  Status applyCallFaults(const char* call);
  // Until `duration` passes or the process stops.
  void wait(std::chrono::milliseconds duration);
  bool stopping();

  PaymentStore& store_;
  FaultInjector& faults_;
  WalletSettings settings_;
  Sleep sleep_;
  std::mutex stopMutex_;
  std::condition_variable stopWake_;
  bool stopping_ = false;
};

}  // namespace fleetdeck::payments
