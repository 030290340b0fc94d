// host::instrumentHttp on a real Beast server over loopback, in front of a real gRPC upstream, as
// the gateway uses it: route-template labels, status codes from sync, async and dropped answers,
// the request span continuing the client's traceparent, and the upstream call as its child.
#include "fleetdeck/host/http_instrumentation.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "fleetdeck/core/work_pool.h"
#include "fleetdeck/http/client.h"
#include "fleetdeck/http/server.h"
#include "fleetdeck/rpc/blocking_handler.h"
#include "fleetdeck/rpc/client.h"
#include "fleetdeck/rpc/server.h"
#include "fleetdeck/telemetry/tracing.h"
#include "fleetdeck/users/v1/users.grpc.pb.h"

namespace fleetdeck::host {
namespace {

using telemetry::SpanData;
using telemetry::SpanKind;
namespace v1 = fleetdeck::users::v1;

class CapturingProcessor final : public telemetry::SpanProcessor {
 public:
  void onEnd(SpanData&& span) override {
    std::lock_guard lock(mutex_);
    spans_.push_back(std::move(span));
  }
  void flush(std::chrono::milliseconds) override {}
  std::vector<SpanData> waitFor(size_t count) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard lock(mutex_);
        if (spans_.size() >= count) return spans_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::lock_guard lock(mutex_);
    return spans_;
  }

 private:
  std::mutex mutex_;
  std::vector<SpanData> spans_;
};

// Its other methods are the sync API's UNIMPLEMENTED.
class EchoUsers final : public v1::UsersService::WithAsyncMethod_GetUser<v1::UsersService::Service> {
 public:
  explicit EchoUsers(WorkPool& pool) : pool_(pool) {}
  void bindTo(rpc::RpcServer& server) {
    server.addAsyncService(*this, v1::UsersService::service_full_name());
    server.addUnary(*this, &EchoUsers::RequestGetUser, "GetUser", this, &EchoUsers::answerGetUser);
  }
  rpc::Handled answerGetUser(rpc::ServerCall* call, const v1::GetUserRequest* request, v1::User* response) {
    return rpc::runBlocking(call, pool_, [request, response] {
      response->set_id(request->id());
      return Status::ok();
    });
  }

 private:
  WorkPool& pool_;
};

std::map<std::string, telemetry::AttributeValue> attributesOf(const SpanData& span) {
  std::map<std::string, telemetry::AttributeValue> out;
  for (const auto& attribute : span.attributes) out[attribute.key] = attribute.value;
  return out;
}

class HttpInstrumentation : public ::testing::Test {
 protected:
  void SetUp() override {
    telemetry::setResource({"http-test", "1", "h-1"});
    telemetry::setSpanProcessor(processor_);
    users_.bindTo(upstream_);
    ASSERT_TRUE(upstream_.start().isOk());
    stub_ = v1::UsersService::NewStub(rpc::makeChannel(upstream_.address()));

    router_.add("GET", "/items/{id}", [](http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
      responder->send(http::HttpResponse::text(200, std::string(request.pathParam("id").value_or(""))));
    });
    router_.add("POST", "/items", [](http::HttpRequest&, std::shared_ptr<http::Responder> responder) {
      responder->send(http::HttpResponse::text(500, "boom"));
    });
    // Answers from another thread after the handler returned, as the gateway does.
    router_.add("GET", "/later", [](http::HttpRequest&, std::shared_ptr<http::Responder> responder) {
      std::thread([responder] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        responder->send(http::HttpResponse::text(202, "later"));
      }).detach();
    });
    router_.add("GET", "/dropped", [](http::HttpRequest&, std::shared_ptr<http::Responder>) {});
    router_.add("GET", "/stream", [](http::HttpRequest&, std::shared_ptr<http::Responder> responder) {
      responder->send(http::HttpResponse::text(200, "events"));
    });
    // Calls a gRPC upstream the way the gateway does: asynchronously, answering from gRPC's thread.
    router_.add("GET", "/users/{id}", [this](http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
      seenTraceId_ = request.traceId;
      seenTraceparentHeader_ = std::string(request.header("traceparent").value_or(""));
      struct Pending {
        grpc::ClientContext context;
        v1::GetUserRequest request;
        v1::User user;
      };
      auto pending = std::make_shared<Pending>();
      pending->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
      pending->request.set_id(std::string(request.pathParam("id").value_or("")));
      stub_->async()->GetUser(&pending->context, &pending->request, &pending->user,
                              [pending, responder](grpc::Status status) {
                                responder->send(http::HttpResponse::text(status.ok() ? 200 : 502, pending->user.id()));
                              });
    });

