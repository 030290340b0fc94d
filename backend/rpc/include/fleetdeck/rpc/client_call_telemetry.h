// Metrics and the CLIENT span of one outgoing gRPC call made without a grpc::Channel (the gateway's
// HTTP/2 client): the same grpc_client_handled_total, grpc_client_handling_seconds and span the
// channel's client interceptor records, so a call looks the same whichever client made it.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "fleetdeck/core/status.h"

namespace fleetdeck::rpc {

class ClientCallTelemetry {
 public:
  // Starts the span. Its parent is the thread's current trace context, else `traceparent` (the
  // caller's own, e.g. the gateway's request), else none: the call starts a trace.
  ClientCallTelemetry(const std::string& fullMethod, std::string_view traceparent);
  // A call dropped without a status counts as CANCELLED.
  ~ClientCallTelemetry();
  ClientCallTelemetry(ClientCallTelemetry&&) noexcept;
  ClientCallTelemetry& operator=(ClientCallTelemetry&&) noexcept;

  // What to send as the call's `traceparent`: the span's own context.
  const std::string& traceparent() const;
  // Counts the call and ends the span; later calls do nothing.
  void finish(StatusCode code, std::string_view message);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace fleetdeck::rpc
