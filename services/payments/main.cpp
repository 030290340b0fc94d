// payments: a wallet per user, charges and refunds for orders, the ledger behind them. Composition only.
#include "adapters/payments_grpc_service.h"
#include "adapters/pg_payment_store.h"
#include "adapters/seeded_random_source.h"
#include "adapters/user_events_consumer.h"
#include "domain/fault_injector.h"
#include "domain/payment.h"
#include "domain/wallets.h"
#include "fleetdeck/bus/service_bus.h"
#include "fleetdeck/bus/streams.h"
#include "fleetdeck/db/connection_pool.h"
#include "fleetdeck/db/migration_runner.h"
#include "fleetdeck/db/processed_events.h"
#include "fleetdeck/host/service_host.h"
#include "fleetdeck/rpc/server.h"
#include "payments_migrations.h"

using namespace fleetdeck;

int main(int argc, char** argv) {
  auto host = host::ServiceHost::create(argc, argv, "payments",
                                        "FleetDeck payments service: wallets, charges, refunds and their ledger.");
  Config& config = host->config();

  // This service's own database, through a bounded pool.
  db::ConnectionPool pool(db::poolOptionsFromConfig(config, "payments"));
  // Handlers block on PostgreSQL (and on injected latency); they run here, never on the gRPC server's
  // completion-queue threads.
  WorkPool workers(static_cast<size_t>(config.getInt("server.workers", 8, 1, 256)),
                   static_cast<size_t>(config.getInt("server.queue_limit", 1024, 1, 1'000'000)), "payments");
  rpc::RpcServer grpcServer(rpc::serverOptionsFromConfig(config));
  // What a new wallet holds, in which currency.
  payments::WalletSettings walletSettings;
  walletSettings.demoCreditUnits =
      config.getInt("payments.demo_credit_units", walletSettings.demoCreditUnits, 0, payments::kMaxAmountUnits);
  walletSettings.currency = config.getString("payments.currency", walletSettings.currency);
  // Fault injection, off unless config turns it on; runtime changes only where config allows them.
  payments::FaultSettings faultSettings;
  faultSettings.declineRate = config.getDouble("faults.decline_rate", 0.0, 0.0, 1.0);
  faultSettings.failureRate = config.getDouble("faults.failure_rate", 0.0, 0.0, 1.0);
  faultSettings.addedLatencyMs = config.getInt("faults.added_latency_ms", 0, 0, payments::kMaxAddedLatencyMs);
  const std::string failureCode = config.getString("faults.failure_code", "UNAVAILABLE");
  faultSettings.failureCode = statusCodeFromName(failureCode);
  const bool allowRuntimeFaultChanges = config.getBool("faults.allow_runtime_changes", false);
  // The event bus ([nats] url empty: off, and the outbox keeps the events until it is on).
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
  if (!payments::isInjectableFailureCode(faultSettings.failureCode)) {
    host->fail(invalidField("faults.failure_code", "must be UNAVAILABLE or INTERNAL, not \"" + failureCode + "\""),
               "reading the configuration");
  }
  if (auto problem = payments::currencyProblem(walletSettings.currency); !problem.empty()) {
    host->fail(invalidField("payments.currency", problem), "reading the configuration");
  }

  const auto applied = db::applyMigrations(pool, payments::embeddedMigrations());
  if (!applied) host->fail(applied.status(), "applying database migrations");
  // --migrate-only (Kubernetes' `migrate` init container): the schema is current; start nothing else.
  if (host->migrateOnly()) return host->finishMigrateOnly(*applied);
  db::ProcessedEventsPruner pruner(pool, processedRetention, pruneInterval);
  db::exportPoolMetrics(pool);

  payments::PgPaymentStore store(pool);
  payments::SeededRandomSource random;
  payments::FaultInjector faults(faultSettings, allowRuntimeFaultChanges, random);
  payments::Wallets wallets(store, faults, walletSettings);
  payments::PaymentsGrpcService service(wallets, workers);
  service.bindTo(grpcServer);
  if (auto started = grpcServer.start(); !started.isOk()) host->fail(started, "starting the gRPC server");

  host->setInfo("grpcAddress", grpcServer.address());
  host->addReadinessCheck({"database", [&pool] { return pool.ping(); }});

  // Events: payment outcomes leave through the outbox (written with each change); UserRegistered
  // opens wallets; the registry lists this instance for the gateway.
  std::unique_ptr<bus::ServiceBus> eventBus;
  if (busConfig.enabled()) {
    auto connected = bus::ServiceBus::connect(busConfig);
    if (!connected) host->fail(connected.status(), "connecting to NATS");
    eventBus = std::move(*connected);
    eventBus->publishOutbox(pool, {"payments"});
    payments::UserEventsConsumer userEvents(pool, walletSettings);
    eventBus->consume("users", payments::UserEventsConsumer::kDurable, payments::UserEventsConsumer::kSubject,
                      [userEvents](const bus::ReceivedMessage& message) mutable { return userEvents.handle(message); });
    eventBus->registerInstance(
        {host->serviceName(), host->instanceId(), host->version(), host->advertised(grpcServer.address()), "", 0, 0},
        [&host, adminHost](bus::ServiceInstance& instance) {
          if (host->adminPort() != 0) instance.adminAddress = host->advertised(adminHost + ":" + std::to_string(host->adminPort()));
        });
    // Not critical: charges and refunds work without NATS; their events wait in the outbox.
    host->addReadinessCheck({"nats", [&eventBus] { return eventBus->readiness(); }, false});
  } else {
    host->setInfo("nats", "disabled ([nats] url is empty)");
  }

  // Stopped in reverse order: the instance leaves the registry and stops consuming, gRPC drains,
  // the workers finish what is queued, and the relay publishes last.
  host->onShutdown("outbox", [&eventBus](std::chrono::milliseconds) {
    if (eventBus) eventBus->stopPublishing();
  });
  host->onShutdown("workers", [&workers](std::chrono::milliseconds) { workers.shutdown(); });
  host->onShutdown("grpc", [&grpcServer](std::chrono::milliseconds drain) { grpcServer.shutdown(drain); });
  host->onShutdown("events", [&eventBus](std::chrono::milliseconds) {
    if (eventBus) eventBus->stopIntake();
  });
  // First of all: calls waiting out injected latency (up to a minute) answer UNAVAILABLE at once,
  // having done nothing, instead of holding up the drain and the workers' shutdown.
  host->onShutdown("injected latency", [&wallets](std::chrono::milliseconds) { wallets.shutdown(); });
  return host->run();
}
