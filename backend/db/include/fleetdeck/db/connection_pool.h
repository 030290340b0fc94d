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

  // Runs `SELECT 1` on a pooled connection: the readiness check.
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

// Statement arguments as text; nullopt is NULL.
using Arguments = std::vector<std::optional<std::string>>;

// A write queued to run at the end of its transaction: `sql` runs as a prepared statement with
// `arguments` (text; nullopt is NULL), or, when `prepared` is false, as written (values quoted in,
// arguments empty) for a statement whose best plan depends on its values.
struct QueuedWrite {
  std::string sql;
  Arguments arguments;
  bool prepared = true;
};

// Writes queued during a transaction that inTransaction runs, made when it commits: several writes
// of one kind then share a statement (a transaction's outbox rows), and all of them travel in the
// same message as the COMMIT. Writers find the queue with of(); a transaction run some other way has
// none, and writes at once.
class PendingWrites {
 public:
  // The queued writes of one kind; taken at the commit, in the order kinds were first used.
  class Batch {
   public:
    virtual ~Batch() = default;
    // Appends this batch's statements (none when it is empty) to `writes` and forgets them.
    virtual void take(std::vector<QueuedWrite>& writes) = 0;
    virtual bool empty() const = 0;
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
  bool empty() const;

 private:
  std::vector<std::unique_ptr<Batch>> batches_;
};

// When a transaction's BEGIN is sent.
enum class BeginWhen {
  kAtOnce,
  // With the first statement, when the caller guarantees that statement comes through execPrepared.
  // libpqxx runs its own exec / exec_params on a transaction not yet begun OUTSIDE of it (autocommit),
  // so this is only for code whose first statement is execPrepared by construction.
  kWithFirstPreparedStatement,
};

// The transaction inTransaction runs (READ COMMITTED, read-write, like pqxx::work), built to spare
// round trips:
// - its commit sends the pending writes and the COMMIT as one message (EXECUTE of their prepared
//   statements), so a transaction's end costs one round trip, not one per write plus one;
// - with BeginWhen::kWithFirstPreparedStatement its BEGIN goes in one message with the first statement.
// When a statement sent this way fails, the transaction is rolled back and the statement's error
// thrown (a repeated key is still a pqxx::unique_violation); the connection is left ready for reuse.
class Transaction final : public pqxx::internal::basic_transaction {
 public:
  explicit Transaction(pqxx::connection_base& connection, BeginWhen begin = BeginWhen::kAtOnce);
  ~Transaction() override;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  PendingWrites& pending() { return pending_; }

  // Commits: pqxx::transaction_base::commit, except that a transaction not yet begun that queued
  // writes still makes them (BEGIN, the writes and COMMIT in one message). Call this one.
  void commit();

  // `transaction` when it is a Transaction whose BEGIN has not been sent yet, else nullptr.
  static Transaction* unbegun(pqxx::transaction_base& transaction);
  // Begins with the prepared statement `name` (defined on the connection) run with `arguments`,
  // in one round trip; returns its result.
  pqxx::result beginWith(const std::string& name, const Arguments& arguments);

 private:
  void do_begin() override;
  void do_commit() override;
  // "EXECUTE name(literals)": a statement prepared on this connection, run inside a simple query.
  std::string executeText(const std::string& name, const Arguments& arguments);
  // After a statement sent with BEGIN or COMMIT failed: ends the aborted server transaction.
  void rollBackAfterFailure();

  PendingWrites pending_;
  bool begun_ = false;
  // Set while beginWith or commit runs Begin(): what do_begin sends the BEGIN with.
  const std::string* firstStatement_ = nullptr;
  bool beginWithCommit_ = false;
  pqxx::result firstResult_;
};

// Runs `body` inside one transaction and commits when it returns OK; rolls back on an error Status
// or any exception (mapped with statusFromException). Writes queued in PendingWrites are made with
// the commit.
template <typename T>
Result<T> inTransaction(ConnectionPool& pool, const std::function<Result<T>(pqxx::dbtransaction&)>& body,
                        BeginWhen begin = BeginWhen::kAtOnce) {
  auto lease = pool.acquire();
  if (!lease) return lease.status();
  try {
    Transaction transaction(**lease, begin);
    Result<T> result = body(transaction);
    if (result.isOk()) transaction.commit();
    return result;
  } catch (const std::exception& exception) {
    return statusFromException(exception);
  }
}

Status inTransaction(ConnectionPool& pool, const std::function<Status(pqxx::dbtransaction&)>& body,
                     BeginWhen begin = BeginWhen::kAtOnce);

// Runs `sql` as a prepared statement of the transaction's connection, named after its text: prepared
// on that connection's first use, then only executed. For statements on hot paths, where parsing
// and planning each call was a large share of the database's work.
// The name execPrepared (and a queued write) prepares `sql` under.
std::string preparedStatementName(const std::string& sql);

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
std::optional<std::string> argumentText(const pqxx::binarystring& value);  // bytea's text form
}  // namespace detail

// In a db::Transaction not yet begun, the statement carries the BEGIN (one round trip for both).
template <typename... Args>
pqxx::result execPrepared(pqxx::transaction_base& transaction, const std::string& sql, const Args&... args) {
  const std::string name = preparedStatementName(sql);
  transaction.conn().prepare(name, sql);  // a no-op when this connection knows it already
  if (Transaction* unbegun = Transaction::unbegun(transaction)) {
    return unbegun->beginWith(name, {detail::argumentText(args)...});
  }
  return transaction.exec_prepared(name, args...);
}

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

// Reads [database] url, pool_size, acquire_timeout. `name` labels the pool in metrics.
PoolOptions poolOptionsFromConfig(Config& config, std::string name);

}  // namespace fleetdeck::db
