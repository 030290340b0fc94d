// The payments service's gRPC face: proto <-> domain conversion around Wallets, served by rpc::RpcServer's
// completion-queue threads.
#pragma once

#include "domain/wallets.h"
#include "fleetdeck/core/work_pool.h"
#include "fleetdeck/payments/v1/payments.grpc.pb.h"
#include "fleetdeck/rpc/server.h"

namespace fleetdeck::payments {

class PaymentsGrpcService final {
 public:
  PaymentsGrpcService(Wallets& wallets, WorkPool& pool) : wallets_(wallets), pool_(pool) {}

  rpc::Handled GetWallet(rpc::ServerCall* call, const v1::GetWalletRequest* request, v1::Wallet* response);
  rpc::Handled TopUpWallet(rpc::ServerCall* call, const v1::TopUpWalletRequest* request, v1::Wallet* response);
  rpc::Handled ListPayments(rpc::ServerCall* call, const v1::ListPaymentsRequest* request,
                            v1::ListPaymentsResponse* response);
  rpc::Handled ListLedger(rpc::ServerCall* call, const v1::ListLedgerRequest* request,
                          v1::ListLedgerResponse* response);
  rpc::Handled GetFaults(rpc::ServerCall* call, const v1::GetFaultsRequest* request, v1::Faults* response);
  rpc::Handled SetFaults(rpc::ServerCall* call, const v1::SetFaultsRequest* request, v1::Faults* response);
  rpc::Handled ListPaymentAudit(rpc::ServerCall* call, const common::v1::ListAuditRequest* request,
                                common::v1::ListAuditResponse* response);
  rpc::Handled OpenWallet(rpc::ServerCall* call, const v1::OpenWalletRequest* request, v1::Wallet* response);
  rpc::Handled Charge(rpc::ServerCall* call, const v1::ChargeRequest* request, v1::Payment* response);
  rpc::Handled Refund(rpc::ServerCall* call, const v1::RefundRequest* request, v1::Payment* response);

  // Registers the service and each of its methods with `server` (before it starts).
  void bindTo(rpc::RpcServer& server);

 private:
  v1::PaymentsService::AsyncService async_;
  Wallets& wallets_;
  WorkPool& pool_;
};

void toProto(const Wallet& wallet, v1::Wallet& out);
void toProto(const Payment& payment, v1::Payment& out);
void toProto(const LedgerEntry& entry, v1::LedgerEntry& out);
void toProto(const FaultSettings& faults, v1::Faults& out);

}  // namespace fleetdeck::payments
