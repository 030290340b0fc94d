// Idempotent event consumers: the record of which events a consumer already applied, written in the
// same transaction as the consumer's effect, so a redelivered event has no second effect.
//
// A service that consumes events adds this table in its own migrations:
//   CREATE TABLE processed_events (
//     consumer text NOT NULL,                 -- the durable consumer name, e.g. "payments-users"
//     event_id text NOT NULL,                 -- EventEnvelope.event_id
//     processed_at timestamptz NOT NULL DEFAULT now(),
//     PRIMARY KEY (consumer, event_id));
//   CREATE INDEX processed_events_processed_at_idx ON processed_events (processed_at);
// (kProcessedEventsTableSql holds exactly this.) The consumer is part of the key because one
// database may serve several consumers, and each of them must apply an event once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <thread>

#include "fleetdeck/core/status.h"

namespace fleetdeck::db {

class ConnectionPool;

inline constexpr const char* kProcessedEventsTableSql = R"(
CREATE TABLE processed_events (
  consumer text NOT NULL,
  event_id text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id));
CREATE INDEX processed_events_processed_at_idx ON processed_events (processed_at);
)";

// Runs `effect` and records (consumer, eventId) in one transaction. When the event was already
// recorded, returns OK without running the effect and sets *duplicate (when given). When the effect
// fails, nothing is recorded (the transaction rolls back), so the redelivered event runs it again.
// Two concurrent deliveries of one event: the second waits for the first's commit, then is a duplicate.
// INVALID_ARGUMENT when consumer or eventId is empty.
Status consumeOnce(ConnectionPool& pool, std::string_view consumer, std::string_view eventId,
                   const std::function<Status(pqxx::work&)>& effect, bool* duplicate = nullptr);

// Inside the caller's transaction: true when (consumer, eventId) was newly recorded, false when it
// had been before (then the caller skips its effect).
bool markProcessed(pqxx::work& transaction, std::string_view consumer, std::string_view eventId);

// Forgets records older than `age` (redeliveries never come that late; replays of older events are
// applied again, so keep `age` beyond any replay window). Returns how many were deleted.
Result<int> pruneProcessedEvents(ConnectionPool& pool, std::chrono::milliseconds age, int limit = 10'000);

// Runs pruneProcessedEvents every `interval` (at once, then on), on a thread of its own, until
// destroyed: without it the table grows by a row for every event ever consumed. Keep `age` beyond
// the streams' max age, since a consumer created again replays its whole stream. Each run deletes in
// batches of `batchSize` rows (up to 100 of them); destroying it waits for the batch under way only.
class ProcessedEventsPruner {
 public:
  ProcessedEventsPruner(ConnectionPool& pool, std::chrono::milliseconds age, std::chrono::milliseconds interval,
                        int batchSize = 10'000);
  ~ProcessedEventsPruner();
  ProcessedEventsPruner(const ProcessedEventsPruner&) = delete;
  ProcessedEventsPruner& operator=(const ProcessedEventsPruner&) = delete;

 private:
  void run();
  bool stopping();

  ConnectionPool& pool_;
  const std::chrono::milliseconds age_;
  const std::chrono::milliseconds interval_;
  const int batchSize_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace fleetdeck::db
