// http::GrpcClient against a real gRPC C++ server (callback generic service) on loopback: answers,
// statuses with details and trailers, deadlines, lost and restarted servers, and calls made from a
// server loop answered on that same thread.
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <future>
#include <sstream>
#include <mutex>
#include <thread>

#include "fleetdeck/http/async_client.h"
#include "fleetdeck/http/grpc_client.h"
#include "fleetdeck/http/server.h"

namespace fleetdeck::http {
namespace {

using namespace std::chrono_literals;

std::string bytesOf(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const auto& slice : slices) out.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  return out;
}

grpc::ByteBuffer bufferOf(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

constexpr char kDetailsBytes[] = "\x08\x03\x12\x04\xff\x00\xfe+/=";
const std::string kDetails(kDetailsBytes, sizeof kDetailsBytes - 1);  // binary, NUL included

// One unary call of the test service: reads the request, then answers by method.
class UnaryReactor final : public grpc::ServerGenericBidiReactor {
 public:
  UnaryReactor(grpc::GenericCallbackServerContext* context, std::vector<std::thread>& slowAnswers, std::mutex& mutex)
      : context_(context), slowAnswers_(slowAnswers), mutex_(mutex) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::INTERNAL, "no request"));
      return;
    }
    const std::string method = context_->method();
    const std::string request = bytesOf(request_);
    if (method == "/test.Echo/Echo") {
      std::string actor;
      for (const auto& [key, value] : context_->client_metadata()) {
        if (key == "fleetdeck-actor") actor.assign(value.data(), value.size());
      }
      const bool hasDeadline = context_->deadline() < std::chrono::system_clock::now() + std::chrono::hours(1);
      response_ = bufferOf("echo:" + request + "|actor=" + actor + "|deadline=" + (hasDeadline ? "yes" : "no"));
      StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
    } else if (method == "/test.Echo/Fail") {
      context_->AddTrailingMetadata("retry-after", "7");
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad 100% input: ü", kDetails));
    } else if (method == "/test.Echo/Big") {
      response_ = bufferOf(std::string(std::stoul(request), 'x'));
      StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
    } else if (method == "/test.Echo/Slow") {
      std::lock_guard lock(mutex_);
      slowAnswers_.emplace_back([this] {
        std::this_thread::sleep_for(1500ms);  // far past the 100 ms deadline, beyond a loaded machine's stalls
        response_ = bufferOf("late");
        StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
      });
    } else {
      Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no method " + method));
    }
  }

  void OnDone() override { delete this; }

 private:
  grpc::GenericCallbackServerContext* context_;
  std::vector<std::thread>& slowAnswers_;
  std::mutex& mutex_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
};

class TestService final : public grpc::CallbackGenericService {
 public:
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* context) override {
    return new UnaryReactor(context, slowAnswers_, mutex_);
  }
  ~TestService() override {
    for (auto& thread : slowAnswers_) thread.join();
  }
  std::mutex mutex_;
  std::vector<std::thread> slowAnswers_;
};

// A gRPC server on a loopback port (a given one, to restart on the same address).
struct TestServer {
  explicit TestServer(int port = 0) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:" + std::to_string(port), grpc::InsecureServerCredentials(), &this->port);
    builder.RegisterCallbackGenericService(&service);
    server = builder.BuildAndStart();
  }
  ~TestServer() {
    // Longer than the slow answer, which then goes out before the server does.
    if (server) server->Shutdown(std::chrono::system_clock::now() + 3s);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }
  TestService service;
  int port = 0;
  std::unique_ptr<grpc::Server> server;
};

GrpcReply callAndWait(GrpcClient& client, const std::string& address, GrpcRequest request) {
  std::promise<GrpcReply> promise;
  auto future = promise.get_future();
  client.call(address, std::move(request), [&promise](GrpcReply reply) { promise.set_value(std::move(reply)); });
  if (future.wait_for(10s) != std::future_status::ready) {
    ADD_FAILURE() << "no answer within 10 s";
    return {};
  }
  return future.get();
}

GrpcRequest echo(std::string message) {
  GrpcRequest request;
  request.path = "/test.Echo/Echo";
  request.message = std::move(message);
  request.metadata = {{"fleetdeck-actor", "user-7"}, {"Bad Name", "dropped"}, {"x-newline", "a\nb"}};
  request.timeout = 2s;
  return request;
}

