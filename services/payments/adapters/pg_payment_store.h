// PaymentStore on PostgreSQL (libpqxx), the only code of the payments service that speaks SQL. Every
// change that is an event (wallet opened, payment charged/declined/refunded) appends it to the outbox
// in the same transaction.
#pragma once

#include <pqxx/pqxx>

#include "fleetdeck/db/connection_pool.h"
#include "ports/payment_store.h"

namespace fleetdeck::payments {

class PgPaymentStore final : public PaymentStore {
 public:
  explicit PgPaymentStore(db::ConnectionPool& pool) : pool_(pool) {}

  Result<Wallet> openWallet(const std::string& userId, const Money& openingCredit) override;
  Result<Wallet> findWallet(const std::string& userId) override;
  Result<Wallet> topUp(const TopUp& topUp) override;
  Result<Payment> charge(const ChargeCommand& command, bool injectedDecline) override;
  Result<Payment> refund(const std::string& chargeIdempotencyKey,
                         const std::optional<ChargeCommand>& voidIfMissing) override;
  Result<PaymentPage> listPayments(const PaymentQuery& query) override;
  Result<LedgerPage> listLedger(const LedgerQuery& query) override;
  Status recordFaultChange(const FaultSettings& before, const FaultSettings& after,
                           const ChangeContext& context) override;
  Result<db::AuditPage> listAudit(const db::AuditQuery& query) override;

  // Inside the caller's transaction, so the UserRegistered consumer opens the wallet atomically with
  // recording the event as processed. A new wallet also appends WalletOpened to the outbox;
  // `created` tells whether this call opened it.
  static Result<Wallet> openWallet(pqxx::work& transaction, const std::string& userId, const Money& openingCredit,
                                   bool* created = nullptr);

 private:
  db::ConnectionPool& pool_;
};

}  // namespace fleetdeck::payments