    HttpInstrumentationOptions options;
    options.registry = &registry_;
    options.untimedRoutes = {"/stream"};
    server_ = std::make_unique<http::HttpServer>(
        http::ServerOptions{},
        instrumentHttp([this](http::HttpRequest& request,
                              std::shared_ptr<http::Responder> responder) { router_.dispatch(request, responder); },
                       options));
    ASSERT_TRUE(server_->start().isOk());
  }

  void TearDown() override {
    server_->stop(std::chrono::milliseconds(200));
    upstream_.shutdown(std::chrono::milliseconds(100));
    pool_.shutdown();
    telemetry::setSpanProcessor(nullptr);
  }

  http::HttpResponse call(const std::string& method, const std::string& target, http::Headers headers = {}) {
    http::HttpClient client("127.0.0.1", server_->port());
    auto response = client.request(method, target, {}, headers);
    EXPECT_TRUE(response.isOk()) << response.status().toString();
    return response.isOk() ? *response : http::HttpResponse{};
  }

  // Metrics are recorded when the response is handed over, a moment before the client reads it.
  bool waitForExposition(const std::string& needle) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (registry_.expose().find(needle) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

  telemetry::Registry registry_;
  std::shared_ptr<CapturingProcessor> processor_ = std::make_shared<CapturingProcessor>();
  WorkPool pool_{2, 16, "upstream"};
  EchoUsers users_{pool_};
  rpc::RpcServer upstream_{rpc::ServerOptions{}};
  std::unique_ptr<v1::UsersService::Stub> stub_;
  http::Router router_;
  std::unique_ptr<http::HttpServer> server_;
  std::string seenTraceId_;
  std::string seenTraceparentHeader_;
};

TEST_F(HttpInstrumentation, LabelsAreRouteTemplatesMethodsAndCodes) {
  EXPECT_EQ(call("GET", "/items/42").status, 200);
  EXPECT_EQ(call("GET", "/items/43").status, 200);
  EXPECT_EQ(call("POST", "/items").status, 500);
  EXPECT_EQ(call("GET", "/nowhere/1").status, 404);
  EXPECT_EQ(call("DELETE", "/items").status, 405);
  EXPECT_EQ(call("BREW", "/items").status, 405);

  EXPECT_TRUE(waitForExposition(R"(http_requests_total{route="/items/{id}",method="GET",code="200"} 2)"))
      << registry_.expose();
  const std::string text = registry_.expose();
  EXPECT_NE(text.find(R"(http_requests_total{route="/items",method="POST",code="500"} 1)"), std::string::npos);
  EXPECT_NE(text.find(R"(http_requests_total{route="unmatched",method="GET",code="404"} 1)"), std::string::npos);
  EXPECT_NE(text.find(R"(http_requests_total{route="unmatched",method="DELETE",code="405"} 1)"), std::string::npos);
  EXPECT_NE(text.find(R"(http_requests_total{route="unmatched",method="_OTHER",code="405"} 1)"), std::string::npos)
      << "invented methods share one label value";
  EXPECT_EQ(text.find("/items/42"), std::string::npos) << "raw paths never become labels";
  EXPECT_NE(text.find(R"(http_request_duration_seconds_count{route="/items/{id}",method="GET"} 2)"), std::string::npos);
  EXPECT_NE(text.find(R"(fleetdeck_requests_total{service="http-test",protocol="http",outcome="error"} 1)"),
            std::string::npos)
      << "the 500 is the server failing; 404 and 405 are not";
  EXPECT_NE(text.find(R"(fleetdeck_requests_total{service="http-test",protocol="http",outcome="ok"} 5)"),
            std::string::npos)
      << text;
}

TEST_F(HttpInstrumentation, LateDroppedAndUntimedAnswersAreRecorded) {
  EXPECT_EQ(call("GET", "/later").status, 202);
  EXPECT_EQ(call("GET", "/dropped").status, 500);
  EXPECT_EQ(call("GET", "/stream").status, 200);
  EXPECT_TRUE(waitForExposition(R"(http_requests_total{route="/later",method="GET",code="202"} 1)"))
      << registry_.expose();
  EXPECT_TRUE(waitForExposition(R"(http_requests_total{route="/dropped",method="GET",code="500"} 1)"));
  EXPECT_TRUE(waitForExposition(R"(http_requests_total{route="/stream",method="GET",code="200"} 1)"));
  const std::string text = registry_.expose();
  EXPECT_NE(text.find(R"(http_request_duration_seconds_count{route="/later",method="GET"} 1)"), std::string::npos);
  EXPECT_EQ(text.find(R"(http_request_duration_seconds_count{route="/stream")"), std::string::npos)
      << "streams are counted, not timed";
  // The late answer's duration includes the 20 ms the handler waited, so it lands above 10 ms.
  EXPECT_NE(text.find(R"(http_request_duration_seconds_bucket{route="/later",method="GET",le="0.01"} 0)"),
            std::string::npos)
      << text;
}

TEST_F(HttpInstrumentation, TheRequestSpanContinuesTheClientTraceAndParentsTheUpstreamCall) {
  http::Headers headers;
  headers.add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  headers.add("User-Agent", "console/1.0");
  const auto response = call("GET", "/users/u-7", headers);
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "u-7");