TEST(GrpcClient, AnswersWithTheServersMessageAndSendsMetadataAndDeadline) {
  TestServer server;
  ASSERT_NE(server.port, 0);
  GrpcClient client;
  const auto reply = callAndWait(client, server.address(), echo(std::string("a\0b", 3)));
  ASSERT_TRUE(reply.status.isOk()) << reply.status.toString();
  EXPECT_EQ(reply.message, std::string("echo:a\0b|actor=user-7|deadline=yes", 34));
  // The connection is kept: a second call works the same.
  EXPECT_TRUE(callAndWait(client, server.address(), echo("again")).status.isOk());
}

TEST(GrpcClient, AnErrorCarriesCodeMessageDetailsAndTrailers) {
  TestServer server;
  GrpcClient client;
  GrpcRequest request;
  request.path = "/test.Echo/Fail";
  const auto reply = callAndWait(client, server.address(), request);
  EXPECT_EQ(reply.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(reply.status.message(), "bad 100% input: ü");  // percent-encoded on the wire
  EXPECT_EQ(reply.statusDetails, kDetails);                // base64 on the wire
  ASSERT_NE(reply.find("retry-after"), nullptr);
  EXPECT_EQ(*reply.find("retry-after"), "7");
  EXPECT_TRUE(reply.message.empty());

  request.path = "/test.Echo/NoSuchMethod";
  EXPECT_EQ(callAndWait(client, server.address(), request).status.code(), StatusCode::kUnimplemented);
}

TEST(GrpcClient, ACallPastItsDeadlineIsDeadlineExceededAndTheConnectionStaysUsable) {
  TestServer server;
  GrpcClient client;
  GrpcRequest slow;
  slow.path = "/test.Echo/Slow";
  slow.timeout = 100ms;
  const auto started = std::chrono::steady_clock::now();
  const auto reply = callAndWait(client, server.address(), slow);
  EXPECT_EQ(reply.status.code(), StatusCode::kDeadlineExceeded) << reply.status.toString();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1200ms);  // not the server's 1.5 s
  EXPECT_TRUE(callAndWait(client, server.address(), echo("after")).status.isOk());
}

