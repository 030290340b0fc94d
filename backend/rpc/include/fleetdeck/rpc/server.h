// gRPC server bootstrap: the fleet's async services served on the server's own completion-queue
// threads with each call's metrics and span, health (grpc.health.v1) and reflection on, graceful
// shutdown with a drain deadline.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "fleetdeck/core/status.h"
#include "fleetdeck/rpc/detail/unary_method.h"
#include "fleetdeck/rpc/server_call.h"

namespace fleetdeck::rpc {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0: pick a free port
  int maxMessageBytes = 4 * 1024 * 1024;
  // Each call's metrics and span (detail/server_call_telemetry.h). Off only to measure what they cost.
  bool instrument = true;
  // Completion-queue threads serving the async services, health and unknown methods: each polls
  // gRPC's sockets and runs the handlers that answer at once; blocking work goes to a WorkPool.
  int threads = 1;
};

class RpcServer {
 public:
  explicit RpcServer(ServerOptions options);
  ~RpcServer();

  // Services must outlive the server.
  //
  // A callback or sync service, served by gRPC's own threads without metrics or spans (tests' fakes).
  void addService(grpc::Service* service);

  // A generated `X::AsyncService` (or a `WithAsyncMethod_...` mix whose other methods are the sync
  // API's UNIMPLEMENTED) whose async methods are then bound with addUnary; `name` is its full name
  // ("fleetdeck.products.v1.ProductsService"), which grpc.health.v1 answers for. Why not the callback
  // API: on 2 cores its two callback threads hand gRPC's polling to each other on every call; served
  // here, products spends a quarter less CPU per call (docs/performance.md).
  void addAsyncService(grpc::Service& service, std::string name);

  // Binds a unary method of an async service: `request` is the AsyncService's RequestX, `name` the
  // method's name in the proto ("GetProduct": its metrics and span, checked at start against the
  // service's descriptor), `handler` answers each call through ServerCall::finish (at once, or later
  // from another thread: see runBlocking).
  template <class Owner, class Request, class Response, class Impl>
  void addUnary(std::type_identity_t<Owner>& service, detail::RequestFunction<Owner, Request, Response> request,
                std::string name, Impl* impl, Handled (Impl::*handler)(ServerCall*, const Request*, Response*)) {
    unaryMethods_.push_back(std::make_unique<detail::UnaryMethodOf<Owner, Request, Response>>(
        service, request, std::move(name), [impl, handler](ServerCall* call, const Request* in, Response* out) {
          return (impl->*handler)(call, in, out);
        }));
  }

  Status start();
  uint16_t port() const { return port_; }
  std::string address() const { return options_.address + ":" + std::to_string(port_); }

  // Marks every service SERVING / NOT_SERVING in grpc.health.v1: Check answers it, open Watch calls
  // are sent the change. Any thread, once start() has returned; ignored once shutdown() has begun.
  void setServing(bool serving);

  // Stops accepting calls, lets in-flight ones finish until `drain`, then cancels what is left;
  // returns once every handler has answered. Health Watch calls end at once (NOT_SERVING, then
  // UNAVAILABLE): they would otherwise last the whole drain.
  void shutdown(std::chrono::milliseconds drain);

 private:
  class Queues;

  Status checkBindings() const;

  ServerOptions options_;
  std::vector<grpc::Service*> services_;
  struct AsyncService {
    grpc::Service* service;
    std::string name;
  };
  std::vector<AsyncService> asyncServices_;
  std::vector<std::unique_ptr<detail::UnaryMethod>> unaryMethods_;
  std::unique_ptr<detail::ServerTelemetry> telemetry_;
  std::unique_ptr<Queues> queues_;
  std::unique_ptr<grpc::Server> server_;
  uint16_t port_ = 0;
  bool shutDown_ = false;
};

}  // namespace fleetdeck::rpc

namespace fleetdeck {
class Config;
}

namespace fleetdeck::rpc {

// Reads [grpc] address, port, max_message_bytes and threads.
ServerOptions serverOptionsFromConfig(Config& config);

}  // namespace fleetdeck::rpc
