#include "adapters/projection_rebuilder.h"

#include <libpq-fe.h>

#include <chrono>
#include <charconv>
#include <memory>
#include <thread>
#include <unordered_map>

#include "adapters/pg_order_store.h"
#include "domain/event_codec.h"
#include "domain/order.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/core/json.h"
#include "fleetdeck/core/log.h"

namespace fleetdeck::orders {
namespace {

int64_t nowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}


// One rebuild at a time across every orders replica (they share the orders_rebuild table): the
// rebuild's own connection holds this session lock for as long as it runs, and a report still
// RUNNING while nobody holds it belongs to a rebuild whose process died.
constexpr const char* kRebuildLock = "SELECT pg_try_advisory_lock(hashtext('fleetdeck.orders.projection_rebuild'))";
constexpr const char* kRebuildUnlock = "SELECT pg_advisory_unlock(hashtext('fleetdeck.orders.projection_rebuild'))";
// Whether a rebuild runs anywhere, asked on a pooled connection: a transaction-level lock goes with the
// transaction, where a session-level one left behind by a failed unlock stayed with the pooled
// connection and refused every rebuild on every replica until that connection closed.
constexpr const char* kRebuildProbe =
    "SELECT pg_try_advisory_xact_lock(hashtext('fleetdeck.orders.projection_rebuild'))";

Status execute(PGconn* connection, const std::string& sql) {
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(connection, sql.c_str()), &PQclear);
  const auto status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return internalError(std::string("rebuild: ") + PQerrorMessage(connection));
  }
  return Status::ok();
}

// COPY text format: '\t' separates columns; '\\', '\t', '\n' … arrive escaped.
std::string unescapeCopy(std::string_view field) {
  if (field.find('\\') == std::string_view::npos) return std::string(field);
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] != '\\' || i + 1 == field.size()) {
      out += field[i];
      continue;
    }
    const char next = field[++i];
    switch (next) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      default: out += next;
    }
  }
  return out;
}

void escapeCopyInto(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
}

int64_t toInt(std::string_view text) {
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// Splits one COPY line into its columns (views into `line`).
void splitColumns(std::string_view line, std::vector<std::string_view>& columns) {
  columns.clear();
  size_t start = 0;
  while (true) {
    const size_t tab = line.find('\t', start);
    columns.push_back(line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
    if (tab == std::string_view::npos) break;
    start = tab + 1;
  }
}

std::string rowFor(const Order& order) {
  std::string row;
  row.reserve(256);
  const auto column = [&row](std::string_view text, bool last = false) {
    escapeCopyInto(row, text);
    row += last ? '\n' : '\t';
  };
  column(order.id);
  column(order.userId);
  column(order.status);
  column(encodeLines(order.items));
  column(std::to_string(order.total.units));
  column(order.total.currency);
  column(order.sagaId);
  column(order.cancelReason);
  column(order.trackingNumber);
  column(std::to_string(order.version));
  column(std::to_string(order.createdAtMicros));
  column(std::to_string(order.updatedAtMicros), true);
  return row;
}

}  // namespace

ProjectionRebuilder::~ProjectionRebuilder() { shutdown(); }

void ProjectionRebuilder::shutdown() {
  std::lock_guard lock(mutex_);
  if (worker_.joinable()) worker_.join();
}

Status ProjectionRebuilder::save(const RebuildReport& report) {
  boost::json::array differences;
  for (const auto& difference : report.differences) {
    differences.push_back(boost::json::object{{"orderId", difference.orderId},
                                              {"field", difference.field},
                                              {"live", difference.live},
                                              {"rebuilt", difference.rebuilt}});
  }
  const Status status = db::inTransaction(pool_, [&](pqxx::work& transaction) {
    transaction.exec_params(
        "INSERT INTO projection_rebuilds (id, projection, state, processed_events, total_events, difference_count,"
        " differences, error, started_at_us, finished_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10)"
        " ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, processed_events = EXCLUDED.processed_events,"
        " total_events = EXCLUDED.total_events, difference_count = EXCLUDED.difference_count,"
        " differences = EXCLUDED.differences, error = EXCLUDED.error, finished_at_us = EXCLUDED.finished_at_us",
        report.id, report.projection, report.state, report.processedEvents, report.totalEvents,
        report.differenceCount, boost::json::serialize(differences), report.error, report.startedAtMicros,
        report.finishedAtMicros == 0 ? std::optional<int64_t>() : std::optional<int64_t>(report.finishedAtMicros));
    return Status::ok();
  });
  if (!status.isOk()) log::warn("could not record rebuild progress", {{"rebuild", report.id}, {"error", status.message()}});
  return status;
}

Status ProjectionRebuilder::saveFinal(const RebuildReport& report) {
  // The end is what the console waits for: a database blip gets a few more tries before it is lost
  // (a report left RUNNING with the lock free is then marked interrupted by the next get()).
  Status status = save(report);
  for (int attempt = 1; attempt < 4 && !status.isOk(); ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200 * attempt));
    status = save(report);
  }
  return status;
}

