#include "fleetdeck/rpc/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include "fleetdeck/core/log.h"
#include "fleetdeck/rpc/interceptors.h"
#include "grpc_runtime.h"

namespace fleetdeck::rpc {

RpcServer::RpcServer(ServerOptions options) : options_(std::move(options)) {}

RpcServer::~RpcServer() { shutdown(std::chrono::milliseconds(0)); }

void RpcServer::addService(grpc::Service* service) { services_.push_back(service); }

Status RpcServer::start() {
  detail::tuneGrpcRuntime();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int selectedPort = 0;
  builder.AddListeningPort(options_.address + ":" + std::to_string(options_.port), grpc::InsecureServerCredentials(),
                           &selectedPort);
  builder.SetMaxReceiveMessageSize(options_.maxMessageBytes);
  builder.SetMaxSendMessageSize(options_.maxMessageBytes);
  for (auto* service : services_) builder.RegisterService(service);
  if (options_.instrument) {
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
    interceptors.push_back(makeServerTelemetryInterceptorFactory());
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }
  server_ = builder.BuildAndStart();
  if (!server_ || selectedPort == 0) {
    server_.reset();
    return unavailable("cannot start gRPC server on " + options_.address + ":" + std::to_string(options_.port));
  }
  port_ = static_cast<uint16_t>(selectedPort);
  setServing(true);
  return Status::ok();
}

void RpcServer::setServing(bool serving) {
  if (!server_) return;
  if (auto* health = server_->GetHealthCheckService()) health->SetServingStatus(serving);
}

void RpcServer::shutdown(std::chrono::milliseconds drain) {
  if (!server_ || shutDown_) return;
  shutDown_ = true;
  setServing(false);
  server_->Shutdown(std::chrono::system_clock::now() + drain);
  server_->Wait();
}

}  // namespace fleetdeck::rpc

#include "fleetdeck/core/config.h"

namespace fleetdeck::rpc {

ServerOptions serverOptionsFromConfig(Config& config) {
  ServerOptions options;
  options.address = config.getString("grpc.address", "127.0.0.1");
  options.port = static_cast<uint16_t>(config.getInt("grpc.port", 0, 0, 65535));
  options.maxMessageBytes = static_cast<int>(config.getInt("grpc.max_message_bytes", 4 << 20, 1024, 64 << 20));
  return options;
}

}  // namespace fleetdeck::rpc
