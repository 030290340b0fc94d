// One unary gRPC call as its handler sees it: the call's context and the one way to answer it.
#pragma once

#include <grpcpp/grpcpp.h>

namespace fleetdeck::rpc {

class ServerCall;

// What a handler returns: proof that it answered its call or arranged for the answer
// (ServerCall::finish / finishLater; runBlocking returns one too).
class Handled {
 private:
  friend class ServerCall;
  Handled() = default;
};

class ServerCall {
 public:
  ServerCall(const ServerCall&) = delete;
  ServerCall& operator=(const ServerCall&) = delete;

  grpc::ServerContext& context() { return context_; }

  // Sends the response (when `status` is OK) or the error. Exactly once per call, from any thread;
  // the call, its request and its response are gone once it returns.
  Handled finish(const grpc::Status& status) {
    answer(status);
    return Handled();
  }

  // For a handler that handed the call on: someone else calls finish() later. Static, because by
  // the time the handler says so the call may be answered and gone.
  static Handled finishLater() { return Handled(); }

 protected:
  ServerCall() = default;
  virtual ~ServerCall() = default;
  virtual void answer(const grpc::Status& status) = 0;

 private:
  grpc::ServerContext context_;
};

}  // namespace fleetdeck::rpc
