// Stopping the HTTP server while connections are open or a handler still holds a responder.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <thread>

#include "fleetdeck/http/client.h"
#include "fleetdeck/http/server.h"

namespace fleetdeck::http {
namespace {

using namespace std::chrono_literals;

// A handler that answers from another thread may let go of its responder after the client has its
// answer and the server is already being destroyed: the connection behind the responder must not
// outlive the event loop its socket belongs to (it crashed the process before).
TEST(ServerShutdown, AResponderReleasedWhileTheServerIsDestroyedIsSafe) {
  std::shared_ptr<Responder> kept;
  std::promise<void> received;
  auto server = std::make_unique<HttpServer>(ServerOptions{.threads = 1},
                                             [&](HttpRequest&, std::shared_ptr<Responder> responder) {
                                               kept = responder;
                                               responder->send(HttpResponse::text(200, "ok"));
                                               received.set_value();
                                             });
  ASSERT_TRUE(server->start().isOk());
  HttpClient client("127.0.0.1", server->port(), 2s);
  auto response = client.get("/");
  ASSERT_TRUE(response.isOk()) << response.status().toString();
  EXPECT_EQ(response->body, "ok");
  received.get_future().wait();

  std::thread destroyer([&] { server.reset(); });
  std::this_thread::sleep_for(50ms);  // the destructor is now waiting for the held connection
  kept->send(HttpResponse::text(200, "too late"));  // already answered: ignored
  kept.reset();  // the last owner of the connection: destroyed while its loop still exists
  destroyer.join();
  EXPECT_EQ(server, nullptr);
}

// Idle keep-alive connections are closed by stop(), not left open until the server is destroyed.
TEST(ServerShutdown, StopClosesIdleKeepAliveConnections) {
  HttpServer server(ServerOptions{.threads = 1}, [](HttpRequest&, std::shared_ptr<Responder> responder) {
    responder->send(HttpResponse::text(200, "ok"));
  });
  ASSERT_TRUE(server.start().isOk());
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(server.port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  timeval timeout{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  const std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL), static_cast<ssize_t>(request.size()));
  std::string received;
  char buffer[4096];
  while (received.find("\r\n\r\nok") == std::string::npos) {
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    ASSERT_GT(n, 0) << "no answer: " << received;
    received.append(buffer, static_cast<size_t>(n));
  }
  server.stop(0ms);
  // The connection stays open for keep-alive until stop(): then the server closes it (end of file).
  EXPECT_EQ(recv(fd, buffer, sizeof buffer, 0), 0) << "the idle connection was not closed by stop()";
  close(fd);
}

}  // namespace
}  // namespace fleetdeck::http
