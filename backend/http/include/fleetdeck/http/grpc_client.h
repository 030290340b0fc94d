// Unary gRPC calls over HTTP/2 (nghttp2) on the caller's own event loop: the gateway's client to
// the services. Called from a server thread, the call is written, answered and handed back on that
// thread, as Envoy's gRPC transcoder does on its own HTTP/2 codec; gRPC's C++ client would hand
// every answer over through its own threads (measured: two thread hops and ~18 us of CPU per call).
// Bytes in, bytes out: callers serialize their messages themselves.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fleetdeck/core/status.h"

namespace fleetdeck::http {

struct GrpcRequest {
  std::string path;     // "/package.Service/Method"
  std::string message;  // the serialized request message
  // Custom metadata: lower-case ASCII names (not "grpc-" or ":"-prefixed), printable ASCII values;
  // anything else is left out.
  std::vector<std::pair<std::string, std::string>> metadata;
  std::chrono::milliseconds timeout{5000};  // also sent as grpc-timeout
};

struct GrpcReply {
  Status status;  // the call's grpc-status and grpc-message, or what went wrong on the way
  std::string message;  // the serialized response message when status is OK
  std::string statusDetails;  // grpc-status-details-bin, decoded: a serialized google.rpc.Status
  // Response headers and trailers other than the pseudo-headers, content-type and grpc-*.
  std::vector<std::pair<std::string, std::string>> metadata;
  // The server cannot have run the call: it refused the stream, or the call never left this
  // process. Safe to send again whatever the method does.
  bool neverSent = false;
  const std::string* find(std::string_view name) const;
};

struct GrpcClientOptions {
  size_t maxMessageBytes = 64 << 20;  // larger answers end the call with RESOURCE_EXHAUSTED
  // Called from a server thread, run the call on that thread's event loop (no thread hops).
  bool runOnCallersServerLoop = true;
  // A call that reached its deadline without anything read from its connection since it started
  // sends a PING; no answer within this time closes the connection (UNAVAILABLE for its calls).
  std::chrono::milliseconds pingTimeout{2000};
  // At most one such PING per connection this often: gRPC servers close a connection that pings
  // more than twice in 5 minutes without data ("too_many_pings").
  std::chrono::milliseconds minPingInterval{std::chrono::minutes(5)};
  // A connection without calls this long is closed (instances that left, hosts that vanished).
  std::chrono::milliseconds idleTimeout{std::chrono::minutes(5)};
};

class GrpcClient {
 public:
  using Callback = std::function<void(GrpcReply)>;

  explicit GrpcClient(GrpcClientOptions options = {});
  // Waits for the client's own thread; calls running on server threads end with those servers.
  ~GrpcClient();
  GrpcClient(const GrpcClient&) = delete;
  GrpcClient& operator=(const GrpcClient&) = delete;

  // Stops the client's own thread and waits for it: callbacks of calls still in flight there never
  // run, so what they refer to may be destroyed afterwards. Later calls are dropped. Idempotent.
  void stop();

  // One call to `address` ("host:port"). The callback runs once, on the loop the call ran on.
  // UNAVAILABLE when the address cannot be reached or the connection broke before the answer
  // (the call may or may not have run), DEADLINE_EXCEEDED after the timeout, else the server's status.
  void call(const std::string& address, GrpcRequest request, Callback callback);

  // OK once the client's own connection to `address` has exchanged HTTP/2 settings with the
  // server; opens it when there is none and waits at most `timeout` (blocks the calling thread).
  Status probe(const std::string& address, std::chrono::milliseconds timeout);

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace fleetdeck::http
