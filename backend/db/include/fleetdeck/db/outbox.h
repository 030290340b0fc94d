// The transactional outbox: events written in the same transaction as the change that caused them,
// and the relay that publishes them to the bus afterwards — never lost, never out of order per key.
//
// A service that publishes events adds this table in its own migrations:
//   CREATE TABLE outbox (
//     seq bigserial PRIMARY KEY,              -- append order; per aggregate key it is the publish order
//     id uuid NOT NULL UNIQUE,                -- the event id, sent as Nats-Msg-Id (broker-side dedupe)
//     aggregate_key text NOT NULL CHECK (aggregate_key <> ''),
//     subject text NOT NULL CHECK (subject <> ''),
//     headers jsonb NOT NULL DEFAULT '{}',    -- {"traceparent": "00-…"}; string values only
//     payload bytea NOT NULL,
//     created_at timestamptz NOT NULL DEFAULT now(),
//     sent_at timestamptz,                    -- set once the broker acknowledged the message
//     attempts integer NOT NULL DEFAULT 0,    -- failed publish attempts, for operators
//     last_error text NOT NULL DEFAULT '');
//   CREATE INDEX outbox_unsent_seq_idx ON outbox (seq) WHERE sent_at IS NULL;
//   CREATE INDEX outbox_sent_at_idx ON outbox (sent_at) WHERE sent_at IS NOT NULL;
// (kOutboxTableSql holds exactly this, for migrations to copy and tests to run.)
//
// Ordering: rows of one aggregate key are published in `seq` order. That equals commit order only
// when the producer serializes its writes per aggregate (a row lock or a version check on the
// aggregate, which every writer here needs anyway for its own correctness): then a later event of a
// key is inserted only after the earlier one committed. Several relay replicas may run: a pass holds
// a transaction-scoped advisory lock, so one replica publishes at a time (the others' passes find the
// lock taken and wait for their next poll), always from the oldest unsent row. A row the broker
// refuses holds back only its own key: the key is left out of later passes until its retry time.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "fleetdeck/core/status.h"

namespace fleetdeck {
class Config;
}

namespace fleetdeck::db {

class ConnectionPool;

inline constexpr const char* kOutboxTableSql = R"(
CREATE TABLE outbox (
  seq bigserial PRIMARY KEY,
  id uuid NOT NULL UNIQUE,
  aggregate_key text NOT NULL CHECK (aggregate_key <> ''),
  subject text NOT NULL CHECK (subject <> ''),
  headers jsonb NOT NULL DEFAULT '{}',
  payload bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_error text NOT NULL DEFAULT '');
CREATE INDEX outbox_unsent_seq_idx ON outbox (seq) WHERE sent_at IS NULL;
CREATE INDEX outbox_sent_at_idx ON outbox (sent_at) WHERE sent_at IS NOT NULL;
)";

using Headers = std::vector<std::pair<std::string, std::string>>;

struct OutboxMessage {
  std::string id;            // the event id (UUID): Nats-Msg-Id, so a re-send is dropped by the broker
  std::string subject;       // fleetdeck.<domain>.v1.<Event>
  std::string aggregateKey;  // events of one key are published in the order they were appended
  Headers headers;           // e.g. {"traceparent", "00-…"}
  std::string payload;       // bytes (a serialized EventEnvelope)
  int64_t sequence = 0;          // set when read back from the table
  int64_t createdAtMicros = 0;   // set when read back from the table
};

// Inserts the message in the caller's transaction, so it exists exactly when the change does.
// INVALID_ARGUMENT naming the field when id is not a UUID, or subject / aggregateKey are empty.
// In a transaction db::inTransaction runs, the rows are queued (PendingWrites) and inserted in
// append order by one statement, sent with the COMMIT; a failing insert (a repeated id) then
// fails the commit and the transaction rolls back whole.
Status appendToOutbox(pqxx::work& transaction, const OutboxMessage& message);
// Several messages in one statement, in this order (field names in errors are indexed: messages[i].id).
Status appendToOutbox(pqxx::work& transaction, const std::vector<OutboxMessage>& messages);

// What the relay hands each message to. The bus implements it; db knows nothing of NATS.
class OutboxPublisher {
 public:
  virtual ~OutboxPublisher() = default;
  // Returns OK only once the broker acknowledged storing the message (a duplicate counts as stored).
  // UNAVAILABLE or DEADLINE_EXCEEDED: the broker is unreachable — the relay stops the batch and
  // backs off. Any other error concerns this message: its key waits, other keys go on.
  virtual Status publish(const OutboxMessage& message) = 0;
  // Several messages of distinct keys at once; one status per message, in order. This default
  // publishes one by one and, once the broker is unreachable, gives the rest that status untried.
  virtual std::vector<Status> publishAll(const std::vector<const OutboxMessage*>& messages);
};

