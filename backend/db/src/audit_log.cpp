#include "fleetdeck/db/audit_log.h"

#include <algorithm>

#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/db/connection_pool.h"

namespace fleetdeck::db {
namespace {

std::optional<std::string> nullIfEmpty(const std::string& text) {
  return text.empty() ? std::nullopt : std::optional<std::string>(text);
}

}  // namespace

const char* const kListAuditStatement =
    "SELECT id::text, resource, resource_id, action, actor, trace_id,"
    " COALESCE(before_json::text, ''), COALESCE(after_json::text, ''),"
    " (extract(epoch FROM occurred_at) * 1000000)::bigint"
    " FROM audit_log"
    " WHERE ($1::uuid IS NULL OR id < $1::uuid)"
    "   AND ($2::text IS NULL OR resource_id = $2)"
    "   AND ($3::text IS NULL OR actor = $3)"
    " ORDER BY audit_log.id DESC LIMIT $4";  // the column: plain 'id' is the id::text output, sorted as text

void appendAudit(pqxx::work& transaction, AuditRecord record) {
  if (record.id.empty()) record.id = newUuid();
  transaction.exec_params(
      "INSERT INTO audit_log (id, resource, resource_id, action, actor, trace_id, before_json, after_json)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb)",
      record.id, record.resource, record.resourceId, record.action, record.actor, record.traceId,
      nullIfEmpty(record.beforeJson), nullIfEmpty(record.afterJson));
}

Result<AuditPage> listAudit(ConnectionPool& pool, const AuditQuery& query) {
  const int pageSize = query.pageSize <= 0 ? 50 : std::min(query.pageSize, 200);
  // Newest first; ids are time-ordered UUIDs, so the token is the last id seen.
  std::optional<std::string> before;
  if (!query.pageToken.empty()) {
    auto decoded = base64UrlDecode(query.pageToken);
    if (!decoded || !decoded->starts_with("a1:") || !isUuid(decoded->substr(3))) {
      return invalidField("pageToken", "is not a token returned by a previous list call");
    }
    before = decoded->substr(3);
  }
  return inTransaction<AuditPage>(pool, [&](pqxx::work& transaction) -> Result<AuditPage> {
    const auto rows = transaction.exec_params(
        kListAuditStatement,
        before, nullIfEmpty(query.resourceId), nullIfEmpty(query.actor), pageSize + 1);
    AuditPage page;
    for (const auto& row : rows) {
      if (static_cast<int>(page.records.size()) == pageSize) {
        page.nextPageToken = base64UrlEncode("a1:" + page.records.back().id);
        break;
      }
      page.records.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                              row[3].as<std::string>(), row[4].as<std::string>(), row[5].as<std::string>(),
                              row[6].as<std::string>(), row[7].as<std::string>(), row[8].as<int64_t>()});
    }
    return page;
  });
}

}  // namespace fleetdeck::db
