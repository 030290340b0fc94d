#include "fleetdeck/eventstore/event_store.h"

#include "fleetdeck/core/ids.h"
#include "fleetdeck/db/connection_pool.h"

namespace fleetdeck::eventstore {
namespace {

constexpr const char* kEventColumns =
    "global_position, event_id::text, stream_id, version, event_type, payload::text, actor, trace_id, causation_id,"
    " (extract(epoch FROM recorded_at) * 1000000)::bigint";

StoredEvent fromRow(const pqxx::row& row) {
  StoredEvent event;
  event.globalPosition = row[0].as<int64_t>();
  event.eventId = row[1].as<std::string>();
  event.streamId = row[2].as<std::string>();
  event.version = row[3].as<int64_t>();
  event.type = row[4].as<std::string>();
  event.payloadJson = row[5].as<std::string>();
  event.metadata.actor = row[6].as<std::string>();
  event.metadata.traceId = row[7].as<std::string>();
  event.metadata.causationId = row[8].as<std::string>();
  event.recordedAtMicros = row[9].as<int64_t>();
  return event;
}

}  // namespace

Result<int64_t> EventStore::append(pqxx::work& transaction, const std::string& streamId, int64_t expectedVersion,
                                   std::vector<NewEvent> events, int64_t* recordedAtMicros) {
  if (events.empty()) return expectedVersion;
  for (NewEvent& event : events) {
    if (event.eventId.empty()) event.eventId = newUuid();
  }
  // One statement, one round trip however many events: the rows are inserted only when the stream
  // is at expectedVersion (checked in the same statement, so the common conflict is a clear
  // ABORTED), and the unique (stream_id, version) constraint still catches the race where two
  // appenders pass the check together. It returns the rows' recorded_at (the transaction's time).
  const auto insert = [&]() -> pqxx::result {
    if (events.size() == 1) {
      // The common case (one event per command), as a prepared statement: parsing and planning the
      // literal form below on every append was a large share of the statement's cost.
      const NewEvent& event = events.front();
      return db::execPrepared(transaction,
          "INSERT INTO events (event_id, stream_id, version, event_type, payload, actor, trace_id, causation_id)"
          " SELECT $1::uuid, $2::text, $3::bigint + 1, $4::text, $5::jsonb, $6::text, $7::text, $8::text"
          " WHERE (SELECT COALESCE(max(version), 0) FROM events WHERE stream_id = $2::text) = $3::bigint"
          " RETURNING (extract(epoch FROM recorded_at) * 1000000)::bigint",
          event.eventId, streamId, expectedVersion, event.type, event.payloadJson, event.metadata.actor,
          event.metadata.traceId, event.metadata.causationId);
    }
    std::string sql =
        "INSERT INTO events (event_id, stream_id, version, event_type, payload, actor, trace_id, causation_id)"
        " SELECT * FROM (VALUES ";
    const std::string stream = transaction.quote(streamId);
    for (size_t i = 0; i < events.size(); ++i) {
      const NewEvent& event = events[i];
      if (i > 0) sql += ", ";
      sql += "(" + transaction.quote(event.eventId) + "::uuid, " + stream + "::text, " +
             std::to_string(expectedVersion + static_cast<int64_t>(i) + 1) + "::bigint, " +
             transaction.quote(event.type) + "::text, " + transaction.quote(event.payloadJson) + "::jsonb, " +
             transaction.quote(event.metadata.actor) + "::text, " + transaction.quote(event.metadata.traceId) +
             "::text, " + transaction.quote(event.metadata.causationId) + "::text)";
    }
    sql += ") AS appended WHERE (SELECT COALESCE(max(version), 0) FROM events WHERE stream_id = " + stream +
           ") = " + std::to_string(expectedVersion) +
           " RETURNING (extract(epoch FROM recorded_at) * 1000000)::bigint";
    return transaction.exec(sql);
  };
  pqxx::result rows;
  try {
    rows = insert();
  } catch (const pqxx::unique_violation& violation) {
    // Another append won the race after our check; the transaction is now aborted.
    return aborted("stream " + streamId + " was appended to concurrently; re-read and retry");
  }
  if (rows.empty()) {
    const int64_t current = streamVersion(transaction, streamId);
    return aborted("stream " + streamId + " is at version " + std::to_string(current) + ", not " +
                   std::to_string(expectedVersion) + ": it changed since it was read");
  }
  if (recordedAtMicros != nullptr) *recordedAtMicros = rows[0][0].as<int64_t>();
  return expectedVersion + static_cast<int64_t>(events.size());
}

std::vector<StoredEvent> EventStore::readStream(pqxx::transaction_base& transaction, const std::string& streamId,
                                                int64_t fromVersion, int64_t toVersion) {
  const auto rows = db::execPrepared(transaction,
                                     std::string("SELECT ") + kEventColumns +
                                         " FROM events WHERE stream_id = $1 AND version BETWEEN $2 AND $3"
                                         " ORDER BY version",
                                     streamId, fromVersion, toVersion);
  std::vector<StoredEvent> events;
  events.reserve(rows.size());
  for (const auto& row : rows) events.push_back(fromRow(row));
  return events;
}

int64_t EventStore::streamVersion(pqxx::transaction_base& transaction, const std::string& streamId) {
  const auto rows =
      transaction.exec_params("SELECT COALESCE(max(version), 0) FROM events WHERE stream_id = $1", streamId);
  return rows[0][0].as<int64_t>();
}

void EventStore::saveSnapshot(pqxx::work& transaction, const Snapshot& snapshot) {
  transaction.exec_params(
      "INSERT INTO snapshots (stream_id, version, state) VALUES ($1, $2, $3::jsonb)"
      " ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version, state = EXCLUDED.state, taken_at = now()"
      " WHERE snapshots.version < EXCLUDED.version",
      snapshot.streamId, snapshot.version, snapshot.stateJson);
}

std::optional<Snapshot> EventStore::loadSnapshot(pqxx::transaction_base& transaction, const std::string& streamId,
                                                 int64_t maxVersion) {
  const auto rows = db::execPrepared(
      transaction, "SELECT version, state::text FROM snapshots WHERE stream_id = $1 AND version <= $2", streamId,
      maxVersion);
  if (rows.empty()) return std::nullopt;
  return Snapshot{streamId, rows[0][0].as<int64_t>(), rows[0][1].as<std::string>()};
}

SnapshotWithTail EventStore::loadLatest(pqxx::transaction_base& transaction, const std::string& streamId) {
  // One row per event after the snapshot, each carrying the snapshot's columns (a stream has at most
  // one snapshot row), or a single row of NULL event columns when no event follows it.
  static const std::string sql = [] {
    std::string columns;
    for (std::string_view column : {"e.global_position", "e.event_id::text", "e.stream_id", "e.version",
                                    "e.event_type", "e.payload::text", "e.actor", "e.trace_id", "e.causation_id",
                                    "(extract(epoch FROM e.recorded_at) * 1000000)::bigint"}) {
      columns.append(", ").append(column);
    }
    return "SELECT s.version, s.state::text" + columns +
           " FROM (SELECT 1) AS one"
           " LEFT JOIN snapshots s ON s.stream_id = $1"
           " LEFT JOIN events e ON e.stream_id = $1 AND e.version > COALESCE(s.version, 0)"
           " ORDER BY e.version";
  }();
  const auto rows = db::execPrepared(transaction, sql, streamId);
  SnapshotWithTail loaded;
  if (!rows.empty() && !rows[0][0].is_null()) {
    loaded.snapshot = Snapshot{streamId, rows[0][0].as<int64_t>(), rows[0][1].as<std::string>()};
  }
  loaded.events.reserve(rows.size());
  for (const auto& row : rows) {
    if (row[2].is_null()) continue;
    loaded.events.push_back(fromRow(row.slice(2, row.size())));
  }
  return loaded;
}

int64_t EventStore::countAll(pqxx::transaction_base& transaction) {
  return transaction.exec("SELECT count(*) FROM events")[0][0].as<int64_t>();
}

}  // namespace fleetdeck::eventstore
