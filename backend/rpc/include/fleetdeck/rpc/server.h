// gRPC server bootstrap: health (grpc.health.v1) and reflection on, metrics and tracing interceptors,
// graceful shutdown with a drain deadline.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fleetdeck/core/status.h"

namespace fleetdeck::rpc {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0: pick a free port
  int maxMessageBytes = 4 * 1024 * 1024;
  // Metrics and tracing interceptors (see interceptors.h). Off only to measure what they cost.
  bool instrument = true;
};

class RpcServer {
 public:
  explicit RpcServer(ServerOptions options);
  ~RpcServer();

  // Services must outlive the server.
  void addService(grpc::Service* service);
  Status start();
  uint16_t port() const { return port_; }
  std::string address() const { return options_.address + ":" + std::to_string(port_); }

  // Marks every service SERVING / NOT_SERVING in grpc.health.v1.
  void setServing(bool serving);

  // Stops accepting calls, lets in-flight ones finish until `drain`, then cancels what is left.
  void shutdown(std::chrono::milliseconds drain);

 private:
  ServerOptions options_;
  std::vector<grpc::Service*> services_;
  std::unique_ptr<grpc::Server> server_;
  uint16_t port_ = 0;
  bool shutDown_ = false;
};

}  // namespace fleetdeck::rpc

namespace fleetdeck {
class Config;
}

namespace fleetdeck::rpc {

// Reads [grpc] address and port.
ServerOptions serverOptionsFromConfig(Config& config);

}  // namespace fleetdeck::rpc
