// The orders service's gRPC face: proto <-> domain around OrderBook and the projection rebuilder.
#pragma once

#include "adapters/projection_rebuilder.h"
#include "domain/order_book.h"
#include "fleetdeck/core/work_pool.h"
#include "fleetdeck/orders/v1/orders.grpc.pb.h"
#include "fleetdeck/rpc/server.h"

namespace fleetdeck::orders {

class OrdersGrpcService final {
 public:
  OrdersGrpcService(OrderBook& book, ProjectionRebuilder& rebuilder, WorkPool& pool)
      : book_(book), rebuilder_(rebuilder), pool_(pool) {}

  rpc::Handled CreateOrder(rpc::ServerCall* call, const v1::CreateOrderRequest*, v1::Order*);
  rpc::Handled GetOrder(rpc::ServerCall* call, const v1::GetOrderRequest*, v1::Order*);
  rpc::Handled ListOrders(rpc::ServerCall* call, const v1::ListOrdersRequest*, v1::ListOrdersResponse*);
  rpc::Handled CancelOrder(rpc::ServerCall* call, const v1::CancelOrderRequest*, v1::Order*);
  rpc::Handled ShipOrder(rpc::ServerCall* call, const v1::ShipOrderRequest*, v1::Order*);
  rpc::Handled DeliverOrder(rpc::ServerCall* call, const v1::DeliverOrderRequest*, v1::Order*);
  rpc::Handled ListOrderEvents(rpc::ServerCall* call, const v1::ListOrderEventsRequest*, v1::ListOrderEventsResponse*);
  rpc::Handled GetOrderAtVersion(rpc::ServerCall* call, const v1::GetOrderAtVersionRequest*, v1::OrderAtVersion*);
  rpc::Handled RebuildProjection(rpc::ServerCall* call, const v1::RebuildProjectionRequest*, v1::Rebuild*);
  rpc::Handled GetRebuild(rpc::ServerCall* call, const v1::GetRebuildRequest*, v1::Rebuild*);
  rpc::Handled ListOrderAudit(rpc::ServerCall* call, const common::v1::ListAuditRequest*,
                              common::v1::ListAuditResponse*);

  // Registers the service and each of its methods with `server` (before it starts).
  void bindTo(rpc::RpcServer& server);

 private:
  v1::OrdersService::AsyncService async_;
  OrderBook& book_;
  ProjectionRebuilder& rebuilder_;
  WorkPool& pool_;
};

void toProto(const Order& order, v1::Order& out);
// The Rebuild message GetRebuild answers (RebuildProjection too, and the announced progress).
void toProto(const RebuildReport& report, v1::Rebuild& out);
Status toProto(const RecordedEvent& event, v1::OrderEvent& out);

}  // namespace fleetdeck::orders
