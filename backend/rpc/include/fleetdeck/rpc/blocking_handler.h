// Runs a blocking gRPC handler body on a bounded WorkPool and answers the call from there, so the
// server's completion-queue threads never block on the database.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <optional>
#include <utility>

#include "fleetdeck/core/log.h"
#include "fleetdeck/core/work_pool.h"
#include "fleetdeck/rpc/call_context.h"
#include "fleetdeck/rpc/interceptors.h"
#include "fleetdeck/rpc/server_call.h"
#include "fleetdeck/rpc/status_conversion.h"
#include "fleetdeck/telemetry/tracing.h"

namespace fleetdeck::rpc {

// `body` returns a fleetdeck::Status; a full pool answers RESOURCE_EXHAUSTED at once, and a call
// whose deadline passed while queued is not started. (A client's cancel is not seen here: on the
// async API, ServerContext::IsCancelled is only safe after an AsyncNotifyWhenDone event, one more per
// call.) The body runs under the call's trace context: its log lines carry trace_id/span_id, and gRPC
// calls it makes on makeChannel channels become children of the call's span.
template <typename Body>
Handled runBlocking(ServerCall* call, WorkPool& pool, Body&& body) {
  grpc::ServerContext* context = &call->context();
  const bool queued =
      pool.trySubmit([call, context, trace = traceContextOf(*context), body = std::forward<Body>(body)]() mutable {
        std::optional<telemetry::ScopedContext> scope;
        if (trace) scope.emplace(*trace);
        if (context->deadline() <= std::chrono::system_clock::now()) {
          call->finish(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "deadline passed before it started"));
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
        call->finish(toGrpcStatus(status));
      });
  if (!queued) return call->finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "server busy: work queue full"));
  return ServerCall::finishLater();
}

}  // namespace fleetdeck::rpc
