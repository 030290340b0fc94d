// The products service assembled as main.cpp does (PostgreSQL, optional Redis behind the in-memory
// tier, gRPC on loopback), for integration tests.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>

#include <memory>

#include "adapters/memory_product_cache.h"
#include "adapters/pg_product_repository.h"
#include "adapters/pg_reservation_repository.h"
#include "adapters/products_grpc_service.h"
#include "adapters/redis_product_cache.h"
#include "fleetdeck/cache/redis_cache.h"
#include "fleetdeck/db/connection_pool.h"
#include "fleetdeck/db/migration_runner.h"
#include "fleetdeck/rpc/call_context.h"
#include "fleetdeck/rpc/client.h"
#include "fleetdeck/rpc/server.h"
#include "fleetdeck/rpc/status_conversion.h"
#include "fleetdeck/testing/test_infra.h"
#include "products_migrations.h"

namespace fleetdeck::products::testing {

inline constexpr const char* kUnknownId = "01a213e1-22c5-7335-a7e4-2b51dae6d000";

class ProductsStack {
 public:
  // An empty redisUrl runs without Redis; a memory tier with a zero ttl holds nothing.
  ProductsStack(const std::string& databaseUrl, const std::string& redisUrl,
                MemoryProductCacheOptions memoryOptions = {},
                MemoryProductCache::Clock memoryClock = [] { return std::chrono::steady_clock::now(); }) {
    // hiredis writes with write(2); a Redis that goes away must not kill the test binary.
    signal(SIGPIPE, SIG_IGN);
    pool = std::make_unique<db::ConnectionPool>(db::PoolOptions{databaseUrl, 8, std::chrono::seconds(5), "products"});
    if (!redisUrl.empty()) {
      auto opened =
          // 1 s, not the service's short timeout: on a loaded 2-core machine a slower round trip
          // would make the cache refuse calls for a second and fail a test about something else.
          cache::RedisCache::open({redisUrl, std::chrono::seconds(1), std::chrono::seconds(1), "products"});
      EXPECT_TRUE(opened.isOk()) << opened.status().toString();
      redis = std::move(*opened);
      sharedCache = std::make_unique<RedisProductCache>(*redis, std::chrono::seconds(60));
    } else {
      sharedCache = std::make_unique<NoProductCache>();
    }
    cache = std::make_unique<MemoryProductCache>(*sharedCache, memoryOptions, std::move(memoryClock));
    productRepository = std::make_unique<PgProductRepository>(*pool);
    reservationRepository = std::make_unique<PgReservationRepository>(*pool);
    catalog = std::make_unique<ProductCatalog>(*productRepository, *cache);
    reservations = std::make_unique<StockReservations>(*reservationRepository, *cache);
    workers = std::make_unique<WorkPool>(6, 512, "test");
    service = std::make_unique<ProductsGrpcService>(*catalog, *reservations, *workers);
    server = std::make_unique<rpc::RpcServer>(rpc::ServerOptions{});
    service->bindTo(*server);
    const Status started = server->start();
    EXPECT_TRUE(started.isOk()) << started.toString();
    stub = v1::ProductsService::NewStub(rpc::makeChannel(server->address()));
  }
  ~ProductsStack() {
    server->shutdown(std::chrono::milliseconds(500));
    workers->shutdown();
  }

  static std::unique_ptr<ProductsStack> withNewDatabase(const std::string& redisUrl,
                                                        MemoryProductCacheOptions memoryOptions = {}) {
    const std::string url = fleetdeck::testing::createTestDatabase("products");
    {
      db::ConnectionPool migrationPool(db::PoolOptions{url, 1, std::chrono::seconds(5), "migrations"});
      auto applied = db::applyMigrations(migrationPool, embeddedMigrations());
      EXPECT_TRUE(applied.isOk()) << applied.status().toString();
    }
    return std::make_unique<ProductsStack>(url, redisUrl, memoryOptions);
  }

  // A context as the gateway sends it: deadline, acting user, trace.
  static std::unique_ptr<grpc::ClientContext> context(const std::string& actor = "admin-7",
                                                      const std::string& traceId = "4bf92f3577b34da6a3ce929d0e0e4736") {
    auto context = rpc::makeContext(std::chrono::seconds(10));
    rpc::CallContext call;
    call.actor = actor;
    call.actorRole = "admin";
    call.traceparent = "00-" + traceId + "-00f067aa0ba902b7-01";
    rpc::propagate(call, *context);
    return context;
  }

  Result<v1::Product> create(const std::string& sku, int64_t stock, int64_t priceUnits = 1999) {
    v1::CreateProductRequest request;
    request.set_sku(sku);
    request.set_name("Product " + sku);
    request.set_description("A product called " + sku);
    request.mutable_price()->set_currency_code("EUR");
    request.mutable_price()->set_units(priceUnits);
    request.set_initial_stock(stock);
    v1::Product product;
    const Status status = rpc::fromGrpcStatus(stub->CreateProduct(context().get(), request, &product));
    if (!status.isOk()) return status;
    return product;
  }

  Result<v1::Product> get(const std::string& id) {
    v1::GetProductRequest request;
    request.set_id(id);
    v1::Product product;
    const Status status = rpc::fromGrpcStatus(stub->GetProduct(context().get(), request, &product));
    if (!status.isOk()) return status;
    return product;
  }

  Result<v1::Reservation> reserve(const std::string& key, const std::vector<std::pair<std::string, int64_t>>& lines) {
    v1::ReserveStockRequest request;
    request.set_reservation_key(key);
    for (const auto& [productId, quantity] : lines) {
      auto* line = request.add_lines();
      line->set_product_id(productId);
      line->set_quantity(quantity);
    }
    v1::Reservation reservation;
    const Status status = rpc::fromGrpcStatus(stub->ReserveStock(context("system").get(), request, &reservation));
    if (!status.isOk()) return status;
    return reservation;
  }

  Result<v1::Reservation> release(const std::string& key) {
    v1::ReleaseStockRequest request;
    request.set_reservation_key(key);
    v1::Reservation reservation;
    const Status status = rpc::fromGrpcStatus(stub->ReleaseStock(context("system").get(), request, &reservation));
    if (!status.isOk()) return status;
    return reservation;
  }

  Result<v1::Reservation> commit(const std::string& key) {
    v1::CommitStockRequest request;
    request.set_reservation_key(key);
    v1::Reservation reservation;
    const Status status = rpc::fromGrpcStatus(stub->CommitStock(context("system").get(), request, &reservation));
    if (!status.isOk()) return status;
    return reservation;
  }

  // The stored row, bypassing the cache.
  Product stored(const std::string& id) {
    auto product = productRepository->findById(id);
    EXPECT_TRUE(product.isOk()) << product.status().toString();
    return product.isOk() ? *product : Product{};
  }

  std::unique_ptr<db::ConnectionPool> pool;
  std::unique_ptr<cache::RedisCache> redis;
  std::unique_ptr<ProductCache> sharedCache;
  std::unique_ptr<MemoryProductCache> cache;
  std::unique_ptr<PgProductRepository> productRepository;
  std::unique_ptr<PgReservationRepository> reservationRepository;
  std::unique_ptr<ProductCatalog> catalog;
  std::unique_ptr<StockReservations> reservations;
  std::unique_ptr<WorkPool> workers;
  std::unique_ptr<v1::ProductsService::Stub> stub;
  std::unique_ptr<ProductsGrpcService> service;
  std::unique_ptr<rpc::RpcServer> server;
};

}  // namespace fleetdeck::products::testing
