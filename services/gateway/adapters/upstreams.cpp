#include "adapters/upstreams.h"

#include <mutex>

#include "fleetdeck/core/log.h"
#include "fleetdeck/resilience/token_bucket.h"
#include "fleetdeck/rpc/call_context.h"
#include "fleetdeck/rpc/client_call_telemetry.h"
#include "fleetdeck/rpc/status_conversion.h"
#include "fleetdeck/telemetry/metrics.h"

namespace fleetdeck::gateway {
namespace {

using resilience::Clock;

struct UpstreamMetrics {
  telemetry::GaugeFamily& breakerState = telemetry::defaultRegistry().gauge(
      "circuit_breaker_state",
      "Circuit breaker per upstream instance: 0 closed, 1 open, 2 half-open. The label is upstream_instance, "
      "not instance, because Prometheus overwrites a scraped instance label.",
      {"upstream", "upstream_instance"});
  telemetry::CounterFamily& retries = telemetry::defaultRegistry().counter(
      "gateway_upstream_retries_total", "Calls to an upstream repeated after a transient failure.", {"upstream"});
  telemetry::CounterFamily& rejected = telemetry::defaultRegistry().counter(
      "gateway_upstream_rejected_total", "Calls refused at once because every instance's breaker was open.",
      {"upstream"});
  telemetry::CounterFamily& budgetExhausted = telemetry::defaultRegistry().counter(
      "gateway_upstream_retry_budget_exhausted_total", "Retries skipped because the retry budget was spent.",
      {"upstream"});
};

UpstreamMetrics& metrics() {
  static UpstreamMetrics instance;
  return instance;
}

// Failures that say the instance is unhealthy; any other answer proves it is up.
bool countsAgainstBreaker(StatusCode code) {
  return code == StatusCode::kUnavailable || code == StatusCode::kDeadlineExceeded;
}

double random01() {
  thread_local std::mt19937_64 generator(std::random_device{}());
  return std::uniform_real_distribution<double>(0.0, 1.0)(generator);
}

}  // namespace

std::vector<std::string> splitAddresses(const std::string& text) {
  std::vector<std::string> result;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    part.erase(0, part.find_first_not_of(" \t"));
    part.erase(part.find_last_not_of(" \t") + 1);
    if (!part.empty()) result.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return result;
}

struct Upstreams::Instance {
  std::string upstream;
  std::string address;
  resilience::CircuitBreaker breaker;
  explicit Instance(resilience::CircuitBreakerOptions options) : breaker(options) {}
};

struct Upstreams::Group {
  std::string name;
  std::vector<std::shared_ptr<Instance>> instances;
  std::atomic<uint64_t> next{0};
  std::unique_ptr<resilience::RetryBudget> budget;
};

struct Upstreams::Attempt {
  std::shared_ptr<Group> group;
  std::string grpcPath;
  std::string request;
  CallMetadata metadata;
  resilience::Deadline deadline = resilience::Deadline::never();
  bool idempotent = false;
  bool clientDeadline = false;  // see Upstreams::call
  int number = 0;  // attempts made so far
  std::string lastInstance;
  Callback callback;
};

Upstreams::Upstreams(const std::map<std::string, std::string>& addresses, UpstreamOptions options)
    : options_(options), addresses_(addresses) {
  for (const auto& [name, text] : addresses) setInstances(name, splitAddresses(text));
}

Upstreams::~Upstreams() { stop(); }

void Upstreams::stop() {
  // Retries first: the client's thread may still answer calls, and their retries must find a
  // timer that ignores them.
  retryTimer_.stop();
  client_.stop();
}

RetryTimer::RetryTimer() : thread_([this] { run(); }) {}

RetryTimer::~RetryTimer() { stop(); }

void RetryTimer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    tasks_.clear();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RetryTimer::after(std::chrono::milliseconds delay, std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    tasks_.emplace(Clock::now() + delay, std::move(task));
  }
  wake_.notify_all();
}

void RetryTimer::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (tasks_.empty()) {
      wake_.wait(lock);
      continue;
    }
    const auto due = tasks_.begin()->first;
    if (Clock::now() < due) {
      wake_.wait_until(lock, due);
      continue;
    }
    auto task = std::move(tasks_.begin()->second);
    tasks_.erase(tasks_.begin());
    lock.unlock();
    task();
    lock.lock();
  }
}

