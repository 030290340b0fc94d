// An append-only event store on PostgreSQL: streams of versioned events with optimistic
// concurrency, snapshots, and ordered reads for projections and replay.
//
// The tables live in the owning service's database; its migrations create them:
//   CREATE TABLE events (
//     global_position bigserial PRIMARY KEY,
//     event_id uuid NOT NULL UNIQUE,
//     stream_id text NOT NULL,
//     version bigint NOT NULL CHECK (version > 0),
//     event_type text NOT NULL,
//     payload jsonb NOT NULL,
//     actor text NOT NULL,
//     trace_id text NOT NULL DEFAULT '',
//     causation_id text NOT NULL DEFAULT '',
//     recorded_at timestamptz NOT NULL DEFAULT now(),
//     UNIQUE (stream_id, version));
//   CREATE TABLE snapshots (stream_id text PRIMARY KEY, version bigint NOT NULL, state jsonb NOT NULL,
//     taken_at timestamptz NOT NULL DEFAULT now());
// plus the trigger in kAppendOnlyTriggerSql, which makes UPDATE and DELETE of events fail.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "fleetdeck/core/status.h"

namespace fleetdeck::eventstore {

inline constexpr const char* kAppendOnlyTriggerSql = R"(
CREATE FUNCTION events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'events are append-only (% refused)', TG_OP;
END $$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION events_are_append_only();
)";

struct EventMetadata {
  std::string actor = "system";
  std::string traceId;
  // The event or command that caused this one.
  std::string causationId;
};

struct NewEvent {
  std::string eventId;  // empty: a new UUID is assigned
  std::string type;
  std::string payloadJson;
  EventMetadata metadata;
};

struct StoredEvent {
  int64_t globalPosition = 0;
  std::string eventId;
  std::string streamId;
  int64_t version = 0;
  std::string type;
  std::string payloadJson;
  EventMetadata metadata;
  int64_t recordedAtMicros = 0;
};

struct Snapshot {
  std::string streamId;
  int64_t version = 0;
  std::string stateJson;
};

// A stream's newest snapshot (if it has one) and the events after it, oldest first.
struct SnapshotWithTail {
  std::optional<Snapshot> snapshot;
  std::vector<StoredEvent> events;
};

class EventStore {
 public:
  // Appends `events` after `expectedVersion` (0 for a new stream) inside the caller's transaction;
  // returns the stream's new version. ABORTED when the stream is not at expectedVersion — someone
  // else appended first — so the caller re-reads and decides again (HTTP 409). `recordedAtMicros`,
  // when given, receives the events' recorded_at (they share it: the transaction's time).
  static Result<int64_t> append(pqxx::work& transaction, const std::string& streamId, int64_t expectedVersion,
                                std::vector<NewEvent> events, int64_t* recordedAtMicros = nullptr);

  // Events of one stream with fromVersion <= version <= toVersion, oldest first.
  static std::vector<StoredEvent> readStream(pqxx::transaction_base& transaction, const std::string& streamId,
                                             int64_t fromVersion = 1, int64_t toVersion = INT64_MAX);

  // The current version of a stream (0 when it has no events).
  static int64_t streamVersion(pqxx::transaction_base& transaction, const std::string& streamId);

  static void saveSnapshot(pqxx::work& transaction, const Snapshot& snapshot);
  // The newest snapshot at or below maxVersion.
  static std::optional<Snapshot> loadSnapshot(pqxx::transaction_base& transaction, const std::string& streamId,
                                              int64_t maxVersion = INT64_MAX);
  // The newest snapshot and the events after it (all events without one), in one round trip: what
  // rebuilding a stream's current state needs.
  static SnapshotWithTail loadLatest(pqxx::transaction_base& transaction, const std::string& streamId);

  static int64_t countAll(pqxx::transaction_base& transaction);
};

}  // namespace fleetdeck::eventstore
