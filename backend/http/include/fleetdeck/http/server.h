// HTTP/1.1 server on Boost.Asio: keep-alive, one io_context per thread, size limits, timeouts.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "fleetdeck/core/status.h"
#include "fleetdeck/http/router.h"

namespace fleetdeck::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0: pick a free port (see HttpServer::port())
  // One io_context and acceptor (SO_REUSEPORT) per thread; 0 means one per core.
  unsigned threads = 1;
  size_t headerLimitBytes = 16 * 1024;
  size_t bodyLimitBytes = 1024 * 1024;
  // A request must arrive completely within this time once its first byte came.
  std::chrono::milliseconds readTimeout{10'000};
  // A keep-alive connection with no new request for this long is closed.
  std::chrono::milliseconds idleTimeout{60'000};
  // Once a request is read, its handler must answer within this (handlers' own upstream deadlines
  // are shorter); only a handler that holds its responder for ever meets it. The read timeout does
  // not run while a handler works.
  std::chrono::milliseconds responseTimeout{300'000};
  // Open connections at most, over all threads; one more is closed as soon as it is accepted, so a
  // client holding thousands of idle sockets cannot take every file descriptor of the process.
  size_t maxConnections = 4096;
  std::string serverName = "fleetdeck";
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts the threads; UNAVAILABLE when the address cannot be bound.
  Status start();
  uint16_t port() const;
  // Accepts that failed (e.g. out of file descriptors; the acceptor then waits 50 ms before trying
  // again), and connections closed at once because maxConnections were open. For metrics and tests.
  uint64_t acceptFailures() const;
  uint64_t connectionsRefused() const;
  // Stops accepting, gives open exchanges up to `drain` to finish, then closes everything.
  void stop(std::chrono::milliseconds drain = std::chrono::milliseconds(2000));

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fleetdeck::http