std::shared_ptr<Upstreams::Instance> Upstreams::makeInstance(const std::string& upstream, const std::string& address) {
  auto instance = std::make_shared<Instance>(options_.breaker);
  instance->upstream = upstream;
  instance->address = address;
  auto& gauge = metrics().breakerState.labels({upstream, address});
  gauge.set(0);
  instance->breaker.setListener([&gauge, upstream, address, observer = options_.onBreakerChange](resilience::BreakerState state) {
    gauge.set(static_cast<double>(static_cast<int>(state)));
    if (observer) observer(InstanceState{upstream, address, state});
    log::warn("circuit breaker changed", {{"upstream", upstream},
                                          {"upstream_instance", address},
                                          {"state", resilience::breakerStateName(state)}});
  });
  return instance;
}

void Upstreams::setInstances(const std::string& upstream, const std::vector<std::string>& addresses) {
  std::unique_lock lock(mutex_);
  auto group = std::make_shared<Group>();
  group->name = upstream;
  group->budget = std::make_unique<resilience::RetryBudget>(options_.budget, Clock::now());
  const auto existing = groups_.find(upstream);
  for (const auto& address : addresses) {
    std::shared_ptr<Instance> kept;
    if (existing != groups_.end()) {
      for (const auto& instance : existing->second->instances) {
        if (instance->address == address) kept = instance;
      }
    }
    group->instances.push_back(kept ? kept : makeInstance(upstream, address));
  }
  groups_[upstream] = std::move(group);
}

bool Upstreams::has(const std::string& name) const {
  std::shared_lock lock(mutex_);
  auto found = groups_.find(name);
  return found != groups_.end() && !found->second->instances.empty();
}

std::vector<InstanceState> Upstreams::snapshot() const {
  std::vector<InstanceState> states;
  std::shared_lock lock(mutex_);
  const auto now = Clock::now();
  for (const auto& [name, group] : groups_) {
    for (const auto& instance : group->instances) {
      states.push_back({name, instance->address, instance->breaker.state(now)});
    }
  }
  return states;
}

Status Upstreams::readiness(const std::string& upstream) const {
  std::shared_ptr<Group> group;
  {
    std::shared_lock lock(mutex_);
    if (auto found = groups_.find(upstream); found != groups_.end()) group = found->second;
  }
  if (!group || group->instances.empty()) return unavailable("no instance of " + upstream + " is known");
  const auto until = Clock::now() + std::chrono::milliseconds(50);
  std::string waiting;
  for (const auto& instance : group->instances) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    Status probed = client_.probe(instance->address, std::max(left, std::chrono::milliseconds(1)));
    if (probed.isOk()) return probed;
    if (!waiting.empty()) waiting += "; ";
    waiting += probed.message();
  }
  return unavailable("no instance of " + upstream + " is connected: " + waiting);
}

std::shared_ptr<Upstreams::Instance> Upstreams::pick(Group& group, const std::string& avoid, bool mayProbe) {
  const size_t count = group.instances.size();
  const auto now = Clock::now();
  std::shared_ptr<Instance> fallback;
  // One turn of the round robin per pick, then every instance from there: an increment per try
  // would let concurrent picks take turns in between, so that one pick could see the same refused
  // instance twice and never the healthy one ("circuit open" while an instance was up).
  const size_t start = group.next.fetch_add(1, std::memory_order_relaxed);
  for (size_t i = 0; i < count; ++i) {
    auto& instance = group.instances[(start + i) % count];
    // A retry prefers another instance, but takes the same one when it is the only healthy one.
    if (instance->address == avoid && count > 1) {
      fallback = instance;
      continue;
    }
    if (instance->breaker.allow(now, mayProbe)) return instance;
  }
  if (fallback && fallback->breaker.allow(now, mayProbe)) return fallback;
  return nullptr;
}

void Upstreams::call(const std::string& upstream, const std::string& grpcPath, std::string request,
                     const CallMetadata& metadata, resilience::Deadline deadline, bool idempotent, Callback callback,
                     bool clientDeadline) {
  std::shared_ptr<Group> group;
  {
    std::shared_lock lock(mutex_);
    auto found = groups_.find(upstream);
    if (found != groups_.end() && !found->second->instances.empty()) group = found->second;
  }
  if (!group) {
    callback({unavailable("no address configured for upstream " + upstream), "", "", ""});
    return;
  }
  group->budget->onRequest(Clock::now());
  auto attempt = std::make_shared<Attempt>();
  attempt->group = std::move(group);
  attempt->grpcPath = grpcPath;
  attempt->request = std::move(request);
  attempt->metadata = metadata;
  attempt->deadline = deadline;
  attempt->idempotent = idempotent;
  attempt->clientDeadline = clientDeadline;
  attempt->callback = std::move(callback);
  start(std::move(attempt));
}

