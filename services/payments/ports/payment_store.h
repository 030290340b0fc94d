// Where wallets, their ledger and payments are stored; the PostgreSQL adapter implements it, unit tests fake it.
//
// Every method that moves money does so in one transaction that changes the wallet's balance and
// appends the matching ledger entry together, so a wallet's balance always equals the sum of its ledger.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/fault_injector.h"
#include "domain/payment.h"
#include "fleetdeck/core/status.h"
#include "fleetdeck/db/audit_record.h"

namespace fleetdeck::payments {

// The audit trail names a wallet by its user id and the fault injection settings by this.
inline constexpr const char* kAuditFaultsResourceId = "faults";

struct TopUp {
  std::string userId;
  Money amount;
  std::string idempotencyKey;  // required: a retried top-up must not credit twice
  ChangeContext changedBy;     // recorded in the audit trail with the credit
};

struct ChargeCommand {
  std::string idempotencyKey;
  std::string userId;
  std::string orderId;
  Money amount;
};

struct PaymentQuery {
  std::string orderId;  // optional filters
  std::string userId;
  int pageSize = 50;
  int64_t beforeSequence = 0;  // keyset cursor, newest first: payments with sequence < this; 0: from the newest
};

struct PaymentPage {
  std::vector<Payment> payments;
  bool hasMore = false;
};

struct LedgerQuery {
  std::string userId;
  int pageSize = 50;
  int64_t beforeSequence = 0;  // as in PaymentQuery
};

struct LedgerPage {
  std::vector<LedgerEntry> entries;
  bool hasMore = false;
};

class PaymentStore {
 public:
  virtual ~PaymentStore() = default;

  // Creates the wallet with `openingCredit` and its "opening_credit" ledger entry; when the user
  // already has a wallet, returns it unchanged.
  virtual Result<Wallet> openWallet(const std::string& userId, const Money& openingCredit) = 0;
  // NOT_FOUND when the user has no wallet.
  virtual Result<Wallet> findWallet(const std::string& userId) = 0;
  // Under the wallet's lock: a key already used for a top-up of this wallet returns the wallet
  // unchanged (INVALID_ARGUMENT naming "idempotencyKey" when that top-up was of another amount);
  // otherwise checkTopUp, then credit and append a "top_up" entry whose reference is the key.
  // NOT_FOUND without a wallet; INVALID_ARGUMENT naming "idempotencyKey" when the key is empty.
  // The credit writes an audit entry (resource "wallets", the wallet before and after) in its
  // transaction; a repeated key writes none, as it credits nothing.
  virtual Result<Wallet> topUp(const TopUp& topUp) = 0;
  // One transaction holding the wallet's row lock: a key seen before returns the stored payment;
  // otherwise decideCharge(wallet, amount, injectedDecline) and store its outcome (CHARGED with a
  // debit and a negative "charge" entry, or DECLINED moving nothing).
  virtual Result<Payment> charge(const ChargeCommand& command, bool injectedDecline) = 0;
  // NOT_FOUND when no charge has that key, unless `voidIfMissing` is given: the key is then taken by
  // a DECLINED payment ("voided") made of it, returned, and a later charge with the key returns that.
  // When a payment has the key and `voidIfMissing` describes another charge (user, order or amount),
  // INVALID_ARGUMENT naming "chargeIdempotencyKey" and nothing moves: the caller undoes a charge that
  // is not this one. Otherwise a CHARGED payment is credited back with a "refund" entry and becomes
  // REFUNDED; any other payment is returned unchanged.
  virtual Result<Payment> refund(const std::string& chargeIdempotencyKey,
                                 const std::optional<ChargeCommand>& voidIfMissing) = 0;
  virtual Result<PaymentPage> listPayments(const PaymentQuery& query) = 0;
  // Newest first. NOT_FOUND when the user has no wallet.
  virtual Result<LedgerPage> listLedger(const LedgerQuery& query) = 0;
  // One audit entry (resource id kAuditFaultsResourceId, the settings before and after) in a
  // transaction of its own: the settings live in memory, and the change applies only once this succeeded.
  virtual Status recordFaultChange(const FaultSettings& before, const FaultSettings& after,
                                   const ChangeContext& context) = 0;
  // Newest first; the query comes validated and its page size clamped (Wallets::audit).
  virtual Result<db::AuditPage> listAudit(const db::AuditQuery& query) = 0;
};

}  // namespace fleetdeck::payments
