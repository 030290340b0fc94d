#include "adapters/pg_payment_store.h"

#include <optional>

#include "adapters/audit_json.h"
#include "fleetdeck/bus/event.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/db/audit_log.h"
#include "fleetdeck/payments/v1/events.pb.h"

namespace fleetdeck::payments {
namespace {

constexpr const char* kWalletColumns =
    "user_id::text, currency, balance, version,"
    " (extract(epoch FROM created_at) * 1000000)::bigint,"
    " (extract(epoch FROM updated_at) * 1000000)::bigint";
constexpr int kWalletColumnCount = 6;

// Audit trail resources: a wallet (resource id: its user id) and the fault injection settings.
constexpr const char* kAuditWallets = "wallets";
constexpr const char* kAuditFaults = "faults";

constexpr const char* kPaymentColumns =
    "id::text, user_id::text, order_id::text, currency, amount, status, decline_reason, idempotency_key, seq,"
    " (extract(epoch FROM created_at) * 1000000)::bigint,"
    " (extract(epoch FROM updated_at) * 1000000)::bigint";

constexpr const char* kLedgerColumns =
    "id::text, user_id::text, amount, kind, reference, seq, (extract(epoch FROM created_at) * 1000000)::bigint";

Wallet walletFromRow(const pqxx::row& row) {
  Wallet wallet;
  wallet.userId = row[0].as<std::string>();
  wallet.balance.currency = row[1].as<std::string>();
  wallet.balance.units = row[2].as<int64_t>();
  wallet.version = row[3].as<int64_t>();
  wallet.createdAtMicros = row[4].as<int64_t>();
  wallet.updatedAtMicros = row[5].as<int64_t>();
  return wallet;
}

Payment paymentFromRow(const pqxx::row& row) {
  Payment payment;
  payment.id = row[0].as<std::string>();
  payment.userId = row[1].as<std::string>();
  payment.orderId = row[2].as<std::string>();
  payment.amount.currency = row[3].as<std::string>();
  payment.amount.units = row[4].as<int64_t>();
  payment.status = row[5].as<std::string>();
  payment.declineReason = row[6].as<std::string>();
  payment.idempotencyKey = row[7].as<std::string>();
  payment.sequence = row[8].as<int64_t>();
  payment.createTimeMicros = row[9].as<int64_t>();
  payment.updateTimeMicros = row[10].as<int64_t>();
  return payment;
}

LedgerEntry ledgerEntryFromRow(const pqxx::row& row, const std::string& currency) {
  LedgerEntry entry;
  entry.id = row[0].as<std::string>();
  entry.userId = row[1].as<std::string>();
  entry.amount.currency = currency;
  entry.amount.units = row[2].as<int64_t>();
  entry.kind = row[3].as<std::string>();
  entry.reference = row[4].as<std::string>();
  entry.sequence = row[5].as<int64_t>();
  entry.timeMicros = row[6].as<int64_t>();
  return entry;
}

Status noWallet(const std::string& userId) { return notFound("user " + userId + " has no wallet"); }

std::optional<std::string> optionalText(const std::string& text) {
  return text.empty() ? std::optional<std::string>() : text;
}

std::optional<int64_t> optionalSequence(int64_t sequence) {
  return sequence == 0 ? std::optional<int64_t>() : sequence;
}

void setMoney(common::v1::Money* target, const Money& money) {
  target->set_currency_code(money.currency);
  target->set_units(money.units);
}

// Appends an event of the payments domain to the outbox, in the transaction of the change it
// describes; keyed by the user, whose wallet lock orders that user's changes.
Status appendPaymentEvent(pqxx::work& transaction, const google::protobuf::Message& event, const std::string& userId,
                          const std::string& causationId) {
  bus::EventContext context;
  context.aggregateId = userId;
  context.causationId = causationId;
  context.source = "payments";
  return bus::appendEvent(transaction, event, context).status();
}

Status appendPaymentOutcome(pqxx::work& transaction, const Payment& payment) {
  if (payment.status == kStatusDeclined) {
    v1::PaymentDeclined declined;
    declined.set_payment_id(payment.id);
    declined.set_user_id(payment.userId);
    declined.set_order_id(payment.orderId);
    setMoney(declined.mutable_amount(), payment.amount);
    declined.set_reason(payment.declineReason);
    declined.set_idempotency_key(payment.idempotencyKey);
    return appendPaymentEvent(transaction, declined, payment.userId, payment.idempotencyKey);
  }
  v1::PaymentCharged charged;
  charged.set_payment_id(payment.id);
  charged.set_user_id(payment.userId);
  charged.set_order_id(payment.orderId);
  setMoney(charged.mutable_amount(), payment.amount);
  charged.set_idempotency_key(payment.idempotencyKey);
  return appendPaymentEvent(transaction, charged, payment.userId, payment.idempotencyKey);
}

// The wallet's balance and its ledger change together: the one place that moves money.
Wallet moveMoney(pqxx::work& transaction, const std::string& userId, int64_t signedUnits, std::string_view kind,
                 const std::string& reference) {
  const auto rows = db::execPrepared(transaction,
      std::string("UPDATE wallets SET balance = balance + $2, version = version + 1, updated_at = now()"
                  " WHERE user_id = $1 RETURNING ") +
          kWalletColumns,
      userId, signedUnits);
  const Wallet after = walletFromRow(rows[0]);
  // The wallet as this entry left it: what a repeated top-up key answers (see 004_top_up_result.sql).
  db::execPrepared(transaction,
      "INSERT INTO ledger_entries (id, user_id, amount, kind, reference, balance_after, wallet_version_after)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7)",
      newUuid(), userId, signedUnits, std::string(kind), reference, after.balance.units, after.version);
  return after;
}

std::optional<Payment> paymentByKey(pqxx::work& transaction, const std::string& key) {
  const auto rows = db::execPrepared(transaction,
      std::string("SELECT ") + kPaymentColumns + " FROM payments WHERE idempotency_key = $1", key);
  if (rows.empty()) return std::nullopt;
  return paymentFromRow(rows[0]);
}

}  // namespace

Result<Wallet> PgPaymentStore::openWallet(pqxx::work& transaction, const std::string& userId,
                                          const Money& openingCredit, bool* created) {
  if (created != nullptr) *created = false;
  // ON CONFLICT waits for a concurrent opener of the same wallet, so the SELECT below sees its row.
  const auto inserted = db::execPrepared(transaction,
      std::string("INSERT INTO wallets (user_id, currency, balance) VALUES ($1, $2, $3)"
                  " ON CONFLICT (user_id) DO NOTHING RETURNING ") +
          kWalletColumns,
      userId, openingCredit.currency, openingCredit.units);
  if (inserted.empty()) {
    const auto existing =
        db::execPrepared(transaction, std::string("SELECT ") + kWalletColumns + " FROM wallets WHERE user_id = $1", userId);
    if (existing.empty()) return internalError("wallet of user " + userId + " vanished while being opened");
    return walletFromRow(existing[0]);
  }
  db::execPrepared(transaction,
      "INSERT INTO ledger_entries (id, user_id, amount, kind, reference) VALUES ($1, $2, $3, $4, $5)", newUuid(),
      userId, openingCredit.units, std::string(kKindOpeningCredit), userId);
  v1::WalletOpened opened;
  opened.set_user_id(userId);
  setMoney(opened.mutable_opening_balance(), openingCredit);
  FLEETDECK_RETURN_IF_ERROR(appendPaymentEvent(transaction, opened, userId, ""));
  if (created != nullptr) *created = true;
  return walletFromRow(inserted[0]);
}

Result<Wallet> PgPaymentStore::openWallet(const std::string& userId, const Money& openingCredit) {
  return db::inTransaction<Wallet>(pool_, [&](pqxx::work& transaction) -> Result<Wallet> {
    return openWallet(transaction, userId, openingCredit);
  });
}

Result<Wallet> PgPaymentStore::findWallet(const std::string& userId) {
  return db::inTransaction<Wallet>(pool_, [&](pqxx::work& transaction) -> Result<Wallet> {
    const auto rows =
        db::execPrepared(transaction, std::string("SELECT ") + kWalletColumns + " FROM wallets WHERE user_id = $1", userId);
    if (rows.empty()) return noWallet(userId);
    return walletFromRow(rows[0]);
  });
}

Result<Wallet> PgPaymentStore::topUp(const TopUp& topUp) {
  // The key is the top-up's ledger reference: without one a retry would credit again.
  if (topUp.idempotencyKey.empty()) return invalidField("idempotencyKey", "is required");
  return db::inTransaction<Wallet>(pool_, [&](pqxx::work& transaction) -> Result<Wallet> {
    const auto locked = db::execPrepared(transaction,
        std::string("SELECT ") + kWalletColumns + " FROM wallets WHERE user_id = $1 FOR UPDATE", topUp.userId);
    if (locked.empty()) return noWallet(topUp.userId);
    const Wallet wallet = walletFromRow(locked[0]);
    const auto seen = db::execPrepared(transaction,
        "SELECT amount, balance_after, wallet_version_after, (extract(epoch FROM created_at) * 1000000)::bigint"
        " FROM ledger_entries WHERE user_id = $1 AND kind = 'top_up' AND reference = $2",
        topUp.userId, topUp.idempotencyKey);
    if (!seen.empty()) {
      const int64_t units = seen[0][0].as<int64_t>();
      if (units != topUp.amount.units || topUp.amount.currency != wallet.balance.currency) {
        return invalidField("idempotencyKey", "was already used for a top-up of " + std::to_string(units) + " " +
                                                  wallet.balance.currency);
      }
      // A repeat answers what the first top-up did: the wallet right after its credit, not as later
      // charges and top-ups left it. The credit's transaction set the wallet's updated_at to the same
      // now() as the entry's created_at.
      if (!seen[0][1].is_null()) {
        Wallet first = wallet;
        first.balance.units = seen[0][1].as<int64_t>();
        first.version = seen[0][2].as<int64_t>();
        first.updatedAtMicros = seen[0][3].as<int64_t>();
        return first;
      }
      // Written before migration 004, which stored no result: the wallet as it is now is the best
      // answer left (what every repeat answered until then).
      return wallet;
    }
    FLEETDECK_RETURN_IF_ERROR(checkTopUp(wallet, topUp.amount));
    Wallet after = moveMoney(transaction, topUp.userId, topUp.amount.units, kKindTopUp, topUp.idempotencyKey);
    // Every credit through the admin API is recorded, whoever's wallet it is (as users records a
    // user's own changes); a repeated key returned above, crediting and recording nothing.
    db::appendAudit(transaction, {.resource = kAuditWallets,
                                  .resourceId = topUp.userId,
                                  .action = "top_up",
                                  .actor = topUp.changedBy.actor,
                                  .traceId = topUp.changedBy.traceId,
                                  .beforeJson = walletJson(wallet),
                                  .afterJson = walletJson(after)});
    return after;
  });
}

Status PgPaymentStore::recordFaultChange(const FaultSettings& before, const FaultSettings& after,
                                         const ChangeContext& context) {
  return db::inTransaction(pool_, [&](pqxx::work& transaction) -> Status {
    db::appendAudit(transaction, {.resource = kAuditFaults,
                                  .resourceId = kAuditFaultsResourceId,
                                  .action = "set_faults",
                                  .actor = context.actor,
                                  .traceId = context.traceId,
                                  .beforeJson = faultsJson(before),
                                  .afterJson = faultsJson(after)});
    return Status::ok();
  });
}

Result<db::AuditPage> PgPaymentStore::listAudit(const db::AuditQuery& query) { return db::listAudit(pool_, query); }

Result<Payment> PgPaymentStore::charge(const ChargeCommand& command, bool injectedDecline) {
  return db::inTransaction<Payment>(pool_, [&](pqxx::work& transaction) -> Result<Payment> {
    // The wallet locked and the key looked up in one round trip. The lookup reads the statement's
    // snapshot, taken before a wait for the wallet's lock: a charge with this key that committed
    // during that wait is not seen here, and the INSERT's ON CONFLICT below finds it instead.
    const auto locked = db::execPrepared(transaction,
        std::string("WITH wallet AS (SELECT ") + kWalletColumns +
            " FROM wallets WHERE user_id = $1 FOR UPDATE)"
            " SELECT wallet.*, seen.* FROM (SELECT 1) AS one LEFT JOIN wallet ON true"
            " LEFT JOIN (SELECT " + kPaymentColumns + " FROM payments WHERE idempotency_key = $2) AS seen ON true",
        command.userId, command.idempotencyKey);
    const pqxx::row walletColumns = locked[0].slice(0, kWalletColumnCount);
    const pqxx::row seenColumns = locked[0].slice(kWalletColumnCount, locked[0].size());
    // A repeated key is answered with what it did the first time.
    if (!seenColumns[0].is_null()) return paymentFromRow(seenColumns);
    std::optional<Wallet> wallet;
    if (!walletColumns[0].is_null()) wallet = walletFromRow(walletColumns);
    auto decision = decideCharge(wallet ? &*wallet : nullptr, command.amount, injectedDecline);
    if (!decision) return decision.status();

    // The payment, and when it charges, the wallet's debit and its ledger entry: one statement.
    const std::string paymentId = newUuid();
    const auto inserted = db::execPrepared(transaction,
        std::string("WITH payment AS ("
                    "  INSERT INTO payments (id, idempotency_key, user_id, order_id, currency, amount, status,"
                    "   decline_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                    "  ON CONFLICT (idempotency_key) DO NOTHING RETURNING ") +
            kPaymentColumns +
            "), debited AS ("
            "  UPDATE wallets SET balance = balance - $6, version = version + 1, updated_at = now()"
            "  WHERE user_id = $3 AND $9::boolean AND EXISTS (SELECT 1 FROM payment) RETURNING user_id),"
            " ledger AS ("
            "  INSERT INTO ledger_entries (id, user_id, amount, kind, reference)"
            "  SELECT $10, user_id, -$6::bigint, $11, $1 FROM debited)"
            " SELECT * FROM payment",
        paymentId, command.idempotencyKey, command.userId, command.orderId, command.amount.currency,
        command.amount.units, std::string(decision->charge ? kStatusCharged : kStatusDeclined),
        decision->declineReason, decision->charge, newUuid(), std::string(kKindCharge));
    if (inserted.empty()) {
      // The same key committed by a call that held no lock of this wallet (another user's, or none),
      // or while this one waited for the lock.
      if (auto seen = paymentByKey(transaction, command.idempotencyKey)) return *seen;
      return aborted("charge " + command.idempotencyKey + " conflicted with a concurrent call; retry");
    }
    Payment payment = paymentFromRow(inserted[0]);
    // Only a first charge is an event; a repeated key returned above without one.
    FLEETDECK_RETURN_IF_ERROR(appendPaymentOutcome(transaction, payment));
    return payment;
  });
}

Result<Payment> PgPaymentStore::refund(const std::string& chargeIdempotencyKey,
                                       const std::optional<ChargeCommand>& voidIfMissing) {
  return db::inTransaction<Payment>(pool_, [&](pqxx::work& transaction) -> Result<Payment> {
    auto payment = paymentByKey(transaction, chargeIdempotencyKey);
    if (!payment && voidIfMissing) {
      // Void the key: the payments row takes it, so a charge with it that is still in flight finds
      // it. A charge whose row is inserted but not committed yet makes this INSERT wait for it, then
      // conflict; one that starts later conflicts with this row in its own INSERT and answers with it
      // (its lookup may read a snapshot from before this commit, its ON CONFLICT cannot). No event:
      // nothing happened to the customer's money.
      const auto voided = db::execPrepared(transaction,
          std::string("INSERT INTO payments (id, idempotency_key, user_id, order_id, currency, amount, status,"
                      " decline_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                      " ON CONFLICT (idempotency_key) DO NOTHING RETURNING ") +
              kPaymentColumns,
          newUuid(), chargeIdempotencyKey, voidIfMissing->userId, voidIfMissing->orderId,
          voidIfMissing->amount.currency, voidIfMissing->amount.units, std::string(kStatusDeclined),
          std::string(kDeclineVoided));
      if (!voided.empty()) return paymentFromRow(voided[0]);
      payment = paymentByKey(transaction, chargeIdempotencyKey);  // the charge that got there first
    }
    if (!payment) return notFound("no charge has idempotency key " + chargeIdempotencyKey);
    // The details name the charge the caller means to undo: when the key holds another one (other
    // user, order or amount), refunding it would undo a charge the caller did not make. Nothing moves.
    if (voidIfMissing && !isChargeOf(*payment, voidIfMissing->userId, voidIfMissing->orderId, voidIfMissing->amount)) {
      return invalidField("chargeIdempotencyKey", "was already used for another charge (payment " + payment->id + ")");
    }
    if (!isRefundable(*payment)) return *payment;
    // Locks in the order charge takes them (wallet, then payment), so the two never deadlock.
    db::execPrepared(transaction, "SELECT 1 FROM wallets WHERE user_id = $1 FOR UPDATE", payment->userId);
    const auto locked = db::execPrepared(transaction,
        std::string("SELECT ") + kPaymentColumns + " FROM payments WHERE id = $1 FOR UPDATE", payment->id);
    payment = paymentFromRow(locked[0]);
    if (!isRefundable(*payment)) return *payment;  // refunded by a concurrent call
    const auto updated = db::execPrepared(transaction,
        std::string("UPDATE payments SET status = $2, updated_at = now() WHERE id = $1 RETURNING ") + kPaymentColumns,
        payment->id, std::string(kStatusRefunded));
    moveMoney(transaction, payment->userId, payment->amount.units, kKindRefund, payment->id);
    Payment refunded = paymentFromRow(updated[0]);
    v1::PaymentRefunded event;
    event.set_payment_id(refunded.id);
    event.set_user_id(refunded.userId);
    event.set_order_id(refunded.orderId);
    setMoney(event.mutable_amount(), refunded.amount);
    event.set_idempotency_key(refunded.idempotencyKey);
    FLEETDECK_RETURN_IF_ERROR(appendPaymentEvent(transaction, event, refunded.userId, refunded.idempotencyKey));
    return refunded;
  });
}

Result<PaymentPage> PgPaymentStore::listPayments(const PaymentQuery& query) {
  return db::inTransaction<PaymentPage>(pool_, [&](pqxx::work& transaction) -> Result<PaymentPage> {
    // One statement with optional filters: NULL parameters switch a condition off.
    const auto rows = db::execPrepared(transaction,
        std::string("SELECT ") + kPaymentColumns +
            " FROM payments"
            " WHERE ($1::uuid IS NULL OR order_id = $1::uuid)"
            "   AND ($2::uuid IS NULL OR user_id = $2::uuid)"
            "   AND ($3::bigint IS NULL OR seq < $3::bigint)"
            " ORDER BY seq DESC LIMIT $4",
        optionalText(query.orderId), optionalText(query.userId), optionalSequence(query.beforeSequence),
        query.pageSize + 1);
    PaymentPage page;
    for (const auto& row : rows) {
      if (static_cast<int>(page.payments.size()) == query.pageSize) {
        page.hasMore = true;
        break;
      }
      page.payments.push_back(paymentFromRow(row));
    }
    return page;
  });
}

Result<LedgerPage> PgPaymentStore::listLedger(const LedgerQuery& query) {
  return db::inTransaction<LedgerPage>(pool_, [&](pqxx::work& transaction) -> Result<LedgerPage> {
    const auto wallet = db::execPrepared(transaction, "SELECT currency FROM wallets WHERE user_id = $1", query.userId);
    if (wallet.empty()) return noWallet(query.userId);
    const std::string currency = wallet[0][0].as<std::string>();
    const auto rows = db::execPrepared(transaction,
        std::string("SELECT ") + kLedgerColumns +
            " FROM ledger_entries WHERE user_id = $1 AND ($2::bigint IS NULL OR seq < $2::bigint)"
            " ORDER BY seq DESC LIMIT $3",
        query.userId, optionalSequence(query.beforeSequence), query.pageSize + 1);
    LedgerPage page;
    for (const auto& row : rows) {
      if (static_cast<int>(page.entries.size()) == query.pageSize) {
        page.hasMore = true;
        break;
      }
      page.entries.push_back(ledgerEntryFromRow(row, currency));
    }
    return page;
  });
}

}  // namespace fleetdeck::payments
