// The ListAudit answer of a service whose audit log keeps before/after rows (users, products, payments).
#pragma once

#include <google/protobuf/util/time_util.h>

#include <string>

#include "fleetdeck/common/v1/common.pb.h"

namespace fleetdeck::rpc {

// Appends `records` (db::AuditRecord or any type with its fields) to `response`, then the token of
// the next page. A template, not a function over db::AuditRecord, so rpc stays free of db.
template <class Records>
void fillAuditResponse(const Records& records, const std::string& nextPageToken,
                       common::v1::ListAuditResponse& response) {
  for (const auto& record : records) {
    auto* entry = response.add_entries();
    entry->set_id(record.id);
    entry->set_resource(record.resource);
    entry->set_resource_id(record.resourceId);
    entry->set_action(record.action);
    entry->set_actor(record.actor);
    entry->set_trace_id(record.traceId);
    *entry->mutable_time() = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(record.occurredAtMicros);
    entry->set_before_json(record.beforeJson);
    entry->set_after_json(record.afterJson);
  }
  response.set_next_page_token(nextPageToken);
}

}  // namespace fleetdeck::rpc
