// The Beast server against real loopback sockets: keep-alive, limits, malformed input, async answers.
#include "fleetdeck/http/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <thread>
#include <vector>

#include "fleetdeck/http/client.h"

namespace fleetdeck::http {
namespace {

bool connectToLoopback(int fd, uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
}

// A loopback TCP socket, connected to `port` unless `connectNow` is false; -1 on failure.
int openSocket(uint16_t port, bool connectNow = true) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0 || !connectNow) return fd;
  if (!connectToLoopback(fd, port)) {
    close(fd);
    return -1;
  }
  return fd;
}

void setReceiveTimeout(int fd, std::chrono::milliseconds timeout) {
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

// Sends raw bytes and reads until the server closes or `timeout` passes.
std::string rawExchange(uint16_t port, const std::string& bytes, std::chrono::milliseconds timeout) {
  const int fd = openSocket(port);
  if (fd < 0) return "connect failed";
  setReceiveTimeout(fd, timeout);
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string received;
  char buffer[4096];
  ssize_t n;
  while ((n = recv(fd, buffer, sizeof buffer, 0)) > 0) received.append(buffer, static_cast<size_t>(n));
  close(fd);
  return received;
}

// What a client sending without end got back.
struct EndlessSend {
  std::string reply;
  bool closedByServer = false;  // an end of stream (or a reset), not our receive timeout
  std::chrono::steady_clock::duration took{};
};

// Sends `head`, then `filler` bytes until the server answers or hangs up, `maxBytes` went out or
// `maxTime` passed; then reads the answer until the server closes (or 2 s).
EndlessSend sendWithoutEnd(uint16_t port, const std::string& head, char filler, size_t maxBytes,
                           std::chrono::milliseconds maxTime) {
  EndlessSend result;
  const int fd = openSocket(port);
  if (fd < 0) return result;
  const auto started = std::chrono::steady_clock::now();
  (void)::send(fd, head.data(), head.size(), MSG_NOSIGNAL);
  const std::string piece(1024, filler);
  size_t sent = 0;
  while (sent < maxBytes && std::chrono::steady_clock::now() - started < maxTime) {
    pollfd ready{fd, POLLIN | POLLOUT, 0};
    if (poll(&ready, 1, 10) < 0) break;
    if (ready.revents & (POLLIN | POLLHUP | POLLERR)) break;  // answered, or gone
    if (!(ready.revents & POLLOUT)) continue;
    const ssize_t n = ::send(fd, piece.data(), piece.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) break;
    if (n > 0) sent += static_cast<size_t>(n);
  }
  setReceiveTimeout(fd, std::chrono::milliseconds(2000));
  char buffer[4096];
  for (;;) {
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n > 0) {
      result.reply.append(buffer, static_cast<size_t>(n));
      continue;
    }
    result.closedByServer = n == 0 || errno == ECONNRESET;
    break;
  }
  result.took = std::chrono::steady_clock::now() - started;
  close(fd);
  return result;
}

