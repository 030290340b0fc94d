// Event store benchmarks, each beside its reference on the same PostgreSQL:
//  1. projection rebuild of >= 1M events  vs  COPY (SELECT ...) TO STDOUT of the same rows;
//  2. event append (10 events per transaction, N clients)  vs  pgbench running a pipelined
//     BEGIN + 10 single-row INSERTs + COMMIT script at the same client count.
// Prints rows/s and ratios; asserts nothing. Bounded: fixed data size and fixed durations.
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include "adapters/child_process.h"
#include "adapters/postgres_cluster.h"
#include "adapters/projection_rebuilder.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/db/connection_pool.h"
#include "fleetdeck/db/migration_runner.h"
#include "fleetdeck/eventstore/event_store.h"
#include "fleetdeck/testing/test_infra.h"
#include "orders_migrations.h"

using namespace fleetdeck;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

void exec(const std::string& url, const std::string& sql) {
  pqxx::connection connection(url);
  pqxx::nontransaction session(connection);
  session.exec(sql);
}

// ~4 events per order: created, confirmed, shipped, delivered — generated inside PostgreSQL.
void generateHistory(const std::string& url, int64_t orders) {
  exec(url,
       "INSERT INTO events (event_id, stream_id, version, event_type, payload, actor, recorded_at)"
       " SELECT gen_random_uuid(), o.id::text, v.version, v.type,"
       "  CASE v.version"
       "   WHEN 1 THEN jsonb_build_object('orderId', o.id::text, 'userId', o.user_id::text, 'sagaId', o.id::text,"
       "     'items', jsonb_build_array(jsonb_build_object('productId', o.user_id::text, 'sku', 'SKU-' || (o.n % 50),"
       "       'name', 'Product ' || (o.n % 50), 'quantity', '2', 'unitPrice', jsonb_build_object('currencyCode', 'USD', 'units', '1250'))),"
       "     'total', jsonb_build_object('currencyCode', 'USD', 'units', '2500'), 'idempotencyKey', '')"
       "   WHEN 2 THEN jsonb_build_object('orderId', o.id::text, 'paymentId', 'pay-' || o.n)"
       "   WHEN 3 THEN jsonb_build_object('orderId', o.id::text, 'trackingNumber', 'TRK' || o.n)"
       "   ELSE jsonb_build_object('orderId', o.id::text) END,"
       "  'bench', now()"
       " FROM (SELECT gen_random_uuid() AS id, gen_random_uuid() AS user_id, n FROM generate_series(1, " +
           std::to_string(orders) +
           ") n) o"
           " CROSS JOIN (VALUES (1, 'OrderCreated'), (2, 'OrderConfirmed'), (3, 'OrderShipped'), (4, 'OrderDelivered'))"
           " AS v(version, type)"
           " ORDER BY o.n, v.version");
  exec(url, "ANALYZE events");
}

int64_t copyScan(const std::string& url) {
  PGconn* connection = PQconnectdb(url.c_str());
  PGresult* start = PQexec(connection,
                           "COPY (SELECT stream_id, event_type, payload, (extract(epoch FROM recorded_at) * 1000000)::bigint"
                           " FROM events ORDER BY global_position) TO STDOUT");
  PQclear(start);
  int64_t rows = 0;
  char* buffer = nullptr;
  while (PQgetCopyData(connection, &buffer, 0) >= 0) {
    ++rows;
    PQfreemem(buffer);
  }
  while (PGresult* result = PQgetResult(connection)) PQclear(result);
  PQfinish(connection);
  return rows;
}

struct AppendResult {
  int64_t events = 0;
  double seconds = 0;
};

