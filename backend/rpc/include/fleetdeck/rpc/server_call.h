// One unary gRPC call as its handler sees it: the call's context and the one way to answer it.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>

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

  // Before a handler hands the call to another thread, which will call finish(): from then on a
  // throw in the handler leaves the answer to that thread.
  void handOff() { handedOff_.store(true, std::memory_order_relaxed); }
  // What the handler returns once it handed the call on. Static, because by then the call may be
  // answered and gone.
  static Handled finishLater() { return Handled(); }

  // True once the server's shutdown drain time is over: gRPC has cancelled the call, so work not
  // started by then is better not done (runBlocking answers UNAVAILABLE instead).
  virtual bool abandoned() const = 0;

 protected:
  ServerCall() = default;
  virtual ~ServerCall() = default;
  virtual void answer(const grpc::Status& status) = 0;
  bool handedOff() const { return handedOff_.load(std::memory_order_relaxed); }

 private:
  grpc::ServerContext context_;
  std::atomic<bool> handedOff_{false};
};

}  // namespace fleetdeck::rpc
