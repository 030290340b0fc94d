// The orders service's gRPC face: proto <-> domain around OrderBook and the projection rebuilder.
#pragma once

#include "adapters/projection_rebuilder.h"
#include "domain/order_book.h"
#include "fleetdeck/core/work_pool.h"
#include "fleetdeck/orders/v1/orders.grpc.pb.h"

namespace fleetdeck::orders {

class OrdersGrpcService final : public v1::OrdersService::CallbackService {
 public:
  OrdersGrpcService(OrderBook& book, ProjectionRebuilder& rebuilder, WorkPool& pool)
      : book_(book), rebuilder_(rebuilder), pool_(pool) {}

  grpc::ServerUnaryReactor* CreateOrder(grpc::CallbackServerContext*, const v1::CreateOrderRequest*,
                                        v1::Order*) override;
  grpc::ServerUnaryReactor* GetOrder(grpc::CallbackServerContext*, const v1::GetOrderRequest*, v1::Order*) override;
  grpc::ServerUnaryReactor* ListOrders(grpc::CallbackServerContext*, const v1::ListOrdersRequest*,
                                       v1::ListOrdersResponse*) override;
  grpc::ServerUnaryReactor* CancelOrder(grpc::CallbackServerContext*, const v1::CancelOrderRequest*,
                                        v1::Order*) override;
  grpc::ServerUnaryReactor* ShipOrder(grpc::CallbackServerContext*, const v1::ShipOrderRequest*, v1::Order*) override;
  grpc::ServerUnaryReactor* DeliverOrder(grpc::CallbackServerContext*, const v1::DeliverOrderRequest*,
                                         v1::Order*) override;
  grpc::ServerUnaryReactor* ListOrderEvents(grpc::CallbackServerContext*, const v1::ListOrderEventsRequest*,
                                            v1::ListOrderEventsResponse*) override;
  grpc::ServerUnaryReactor* GetOrderAtVersion(grpc::CallbackServerContext*, const v1::GetOrderAtVersionRequest*,
                                              v1::OrderAtVersion*) override;
  grpc::ServerUnaryReactor* RebuildProjection(grpc::CallbackServerContext*, const v1::RebuildProjectionRequest*,
                                              v1::Rebuild*) override;
  grpc::ServerUnaryReactor* GetRebuild(grpc::CallbackServerContext*, const v1::GetRebuildRequest*,
                                       v1::Rebuild*) override;
  grpc::ServerUnaryReactor* ListOrderAudit(grpc::CallbackServerContext*, const common::v1::ListAuditRequest*,
                                           common::v1::ListAuditResponse*) override;

 private:
  OrderBook& book_;
  ProjectionRebuilder& rebuilder_;
  WorkPool& pool_;
};

void toProto(const Order& order, v1::Order& out);
// The Rebuild message GetRebuild answers (RebuildProjection too, and the announced progress).
void toProto(const RebuildReport& report, v1::Rebuild& out);
Status toProto(const RecordedEvent& event, v1::OrderEvent& out);

}  // namespace fleetdeck::orders
