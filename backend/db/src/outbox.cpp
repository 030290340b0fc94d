#include "fleetdeck/db/outbox.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "fleetdeck/core/config.h"
#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/core/json.h"
#include "fleetdeck/core/log.h"
#include "fleetdeck/core/thread_name.h"
#include "fleetdeck/db/connection_pool.h"
#include "fleetdeck/telemetry/metrics.h"

namespace fleetdeck::db {
namespace {

struct OutboxMetrics {
  telemetry::CounterFamily& published;
  telemetry::CounterFamily& failures;
  telemetry::GaugeFamily& lag;
  telemetry::GaugeFamily& oldestAge;

  static OutboxMetrics& get() {
    auto& registry = telemetry::defaultRegistry();
    static OutboxMetrics metrics{
        registry.counter("outbox_published_total", "Outbox rows the broker acknowledged.", {"outbox"}),
        registry.counter("outbox_publish_failures_total", "Failed attempts to publish an outbox row.", {"outbox"}),
        registry.gauge("outbox_lag_events", "Outbox rows not yet acknowledged by the broker.", {"outbox"}),
        registry.gauge("outbox_oldest_unsent_age_seconds", "Age of the oldest unsent outbox row (0: none).",
                       {"outbox"}),
    };
    return metrics;
  }
};

std::string headersToJson(const Headers& headers) {
  boost::json::object object;
  for (const auto& [name, value] : headers) object[name] = value;
  return boost::json::serialize(object);
}

Headers headersFromJson(const std::string& text) {
  Headers headers;
  auto parsed = json::parse(text);
  if (!parsed || !parsed->is_object()) return headers;
  for (const auto& [name, value] : parsed->as_object()) {
    if (value.is_string()) headers.emplace_back(std::string(name), std::string(value.as_string()));
  }
  return headers;
}

// A PostgreSQL array literal of text elements, each double-quoted with " and \ escaped.
std::string arrayLiteral(const std::vector<std::string>& elements) {
  std::string literal = "{";
  for (const auto& element : elements) {
    if (literal.size() > 1) literal += ',';
    literal += '"';
    for (const char c : element) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  literal += '}';
  return literal;
}

// The advisory lock a relay pass holds: one relay publishes from a database at a time.
constexpr int64_t kRelayLock = 0x666c6565'7464'6f62;  // "fleetdob"

bool brokerUnreachable(const Status& status) {
  return status.code() == StatusCode::kUnavailable || status.code() == StatusCode::kDeadlineExceeded;
}

// Keeps last_error readable and bounded, whatever the broker said.
std::string truncated(std::string text) {
  constexpr size_t kMax = 500;
  if (text.size() > kMax) text.resize(kMax);
  return text;
}

// Several rows in one statement (one round trip), as arrays; WITH ORDINALITY keeps their order,
// which is the order the relay publishes them in.
QueuedWrite outboxInsert(const std::vector<OutboxMessage>& messages) {
  std::vector<std::string> ids, keys, subjects, headers, payloads;
  for (const auto& message : messages) {
    ids.push_back(message.id);
    keys.push_back(message.aggregateKey);
    subjects.push_back(message.subject);
    headers.push_back(headersToJson(message.headers));
    payloads.push_back("\\x" + hexEncode(message.payload));
  }
  return {"INSERT INTO outbox (id, aggregate_key, subject, headers, payload)"
          " SELECT id, aggregate_key, subject, headers, payload"
          " FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[], $5::bytea[])"
          "   WITH ORDINALITY AS rows (id, aggregate_key, subject, headers, payload, n)"
          " ORDER BY n",
          {arrayLiteral(ids), arrayLiteral(keys), arrayLiteral(subjects), arrayLiteral(headers),
           arrayLiteral(payloads)}};
}

void insertOutboxRows(pqxx::work& transaction, const std::vector<OutboxMessage>& messages) {
  if (messages.size() == 1) {
    const OutboxMessage& message = messages.front();
    execPrepared(transaction,
                 "INSERT INTO outbox (id, aggregate_key, subject, headers, payload) VALUES ($1, $2, $3, $4::jsonb, $5)",
                 message.id, message.aggregateKey, message.subject, headersToJson(message.headers),
                 pqxx::binarystring(message.payload));
    return;
  }
  const QueuedWrite insert = outboxInsert(messages);
  const auto& arguments = insert.arguments;
  execPrepared(transaction, insert.sql, *arguments[0], *arguments[1], *arguments[2], *arguments[3], *arguments[4]);
}

// A transaction's outbox rows, written together when it commits.
struct PendingOutboxRows final : PendingWrites::Batch {
  std::vector<OutboxMessage> rows;
  void take(std::vector<QueuedWrite>& writes) override {
    if (!rows.empty()) writes.push_back(outboxInsert(rows));
    rows.clear();
  }
};

}  // namespace

Status appendToOutbox(pqxx::work& transaction, const OutboxMessage& message) {
  return appendToOutbox(transaction, std::vector<OutboxMessage>{message});
}

Status appendToOutbox(pqxx::work& transaction, const std::vector<OutboxMessage>& messages) {
  for (size_t i = 0; i < messages.size(); ++i) {
    const OutboxMessage& message = messages[i];
    const std::string prefix = messages.size() == 1 ? "" : "messages[" + std::to_string(i) + "].";
    ValidationErrors errors;
    if (!isUuid(message.id)) errors.add(prefix + "id", "must be a UUID (the event id)");
    if (message.subject.empty()) errors.add(prefix + "subject", "must not be empty");
    if (message.aggregateKey.empty()) errors.add(prefix + "aggregateKey", "must not be empty");
    FLEETDECK_RETURN_IF_ERROR(errors.toStatus());
  }
  if (messages.empty()) return Status::ok();
  // Inside db::inTransaction the rows wait for the commit, so all of a transaction's rows (an order
  // event and the saga's step events, say) go in one statement.
  if (auto* pending = PendingWrites::of(transaction)) {
    auto& rows = pending->batch<PendingOutboxRows>().rows;
    rows.insert(rows.end(), messages.begin(), messages.end());
    return Status::ok();
  }
  insertOutboxRows(transaction, messages);
  return Status::ok();
}


std::vector<Status> OutboxPublisher::publishAll(const std::vector<const OutboxMessage*>& messages) {
  std::vector<Status> statuses;
  statuses.reserve(messages.size());
  for (const OutboxMessage* message : messages) {
    if (!statuses.empty() && brokerUnreachable(statuses.back())) {
      statuses.push_back(statuses.back());
      continue;
    }
    statuses.push_back(publish(*message));
  }
  return statuses;
}

std::chrono::milliseconds BackoffPolicy::delayFor(int attempt, double random01) const {
  const double base = static_cast<double>(std::max<int64_t>(initial.count(), 1));
  const double cap = static_cast<double>(std::max(max.count(), initial.count()));
  // Beyond ~60 doublings every policy has long hit its cap; stop before pow overflows.
  const int exponent = std::clamp(attempt - 1, 0, 60);
  const double full = std::min(cap, base * std::pow(std::max(multiplier, 1.0), exponent));
  const double jitter = std::clamp(random01, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(full / 2 + jitter * full / 2)));
}

OutboxRelayOptions outboxRelayOptionsFromConfig(Config& config, std::string name) {
  OutboxRelayOptions options;
  options.name = std::move(name);
  options.batchSize = static_cast<int>(config.getInt("outbox.batch_size", options.batchSize, 1, 10'000));
  options.pollInterval = config.getDuration("outbox.poll_interval", options.pollInterval, std::chrono::milliseconds(1));
  options.backoff.initial = config.getDuration("outbox.retry_initial", options.backoff.initial);
  options.backoff.max = config.getDuration("outbox.retry_max", options.backoff.max);
  options.retention = config.getDuration("outbox.retention", options.retention);
  options.cleanupInterval = config.getDuration("outbox.cleanup_interval", options.cleanupInterval);
  return options;
}

OutboxRelay::OutboxRelay(ConnectionPool& pool, OutboxPublisher& publisher, OutboxRelayOptions options,
                         std::function<double()> random01)
    : pool_(pool), publisher_(publisher), options_(std::move(options)), random01_(std::move(random01)) {
  if (!random01_) {
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    random01_ = [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
  }
  options_.batchSize = std::max(options_.batchSize, 1);
}

OutboxRelay::~OutboxRelay() { stop(); }

void OutboxRelay::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = namedThread("outbox-relay", [this] { run(); });
}

void OutboxRelay::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wakeUp_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void OutboxRelay::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wakeUp_.notify_all();
}

Result<int> OutboxRelay::relayOnce() {
  auto& metrics = OutboxMetrics::get();
  auto& publishedCounter = metrics.published.labels({options_.name});
  auto& failureCounter = metrics.failures.labels({options_.name});
  auto lease = pool_.acquire();
  if (!lease) return lease.status();
  int published = 0;
  bool brokerDown = false;
  bool messageFailed = false;
  Status brokerStatus;
  try {
    Transaction transaction(**lease);
    // One relay at a time per database: the pass holds a transaction-scoped advisory lock, and a
    // replica that does not get it leaves this pass to the one that did. Rows then go out in `seq`
    // order, which keeps every key in order with a plain scan of the unsent index (the per-key "heads"
    // query this replaced cost seconds per pass once a backlog of a few thousand rows built up).
    // The lock and the batch in one round trip: the CTE (volatile, so run once, first) takes the lock,
    // and the scan runs only when it was granted. One row of NULLs when there is nothing to send.
    // FOR UPDATE is what makes the one round trip safe. The statement's snapshot is taken before the
    // lock: when the previous holder commits in between, the snapshot still shows the rows it just
    // marked sent as unsent, and a plain scan published them a second time (the two-replica test
    // caught it about one run in 20). Locking a row re-reads its latest committed version and
    // re-checks the WHERE (PostgreSQL's EvalPlanQual), which drops those rows; LIMIT counts only the
    // rows that pass.
    const auto rows = execPrepared(transaction,
        "WITH relay AS (SELECT pg_try_advisory_xact_lock($3::bigint) AS granted)"
        " SELECT relay.granted, unsent.* FROM relay LEFT JOIN LATERAL ("
        "  SELECT seq, id::text, aggregate_key, subject, headers::text, payload,"
        "   (extract(epoch FROM created_at) * 1000000)::bigint"
        "  FROM outbox WHERE relay.granted AND sent_at IS NULL AND aggregate_key <> ALL($2::text[])"
        "  ORDER BY seq LIMIT $1 FOR UPDATE) AS unsent ON true",
        options_.batchSize, arrayLiteral(heldBackKeys()), kRelayLock);
    if (rows.empty() || !rows[0][0].as<bool>()) return 0;
    std::vector<OutboxMessage> messages;
    messages.reserve(rows.size());
    // Wave w holds every key's w-th row of this batch.
    std::vector<std::vector<size_t>> waves;
    std::map<std::string, size_t> rowsOfKey;
    for (const auto& full : rows) {
      if (full[1].is_null()) continue;  // nothing unsent
      const pqxx::row row = full.slice(1, full.size());
      OutboxMessage message;
      message.sequence = row[0].as<int64_t>();
      message.id = row[1].as<std::string>();
      message.aggregateKey = row[2].as<std::string>();
      message.subject = row[3].as<std::string>();
      message.headers = headersFromJson(row[4].as<std::string>());
      message.payload = pqxx::binarystring(row[5]).str();
      message.createdAtMicros = row[6].as<int64_t>();
      const size_t wave = rowsOfKey[message.aggregateKey]++;
      if (waves.size() <= wave) waves.resize(wave + 1);
      waves[wave].push_back(messages.size());
      messages.push_back(std::move(message));
    }
    std::set<std::string> blockedKeys;  // a failed row holds back the rest of its key
    std::vector<int64_t> sent;
    const auto passEnds = std::chrono::steady_clock::now() + options_.maxPassTime;
    for (const auto& wave : waves) {
      // Later waves hold each key's later rows: leaving them unsent keeps every key in order.
      if (std::chrono::steady_clock::now() >= passEnds) break;
      std::vector<const OutboxMessage*> batch;
      for (size_t index : wave) {
        if (!blockedKeys.contains(messages[index].aggregateKey)) batch.push_back(&messages[index]);
      }
      if (batch.empty()) continue;
      const std::vector<Status> statuses = publisher_.publishAll(batch);
      for (size_t i = 0; i < batch.size(); ++i) {
        const OutboxMessage& message = *batch[i];
        const Status status = i < statuses.size() ? statuses[i] : internalError("the publisher gave no status");
        if (status.isOk()) {
          sent.push_back(message.sequence);
          heldBack_.erase(message.aggregateKey);
          continue;
        }
        blockedKeys.insert(message.aggregateKey);
        if (brokerUnreachable(status)) {
          // Counted once per pass, on the first row it stopped; the rest were not sent or are re-sent.
          if (!brokerDown) {
            failureCounter.inc();
            transaction.exec_params("UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE seq = $1",
                                    message.sequence, truncated(status.toString()));
          }
          brokerDown = true;
          brokerStatus = status;
          continue;
        }
        failureCounter.inc();
        transaction.exec_params("UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE seq = $1",
                                message.sequence, truncated(status.toString()));
        // The key's later rows wait behind this one; later passes leave the key out until its retry time.
        HeldBackKey& held = heldBack_[message.aggregateKey];
        ++held.failures;
        held.retryAt = std::chrono::steady_clock::now() + options_.backoff.delayFor(held.failures, random01_());
        messageFailed = true;
        log::warn("outbox row not accepted by the broker; its key waits",
                  {{"outbox", options_.name}, {"event_id", message.id}, {"subject", message.subject},
                   {"error", status.toString()}});
      }
      if (brokerDown) break;
    }
    // One statement for the whole batch, sent with the COMMIT: a round trip per row was most of a
    // relay pass's database time. Planned on every call, not prepared: a prepared statement's generic
    // plan is fixed once, while the table is still small, and for `= ANY(array)` that plan is a
    // sequential scan; kept until the next ANALYZE it scanned every row ever sent (7.6 ms a call, the
    // orders database's costliest statement in bench.saga). Planning it is ~0.1 ms, once per relay wave.
    if (!sent.empty()) {
      std::string sequences = "{";
      for (int64_t sequence : sent) sequences += (sequences.size() > 1 ? "," : "") + std::to_string(sequence);
      sequences += "}";
      transaction.pending().add({.sql = "UPDATE outbox SET sent_at = now() WHERE seq = ANY(" +
                                        transaction.quote(sequences) + "::bigint[])",
                                 .prepared = false});
    }
    transaction.commit();
    published = static_cast<int>(sent.size());
  } catch (const std::exception& exception) {
    // The rows published before the failure are re-sent later; the broker drops them as duplicates.
    return statusFromException(exception);
  }
  publishedCounter.inc(published);
  if (brokerDown) return unavailable("broker unreachable after " + std::to_string(published) +
                                     " published: " + brokerStatus.message());
  if (messageFailed && published == 0) return failedPrecondition("outbox rows were refused by the broker");
  return published;
}

std::vector<std::string> OutboxRelay::heldBackKeys() {
  // A key whose retry time passed long ago was not seen since (another replica published it, or its
  // rows were deleted): forget it.
  const auto now = std::chrono::steady_clock::now();
  std::erase_if(heldBack_, [&](const auto& entry) { return entry.second.retryAt + std::chrono::hours(1) < now; });
  std::vector<std::string> keys;
  for (const auto& [key, held] : heldBack_) {
    if (held.retryAt > now) keys.push_back(key);
  }
  return keys;
}

Result<int> OutboxRelay::deleteExpired() {
  return inTransaction<int>(pool_, [&](pqxx::work& transaction) -> Result<int> {
    // In bounded batches, so a long backlog of sent rows never becomes one huge delete.
    const auto result = transaction.exec_params(
        "DELETE FROM outbox WHERE seq IN ("
        "  SELECT seq FROM outbox WHERE sent_at IS NOT NULL"
        "    AND sent_at < now() - $1::bigint * interval '1 millisecond'"
        "  ORDER BY sent_at LIMIT $2)",
        static_cast<int64_t>(options_.retention.count()), options_.cleanupBatchSize);
    return static_cast<int>(result.affected_rows());
  });
}

Result<OutboxLag> OutboxRelay::lag() {
  auto result = inTransaction<OutboxLag>(pool_, [&](pqxx::work& transaction) -> Result<OutboxLag> {
    const auto rows = transaction.exec(
        "SELECT count(*), COALESCE(extract(epoch FROM now() - min(created_at)), 0)::float8"
        " FROM outbox WHERE sent_at IS NULL");
    return OutboxLag{rows[0][0].as<int64_t>(), std::max(0.0, rows[0][1].as<double>())};
  });
  if (result) {
    auto& metrics = OutboxMetrics::get();
    metrics.lag.labels({options_.name}).set(static_cast<double>(result->unsent));
    metrics.oldestAge.labels({options_.name}).set(result->oldestUnsentAgeSeconds);
  }
  return result;
}

void OutboxRelay::run() {
  auto lastCleanup = std::chrono::steady_clock::now();
  auto lastLag = std::chrono::steady_clock::time_point{};
  Status lastLogged;
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
    }
    auto result = relayOnce();
    std::chrono::milliseconds wait = options_.pollInterval;
    bool moreWaiting = false;
    if (result) {
      if (consecutiveFailures_.load() > 0) {
        log::info("outbox relay publishing again", {{"outbox", options_.name}});
        lastLogged = Status::ok();
      }
      consecutiveFailures_ = 0;
      moreWaiting = *result >= options_.batchSize;
    } else {
      const int failures = ++consecutiveFailures_;
      wait = options_.backoff.delayFor(failures, random01_());
      // The first failure and every change of cause are logged; a long outage is not a log flood.
      if (result.status().code() != lastLogged.code() || failures == 1) {
        log::warn("outbox relay cannot publish; retrying with backoff",
                  {{"outbox", options_.name}, {"error", result.status().toString()},
                   {"retry_in_ms", static_cast<int64_t>(wait.count())}});
        lastLogged = result.status();
      }
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - lastCleanup >= options_.cleanupInterval) {
      lastCleanup = now;
      if (auto deleted = deleteExpired(); !deleted) {
        log::warn("outbox cleanup failed", {{"outbox", options_.name}, {"error", deleted.status().toString()}});
      }
    }
    // The gauges follow the table about once a second, not once per pass.
    if (now - lastLag >= std::chrono::seconds(1)) {
      lastLag = now;
      (void)lag();  // a failure here already failed the pass above; the gauges keep their last value
    }
    if (moreWaiting) continue;
    std::unique_lock lock(mutex_);
    wakeUp_.wait_for(lock, wait, [&] { return stopping_ || (woken_ && consecutiveFailures_.load() == 0); });
    woken_ = false;
  }
  // One last pass for what the last moments committed (the saga step that just finished, the
  // cancellation just made), unless publishing is failing anyway: without it those events waited in
  // the table until this service started again or another replica's relay came by.
  if (consecutiveFailures_.load() == 0) {
    if (auto last = relayOnce(); !last) {
      log::warn("outbox relay's last pass failed; the rows wait for the next relay",
                {{"outbox", options_.name}, {"error", last.status().toString()}});
    }
  }
}

}  // namespace fleetdeck::db
