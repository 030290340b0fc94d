// The admin view of sagas over gRPC (the console's saga list and timeline).
#pragma once

#include "fleetdeck/core/work_pool.h"
#include "fleetdeck/orders/v1/sagas.grpc.pb.h"
#include "fleetdeck/rpc/server.h"
#include "fleetdeck/saga/saga_engine.h"

namespace fleetdeck::orders {

class SagasGrpcService final {
 public:
  SagasGrpcService(saga::SagaEngine& engine, WorkPool& pool) : engine_(engine), pool_(pool) {}

  rpc::Handled ListSagas(rpc::ServerCall* call, const v1::ListSagasRequest*, v1::ListSagasResponse*);
  rpc::Handled GetSaga(rpc::ServerCall* call, const v1::GetSagaRequest*, v1::GetSagaResponse*);

  // Registers the service and each of its methods with `server` (before it starts).
  void bindTo(rpc::RpcServer& server);

 private:
  v1::SagasService::AsyncService async_;
  saga::SagaEngine& engine_;
  WorkPool& pool_;
};

}  // namespace fleetdeck::orders
