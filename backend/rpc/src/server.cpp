#include "fleetdeck/rpc/server.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <grpcpp/alarm.h>
#include <grpcpp/ext/health_check_service_server_builder_option.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/generic/async_generic_service.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "fleetdeck/core/log.h"
#include "fleetdeck/core/thread_name.h"
#include "grpc_runtime.h"

namespace fleetdeck::rpc {
namespace {

constexpr std::string_view kHealthCheckMethod = "/grpc.health.v1.Health/Check";
constexpr std::string_view kHealthWatchMethod = "/grpc.health.v1.Health/Watch";

// grpc.health.v1.HealthCheckResponse.ServingStatus
enum class ServingStatus : uint8_t { kServing = 1, kNotServing = 2, kServiceUnknown = 3 };

std::string bytesOf(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  for (const auto& slice : slices) bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  return bytes;
}

// grpc.health.v1.HealthCheckRequest is one string field, `service` (1); read by hand so that health
// needs no generated code of its own.
Result<std::string> parseHealthCheckRequest(const std::string& bytes) {
  google::protobuf::io::CodedInputStream input(reinterpret_cast<const uint8_t*>(bytes.data()),
                                               static_cast<int>(bytes.size()));
  std::string service;
  while (const uint32_t tag = input.ReadTag()) {
    if (tag == ((1 << 3) | 2)) {
      uint32_t length = 0;
      if (!input.ReadVarint32(&length) || length > 1024 || !input.ReadString(&service, static_cast<int>(length))) {
        return invalidField("service", "is not a string of at most 1 KiB");
      }
    } else if (!google::protobuf::internal::WireFormatLite::SkipField(&input, tag)) {
      return invalidArgument("HealthCheckRequest is not a valid protobuf message");
    }
  }
  if (!input.ConsumedEntireMessage()) return invalidArgument("HealthCheckRequest is not a valid protobuf message");
  return service;
}

}  // namespace

// The completion queues, their threads, and what is served on them besides the async services:
// grpc.health.v1 (Check and Watch), and UNIMPLEMENTED for any other method no service has.
class RpcServer::Queues final : public detail::CallLifecycle {
 public:
  static constexpr int kRequestsPerMethod = 4;

  Queues(std::vector<std::string> serviceNames, detail::ServerTelemetry* telemetry)
      : serviceNames_(std::move(serviceNames)), telemetry_(telemetry) {}

  grpc::AsyncGenericService& generic() { return generic_; }

  void add(std::unique_ptr<grpc::ServerCompletionQueue> queue) { queues_.push_back(std::move(queue)); }

  void start(const std::vector<std::unique_ptr<detail::UnaryMethod>>& methods) {
    for (size_t i = 0; i < queues_.size(); ++i) {
      grpc::ServerCompletionQueue* queue = queues_[i].get();
      // Several calls of each method asked for at once: a call that arrives while none is asked for
      // waits inside gRPC, where a shutdown cancels it at once instead of giving it the drain time.
      for (int request = 0; request < kRequestsPerMethod; ++request) {
        for (const auto& method : methods) method->requestCall(queue, *this);
        new GenericCall(*this, queue);
      }
      threads_.push_back(namedThread("grpc-cq-" + std::to_string(i), [queue] {
        void* tag = nullptr;
        bool ok = false;
        while (queue->Next(&tag, &ok)) static_cast<detail::CompletionTag*>(tag)->complete(ok);
      }));
    }
  }

  // Once the shutdown has begun the status stays NOT_SERVING, as in gRPC's own health service: a
  // readiness thread's late SERVING would have Check answer it while the server drains.
  void setServing(bool serving) {
    std::lock_guard lock(watchMutex_);
    if (watchesEnding_.load(std::memory_order_relaxed)) return;
    serving_.store(serving, std::memory_order_relaxed);
    for (GenericCall* watch : watches_) watch->wake();
  }
  // Open Watch calls send their last status and end: a shutdown's drain would otherwise wait for them
  // (they end only when their client goes) and then cancel them.
  void endWatches() {
    std::lock_guard lock(watchMutex_);
    serving_.store(false, std::memory_order_relaxed);
    watchesEnding_.store(true, std::memory_order_relaxed);
    for (GenericCall* watch : watches_) watch->wake();
  }
  void stopAccepting() { accepting_.store(false, std::memory_order_relaxed); }
  // Work not started `drain` from now is not started at all (ServerCall::abandoned).
  void abandonAfter(std::chrono::milliseconds drain) {
    abandonAt_.store((std::chrono::steady_clock::now() + drain).time_since_epoch().count(), std::memory_order_relaxed);
  }

