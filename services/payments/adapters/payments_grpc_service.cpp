#include "adapters/payments_grpc_service.h"

#include <google/protobuf/util/time_util.h>

#include "fleetdeck/core/log.h"
#include "fleetdeck/rpc/audit_response.h"
#include "fleetdeck/rpc/blocking_handler.h"
#include "fleetdeck/rpc/call_context.h"

namespace fleetdeck::payments {

using google::protobuf::util::TimeUtil;

namespace {

void toProto(const Money& money, common::v1::Money& out) {
  out.set_currency_code(money.currency);
  out.set_units(money.units);
}

Money fromProto(const common::v1::Money& money) { return Money{money.currency_code(), money.units()}; }

// The caller as the gateway forwarded it (principal and trace): who the audit trail names.
ChangeContext changeContextFrom(const grpc::ServerContextBase& context) {
  const rpc::CallContext call = rpc::callContextFrom(context);
  return ChangeContext{call.actor, call.traceId()};
}

}  // namespace

void toProto(const Wallet& wallet, v1::Wallet& out) {
  out.set_user_id(wallet.userId);
  toProto(wallet.balance, *out.mutable_balance());
  out.set_version(wallet.version);
  *out.mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(wallet.createdAtMicros);
  *out.mutable_update_time() = TimeUtil::MicrosecondsToTimestamp(wallet.updatedAtMicros);
}

void toProto(const Payment& payment, v1::Payment& out) {
  out.set_id(payment.id);
  out.set_user_id(payment.userId);
  out.set_order_id(payment.orderId);
  toProto(payment.amount, *out.mutable_amount());
  out.set_status(payment.status);
  out.set_decline_reason(payment.declineReason);
  out.set_idempotency_key(payment.idempotencyKey);
  *out.mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(payment.createTimeMicros);
  *out.mutable_update_time() = TimeUtil::MicrosecondsToTimestamp(payment.updateTimeMicros);
}

void toProto(const LedgerEntry& entry, v1::LedgerEntry& out) {
  out.set_id(entry.id);
  out.set_user_id(entry.userId);
  toProto(entry.amount, *out.mutable_amount());
  out.set_kind(entry.kind);
  out.set_reference(entry.reference);
  *out.mutable_time() = TimeUtil::MicrosecondsToTimestamp(entry.timeMicros);
}

void toProto(const FaultSettings& faults, v1::Faults& out) {
  out.set_decline_rate(faults.declineRate);
  out.set_failure_rate(faults.failureRate);
  out.set_added_latency_ms(faults.addedLatencyMs);
  out.set_failure_code(std::string(statusCodeName(faults.failureCode)));
}

rpc::Handled PaymentsGrpcService::GetWallet(rpc::ServerCall* call, const v1::GetWalletRequest* request,
                                            v1::Wallet* response) {
  return rpc::runBlocking(call, pool_, [this, request, response] {
    auto wallet = wallets_.get(request->user_id());
    if (!wallet) return wallet.status();
    toProto(*wallet, *response);
    return Status::ok();
  });
}

rpc::Handled PaymentsGrpcService::TopUpWallet(rpc::ServerCall* call, const v1::TopUpWalletRequest* request,
                                              v1::Wallet* response) {
  return rpc::runBlocking(call, pool_, [this, request, response, changedBy = changeContextFrom(call->context())] {
    auto wallet = wallets_.topUp(
        {request->user_id(), fromProto(request->amount()), request->idempotency_key(), changedBy});
    if (!wallet) return wallet.status();
    toProto(*wallet, *response);
    return Status::ok();
  });
}

rpc::Handled PaymentsGrpcService::ListPayments(rpc::ServerCall* call, const v1::ListPaymentsRequest* request,
                                               v1::ListPaymentsResponse* response) {
  return rpc::runBlocking(call, pool_, [this, request, response] {
    auto page = wallets_.listPayments(
        {request->order_id(), request->user_id(), request->page_size(), request->page_token()});
    if (!page) return page.status();
    for (const auto& payment : page->payments) toProto(payment, *response->add_payments());
    response->set_next_page_token(page->nextPageToken);
    return Status::ok();
  });
}

rpc::Handled PaymentsGrpcService::ListLedger(rpc::ServerCall* call, const v1::ListLedgerRequest* request,
                                             v1::ListLedgerResponse* response) {
  return rpc::runBlocking(call, pool_, [this, request, response] {
    auto page = wallets_.listLedger({request->user_id(), request->page_size(), request->page_token()});
    if (!page) return page.status();
    for (const auto& entry : page->entries) toProto(entry, *response->add_entries());
    response->set_next_page_token(page->nextPageToken);
    return Status::ok();
  });
}

rpc::Handled PaymentsGrpcService::GetFaults(rpc::ServerCall* call, const v1::GetFaultsRequest* /*request*/,
                                            v1::Faults* response) {
  // Reads a few numbers under a mutex: answered on the completion-queue thread, nothing blocks.
  toProto(wallets_.faults(), *response);
  return call->finish(grpc::Status::OK);
}

rpc::Handled PaymentsGrpcService::SetFaults(rpc::ServerCall* call, const v1::SetFaultsRequest* request,
                                            v1::Faults* response) {
  // On a worker thread: the change is written to the audit trail (PostgreSQL) before it applies.
  return rpc::runBlocking(call, pool_, [this, request, response, caller = changeContextFrom(call->context())] {
    const std::string& failureCode = request->faults().failure_code();
    const FaultSettings wanted{request->faults().decline_rate(), request->faults().failure_rate(),
                               request->faults().added_latency_ms(),
                               failureCode.empty() ? StatusCode::kUnavailable : statusCodeFromName(failureCode)};
    auto applied = wallets_.setFaults(wanted, caller);
    if (!applied) {
      log::warn("fault injection change refused",
                {{"actor", caller.actor}, {"trace_id", caller.traceId}, {"error", applied.status().toString()}});
      return applied.status();
    }
    log::info("fault injection changed", {{"actor", caller.actor},
                                          {"trace_id", caller.traceId},
                                          {"decline_rate", applied->declineRate},
                                          {"failure_rate", applied->failureRate},
                                          {"added_latency_ms", applied->addedLatencyMs},
                                          {"failure_code", std::string(statusCodeName(applied->failureCode))}});
    toProto(*applied, *response);
    return Status::ok();
  });
}

rpc::Handled PaymentsGrpcService::ListPaymentAudit(rpc::ServerCall* call, const common::v1::ListAuditRequest* request,
                                                   common::v1::ListAuditResponse* response) {
  return rpc::runBlocking(call, pool_, [this, request, response] {
    auto page = wallets_.audit({request->resource_id(), request->actor(), request->page_size(), request->page_token()});
    if (!page) return page.status();
    rpc::fillAuditResponse(page->records, page->nextPageToken, *response);
    return Status::ok();
  });
}

rpc::Handled PaymentsGrpcService::OpenWallet(rpc::ServerCall* call, const v1::OpenWalletRequest* request,
                                             v1::Wallet* response) {
  return rpc::runBlocking(call, pool_, [this, request, response] {
    auto wallet = wallets_.open(request->user_id());
    if (!wallet) return wallet.status();
    toProto(*wallet, *response);
    return Status::ok();
  });
}

rpc::Handled PaymentsGrpcService::Charge(rpc::ServerCall* call, const v1::ChargeRequest* request,
                                         v1::Payment* response) {
  // Added latency sleeps inside the body: on a worker thread, never on the completion-queue thread.
  return rpc::runBlocking(call, pool_, [this, request, response] {
    auto payment = wallets_.charge(
        {request->idempotency_key(), request->user_id(), request->order_id(), fromProto(request->amount())});
    if (!payment) return payment.status();
    toProto(*payment, *response);
    return Status::ok();
  });
}

rpc::Handled PaymentsGrpcService::Refund(rpc::ServerCall* call, const v1::RefundRequest* request,
                                         v1::Payment* response) {
  return rpc::runBlocking(call, pool_, [this, request, response] {
    std::optional<ChargeRequest> voidIfMissing;
    if (request->has_void_if_missing()) {
      const v1::ChargeRequest& charge = request->void_if_missing();
      voidIfMissing = ChargeRequest{request->charge_idempotency_key(), charge.user_id(), charge.order_id(),
                                    fromProto(charge.amount())};
    }
    auto payment = wallets_.refund(request->charge_idempotency_key(), voidIfMissing);
    if (!payment) return payment.status();
    toProto(*payment, *response);
    return Status::ok();
  });
}

void PaymentsGrpcService::bindTo(rpc::RpcServer& server) {
  using Async = v1::PaymentsService::AsyncService;
  server.addAsyncService(async_, v1::PaymentsService::service_full_name());
  server.addUnary(async_, &Async::RequestGetWallet, "GetWallet", this, &PaymentsGrpcService::GetWallet);
  server.addUnary(async_, &Async::RequestTopUpWallet, "TopUpWallet", this, &PaymentsGrpcService::TopUpWallet);
  server.addUnary(async_, &Async::RequestListPayments, "ListPayments", this, &PaymentsGrpcService::ListPayments);
  server.addUnary(async_, &Async::RequestListLedger, "ListLedger", this, &PaymentsGrpcService::ListLedger);
  server.addUnary(async_, &Async::RequestGetFaults, "GetFaults", this, &PaymentsGrpcService::GetFaults);
  server.addUnary(async_, &Async::RequestSetFaults, "SetFaults", this, &PaymentsGrpcService::SetFaults);
  server.addUnary(async_, &Async::RequestListPaymentAudit, "ListPaymentAudit", this,
                  &PaymentsGrpcService::ListPaymentAudit);
  server.addUnary(async_, &Async::RequestOpenWallet, "OpenWallet", this, &PaymentsGrpcService::OpenWallet);
  server.addUnary(async_, &Async::RequestCharge, "Charge", this, &PaymentsGrpcService::Charge);
  server.addUnary(async_, &Async::RequestRefund, "Refund", this, &PaymentsGrpcService::Refund);
}

}  // namespace fleetdeck::payments