void Upstreams::start(std::shared_ptr<Attempt> attempt) {
  Group& group = *attempt->group;
  // A call on its client's own short deadline ends in nothing a breaker can count: no probe for it.
  auto instance = pick(group, attempt->lastInstance, !attempt->clientDeadline);
  if (!instance) {
    metrics().rejected.labels({group.name}).inc();
    std::chrono::milliseconds wait = std::chrono::milliseconds::max();
    const auto now = Clock::now();
    for (const auto& candidate : group.instances) wait = std::min(wait, candidate.get()->breaker.retryAfter(now));
    auto callback = std::move(attempt->callback);
    callback({unavailable("service '" + group.name + "' is unavailable (circuit open after repeated failures)"), "",
              std::to_string(resilience::retryAfterSeconds(wait)), attempt->lastInstance});
    return;
  }
  ++attempt->number;
  attempt->lastInstance = instance->address;
  const auto now = Clock::now();
  const auto remaining = attempt->deadline.isNever() ? std::chrono::milliseconds(std::chrono::hours(1))
                                                     : attempt->deadline.remaining(now);
  if (remaining.count() <= 0) {
    // pick() took a call slot (in half-open, the probe slot): give it back, or the instance would
    // be passed over until its open time ran out again.
    instance->breaker.onIgnored(now);
    auto callback = std::move(attempt->callback);
    callback({deadlineExceeded("the request's deadline passed before " + group.name + " was called"), "", "",
              attempt->lastInstance});
    return;
  }
  const CallMetadata& metadata = attempt->metadata;
  auto telemetry = std::make_shared<rpc::ClientCallTelemetry>(attempt->grpcPath, metadata.traceparent);
  http::GrpcRequest request;
  request.path = attempt->grpcPath;
  request.message = attempt->request;  // kept for a retry
  request.timeout = remaining;
  request.metadata.reserve(4);
  if (!telemetry->traceparent().empty()) request.metadata.emplace_back(rpc::kTraceparentKey, telemetry->traceparent());
  if (!metadata.actor.empty()) request.metadata.emplace_back(rpc::kActorKey, metadata.actor);
  if (!metadata.actorRole.empty()) request.metadata.emplace_back(rpc::kActorRoleKey, metadata.actorRole);
  if (!metadata.clientAddress.empty()) request.metadata.emplace_back("fleetdeck-client-address", metadata.clientAddress);

  client_.call(instance->address, std::move(request),
               [this, attempt, instance, telemetry](http::GrpcReply answer) {
                 const auto done = Clock::now();
                 Status status = std::move(answer.status);
                 if (!answer.statusDetails.empty()) {
                   // The field violations ride in the details: one translation for every client.
                   status = rpc::fromGrpcStatus(grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                                                             status.message(), answer.statusDetails));
                 }
                 telemetry->finish(status.code(), status.message());
                 if (attempt->clientDeadline && status.code() == StatusCode::kDeadlineExceeded) {
                   // The client's own deadline (X-Request-Timeout), not the instance: anyone could
                   // open every breaker with a burst of 2 ms requests if this counted.
                   instance->breaker.onIgnored(done);
                 } else if (countsAgainstBreaker(status.code()) && answer.find(rpc::kFailedDependencyKey) == nullptr) {
                   // (Unless the instance said a service it called failed: it works, and other
                   // routes through it must not be refused for products being down.)
                   instance->breaker.onFailure(done);
                 } else {
                   instance->breaker.onSuccess(done);
                 }
                 UpstreamReply reply;
                 reply.instance = instance->address;
                 if (status.isOk()) {
                   reply.body = std::move(answer.message);
                 } else {
                   if (const std::string* wait = answer.find("retry-after")) reply.retryAfter = *wait;
                   // A call the service cannot have run (refused, or never sent) is retried
                   // whatever the method does, as gRPC's own transparent retries do.
                   const bool retryable = (attempt->idempotent || answer.neverSent) &&
                                          resilience::isRetryableCode(status.code()) &&
                                          attempt->number < options_.retry.maxAttempts;
                   if (retryable) {
                     Group& group = *attempt->group;
                     const auto delay = resilience::backoffDelay(options_.retry.backoff, attempt->number, random01());
                     if (attempt->deadline.remaining(done) > delay + std::chrono::milliseconds(5)) {
                       if (group.budget->tryRetry(done)) {
                         metrics().retries.labels({group.name}).inc();
                         retryTimer_.after(delay, [this, attempt] { start(attempt); });
                         return;
                       }
                       metrics().budgetExhausted.labels({group.name}).inc();
                     }
                   }
                 }
                 reply.status = std::move(status);
                 auto callback = std::move(attempt->callback);
                 callback(std::move(reply));
               });
}

}  // namespace fleetdeck::gateway
