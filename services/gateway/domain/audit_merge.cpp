#include "domain/audit_merge.h"

#include <boost/json.hpp>

#include <algorithm>

#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/ids.h"

namespace fleetdeck::gateway {
namespace {

constexpr int kSourceMaxPageSize = 200;
// 2 since payments joined the sources (a source a token does not name is listed to its end).
constexpr int64_t kTokenVersion = 2;

Status malformedToken() { return invalidField("pageToken", "is not a token returned by a previous list call"); }

// payments' kAuditFaultsResourceId (services/payments/ports/payment_store.h): its fault settings.
constexpr std::string_view kFaultsSource = "payments";
constexpr std::string_view kFaultsResourceId = "faults";

}  // namespace

Result<std::vector<std::string>> auditSourcesFor(std::string_view resourceId, const std::vector<std::string>& sources) {
  if (resourceId.empty() || isUuid(resourceId)) return sources;
  if (resourceId == kFaultsResourceId && std::find(sources.begin(), sources.end(), kFaultsSource) != sources.end()) {
    return std::vector<std::string>{std::string(kFaultsSource)};
  }
  return invalidField("resourceId",
                      "must be the id (UUID) of an account, product, order or wallet, or \"faults\" for payments' "
                      "fault settings");
}

Result<AuditPosition> decodeAuditToken(std::string_view token, const std::vector<std::string>& sources) {
  AuditPosition position;
  if (token.empty()) {
    for (const auto& source : sources) position[source] = {};
    return position;
  }
  const auto decoded = base64UrlDecode(token);
  if (!decoded) return malformedToken();
  boost::system::error_code error;
  const boost::json::value parsed = boost::json::parse(*decoded, error);
  if (error || !parsed.is_object()) return malformedToken();
  const auto& root = parsed.as_object();
  const auto* version = root.if_contains("v");
  const auto* cursors = root.if_contains("s");
  if (root.size() != 2 || version == nullptr || !version->is_int64() ||
      (version->as_int64() != kTokenVersion && version->as_int64() != 1) || cursors == nullptr ||
      !cursors->is_object()) {
    return malformedToken();
  }
  // Version 1 tokens were written both before payments was a source and after: a source they do
  // not name may be listed to its end or never started. Guessing either would skip or repeat its
  // entries, so such a token is refused, with a way on.
  if (version->as_int64() == 1) {
    for (const auto& source : sources) {
      if (!cursors->as_object().contains(source)) {
        return invalidField("pageToken", "was issued by an earlier gateway version that did not list the " + source +
                                             " trail; list again from the first page (without pageToken)");
      }
    }
  }
  for (const auto& [name, value] : cursors->as_object()) {
    if (std::find(sources.begin(), sources.end(), std::string_view(name)) == sources.end()) return malformedToken();
    if (!value.is_object()) return malformedToken();
    const auto* sourceToken = value.as_object().if_contains("t");
    const auto* lastId = value.as_object().if_contains("l");
    if (value.as_object().size() != 2 || sourceToken == nullptr || !sourceToken->is_string() || lastId == nullptr ||
        !lastId->is_string()) {
      return malformedToken();
    }
    // Checked here, not only by the source: a cursor that names no entry would skip nothing or all.
    if (!lastId->as_string().empty() && !isUuid(lastId->as_string())) return malformedToken();
    position[std::string(name)] = {std::string(sourceToken->as_string()), std::string(lastId->as_string())};
  }
  return position;
}

std::string encodeAuditToken(const AuditPosition& position) {
  boost::json::object cursors;
  for (const auto& [name, cursor] : position) cursors[name] = boost::json::object{{"t", cursor.token}, {"l", cursor.lastId}};
  return base64UrlEncode(boost::json::serialize(boost::json::object{{"v", kTokenVersion}, {"s", std::move(cursors)}}));
}

int auditSourcePageSize(const AuditCursor& cursor, int pageSize) {
  return cursor.lastId.empty() ? pageSize : kSourceMaxPageSize;
}

MergedAudit mergeAudit(const AuditPosition& from, const std::map<std::string, common::v1::ListAuditResponse>& pages,
                       int pageSize) {
  struct Source {
    std::string name;
    AuditCursor cursor;
    std::vector<const common::v1::AuditEntry*> candidates;
    std::string nextPageToken;
    size_t taken = 0;
  };
  std::vector<Source> sources;
  for (const auto& [name, cursor] : from) {
    Source source{name, cursor, {}, {}, 0};
    if (auto page = pages.find(name); page != pages.end()) {
      source.nextPageToken = page->second.next_page_token();
      for (const auto& entry : page->second.entries()) {
        // Listed already: the page is read again from its start, and entries added since its first
        // reading (a first page) come before the cursor too.
        if (!cursor.lastId.empty() && entry.id() >= cursor.lastId) continue;
        source.candidates.push_back(&entry);
      }
    }
    sources.push_back(std::move(source));
  }
  MergedAudit merged;
  while (static_cast<int>(merged.entries.size()) < pageSize) {
    Source* newest = nullptr;
    bool blocked = false;
    for (auto& source : sources) {
      if (source.taken == source.candidates.size()) {
        // This source may still hold an entry newer than every other candidate.
        if (!source.nextPageToken.empty()) blocked = true;
        continue;
      }
      if (newest == nullptr || source.candidates[source.taken]->id() > newest->candidates[newest->taken]->id()) {
        newest = &source;
      }
    }
    if (blocked || newest == nullptr) break;
    merged.entries.push_back(*newest->candidates[newest->taken++]);
  }
  AuditPosition next;
  for (const auto& source : sources) {
    if (source.taken < source.candidates.size()) {
      next[source.name] = {source.cursor.token,
                           source.taken > 0 ? source.candidates[source.taken - 1]->id() : source.cursor.lastId};
    } else if (!source.nextPageToken.empty()) {
      next[source.name] = {source.nextPageToken, ""};
    }
  }
  if (!next.empty()) merged.nextPageToken = encodeAuditToken(next);
  return merged;
}

}  // namespace fleetdeck::gateway
