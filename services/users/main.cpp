// users: accounts, roles and credentials of everyone who uses the fleet. Composition only.
#include "adapters/argon2_password_hasher.h"
#include "adapters/pg_user_repository.h"
#include "adapters/users_grpc_service.h"
#include "domain/user_accounts.h"
#include "fleetdeck/db/connection_pool.h"
#include "fleetdeck/db/migration_runner.h"
#include "fleetdeck/host/service_host.h"
#include "fleetdeck/rpc/server.h"
#include "users_migrations.h"

using namespace fleetdeck;

int main(int argc, char** argv) {
  auto host = host::ServiceHost::create(argc, argv, "users", "FleetDeck users service: accounts, roles, credentials.");
  Config& config = host->config();

  // This service's own database, through a bounded pool.
  db::ConnectionPool pool(db::poolOptionsFromConfig(config, "users"));
  // Handlers block on PostgreSQL and argon2; they run here, never on gRPC's reactor threads.
  WorkPool workers(static_cast<size_t>(config.getInt("server.workers", 8, 1, 256)),
                   static_cast<size_t>(config.getInt("server.queue_limit", 1024, 1, 1'000'000)), "users");
  rpc::RpcServer grpcServer(rpc::serverOptionsFromConfig(config));
  host->finishConfig();

  if (auto applied = db::applyMigrations(pool, users::embeddedMigrations()); !applied) {
    host->fail(applied.status(), "applying database migrations");
  }
  db::exportPoolMetrics(pool);

  users::PgUserRepository repository(pool);
  users::Argon2PasswordHasher hasher;
  users::UserAccounts accounts(repository, hasher);
  users::UsersGrpcService service(accounts, workers);
  grpcServer.addService(&service);
  if (auto started = grpcServer.start(); !started.isOk()) host->fail(started, "starting the gRPC server");

  host->setInfo("grpcAddress", grpcServer.address());
  host->addReadinessCheck({"database", [&pool] { return pool.ping(); }});
  // Stopped in reverse order: gRPC drains first, then the workers finish what is queued.
  host->onShutdown("workers", [&workers](std::chrono::milliseconds) { workers.shutdown(); });
  host->onShutdown("grpc", [&grpcServer](std::chrono::milliseconds drain) { grpcServer.shutdown(drain); });
  return host->run();
}
