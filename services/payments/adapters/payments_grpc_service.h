// The payments service's gRPC face: proto <-> domain conversion around Wallets, on the callback API.
#pragma once

#include "domain/wallets.h"
#include "fleetdeck/core/work_pool.h"
#include "fleetdeck/payments/v1/payments.grpc.pb.h"

namespace fleetdeck::payments {

class PaymentsGrpcService final : public v1::PaymentsService::CallbackService {
 public:
  PaymentsGrpcService(Wallets& wallets, WorkPool& pool) : wallets_(wallets), pool_(pool) {}

  grpc::ServerUnaryReactor* GetWallet(grpc::CallbackServerContext* context, const v1::GetWalletRequest* request,
                                      v1::Wallet* response) override;
  grpc::ServerUnaryReactor* TopUpWallet(grpc::CallbackServerContext* context, const v1::TopUpWalletRequest* request,
                                        v1::Wallet* response) override;
  grpc::ServerUnaryReactor* ListPayments(grpc::CallbackServerContext* context, const v1::ListPaymentsRequest* request,
                                         v1::ListPaymentsResponse* response) override;
  grpc::ServerUnaryReactor* ListLedger(grpc::CallbackServerContext* context, const v1::ListLedgerRequest* request,
                                       v1::ListLedgerResponse* response) override;
  grpc::ServerUnaryReactor* GetFaults(grpc::CallbackServerContext* context, const v1::GetFaultsRequest* request,
                                      v1::Faults* response) override;
  grpc::ServerUnaryReactor* SetFaults(grpc::CallbackServerContext* context, const v1::SetFaultsRequest* request,
                                      v1::Faults* response) override;
  grpc::ServerUnaryReactor* ListPaymentAudit(grpc::CallbackServerContext* context,
                                             const common::v1::ListAuditRequest* request,
                                             common::v1::ListAuditResponse* response) override;
  grpc::ServerUnaryReactor* OpenWallet(grpc::CallbackServerContext* context, const v1::OpenWalletRequest* request,
                                       v1::Wallet* response) override;
  grpc::ServerUnaryReactor* Charge(grpc::CallbackServerContext* context, const v1::ChargeRequest* request,
                                   v1::Payment* response) override;
  grpc::ServerUnaryReactor* Refund(grpc::CallbackServerContext* context, const v1::RefundRequest* request,
                                   v1::Payment* response) override;

 private:
  Wallets& wallets_;
  WorkPool& pool_;
};

void toProto(const Wallet& wallet, v1::Wallet& out);
void toProto(const Payment& payment, v1::Payment& out);
void toProto(const LedgerEntry& entry, v1::LedgerEntry& out);
void toProto(const FaultSettings& faults, v1::Faults& out);

}  // namespace fleetdeck::payments