  // After the server's Shutdown: every call object gone, then the queues drained and their threads
  // joined. A call never answered (a handler's bug) would hold this forever: it is logged meanwhile.
  void stop() {
    {
      std::unique_lock lock(mutex_);
      while (!allGone_.wait_for(lock, std::chrono::seconds(5), [this] { return liveCalls_ == 0; })) {
        log::warn("gRPC server shutdown waits for calls still being answered",
                  {{"calls", static_cast<int64_t>(liveCalls_)}});
      }
    }
    for (auto& queue : queues_) queue->Shutdown();
    for (auto& thread : threads_) thread.join();
    threads_.clear();
  }

  bool accepting() const override { return accepting_.load(std::memory_order_relaxed); }
  bool abandoned() const override {
    return std::chrono::steady_clock::now().time_since_epoch().count() >= abandonAt_.load(std::memory_order_relaxed);
  }
  void callCreated() override {
    std::lock_guard lock(mutex_);
    ++liveCalls_;
  }
  void callDestroyed() override {
    std::lock_guard lock(mutex_);
    if (--liveCalls_ == 0) allGone_.notify_all();
  }
  void handlerThrew(const char* what) override { log::error("rpc handler threw", {{"error", what}}); }

 private:
  class GenericCall;

  // One of a call's completion-queue tags besides the call itself: its end, and its wake-up alarm.
  struct SideTag final : detail::CompletionTag {
    enum class Kind { kDone, kWoken };
    SideTag(GenericCall& call, Kind kind) : call(call), kind(kind) {}
    void complete(bool ok) override { call.sideEvent(kind, ok); }
    void* tag() { return static_cast<detail::CompletionTag*>(this); }
    GenericCall& call;
    const Kind kind;
  };

  // A call of a method no async service has: health's Check is answered at once, Watch sends the
  // status and then each change of it until the client goes or the server stops, anything else is
  // UNIMPLEMENTED. Every event of one call comes on its queue's one thread; only the alarm is set from
  // others (setServing), under watchMutex_.
  class GenericCall final : public detail::CompletionTag {
   public:
    GenericCall(Queues& queues, grpc::ServerCompletionQueue* queue)
        : queues_(queues), queue_(queue), stream_(&context_) {
      queues_.callCreated();
      // Only a Watch needs to learn that its client went; it must be asked for before the call starts.
      context_.AsyncNotifyWhenDone(done_.tag());
      queues_.generic_.RequestCall(&context_, &stream_, queue, queue, tag());
    }

    void complete(bool ok) override {
      opPending_ = false;
      switch (state_) {
        case State::kWaiting:
          if (!ok) {
            delete this;  // never started (the server is stopping): no end will be reported either
            return;
          }
          started_ = true;
          if (queues_.accepting()) new GenericCall(queues_, queue_);
          if (context_.method() == kHealthWatchMethod) {
            // A stream open for as long as its client watches: not measured as a call.
            read(State::kWatchReading);
            return;
          }
          if (queues_.telemetry_ != nullptr) {
            auto& metadata = const_cast<std::multimap<grpc::string_ref, grpc::string_ref>&>(context_.client_metadata());
            record_.start(*queues_.telemetry_, queues_.telemetry_->calledAs(context_.method()), metadata);
          }
          if (context_.method() == kHealthCheckMethod) {
            read(State::kCheckReading);
          } else {
            finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no method " + context_.method()));
          }
          return;
        case State::kCheckReading:
        case State::kWatchReading:
          if (!ok) {
            finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no HealthCheckRequest was sent"));
          } else if (state_ == State::kCheckReading) {
            answerHealthCheck();
          } else {
            startWatching();
          }
          return;
        case State::kWatching:
          if (!ok || doneReported_) {
            // The client went (its end is reported too); Finish still returns its tag.
            finish(grpc::Status(grpc::StatusCode::CANCELLED, "the watching client went"));
            return;
          }
          sendWatchedStatus();
          return;
        case State::kFinishing:
          break;
      }
      ended_ = true;
      deleteWhenQuiet();
    }

