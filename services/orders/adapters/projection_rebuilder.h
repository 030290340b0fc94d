// Rebuilds the orders read model from the event store into a fresh table and reports every row
// where the live read model differs. The hot path (reading every event, writing every order)
// uses libpq's COPY directly: libpqxx 6.4 has no COPY of a query.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fleetdeck/core/status.h"
#include "fleetdeck/db/connection_pool.h"

struct pg_conn;

namespace fleetdeck::orders {

struct ProjectionDifference {
  std::string orderId;
  std::string field;
  std::string live;
  std::string rebuilt;
};

struct RebuildReport {
  std::string id;
  std::string projection = "orders";
  std::string state;  // RUNNING, DONE, FAILED
  int64_t processedEvents = 0;
  int64_t totalEvents = 0;
  std::vector<ProjectionDifference> differences;  // first kMaxReportedDifferences
  int64_t differenceCount = 0;
  std::string error;
  int64_t startedAtMicros = 0;
  int64_t finishedAtMicros = 0;
};

class ProjectionRebuilder {
 public:
  static constexpr size_t kMaxReportedDifferences = 1000;
  // How often a running rebuild's report is stored (what GetRebuild answers) and announced.
  static constexpr std::chrono::milliseconds kProgressInterval{250};
  using Progress = std::function<void(const RebuildReport&)>;
  // Told of every rebuild's report once it is stored, so a reader told of it finds GetRebuild saying
  // the same or newer: at most every kProgressInterval while RUNNING, and once more with the final
  // report (DONE, FAILED, or found interrupted by get()). Runs on the rebuild's thread (get()'s for an
  // interrupted one); whatever it throws is logged, the rebuild goes on.
  using Observer = std::function<void(const RebuildReport&)>;

  ProjectionRebuilder(db::ConnectionPool& pool, std::string connectionString, Observer observer = {})
      : pool_(pool), connectionString_(std::move(connectionString)), observer_(std::move(observer)) {}
  ~ProjectionRebuilder();

  // Starts a rebuild in the background and returns its RUNNING report; FAILED_PRECONDITION while
  // another one runs; INVALID_ARGUMENT for a projection other than "orders".
  Result<RebuildReport> start(const std::string& projection, Progress progress = {});
  Result<RebuildReport> get(const std::string& id);
  // Runs a rebuild on the calling thread (tests, benchmarks) and returns its final report.
  Result<RebuildReport> runNow(Progress progress = {});
  // Waits for a running rebuild to finish.
  void shutdown();

 private:
  // The rebuild's own connection, holding the cross-replica rebuild lock while it lives.
  using Session = std::unique_ptr<pg_conn, void (*)(pg_conn*)>;
  // FAILED_PRECONDITION while another replica rebuilds; UNAVAILABLE without a database.
  Result<Session> openSession();
  // `progress`, and the report stored and announced as it goes (throttled).
  Progress savingProgress(Progress progress);
  void announce(const RebuildReport& report);
  RebuildReport run(RebuildReport report, const Progress& progress, pg_conn* connection);
  // run(), with whatever it throws (out of memory on a huge store, a failing progress callback) ending
  // the rebuild as FAILED instead of leaving its thread: that would terminate the orders process,
  // its saga runners and outbox relay with it.
  RebuildReport runGuarded(const RebuildReport& report, const Progress& progress, pg_conn* connection);
  // Stores the report (GetRebuild's answer); the error is logged and returned.
  Status save(const RebuildReport& report);
  // save() with a few tries more: the final report.
  Status saveFinal(const RebuildReport& report);
  // The end of a rebuild: stored, the lock released, then announced if it was stored.
  void finish(const RebuildReport& finished, Session& session);

  db::ConnectionPool& pool_;
  std::string connectionString_;
  const Observer observer_;
  std::mutex mutex_;
  std::thread worker_;
  std::atomic<bool> running_{false};
};

}  // namespace fleetdeck::orders
