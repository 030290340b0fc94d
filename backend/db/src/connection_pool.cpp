#include "fleetdeck/db/connection_pool.h"

#include <cstdlib>

#include "fleetdeck/core/log.h"
#include "fleetdeck/telemetry/metrics.h"

namespace fleetdeck::db {

namespace {

// libpq's default gssencmode=prefer initialises Kerberos (krb5.conf, credential cache) on every new
// connection to look for GSSAPI encryption, which no fleet database offers: it costs each connect
// time and each process about 0.5 MiB of Kerberos library pages (measured with
// tests/bench/footprint_bench.cpp). A URL or PGGSSENCMODE that asks for it still gets it.
std::string withoutGssEncryptionByDefault(std::string url) {
  if (url.find("gssencmode") != std::string::npos || std::getenv("PGGSSENCMODE") != nullptr) return url;
  const bool isUri = url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
  if (isUri) return url + (url.find('?') == std::string::npos ? "?" : "&") + "gssencmode=disable";
  return url + (url.empty() ? "" : " ") + "gssencmode=disable";
}

}  // namespace

ConnectionPool::ConnectionPool(PoolOptions options) : options_(std::move(options)) {
  if (options_.maxSize == 0) options_.maxSize = 1;
  options_.connectionString = withoutGssEncryptionByDefault(std::move(options_.connectionString));
}

ConnectionPool::~ConnectionPool() = default;

ConnectionPool::Lease::Lease(ConnectionPool* pool, std::unique_ptr<pqxx::connection> connection)
    : pool_(pool), connection_(std::move(connection)) {}

ConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_), connection_(std::move(other.connection_)) {
  other.pool_ = nullptr;
}

ConnectionPool::Lease::~Lease() {
  if (pool_ != nullptr && connection_) pool_->release(std::move(connection_));
}

Result<ConnectionPool::Lease> ConnectionPool::acquire() {
  std::unique_lock lock(mutex_);
  ++waiting_;
  const bool got = available_.wait_for(lock, options_.acquireTimeout,
                                       [this] { return !idle_.empty() || open_ < options_.maxSize; });
  --waiting_;
  if (!got) {
    ++acquireTimeouts_;
    return resourceExhausted("database pool '" + options_.name + "' has no free connection after " +
                             std::to_string(options_.acquireTimeout.count()) + " ms");
  }
  if (!idle_.empty()) {
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(connection));
  }
  ++open_;  // reserve the slot, then connect without holding the lock
  lock.unlock();
  try {
    auto connection = std::make_unique<pqxx::connection>(options_.connectionString);
    return Lease(this, std::move(connection));
  } catch (const std::exception& exception) {
    lock.lock();
    --open_;
    available_.notify_one();
    return unavailable("cannot connect to database '" + options_.name + "': " + exception.what());
  }
}

void ConnectionPool::release(std::unique_ptr<pqxx::connection> connection) {
  std::lock_guard lock(mutex_);
  if (connection->is_open()) {
    idle_.push_back(std::move(connection));
  } else {
    --open_;  // broken: drop it, a new one is opened on demand
  }
  available_.notify_one();
}

Status ConnectionPool::ping() {
  auto lease = acquire();
  if (!lease) return lease.status();
  try {
    pqxx::nontransaction query(**lease);
    query.exec("SELECT 1");
    return Status::ok();
  } catch (const std::exception& exception) {
    return statusFromException(exception);
  }
}

ConnectionPool::Stats ConnectionPool::stats() const {
  std::lock_guard lock(mutex_);
  return Stats{open_, open_ - idle_.size(), waiting_, options_.maxSize, acquireTimeouts_};
}

Status statusFromException(const std::exception& exception) {
  if (dynamic_cast<const pqxx::unique_violation*>(&exception) != nullptr) {
    return alreadyExists(exception.what());
  }
  if (dynamic_cast<const pqxx::serialization_failure*>(&exception) != nullptr ||
      dynamic_cast<const pqxx::deadlock_detected*>(&exception) != nullptr) {
    return aborted(std::string("transaction conflict, retry: ") + exception.what());
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&exception) != nullptr ||
      dynamic_cast<const pqxx::in_doubt_error*>(&exception) != nullptr) {
    return unavailable(std::string("database connection lost: ") + exception.what());
  }
  if (const auto* sqlError = dynamic_cast<const pqxx::sql_error*>(&exception)) {
    log::error("database error", {{"error", sqlError->what()}, {"sqlstate", sqlError->sqlstate()}});
    return internalError("database error (sqlstate " + sqlError->sqlstate() + ")");
  }
  log::error("database exception", {{"error", exception.what()}});
  return internalError(std::string("database error: ") + exception.what());
}

std::string preparedStatementName(const std::string& sql) { return "p" + std::to_string(std::hash<std::string>{}(sql)); }

namespace {
struct SingleStatements final : PendingWrites::Batch {
  std::vector<QueuedWrite> writes;
  void take(std::vector<QueuedWrite>& out) override {
    for (auto& write : writes) out.push_back(std::move(write));
    writes.clear();
  }
};
}  // namespace