    // The call ended (done) or something it watches changed (woken).
    void sideEvent(SideTag::Kind kind, bool ok) {
      if (kind == SideTag::Kind::kDone) {
        doneReported_ = true;
        if (state_ == State::kWatching && !opPending_) {
          // Nothing in flight to fail: the watch ends here.
          finish(grpc::Status(grpc::StatusCode::CANCELLED, "the watching client went"));
          return;
        }
      } else {
        {
          std::lock_guard lock(queues_.watchMutex_);
          alarmSet_ = false;
        }
        if (ok && state_ == State::kWatching && !opPending_) sendWatchedStatus();
      }
      deleteWhenQuiet();
    }

    // From any thread: the status or the server's state changed.
    void wake() {  // under watchMutex_
      if (alarmSet_) return;
      alarmSet_ = true;
      alarm_.Set(queue_, gpr_now(GPR_CLOCK_MONOTONIC), woken_.tag());
    }

   private:
    enum class State { kWaiting, kCheckReading, kWatchReading, kWatching, kFinishing };

    ~GenericCall() { queues_.callDestroyed(); }

    void* tag() { return static_cast<detail::CompletionTag*>(this); }

    void read(State next) {
      state_ = next;
      opPending_ = true;
      stream_.Read(&request_, tag());
    }

    void finish(const grpc::Status& status) {
      unregisterWatch();
      state_ = State::kFinishing;
      opPending_ = true;
      record_.finish(status.error_code(), status.error_message());
      stream_.Finish(status, tag());
    }

    // Gone once nothing of it can still come back from gRPC: its last operation, its end (reported
    // for every call that started) and its alarm.
    void deleteWhenQuiet() {
      if (!ended_ || opPending_ || (started_ && !doneReported_)) return;
      {
        std::lock_guard lock(queues_.watchMutex_);
        if (alarmSet_) return;  // its wake-up comes back first
      }
      delete this;
    }

    // The service asked about, or a refusal already sent.
    std::optional<std::string> serviceAskedAbout() {
      auto service = parseHealthCheckRequest(bytesOf(request_));
      if (!service) {
        finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, service.status().message()));
        return std::nullopt;
      }
      return std::move(*service);
    }

    bool known(const std::string& service) const {
      const auto& names = queues_.serviceNames_;
      return service.empty() || std::find(names.begin(), names.end(), service) != names.end();
    }

    ServingStatus currentStatus() const {
      return queues_.serving_.load(std::memory_order_relaxed) ? ServingStatus::kServing : ServingStatus::kNotServing;
    }

    void setResponse(ServingStatus status) {
      const char bytes[2] = {0x08, static_cast<char>(status)};  // field 1, varint
      grpc::Slice slice(bytes, sizeof bytes);
      response_ = grpc::ByteBuffer(&slice, 1);
    }

