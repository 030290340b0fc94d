// The client side's gRPC interceptor (makeChannel installs it): grpc_client_handled_total and
// grpc_client_handling_seconds, and a CLIENT span whose context goes out as `traceparent`. Served
// calls get theirs from RpcServer itself (detail/server_call_telemetry.h): grpc_server_handled_total,
// grpc_server_handling_seconds, fleetdeck_requests_total{protocol="grpc"} and a SERVER span.
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/client_interceptor.h>

#include <memory>
#include <optional>

#include "fleetdeck/telemetry/metrics.h"
#include "fleetdeck/telemetry/trace_context.h"

namespace fleetdeck::rpc {

std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface> makeClientTelemetryInterceptorFactory(
    telemetry::Registry& registry = telemetry::defaultRegistry());

// The trace context a handler runs under: once its call has arrived, the incoming
// `traceparent` metadata names this call's own server span, so it is the parent for everything the
// handler does (runBlocking makes it current on the worker thread). nullopt without one.
std::optional<telemetry::TraceContext> traceContextOf(const grpc::ServerContextBase& context);

// True for the codes that mean the server failed rather than the caller (UNKNOWN,
// DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS), as the OpenTelemetry
// conventions mark server spans as errors.
bool isServerFault(grpc::StatusCode code);

}  // namespace fleetdeck::rpc
