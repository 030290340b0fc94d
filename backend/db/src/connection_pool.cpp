#include "fleetdeck/db/connection_pool.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <optional>

#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/log.h"
#include "fleetdeck/telemetry/metrics.h"

namespace fleetdeck::db {

namespace {

// Connection settings the fleet wants unless the URL (or the matching PG* variable) says otherwise:
//   - gssencmode=disable: libpq's default "prefer" initialises Kerberos (krb5.conf, credential
//     cache) on every new connection to look for GSSAPI encryption, which no fleet database offers:
//     it costs each connect time and each process about 0.5 MiB of Kerberos library pages
//     (measured with tests/bench/footprint_bench.cpp).
//   - connect_timeout, TCP keepalives and tcp_user_timeout: without them a database that vanishes
//     from the network (a failover moving its address, a partition) leaves a connect or a query
//     waiting for the kernel's TCP give-up, about 15 minutes, holding a pool connection, a request
//     and the readiness check the whole time. With them it fails within about 15 seconds, as
//     UNAVAILABLE, and the pool reconnects.
//   - options (server settings for the session): the same keepalives on the server's side, so a
//     client that vanished is noticed in about 20 s instead of the kernel's two hours, and
//     idle_in_transaction_session_timeout (PoolOptions), so its open transaction's locks go with it.
std::string withFleetDefaults(std::string url, std::chrono::milliseconds idleInTransactionTimeout) {
  const std::string serverOptions = "-c idle_in_transaction_session_timeout=" +
                                    std::to_string(idleInTransactionTimeout.count()) +
                                    " -c tcp_keepalives_idle=10 -c tcp_keepalives_interval=3 -c tcp_keepalives_count=3";
  const std::pair<std::string, std::string> defaults[] = {
      {"gssencmode", "disable"},  {"connect_timeout", "5"},     {"keepalives", "1"},
      {"keepalives_idle", "10"},  {"keepalives_interval", "3"}, {"keepalives_count", "3"},
      {"tcp_user_timeout", "15000"}, {"options", serverOptions},
  };
  static const std::map<std::string, const char*> kEnvironment = {
      {"gssencmode", "PGGSSENCMODE"}, {"connect_timeout", "PGCONNECT_TIMEOUT"}, {"options", "PGOPTIONS"}};
  const bool isUri = url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
  for (const auto& [key, value] : defaults) {
    if (url.find(key + "=") != std::string::npos) continue;
    if (auto variable = kEnvironment.find(key); variable != kEnvironment.end() && std::getenv(variable->second) != nullptr) {
      continue;
    }
    if (isUri) {
      url += (url.find('?') == std::string::npos ? "?" : "&") + key + "=" + percentEncode(value);
    } else {
      url += (url.empty() ? "" : " ") + key + "='" + value + "'";
    }
  }
  return url;
}

}  // namespace

ConnectionPool::ConnectionPool(PoolOptions options) : options_(std::move(options)) {
  if (options_.maxSize == 0) options_.maxSize = 1;
  options_.connectionString = withFleetDefaults(std::move(options_.connectionString), options_.idleInTransactionTimeout);
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
  if (!lease && lease.status().code() == StatusCode::kResourceExhausted) return Status::ok();
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
    // query_canceled: a statement_timeout ran out, or a cancel request: the statement took longer than
    // its caller allowed, and nothing of it was committed.
    const std::string& state = sqlError->sqlstate();
    if (state == "57014") {
      return Status(StatusCode::kDeadlineExceeded, std::string("database statement cancelled: ") + sqlError->what());
    }
    // The database's trouble, not the request's: a primary demoted under us (25006, read-only), out
    // of disk, memory or connections (class 53), a lock that timed out (55P03), a server shutting
    // down or starting (57P01-57P03), a connection failure (class 08). Transient, so callers retry and
    // event consumers hold instead of dead-lettering every event that arrives meanwhile.
    if (state == "25006" || state.starts_with("53") || state == "55P03" || state == "57P01" || state == "57P02" ||
        state == "57P03" || state.starts_with("08")) {
      log::warn("database unavailable", {{"error", sqlError->what()}, {"sqlstate", state}});
      return unavailable("database unavailable (sqlstate " + state + "): " + sqlError->what());
    }
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

namespace {

// libpqxx 6.4 keeps a transaction's libpq connection to itself; largeobject hands it to subclasses.
struct RawConnection : pqxx::largeobject {
  static PGconn* of(const pqxx::dbtransaction& transaction) { return raw_connection(transaction); }
};

// The libpqxx exception a failed statement maps to, as libpqxx throws for its own statements (so
// statusFromException answers the same: a repeated key is ALREADY_EXISTS, and so on).
[[noreturn]] void throwStatementError(const PGresult* result, const std::string& query) {
  const char* field = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const std::string state = field != nullptr ? field : "";
  const std::string message = PQresultErrorMessage(result);
  if (state == "23505") throw pqxx::unique_violation(message, query, state.c_str());
  if (state == "23503") throw pqxx::foreign_key_violation(message, query, state.c_str());
  if (state == "23502") throw pqxx::not_null_violation(message, query, state.c_str());
  if (state == "23514") throw pqxx::check_violation(message, query, state.c_str());
  if (state == "40001") throw pqxx::serialization_failure(message);
  if (state == "40P01") throw pqxx::deadlock_detected(message);
  throw pqxx::sql_error(message, query, state.empty() ? nullptr : state.c_str());
}

// Sends the queued writes and the COMMIT as one libpq pipeline (extended protocol: each write a
// Bind/Execute of its prepared statement with its arguments as parameters, then one Sync) and reads
// every result. The statements are prepared on `connection` first (libpqxx prepares lazily, hence
// prepare_now). Throws what the first failed statement maps to, with the connection out of pipeline
// mode; pqxx::broken_connection when the connection failed on the way, in whatever state it is.
void sendPipelined(pqxx::connection_base& libpqxx, PGconn* connection, const std::vector<QueuedWrite>& writes) {
  std::vector<std::string> names;  // of the prepared statements, in the order of `writes`
  for (const QueuedWrite& write : writes) {
    names.push_back(write.prepared ? preparedStatementName(write.sql) : std::string());
    if (!write.prepared) continue;
    libpqxx.prepare(names.back(), write.sql);
    libpqxx.prepare_now(names.back());
  }
  const auto lost = [&] { throw pqxx::broken_connection(PQerrorMessage(connection)); };
  if (PQenterPipelineMode(connection) != 1) lost();
  for (size_t i = 0; i < writes.size(); ++i) {
    const QueuedWrite& write = writes[i];
    std::vector<const char*> values;
    values.reserve(write.arguments.size());
    for (const auto& argument : write.arguments) values.push_back(argument ? argument->c_str() : nullptr);
    const int count = static_cast<int>(values.size());
    const int accepted = write.prepared ? PQsendQueryPrepared(connection, names[i].c_str(), count, values.data(),
                                                              nullptr, nullptr, 0)
                                        : PQsendQueryParams(connection, write.sql.c_str(), count, nullptr,
                                                            values.data(), nullptr, nullptr, 0);
    if (accepted != 1) lost();
  }
  if (PQsendQueryParams(connection, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 0) != 1) lost();
  if (PQpipelineSync(connection) != 1) lost();

  // One result (then a null) per statement, PGRES_PIPELINE_ABORTED after a failure, then the Sync's.
  std::optional<std::pair<std::unique_ptr<PGresult, decltype(&PQclear)>, std::string>> failure;
  for (size_t i = 0; i <= writes.size(); ++i) {  // the writes, then the COMMIT
    for (PGresult* result; (result = PQgetResult(connection)) != nullptr;) {
      std::unique_ptr<PGresult, decltype(&PQclear)> owned(result, &PQclear);
      if (PQresultStatus(result) == PGRES_FATAL_ERROR && !failure) {
        failure.emplace(std::move(owned), i < writes.size() ? writes[i].sql : "COMMIT");
      }
    }
    if (PQstatus(connection) != CONNECTION_OK) lost();
  }
  for (PGresult* result; (result = PQgetResult(connection)) != nullptr;) {
    const bool synced = PQresultStatus(result) == PGRES_PIPELINE_SYNC;
    PQclear(result);
    if (synced) break;
  }
  if (PQstatus(connection) != CONNECTION_OK || PQexitPipelineMode(connection) != 1) lost();
  if (failure) throwStatementError(failure->first.get(), failure->second);
}

}  // namespace

void Transaction::do_commit() {
  // The writes and the COMMIT travel as one pipeline, one round trip.
  try {
    sendPipelined(conn(), RawConnection::of(*this), pending_.take());
  } catch (const std::exception& error) {
    // As libpqxx's own commit: when the connection failed, the COMMIT may or may not have run. The
    // connection may be left mid-pipeline: closed, so the pool does not lend it again.
    if (dynamic_cast<const pqxx::broken_connection*>(&error) != nullptr || !conn().is_open()) {
      conn().disconnect();
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
  // A caller that finds every connection lent out waits this long for one: at 0 it failed at once with
  // RESOURCE_EXHAUSTED whenever the pool was busy, even for a moment.
  options.acquireTimeout =
      config.getDuration("database.acquire_timeout", std::chrono::milliseconds(2000), std::chrono::milliseconds(10));
  options.idleInTransactionTimeout = config.getDuration("database.idle_in_transaction_timeout", std::chrono::seconds(60));
  options.name = std::move(name);
  return options;
}

}  // namespace fleetdeck::db
