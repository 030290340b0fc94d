// Runs a blocking gRPC handler body on a bounded WorkPool and finishes the callback reactor from there,
// so reactor threads never block on the database.
#pragma once

#include <grpcpp/grpcpp.h>

#include <optional>
#include <utility>

#include "fleetdeck/core/log.h"
#include "fleetdeck/core/work_pool.h"
#include "fleetdeck/rpc/call_context.h"
#include "fleetdeck/rpc/interceptors.h"
#include "fleetdeck/rpc/status_conversion.h"
#include "fleetdeck/telemetry/tracing.h"

namespace fleetdeck::rpc {

// `body` returns a fleetdeck::Status; a full pool answers RESOURCE_EXHAUSTED at once, and a call
// whose client gave up (deadline passed, cancelled) while queued is not started. The body runs
// under the call's trace context: its log lines carry trace_id/span_id, and gRPC calls it makes
// on makeChannel channels become children of the call's span.
template <typename Body>
grpc::ServerUnaryReactor* runBlocking(grpc::CallbackServerContext* context, WorkPool& pool, Body&& body) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const bool queued = pool.trySubmit([reactor, context, trace = traceContextOf(*context),
                                      body = std::forward<Body>(body)]() mutable {
    std::optional<telemetry::ScopedContext> scope;
    if (trace) scope.emplace(*trace);
    if (context->IsCancelled()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled before it started"));
      return;
    }
    Status status;
    (void)takeFailedDependency();  // nothing left over from an earlier body on this thread
    try {
      status = body();
    } catch (const std::exception& exception) {
      log::error("rpc handler threw", {{"error", exception.what()}});
      status = internalError("internal error");
    }
    if (std::string dependency = takeFailedDependency(); !dependency.empty() && isTransientFailure(status)) {
      context->AddTrailingMetadata(kFailedDependencyKey, dependency);
    }
    reactor->Finish(toGrpcStatus(status));
  });
  if (!queued) {
    reactor->Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "server busy: work queue full"));
  }
  return reactor;
}

}  // namespace fleetdeck::rpc
