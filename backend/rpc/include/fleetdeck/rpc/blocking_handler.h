// Runs a blocking gRPC handler body on a bounded WorkPool and answers the call from there, so the
// server's completion-queue threads never block on the database.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <exception>
#include <functional>
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

namespace detail {

// The body's run on the pool thread, up to the status to answer with.
template <typename Body>
grpc::Status runBody(ServerCall& call, const std::optional<telemetry::TraceContext>& trace, Body& body) {
  std::optional<telemetry::ScopedContext> scope;
  if (trace) scope.emplace(*trace);
  if (call.abandoned()) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "server shutting down: not started");
  grpc::ServerContext& context = call.context();
  if (context.deadline() <= std::chrono::system_clock::now()) {
    return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "deadline passed before it started");
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
    context.AddTrailingMetadata(kFailedDependencyKey, dependency);
  }
  return toGrpcStatus(status);
}

}  // namespace detail

// `body` returns a fleetdeck::Status; a full pool answers RESOURCE_EXHAUSTED at once, a stopping one
// UNAVAILABLE. A call whose
// deadline passed while queued is not started, nor one still queued when the server's shutdown drain
// time is over. (A client's cancel is not seen here: on the async API, ServerContext::IsCancelled is
// only safe after an AsyncNotifyWhenDone event, one more per call.) The body runs under the call's
// trace context: its log lines carry trace_id/span_id, and gRPC calls it makes on makeChannel
// channels become children of the call's span. The call is answered whatever the body does.
template <typename Body>
Handled runBlocking(ServerCall* call, WorkPool& pool, Body&& body) {
  // The task is built before the hand-off: once handed off, the call is answered only by the task
  // (or below), so what may throw (the trace context's copy, the captures) must come first; a throw
  // here reaches the call's own handler, which answers INTERNAL.
  std::function<void()> task = [call, trace = traceContextOf(call->context()),
                                body = std::forward<Body>(body)]() mutable {
    grpc::Status answer;
    try {
      answer = detail::runBody(*call, trace, body);
    } catch (...) {
      log::error("rpc handler failed outside its body", {});
      answer = grpc::Status(grpc::StatusCode::INTERNAL, "internal error");
    }
    call->finish(answer);
  };
  call->handOff();
  bool queued = false;
  try {
    queued = pool.trySubmit(std::move(task));
  } catch (const std::exception& exception) {
    // The queue's push gives the strong guarantee: nothing was queued, so nothing else will answer.
    log::error("rpc handler not queued", {{"error", exception.what()}});
  }
  if (queued) return ServerCall::finishLater();
  if (pool.stopping()) return call->finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "server shutting down"));
  return call->finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "server busy: work queue full"));
}

}  // namespace fleetdeck::rpc