void ProjectionRebuilder::finish(const RebuildReport& finished, Session& session) {
  const Status saved = saveFinal(finished);
  // Unlocked explicitly, then closed: the server frees a session's locks only once its backend has
  // gone, which may be after PQfinish returns, and whoever hears the end may start the next rebuild at once.
  if (session) {
    // A rebuild that failed part-way may have left the session in a COPY or in an aborted
    // transaction, where the unlock itself fails ("another command is already in progress"): the lock
    // then outlived the FAILED news, and a start right after it was refused as "already running".
    if (PQtransactionStatus(session.get()) == PQTRANS_ACTIVE) {
      (void)PQputCopyEnd(session.get(), "the rebuild failed");
      while (PGresult* result = PQgetResult(session.get())) PQclear(result);
    }
    if (const PGTransactionStatusType state = PQtransactionStatus(session.get());
        state == PQTRANS_INERROR || state == PQTRANS_INTRANS) {
      std::unique_ptr<PGresult, decltype(&PQclear)> rolledBack(PQexec(session.get(), "ROLLBACK"), &PQclear);
    }
    std::unique_ptr<PGresult, decltype(&PQclear)> unlocked(PQexec(session.get(), kRebuildUnlock), &PQclear);
    if (PQresultStatus(unlocked.get()) != PGRES_TUPLES_OK) {
      log::warn("projection rebuild: unlock failed; the lock goes when the session closes",
                {{"error", PQerrorMessage(session.get())}});
    }
    session.reset();
  }
  running_ = false;
  // Only what is stored is announced, so a GetRebuild after the news never finds an older report.
  if (saved.isOk()) announce(finished);
}

Result<ProjectionRebuilder::Session> ProjectionRebuilder::openSession() {
  Session session(PQconnectdb(connectionString_.c_str()), &PQfinish);
  if (PQstatus(session.get()) != CONNECTION_OK) {
    return unavailable(std::string("cannot connect for the rebuild: ") + PQerrorMessage(session.get()));
  }
  std::unique_ptr<PGresult, decltype(&PQclear)> locked(PQexec(session.get(), kRebuildLock), &PQclear);
  if (PQresultStatus(locked.get()) != PGRES_TUPLES_OK) {
    return unavailable(std::string("cannot take the rebuild lock: ") + PQerrorMessage(session.get()));
  }
  if (std::string_view(PQgetvalue(locked.get(), 0, 0)) != "t") {
    return failedPrecondition("a rebuild of the orders projection is already running on another orders replica");
  }
  return session;
}

void ProjectionRebuilder::announce(const RebuildReport& report) {
  if (!observer_) return;
  try {
    observer_(report);
  } catch (const std::exception& exception) {
    // Telling others is a courtesy: GetRebuild still has the report, so the rebuild carries on.
    log::warn("could not announce rebuild progress", {{"rebuild", report.id}, {"error", exception.what()}});
  }
}