// The body of a Content-Length answer as received, and the length its head announced (-1 if none).
std::pair<std::string, long> bodyAndAnnouncedLength(const std::string& answer) {
  const size_t end = answer.find("\r\n\r\n");
  if (end == std::string::npos) return {"", -1};
  const size_t field = answer.find("Content-Length: ");
  if (field == std::string::npos || field > end) return {answer.substr(end + 4), -1};
  return {answer.substr(end + 4), std::strtol(answer.c_str() + field + 16, nullptr, 10)};
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.add("GET", "/hello/{name}", [](HttpRequest& request, std::shared_ptr<Responder> responder) {
      responder->send(HttpResponse::text(200, "hello " + std::string(request.pathParam("name").value())));
    });
    router_.add("POST", "/echo", [](HttpRequest& request, std::shared_ptr<Responder> responder) {
      responder->send(HttpResponse::text(200, request.body));
    });
    // Answers later from another thread, as the gateway does after an upstream call.
    router_.add("GET", "/later", [](HttpRequest&, std::shared_ptr<Responder> responder) {
      std::thread([responder] {
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        responder->send(HttpResponse::text(202, "done"));
      }).detach();
    });
    // Answers after twice the read timeout (a stop of a service, a long query).
    router_.add("GET", "/slow", [](HttpRequest&, std::shared_ptr<Responder> responder) {
      std::thread([responder] {
        std::this_thread::sleep_for(std::chrono::milliseconds(600));
        responder->send(HttpResponse::text(200, "slow but here"));
      }).detach();
    });
    router_.add("GET", "/dropped", [](HttpRequest&, std::shared_ptr<Responder>) {});
    // As a handler behind the tracing decorator, which sets the request's trace id first.
    router_.add("GET", "/throws", [](HttpRequest& request, std::shared_ptr<Responder>) {
      request.traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
      throw std::runtime_error("a bug");
    });
    // A handler copying untrusted text into a header must not be able to add fields or a body.
    router_.add("GET", "/reflect", [](HttpRequest& request, std::shared_ptr<Responder> responder) {
      HttpResponse response = HttpResponse::text(200, "ok");
      response.headers.add("X-Reflected", std::string(request.header("X-In").value_or("")) + "\r\nSet-Cookie: evil=1");
      response.headers.add("Content-Length", "999");  // framing is the server's, never the handler's
      responder->send(std::move(response));
    });
    router_.add("POST", "/forwarded-for", [](HttpRequest& request, std::shared_ptr<Responder> responder) {
      responder->send(HttpResponse::text(200, std::string(request.header("X-Forwarded-For").value_or("none"))));
    });
    ServerOptions options;
    options.threads = 2;
    options.bodyLimitBytes = 1024;
    options.headerLimitBytes = 2048;
    options.readTimeout = std::chrono::milliseconds(300);
    options.idleTimeout = std::chrono::milliseconds(500);
    server_ = std::make_unique<HttpServer>(options, [this](HttpRequest& request, std::shared_ptr<Responder> responder) {
      router_.dispatch(request, std::move(responder));
    });
    ASSERT_TRUE(server_->start().isOk());
  }
  void TearDown() override { server_->stop(std::chrono::milliseconds(500)); }

  Router router_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, ServesManyRequestsOnOneKeepAliveConnection) {
  HttpClient client("127.0.0.1", server_->port());
  for (int i = 0; i < 20; ++i) {
    auto response = client.get("/hello/n" + std::to_string(i));
    ASSERT_TRUE(response.isOk()) << response.status().toString();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "hello n" + std::to_string(i));
  }
}

TEST_F(HttpServerTest, AsyncAnswerFromAnotherThreadArrives) {
  HttpClient client("127.0.0.1", server_->port());
  auto response = client.get("/later");
  ASSERT_TRUE(response.isOk());
  EXPECT_EQ(response->status, 202);
  EXPECT_EQ(response->body, "done");
}

TEST_F(HttpServerTest, AHandlerSlowerThanTheReadTimeout_StillGetsItsAnswerOut) {
  HttpClient client("127.0.0.1", server_->port());
  auto response = client.get("/slow");
  ASSERT_TRUE(response.isOk()) << response.status().toString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "slow but here");
}

// The server's own answers carry a trace id in header and body, like a handler's, which the log line
// the server writes for them names too: a client reporting one can be found.
void expectTraceIdInHeaderAndBody(const std::string& rawReply) {
  const size_t header = rawReply.find("\r\nX-Trace-Id: ");
  ASSERT_NE(header, std::string::npos) << rawReply.substr(0, 300);
  const std::string traceId = rawReply.substr(header + 14, 32);
  EXPECT_EQ(traceId.find_first_not_of("0123456789abcdef"), std::string::npos) << traceId;
  EXPECT_NE(rawReply.find("\"" + traceId + "\"", rawReply.find("\r\n\r\n")), std::string::npos)
      << "the body names the trace id: " << rawReply;
}

TEST_F(HttpServerTest, HandlerThatNeverAnswersStillProducesA500) {
  HttpClient client("127.0.0.1", server_->port());
  auto response = client.get("/dropped");
  ASSERT_TRUE(response.isOk());
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(response->headers.get("X-Trace-Id").value_or("").size(), 32u) << "the server's own answer has a trace id";
}

