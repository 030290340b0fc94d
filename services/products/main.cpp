// products: the catalog with prices, and the inventory the order saga reserves. Composition only.
#include <memory>

#include "adapters/memory_product_cache.h"
#include "adapters/pg_product_repository.h"
#include "adapters/pg_reservation_repository.h"
#include "adapters/products_grpc_service.h"
#include "adapters/redis_product_cache.h"
#include "domain/product_catalog.h"
#include "domain/stock_reservations.h"
#include "fleetdeck/bus/service_bus.h"
#include "fleetdeck/cache/redis_cache.h"
#include "fleetdeck/db/connection_pool.h"
#include "fleetdeck/db/migration_runner.h"
#include "fleetdeck/host/service_host.h"
#include "fleetdeck/rpc/server.h"
#include "products_migrations.h"

using namespace fleetdeck;

int main(int argc, char** argv) {
  auto host = host::ServiceHost::create(argc, argv, "products",
                                        "FleetDeck products service: catalog, prices, inventory reservations.");
  Config& config = host->config();

  // This service's own database, through a bounded pool.
  db::ConnectionPool pool(db::poolOptionsFromConfig(config, "products"));
  // Handlers block on PostgreSQL; they run here, never on the gRPC server's completion-queue threads.
  WorkPool workers(static_cast<size_t>(config.getInt("server.workers", 8, 1, 256)),
                   static_cast<size_t>(config.getInt("server.queue_limit", 1024, 1, 1'000'000)), "products");
  rpc::RpcServer grpcServer(rpc::serverOptionsFromConfig(config));
  // Optional Redis in front of catalog reads; empty url: every read goes to PostgreSQL.
  cache::RedisCacheOptions cacheOptions;
  cacheOptions.url = config.getString("cache.url", "");
  cacheOptions.timeout = config.getDuration("cache.timeout", std::chrono::milliseconds(50));
  cacheOptions.retryAfter = config.getDuration("cache.retry_after", std::chrono::seconds(1));
  cacheOptions.name = "products";
  const auto cacheTtl = config.getDuration("cache.ttl", std::chrono::seconds(60));
  products::MemoryProductCacheOptions memoryOptions;
  memoryOptions.ttl = config.getDuration("cache.memory_ttl", memoryOptions.ttl);
  memoryOptions.capacity = static_cast<size_t>(
      config.getInt("cache.memory_capacity", static_cast<int64_t>(memoryOptions.capacity), 0, 10'000'000));
  // The event bus, for the registry entry only ([nats] url empty: no entry; products publishes no events).
  const auto busConfig = bus::serviceBusConfigFromConfig(config, host->serviceName(), host->instanceId());
  const std::string adminHost = config.getString("admin.address", "127.0.0.1");
  host->finishConfig();

  if (cacheTtl < std::chrono::seconds(1))
    host->fail(invalidField("cache.ttl", "must be at least 1s"), "reading config");
  if (memoryOptions.ttl < std::chrono::milliseconds::zero() || memoryOptions.ttl > std::chrono::minutes(10))
    host->fail(invalidField("cache.memory_ttl", "must be between 0s and 10m"), "reading config");
  std::unique_ptr<cache::RedisCache> redis;
  if (!cacheOptions.url.empty()) {
    auto opened = cache::RedisCache::open(cacheOptions);
    if (!opened) host->fail(opened.status(), "reading config");
    redis = std::move(*opened);
  }

  const auto applied = db::applyMigrations(pool, products::embeddedMigrations());
  if (!applied) host->fail(applied.status(), "applying database migrations");
  // --migrate-only (Kubernetes' `migrate` init container): the schema is current; start nothing else.
  if (host->migrateOnly()) return host->finishMigrateOnly(*applied);
  db::exportPoolMetrics(pool);

  std::unique_ptr<products::ProductCache> sharedCache;
  if (redis) {
    sharedCache = std::make_unique<products::RedisProductCache>(
        *redis, std::chrono::duration_cast<std::chrono::seconds>(cacheTtl));
  } else {
    sharedCache = std::make_unique<products::NoProductCache>();
  }
  // In front of it, this process's own copies: GetProduct hits answered on the gRPC thread.
  products::MemoryProductCache memoryCache(*sharedCache, memoryOptions);
  products::PgProductRepository productRepository(pool);
  products::PgReservationRepository reservationRepository(pool);
  products::ProductCatalog catalog(productRepository, memoryCache);
  products::StockReservations reservations(reservationRepository, memoryCache);
  products::ProductsGrpcService service(catalog, reservations, workers);
  service.bindTo(grpcServer);
  if (auto started = grpcServer.start(); !started.isOk()) host->fail(started, "starting the gRPC server");

  host->setInfo("grpcAddress", grpcServer.address());
  host->addReadinessCheck({"database", [&pool] { return pool.ping(); }});
  if (redis) {
    // Not critical: without Redis the service reads PostgreSQL, so /readyz says degraded, not failed.
    host->addReadinessCheck({"redis", [&redis] { return redis->ping(); }, /*critical=*/false});
  }

  // The registry lists this instance for the gateway's fleet view and load balancing.
  std::unique_ptr<bus::ServiceBus> eventBus;
  if (busConfig.enabled()) {
    auto connected = bus::ServiceBus::connect(busConfig);
    if (!connected) host->fail(connected.status(), "connecting to NATS");
    eventBus = std::move(*connected);
    eventBus->registerInstance(
        {host->serviceName(), host->instanceId(), host->version(), host->advertised(grpcServer.address()), "", 0, 0},
        [&host, adminHost](bus::ServiceInstance& instance) {
          if (host->adminPort() != 0) instance.adminAddress = host->advertised(adminHost + ":" + std::to_string(host->adminPort()));
        });
    // Not critical: stock and catalog calls need no NATS; only the registry entry waits for it.
    host->addReadinessCheck({"nats", [&eventBus] { return eventBus->readiness(); }, false});
  } else {
    host->setInfo("nats", "disabled ([nats] url is empty)");
  }

  // Stopped in reverse order: the instance leaves the registry, gRPC drains, then the workers
  // finish what is queued.
  host->onShutdown("workers", [&workers](std::chrono::milliseconds) { workers.shutdown(); });
  host->onShutdown("grpc", [&grpcServer](std::chrono::milliseconds drain) { grpcServer.shutdown(drain); });
  host->onShutdown("events", [&eventBus](std::chrono::milliseconds) {
    if (eventBus) eventBus->stopIntake();
  });
  return host->run();
}
