// The admin view of sagas over gRPC (the console's saga list and timeline).
#pragma once

#include "fleetdeck/core/work_pool.h"
#include "fleetdeck/orders/v1/sagas.grpc.pb.h"
#include "fleetdeck/saga/saga_engine.h"

namespace fleetdeck::orders {

class SagasGrpcService final : public v1::SagasService::CallbackService {
 public:
  SagasGrpcService(saga::SagaEngine& engine, WorkPool& pool) : engine_(engine), pool_(pool) {}

  grpc::ServerUnaryReactor* ListSagas(grpc::CallbackServerContext*, const v1::ListSagasRequest*,
                                      v1::ListSagasResponse*) override;
  grpc::ServerUnaryReactor* GetSaga(grpc::CallbackServerContext*, const v1::GetSagaRequest*,
                                    v1::GetSagaResponse*) override;

 private:
  saga::SagaEngine& engine_;
  WorkPool& pool_;
};

}  // namespace fleetdeck::orders
