// GET /api/v1/admin/audit without `resource`: the users, products, orders and payments trails merged newest first, with the composite page token that resumes the merged listing.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "fleetdeck/common/v1/common.pb.h"
#include "fleetdeck/core/status.h"

namespace fleetdeck::gateway {

// Where one source's part of the merged listing resumes: its own page token (empty: its first page)
// and the id of the last entry already listed from that page (empty: none yet). Each source lists
// newest first by id (time-ordered UUIDs), so what is still to come there has a smaller id.
struct AuditCursor {
  std::string token;
  std::string lastId;
};
// Sources still to read; a source that is absent has been listed to its end.
using AuditPosition = std::map<std::string, AuditCursor>;

// The sources a merged listing asks for `resourceId`: every one for none or an id (a UUID: the trails
// share no id space a gateway could tell apart); payments alone for "faults", the resource id of its
// fault settings, which no other trail holds (each refused it in words of its own, and the first
// refusal to arrive was the answer). Anything else is INVALID_ARGUMENT naming resourceId.
Result<std::vector<std::string>> auditSourcesFor(std::string_view resourceId, const std::vector<std::string>& sources);

// An empty token: every source from its top. Otherwise INVALID_ARGUMENT naming pageToken unless it
// is one encodeAuditToken made for these sources (a version 1 token, from before payments joined,
// only when it names every source: otherwise what it means for the others is unknown).
Result<AuditPosition> decodeAuditToken(std::string_view token, const std::vector<std::string>& sources);
std::string encodeAuditToken(const AuditPosition& position);

// The page size to ask a source for: a page that resumes inside a source page is read again from
// that page's start, so it may hold up to the sources' maximum (200) entries already listed.
int auditSourcePageSize(const AuditCursor& cursor, int pageSize);

struct MergedAudit {
  std::vector<common::v1::AuditEntry> entries;
  std::string nextPageToken;  // empty: the end
};

// Merges the pages read at `from` (one per source of `from`, each read with that source's cursor
// token) into at most `pageSize` entries, newest (largest id) first. It stops early rather than
// guess when a source's page ran out before its end: the token then resumes there.
MergedAudit mergeAudit(const AuditPosition& from, const std::map<std::string, common::v1::ListAuditResponse>& pages,
                       int pageSize);

}  // namespace fleetdeck::gateway
