// Streamed (chunked) responses on real loopback sockets: what Server-Sent Events rely on.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "fleetdeck/http/client.h"
#include "fleetdeck/http/server.h"

namespace fleetdeck::http {
namespace {

class RawConnection {
 public:
  explicit RawConnection(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    timeval timeout{0, 50'000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~RawConnection() { closeNow(); }
  void closeNow() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  bool send(const std::string& bytes) { return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size()); }
  bool waitFor(std::string_view text, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (data_.find(text) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      char buffer[4096];
      const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n == 0) break;
      if (n > 0) data_.append(buffer, static_cast<size_t>(n));
    }
    return data_.find(text) != std::string::npos;
  }
  bool connected() const { return connected_; }
  const std::string& data() const { return data_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string data_;
};

class StreamingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.add("GET", "/stream", [this](HttpRequest&, std::shared_ptr<Responder> responder) {
      HttpResponse head;
      head.headers.add("Content-Type", "text/event-stream");
      StreamOptions options;
      options.keepAliveInterval = std::chrono::milliseconds(50);
      options.keepAliveText = ":hb\n\n";
      options.maxQueuedBytes = 64 * 1024;
      options.onClose = [this] { closed_.fetch_add(1); };
      writer_ = responder->startStream(std::move(head), std::move(options));
      ASSERT_NE(writer_, nullptr);
      writer_->write("data: first\n\n");
    });
    server_ = std::make_unique<HttpServer>(ServerOptions{}, [this](HttpRequest& request, std::shared_ptr<Responder> responder) {
      router_.dispatch(request, std::move(responder));
    });
    ASSERT_TRUE(server_->start().isOk());
  }
  void TearDown() override { server_->stop(std::chrono::milliseconds(200)); }

  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::shared_ptr<StreamWriter> writer_;
  std::atomic<int> closed_{0};
};

TEST_F(StreamingTest, ChunksArriveAsTheyAreWrittenFromAnyThreadWithHeartbeatsBetween) {
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.connected());
  ASSERT_TRUE(connection.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(connection.waitFor("data: first", std::chrono::seconds(2))) << connection.data();
  EXPECT_NE(connection.data().find("Transfer-Encoding: chunked"), std::string::npos);
  EXPECT_NE(connection.data().find("text/event-stream"), std::string::npos);
  ASSERT_TRUE(connection.waitFor(":hb", std::chrono::seconds(2))) << "keep-alive text after 50 ms of silence";
  std::thread([writer = writer_] { EXPECT_TRUE(writer->write("data: from another thread\n\n")); }).join();
  EXPECT_TRUE(connection.waitFor("from another thread", std::chrono::seconds(2)));
  writer_->close();
  EXPECT_TRUE(connection.waitFor("0\r\n\r\n", std::chrono::seconds(2))) << "the last chunk ends the body";
  EXPECT_FALSE(writer_->write("too late"));
}

TEST_F(StreamingTest, HeadGetsTheHeadAlone_AndTheStreamEnds) {
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.send("HEAD /stream HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(connection.waitFor("\r\n\r\n", std::chrono::seconds(2))) << connection.data();
  EXPECT_NE(connection.data().find("text/event-stream"), std::string::npos);
  connection.waitFor("data: first", std::chrono::milliseconds(300));  // nothing may follow the head
  EXPECT_EQ(connection.data().find("data: first"), std::string::npos) << connection.data();
  EXPECT_EQ(connection.data().find("\r\n\r\n") + 4, connection.data().size()) << connection.data();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (closed_.load() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(closed_.load(), 1) << "the producer learns the stream is over";
}

TEST_F(StreamingTest, AClientThatHangsUpEndsTheStreamAndCallsOnClose) {
  {
    RawConnection connection(server_->port());
    ASSERT_TRUE(connection.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(connection.waitFor("data: first", std::chrono::seconds(2)));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (closed_.load() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(closed_.load(), 1);
  EXPECT_FALSE(writer_->isOpen());
  EXPECT_FALSE(writer_->write("nobody listens"));
}

TEST_F(StreamingTest, AClientThatFallsTooFarBehindIsDisconnected) {
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(connection.waitFor("data: first", std::chrono::seconds(2)));
  // The client stops reading; the writer keeps producing far beyond the 64 KiB allowed queue.
  const std::string chunk(8192, 'x');
  bool refused = false;
  for (int i = 0; i < 10'000 && !refused; ++i) refused = !writer_->write(chunk);
  EXPECT_TRUE(refused);
  EXPECT_FALSE(writer_->isOpen());
}

TEST(ServerRejects, ATooLargeBodyIs413EvenWhileTheClientIsStillSending) {
  Router router;
  router.add("POST", "/upload", [](HttpRequest&, std::shared_ptr<Responder> responder) {
    responder->send(HttpResponse::text(200, "ok"));
  });
  ServerOptions options;
  options.bodyLimitBytes = 1024;
  HttpServer server(options, [&](HttpRequest& request, std::shared_ptr<Responder> responder) {
    router.dispatch(request, std::move(responder));
  });
  ASSERT_TRUE(server.start().isOk());
  HttpClient client("127.0.0.1", server.port());
  auto response = client.request("POST", "/upload", std::string(10 << 20, 'a'));
  ASSERT_TRUE(response.isOk()) << response.status().toString();
  EXPECT_EQ(response->status, 413);
  server.stop(std::chrono::milliseconds(100));
}

}  // namespace
}  // namespace fleetdeck::http
