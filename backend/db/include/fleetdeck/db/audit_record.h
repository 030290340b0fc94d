// The audit trail's record, query and page, without the database: what ports and domain code that
// list or carry audit entries need (fleetdeck/db/audit_log.h writes and reads them).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fleetdeck::db {

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

}  // namespace fleetdeck::db
