// notifications: what the fleet told each customer, recorded once per source and listed newest first.
// Composition only.
#include "adapters/notifications_grpc_service.h"
#include "adapters/pg_notification_repository.h"
#include "domain/notification_inbox.h"
#include "fleetdeck/db/connection_pool.h"
#include "fleetdeck/db/migration_runner.h"
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
  // Handlers block on PostgreSQL; they run here, never on gRPC's reactor threads.
  WorkPool workers(static_cast<size_t>(config.getInt("server.workers", 8, 1, 256)),
                   static_cast<size_t>(config.getInt("server.queue_limit", 1024, 1, 1'000'000)), "notifications");
  rpc::RpcServer grpcServer(rpc::serverOptionsFromConfig(config));
  host->finishConfig();

  if (auto applied = db::applyMigrations(pool, notifications::embeddedMigrations()); !applied) {
    host->fail(applied.status(), "applying database migrations");
  }
  db::exportPoolMetrics(pool);

  notifications::PgNotificationRepository repository(pool);
  notifications::NotificationInbox inbox(repository);
  notifications::NotificationsGrpcService service(inbox, workers);
  grpcServer.addService(&service);
  if (auto started = grpcServer.start(); !started.isOk()) host->fail(started, "starting the gRPC server");

  host->setInfo("grpcAddress", grpcServer.address());
  host->addReadinessCheck({"database", [&pool] { return pool.ping(); }});
  // Stopped in reverse order: gRPC drains first, then the workers finish what is queued.
  host->onShutdown("workers", [&workers](std::chrono::milliseconds) { workers.shutdown(); });
  host->onShutdown("grpc", [&grpcServer](std::chrono::milliseconds drain) { grpcServer.shutdown(drain); });
  return host->run();
}
