// orders: event-sourced orders and their read model; the saga (next) drives them. Composition only.
#include "adapters/orders_grpc_service.h"
#include "adapters/pg_order_store.h"
#include "adapters/products_catalog.h"
#include "adapters/projection_rebuilder.h"
#include "domain/order_book.h"
#include "fleetdeck/db/connection_pool.h"
#include "fleetdeck/db/migration_runner.h"
#include "fleetdeck/host/service_host.h"
#include "fleetdeck/rpc/client.h"
#include "fleetdeck/rpc/server.h"
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
  // The products service prices the lines of new orders.
  const std::string productsAddress = config.getString("upstreams.products", "127.0.0.1:50052");
  const auto upstreamTimeout = config.getDuration("calls.timeout", std::chrono::seconds(3));
  host->finishConfig();

  if (auto applied = db::applyMigrations(pool, orders::embeddedMigrations()); !applied) {
    host->fail(applied.status(), "applying database migrations");
  }
  db::exportPoolMetrics(pool);

  orders::PgOrderStore store(pool, snapshotEvery);
  orders::ProductsCatalog catalog(rpc::makeChannel(productsAddress), upstreamTimeout);
  orders::OrderBook book(store, catalog);
  orders::ProjectionRebuilder rebuilder(pool, poolOptions.connectionString);
  orders::OrdersGrpcService service(book, rebuilder, workers);
  grpcServer.addService(&service);
  if (auto started = grpcServer.start(); !started.isOk()) host->fail(started, "starting the gRPC server");

  host->setInfo("grpcAddress", grpcServer.address());
  host->addReadinessCheck({"database", [&pool] { return pool.ping(); }});
  // Stopped in reverse order: gRPC drains, the workers finish, a running rebuild completes.
  host->onShutdown("rebuilder", [&rebuilder](std::chrono::milliseconds) { rebuilder.shutdown(); });
  host->onShutdown("workers", [&workers](std::chrono::milliseconds) { workers.shutdown(); });
  host->onShutdown("grpc", [&grpcServer](std::chrono::milliseconds drain) { grpcServer.shutdown(drain); });
  return host->run();
}
