// orders: event-sourced orders, their read model and the sagas that drive them. Composition only.
#include "adapters/order_events_outbox.h"
#include "adapters/order_saga.h"
#include "adapters/orders_grpc_service.h"
#include "adapters/pg_order_store.h"
#include "adapters/products_catalog.h"
#include "adapters/projection_rebuilder.h"
#include "adapters/rebuild_progress.h"
#include "adapters/sagas_grpc_service.h"
#include "domain/order_book.h"
#include "fleetdeck/bus/service_bus.h"
#include "fleetdeck/db/connection_pool.h"
#include "fleetdeck/db/migration_runner.h"
#include "fleetdeck/host/service_host.h"
#include "fleetdeck/rpc/client.h"
#include "fleetdeck/rpc/server.h"
#include "fleetdeck/saga/saga_engine.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/core/log.h"
#include "orders_migrations.h"

using namespace fleetdeck;

int main(int argc, char** argv) {
  auto host = host::ServiceHost::create(argc, argv, "orders", "FleetDeck orders service: event-sourced orders.");
  Config& config = host->config();

  // This service's own database: the event store and the read model projected from it.
  const db::PoolOptions poolOptions = db::poolOptionsFromConfig(config, "orders");
  db::ConnectionPool pool(poolOptions);
  // Handlers block on PostgreSQL and on the products service; they run here, off gRPC's threads.
  WorkPool workers(static_cast<size_t>(config.getInt("server.workers", 8, 1, 256)),
                   static_cast<size_t>(config.getInt("server.queue_limit", 1024, 1, 1'000'000)), "orders");
  rpc::RpcServer grpcServer(rpc::serverOptionsFromConfig(config));
  const int snapshotEvery = static_cast<int>(config.getInt("eventstore.snapshot_every", 50, 0, 1'000'000));
  // The products service prices the lines of new orders and holds their stock; payments charges them.
  const std::string productsAddress = config.getString("upstreams.products", "127.0.0.1:50052");
  const std::string paymentsAddress = config.getString("upstreams.payments", "127.0.0.1:50054");
  const auto upstreamTimeout = config.getDuration("calls.timeout", std::chrono::seconds(3), std::chrono::milliseconds(10));
  // Saga runners: sagas run at once in this process; any number of replicas may run them (claims use
  // SKIP LOCKED under a lease). Sized for the concurrent orders expected, each saga mostly waits on calls.
  saga::SagaEngineOptions sagaOptions;
  sagaOptions.instanceId = host->instanceId();
  sagaOptions.workers = static_cast<int>(config.getInt("saga.workers", 32, 1, 256));
  sagaOptions.maxQueued = static_cast<int>(config.getInt("saga.max_queued", 256, 0, 100'000));
  // A lease must outlive the calls made under it: a call longer than the lease lets another replica
  // take the saga over meanwhile (harmless, the engine fences the late writer out, but wasted work).
  sagaOptions.lease = config.getDuration("saga.lease", std::chrono::seconds(30),
                                         std::max<std::chrono::milliseconds>(std::chrono::seconds(1), 2 * upstreamTimeout));
  sagaOptions.idlePoll = config.getDuration("saga.idle_poll", std::chrono::milliseconds(200), std::chrono::milliseconds(1));
  const auto stepDeadline = config.getDuration("saga.step_deadline", std::chrono::seconds(60), std::chrono::milliseconds(10));
  // The event bus ([nats] url empty: off, and the outbox keeps the events until it is on).
  const auto busConfig = bus::serviceBusConfigFromConfig(config, host->serviceName(), host->instanceId());
  const std::string adminHost = config.getString("admin.address", "127.0.0.1");
  host->finishConfig();

  const auto applied = db::applyMigrations(pool, orders::embeddedMigrations());
  if (!applied) host->fail(applied.status(), "applying database migrations");
  // --migrate-only (Kubernetes' `migrate` init container): the schema is current; start nothing else.
  if (host->migrateOnly()) return host->finishMigrateOnly(*applied);
  db::exportPoolMetrics(pool);

  // Every saga step transition goes into the outbox with the transition (SagaStepChanged).
  orders::SagaStepEvents sagaStepEvents;
  saga::SagaEngine sagas(pool, sagaOptions, &sagaStepEvents);
  // Every new order records its placement saga in the same transaction, leased to this process,
  // and starts it on the saga runners as soon as that transaction commits (no poll in between).
  orders::OrderStoreHooks hooks;
  hooks.onCreated = [&sagas](pqxx::work& transaction, const orders::Order& order,
                             const orders::ChangeContext& context, orders::AfterCommit& afterCommit) {
    afterCommit.push_back([&sagas, saga = sagas.begin(transaction, orders::kPlacementSaga, order.sagaId,
                                                      orders::OrderSagas::placementData(order), context.traceId)] {
      sagas.launch(saga);
    });
  };
  hooks.onAppended = [&sagas](pqxx::work& transaction, const orders::Order& before, const orders::Order& after,
                              const orders::OrderEvent&, const orders::ChangeContext& context,
                              orders::AfterCommit& afterCommit) {
    // A confirmed order that is cancelled gets its money and stock back through a refund saga.
    if (before.status == orders::kConfirmed && after.status == orders::kCancelled) {
      afterCommit.push_back([&sagas, saga = sagas.begin(transaction, orders::kRefundSaga, newUuid(),
                                                        orders::OrderSagas::refundData(after), context.traceId)] {
        sagas.launch(saga);
      });
    }
  };
  // Every order event goes into the outbox with the event-store append, under the same event id.
  hooks.onEvent = orders::appendOrderEventToOutbox;
  // The relay is woken through eventBus once it exists (declared here so the hook can see it).
  std::unique_ptr<bus::ServiceBus> eventBus;
  hooks.afterCommit = [&eventBus] {
    if (eventBus) eventBus->wakeRelay();
  };
  orders::PgOrderStore store(pool, snapshotEvery, hooks);
  const auto productsChannel = rpc::makeChannel(productsAddress);
  orders::ProductsCatalog catalog(productsChannel, upstreamTimeout);
  orders::OrderBook book(store, catalog);
  orders::OrderSagas orderSagas(book, store, productsChannel, rpc::makeChannel(paymentsAddress));
  sagas.define(orderSagas.placement(upstreamTimeout, stepDeadline));
  sagas.define(orderSagas.refund(upstreamTimeout));
  // A rebuild's progress goes to every gateway's admin stream (replay.progress), whichever replica
  // runs it and whichever gateway started it.
  const auto announceRebuild = [&eventBus](const orders::RebuildReport& report) {
    if (!eventBus) return;
    const Status announced = orders::announceRebuildProgress(eventBus->bus(), report);
    // A lost RUNNING report is superseded by the next one; a lost final one leaves the console to
    // find the end through GetRebuild, which it still reads now and then.
    if (!announced.isOk() && report.state != "RUNNING") {
      log::warn("the end of a rebuild was not announced", {{"rebuild", report.id}, {"error", announced.toString()}});
    }
  };
  orders::ProjectionRebuilder rebuilder(pool, poolOptions.connectionString, announceRebuild);
  orders::OrdersGrpcService service(book, rebuilder, workers);
  orders::SagasGrpcService sagasService(sagas, workers);
  service.bindTo(grpcServer);
  sagasService.bindTo(grpcServer);
  // Connected before any request can commit an order (afterCommit reads eventBus from other threads).
  if (busConfig.enabled()) {
    auto connected = bus::ServiceBus::connect(busConfig);
    if (!connected) host->fail(connected.status(), "connecting to NATS");
    eventBus = std::move(*connected);
    eventBus->publishOutbox(pool, {"orders"});
  }
  if (auto started = grpcServer.start(); !started.isOk()) host->fail(started, "starting the gRPC server");

  host->setInfo("grpcAddress", grpcServer.address());
  host->addReadinessCheck({"database", [&pool] { return pool.ping(); }});

  // Events: order events and saga transitions leave through the outbox (written with each change);
  // the registry lists this instance for the gateway.
  if (eventBus) {
    eventBus->registerInstance(
        {host->serviceName(), host->instanceId(), host->version(), host->advertised(grpcServer.address()), "", 0, 0},
        [&host, adminHost](bus::ServiceInstance& instance) {
          if (host->adminPort() != 0) instance.adminAddress = host->advertised(adminHost + ":" + std::to_string(host->adminPort()));
        });
    // Not critical: orders and sagas run without NATS; their events wait in the outbox.
    host->addReadinessCheck({"nats", [&eventBus] { return eventBus->readiness(); }, false});
  } else {
    host->setInfo("nats", "disabled ([nats] url is empty)");
  }
  sagas.start();
  // Stopped in reverse order: the instance leaves the registry, gRPC drains, the workers finish,
  // sagas pause (and resume on the next start), a running rebuild completes, and the relay publishes
  // last (what the sagas wrote on their way out included).
  host->onShutdown("outbox", [&eventBus](std::chrono::milliseconds) {
    if (eventBus) eventBus->stopPublishing();
  });
  host->onShutdown("rebuilder", [&rebuilder](std::chrono::milliseconds) { rebuilder.shutdown(); });
  host->onShutdown("sagas", [&sagas](std::chrono::milliseconds) { sagas.stop(); });
  host->onShutdown("workers", [&workers](std::chrono::milliseconds) { workers.shutdown(); });
  host->onShutdown("grpc", [&grpcServer](std::chrono::milliseconds drain) { grpcServer.shutdown(drain); });
  host->onShutdown("events", [&eventBus](std::chrono::milliseconds) {
    if (eventBus) eventBus->stopIntake();
  });
  return host->run();
}
