#include "fleetdeck/db/processed_events.h"

#include "fleetdeck/core/log.h"
#include "fleetdeck/core/thread_name.h"
#include "fleetdeck/db/connection_pool.h"

namespace fleetdeck::db {

bool markProcessed(pqxx::work& transaction, std::string_view consumer, std::string_view eventId) {
  // A concurrent insert of the same key makes this wait for it: after its commit DO NOTHING
  // applies (a duplicate); after its rollback this insert goes ahead.
  const auto inserted = transaction.exec_params(
      "INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1",
      std::string(consumer), std::string(eventId));
  return !inserted.empty();
}

Status consumeOnce(ConnectionPool& pool, std::string_view consumer, std::string_view eventId,
                   const std::function<Status(pqxx::work&)>& effect, bool* duplicate) {
  ValidationErrors errors;
  if (consumer.empty()) errors.add("consumer", "must not be empty");
  if (eventId.empty()) errors.add("eventId", "must not be empty");
  FLEETDECK_RETURN_IF_ERROR(errors.toStatus());
  bool seen = false;
  Status status = inTransaction(pool, [&](pqxx::work& transaction) -> Status {
    seen = !markProcessed(transaction, consumer, eventId);
    if (seen) return Status::ok();
    return effect(transaction);
  });
  if (duplicate != nullptr) *duplicate = status.isOk() && seen;
  return status;
}

Result<int> pruneProcessedEvents(ConnectionPool& pool, std::chrono::milliseconds age, int limit) {
  return inTransaction<int>(pool, [&](pqxx::work& transaction) -> Result<int> {
    const auto result = transaction.exec_params(
        "DELETE FROM processed_events WHERE (consumer, event_id) IN ("
        "  SELECT consumer, event_id FROM processed_events"
        "  WHERE processed_at < now() - $1::bigint * interval '1 millisecond' LIMIT $2)",
        static_cast<int64_t>(age.count()), limit);
    return static_cast<int>(result.affected_rows());
  });
}

ProcessedEventsPruner::ProcessedEventsPruner(ConnectionPool& pool, std::chrono::milliseconds age,
                                             std::chrono::milliseconds interval, int batchSize)
    : pool_(pool), age_(age), interval_(interval), batchSize_(batchSize) {
  thread_ = namedThread("prune-processed", [this] { run(); });
}

ProcessedEventsPruner::~ProcessedEventsPruner() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool ProcessedEventsPruner::stopping() {
  std::lock_guard lock(mutex_);
  return stopping_;
}

void ProcessedEventsPruner::run() {
  constexpr int kBatchesPerRound = 100;  // a backlog goes in rounds, never in one long stretch
  for (;;) {
    // A round of a large backlog takes a while: a stop (SIGTERM) waits for the batch under way, not
    // for the rest of the round.
    for (int batch = 0; batch < kBatchesPerRound && !stopping(); ++batch) {
      auto deleted = pruneProcessedEvents(pool_, age_, batchSize_);
      if (!deleted) {
        log::warn("pruning processed events failed; trying again later", {{"error", deleted.status().toString()}});
        break;
      }
      if (*deleted < batchSize_) break;
    }
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, interval_, [this] { return stopping_; })) return;
  }
}

}  // namespace fleetdeck::db