AppendResult appendLoad(const std::string& url, int clients, std::chrono::seconds duration) {
  std::atomic<int64_t> events{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  const auto started = Clock::now();
  for (int client = 0; client < clients; ++client) {
    threads.emplace_back([&] {
      pqxx::connection connection(url);
      while (!stop.load()) {
        pqxx::work transaction(connection);
        std::vector<eventstore::NewEvent> batch;
        for (int i = 0; i < 10; ++i) {
          batch.push_back({"", "OrderConfirmed", R"({"orderId":"x","paymentId":"p"})", {"bench", "", ""}});
        }
        auto appended = eventstore::EventStore::append(transaction, newUuid(), 0, std::move(batch));
        if (!appended) {
          std::cerr << appended.status().toString() << "\n";
          std::exit(1);
        }
        transaction.commit();
        events += 10;
      }
    });
  }
  std::this_thread::sleep_for(duration);
  stop = true;
  for (auto& thread : threads) thread.join();
  return {events.load(), seconds(started)};
}

double pgbenchRowsPerSecond(const testing::InfraInfo& infra, const std::string& database, int clients,
                            std::chrono::seconds duration) {
  const std::string script = (infra.root / "append.pgbench").string();
  {
    std::ofstream out(script);
    out << "\\set stream random(1, 1000000000)\n\\startpipeline\nBEGIN;\n";
    for (int i = 1; i <= 10; ++i) {
      out << "INSERT INTO events_reference (stream_id, version, event_type, payload, actor)"
             " VALUES (:client_id || '-' || :stream, " << i
          << ", 'OrderConfirmed', '{\"orderId\":\"x\",\"paymentId\":\"p\"}', 'bench');\n";
    }
    out << "COMMIT;\n\\endpipeline\n";
  }
  launcher::ProcessSpec pgbench;
  pgbench.executable = *launcher::PostgresCluster::binaryDirectory() / "pgbench";
  pgbench.arguments = {"-n", "-M", "extended", "-c", std::to_string(clients), "-j", "2", "-T",
                       std::to_string(duration.count()), "-f", script, "-h", "127.0.0.1", "-p",
                       std::to_string(infra.postgresPort), "-U", infra.postgresUser, database};
  std::string output;
  const Status status = launcher::runCommand(pgbench, &output, duration + std::chrono::seconds(60));
  if (!status.isOk()) {
    std::cerr << "pgbench failed: " << status.message() << "\n" << output;
    return 0;
  }
  // "tps = 1234.5 (without initial connection time)": each transaction inserts 10 rows.
  const size_t at = output.find("tps = ");
  return at == std::string::npos ? 0 : std::stod(output.substr(at + 6)) * 10;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t orders = argc > 1 ? std::atoll(argv[1]) : 262'144;  // x4 events = 1,048,576
  const int clients = 8;
  const auto appendDuration = std::chrono::seconds(10);
  const testing::InfraInfo& infra = testing::sharedInfra();

  // 1. Rebuild vs COPY scan.
  const std::string url = testing::createTestDatabase("bench_rebuild");
  db::ConnectionPool pool({url, 4, std::chrono::seconds(5), "bench"});
  if (auto applied = db::applyMigrations(pool, orders::embeddedMigrations()); !applied) {
    std::cerr << applied.status().toString() << "\n";
    return 1;
  }
  auto started = Clock::now();
  generateHistory(url, orders);
  std::printf("generated %lld events in %.1f s\n", static_cast<long long>(orders * 4), seconds(started));

  // A live read model to compare against, as in production: built once, then the timed rebuild
  // reproduces it (and finds no differences).
  orders::ProjectionRebuilder rebuilder(pool, url);
  if (auto first = rebuilder.runNow(); !first || first->state != "DONE") {
    std::cerr << "initial rebuild failed\n";
    return 1;
  }
  exec(url, "INSERT INTO orders SELECT * FROM orders_rebuild; ANALYZE orders");
  copyScan(url);  // warm the cache once, so both measurements read from memory
  started = Clock::now();
  const int64_t scanned = copyScan(url);
  const double scanSeconds = seconds(started);
  started = Clock::now();
  auto report = rebuilder.runNow();
  const double rebuildSeconds = seconds(started);
  if (!report || report->state != "DONE") {
    std::cerr << "rebuild failed: " << (report ? report->error : report.status().toString()) << "\n";
    return 1;
  }
  const double scanRate = static_cast<double>(scanned) / scanSeconds;
  const double rebuildRate = static_cast<double>(report->processedEvents) / rebuildSeconds;
  std::printf("COPY scan          %9lld rows   %6.2f s   %10.0f rows/s\n", static_cast<long long>(scanned),
              scanSeconds, scanRate);
  std::printf("projection rebuild %9lld events %6.2f s   %10.0f events/s   = %.2fx the COPY scan (goal >= 0.25x),"
              " %lld differences\n",
              static_cast<long long>(report->processedEvents), rebuildSeconds, rebuildRate, rebuildRate / scanRate,
              static_cast<long long>(report->differenceCount));

  // 2. Append vs pgbench, same server, same client count.
  const std::string appendUrl = testing::createTestDatabase("bench_append");
  db::ConnectionPool appendPool({appendUrl, 2, std::chrono::seconds(5), "bench"});
  (void)db::applyMigrations(appendPool, orders::embeddedMigrations());
  exec(appendUrl,
       "CREATE TABLE events_reference (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES);"
       "ALTER TABLE events_reference ALTER COLUMN event_id SET DEFAULT gen_random_uuid()");
  const std::string appendDatabase = appendUrl.substr(appendUrl.rfind('/') + 1);
  const double reference = pgbenchRowsPerSecond(infra, appendDatabase, clients, appendDuration);
  const AppendResult ours = appendLoad(appendUrl, clients, appendDuration);
  const double oursRate = static_cast<double>(ours.events) / ours.seconds;
  std::printf("pgbench pipelined 10-row INSERT  %d clients  %10.0f rows/s\n", clients, reference);
  std::printf("event append (10 per tx)         %d clients  %10.0f events/s = %.2fx pgbench (goal >= 0.5x)\n",
              clients, oursRate, reference > 0 ? oursRate / reference : 0.0);
  return 0;
}