TEST_F(HttpServerTest, AHandlerThatThrows_Gets500UnderItsRequestsTraceId) {
  HttpClient client("127.0.0.1", server_->port());
  auto response = client.get("/throws");
  ASSERT_TRUE(response.isOk());
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(response->headers.get("X-Trace-Id").value_or(""), "4bf92f3577b34da6a3ce929d0e0e4736")
      << "the id its span and log lines carry, not a new one";
  EXPECT_NE(response->body.find("4bf92f3577b34da6a3ce929d0e0e4736"), std::string::npos) << response->body;
}

TEST_F(HttpServerTest, BodyOverTheLimitIs413) {
  HttpClient client("127.0.0.1", server_->port());
  auto small = client.request("POST", "/echo", std::string(1000, 'a'));
  ASSERT_TRUE(small.isOk());
  EXPECT_EQ(small->status, 200);
  const std::string big(4096, 'b');
  const std::string reply = rawExchange(server_->port(),
                                        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                            std::to_string(big.size()) + "\r\n\r\n" + big,
                                        std::chrono::milliseconds(2000));
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 413")) << reply.substr(0, 80);
  expectTraceIdInHeaderAndBody(reply);
}

TEST_F(HttpServerTest, HeaderOverTheLimitIs431) {
  const std::string reply =
      rawExchange(server_->port(), "GET /hello/x HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'h') + "\r\n\r\n",
                  std::chrono::milliseconds(2000));
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 431")) << reply.substr(0, 80);
}

TEST_F(HttpServerTest, MalformedRequestIs400) {
  const std::string reply = rawExchange(server_->port(), "THIS IS NOT HTTP\r\n\r\n", std::chrono::milliseconds(2000));
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 400")) << reply.substr(0, 80);
  expectTraceIdInHeaderAndBody(reply);
}

