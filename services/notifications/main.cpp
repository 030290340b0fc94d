// notifications: what the fleet told each customer, recorded once per source and listed newest first.
// Composition only.
#include <tuple>

#include "adapters/event_consumer.h"
#include "adapters/notifications_grpc_service.h"
#include "adapters/pg_notification_repository.h"
#include "domain/notification_inbox.h"
#include "fleetdeck/bus/service_bus.h"
#include "fleetdeck/bus/streams.h"
#include "fleetdeck/db/connection_pool.h"
#include "fleetdeck/db/migration_runner.h"
#include "fleetdeck/db/processed_events.h"
#include "fleetdeck/host/service_host.h"
#include "fleetdeck/rpc/server.h"
#include "notifications_migrations.h"

using namespace fleetdeck;

int main(int argc, char** argv) {
  auto host = host::ServiceHost::create(argc, argv, "notifications",
                                        "FleetDeck notifications service: what the fleet told each customer.");
  Config& config = host->config();

  // This service's own database, through a bounded pool.
  db::ConnectionPool pool(db::poolOptionsFromConfig(config, "notifications"));
  // Handlers block on PostgreSQL; they run here, never on the gRPC server's completion-queue threads.
  WorkPool workers(static_cast<size_t>(config.getInt("server.workers", 8, 1, 256)),
                   static_cast<size_t>(config.getInt("server.queue_limit", 1024, 1, 1'000'000)), "notifications");
  rpc::RpcServer grpcServer(rpc::serverOptionsFromConfig(config));
  // The event bus ([nats] url empty: off; then only Notify calls create notifications).
  const auto busConfig = bus::serviceBusConfigFromConfig(config, host->serviceName(), host->instanceId());
  const std::string adminHost = config.getString("admin.address", "127.0.0.1");
  // Records of consumed events are what make a redelivery, or a dead letter replayed, harmless: kept
  // longer than dead letters are (14 days), so a letter replayed on its last day whose effect had
  // committed (only its ack was lost) still finds its record.
  const auto processedRetention =
      config.getDuration("consumers.processed_retention", std::chrono::hours(24 * 15),
                         std::chrono::duration_cast<std::chrono::milliseconds>(bus::deadLetterStream().maxAge +
                                                                               std::chrono::hours(24)));
  // The pruner pauses this long between rounds: at 0 it deleted in a loop without a pause.
  const auto pruneInterval =
      config.getDuration("consumers.prune_interval", std::chrono::hours(1), std::chrono::seconds(1));
  host->finishConfig();

  const auto applied = db::applyMigrations(pool, notifications::embeddedMigrations());
  if (!applied) host->fail(applied.status(), "applying database migrations");
  // --migrate-only (Kubernetes' `migrate` init container): the schema is current; start nothing else.
  if (host->migrateOnly()) return host->finishMigrateOnly(*applied);
  db::ProcessedEventsPruner pruner(pool, processedRetention, pruneInterval);
  db::exportPoolMetrics(pool);

  notifications::PgNotificationRepository repository(pool);
  notifications::NotificationInbox inbox(repository);
  notifications::NotificationsGrpcService service(inbox, workers);
  service.bindTo(grpcServer);
  if (auto started = grpcServer.start(); !started.isOk()) host->fail(started, "starting the gRPC server");

  host->setInfo("grpcAddress", grpcServer.address());
  host->addReadinessCheck({"database", [&pool] { return pool.ping(); }});

  // Events: one notification per UserRegistered, order outcome and declined payment, each applied
  // once; the registry lists this instance for the gateway.
  notifications::EventConsumer events(pool);
  std::unique_ptr<bus::ServiceBus> eventBus;
  if (busConfig.enabled()) {
    auto connected = bus::ServiceBus::connect(busConfig);
    if (!connected) host->fail(connected.status(), "connecting to NATS");
    eventBus = std::move(*connected);
    using Consumer = notifications::EventConsumer;
    for (const auto& [domain, durable, subject] :
         {std::tuple{"users", Consumer::kUsersDurable, Consumer::kUsersSubject},
          std::tuple{"orders", Consumer::kOrdersDurable, Consumer::kOrdersSubject},
          std::tuple{"payments", Consumer::kPaymentsDurable, Consumer::kPaymentsSubject}}) {
      eventBus->consume(domain, durable, subject, [&events, name = std::string(durable)](const bus::ReceivedMessage& message) {
        return events.handle(name, message);
      });
    }
    eventBus->registerInstance(
        {host->serviceName(), host->instanceId(), host->version(), host->advertised(grpcServer.address()), "", 0, 0},
        [&host, adminHost](bus::ServiceInstance& instance) {
          if (host->adminPort() != 0) instance.adminAddress = host->advertised(adminHost + ":" + std::to_string(host->adminPort()));
        });
    // Not critical: listing and Notify work without NATS; events wait in their streams meanwhile.
    host->addReadinessCheck({"nats", [&eventBus] { return eventBus->readiness(); }, false});
  } else {
    host->setInfo("nats", "disabled ([nats] url is empty)");
  }

  // Stopped in reverse order: the instance leaves the registry and stops consuming, gRPC drains,
  // then the workers finish what is queued.
  host->onShutdown("workers", [&workers](std::chrono::milliseconds) { workers.shutdown(); });
  host->onShutdown("grpc", [&grpcServer](std::chrono::milliseconds drain) { grpcServer.shutdown(drain); });
  host->onShutdown("events", [&eventBus](std::chrono::milliseconds) {
    if (eventBus) eventBus->stopIntake();
  });
  return host->run();
}
