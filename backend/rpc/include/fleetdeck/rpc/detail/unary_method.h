// How RpcServer serves a unary method of an async (completion-queue) service: one call object per
// call, from the method's request to its answer. Included by server.h; not for services.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <exception>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "fleetdeck/rpc/detail/server_call_telemetry.h"
#include "fleetdeck/rpc/server_call.h"

namespace fleetdeck::rpc::detail {

// Every tag on RpcServer's completion queues is one of these; the queue's thread calls complete().
class CompletionTag {
 public:
  virtual void complete(bool ok) = 0;

 protected:
  ~CompletionTag() = default;
};

// What call objects tell their server: shutdown waits until every call object is gone, because a
// call's answer needs its completion queue alive.
class CallLifecycle {
 public:
  virtual bool accepting() const = 0;
  // See ServerCall::abandoned.
  virtual bool abandoned() const = 0;
  virtual void callCreated() = 0;
  virtual void callDestroyed() = 0;
  // A handler threw: logged (the call is answered INTERNAL unless it was answered or handed on).
  virtual void handlerThrew(const char* what) = 0;

 protected:
  ~CallLifecycle() = default;
};

class UnaryMethod {
 public:
  explicit UnaryMethod(std::string name) : name_(std::move(name)) {}
  virtual ~UnaryMethod() = default;

  // The AsyncService the method belongs to, its name there ("GetProduct") and its message types:
  // RpcServer checks them against the service's descriptor.
  virtual const grpc::Service* service() const = 0;
  const std::string& name() const { return name_; }
  virtual const std::string& requestType() const = 0;
  virtual const std::string& responseType() const = 0;

  // Where its calls record their metrics and spans (not called: they record nothing).
  void instrument(ServerTelemetry& telemetry, MethodMetrics& metrics) {
    telemetry_ = &telemetry;
    metrics_ = &metrics;
  }

  // Asks gRPC for this method's next call on `queue`.
  virtual void requestCall(grpc::ServerCompletionQueue* queue, CallLifecycle& lifecycle) = 0;

 protected:
  const std::string name_;
  ServerTelemetry* telemetry_ = nullptr;
  MethodMetrics* metrics_ = nullptr;
};

// The generated AsyncService's RequestX member for a unary method X.
template <class Owner, class Request, class Response>
using RequestFunction = void (Owner::*)(grpc::ServerContext*, Request*, grpc::ServerAsyncResponseWriter<Response>*,
                                        grpc::CompletionQueue*, grpc::ServerCompletionQueue*, void*);

template <class Request, class Response>
using UnaryHandler = std::function<Handled(ServerCall*, const Request*, Response*)>;

template <class Owner, class Request, class Response>
class UnaryMethodOf final : public UnaryMethod {
 public:
  UnaryMethodOf(Owner& service, RequestFunction<Owner, Request, Response> request, std::string name,
                UnaryHandler<Request, Response> handler)
      : UnaryMethod(std::move(name)), service_(service), request_(request), handler_(std::move(handler)) {}

  const grpc::Service* service() const override { return &service_; }
  const std::string& requestType() const override { return Request::descriptor()->full_name(); }
  const std::string& responseType() const override { return Response::descriptor()->full_name(); }

  void requestCall(grpc::ServerCompletionQueue* queue, CallLifecycle& lifecycle) override {
    new Call(*this, queue, lifecycle);
  }

 private:
  class Call final : public ServerCall, public CompletionTag {
   public:
    Call(UnaryMethodOf& method, grpc::ServerCompletionQueue* queue, CallLifecycle& lifecycle)
        : method_(method), queue_(queue), lifecycle_(lifecycle), writer_(&context()) {
      lifecycle_.callCreated();
      // In two steps: GCC 12's -fsanitize=vptr (the asan preset) miscompiles the one expression
      // `(method_.service_.*method_.request_)(...)`, reading the service through `this`.
      Owner& service = method_.service_;
      const auto request = method_.request_;
      (service.*request)(&context(), &request_, &writer_, queue, queue, static_cast<CompletionTag*>(this));
    }

    // First the call arrives (or, with !ok, the server is shutting down); then its answer is out.
    void complete(bool ok) override {
      if (answered_.load() || !ok) {
        delete this;
        return;
      }
      if (lifecycle_.accepting()) method_.requestCall(queue_, lifecycle_);
      if (method_.telemetry_ != nullptr) {
        // The map is the context's own, const only in ServerContext's interface (gRPC's interceptors
        // get it mutable): the record points its `traceparent` at the call's span.
        auto& metadata = const_cast<std::multimap<grpc::string_ref, grpc::string_ref>&>(context().client_metadata());
        record_.start(*method_.telemetry_, *method_.metrics_, metadata);
      }
      // The call object outlives this function whatever the handler did: its answer's completion can
      // only come back through this queue, on this thread, after it returns.
      try {
        (void)method_.handler_(this, &request_, &response_);
      } catch (const std::exception& exception) {
        answerThrown(exception.what());
      } catch (...) {
        answerThrown("not a std::exception");
      }
    }

    bool abandoned() const override { return lifecycle_.abandoned(); }

   private:
    ~Call() override { lifecycle_.callDestroyed(); }

    void answerThrown(const char* what) {
      lifecycle_.handlerThrew(what);
      if (!answered_.load() && !handedOff()) finish(grpc::Status(grpc::StatusCode::INTERNAL, "internal error"));
    }

    void answer(const grpc::Status& status) override {
      answered_.store(true);  // before Finish: its completion may run on the queue's thread at once
      record_.finish(status.error_code(), status.error_message());
      if (status.ok()) {
        writer_.Finish(response_, status, static_cast<CompletionTag*>(this));
      } else {
        writer_.FinishWithError(status, static_cast<CompletionTag*>(this));
      }
    }

    UnaryMethodOf& method_;
    grpc::ServerCompletionQueue* queue_;
    CallLifecycle& lifecycle_;
    Request request_;
    Response response_;
    grpc::ServerAsyncResponseWriter<Response> writer_;
    ServerCallRecord record_;
    std::atomic<bool> answered_{false};
  };

  Owner& service_;
  RequestFunction<Owner, Request, Response> request_;
  UnaryHandler<Request, Response> handler_;
};

}  // namespace fleetdeck::rpc::detail