    void answerHealthCheck() {
      auto service = serviceAskedAbout();
      if (!service) return;
      if (!known(*service)) {
        finish(grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service " + *service));
        return;
      }
      setResponse(currentStatus());
      record_.finish(grpc::StatusCode::OK, "");
      state_ = State::kFinishing;
      opPending_ = true;
      stream_.WriteAndFinish(response_, grpc::WriteOptions(), grpc::Status::OK, tag());
    }

    // As gRPC's own health service: an unknown service is SERVICE_UNKNOWN, sent and watched like
    // any other status (the fleet's services are all known from the start, so it never changes).
    void startWatching() {
      auto service = serviceAskedAbout();
      if (!service) return;
      knownService_ = known(*service);
      state_ = State::kWatching;
      {
        std::lock_guard lock(queues_.watchMutex_);
        queues_.watches_.insert(this);
      }
      sendWatchedStatus();
    }

    // Sends the status when it differs from the last one sent; at the server's stop, ends the call
    // with it. Called with nothing in flight.
    void sendWatchedStatus() {
      const ServingStatus status = knownService_ ? currentStatus() : ServingStatus::kServiceUnknown;
      if (queues_.watchesEnding_.load(std::memory_order_relaxed)) {
        unregisterWatch();
        state_ = State::kFinishing;
        opPending_ = true;
        const grpc::Status ending(grpc::StatusCode::UNAVAILABLE, "the server is shutting down");
        if (lastSent_ == status) {
          stream_.Finish(ending, tag());
        } else {
          setResponse(status);
          stream_.WriteAndFinish(response_, grpc::WriteOptions(), ending, tag());
        }
        return;
      }
      if (lastSent_ == status) return;
      lastSent_ = status;
      setResponse(status);
      opPending_ = true;
      stream_.Write(response_, tag());
    }

    void unregisterWatch() {
      std::lock_guard lock(queues_.watchMutex_);
      queues_.watches_.erase(this);
    }

    Queues& queues_;
    grpc::ServerCompletionQueue* queue_;
    grpc::GenericServerContext context_;
    grpc::GenericServerAsyncReaderWriter stream_;
    grpc::ByteBuffer request_;
    grpc::ByteBuffer response_;
    detail::ServerCallRecord record_;
    State state_ = State::kWaiting;
    SideTag done_{*this, SideTag::Kind::kDone};
    SideTag woken_{*this, SideTag::Kind::kWoken};
    grpc::Alarm alarm_;
    bool alarmSet_ = false;  // under watchMutex_
    bool opPending_ = true;  // the RequestCall
    bool started_ = false;
    bool doneReported_ = false;
    bool ended_ = false;
    bool knownService_ = true;
    std::optional<ServingStatus> lastSent_;
  };

  const std::vector<std::string> serviceNames_;
  detail::ServerTelemetry* const telemetry_;  // null: calls record nothing
  grpc::AsyncGenericService generic_;
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues_;
  std::vector<std::thread> threads_;
  std::atomic<bool> serving_{false};
  std::atomic<bool> watchesEnding_{false};
  std::atomic<bool> accepting_{true};
  std::atomic<std::chrono::steady_clock::rep> abandonAt_{std::numeric_limits<std::chrono::steady_clock::rep>::max()};
  std::mutex mutex_;
  std::condition_variable allGone_;
  size_t liveCalls_ = 0;
  std::mutex watchMutex_;
  std::set<GenericCall*> watches_;
};

RpcServer::RpcServer(ServerOptions options) : options_(std::move(options)) {}

RpcServer::~RpcServer() { shutdown(std::chrono::milliseconds(0)); }

void RpcServer::addService(grpc::Service* service) { services_.push_back(service); }

void RpcServer::addAsyncService(grpc::Service& service, std::string name) {
  services_.push_back(&service);
  asyncServices_.push_back({&service, std::move(name)});
}