TEST_F(HttpServerTest, IncompleteRequestIsCutOffAfterTheReadTimeout) {
  const auto started = std::chrono::steady_clock::now();
  const std::string reply =
      rawExchange(server_->port(), "GET /hello/x HTTP/1.1\r\nHost: x\r\n", std::chrono::milliseconds(5000));
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(reply.empty()) << reply;
  // Closed by the server (read timeout 300 ms), not by our 5 s receive timeout.
  EXPECT_LT(waited, std::chrono::milliseconds(4000));
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrderOnOneConnection) {
  const std::string reply = rawExchange(server_->port(),
                                        "GET /hello/one HTTP/1.1\r\nHost: x\r\n\r\n"
                                        "GET /hello/two HTTP/1.1\r\nHost: x\r\n\r\n"
                                        "GET /hello/three HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                                        std::chrono::milliseconds(3000));
  const size_t one = reply.find("hello one");
  const size_t two = reply.find("hello two");
  const size_t three = reply.find("hello three");
  ASSERT_NE(one, std::string::npos) << reply;
  ASSERT_NE(two, std::string::npos) << reply;
  ASSERT_NE(three, std::string::npos) << reply;
  EXPECT_LT(one, two);
  EXPECT_LT(two, three);
  EXPECT_NE(reply.find("Connection: close"), std::string::npos) << "the last answer says the server closes";
}

TEST_F(HttpServerTest, AnIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout) {
  const auto started = std::chrono::steady_clock::now();
  // One complete request, then silence: the server answers, waits idleTimeout (500 ms), closes.
  const std::string reply =
      rawExchange(server_->port(), "GET /hello/idle HTTP/1.1\r\nHost: x\r\n\r\n", std::chrono::milliseconds(5000));
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 200")) << reply;
  EXPECT_GE(waited, std::chrono::milliseconds(400));
  EXPECT_LT(waited, std::chrono::milliseconds(4000)) << "closed by the server, not by our receive timeout";
}

TEST_F(HttpServerTest, HeaderValuesCannotSplitTheResponseAndFramingIsTheServers) {
  const std::string reply = rawExchange(server_->port(),
                                        "GET /reflect HTTP/1.1\r\nHost: x\r\nX-In: a\r\nConnection: close\r\n\r\n",
                                        std::chrono::milliseconds(3000));
  ASSERT_TRUE(reply.starts_with("HTTP/1.1 200")) << reply;
  EXPECT_EQ(reply.find("Set-Cookie"), std::string::npos) << reply;
  EXPECT_EQ(reply.find("999"), std::string::npos) << reply;
  EXPECT_NE(reply.find("Content-Length: 2\r\n"), std::string::npos) << reply;
  EXPECT_TRUE(reply.ends_with("\r\n\r\nok")) << reply;
}

TEST_F(HttpServerTest, HeadAnswersTheLengthWithoutABody) {
  // HEAD is routed to the GET handler ("hello x", 7 bytes); the server drops the body.
  const std::string reply = rawExchange(server_->port(), "HEAD /hello/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                                        std::chrono::milliseconds(3000));
  EXPECT_NE(reply.find("Content-Length: 7\r\n"), std::string::npos) << reply;
  EXPECT_TRUE(reply.ends_with("\r\n\r\n")) << reply;
}

TEST_F(HttpServerTest, AnHttp10ClientAskingForKeepAliveIsToldItIsKept) {
  const std::string reply = rawExchange(server_->port(),
                                        "GET /hello/a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                                        "GET /hello/b HTTP/1.0\r\n\r\n",
                                        std::chrono::milliseconds(3000));
  const size_t second = reply.find("HTTP/1.1 200", 1);
  ASSERT_NE(second, std::string::npos) << reply;
  EXPECT_NE(reply.substr(0, second).find("Connection: keep-alive"), std::string::npos) << reply;
  EXPECT_NE(reply.substr(second).find("Connection: close"), std::string::npos) << reply;
}

// Beast limits the request head, but not a chunk's size line, its extensions or the trailer, and
// counts only chunk data against the body limit: without a bound of its own the read buffer grew
// by all a client sent until the read timeout (10 s in production), per connection.
TEST_F(HttpServerTest, EndlessChunkExtensionIsRefusedBeforeTheReadTimeout) {
  const EndlessSend result =
      sendWithoutEnd(server_->port(), "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;", 'a',
                     64 * 1024 * 1024, std::chrono::milliseconds(3000));
  // Had the read timeout (300 ms) come first, the connection would have closed without an answer.
  EXPECT_TRUE(result.reply.starts_with("HTTP/1.1 431")) << result.reply.substr(0, 200);
  EXPECT_NE(result.reply.find("Connection: close\r\n"), std::string::npos) << result.reply.substr(0, 200);
  EXPECT_TRUE(result.closedByServer);
  EXPECT_LT(result.took, std::chrono::milliseconds(2500));
}

TEST_F(HttpServerTest, EndlessTrailerIsRefusedBeforeTheReadTimeout) {
  const EndlessSend result = sendWithoutEnd(
      server_->port(), "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX-Long: ",
      'a', 64 * 1024 * 1024, std::chrono::milliseconds(3000));
  EXPECT_TRUE(result.reply.starts_with("HTTP/1.1 431")) << result.reply.substr(0, 200);
  EXPECT_NE(result.reply.find("Connection: close\r\n"), std::string::npos) << result.reply.substr(0, 200);
  EXPECT_TRUE(result.closedByServer);
  EXPECT_LT(result.took, std::chrono::milliseconds(2500));
}

// Beast reports trailer fields like header fields; added to the request's headers they came after
// every check of the head, so a trailer X-Forwarded-For changed the client address the gateway
// logs and limits by, and a trailer could carry Authorization or Idempotency-Key.
TEST_F(HttpServerTest, TrailerFieldsAreNotRequestHeaders) {
  const std::string head =
      "POST /forwarded-for HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
  const std::string plain =
      rawExchange(server_->port(), head + "2\r\nhi\r\n0\r\n\r\n", std::chrono::milliseconds(3000));
  ASSERT_TRUE(plain.starts_with("HTTP/1.1 200")) << plain;
  EXPECT_TRUE(plain.ends_with("\r\n\r\nnone")) << plain;

  const std::string trailed = rawExchange(server_->port(), head + "2\r\nhi\r\n0\r\nX-Forwarded-For: 6.6.6.6\r\n\r\n",
                                          std::chrono::milliseconds(3000));
  EXPECT_TRUE(trailed.starts_with("HTTP/1.1 400")) << trailed;
  EXPECT_NE(trailed.find("trailer fields are not accepted"), std::string::npos) << trailed;
  EXPECT_EQ(trailed.find("6.6.6.6"), std::string::npos) << trailed;
}

// A refusal after a HEAD on the same connection is no HEAD answer: it must carry the body its
// Content-Length announces, or the client waits for bytes that never come.
TEST_F(HttpServerTest, AMalformedRequestAfterAHeadGetsItsWholeErrorBody) {
  const int fd = openSocket(server_->port());
  ASSERT_GE(fd, 0);
  setReceiveTimeout(fd, std::chrono::milliseconds(2000));
  const std::string head = "HEAD /hello/x HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(::send(fd, head.data(), head.size(), MSG_NOSIGNAL), static_cast<ssize_t>(head.size()));
  std::string first;
  char buffer[4096];
  while (first.find("\r\n\r\n") == std::string::npos) {
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    first.append(buffer, static_cast<size_t>(n));
  }
  ASSERT_TRUE(first.starts_with("HTTP/1.1 200")) << first;
  ASSERT_TRUE(first.ends_with("\r\n\r\n")) << first;

  const std::string bad = "BAD\r\n\r\n";
  ASSERT_EQ(::send(fd, bad.data(), bad.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bad.size()));
  std::string second;
  ssize_t n;
  while ((n = recv(fd, buffer, sizeof buffer, 0)) > 0) second.append(buffer, static_cast<size_t>(n));
  close(fd);
  ASSERT_TRUE(second.starts_with("HTTP/1.1 400")) << second;
  const auto [body, announced] = bodyAndAnnouncedLength(second);
  EXPECT_GT(announced, 0) << second;
  EXPECT_EQ(static_cast<long>(body.size()), announced) << second;
}

TEST_F(HttpServerTest, StopDrainsAndRefusesNewConnections) {
  const uint16_t port = server_->port();
  server_->stop(std::chrono::milliseconds(500));
  HttpClient client("127.0.0.1", port, std::chrono::milliseconds(500));
  EXPECT_FALSE(client.get("/hello/x").isOk());
}


// Sends one GET on `fd` and reads until the answer's body "ok" or `timeout`.
std::string exchangeOn(int fd, std::chrono::milliseconds timeout) {
  setReceiveTimeout(fd, timeout);
  const std::string request = "GET /hello/fd HTTP/1.1\r\nHost: x\r\n\r\n";
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) return "send failed";
  std::string received;
  char buffer[4096];
  while (received.find("hello fd") == std::string::npos) {
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    received.append(buffer, static_cast<size_t>(n));
  }
  return received;
}

TEST(HttpServerLimits, ConnectionsBeyondTheMaximumAreClosedAtOnce_AndAFreedSlotServesAgain) {
  ServerOptions options;
  options.maxConnections = 2;
  auto server = std::make_unique<HttpServer>(options, [](HttpRequest& request, std::shared_ptr<Responder> responder) {
    responder->send(HttpResponse::text(200, "hello " + request.path.substr(request.path.rfind('/') + 1)));
  });
  ASSERT_TRUE(server->start().isOk());
  const int first = openSocket(server->port());
  const int second = openSocket(server->port());
  ASSERT_GE(first, 0);
  ASSERT_GE(second, 0);
  EXPECT_NE(exchangeOn(first, std::chrono::milliseconds(2000)).find("hello fd"), std::string::npos);
  EXPECT_NE(exchangeOn(second, std::chrono::milliseconds(2000)).find("hello fd"), std::string::npos);

  const int third = openSocket(server->port());
  ASSERT_GE(third, 0);
  EXPECT_EQ(exchangeOn(third, std::chrono::milliseconds(2000)).find("hello fd"), std::string::npos);
  EXPECT_EQ(server->connectionsRefused(), 1u);
  close(third);

  close(first);
  std::string answer;
  for (int attempt = 0; attempt < 50 && answer.find("hello fd") == std::string::npos; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the server notices the close
    const int again = openSocket(server->port());
    answer = exchangeOn(again, std::chrono::milliseconds(1000));
    close(again);
  }
  EXPECT_NE(answer.find("hello fd"), std::string::npos);
  close(second);
  server->stop(std::chrono::milliseconds(200));
}

// Out of file descriptors, the waiting connection makes every accept fail at once: the acceptor must
// pause between tries (not spin a core), and serve the connection once descriptors are free again.
TEST(HttpServerLimits, OutOfFileDescriptors_TheAcceptorPauses_AndServesTheWaitingConnectionAfterwards) {
  auto server = std::make_unique<HttpServer>(ServerOptions{}, [](HttpRequest& request, std::shared_ptr<Responder> responder) {
    responder->send(HttpResponse::text(200, "hello " + request.path.substr(request.path.rfind('/') + 1)));
  });
  ASSERT_TRUE(server->start().isOk());
  const int waiting = openSocket(server->port(), /*connectNow=*/false);
  ASSERT_GE(waiting, 0);
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  const int lowestFree = dup(0);  // the number the server's accept would get
  ASSERT_GE(lowestFree, 0);
  close(lowestFree);
  rlimit lowered = saved;
  lowered.rlim_cur = static_cast<rlim_t>(lowestFree);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);

  const bool connected = connectToLoopback(waiting, server->port());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const uint64_t failures = server->acceptFailures();
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);

  ASSERT_TRUE(connected);
  EXPECT_GE(failures, 1u) << "the accept never ran out of descriptors: the test did not test anything";
  EXPECT_LE(failures, 20u) << "the acceptor retried without pausing";
  EXPECT_NE(exchangeOn(waiting, std::chrono::milliseconds(3000)).find("hello fd"), std::string::npos);
  close(waiting);
  server->stop(std::chrono::milliseconds(200));
}

