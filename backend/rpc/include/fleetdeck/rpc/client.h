// Client side of gRPC: one channel per upstream, and a context with a deadline for every call.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

namespace fleetdeck::rpc {

struct ChannelOptions {
  // Metrics and tracing interceptors (see interceptors.h). Off only to measure what they cost.
  bool instrument = true;
};

// An insecure channel (loopback / in-cluster mTLS by the mesh) with keepalive and retries off:
// retrying is the caller's decision, because only it knows whether the method is idempotent.
// Every call on it is measured (grpc_client_*) and carries the caller's trace context.
std::shared_ptr<grpc::Channel> makeChannel(const std::string& target, ChannelOptions options = {});

// A ClientContext whose deadline is `timeout` from now. Every call gets one.
std::unique_ptr<grpc::ClientContext> makeContext(std::chrono::milliseconds timeout);

// Waits until the channel is connected or the timeout passes.
bool waitForConnected(const std::shared_ptr<grpc::Channel>& channel, std::chrono::milliseconds timeout);

}  // namespace fleetdeck::rpc
