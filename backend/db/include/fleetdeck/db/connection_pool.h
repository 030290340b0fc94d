// A bounded pool of PostgreSQL connections (libpqxx) with an acquire timeout, plus transaction helpers
// that turn database exceptions into Status values at the module edge.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "fleetdeck/core/status.h"

namespace fleetdeck::db {

struct PoolOptions {
  std::string connectionString;
  size_t maxSize = 8;
  std::chrono::milliseconds acquireTimeout{2000};
  // Label for metrics and logs, e.g. "users".
  std::string name = "default";
  // PostgreSQL ends a session left idle inside a transaction this long (0: never), releasing its
  // locks. The transaction of a process whose host died or was cut off would otherwise hold them
  // until the server's TCP keepalive gives up (hours): the outbox relay's lock, a consumer's
  // processed-event row, a migration's lock.
  std::chrono::milliseconds idleInTransactionTimeout{60'000};
};

class ConnectionPool {
 public:
  explicit ConnectionPool(PoolOptions options);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // A borrowed connection, returned to the pool when destroyed (or dropped if it broke).
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    pqxx::connection& operator*() { return *connection_; }
    pqxx::connection* operator->() { return connection_.get(); }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, std::unique_ptr<pqxx::connection> connection);
    ConnectionPool* pool_;
    std::unique_ptr<pqxx::connection> connection_;
  };

  // Waits up to acquireTimeout for a free slot; RESOURCE_EXHAUSTED when none frees up in time,
  // UNAVAILABLE when a new connection cannot be opened.
  Result<Lease> acquire();

  // Runs `SELECT 1` on a pooled connection: the readiness check. When every connection is lent out
  // for longer than acquireTimeout it is OK without running anything: the database is answering
  // them, and a full pool is load, not an outage (not-ready would take a busy replica out of its
  // Service and pile its load onto the others, which then fill up too).
  Status ping();

  struct Stats {
    size_t open = 0;
    size_t inUse = 0;
    size_t waiting = 0;
    size_t maxSize = 0;
    uint64_t acquireTimeouts = 0;
  };
  Stats stats() const;
  const PoolOptions& options() const { return options_; }

 private:
  void release(std::unique_ptr<pqxx::connection> connection);

  PoolOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  size_t open_ = 0;
  size_t waiting_ = 0;
  uint64_t acquireTimeouts_ = 0;
};

// The Status for a database exception: unique violation -> ALREADY_EXISTS, serialization failure
// or deadlock -> ABORTED, lost connection -> UNAVAILABLE, anything else -> INTERNAL.
Status statusFromException(const std::exception& exception);

// A write queued to run at the end of its transaction: `sql` runs as a prepared statement with
// `arguments` (text; nullopt is NULL), or, when `prepared` is false, as written (values quoted in,
// arguments empty) for a statement whose best plan depends on its values.
struct QueuedWrite {
  std::string sql;
  std::vector<std::optional<std::string>> arguments;
  bool prepared = true;
};

// Writes queued during a transaction that inTransaction runs, made when it commits: several writes
// of one kind then share a statement (a transaction's outbox rows), and all of them travel in the
// same round trip as the COMMIT. Writers find the queue with of(); a transaction run some other way has
// none, and writes at once.
class PendingWrites {
 public:
  // The queued writes of one kind; taken at the commit, in the order kinds were first used.
  class Batch {
   public:
    virtual ~Batch() = default;
    // Appends this batch's statements (none when it is empty) to `writes` and forgets them.
    virtual void take(std::vector<QueuedWrite>& writes) = 0;
  };

  // The queue of `transaction` when it is a db::Transaction, else nullptr.
  static PendingWrites* of(const pqxx::transaction_base& transaction);

  // This transaction's batch of type T, created on first use.
  template <typename T>
  T& batch() {
    for (const auto& existing : batches_) {
      if (auto* typed = dynamic_cast<T*>(existing.get())) return *typed;
    }
    batches_.push_back(std::make_unique<T>());
    return static_cast<T&>(*batches_.back());
  }

  // Queues one statement of its own (a batch of kind "single statements").
  void add(QueuedWrite write);

  // Every batch's statements, in order; the batches are empty afterwards.
  std::vector<QueuedWrite> take();

 private:
  std::vector<std::unique_ptr<Batch>> batches_;
};

// The transaction inTransaction runs: a pqxx::work whose commit sends its pending writes and the
// COMMIT as one libpq pipeline (each write a Bind/Execute of its prepared statement, arguments as
// parameters, one Sync), so a transaction pays one round trip for its end instead of one per write
// plus one, and the server parses no statement text for it. When a queued write fails the transaction is rolled back and the write's error thrown
// (a repeated key is still a pqxx::unique_violation); the connection is left ready for reuse.
class Transaction final : public pqxx::work {
 public:
  explicit Transaction(pqxx::connection_base& connection);
  PendingWrites& pending() { return pending_; }

 private:
  void do_commit() override;
  PendingWrites pending_;
};

// Runs `body` inside one transaction and commits when it returns OK; rolls back on an error Status
// or any exception (mapped with statusFromException). Writes queued in PendingWrites are made with
// the commit.
template <typename T>
Result<T> inTransaction(ConnectionPool& pool, const std::function<Result<T>(pqxx::work&)>& body) {
  auto lease = pool.acquire();
  if (!lease) return lease.status();
  try {
    Transaction transaction(**lease);
    Result<T> result = body(transaction);
    if (result.isOk()) transaction.commit();
    return result;
  } catch (const std::exception& exception) {
    return statusFromException(exception);
  }
}

Status inTransaction(ConnectionPool& pool, const std::function<Status(pqxx::work&)>& body);

// The name execPrepared (and a queued write) prepares `sql` under.
std::string preparedStatementName(const std::string& sql);

// Runs `sql` as a prepared statement of the transaction's connection, named after its text: prepared
// on that connection's first use, then only executed. For statements on hot paths, where parsing
// and planning each call was a large share of the database's work.
template <typename... Args>
pqxx::result execPrepared(pqxx::transaction_base& transaction, const std::string& sql, const Args&... args) {
  const std::string name = preparedStatementName(sql);
  transaction.conn().prepare(name, sql);  // a no-op when this connection knows it already
  return transaction.exec_prepared(name, args...);
}

namespace detail {
template <typename T>
std::optional<std::string> argumentText(const T& value) {
  return pqxx::to_string(value);
}
template <typename T>
std::optional<std::string> argumentText(const std::optional<T>& value) {
  return value ? argumentText(*value) : std::nullopt;
}
inline std::optional<std::string> argumentText(const std::string& value) { return value; }
}  // namespace detail

// Runs `sql` as execPrepared does, but with the commit when `transaction` is a db::Transaction (at
// once otherwise): for a write whose result nobody reads and that the rest of the transaction does
// not read back. Its failure (a constraint) then fails the commit, and the transaction rolls back.
template <typename... Args>
void writeAtCommit(pqxx::transaction_base& transaction, const std::string& sql, const Args&... args) {
  if (auto* pending = PendingWrites::of(transaction)) {
    pending->add({sql, {detail::argumentText(args)...}});
    return;
  }
  execPrepared(transaction, sql, args...);
}

// Registers db_pool_* gauges for this pool on the default metrics registry.
void exportPoolMetrics(ConnectionPool& pool);

}  // namespace fleetdeck::db

namespace fleetdeck {
class Config;
}

namespace fleetdeck::db {

// Reads [database] url, pool_size, acquire_timeout (at least 10ms). `name` labels the pool in metrics.
PoolOptions poolOptionsFromConfig(Config& config, std::string name);

}  // namespace fleetdeck::db
