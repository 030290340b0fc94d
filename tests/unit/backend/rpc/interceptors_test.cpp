// The telemetry interceptors on a real gRPC server and channel (RpcServer's async methods, loopback): metrics,
// spans, trace propagation across a nested call, and trace ids in the handler's log lines.
#include "fleetdeck/rpc/interceptors.h"

#include <gtest/gtest.h>

#include <mutex>

#include "fleetdeck/core/json.h"
#include "fleetdeck/core/log.h"
#include "fleetdeck/core/work_pool.h"
#include "fleetdeck/rpc/blocking_handler.h"
#include "fleetdeck/rpc/call_context.h"
#include "fleetdeck/rpc/client_call_telemetry.h"
#include "fleetdeck/rpc/client.h"
#include "fleetdeck/rpc/server.h"
#include "fleetdeck/telemetry/tracing.h"
#include "fleetdeck/users/v1/users.grpc.pb.h"

namespace fleetdeck::rpc {
namespace {

namespace v1 = fleetdeck::users::v1;
using telemetry::SpanData;
using telemetry::SpanKind;

class CapturingProcessor final : public telemetry::SpanProcessor {
 public:
  void onEnd(SpanData&& span) override {
    std::lock_guard lock(mutex_);
    spans_.push_back(std::move(span));
  }
  void flush(std::chrono::milliseconds) override {}
  std::vector<SpanData> spans() {
    std::lock_guard lock(mutex_);
    return spans_;
  }
  void clear() {
    std::lock_guard lock(mutex_);
    spans_.clear();
  }

 private:
  std::mutex mutex_;
  std::vector<SpanData> spans_;
};

// GetUser: "missing" -> NOT_FOUND, "broken" -> INTERNAL, "nested" -> calls ListUsers on `next_`
// first; every call records what its handler saw (log line, call context).
// Its other methods are the sync API's UNIMPLEMENTED.
class TestUsers final : public v1::UsersService::WithAsyncMethod_GetUser<
                            v1::UsersService::WithAsyncMethod_ListUsers<v1::UsersService::Service>> {
 public:
  explicit TestUsers(WorkPool& pool) : pool_(pool) {}
  void setNext(std::shared_ptr<grpc::Channel> channel) { next_ = v1::UsersService::NewStub(channel); }
  void bindTo(RpcServer& server) {
    server.addAsyncService(*this, v1::UsersService::service_full_name());
    server.addUnary(*this, &TestUsers::RequestGetUser, "GetUser", this, &TestUsers::answerGetUser);
    server.addUnary(*this, &TestUsers::RequestListUsers, "ListUsers", this, &TestUsers::answerListUsers);
  }

  Handled answerGetUser(ServerCall* call, const v1::GetUserRequest* request, v1::User* response) {
    return runBlocking(call, pool_, [this, context = &call->context(), request, response]() -> Status {
      record(*context);
      if (request->id() == "missing") return notFound("no user missing");
      if (request->id() == "broken") return internalError("database on fire");
      if (request->id() == "nested") {
        auto call = makeContext(std::chrono::seconds(5));
        v1::ListUsersRequest list;
        v1::ListUsersResponse listed;
        const grpc::Status status = next_->ListUsers(call.get(), list, &listed);
        if (!status.ok()) return fromGrpcStatus(status);
      }
      response->set_id(request->id());
      return Status::ok();
    });
  }

  Handled answerListUsers(ServerCall* call, const v1::ListUsersRequest*, v1::ListUsersResponse*) {
    return runBlocking(call, pool_, [this, context = &call->context()]() -> Status {
      record(*context);
      return Status::ok();
    });
  }

  struct Seen {
    std::string logLine;
    std::string traceparent;
  };
  std::vector<Seen> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  void clear() {
    std::lock_guard lock(mutex_);
    seen_.clear();
  }

 private:
  void record(const grpc::ServerContextBase& context) {
    std::lock_guard lock(mutex_);
    seen_.push_back({log::formatLine(log::Level::kInfo, "handling", {}), callContextFrom(context).traceparent});
  }

  WorkPool& pool_;
  std::unique_ptr<v1::UsersService::Stub> next_;
  std::mutex mutex_;
  std::vector<Seen> seen_;
};

class Interceptors : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    telemetry::setResource({"interceptor-test", "1", "i-1"});
    pool_ = new WorkPool(4, 64, "test");
    service_ = new TestUsers(*pool_);
    server_ = new RpcServer(ServerOptions{});
    service_->bindTo(*server_);
    ASSERT_TRUE(server_->start().isOk());
    service_->setNext(makeChannel(server_->address()));
  }
  static void TearDownTestSuite() {
    server_->shutdown(std::chrono::milliseconds(100));
    pool_->shutdown();
    delete server_;
    delete service_;
    delete pool_;
  }
  void SetUp() override {
    telemetry::setSpanProcessor(processor_);
    service_->clear();
  }
  void TearDown() override { telemetry::setSpanProcessor(nullptr); }

