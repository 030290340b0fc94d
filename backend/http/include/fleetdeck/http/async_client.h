// An asynchronous HTTP/1.1 client with pooled keep-alive connections, for proxying (the gateway's
// Prometheus pass-through). Called from a server thread, it runs the exchange on that thread's own
// event loop, so a proxied request never changes threads; from any other thread it uses its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fleetdeck/core/status.h"
#include "fleetdeck/http/message.h"

namespace fleetdeck::http {

struct ClientRequest {
  std::string method = "GET";
  std::string target = "/";
  Headers headers;  // Host is set by the client
  std::string body;
  // The answer's fields the caller reads (any case); empty: all of them. The others are still read for
  // the answer's framing, but not copied: a proxy that forwards one field of an upstream's six saves
  // the copies (bench.gateway_instructions' pass-through).
  std::vector<std::string> answerFields;
};

struct AsyncClientOptions {
  // Connections open to one upstream per event loop (a server thread); beyond it requests wait for
  // one to be released (their timeout keeps running), as HAProxy's server maxconn queues: a burst
  // of clients does not become a burst of upstream connections the upstream must serve at once.
  size_t maxConnectionsPerUpstream = 64;
  // Requests waiting for a connection per upstream and event loop; more are refused (UNAVAILABLE).
  size_t maxWaitingPerUpstream = 4096;
  // Idle connections kept per upstream and event loop.
  size_t maxIdlePerUpstream = 64;
  // A longer answer body fails the request with RESOURCE_EXHAUSTED (and closes its connection).
  size_t maxResponseBytes = 64 << 20;
  // Called from a server thread, run the exchange on that thread's event loop (no thread hops).
  // False for callers that block until the answer comes: they would block the loop that brings it.
  bool runOnCallersServerLoop = true;
};

class AsyncHttpClient {
 public:
  // UNAVAILABLE when the upstream cannot be reached or the connection broke, DEADLINE_EXCEEDED when
  // no complete answer came within the timeout; any HTTP status is a successful exchange.
  using Callback = std::function<void(Result<HttpResponse>)>;

  explicit AsyncHttpClient(AsyncClientOptions options = {});
  // Waits for the client's own thread; exchanges running on server threads end with those servers.
  ~AsyncHttpClient();
  AsyncHttpClient(const AsyncHttpClient&) = delete;
  AsyncHttpClient& operator=(const AsyncHttpClient&) = delete;

  void request(std::string host, uint16_t port, ClientRequest request, std::chrono::milliseconds timeout,
               Callback callback);

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace fleetdeck::http
