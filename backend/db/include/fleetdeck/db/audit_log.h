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

#include <pqxx/pqxx>

#include "fleetdeck/core/status.h"
#include "fleetdeck/db/audit_record.h"

namespace fleetdeck::db {

class ConnectionPool;

void appendAudit(pqxx::work& transaction, AuditRecord record);

Result<AuditPage> listAudit(ConnectionPool& pool, const AuditQuery& query);

// The statement listAudit runs: $1 the page token's id or NULL, $2 resource_id or NULL, $3 actor or
// NULL, $4 the page size + 1. Public so that a test can check its plan on each service's schema.
extern const char* const kListAuditStatement;

}  // namespace fleetdeck::db
