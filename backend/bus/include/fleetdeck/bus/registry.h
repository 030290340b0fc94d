// The service registry in a NATS KV bucket: each process registers itself and heartbeats with a TTL;
// watchers (the gateway's fleet view and load balancing) see instances come, refresh and go.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fleetdeck/bus/connection.h"
#include "fleetdeck/core/status.h"

namespace fleetdeck {
class Config;
}

namespace fleetdeck::bus {

struct ServiceInstance {
  std::string name;        // "orders"
  std::string instanceId;  // unique per process
  std::string version;
  std::string grpcAddress;   // host:port, empty when the process serves no gRPC
  std::string adminAddress;  // host:port of /healthz, /readyz, /metrics
  int64_t startTimeMicros = 0;
  // When the registry last heard from it (the KV entry's time); set by watchers.
  int64_t lastHeartbeatMicros = 0;

  bool operator==(const ServiceInstance&) const = default;
};

struct RegistryOptions {
  std::string bucket = "fleetdeck_registry";
  // An entry not refreshed for this long is gone (the bucket's max age, and watchers' expiry).
  std::chrono::milliseconds ttl{std::chrono::seconds(15)};
  // How often a registration refreshes its entry; well under ttl, so one lost beat does not matter.
  std::chrono::milliseconds heartbeatInterval{std::chrono::seconds(5)};
  // This host's clock in microseconds since the epoch (empty: the system clock). A registration's
  // start time reads it; watchers never do (see RegistryWatcher). Tests set a skewed one.
  std::function<int64_t()> wallClock;
};

// Reads [registry] bucket, ttl, heartbeat_interval.
RegistryOptions registryOptionsFromConfig(Config& config);

// "orders.orders-host-42": the KV key of an instance (characters KV keys refuse become '_').
std::string registryKey(const std::string& name, const std::string& instanceId);

// One process's entry: put on start(), refreshed by a heartbeat thread, deleted on stop().
class ServiceRegistration {
 public:
  ServiceRegistration(Bus& bus, ServiceInstance instance, RegistryOptions options = {});
  ~ServiceRegistration();
  ServiceRegistration(const ServiceRegistration&) = delete;
  ServiceRegistration& operator=(const ServiceRegistration&) = delete;

  // Called before every beat to fill in what is known only later (e.g. the admin port, bound when
  // the host starts serving). Set before start().
  void setRefresh(std::function<void(ServiceInstance&)> refresh) { refresh_ = std::move(refresh); }
  // Starts heartbeating (the first beat right away; when NATS is down the thread keeps trying).
  void start();
  // Stops heartbeating; with `deregister` also deletes the entry so watchers drop it at once.
  void stop(bool deregister = true);
  // One heartbeat now; what the thread does every heartbeatInterval.
  Status beat();
  const ServiceInstance& instance() const { return instance_; }

 private:
  struct Bucket;
  void run();

  Bus& bus_;
  std::unique_ptr<Bucket> bucket_;
  std::function<void(ServiceInstance&)> refresh_;
  ServiceInstance instance_;
  RegistryOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

struct RegistryChange {
  enum class Kind { kAdded, kUpdated, kRemoved };
  Kind kind = Kind::kAdded;
  ServiceInstance instance;
};

// Follows the bucket: snapshot() of the live instances, and a callback on every change. An entry
// whose last heartbeat is older than the TTL is dropped even before the server expires it. Ages are
// measured on the NATS server's clock (the entries' times), never against this host's: in a fleet
// spread over hosts, a watcher whose clock ran ahead by a TTL would otherwise see every instance
// as expired, and one behind would keep dead ones.
class RegistryWatcher {
 public:
  RegistryWatcher(Bus& bus, RegistryOptions options = {});
  ~RegistryWatcher();
  RegistryWatcher(const RegistryWatcher&) = delete;
  RegistryWatcher& operator=(const RegistryWatcher&) = delete;

  // Called on the watcher's thread; keep it short. Set before start().
  void onChange(std::function<void(const RegistryChange&)> callback);
  void start();
  void stop();

  // Live instances, sorted by name then instance id.
  std::vector<ServiceInstance> snapshot() const;
  // Live instances of one service (for load balancing).
  std::vector<ServiceInstance> instancesOf(const std::string& name) const;
  // True once the watcher has read the bucket's current content at least once.
  bool synced() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// JSON of an instance as stored in the bucket, and back (INVALID_ARGUMENT for anything else).
std::string instanceToJson(const ServiceInstance& instance);
Result<ServiceInstance> instanceFromJson(const std::string& json);

}  // namespace fleetdeck::bus
