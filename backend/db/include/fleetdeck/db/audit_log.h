// The audit trail of admin changes (who, when, which trace, before/after), kept in the same
// transaction as the change so neither exists without the other.
//
// A service that keeps one adds this table in its own migrations:
//   CREATE TABLE audit_log (
//     id uuid PRIMARY KEY, resource text NOT NULL, resource_id text NOT NULL, action text NOT NULL,
//     actor text NOT NULL, trace_id text NOT NULL, occurred_at timestamptz NOT NULL DEFAULT now(),
//     before_json jsonb, after_json jsonb);
//   CREATE INDEX audit_log_resource_page_idx ON audit_log (resource_id, id);
//   CREATE INDEX audit_log_actor_page_idx ON audit_log (actor, id);
// (listAudit pages by id, newest first: on these a filtered page is an index range scan, no sort.)
#pragma once

#include <cstdint>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "fleetdeck/core/status.h"

namespace fleetdeck::db {

class ConnectionPool;

struct AuditRecord {
  std::string id;  // set by appendAudit
  std::string resource;
  std::string resourceId;
  std::string action;
  std::string actor;
  std::string traceId;
  std::string beforeJson;  // empty: did not exist
  std::string afterJson;   // empty: deleted
  int64_t occurredAtMicros = 0;
};

void appendAudit(pqxx::work& transaction, AuditRecord record);

struct AuditQuery {
  std::string resourceId;
  std::string actor;
  int pageSize = 50;  // clamped to [1, 200]
  std::string pageToken;
};

struct AuditPage {
  std::vector<AuditRecord> records;  // newest first
  std::string nextPageToken;
};

Result<AuditPage> listAudit(ConnectionPool& pool, const AuditQuery& query);

// The statement listAudit runs: $1 the page token's id or NULL, $2 resource_id or NULL, $3 actor or
// NULL, $4 the page size + 1. Public so that a test can check its plan on each service's schema.
extern const char* const kListAuditStatement;

}  // namespace fleetdeck::db
