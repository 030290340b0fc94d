#include "adapters/orders_grpc_service.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include "adapters/created_range.h"
#include "fleetdeck/rpc/blocking_handler.h"
#include "fleetdeck/rpc/call_context.h"

namespace fleetdeck::orders {

using google::protobuf::util::TimeUtil;

namespace {

void toProto(const Money& money, common::v1::Money& out) {
  out.set_currency_code(money.currency);
  out.set_units(money.units);
}

ChangeContext changeContextOf(const grpc::ServerContextBase& context) {
  const rpc::CallContext call = rpc::callContextFrom(context);
  ChangeContext change{call.actor, call.traceId(), ""};
  // gRPC's "no deadline" is the clock's far end.
  if (context.deadline() < std::chrono::system_clock::time_point::max() - std::chrono::hours(24 * 365)) {
    change.deadline = context.deadline();
  }
  return change;
}

}  // namespace

void toProto(const RebuildReport& report, v1::Rebuild& out) {
  out.set_id(report.id);
  out.set_projection(report.projection);
  out.set_state(report.state);
  out.set_processed_events(report.processedEvents);
  out.set_total_events(report.totalEvents);
  for (const auto& difference : report.differences) {
    auto* added = out.add_differences();
    added->set_order_id(difference.orderId);
    added->set_field(difference.field);
    added->set_live(difference.live);
    added->set_rebuilt(difference.rebuilt);
  }
  out.set_difference_count(report.differenceCount);
  out.set_error(report.error);
  *out.mutable_start_time() = TimeUtil::MicrosecondsToTimestamp(report.startedAtMicros);
  if (report.finishedAtMicros != 0) *out.mutable_end_time() = TimeUtil::MicrosecondsToTimestamp(report.finishedAtMicros);
}

void toProto(const Order& order, v1::Order& out) {
  out.set_id(order.id);
  out.set_user_id(order.userId);
  out.set_status(order.status);
  for (const auto& line : order.items) {
    auto* item = out.add_items();
    item->set_product_id(line.productId);
    item->set_sku(line.sku);
    item->set_name(line.name);
    item->set_quantity(line.quantity);
    toProto(line.unitPrice, *item->mutable_unit_price());
    toProto(line.lineTotal(), *item->mutable_line_total());
  }
  toProto(order.total, *out.mutable_total());
  out.set_saga_id(order.sagaId);
  out.set_cancel_reason(order.cancelReason);
  out.set_tracking_number(order.trackingNumber);
  out.set_version(order.version);
  *out.mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(order.createdAtMicros);
  *out.mutable_update_time() = TimeUtil::MicrosecondsToTimestamp(order.updatedAtMicros);
}

Status toProto(const RecordedEvent& event, v1::OrderEvent& out) {
  out.set_event_id(event.eventId);
  out.set_order_id(event.orderId);
  out.set_version(event.version);
  out.set_type(event.type);
  *out.mutable_time() = TimeUtil::MicrosecondsToTimestamp(event.recordedAtMicros);
  out.set_actor(event.metadata.actor);
  out.set_trace_id(event.metadata.traceId);
  out.set_causation_id(event.metadata.causationId);
  if (auto status = google::protobuf::util::JsonStringToMessage(event.payloadJson, out.mutable_payload());
      !status.ok()) {
    return Status(StatusCode::kDataLoss, "event " + event.eventId + " has an unreadable payload");
  }
  return Status::ok();
}

rpc::Handled OrdersGrpcService::CreateOrder(rpc::ServerCall* call, const v1::CreateOrderRequest* request,
                                            v1::Order* response) {
  return rpc::runBlocking(call, pool_, [this, context = &call->context(), request, response] {
    CreateRequest create;
    create.userId = request->user_id();
    create.idempotencyKey = request->idempotency_key();
    for (const auto& item : request->items()) create.lines.push_back({item.product_id(), item.quantity()});
    auto order = book_.create(create, changeContextOf(*context));
    if (!order) return order.status();
    toProto(*order, *response);
    return Status::ok();
  });
}

rpc::Handled OrdersGrpcService::GetOrder(rpc::ServerCall* call, const v1::GetOrderRequest* request,
                                         v1::Order* response) {
  return rpc::runBlocking(call, pool_, [this, request, response] {
    auto order = book_.get(request->id());
    if (!order) return order.status();
    toProto(*order, *response);
    return Status::ok();
  });
}

rpc::Handled OrdersGrpcService::ListOrders(rpc::ServerCall* call, const v1::ListOrdersRequest* request,
                                           v1::ListOrdersResponse* response) {
  return rpc::runBlocking(call, pool_, [this, request, response] {
    ListRequest list;
    list.status = request->status();
    list.userId = request->user_id();
    list.pageSize = request->page_size();
    list.pageToken = request->page_token();
    auto created = createdRangeOf(request->created_after(), request->created_before());
    if (!created) return created.status();
    list.createdAfterMicros = created->afterMicros;
    list.createdBeforeMicros = created->beforeMicros;
    auto page = book_.list(list);
    if (!page) return page.status();
    for (const auto& order : page->orders) toProto(order, *response->add_orders());
    response->set_next_page_token(page->nextPageToken);
    return Status::ok();
  });
}

rpc::Handled OrdersGrpcService::CancelOrder(rpc::ServerCall* call, const v1::CancelOrderRequest* request,
                                            v1::Order* response) {
  return rpc::runBlocking(call, pool_, [this, context = &call->context(), request, response] {
    auto order = book_.cancel(request->id(), request->reason(), request->expected_version(), changeContextOf(*context),
                              request->idempotency_key());
    if (!order) return order.status();
    toProto(*order, *response);
    return Status::ok();
  });
}

rpc::Handled OrdersGrpcService::ShipOrder(rpc::ServerCall* call, const v1::ShipOrderRequest* request,
                                          v1::Order* response) {
  return rpc::runBlocking(call, pool_, [this, context = &call->context(), request, response] {
    auto order = book_.ship(request->id(), request->tracking_number(), request->expected_version(),
                            changeContextOf(*context), request->idempotency_key());
    if (!order) return order.status();
    toProto(*order, *response);
    return Status::ok();
  });
}

rpc::Handled OrdersGrpcService::DeliverOrder(rpc::ServerCall* call, const v1::DeliverOrderRequest* request,
                                             v1::Order* response) {
  return rpc::runBlocking(call, pool_, [this, context = &call->context(), request, response] {
    auto order = book_.deliver(request->id(), request->expected_version(), changeContextOf(*context),
                               request->idempotency_key());
    if (!order) return order.status();
    toProto(*order, *response);
    return Status::ok();
  });
}

rpc::Handled OrdersGrpcService::ListOrderEvents(rpc::ServerCall* call, const v1::ListOrderEventsRequest* request,
                                                v1::ListOrderEventsResponse* response) {
  return rpc::runBlocking(call, pool_, [this, request, response] {
    auto events = book_.history(request->order_id());
    if (!events) return events.status();
    for (const auto& event : *events) FLEETDECK_RETURN_IF_ERROR(toProto(event, *response->add_events()));
    return Status::ok();
  });
}

rpc::Handled OrdersGrpcService::GetOrderAtVersion(rpc::ServerCall* call, const v1::GetOrderAtVersionRequest* request,
                                                  v1::OrderAtVersion* response) {
  return rpc::runBlocking(call, pool_, [this, request, response] {
    auto state = book_.atVersion(request->order_id(), request->version());
    if (!state) return state.status();
    toProto(state->order, *response->mutable_order());
    response->set_version(state->order.version);
    return toProto(state->event, *response->mutable_event());
  });
}

rpc::Handled OrdersGrpcService::RebuildProjection(rpc::ServerCall* call, const v1::RebuildProjectionRequest* request,
                                                  v1::Rebuild* response) {
  return rpc::runBlocking(call, pool_, [this, request, response] {
    auto report = rebuilder_.start(request->name());
    if (!report) return report.status();
    toProto(*report, *response);
    return Status::ok();
  });
}

rpc::Handled OrdersGrpcService::GetRebuild(rpc::ServerCall* call, const v1::GetRebuildRequest* request,
                                           v1::Rebuild* response) {
  return rpc::runBlocking(call, pool_, [this, request, response] {
    auto report = rebuilder_.get(request->id());
    if (!report) return report.status();
    toProto(*report, *response);
    return Status::ok();
  });
}

rpc::Handled OrdersGrpcService::ListOrderAudit(rpc::ServerCall* call, const common::v1::ListAuditRequest* request,
                                               common::v1::ListAuditResponse* response) {
  return rpc::runBlocking(call, pool_, [this, request, response] {
    auto page = book_.audit({request->resource_id(), request->actor(), request->page_size(), request->page_token()});
    if (!page) return page.status();
    for (const auto& change : page->changes) {
      auto* entry = response->add_entries();
      entry->set_id(change.event.eventId);
      entry->set_resource("orders");
      entry->set_resource_id(change.event.orderId);
      entry->set_action(change.event.type);
      entry->set_actor(change.event.metadata.actor);
      entry->set_trace_id(change.event.metadata.traceId);
      *entry->mutable_time() = TimeUtil::MicrosecondsToTimestamp(change.event.recordedAtMicros);
      entry->set_before_json(change.beforeJson);
      entry->set_after_json(change.afterJson);
    }
    response->set_next_page_token(page->nextPageToken);
    return Status::ok();
  });
}

void OrdersGrpcService::bindTo(rpc::RpcServer& server) {
  using Async = v1::OrdersService::AsyncService;
  server.addAsyncService(async_, v1::OrdersService::service_full_name());
  server.addUnary(async_, &Async::RequestCreateOrder, "CreateOrder", this, &OrdersGrpcService::CreateOrder);
  server.addUnary(async_, &Async::RequestGetOrder, "GetOrder", this, &OrdersGrpcService::GetOrder);
  server.addUnary(async_, &Async::RequestListOrders, "ListOrders", this, &OrdersGrpcService::ListOrders);
  server.addUnary(async_, &Async::RequestCancelOrder, "CancelOrder", this, &OrdersGrpcService::CancelOrder);
  server.addUnary(async_, &Async::RequestShipOrder, "ShipOrder", this, &OrdersGrpcService::ShipOrder);
  server.addUnary(async_, &Async::RequestDeliverOrder, "DeliverOrder", this, &OrdersGrpcService::DeliverOrder);
  server.addUnary(async_, &Async::RequestListOrderEvents, "ListOrderEvents", this, &OrdersGrpcService::ListOrderEvents);
  server.addUnary(async_, &Async::RequestGetOrderAtVersion, "GetOrderAtVersion", this,
                  &OrdersGrpcService::GetOrderAtVersion);
  server.addUnary(async_, &Async::RequestRebuildProjection, "RebuildProjection", this,
                  &OrdersGrpcService::RebuildProjection);
  server.addUnary(async_, &Async::RequestGetRebuild, "GetRebuild", this, &OrdersGrpcService::GetRebuild);
  server.addUnary(async_, &Async::RequestListOrderAudit, "ListOrderAudit", this, &OrdersGrpcService::ListOrderAudit);
}

}  // namespace fleetdeck::orders