ProjectionRebuilder::Progress ProjectionRebuilder::savingProgress(Progress progress) {
  // Stored and announced as it goes, so GetRebuild and the admin stream (the console's progress bar)
  // see it move, at most every kProgressInterval whatever the store's size; the caller's own
  // callback gets every report.
  auto lastSaved = std::make_shared<std::chrono::steady_clock::time_point>();
  return [this, progress = std::move(progress), lastSaved](const RebuildReport& report) {
    if (progress) progress(report);
    const auto now = std::chrono::steady_clock::now();
    if (report.state != "RUNNING" || now - *lastSaved < kProgressInterval) return;
    *lastSaved = now;
    if (save(report).isOk()) announce(report);
  };
}

Result<RebuildReport> ProjectionRebuilder::start(const std::string& projection, Progress progress) {
  if (projection != "orders") return invalidField("name", "unknown projection '" + projection + "' (only: orders)");
  std::lock_guard lock(mutex_);
  if (running_.exchange(true)) return failedPrecondition("a rebuild of the orders projection is already running");
  if (worker_.joinable()) worker_.join();
  auto session = openSession();
  if (!session) {
    running_ = false;
    return session.status();
  }
  RebuildReport report;
  report.id = newUuid();
  report.state = "RUNNING";
  report.startedAtMicros = nowMicros();
  (void)save(report);  // logged; the rebuild still runs and stores its next report
  worker_ = std::thread([this, report, progress = savingProgress(std::move(progress)),
                         connection = std::make_shared<Session>(std::move(*session))]() mutable {
    const RebuildReport finished = runGuarded(report, progress, connection->get());
    finish(finished, *connection);
  });
  return report;
}

Result<RebuildReport> ProjectionRebuilder::runNow(Progress progress) {
  if (running_.exchange(true)) return failedPrecondition("a rebuild of the orders projection is already running");
  auto session = openSession();
  if (!session) {
    running_ = false;
    return session.status();
  }
  RebuildReport report;
  report.id = newUuid();
  report.state = "RUNNING";
  report.startedAtMicros = nowMicros();
  (void)save(report);
  RebuildReport finished = runGuarded(report, savingProgress(std::move(progress)), session->get());
  finish(finished, *session);
  return finished;
}

Result<RebuildReport> ProjectionRebuilder::get(const std::string& id) {
  if (!isUuid(id)) return invalidField("id", "must be a rebuild id (UUID)");
  bool interruptedNow = false;
  auto found = db::inTransaction<RebuildReport>(pool_, [&](pqxx::work& transaction) -> Result<RebuildReport> {
    interruptedNow = false;  // a retried transaction starts over
    const auto rows = transaction.exec_params(
        "SELECT projection, state, processed_events, total_events, difference_count, differences::text, error,"
        " started_at_us, COALESCE(finished_at_us, 0) FROM projection_rebuilds WHERE id = $1",
        id);
    if (rows.empty()) return notFound("rebuild " + id + " does not exist");
    RebuildReport report;
    report.id = id;
    report.projection = rows[0][0].as<std::string>();
    report.state = rows[0][1].as<std::string>();
    report.processedEvents = rows[0][2].as<int64_t>();
    report.totalEvents = rows[0][3].as<int64_t>();
    report.differenceCount = rows[0][4].as<int64_t>();
    if (auto parsed = json::parse(rows[0][5].as<std::string>()); parsed && parsed->is_array()) {
      for (const auto& item : parsed->as_array()) {
        const auto& object = item.as_object();
        report.differences.push_back({json::stringOr(object, "orderId"), json::stringOr(object, "field"),
                                      json::stringOr(object, "live"), json::stringOr(object, "rebuilt")});
      }
    }
    report.error = rows[0][6].as<std::string>();
    report.startedAtMicros = rows[0][7].as<int64_t>();
    report.finishedAtMicros = rows[0][8].as<int64_t>();
    if (report.state == "RUNNING" && !running_.load()) {
      // Running somewhere holds the lock; a free lock means the process that ran it died.
      if (transaction.exec(std::string(kRebuildProbe))[0][0].as<bool>()) {
        report.state = "FAILED";
        report.error = "interrupted: the orders process running it stopped; start a new rebuild";
        report.finishedAtMicros = nowMicros();
        interruptedNow =
            transaction
                .exec_params("UPDATE projection_rebuilds SET state = $2, error = $3, finished_at_us = $4"
                             " WHERE id = $1 AND state = 'RUNNING'",
                             id, report.state, report.error, report.finishedAtMicros)
                .affected_rows() == 1;
      }
    }
    return report;
  });
  // Its final report, as for a rebuild that ends here: those following it on the stream stop waiting.
  // Only by the reader that stored it (another replica's concurrent read changes no row).
  if (found && interruptedNow) announce(*found);
  return found;
}