TEST(HttpUrl, Parses) {
  auto url = parseHttpUrl("http://127.0.0.1:9101/readyz");
  ASSERT_TRUE(url.isOk());
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 9101);
  EXPECT_EQ(url->target, "/readyz");
  EXPECT_FALSE(parseHttpUrl("https://x").isOk());
  EXPECT_FALSE(parseHttpUrl("http://x:99999/").isOk());
}

TEST(HostPort, ParsesAndNamesWhatIsWrong) {
  auto plain = parseHostPort("products:50052");
  ASSERT_TRUE(plain.isOk());
  EXPECT_EQ(plain->host, "products");
  EXPECT_EQ(plain->port, 50052);
  auto v6 = parseHostPort("[::1]:8080");
  ASSERT_TRUE(v6.isOk());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 8080);
  EXPECT_NE(parseHostPort("localhost").status().message().find("not host:port"), std::string::npos);
  EXPECT_NE(parseHostPort(":80").status().message().find("no host"), std::string::npos);
  EXPECT_NE(parseHostPort("x:0").status().message().find("port 1-65535"), std::string::npos);
  EXPECT_FALSE(parseHostPort("x:80a").isOk());
}

// A peer whose address drops the handshake (a gone pod IP, a firewall) must not hold a client past
// its timeout: the OTLP exporter's shutdown waits for its call. A loopback listener whose accept
// queue is full drops further SYNs the same way.
TEST(HttpClientTimeout, AConnectThatGetsNoAnswerEndsWithinTheTimeout) {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(listener, 0), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const uint16_t port = ntohs(address.sin_port);
  std::vector<int> fillers;  // never accepted: they fill the queue
  for (int i = 0; i < 4; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    (void)connectToLoopback(fd, port);
    fillers.push_back(fd);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));

  HttpClient client("127.0.0.1", port, std::chrono::milliseconds(300));
  const auto started = std::chrono::steady_clock::now();
  auto response = client.get("/");
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_FALSE(response.isOk());
  EXPECT_LT(took, std::chrono::seconds(3)) << "the connect waited for the kernel instead of the timeout";
  for (int fd : fillers) close(fd);
  close(listener);
}

}  // namespace
}  // namespace fleetdeck::http
