// PaymentStore on PostgreSQL (libpqxx), the only code of the payments service that speaks SQL.
#pragma once

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
  Result<Payment> refund(const std::string& chargeIdempotencyKey) override;
  Result<PaymentPage> listPayments(const PaymentQuery& query) override;
  Result<LedgerPage> listLedger(const LedgerQuery& query) override;

 private:
  db::ConnectionPool& pool_;
};

}  // namespace fleetdeck::payments