  static grpc::Status getUser(const std::string& id, grpc::ClientContext* context = nullptr,
                              ChannelOptions options = {}) {
    auto stub = v1::UsersService::NewStub(makeChannel(server_->address(), options));
    auto owned = makeContext(std::chrono::seconds(5));
    v1::GetUserRequest request;
    request.set_id(id);
    v1::User user;
    return stub->GetUser(context != nullptr ? context : owned.get(), request, &user);
  }

  // The spans are handed over when each call ends, which may be just after the client returned.
  std::vector<SpanData> waitForSpans(size_t count) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (processor_->spans().size() < count && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return processor_->spans();
  }

  static const SpanData* find(const std::vector<SpanData>& spans, std::string_view name, SpanKind kind) {
    for (const auto& span : spans) {
      if (span.name == name && span.kind == kind) return &span;
    }
    return nullptr;
  }

  static std::string exposition() { return telemetry::defaultRegistry().expose(); }

  static double sample(const std::string& text, const std::string& series) {
    const size_t at = text.find(series + " ");
    if (at == std::string::npos) return 0;
    return std::stod(text.substr(at + series.size() + 1));
  }

  static inline WorkPool* pool_ = nullptr;
  static inline TestUsers* service_ = nullptr;
  static inline RpcServer* server_ = nullptr;
  std::shared_ptr<CapturingProcessor> processor_ = std::make_shared<CapturingProcessor>();
};

constexpr const char* kGetUser = "fleetdeck.users.v1.UsersService/GetUser";
constexpr const char* kListUsers = "fleetdeck.users.v1.UsersService/ListUsers";

