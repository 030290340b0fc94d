#include "fleetdeck/bus/service_bus.h"

#include "fleetdeck/bus/outbox_publisher.h"
#include "fleetdeck/bus/streams.h"
#include "fleetdeck/core/config.h"

namespace fleetdeck::bus {

ServiceBusConfig serviceBusConfigFromConfig(Config& config, const std::string& serviceName,
                                            const std::string& instanceId) {
  ServiceBusConfig result;
  result.bus = busOptionsFromConfig(config, serviceName + "-" + instanceId);
  result.consumerDefaults = consumerDefaultsFromConfig(config);
  result.registry = registryOptionsFromConfig(config);
  result.outbox = db::outboxRelayOptionsFromConfig(config, serviceName);
  return result;
}

ServiceBus::ServiceBus(ServiceBusConfig config, std::unique_ptr<Bus> bus)
    : config_(std::move(config)), bus_(std::move(bus)) {}

ServiceBus::~ServiceBus() {
  stopIntake();
  stopPublishing();
}

Result<std::unique_ptr<ServiceBus>> ServiceBus::connect(ServiceBusConfig config) {
  auto bus = Bus::connect(config.bus);
  if (!bus) return bus.status();
  return std::unique_ptr<ServiceBus>(new ServiceBus(std::move(config), std::move(*bus)));
}

void ServiceBus::publishOutbox(db::ConnectionPool& pool, const std::vector<std::string>& domains) {
  // Declared now when connected, otherwise on connect; failures surface in publish and readiness.
  for (const auto& domain : domains) (void)bus_->declareStream(domainStream(domain));
  publisher_ = std::make_unique<BusOutboxPublisher>(*bus_);
  relay_ = std::make_unique<db::OutboxRelay>(pool, *publisher_, config_.outbox);
  relay_->start();
}

void ServiceBus::wakeRelay() {
  if (relay_) relay_->wake();
}

void ServiceBus::consume(const std::string& domain, const std::string& durable, const std::string& filterSubject,
                         MessageHandler handler) {
  const auto stream = domainStream(domain);
  // The consumer's stream may not have a producer running yet; declaring it here lets the consumer bind.
  (void)bus_->declareStream(stream);
  ConsumerOptions options = config_.consumerDefaults;
  options.stream = stream.name;
  options.durable = durable;
  options.filterSubject = filterSubject;
  consumers_.push_back(std::make_unique<ConsumerLoop>(*bus_, std::move(options), std::move(handler)));
  consumers_.back()->start();
}

void ServiceBus::registerInstance(ServiceInstance instance, std::function<void(ServiceInstance&)> refresh) {
  registration_ = std::make_unique<ServiceRegistration>(*bus_, std::move(instance), config_.registry);
  registration_->setRefresh(std::move(refresh));
  registration_->start();
}

Status ServiceBus::readiness() {
  FLEETDECK_RETURN_IF_ERROR(bus_->ping());
  for (const auto& consumer : consumers_) {
    if (!consumer->subscribed()) return unavailable("consumer " + consumer->options().durable + " is not bound yet");
  }
  return Status::ok();
}

void ServiceBus::stopIntake() {
  if (registration_) registration_->stop(true);
  for (auto& consumer : consumers_) consumer->stop();
}

void ServiceBus::stopPublishing() {
  if (relay_) relay_->stop();
}

}  // namespace fleetdeck::bus