RebuildReport ProjectionRebuilder::runGuarded(const RebuildReport& report, const Progress& progress, PGconn* pg) {
  try {
    return run(report, progress, pg);
  } catch (const std::exception& exception) {
    RebuildReport failed = report;
    failed.state = "FAILED";
    failed.error = std::string("stopped: ") + exception.what();
    failed.finishedAtMicros = nowMicros();
    log::error("projection rebuild failed", {{"rebuild", failed.id}, {"error", failed.error}});
    return failed;
  }
}

RebuildReport ProjectionRebuilder::run(RebuildReport report, const Progress& progress, PGconn* pg) {
  const auto fail = [&report](const std::string& message) {
    report.state = "FAILED";
    report.error = message;
    report.finishedAtMicros = nowMicros();
    log::error("projection rebuild failed", {{"rebuild", report.id}, {"error", message}});
    return report;
  };
  // A consistent view: the events and the live read model as of one moment.
  if (auto status = execute(pg, "BEGIN ISOLATION LEVEL REPEATABLE READ"); !status.isOk()) return fail(status.message());
  {
    std::unique_ptr<PGresult, decltype(&PQclear)> count(PQexec(pg, "SELECT count(*) FROM events"), &PQclear);
    if (PQresultStatus(count.get()) != PGRES_TUPLES_OK) return fail(PQerrorMessage(pg));
    report.totalEvents = toInt(PQgetvalue(count.get(), 0, 0));
  }
  if (progress) progress(report);

  // 1. Fold every event, in global order, into per-order state.
  std::unordered_map<std::string, Order> orders;
  orders.reserve(static_cast<size_t>(report.totalEvents / 3 + 16));
  if (PQresultStatus(std::unique_ptr<PGresult, decltype(&PQclear)>(
                         PQexec(pg,
                                "COPY (SELECT stream_id, event_type, payload,"
                                " (extract(epoch FROM recorded_at) * 1000000)::bigint"
                                " FROM events ORDER BY global_position) TO STDOUT"),
                         &PQclear)
                         .get()) != PGRES_COPY_OUT) {
    return fail(PQerrorMessage(pg));
  }
  std::vector<std::string_view> columns;
  // A progress report every ~2% of the events (the callback throttles what it stores).
  const int64_t progressEvery = std::max<int64_t>(1000, report.totalEvents / 50);
  int64_t nextProgress = progressEvery;
  while (true) {
    char* buffer = nullptr;
    const int length = PQgetCopyData(pg, &buffer, 0);
    if (length < 0) break;
    std::unique_ptr<char, decltype(&PQfreemem)> line(buffer, &PQfreemem);
    std::string_view text(buffer, static_cast<size_t>(length));
    if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    splitColumns(text, columns);
    if (columns.size() != 4) return fail("unexpected COPY row with " + std::to_string(columns.size()) + " columns");
    auto event = decodeEvent(columns[1], unescapeCopy(columns[2]));
    if (!event) return fail("event of " + std::string(columns[0]) + ": " + event.status().message());
    apply(orders[std::string(columns[0])], *event, toInt(columns[3]));
    if (++report.processedEvents >= nextProgress) {
      nextProgress += progressEvery;
      if (progress) progress(report);
    }
  }
  std::unique_ptr<PGresult, decltype(&PQclear)> copyDone(PQgetResult(pg), &PQclear);
  if (PQresultStatus(copyDone.get()) != PGRES_COMMAND_OK) return fail(PQerrorMessage(pg));
  while (PGresult* extra = PQgetResult(pg)) PQclear(extra);

  // 2. Write them into a fresh table shaped like the live one.
  for (const char* sql : {"DROP TABLE IF EXISTS orders_rebuild",
                          "CREATE UNLOGGED TABLE orders_rebuild (LIKE orders INCLUDING DEFAULTS)"}) {
    if (auto status = execute(pg, sql); !status.isOk()) return fail(status.message());
  }
  {
    std::unique_ptr<PGresult, decltype(&PQclear)> start(
        PQexec(pg,
               "COPY orders_rebuild (id, user_id, status, items, total_units, currency, saga_id, cancel_reason,"
               " tracking_number, version, created_at_us, updated_at_us) FROM STDIN"),
        &PQclear);
    if (PQresultStatus(start.get()) != PGRES_COPY_IN) return fail(PQerrorMessage(pg));
  }
  std::string chunk;
  chunk.reserve(1 << 20);
  for (const auto& [id, order] : orders) {
    chunk += rowFor(order);
    if (chunk.size() > (1 << 20) - 4096) {
      if (PQputCopyData(pg, chunk.data(), static_cast<int>(chunk.size())) != 1) return fail(PQerrorMessage(pg));
      chunk.clear();
    }
  }
  if (!chunk.empty() && PQputCopyData(pg, chunk.data(), static_cast<int>(chunk.size())) != 1) {
    return fail(PQerrorMessage(pg));
  }
  if (PQputCopyEnd(pg, nullptr) != 1) return fail(PQerrorMessage(pg));
  {
    std::unique_ptr<PGresult, decltype(&PQclear)> done(PQgetResult(pg), &PQclear);
    if (PQresultStatus(done.get()) != PGRES_COMMAND_OK) return fail(PQerrorMessage(pg));
  }
  while (PGresult* extra = PQgetResult(pg)) PQclear(extra);

  // 3. Compare with the live read model, column by column, in the database.
  std::unique_ptr<PGresult, decltype(&PQclear)> diff(
      PQexec(pg,
             "SELECT COALESCE(l.id, r.id)::text, d.field, COALESCE(d.live, '(missing)'), COALESCE(d.rebuilt, '(missing)')"
             " FROM orders l FULL OUTER JOIN orders_rebuild r ON l.id = r.id"
             " CROSS JOIN LATERAL (VALUES"
             "  ('row', CASE WHEN l.id IS NULL THEN NULL ELSE 'present' END, CASE WHEN r.id IS NULL THEN NULL ELSE 'present' END),"
             "  ('userId', l.user_id::text, r.user_id::text), ('status', l.status, r.status),"
             "  ('items', l.items::text, r.items::text), ('totalUnits', l.total_units::text, r.total_units::text),"
             "  ('currency', l.currency, r.currency), ('sagaId', l.saga_id::text, r.saga_id::text),"
             "  ('cancelReason', l.cancel_reason, r.cancel_reason),"
             "  ('trackingNumber', l.tracking_number, r.tracking_number), ('version', l.version::text, r.version::text),"
             "  ('createdAtUs', l.created_at_us::text, r.created_at_us::text),"
             "  ('updatedAtUs', l.updated_at_us::text, r.updated_at_us::text)) AS d(field, live, rebuilt)"
             " WHERE (l.id IS NULL OR r.id IS NULL) = (d.field = 'row') AND d.live IS DISTINCT FROM d.rebuilt"
             " ORDER BY 1, 2"),
      &PQclear);
  if (PQresultStatus(diff.get()) != PGRES_TUPLES_OK) return fail(PQerrorMessage(pg));
  report.differenceCount = PQntuples(diff.get());
  for (int row = 0; row < PQntuples(diff.get()) && report.differences.size() < kMaxReportedDifferences; ++row) {
    report.differences.push_back({PQgetvalue(diff.get(), row, 0), PQgetvalue(diff.get(), row, 1),
                                  PQgetvalue(diff.get(), row, 2), PQgetvalue(diff.get(), row, 3)});
  }
  if (auto status = execute(pg, "COMMIT"); !status.isOk()) return fail(status.message());
  report.state = "DONE";
  report.finishedAtMicros = nowMicros();
  if (progress) progress(report);
  log::info("projection rebuilt", {{"rebuild", report.id},
                                   {"events", report.processedEvents},
                                   {"orders", static_cast<int64_t>(orders.size())},
                                   {"differences", report.differenceCount}});
  return report;
}

}  // namespace fleetdeck::orders