TEST(GrpcClient, AnswersLargerThanTheLimitAreRefused) {
  TestServer server;
  GrpcClient client(GrpcClientOptions{.maxMessageBytes = 100'000});
  GrpcRequest big;
  big.path = "/test.Echo/Big";
  big.message = "90000";
  const auto fits = callAndWait(client, server.address(), big);
  ASSERT_TRUE(fits.status.isOk()) << fits.status.toString();
  EXPECT_EQ(fits.message.size(), 90'000u);
  big.message = "300000";
  EXPECT_EQ(callAndWait(client, server.address(), big).status.code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(callAndWait(client, server.address(), echo("after")).status.isOk());
}

TEST(GrpcClient, NoServerIsUnavailableAndARestartedServerIsReachedAgain) {
  int port = 0;
  GrpcClient client;
  {
    TestServer server;
    port = server.port;
    ASSERT_TRUE(callAndWait(client, server.address(), echo("first")).status.isOk());
    EXPECT_TRUE(client.probe(server.address(), 1s).isOk());
  }
  const std::string address = "127.0.0.1:" + std::to_string(port);
  const auto gone = callAndWait(client, address, echo("while down"));
  EXPECT_EQ(gone.status.code(), StatusCode::kUnavailable) << gone.status.toString();
  EXPECT_TRUE(gone.neverSent);  // no connection: safe to send elsewhere, whatever the method does
  EXPECT_EQ(client.probe(address, 500ms).code(), StatusCode::kUnavailable);

  TestServer again(port);
  ASSERT_EQ(again.port, port);
  const auto back = callAndWait(client, address, echo("back"));
  EXPECT_TRUE(back.status.isOk()) << back.status.toString();
  EXPECT_TRUE(client.probe(address, 1s).isOk());
}

// A listener whose accept queue is full drops new SYNs: the connect hangs as behind a firewall.
// The call ends at its deadline, and the hanging connect is given up, so once a server answers on
// that port the next call reaches it at once instead of waiting for the kernel's SYN retry.
TEST(GrpcClient, AConnectThatHangsEndsAtTheDeadlineAndIsRetriedAfresh) {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(listener, 0), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const int port = ntohs(address.sin_port);
  std::vector<int> fillers;
  for (int i = 0; i < 3; ++i) {  // fill the accept queue (never accepted)
    const int filler = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    (void)connect(filler, reinterpret_cast<sockaddr*>(&address), sizeof address);
    fillers.push_back(filler);
  }
  std::this_thread::sleep_for(50ms);

  GrpcClient client;
  const std::string target = "127.0.0.1:" + std::to_string(port);
  // A call with a short deadline does not end the connect another call still waits for.
  std::promise<GrpcReply> longer;
  GrpcRequest patient = echo("patient");
  patient.timeout = 400ms;
  client.call(target, patient, [&longer](GrpcReply reply) { longer.set_value(std::move(reply)); });
  GrpcRequest request = echo("hanging");
  request.timeout = 50ms;
  EXPECT_EQ(callAndWait(client, target, request).status.code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(longer.get_future().get().status.code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(client.probe(target, 200ms).code(), StatusCode::kUnavailable);

  for (int filler : fillers) close(filler);
  close(listener);
  TestServer server(port);
  ASSERT_EQ(server.port, port);
  request = echo("answered");
  request.timeout = 700ms;  // shorter than the kernel's first SYN retry (1 s)
  const auto reply = callAndWait(client, target, request);
  EXPECT_TRUE(reply.status.isOk()) << reply.status.toString();
  // The probe's own hanging connect was given up too.
  EXPECT_TRUE(client.probe(target, 700ms).isOk());
}

// Established TCP connections of this process's clients to `port` (loopback, from /proc/net/tcp).
int establishedTo(int port) {
  std::ifstream table("/proc/net/tcp");
  std::string line;
  std::getline(table, line);  // header
  int count = 0;
  char wanted[8];
  std::snprintf(wanted, sizeof wanted, ":%04X", port);
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    fields >> slot >> local >> remote >> state;
    if (remote.ends_with(wanted) && state == "01") ++count;
  }
  return count;
}

TEST(GrpcClient, AConnectionWithoutCallsIsClosedAfterTheIdleTimeout) {
  TestServer server;
  GrpcClient client(GrpcClientOptions{.idleTimeout = 200ms});
  ASSERT_TRUE(callAndWait(client, server.address(), echo("one")).status.isOk());
  EXPECT_EQ(establishedTo(server.port), 1);
  const auto until = std::chrono::steady_clock::now() + 3s;
  while (establishedTo(server.port) != 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(establishedTo(server.port), 0);
  // The next call opens a new one.
  EXPECT_TRUE(callAndWait(client, server.address(), echo("two")).status.isOk());
}

TEST(GrpcClient, AnAddressWithoutPortIsInvalid) {
  GrpcClient client;
  EXPECT_EQ(callAndWait(client, "localhost", echo("x")).status.code(), StatusCode::kInvalidArgument);
}

// The gateway's case: calls made by HTTP handlers run on the handler's own server thread, many at
// once over one connection, and each answer comes back on that thread.
TEST(GrpcClient, CallsFromAServerLoopAreAnsweredOnThatThread) {
  TestServer backend;
  GrpcClient client;
  std::atomic<int> sameThread{0};
  std::atomic<int> otherThread{0};
  HttpServer server(ServerOptions{.threads = 2}, [&](HttpRequest& request, std::shared_ptr<Responder> responder) {
    const auto handlerThread = std::this_thread::get_id();
    client.call(backend.address(), echo(std::string(request.target)),
                [&, handlerThread, responder](GrpcReply reply) {
                  (std::this_thread::get_id() == handlerThread ? sameThread : otherThread)++;
                  responder->send(reply.status.isOk() ? HttpResponse::text(200, reply.message)
                                                      : HttpResponse::text(502, reply.status.toString()));
                });
  });
  ASSERT_TRUE(server.start().isOk());

  constexpr int kCalls = 300;
  AsyncHttpClient driver;
  std::atomic<int> ok{0};
  std::atomic<int> finished{0};
  std::promise<void> all;
  for (int i = 0; i < kCalls; ++i) {
    ClientRequest request;
    request.target = "/call/" + std::to_string(i);
    driver.request("127.0.0.1", server.port(), std::move(request), 10s, [&, i](Result<HttpResponse> response) {
      if (response.isOk() && response->status == 200 &&
          response->body == "echo:/call/" + std::to_string(i) + "|actor=user-7|deadline=yes") {
        ++ok;
      }
      if (++finished == kCalls) all.set_value();
    });
  }
  ASSERT_EQ(all.get_future().wait_for(20s), std::future_status::ready);
  EXPECT_EQ(ok.load(), kCalls);
  EXPECT_EQ(sameThread.load(), kCalls);
  EXPECT_EQ(otherThread.load(), 0);
  server.stop();
}

}  // namespace
}  // namespace fleetdeck::http
