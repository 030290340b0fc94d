// A process's observability surface, for real: an in-process ServiceHost acting as the fleet's trace
// collector (admin port: /healthz, /readyz, /metrics, POST /v1/traces), and the users service as a
// real process with a real PostgreSQL that exports its spans to it over OTLP/HTTP JSON. Checks the
// exposition with promtool, and that no password, temporary password or hash reaches a log or a span.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <future>
#include <thread>

#include "fleetdeck/core/ids.h"
#include "fleetdeck/core/json.h"
#include "fleetdeck/host/service_host.h"
#include "fleetdeck/http/client.h"
#include "fleetdeck/rpc/client.h"
#include "fleetdeck/telemetry/otlp_exporter.h"
#include "fleetdeck/telemetry/trace_store.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"
#include "fleetdeck/users/v1/users.grpc.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace fleetdeck {
namespace {

namespace bj = boost::json;
namespace v1 = fleetdeck::users::v1;

// Runs promtool's exposition linter; returns its complaints, empty when it accepts the text.
std::string promtoolComplaints(const std::string& exposition) {
  const std::string path = ::testing::TempDir() + "/observability_" + std::to_string(getpid()) + ".prom";
  std::ofstream(path) << exposition;
  const std::string command = std::string(FLEETDECK_PROMTOOL) + " check metrics < " + path + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "cannot run promtool";
  std::string output;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int status = pclose(pipe);
  return status == 0 ? std::string() : output.empty() ? "promtool failed" : output;
}

class Observability : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char name[] = "collector";
    char* argv[] = {name, nullptr};
    host_ = host::ServiceHost::create(1, argv, "collector", "test collector").release();
    host_->addReadinessCheck({"always", [] { return Status::ok(); }});
    host_->addReadinessCheck({"cache", [] { return unavailable("redis down"); }, /*critical=*/false});
    // Waits while slowCheck_ is set: a database that stopped answering.
    host_->addReadinessCheck({"sometimes-slow", [] {
      while (slowCheck_.load()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      return Status::ok();
    }});
    store_ = new telemetry::TraceStore();
    host_->serveTraceStore(*store_);
    host_->finishConfig();
    runner_ = new std::thread([] { host_->run(); });
    ASSERT_TRUE(testing::waitUntil([] { return host_->adminPort() != 0; }, std::chrono::seconds(10)));
  }
  static void TearDownTestSuite() {
    host_->requestStop();
    runner_->join();
    delete runner_;
    delete host_;
    delete store_;
  }

  static http::HttpResponse admin(const std::string& method, const std::string& target, const std::string& body = {},
                                  http::Headers headers = {}) {
    http::HttpClient client("127.0.0.1", host_->adminPort());
    auto response = client.request(method, target, body, headers);
    EXPECT_TRUE(response.isOk()) << response.status().toString();
    return response.isOk() ? *response : http::HttpResponse{};
  }

  static bj::object parse(const std::string& text) {
    auto parsed = json::parse(text);
    EXPECT_TRUE(parsed && parsed->is_object()) << text;
    return parsed && parsed->is_object() ? parsed->as_object() : bj::object{};
  }

  static inline std::atomic<bool> slowCheck_{false};
  static inline host::ServiceHost* host_ = nullptr;
  static inline std::thread* runner_ = nullptr;
  static inline telemetry::TraceStore* store_ = nullptr;
};

TEST_F(Observability, ReadyzReportsEveryCheckInItsDocumentedShape) {
  const auto response = admin("GET", "/readyz");
  EXPECT_EQ(response.status, 200) << "a failing non-critical check degrades, it does not unready";
  const auto body = parse(response.body);
  EXPECT_EQ(body.at("status").as_string(), "degraded");
  EXPECT_EQ(body.at("service").as_string(), "collector");
  EXPECT_FALSE(body.at("instance").as_string().empty());
  EXPECT_FALSE(body.at("version").as_string().empty());
  const auto& always = body.at("checks").at("always").as_object();
  EXPECT_EQ(always.at("status").as_string(), "up");
  EXPECT_TRUE(always.at("critical").as_bool());
  EXPECT_GE(always.at("latencyMs").to_number<double>(), 0.0);
  EXPECT_FALSE(always.contains("error"));
  const auto& cache = body.at("checks").at("cache").as_object();
  EXPECT_EQ(cache.at("status").as_string(), "down");
  EXPECT_FALSE(cache.at("critical").as_bool());
  EXPECT_EQ(cache.at("error").as_string(), "redis down");
}

