#include "fleetdeck/rpc/client.h"

#include <grpcpp/create_channel.h>

#include "fleetdeck/rpc/interceptors.h"
#include "grpc_runtime.h"

namespace fleetdeck::rpc {

std::shared_ptr<grpc::Channel> makeChannel(const std::string& target, ChannelOptions options) {
  detail::tuneGrpcRuntime();
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30'000);
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10'000);
  // Reconnect quickly after a restart of the upstream (the default backoff grows to 2 minutes).
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2'000);
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  if (!options.instrument) return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), arguments);
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(makeClientTelemetryInterceptorFactory());
  return grpc::experimental::CreateCustomChannelWithInterceptors(target, grpc::InsecureChannelCredentials(), arguments,
                                                                 std::move(interceptors));
}

std::unique_ptr<grpc::ClientContext> makeContext(std::chrono::milliseconds timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + timeout);
  return context;
}

bool waitForConnected(const std::shared_ptr<grpc::Channel>& channel, std::chrono::milliseconds timeout) {
  return channel->WaitForConnected(std::chrono::system_clock::now() + timeout);
}

}  // namespace fleetdeck::rpc