// Exponential backoff with jitter: attempt n (1-based) waits a random time in
// [d/2, d] where d = min(max, initial * multiplier^(n-1)). Half-jitter keeps a floor, so retries of
// many replicas spread out without ever hammering a broker that just came back. (A request's retries
// use resilience::BackoffPolicy, full jitter from 0: a caller is waiting, and the retry budget caps them.)
struct BackoffPolicy {
  std::chrono::milliseconds initial{200};
  std::chrono::milliseconds max{10'000};
  double multiplier = 2.0;
  // `random01` is a number in [0, 1) (injected so tests are deterministic).
  std::chrono::milliseconds delayFor(int attempt, double random01) const;
};

struct OutboxRelayOptions {
  std::string name = "default";  // the `outbox` label of the metrics, e.g. the service name
  int batchSize = 100;           // rows claimed per pass
  // How often an idle relay looks for new rows (wake() skips the wait).
  std::chrono::milliseconds pollInterval{200};
  BackoffPolicy backoff;
  // A pass starts no new wave after this long; the rest of its batch goes in the next pass. A pass is
  // one transaction that sends no SQL while it waits for the broker's acks, and PostgreSQL ends a
  // session idle in a transaction for [database] idle_in_transaction_timeout (60 s): a batch of many
  // waves of slow acks was cut off there, committed nothing, and was published again on every pass.
  std::chrono::milliseconds maxPassTime{std::chrono::seconds(10)};
  // Sent rows are kept this long before deletion: NATS 2.9 acknowledges before its disk write is
  // synced, so after a broker crash the rows of the last moments can be re-sent by hand (see docs/events.md).
  std::chrono::milliseconds retention{std::chrono::hours(24)};
  std::chrono::milliseconds cleanupInterval{std::chrono::minutes(1)};
  int cleanupBatchSize = 1000;
};

// Reads [outbox] batch_size, poll_interval, retry_initial, retry_max, retention, cleanup_interval.
OutboxRelayOptions outboxRelayOptionsFromConfig(Config& config, std::string name);

struct OutboxLag {
  int64_t unsent = 0;
  double oldestUnsentAgeSeconds = 0;  // 0 when nothing is waiting
};

// Publishes unsent outbox rows through an OutboxPublisher on its own thread. All its state is the
// table, so a restarted relay (or another replica) simply carries on where the last one stopped.
class OutboxRelay {
 public:
  OutboxRelay(ConnectionPool& pool, OutboxPublisher& publisher, OutboxRelayOptions options,
              std::function<double()> random01 = {});
  ~OutboxRelay();
  OutboxRelay(const OutboxRelay&) = delete;
  OutboxRelay& operator=(const OutboxRelay&) = delete;

  void start();
  // Finishes the pass in progress, then joins the thread. Idempotent.
  void stop();
  // Skips the idle wait: call after committing a transaction that appended rows.
  void wake();

  // One pass: takes up to batchSize unsent rows in order, publishes them (in waves through
  // publishAll(): every key's first row, then every key's second, … so a key's rows never overtake
  // one another, while the rows of different keys share a round trip), marks the published ones
  // sent. Returns how many were published (0 too when another replica holds the relay lock);
  // UNAVAILABLE when the broker was unreachable (rows stay unsent). The thread calls it; tests may
  // call it directly, never concurrently with the thread.
  Result<int> relayOnce();
  // Deletes rows sent longer ago than the retention window; returns how many.
  Result<int> deleteExpired();
  // Unsent rows and the age of the oldest; also published as outbox_lag_events and
  // outbox_oldest_unsent_age_seconds.
  Result<OutboxLag> lag();

  // Failed passes in a row (0 after a good one); what the backoff is computed from.
  int consecutiveFailures() const { return consecutiveFailures_.load(); }

 private:
  struct HeldBackKey {
    int failures = 0;
    std::chrono::steady_clock::time_point retryAt;
  };
  void run();
  // Keys whose refused row waits for its retry time (left out of the pass's query).
  std::vector<std::string> heldBackKeys();

  ConnectionPool& pool_;
  OutboxPublisher& publisher_;
  OutboxRelayOptions options_;
  std::function<double()> random01_;
  std::mutex mutex_;
  std::condition_variable wakeUp_;
  bool stopping_ = false;
  bool woken_ = false;
  std::atomic<int> consecutiveFailures_{0};
  std::map<std::string, HeldBackKey> heldBack_;  // touched by relayOnce() only
  std::thread thread_;
};

}  // namespace fleetdeck::db
