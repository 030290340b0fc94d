// The gRPC services behind the gateway: round-robin across an upstream's instances with a circuit
// breaker each (open ones are skipped), deadlines on every call, and retries with backoff, jitter
// and a budget for idempotent calls only. Calls go out on http::GrpcClient (HTTP/2 on the calling
// server thread's own loop), each with the grpc_client_* metrics and CLIENT span of rpc/.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <shared_mutex>
#include <string>
#include <vector>

#include "fleetdeck/core/status.h"
#include "fleetdeck/http/grpc_client.h"
#include "fleetdeck/resilience/circuit_breaker.h"
#include "fleetdeck/resilience/deadline.h"
#include "fleetdeck/resilience/retry.h"

namespace fleetdeck::gateway {

struct InstanceState;

struct UpstreamOptions {
  resilience::CircuitBreakerOptions breaker;
  resilience::RetryPolicy retry;
  resilience::RetryBudgetOptions budget;
  // Told about every breaker transition (the admin stream's fleet.change events); any thread.
  std::function<void(const InstanceState&)> onBreakerChange;
};

// What the gateway tells a service about the request (gRPC metadata, see rpc/call_context.h).
struct CallMetadata {
  std::string traceparent;
  std::string actor;      // user id, or empty for anonymous
  std::string actorRole;
  std::string clientAddress;
};

struct UpstreamReply {
  Status status;
  std::string body;        // the serialized response message when status is OK
  std::string retryAfter;  // the service's `retry-after` trailing metadata, seconds
  std::string instance;    // which instance answered (or was last tried)
};

struct InstanceState {
  std::string upstream;
  std::string address;
  resilience::BreakerState breaker = resilience::BreakerState::kClosed;
};

// Runs delayed retries on one small thread, so no gRPC or HTTP thread ever sleeps through a backoff.
class RetryTimer {
 public:
  RetryTimer();
  // Drops retries still waiting: the process is stopping.
  ~RetryTimer();
  // Ignored once stop() ran.
  void after(std::chrono::milliseconds delay, std::function<void()> task);
  // Drops waiting retries and waits for one that runs; later after() calls do nothing. Idempotent.
  void stop();

 private:
  void run();
  std::mutex mutex_;
  std::condition_variable wake_;
  std::multimap<resilience::TimePoint, std::function<void()>> tasks_;
  bool stopping_ = false;
  std::thread thread_;
};

class Upstreams {
 public:
  using Callback = std::function<void(UpstreamReply)>;

  // name -> "host:port" or several "host:port,host:port" (instances of one service).
  Upstreams(const std::map<std::string, std::string>& addresses, UpstreamOptions options = {});
  ~Upstreams();

  bool has(const std::string& name) const;
  // Calls `grpcPath` on an instance of `upstream`. The callback runs once: on the calling thread's
  // server loop when called from one, else (and for a retried call) on the client's own thread.
  // UNAVAILABLE with retryAfter set when every instance's breaker is open.
  // `clientDeadline`: the client shortened `deadline` (X-Request-Timeout); running out of it then says
  // nothing about the instance's health and does not count against its breaker.
  void call(const std::string& upstream, const std::string& grpcPath, std::string request,
            const CallMetadata& metadata, resilience::Deadline deadline, bool idempotent, Callback callback,
            bool clientDeadline = false);

  // Replaces the instances of an upstream (the service registry feeds this); breakers of
  // addresses that stay are kept.
  void setInstances(const std::string& upstream, const std::vector<std::string>& addresses);

  // Stops retries and the client's own thread: no callback of a call still in flight there runs
  // afterwards, so the objects callbacks use (the REST gateway) may go. At shutdown, once the HTTP
  // server stopped. Idempotent.
  void stop();

  std::vector<InstanceState> snapshot() const;
  // OK when a connection to at least one current instance of `upstream` is up: the instances
  // calls go to (configured, or from the registry once it has them), not the configured text.
  // Opens connections where there are none and waits at most 50 ms in all, so /readyz stays fast.
  Status readiness(const std::string& upstream) const;
  // name -> the configured address text.
  const std::map<std::string, std::string>& addresses() const { return addresses_; }

 private:
  struct Instance;
  struct Group;
  struct Attempt;
  std::shared_ptr<Instance> pick(Group& group, const std::string& avoid, bool mayProbe);
  void start(std::shared_ptr<Attempt> attempt);
  std::shared_ptr<Instance> makeInstance(const std::string& upstream, const std::string& address);

  UpstreamOptions options_;
  std::map<std::string, std::string> addresses_;
  mutable std::shared_mutex mutex_;
  std::map<std::string, std::shared_ptr<Group>> groups_;
  // Before the client: replies on the client's thread schedule retries here until it stopped.
  RetryTimer retryTimer_;
  mutable http::GrpcClient client_;  // probing from readiness() opens connections
};

// "a:1, b:2" -> {"a:1", "b:2"}.
std::vector<std::string> splitAddresses(const std::string& text);

}  // namespace fleetdeck::gateway
