// The pool's libpq defaults, against a peer that accepts TCP connections and never answers (a
// database vanished from the network, a half-dead proxy): a connect gives up within libpq's
// connect_timeout instead of waiting for ever.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>

#include "fleetdeck/db/connection_pool.h"

namespace fleetdeck::db {
namespace {

TEST(ConnectionDefaults, AConnectToAPeerThatNeverAnswersGivesUp) {
  // Listening with a backlog and never accepting: the kernel completes the TCP handshake, then
  // nothing is ever said.
  const int silent = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(silent, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(silent, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(silent, 16), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(getsockname(silent, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string url = "postgresql://nobody@127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/nothing";

  ConnectionPool pool(PoolOptions{url, 1, std::chrono::milliseconds(100), "silent"});
  const auto started = std::chrono::steady_clock::now();
  auto attempt = std::async(std::launch::async, [&pool] { return pool.ping(); });
  const bool gaveUp = attempt.wait_for(std::chrono::seconds(15)) == std::future_status::ready;
  close(silent);  // ends a connect still waiting (reset), so the test itself always finishes
  const Status status = attempt.get();
  ASSERT_TRUE(gaveUp) << "the connect waited more than 15 s for a peer that never answers";
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.toString();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

}  // namespace
}  // namespace fleetdeck::db