void PendingWrites::add(QueuedWrite write) { batch<SingleStatements>().writes.push_back(std::move(write)); }

PendingWrites* PendingWrites::of(const pqxx::transaction_base& transaction) {
  if (const auto* ours = dynamic_cast<const Transaction*>(&transaction)) {
    return &const_cast<Transaction*>(ours)->pending();
  }
  return nullptr;
}

std::vector<QueuedWrite> PendingWrites::take() {
  std::vector<QueuedWrite> writes;
  for (const auto& batch : batches_) batch->take(writes);
  return writes;
}

Transaction::Transaction(pqxx::connection_base& connection)
    : pqxx::internal::namedclass("transaction", "READ COMMITTED"), pqxx::work(connection) {}

void Transaction::do_commit() {
  // `EXECUTE name(literals)` runs a statement prepared on this connection (libpqxx prepares lazily,
  // hence prepare_now) inside a simple query, which may carry several statements and the COMMIT.
  std::string sql;
  for (const QueuedWrite& write : pending_.take()) {
    if (!write.prepared) {
      sql += write.sql + "; ";
      continue;
    }
    const std::string name = preparedStatementName(write.sql);
    conn().prepare(name, write.sql);
    conn().prepare_now(name);
    sql += "EXECUTE " + name;
    for (size_t i = 0; i < write.arguments.size(); ++i) {
      sql += i == 0 ? "(" : ", ";
      sql += write.arguments[i] ? quote(*write.arguments[i]) : "NULL";
    }
    sql += write.arguments.empty() ? "; " : "); ";
  }
  sql += "COMMIT";
  try {
    direct_exec(sql.c_str());
  } catch (const pqxx::in_doubt_error&) {
    throw;
  } catch (const std::exception& error) {
    // As libpqxx's own commit: when the outcome is unknown or the connection went, the COMMIT may or
    // may not have run.
    if (dynamic_cast<const pqxx::statement_completion_unknown*>(&error) != nullptr || !conn().is_open()) {
      throw pqxx::in_doubt_error(std::string("commit outcome unknown: ") + error.what());
    }
    // A queued write failed, so the COMMIT after it never ran and the server transaction is aborted.
    // libpqxx takes a transaction whose commit threw as ended and sends nothing more: end it here,
    // or the connection would go back to the pool inside a failed transaction.
    try {
      direct_exec("ROLLBACK");
    } catch (const std::exception& rollbackError) {
      log::warn("could not roll back after a queued write failed; the connection is dropped",
                {{"error", rollbackError.what()}});
      conn().disconnect();
    }
    throw;
  }
}

Status inTransaction(ConnectionPool& pool, const std::function<Status(pqxx::work&)>& body) {
  auto lease = pool.acquire();
  if (!lease) return lease.status();
  try {
    Transaction transaction(**lease);
    Status status = body(transaction);
    if (status.isOk()) transaction.commit();
    return status;
  } catch (const std::exception& exception) {
    return statusFromException(exception);
  }
}

void exportPoolMetrics(ConnectionPool& pool) {
  telemetry::defaultRegistry().addCollector([&pool](telemetry::SampleWriter& writer) {
    const auto stats = pool.stats();
    const std::vector<std::pair<std::string, std::string>> labels = {{"pool", pool.options().name}};
    writer.header("db_pool_connections_open", "Open connections of a database pool.", telemetry::MetricType::kGauge);
    writer.sample("db_pool_connections_open", static_cast<double>(stats.open), labels);
    writer.header("db_pool_connections_in_use", "Connections lent out.", telemetry::MetricType::kGauge);
    writer.sample("db_pool_connections_in_use", static_cast<double>(stats.inUse), labels);
    writer.header("db_pool_connections_max", "Pool size limit.", telemetry::MetricType::kGauge);
    writer.sample("db_pool_connections_max", static_cast<double>(stats.maxSize), labels);
    writer.header("db_pool_waiting", "Callers waiting for a connection.", telemetry::MetricType::kGauge);
    writer.sample("db_pool_waiting", static_cast<double>(stats.waiting), labels);
    writer.header("db_pool_acquire_timeouts_total", "Acquires that gave up waiting.",
                  telemetry::MetricType::kCounter);
    writer.sample("db_pool_acquire_timeouts_total", static_cast<double>(stats.acquireTimeouts), labels);
  });
}

}  // namespace fleetdeck::db

#include "fleetdeck/core/config.h"

namespace fleetdeck::db {

PoolOptions poolOptionsFromConfig(Config& config, std::string name) {
  PoolOptions options;
  options.connectionString = config.requireString("database.url");
  options.maxSize = static_cast<size_t>(config.getInt("database.pool_size", 8, 1, 512));
  options.acquireTimeout = config.getDuration("database.acquire_timeout", std::chrono::milliseconds(2000));
  options.name = std::move(name);
  return options;
}

}  // namespace fleetdeck::db