// The liveness probe must not wait behind a readiness check (or a metrics collector) stuck on a
// dependency: the orchestrator would restart the process for an outage that is not its own.
TEST_F(Observability, HealthzAnswersWhileAReadinessCheckIsStuck) {
  slowCheck_ = true;
  auto readiness = std::async(std::launch::async, [] { return admin("GET", "/readyz"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the check is stuck by now
  const auto started = std::chrono::steady_clock::now();
  http::HttpClient client("127.0.0.1", host_->adminPort(), std::chrono::seconds(1));
  auto alive = client.get("/healthz");
  const auto waited = std::chrono::steady_clock::now() - started;
  slowCheck_ = false;
  ASSERT_TRUE(alive.isOk()) << alive.status().toString();
  EXPECT_EQ(alive->status, 200);
  EXPECT_LT(waited, std::chrono::milliseconds(900)) << "healthz waited for the stuck readiness check";
  EXPECT_EQ(readiness.get().status, 200);
}

TEST_F(Observability, MetricsCarryBuildInfoProcessAndAdminTrafficAndPassPromtool) {
  EXPECT_EQ(admin("GET", "/healthz").status, 200);
  EXPECT_EQ(admin("GET", "/no-such-page").status, 404);
  const auto response = admin("GET", "/metrics");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.headers.get("Content-Type").value_or(""), "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = response.body;
  EXPECT_NE(text.find(R"(fleetdeck_build_info{service="collector",version=")"), std::string::npos) << text;
  for (const char* name : {"process_cpu_seconds_total ", "process_resident_memory_bytes ", "process_open_fds ",
                           "process_start_time_seconds "}) {
    EXPECT_NE(text.find(name), std::string::npos) << name;
  }
  EXPECT_NE(text.find(R"(http_requests_total{route="/healthz",method="GET",code="200"})"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(http_requests_total{route="unmatched",method="GET",code="404"})"), std::string::npos);
  EXPECT_EQ(text.find("no-such-page"), std::string::npos);
  EXPECT_EQ(text.find(R"(fleetdeck_requests_total{service="collector",protocol="http")"), std::string::npos)
      << "admin traffic is not the service's traffic";
  EXPECT_EQ(promtoolComplaints(text), "");
}

TEST_F(Observability, OtlpReceiverAnswersAsOtlpSays) {
  telemetry::SpanData span;
  span.traceId = randomHex(16);
  span.spanId = randomHex(8);
  span.name = "from a test";
  span.startUnixNanos = telemetry::unixNanosNow();
  span.endUnixNanos = span.startUnixNanos + 1000;
  http::Headers json;
  json.add("Content-Type", "application/json");
  const auto accepted = admin("POST", "/v1/traces", telemetry::toOtlpJson({"tester", "", ""}, {span}), json);
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_EQ(accepted.body, "{}");
  ASSERT_TRUE(store_->getTrace(span.traceId).isOk());

  // One bad span among good ones: OTLP partial success, which a real SDK parses as this message.
  const std::string mixed = R"({"resourceSpans":[{"scopeSpans":[{"spans":[
      {"traceId":")" + randomHex(16) + R"(","spanId":")" + randomHex(8) + R"(","name":"ok",
       "startTimeUnixNano":"1","endTimeUnixNano":"2"},
      {"traceId":"zz","spanId":"0000000000000001","startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]})";
  const auto partial = admin("POST", "/v1/traces", mixed, json);
  ASSERT_EQ(partial.status, 200);
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse decoded;
  google::protobuf::util::JsonParseOptions strict;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(partial.body, &decoded, strict).ok()) << partial.body;
  EXPECT_EQ(decoded.partial_success().rejected_spans(), 1);
  EXPECT_NE(decoded.partial_success().error_message().find("traceId"), std::string::npos);

  const auto garbage = admin("POST", "/v1/traces", "{not json", json);
  EXPECT_EQ(garbage.status, 400);
  EXPECT_NE(garbage.body.find("INVALID_ARGUMENT"), std::string::npos) << garbage.body;

  http::Headers protobuf;
  protobuf.add("Content-Type", "application/x-protobuf");
  const auto unsupported = admin("POST", "/v1/traces", "\x0a\x00", protobuf);
  EXPECT_EQ(unsupported.status, 415);
  EXPECT_NE(unsupported.body.find("http/json"), std::string::npos) << unsupported.body;

  EXPECT_EQ(admin("GET", "/v1/traces").status, 405);
}

// The users service as a real process: its spans reach the collector over OTLP/HTTP (flushed on
// SIGTERM at the latest), its /metrics passes promtool, and neither its log nor its spans contain
// a password, a temporary password or an argon2 hash, even at log level trace.
TEST_F(Observability, UsersExportsSpansAndNeverLogsSecrets) {
  const auto logs = testing::sharedInfra().root / "telemetry-logs" / std::to_string(getpid());
  const uint16_t grpcPort = testing::freePort();
  const uint16_t adminPort = testing::freePort();
  testing::ServiceProcess users(
      "users", FLEETDECK_USERS_BINARY,
      {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/users/config/users.toml"},
       {"FLEETDECK_DATABASE__URL", testing::createTestDatabase("telemetry_users")},
       {"FLEETDECK_GRPC__PORT", std::to_string(grpcPort)},
       {"FLEETDECK_ADMIN__PORT", std::to_string(adminPort)},
       {"FLEETDECK_LOG__LEVEL", "trace"},
       {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + std::to_string(host_->adminPort())},
       // Long enough that only the flush on shutdown can deliver the spans: that is tested too.
       {"FLEETDECK_TELEMETRY__EXPORT_INTERVAL", "60s"}},
      logs);
  const Status started = users.start();
  ASSERT_TRUE(started.isOk()) << started.toString();

  const std::string password = "Correct-Horse-" + randomHex(8);
  const std::string traceId = randomHex(16);
  const std::string callerSpan = randomHex(8);
  auto stub = v1::UsersService::NewStub(rpc::makeChannel("127.0.0.1:" + std::to_string(grpcPort),
                                                         rpc::ChannelOptions{.instrument = false}));
  const auto withTrace = [&] {
    auto context = rpc::makeContext(std::chrono::seconds(10));
    context->AddMetadata("traceparent", "00-" + traceId + "-" + callerSpan + "-01");
    context->AddMetadata("fleetdeck-actor", "test-admin");
    context->AddMetadata("fleetdeck-actor-role", "admin");
    return context;
  };
  v1::CreateUserRequest create;
  create.set_username("tracy" + randomHex(3));
  create.set_email(create.username() + "@example.com");
  create.set_password(password);
  create.set_display_name("Tracy");
  v1::User user;
  auto createContext = withTrace();
  const grpc::Status created = stub->CreateUser(createContext.get(), create, &user);
  ASSERT_TRUE(created.ok()) << created.error_message();

  v1::ResetPasswordRequest reset;
  reset.set_id(user.id());
  v1::ResetPasswordResponse temporary;
  auto resetContext = withTrace();
  const grpc::Status wasReset = stub->ResetPassword(resetContext.get(), reset, &temporary);
  ASSERT_TRUE(wasReset.ok()) << wasReset.error_message();
  ASSERT_FALSE(temporary.temporary_password().empty());

  // A request that fails validation with the password in it: error paths log more.
  v1::CreateUserRequest bad = create;
  bad.set_email("not-an-email");
  bad.set_username("other" + randomHex(3));
  auto badContext = withTrace();
  EXPECT_EQ(stub->CreateUser(badContext.get(), bad, &user).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  http::HttpClient usersAdmin("127.0.0.1", adminPort);
  auto metrics = usersAdmin.get("/metrics");
  ASSERT_TRUE(metrics.isOk());
  EXPECT_NE(metrics->body.find(R"(grpc_server_handled_total{grpc_service="fleetdeck.users.v1.UsersService",grpc_method="CreateUser",grpc_code="INVALID_ARGUMENT"} 1)"),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find(R"(fleetdeck_requests_total{service="users",protocol="grpc",outcome="ok"} 3)"),
            std::string::npos);
  EXPECT_NE(metrics->body.find(R"(fleetdeck_build_info{service="users")"), std::string::npos);
  EXPECT_EQ(promtoolComplaints(metrics->body), "");

  EXPECT_EQ(users.stop(), 0);

  // Flushed on the way out: all three calls, children of the caller's span, under its trace id.
  auto trace = store_->getTrace(traceId);
  ASSERT_TRUE(trace.isOk()) << trace.status().toString();
  const auto body = parse(*trace);
  size_t fromUsers = 0;
  for (const auto& entry : body.at("spans").as_array()) {
    const auto& span = entry.as_object();
    if (span.at("service").as_string() != "users" || span.at("kind").as_string() != "SERVER") continue;
    ++fromUsers;
    EXPECT_EQ(span.at("parentSpanId").as_string(), callerSpan);
    EXPECT_EQ(span.at("attributes").at("rpc.system").as_string(), "grpc");
    EXPECT_TRUE(span.at("name").as_string().starts_with("fleetdeck.users.v1.UsersService/"));
  }
  EXPECT_EQ(fromUsers, 3u) << *trace;

  const std::string log = users.logTail(64 << 20);
  ASSERT_NE(log.find("\"message\":\"ready\""), std::string::npos) << "the log was captured";
  for (const std::string& secret : {password, temporary.temporary_password(), std::string("$argon2")}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << "found '" << secret << "' in the log:\n" << log;
    EXPECT_EQ(trace->find(secret), std::string::npos) << "found '" << secret << "' in a span";
  }
}

}  // namespace
}  // namespace fleetdeck