// Each bound method must be one of its service's methods, with its message types, bound once; and a
// service that is async throughout needs every method bound (a call to one left out would wait out
// its deadline).
Status RpcServer::checkBindings() const {
  for (const auto& [service, name] : asyncServices_) {
    const auto* descriptor = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
    if (descriptor == nullptr) return invalidArgument("no gRPC service named " + name);
    std::set<std::string> bound;
    for (const auto& method : unaryMethods_) {
      if (method->service() != service) continue;
      const auto* found = descriptor->FindMethodByName(method->name());
      if (found == nullptr) return invalidArgument(name + " has no method " + method->name());
      if (found->input_type()->full_name() != method->requestType() ||
          found->output_type()->full_name() != method->responseType()) {
        return invalidArgument(name + "/" + method->name() + " takes " + found->input_type()->full_name() +
                               " and answers " + found->output_type()->full_name() + "; its handler takes " +
                               method->requestType() + " and answers " + method->responseType());
      }
      if (!bound.insert(method->name()).second) return invalidArgument(name + "/" + method->name() + " is bound twice");
    }
    if (!service->has_synchronous_methods() && static_cast<int>(bound.size()) != descriptor->method_count()) {
      return invalidArgument(name + ": " + std::to_string(bound.size()) + " of its " +
                             std::to_string(descriptor->method_count()) + " methods have a handler");
    }
  }
  for (const auto& method : unaryMethods_) {
    const bool added = std::any_of(asyncServices_.begin(), asyncServices_.end(),
                                   [&method](const auto& entry) { return entry.service == method->service(); });
    if (!added)
      return invalidArgument("method " + method->name() + " is bound to a service not added with addAsyncService");
  }
  return Status::ok();
}

Status RpcServer::start() {
  if (auto checked = checkBindings(); !checked.isOk()) return checked;
  std::vector<std::string> healthNames;
  for (const auto& entry : asyncServices_) healthNames.push_back(entry.name);
  if (options_.instrument) {
    telemetry_ = std::make_unique<detail::ServerTelemetry>();
    for (auto& method : unaryMethods_) {
      const auto& serviceName =
          std::find_if(asyncServices_.begin(), asyncServices_.end(), [&method](const auto& entry) {
            return entry.service == method->service();
          })->name;
      method->instrument(*telemetry_, telemetry_->method("/" + serviceName + "/" + method->name()));
    }
  }
  detail::tuneGrpcRuntime();
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int selectedPort = 0;
  builder.AddListeningPort(options_.address + ":" + std::to_string(options_.port), grpc::InsecureServerCredentials(),
                           &selectedPort);
  builder.SetMaxReceiveMessageSize(options_.maxMessageBytes);
  builder.SetMaxSendMessageSize(options_.maxMessageBytes);
  // Health is answered by the generic call below; gRPC's own (a callback service) stays out even if
  // something in the process enabled it.
  builder.SetOption(std::make_unique<grpc::HealthCheckServiceServerBuilderOption>(nullptr));
  for (auto* service : services_) builder.RegisterService(service);
  queues_ = std::make_unique<Queues>(std::move(healthNames), telemetry_.get());
  builder.RegisterAsyncGenericService(&queues_->generic());
  for (int i = 0; i < std::max(1, options_.threads); ++i) queues_->add(builder.AddCompletionQueue());
  server_ = builder.BuildAndStart();
  if (!server_ || selectedPort == 0) {
    server_.reset();
    queues_.reset();
    return unavailable("cannot start gRPC server on " + options_.address + ":" + std::to_string(options_.port));
  }
  port_ = static_cast<uint16_t>(selectedPort);
  queues_->start(unaryMethods_);
  setServing(true);
  return Status::ok();
}

void RpcServer::setServing(bool serving) {
  if (queues_) queues_->setServing(serving);
}

void RpcServer::shutdown(std::chrono::milliseconds drain) {
  if (!server_ || shutDown_) return;
  shutDown_ = true;
  setServing(false);
  queues_->endWatches();
  queues_->abandonAfter(drain);
  server_->Shutdown(std::chrono::system_clock::now() + drain);
  queues_->stopAccepting();
  server_->Wait();
  queues_->stop();
  server_.reset();
}

}  // namespace fleetdeck::rpc

#include "fleetdeck/core/config.h"

namespace fleetdeck::rpc {

ServerOptions serverOptionsFromConfig(Config& config) {
  ServerOptions options;
  options.address = config.getString("grpc.address", "127.0.0.1");
  options.port = static_cast<uint16_t>(config.getInt("grpc.port", 0, 0, 65535));
  options.maxMessageBytes = static_cast<int>(config.getInt("grpc.max_message_bytes", 4 << 20, 1024, 64 << 20));
  options.threads = static_cast<int>(config.getInt("grpc.threads", 1, 1, 64));
  return options;
}

}  // namespace fleetdeck::rpc
