// What a service's main composes to take part in the event bus: the NATS connection, the relay of its
// outbox, its durable consumers and its registry entry, read from [nats], [outbox], [consumers] and
// [registry]. Independent of ServiceHost: main wires readiness and shutdown to it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fleetdeck/bus/connection.h"
#include "fleetdeck/bus/consumer.h"
#include "fleetdeck/bus/registry.h"
#include "fleetdeck/db/outbox.h"

namespace fleetdeck {
class Config;
}

namespace fleetdeck::db {
class ConnectionPool;
}

namespace fleetdeck::bus {

struct ServiceBusConfig {
  BusOptions bus;                    // bus.url empty: the bus is disabled
  ConsumerOptions consumerDefaults;  // stream, durable and filter are set per consumer
  RegistryOptions registry;
  db::OutboxRelayOptions outbox;
  bool enabled() const { return !bus.url.empty(); }
};

// Reads every bus-related key of a service's config (see docs/events.md for the list).
ServiceBusConfig serviceBusConfigFromConfig(Config& config, const std::string& serviceName,
                                            const std::string& instanceId);

class ServiceBus {
 public:
  // Connects (in the background when NATS is not up yet). INVALID_ARGUMENT for a malformed url.
  static Result<std::unique_ptr<ServiceBus>> connect(ServiceBusConfig config);
  ~ServiceBus();

  Bus& bus() { return *bus_; }

  // Declares the streams of `domains` (e.g. {"payments"}) and starts relaying the outbox of `pool`.
  void publishOutbox(db::ConnectionPool& pool, const std::vector<std::string>& domains);
  // Skips the relay's idle wait (after a commit that appended events). No-op without a relay.
  void wakeRelay();
  // Starts a durable consumer on the stream of `domain` with the configured defaults.
  void consume(const std::string& domain, const std::string& durable, const std::string& filterSubject,
               MessageHandler handler);
  // Registers and heartbeats `instance`; `refresh` fills in late fields before every beat.
  void registerInstance(ServiceInstance instance, std::function<void(ServiceInstance&)> refresh = {});

  // The readiness detail: UNAVAILABLE while disconnected, or naming a consumer not bound yet.
  Status readiness();

  // First half of a shutdown: deregisters (watchers drop this instance at once) and stops the
  // consumers (messages in hand finish). Call before draining the servers.
  void stopIntake();
  // Second half: stops the outbox relay, after the servers drained (their last events still go out
  // on the next start otherwise). Idempotent; the destructor calls both.
  void stopPublishing();

 private:
  explicit ServiceBus(ServiceBusConfig config, std::unique_ptr<Bus> bus);

  ServiceBusConfig config_;
  std::unique_ptr<Bus> bus_;
  std::unique_ptr<db::OutboxPublisher> publisher_;
  std::unique_ptr<db::OutboxRelay> relay_;
  std::vector<std::unique_ptr<ConsumerLoop>> consumers_;
  std::unique_ptr<ServiceRegistration> registration_;
};

}  // namespace fleetdeck::bus
