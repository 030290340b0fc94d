#include "adapters/sagas_grpc_service.h"

#include <google/protobuf/util/time_util.h>

#include "adapters/created_range.h"
#include "fleetdeck/core/json.h"
#include "fleetdeck/rpc/blocking_handler.h"

namespace fleetdeck::orders {
namespace {

using google::protobuf::util::TimeUtil;

void toProto(const saga::SagaView& view, v1::Saga& out, bool withSteps) {
  out.set_id(view.id);
  out.set_type(view.type);
  out.set_order_id(json::stringOr(view.data, "orderId"));
  out.set_state(view.state);
  out.set_current_step(view.currentStepName);
  out.set_trace_id(view.traceId);
  out.set_last_error(view.lastError);
  out.set_outcome_reason(view.outcomeReason.empty() ? json::stringOr(view.data, "cancelReason") : view.outcomeReason);
  *out.mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(view.createdAtMicros);
  *out.mutable_update_time() = TimeUtil::MicrosecondsToTimestamp(view.updatedAtMicros);
  if (view.finishedAtMicros != 0) *out.mutable_finish_time() = TimeUtil::MicrosecondsToTimestamp(view.finishedAtMicros);
  if (!withSteps) return;
  for (const auto& step : view.steps) {
    auto* added = out.add_steps();
    added->set_index(step.index);
    added->set_name(step.name);
    added->set_phase(step.phase);
    added->set_state(step.state);
    added->set_attempts(step.attempts);
    if (step.startedAtMicros != 0) *added->mutable_start_time() = TimeUtil::MicrosecondsToTimestamp(step.startedAtMicros);
    if (step.finishedAtMicros != 0) *added->mutable_end_time() = TimeUtil::MicrosecondsToTimestamp(step.finishedAtMicros);
    added->set_error(step.error);
    added->set_compensation(step.phase == "compensation");
  }
}

}  // namespace

rpc::Handled SagasGrpcService::ListSagas(rpc::ServerCall* call, const v1::ListSagasRequest* request,
                                         v1::ListSagasResponse* response) {
  return rpc::runBlocking(call, pool_, [this, request, response] {
    auto created = createdRangeOf(request->created_after(), request->created_before());
    if (!created) return created.status();
    auto page = engine_.list({.state = request->state(), .pageSize = request->page_size(),
                              .pageToken = request->page_token(), .createdAfterMicros = created->afterMicros,
                              .createdBeforeMicros = created->beforeMicros});
    if (!page) return page.status();
    for (const auto& view : page->sagas) toProto(view, *response->add_sagas(), false);
    response->set_next_page_token(page->nextPageToken);
    return Status::ok();
  });
}

rpc::Handled SagasGrpcService::GetSaga(rpc::ServerCall* call, const v1::GetSagaRequest* request,
                                       v1::GetSagaResponse* response) {
  return rpc::runBlocking(call, pool_, [this, request, response] {
    auto view = engine_.get(request->id());
    if (!view) return view.status();
    toProto(*view, *response->mutable_saga(), true);
    return Status::ok();
  });
}

void SagasGrpcService::bindTo(rpc::RpcServer& server) {
  using Async = v1::SagasService::AsyncService;
  server.addAsyncService(async_, v1::SagasService::service_full_name());
  server.addUnary(async_, &Async::RequestListSagas, "ListSagas", this, &SagasGrpcService::ListSagas);
  server.addUnary(async_, &Async::RequestGetSaga, "GetSaga", this, &SagasGrpcService::GetSaga);
}

}  // namespace fleetdeck::orders