  // HTTP server span, gRPC client span (in the HTTP process), gRPC server span (upstream).
  const auto spans = processor_->waitFor(3);
  ASSERT_EQ(spans.size(), 3u);
  const SpanData* http = nullptr;
  const SpanData* client = nullptr;
  const SpanData* server = nullptr;
  for (const auto& span : spans) {
    if (span.kind == SpanKind::kServer && span.name.starts_with("GET")) http = &span;
    if (span.kind == SpanKind::kClient) client = &span;
    if (span.kind == SpanKind::kServer && span.name.ends_with("GetUser")) server = &span;
  }
  ASSERT_TRUE(http && client && server);
  EXPECT_EQ(http->name, "GET /users/{id}");
  EXPECT_EQ(http->traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(http->parentSpanId, "00f067aa0ba902b7");
  EXPECT_EQ(client->parentSpanId, http->spanId);
  EXPECT_EQ(server->parentSpanId, client->spanId);
  EXPECT_EQ(server->traceId, http->traceId);

  auto attributes = attributesOf(*http);
  EXPECT_EQ(std::get<std::string>(attributes["http.request.method"]), "GET");
  EXPECT_EQ(std::get<std::string>(attributes["url.path"]), "/users/u-7");
  EXPECT_EQ(std::get<std::string>(attributes["http.route"]), "/users/{id}");
  EXPECT_EQ(std::get<int64_t>(attributes["http.response.status_code"]), 200);
  EXPECT_EQ(std::get<std::string>(attributes["user_agent.original"]), "console/1.0");

  // The handler saw the request span's ids, so an X-Trace-Id it echoes matches the exported trace.
  EXPECT_EQ(seenTraceId_, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(seenTraceparentHeader_, "00-4bf92f3577b34da6a3ce929d0e0e4736-" + http->spanId + "-01");
}

TEST_F(HttpInstrumentation, A5xxMarksTheSpanAsAnErrorAndA4xxDoesNot) {
  call("POST", "/items");
  call("GET", "/nowhere");
  const auto spans = processor_->waitFor(2);
  ASSERT_EQ(spans.size(), 2u);
  for (const auto& span : spans) {
    if (span.name == "POST /items") {
      EXPECT_EQ(span.statusCode, telemetry::SpanStatusCode::kError);
    } else {
      EXPECT_EQ(span.name, "GET") << "an unmatched request has no route in its name";
      EXPECT_EQ(span.statusCode, telemetry::SpanStatusCode::kUnset);
    }
  }
}

TEST_F(HttpInstrumentation, AMalformedTraceparentStartsANewTrace) {
  http::Headers headers;
  headers.add("traceparent", "00-not-a-trace-01");
  call("GET", "/items/1", headers);
  const auto spans = processor_->waitFor(1);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_TRUE(spans[0].parentSpanId.empty());
  EXPECT_EQ(spans[0].traceId.size(), 32u);
}

// The decorator resolves its metric children once per thread; decorators created one after another
// on the same thread (a later one may take the memory of an earlier one) must each count into
// their own registry, statuses included.
TEST(HttpInstrumentationChildren, DecoratorsOnOneThreadEachCountIntoTheirOwnRegistry) {
  class Discard final : public http::Responder {
   public:
    void send(http::HttpResponse) override {}
  };
  for (int round = 1; round <= 3; ++round) {
    telemetry::Registry registry;
    HttpInstrumentationOptions options;
    options.registry = &registry;
    options.tracing = false;
    options.untimedRoutes = {"/feed"};
    auto handler = instrumentHttp(
        [](http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
          request.routeTemplate = request.path == "/feed" ? "/feed" : "/things/{id}";
          responder->send(http::HttpResponse::text(request.path == "/things/missing" ? 404 : 200, "x"));
        },
        options);
    for (const char* path : {"/things/1", "/things/2", "/things/missing", "/feed"}) {
      http::HttpRequest request;
      request.method = "GET";
      request.path = path;
      handler(request, std::make_shared<Discard>());
    }
    const std::string text = registry.expose();
    EXPECT_NE(text.find(R"(http_requests_total{route="/things/{id}",method="GET",code="200"} 2)"), std::string::npos)
        << "round " << round << "\n" << text;
    EXPECT_NE(text.find(R"(http_requests_total{route="/things/{id}",method="GET",code="404"} 1)"), std::string::npos)
        << "round " << round;
    EXPECT_NE(text.find(R"(http_request_duration_seconds_count{route="/things/{id}",method="GET"} 3)"),
              std::string::npos)
        << "round " << round;
    EXPECT_NE(text.find(R"(http_requests_total{route="/feed",method="GET",code="200"} 1)"), std::string::npos)
        << "round " << round;
    EXPECT_EQ(text.find(R"(http_request_duration_seconds_count{route="/feed")"), std::string::npos)
        << "untimed routes stay untimed";
  }
}


// At the fleet's edge a client's traceparent keeps its trace id but not its say on recording: with
// sampling off, a '-01' request records nothing there, while between the fleet's processes (trusted,
// the default) the parent's flag still decides.
TEST(HttpInstrumentationEdge, AnUntrustedClientsSampledFlagDoesNotDecide_ItsTraceIdIsKept) {
  class Discard final : public http::Responder {
   public:
    void send(http::HttpResponse) override {}
  };
  auto processor = std::make_shared<CapturingProcessor>();
  telemetry::setSpanProcessor(processor);
  telemetry::setSampleRatio(0);
  const std::string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  for (const bool trusted : {false, true}) {
    telemetry::Registry registry;
    HttpInstrumentationOptions options;
    options.registry = &registry;
    options.trustIncomingSampling = trusted;
    std::string seenTraceId;
    auto handler = instrumentHttp(
        [&seenTraceId](http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
          seenTraceId = request.traceId;
          responder->send(http::HttpResponse::text(200, "x"));
        },
        options);
    http::HttpRequest request;
    request.method = "GET";
    request.path = "/things/1";
    request.headers.add("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01");
    handler(request, std::make_shared<Discard>());
    EXPECT_EQ(seenTraceId, traceId) << (trusted ? "trusted" : "edge");
    // The span ends with the answer, sent before the handler returned.
    EXPECT_EQ(processor->waitFor(0).size(), trusted ? 1u : 0u) << (trusted ? "trusted" : "edge");
  }
  telemetry::setSampleRatio(1);
  telemetry::setSpanProcessor(nullptr);
}
// Polled paths are never recorded, whatever the sampler or a (trusted) client's flag says, and keep a
// trace id; an exact entry does not cover longer paths, a prefix entry (ending in '/') does.
TEST(HttpInstrumentationUntraced, PolledPathsAreNotRecorded_TheyKeepATraceId_OtherPathsAre) {
  class Discard final : public http::Responder {
   public:
    void send(http::HttpResponse) override {}
  };
  auto processor = std::make_shared<CapturingProcessor>();
  telemetry::setSpanProcessor(processor);
  telemetry::Registry registry;
  HttpInstrumentationOptions options;
  options.registry = &registry;
  options.untracedPaths = {"/admin/fleet", "/admin/metrics/"};
  std::string seenTraceId;
  auto handler = instrumentHttp(
      [&seenTraceId](http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
        seenTraceId = request.traceId;
        responder->send(http::HttpResponse::text(200, "x"));
      },
      options);
  const auto serve = [&](const std::string& path, bool withSampledParent) {
    http::HttpRequest request;
    request.method = "GET";
    request.path = path;
    if (withSampledParent) request.headers.add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    seenTraceId.clear();
    handler(request, std::make_shared<Discard>());
    EXPECT_EQ(seenTraceId.size(), 32u) << path;
    if (withSampledParent) {
      EXPECT_EQ(seenTraceId, "4bf92f3577b34da6a3ce929d0e0e4736") << path;
    }
  };
  for (const bool withParent : {false, true}) {
    serve("/admin/fleet", withParent);
    serve("/admin/metrics/query", withParent);
    serve("/admin/metrics/query_range", withParent);
  }
  // The spans end with the answers, sent before each handler returned.
  EXPECT_TRUE(processor->waitFor(0).empty());
  serve("/admin/fleet/extra", false);  // an exact entry is not a prefix
  serve("/admin/metrics", false);      // nor is a prefix entry the path without its '/'
  serve("/items/1", true);
  const auto spans = processor->waitFor(3);
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(attributesOf(spans[0]).count("url.path"), 1u);
  EXPECT_EQ(std::get<std::string>(attributesOf(spans[0])["url.path"]), "/admin/fleet/extra");
  EXPECT_EQ(std::get<std::string>(attributesOf(spans[1])["url.path"]), "/admin/metrics");
  EXPECT_EQ(std::get<std::string>(attributesOf(spans[2])["url.path"]), "/items/1");
  telemetry::setSpanProcessor(nullptr);
}

}  // namespace
}  // namespace fleetdeck::host
