// users: accounts, roles and credentials of everyone who uses the fleet. Composition only.
#include <malloc.h>

#include "adapters/argon2_password_hasher.h"
#include "adapters/pg_session_store.h"
#include "adapters/pg_user_repository.h"
#include "adapters/users_grpc_service.h"
#include "domain/sign_in.h"
#include "domain/user_accounts.h"
#include "fleetdeck/bus/service_bus.h"
#include "fleetdeck/db/connection_pool.h"
#include "fleetdeck/db/migration_runner.h"
#include "fleetdeck/host/service_host.h"
#include "fleetdeck/rpc/server.h"
#include "users_migrations.h"

using namespace fleetdeck;

int main(int argc, char** argv) {
  // Every argon2id hash allocates a 19 MiB work area. glibc raises its mmap threshold after the
  // first such block is freed and then keeps later ones in per-thread arenas: ~200 MiB resident
  // after the demo's 300 sign-ups on 8 workers. A fixed threshold (which also turns that dynamic
  // raise off) keeps every large block mmapped, so it goes back to the kernel when the hash ends.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  auto host = host::ServiceHost::create(argc, argv, "users", "FleetDeck users service: accounts, roles, credentials.");
  Config& config = host->config();

  // This service's own database, through a bounded pool.
  db::ConnectionPool pool(db::poolOptionsFromConfig(config, "users"));
  // Handlers block on PostgreSQL and argon2; they run here, never on the gRPC server's completion-queue threads.
  WorkPool workers(static_cast<size_t>(config.getInt("server.workers", 8, 1, 256)),
                   static_cast<size_t>(config.getInt("server.queue_limit", 1024, 1, 1'000'000)), "users");
  rpc::RpcServer grpcServer(rpc::serverOptionsFromConfig(config));
  // Sign-in policy: how long refresh tokens live and how many failed logins are tolerated.
  users::SignInOptions signInOptions;
  // At least a minute: a shorter one (0, "500ms") makes every refresh token expire as it is issued.
  signInOptions.refreshTtl = std::chrono::duration_cast<std::chrono::seconds>(
      config.getDuration("sessions.refresh_ttl", std::chrono::hours(24 * 30), std::chrono::minutes(1)));
  signInOptions.maxFailuresPerAccount = static_cast<int>(config.getInt("login.max_failures_per_account", 5, 1, 1000));
  signInOptions.maxFailuresPerAddress = static_cast<int>(config.getInt("login.max_failures_per_address", 50, 1, 100000));
  signInOptions.failureWindow = std::chrono::duration_cast<std::chrono::seconds>(
      config.getDuration("login.failure_window", std::chrono::minutes(15), std::chrono::seconds(1)));
  // The event bus ([nats] url empty: off, and the outbox keeps the events until it is on).
  const auto busConfig = bus::serviceBusConfigFromConfig(config, host->serviceName(), host->instanceId());
  const std::string adminHost = config.getString("admin.address", "127.0.0.1");
  host->finishConfig();

  const auto applied = db::applyMigrations(pool, users::embeddedMigrations());
  if (!applied) host->fail(applied.status(), "applying database migrations");
  // --migrate-only (Kubernetes' `migrate` init container): the schema is current; start nothing else.
  if (host->migrateOnly()) return host->finishMigrateOnly(*applied);
  db::exportPoolMetrics(pool);

  users::PgUserRepository repository(pool);
  users::Argon2PasswordHasher hasher;
  users::UserAccounts accounts(repository, hasher);
  // Credentials and refresh-token families; the gateway signs the access tokens (docs/operations.md, "Rotating the JWT key").
  users::PgSessionStore sessions(pool);
  users::SignIn signIn(accounts, repository, hasher, sessions, signInOptions, [] {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  });
  if (auto prepared = signIn.prepare(); !prepared.isOk()) host->fail(prepared, "preparing sign-in");
  users::UsersGrpcService service(accounts, workers, &signIn);
  service.bindTo(grpcServer);
  if (auto started = grpcServer.start(); !started.isOk()) host->fail(started, "starting the gRPC server");

  host->setInfo("grpcAddress", grpcServer.address());
  host->addReadinessCheck({"database", [&pool] { return pool.ping(); }});

  // Events: UserRegistered leaves through the outbox (written with each new account); the registry
  // lists this instance for the gateway.
  std::unique_ptr<bus::ServiceBus> eventBus;
  if (busConfig.enabled()) {
    auto connected = bus::ServiceBus::connect(busConfig);
    if (!connected) host->fail(connected.status(), "connecting to NATS");
    eventBus = std::move(*connected);
    eventBus->publishOutbox(pool, {"users"});
    eventBus->registerInstance(
        {host->serviceName(), host->instanceId(), host->version(), host->advertised(grpcServer.address()), "", 0, 0},
        [&host, adminHost](bus::ServiceInstance& instance) {
          if (host->adminPort() != 0) instance.adminAddress = host->advertised(adminHost + ":" + std::to_string(host->adminPort()));
        });
    // Not critical: accounts are created without NATS; their events wait in the outbox.
    host->addReadinessCheck({"nats", [&eventBus] { return eventBus->readiness(); }, false});
  } else {
    host->setInfo("nats", "disabled ([nats] url is empty)");
  }

  // Stopped in reverse order: the instance leaves the registry, gRPC drains, the workers finish
  // what is queued, and the relay publishes last.
  host->onShutdown("outbox", [&eventBus](std::chrono::milliseconds) {
    if (eventBus) eventBus->stopPublishing();
  });
  host->onShutdown("workers", [&workers](std::chrono::milliseconds) { workers.shutdown(); });
  host->onShutdown("grpc", [&grpcServer](std::chrono::milliseconds drain) { grpcServer.shutdown(drain); });
  host->onShutdown("events", [&eventBus](std::chrono::milliseconds) {
    if (eventBus) eventBus->stopIntake();
  });
  return host->run();
}
