#include "domain/wallets.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/core/log.h"

namespace fleetdeck::payments {
namespace {

// Ids are UUIDs compared as PostgreSQL prints them: lower-case. isUuid accepts either case, so an id
// is lowered before it is stored or compared with a stored one (a payment read back carries the
// lower-case form; compared with the caller's upper-case one, a first charge looked like a reused key).
std::string lowered(const std::string& id) { return canonicalUuid(id); }

void checkUuid(ValidationErrors& errors, const std::string& field, const std::string& value, bool required) {
  if (value.empty()) {
    if (required) errors.add(field, "is required");
  } else if (!isUuid(value)) {
    errors.add(field, "must be a UUID");
  }
}

void checkAmount(ValidationErrors& errors, const Money& amount, const std::string& field = "amount") {
  if (auto problem = amountUnitsProblem(amount.units); !problem.empty()) errors.add(field + ".units", problem);
  if (auto problem = currencyProblem(amount.currency); !problem.empty()) errors.add(field + ".currencyCode", problem);
}

// Page tokens are opaque to clients: base64url of a kind tag and the last sequence seen.
std::string encodePageToken(std::string_view tag, int64_t sequence) {
  return base64UrlEncode(std::string(tag) + std::to_string(sequence));
}

Result<int64_t> decodePageToken(std::string_view tag, const std::string& token) {
  auto decoded = base64UrlDecode(token);
  int64_t sequence = 0;
  if (decoded && decoded->starts_with(tag)) {
    const char* begin = decoded->data() + tag.size();
    const char* end = decoded->data() + decoded->size();
    const auto [parsed, error] = std::from_chars(begin, end, sequence);
    if (error == std::errc{} && parsed == end && sequence > 0) return sequence;
  }
  return invalidField("pageToken", "is not a token returned by a previous list call");
}

void checkPageSize(ValidationErrors& errors, int pageSize) {
  if (pageSize < 0) errors.add("pageSize", "must not be negative");
}

int clampPageSize(int pageSize) {
  return pageSize == 0 ? Wallets::kDefaultPageSize : std::min(pageSize, Wallets::kMaxPageSize);
}

constexpr std::string_view kPaymentsTokenTag = "p1:";
constexpr std::string_view kLedgerTokenTag = "l1:";

}  // namespace

Wallets::Wallets(PaymentStore& store, FaultInjector& faults, WalletSettings settings, Sleep sleep)
    : store_(store), faults_(faults), settings_(std::move(settings)), sleep_(std::move(sleep)) {}

void Wallets::wait(std::chrono::milliseconds duration) {
  if (sleep_) return sleep_(duration);
  std::unique_lock lock(stopMutex_);
  stopWake_.wait_for(lock, duration, [this] { return stopping_; });
}

bool Wallets::stopping() {
  std::lock_guard lock(stopMutex_);
  return stopping_;
}

void Wallets::shutdown() {
  {
    std::lock_guard lock(stopMutex_);
    stopping_ = true;
  }
  stopWake_.notify_all();
}

Result<Wallet> Wallets::open(const std::string& userId) {
  ValidationErrors errors;
  checkUuid(errors, "userId", userId, true);
  FLEETDECK_RETURN_IF_ERROR(errors.toStatus());
  return store_.openWallet(lowered(userId), Money{settings_.currency, settings_.demoCreditUnits});
}

Result<Wallet> Wallets::get(const std::string& userId) {
  ValidationErrors errors;
  checkUuid(errors, "userId", userId, true);
  FLEETDECK_RETURN_IF_ERROR(errors.toStatus());
  return store_.findWallet(lowered(userId));
}

Result<Wallet> Wallets::topUp(const TopUpRequest& request) {
  ValidationErrors errors;
  checkUuid(errors, "userId", request.userId, true);
  checkAmount(errors, request.amount);
  // Required, as for charges: a client retrying a top-up whose answer it lost must not credit twice.
  if (auto problem = requiredIdempotencyKeyProblem(request.idempotencyKey); !problem.empty()) {
    errors.add("idempotencyKey", problem);
  }
  FLEETDECK_RETURN_IF_ERROR(errors.toStatus());
  return store_.topUp(TopUp{lowered(request.userId), request.amount, request.idempotencyKey, request.changedBy});
}

Result<FaultSettings> Wallets::setFaults(const FaultSettings& settings, const ChangeContext& context) {
  return faults_.change(settings, [this, &context](const FaultSettings& before, const FaultSettings& after) {
    return store_.recordFaultChange(before, after, context);
  });
}

Result<db::AuditPage> Wallets::audit(const db::AuditQuery& request) {
  ValidationErrors errors;
  checkPageSize(errors, request.pageSize);
  // As users and products refuse a resource id that none of theirs can be: a typo answered an empty
  // page, as if nobody had changed that wallet.
  if (!request.resourceId.empty() && request.resourceId != kAuditFaultsResourceId && !isUuid(request.resourceId)) {
    errors.add("resourceId", std::string("must be a user id (UUID) or \"") + kAuditFaultsResourceId + "\"");
  }
  if (request.actor.size() > 128) errors.add("actor", "must be at most 128 characters long");
  FLEETDECK_RETURN_IF_ERROR(errors.toStatus());
  db::AuditQuery query = request;
  // Wallet entries are stored under the lower-cased user id, as the wallets are.
  if (isUuid(query.resourceId)) query.resourceId = lowered(query.resourceId);
  query.pageSize = clampPageSize(request.pageSize);
  return store_.listAudit(query);
}

Status Wallets::applyCallFaults(const char* call) {
  if (const auto latency = faults_.addedLatency(); latency.count() > 0) {
    // Waited out in full, also past the caller's deadline: a slow service still does the work, and
    // that ambiguous outcome is what the fault is for. Only the process's stop ends it early.
    if (!stopping()) wait(latency);
    if (stopping()) {
      return unavailable(std::string("payments is shutting down; ") + call + " did nothing, retry it");
    }
  }
  if (faults_.shouldFail()) {
    const StatusCode code = faults_.current().failureCode;
    log::info("injected failure", {{"call", call}, {"code", std::string(statusCodeName(code))}});
    if (code == StatusCode::kUnavailable) {
      return unavailable(std::string("injected failure: payments ") + call + " is unavailable, retry later");
    }
    return Status(code, std::string("injected failure: payments ") + call + " failed");
  }
  return Status::ok();
}

Result<Payment> Wallets::charge(const ChargeRequest& asked) {
  FLEETDECK_RETURN_IF_ERROR(applyCallFaults("Charge"));
  ChargeRequest request = asked;
  request.userId = lowered(request.userId);
  request.orderId = lowered(request.orderId);
  ValidationErrors errors;
  if (auto problem = requiredIdempotencyKeyProblem(request.idempotencyKey); !problem.empty()) {
    errors.add("idempotencyKey", problem);
  }
  checkUuid(errors, "userId", request.userId, true);
  checkUuid(errors, "orderId", request.orderId, true);
  checkAmount(errors, request.amount);
  FLEETDECK_RETURN_IF_ERROR(errors.toStatus());
  // Drawn before the transaction; stored like a real decline, so a repeated key answers the same.
  const bool injectedDecline = faults_.shouldDecline();
  auto payment = store_.charge(ChargeCommand{request.idempotencyKey, request.userId, request.orderId, request.amount},
                               injectedDecline);
  // A repeated key answers what it did the first time, but only to the same request: another user,
  // order or amount under a used key is a caller's mistake, not a charge that already happened.
  if (payment && !isChargeOf(*payment, request.userId, request.orderId, request.amount)) {
    return invalidField("idempotencyKey", "was already used for another charge (payment " + payment->id + ")");
  }
  return payment;
}

Result<Payment> Wallets::refund(const std::string& chargeIdempotencyKey,
                                const std::optional<ChargeRequest>& voidIfMissing) {
  FLEETDECK_RETURN_IF_ERROR(applyCallFaults("Refund"));
  ValidationErrors errors;
  if (auto problem = requiredIdempotencyKeyProblem(chargeIdempotencyKey); !problem.empty()) {
    errors.add("chargeIdempotencyKey", problem);
  }
  std::optional<ChargeCommand> voidCommand;
  if (voidIfMissing) {
    checkUuid(errors, "voidIfMissing.userId", voidIfMissing->userId, true);
    checkUuid(errors, "voidIfMissing.orderId", voidIfMissing->orderId, true);
    // A void moves no money, so payments' per-payment ceiling does not apply: an order above it
    // (placed before orders refused such totals) must still be able to void its key.
    if (voidIfMissing->amount.units <= 0) errors.add("voidIfMissing.amount.units", "must be positive");
    if (auto problem = currencyProblem(voidIfMissing->amount.currency); !problem.empty()) {
      errors.add("voidIfMissing.amount.currencyCode", problem);
    }
    voidCommand = ChargeCommand{chargeIdempotencyKey, lowered(voidIfMissing->userId),
                                lowered(voidIfMissing->orderId), voidIfMissing->amount};
  }
  FLEETDECK_RETURN_IF_ERROR(errors.toStatus());
  return store_.refund(chargeIdempotencyKey, voidCommand);
}

Result<PaymentList> Wallets::listPayments(const PaymentListRequest& request) {
  ValidationErrors errors;
  checkUuid(errors, "orderId", request.orderId, false);
  checkUuid(errors, "userId", request.userId, false);
  checkPageSize(errors, request.pageSize);
  FLEETDECK_RETURN_IF_ERROR(errors.toStatus());

  PaymentQuery query;
  query.orderId = lowered(request.orderId);
  query.userId = lowered(request.userId);
  query.pageSize = clampPageSize(request.pageSize);
  if (!request.pageToken.empty()) {
    auto before = decodePageToken(kPaymentsTokenTag, request.pageToken);
    if (!before) return before.status();
    query.beforeSequence = *before;
  }
  auto page = store_.listPayments(query);
  if (!page) return page.status();
  PaymentList result;
  result.payments = std::move(page->payments);
  if (page->hasMore && !result.payments.empty()) {
    result.nextPageToken = encodePageToken(kPaymentsTokenTag, result.payments.back().sequence);
  }
  return result;
}

Result<LedgerList> Wallets::listLedger(const LedgerListRequest& request) {
  ValidationErrors errors;
  checkUuid(errors, "userId", request.userId, true);
  checkPageSize(errors, request.pageSize);
  FLEETDECK_RETURN_IF_ERROR(errors.toStatus());

  LedgerQuery query;
  query.userId = lowered(request.userId);
  query.pageSize = clampPageSize(request.pageSize);
  if (!request.pageToken.empty()) {
    auto before = decodePageToken(kLedgerTokenTag, request.pageToken);
    if (!before) return before.status();
    query.beforeSequence = *before;
  }
  auto page = store_.listLedger(query);
  if (!page) return page.status();
  LedgerList result;
  result.entries = std::move(page->entries);
  if (page->hasMore && !result.entries.empty()) {
    result.nextPageToken = encodePageToken(kLedgerTokenTag, result.entries.back().sequence);
  }
  return result;
}

}  // namespace fleetdeck::payments