TEST_F(Interceptors, ServerAndClientCountCallsByMethodAndCode) {
  const std::string ok = R"(grpc_server_handled_total{grpc_service="fleetdeck.users.v1.UsersService",grpc_method="GetUser",grpc_code="OK"})";
  const std::string notFound = R"(grpc_server_handled_total{grpc_service="fleetdeck.users.v1.UsersService",grpc_method="GetUser",grpc_code="NOT_FOUND"})";
  const std::string clientNotFound = R"(grpc_client_handled_total{grpc_service="fleetdeck.users.v1.UsersService",grpc_method="GetUser",grpc_code="NOT_FOUND"})";
  const std::string latency = R"(grpc_server_handling_seconds_count{grpc_service="fleetdeck.users.v1.UsersService",grpc_method="GetUser"})";
  const std::string failed = R"(fleetdeck_requests_total{service="interceptor-test",protocol="grpc",outcome="error"})";
  const std::string succeeded = R"(fleetdeck_requests_total{service="interceptor-test",protocol="grpc",outcome="ok"})";
  const std::string before = exposition();

  EXPECT_TRUE(getUser("alice").ok());
  EXPECT_TRUE(getUser("bob").ok());
  EXPECT_EQ(getUser("missing").error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(getUser("broken").error_code(), grpc::StatusCode::INTERNAL);
  waitForSpans(8);

  const std::string after = exposition();
  EXPECT_EQ(sample(after, ok) - sample(before, ok), 2) << after;
  EXPECT_EQ(sample(after, notFound) - sample(before, notFound), 1);
  EXPECT_EQ(sample(after, clientNotFound) - sample(before, clientNotFound), 1);
  EXPECT_EQ(sample(after, latency) - sample(before, latency), 4);
  // NOT_FOUND is the caller's problem; INTERNAL is the server failing.
  EXPECT_EQ(sample(after, failed) - sample(before, failed), 1);
  EXPECT_EQ(sample(after, succeeded) - sample(before, succeeded), 3);
  EXPECT_NE(after.find("# TYPE grpc_client_handling_seconds histogram"), std::string::npos);
}

TEST_F(Interceptors, ServerSpanContinuesTheCallersTraceparent) {
  // An uninstrumented channel, so exactly the traceparent we set arrives.
  auto context = makeContext(std::chrono::seconds(5));
  context->AddMetadata("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(getUser("carol", context.get(), ChannelOptions{.instrument = false}).ok());
  const auto spans = waitForSpans(1);
  const SpanData* server = find(spans, kGetUser, SpanKind::kServer);
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(server->parentSpanId, "00f067aa0ba902b7");
  std::map<std::string, telemetry::AttributeValue> attributes;
  for (const auto& attribute : server->attributes) attributes[attribute.key] = attribute.value;
  EXPECT_EQ(std::get<std::string>(attributes["rpc.system"]), "grpc");
  EXPECT_EQ(std::get<std::string>(attributes["rpc.service"]), "fleetdeck.users.v1.UsersService");
  EXPECT_EQ(std::get<std::string>(attributes["rpc.method"]), "GetUser");
  EXPECT_EQ(std::get<int64_t>(attributes["rpc.grpc.status_code"]), 0);

  // The handler saw its own span as the call's context, and logged under it.
  const auto seen = service_->seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].traceparent, "00-4bf92f3577b34da6a3ce929d0e0e4736-" + server->spanId + "-01");
  auto line = json::parse(seen[0].logLine);
  ASSERT_TRUE(line);
  EXPECT_EQ(json::stringOr(line->as_object(), "trace_id"), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(json::stringOr(line->as_object(), "span_id"), server->spanId);
}

TEST_F(Interceptors, ANestedCallIsOneTreeUnderTheCallersSpan) {
  telemetry::Span root("test root", SpanKind::kInternal, nullptr);
  {
    telemetry::ScopedContext scope(root.context());
    ASSERT_TRUE(getUser("nested").ok());
  }
  root.end();
  // client GetUser -> server GetUser -> client ListUsers -> server ListUsers, plus the root.
  const auto spans = waitForSpans(5);
  ASSERT_EQ(spans.size(), 5u);
  const SpanData* outerClient = find(spans, kGetUser, SpanKind::kClient);
  const SpanData* outerServer = find(spans, kGetUser, SpanKind::kServer);
  const SpanData* innerClient = find(spans, kListUsers, SpanKind::kClient);
  const SpanData* innerServer = find(spans, kListUsers, SpanKind::kServer);
  ASSERT_TRUE(outerClient && outerServer && innerClient && innerServer);
  const std::string traceId(root.context().traceId());
  for (const auto* span : {outerClient, outerServer, innerClient, innerServer}) EXPECT_EQ(span->traceId, traceId);
  EXPECT_EQ(outerClient->parentSpanId, root.context().spanId());
  EXPECT_EQ(outerServer->parentSpanId, outerClient->spanId);
  EXPECT_EQ(innerClient->parentSpanId, outerServer->spanId);
  EXPECT_EQ(innerServer->parentSpanId, innerClient->spanId);
}

TEST_F(Interceptors, ErrorsMarkSpansAsTheConventionsSay) {
  EXPECT_EQ(getUser("missing").error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(getUser("broken").error_code(), grpc::StatusCode::INTERNAL);
  const auto spans = waitForSpans(4);
  size_t serverErrors = 0;
  size_t clientErrors = 0;
  for (const auto& span : spans) {
    if (span.statusCode != telemetry::SpanStatusCode::kError) continue;
    if (span.kind == SpanKind::kServer) {
      ++serverErrors;
      EXPECT_EQ(span.statusMessage, "database on fire");
    } else {
      ++clientErrors;
    }
  }
  EXPECT_EQ(serverErrors, 1u) << "NOT_FOUND is not a server error";
  EXPECT_EQ(clientErrors, 2u) << "any failed call is a client error";
}

TEST_F(Interceptors, WithoutATracerIdsStillPropagateForLogs) {
  telemetry::setSpanProcessor(nullptr);
  auto context = makeContext(std::chrono::seconds(5));
  context->AddMetadata("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  ASSERT_TRUE(getUser("dave", context.get()).ok());
  const auto seen = service_->seen();
  ASSERT_EQ(seen.size(), 1u);
  auto line = json::parse(seen[0].logLine);
  EXPECT_EQ(json::stringOr(line->as_object(), "trace_id"), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_TRUE(processor_->spans().empty());
}

TEST_F(Interceptors, UninstrumentedServerAndChannelRecordNothing) {
  RpcServer plain(ServerOptions{.instrument = false});
  WorkPool pool(1, 8, "plain");
  TestUsers service(pool);
  service.bindTo(plain);
  ASSERT_TRUE(plain.start().isOk());
  auto stub = v1::UsersService::NewStub(makeChannel(plain.address(), ChannelOptions{.instrument = false}));
  auto context = makeContext(std::chrono::seconds(5));
  v1::GetUserRequest request;
  request.set_id("eve");
  v1::User user;
  ASSERT_TRUE(stub->GetUser(context.get(), request, &user).ok());
  plain.shutdown(std::chrono::milliseconds(100));
  pool.shutdown();
  EXPECT_TRUE(processor_->spans().empty());
  ASSERT_EQ(service.seen().size(), 1u);
  EXPECT_EQ(service.seen()[0].traceparent, "") << "nothing invented a trace";
}

// The gateway's HTTP/2 client records its calls with ClientCallTelemetry: the same series and the
// same CLIENT span as the channel interceptor, continuing the traceparent it is given.
TEST_F(Interceptors, ClientCallTelemetryRecordsWhatTheChannelInterceptorRecords) {
  const std::string unavailable = R"(grpc_client_handled_total{grpc_service="fleetdeck.users.v1.UsersService",grpc_method="GetUser",grpc_code="UNAVAILABLE"})";
  const std::string before = exposition();
  std::string sent;
  {
    ClientCallTelemetry call(std::string("/") + kGetUser, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    sent = call.traceparent();
    call.finish(StatusCode::kUnavailable, "connection refused");
    call.finish(StatusCode::kOk, "");  // only the first status counts
  }
  const auto spans = waitForSpans(1);
  const SpanData* client = find(spans, kGetUser, SpanKind::kClient);
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(client->parentSpanId, "00f067aa0ba902b7");
  EXPECT_EQ(client->statusCode, telemetry::SpanStatusCode::kError);
  EXPECT_EQ(client->statusMessage, "connection refused");
  // What goes out names the client span, so the server's span is its child.
  EXPECT_EQ(sent, "00-4bf92f3577b34da6a3ce929d0e0e4736-" + client->spanId + "-01");
  EXPECT_EQ(sample(exposition(), unavailable) - sample(before, unavailable), 1);

  {
    ClientCallTelemetry dropped(std::string("/") + kGetUser, "");  // no status: CANCELLED
  }
  const std::string cancelled = R"(grpc_client_handled_total{grpc_service="fleetdeck.users.v1.UsersService",grpc_method="GetUser",grpc_code="CANCELLED"})";
  EXPECT_EQ(sample(exposition(), cancelled) - sample(before, cancelled), 1);
}

TEST(ServerFault, OnlyServerSideCodes) {
  EXPECT_TRUE(isServerFault(grpc::StatusCode::INTERNAL));
  EXPECT_TRUE(isServerFault(grpc::StatusCode::UNAVAILABLE));
  EXPECT_TRUE(isServerFault(grpc::StatusCode::DEADLINE_EXCEEDED));
  EXPECT_FALSE(isServerFault(grpc::StatusCode::OK));
  EXPECT_FALSE(isServerFault(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_FALSE(isServerFault(grpc::StatusCode::NOT_FOUND));
  EXPECT_FALSE(isServerFault(grpc::StatusCode::PERMISSION_DENIED));
}

}  // namespace
}  // namespace fleetdeck::rpc
