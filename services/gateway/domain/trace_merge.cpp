#include "domain/trace_merge.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <map>
#include <optional>
#include <set>

namespace fleetdeck::gateway {
namespace {

namespace bj = boost::json;

uint64_t nanos(const bj::object& object, const char* field) {
  const auto* value = object.if_contains(field);
  if (value == nullptr || !value->is_string()) return 0;
  const auto& text = value->get_string();
  uint64_t parsed = 0;
  std::from_chars(text.data(), text.data() + text.size(), parsed);
  return parsed;
}

std::optional<bj::object> parseObject(const std::string& document) {
  boost::system::error_code error;
  bj::value parsed = bj::parse(document, error);
  if (error || !parsed.is_object()) return std::nullopt;
  return std::move(parsed.as_object());
}

}  // namespace

MergedTraces mergeTraceDocuments(const std::string& traceId, const std::vector<std::string>& documents,
                                 size_t unreachableReplicas) {
  MergedTraces result;
  std::map<std::string, bj::object> spansById;
  for (const auto& document : documents) {
    auto trace = parseObject(document);
    const auto* id = trace ? trace->if_contains("traceId") : nullptr;
    const auto* spans = trace ? trace->if_contains("spans") : nullptr;
    if (id == nullptr || !id->is_string() || id->get_string() != traceId || spans == nullptr || !spans->is_array()) {
      ++result.unreadableParts;
      continue;
    }
    for (auto& span : spans->get_array()) {
      if (!span.is_object()) continue;
      const auto* spanId = span.as_object().if_contains("spanId");
      if (spanId == nullptr || !spanId->is_string()) continue;
      // The same span twice (exported again after a timeout) is kept once.
      spansById.try_emplace(std::string(spanId->get_string()), std::move(span.as_object()));
    }
  }
  std::vector<bj::object*> ordered;
  for (auto& [id, span] : spansById) ordered.push_back(&span);
  std::stable_sort(ordered.begin(), ordered.end(), [](const bj::object* a, const bj::object* b) {
    return nanos(*a, "startTimeUnixNano") < nanos(*b, "startTimeUnixNano");
  });
  bj::array spans;
  for (bj::object* span : ordered) spans.emplace_back(std::move(*span));
  result.spans = spans.size();
  result.unreachableReplicas = unreachableReplicas + result.unreadableParts;
  bj::object merged{{"traceId", traceId}, {"spans", std::move(spans)}};
  if (result.unreachableReplicas > 0) merged["unreachableReplicas"] = result.unreachableReplicas;
  result.json = bj::serialize(merged);
  return result;
}

std::vector<std::string> traceListCandidates(const std::vector<ReplicaDocument>& documents,
                                             std::set<std::string>* unreadableReplicas) {
  std::set<std::string> ids;
  for (const auto& document : documents) {
    auto list = parseObject(document.body);
    const auto* traces = list ? list->if_contains("traces") : nullptr;
    if (traces == nullptr || !traces->is_array()) {
      if (unreadableReplicas != nullptr) unreadableReplicas->insert(document.replica);
      continue;
    }
    for (const auto& entry : traces->get_array()) {
      const auto* id = entry.is_object() ? entry.get_object().if_contains("traceId") : nullptr;
      if (id != nullptr && id->is_string()) ids.emplace(id->get_string());
    }
  }
  return {ids.begin(), ids.end()};
}

std::string traceParts(const std::vector<std::string>& traceDocuments) {
  bj::array parts;
  for (const auto& document : traceDocuments) {
    auto trace = parseObject(document);
    const auto* id = trace ? trace->if_contains("traceId") : nullptr;
    const auto* spans = trace ? trace->if_contains("spans") : nullptr;
    if (id == nullptr || !id->is_string() || spans == nullptr || !spans->is_array()) continue;
    std::set<std::string> spanIds;
    for (const auto& span : spans->get_array()) {
      if (const auto* spanId = span.is_object() ? span.get_object().if_contains("spanId") : nullptr;
          spanId != nullptr && spanId->is_string()) {
        spanIds.emplace(spanId->get_string());
      }
    }
    if (spanIds.empty()) continue;
    uint64_t start = UINT64_MAX;
    uint64_t end = 0;
    std::set<std::string> services;
    bool error = false;
    bj::array orphans;
    for (const auto& value : spans->get_array()) {
      if (!value.is_object()) continue;
      const auto& span = value.get_object();
      start = std::min(start, nanos(span, "startTimeUnixNano"));
      end = std::max(end, nanos(span, "endTimeUnixNano"));
      const auto* service = span.if_contains("service");
      if (service != nullptr && service->is_string()) services.emplace(service->get_string());
      const auto* status = span.if_contains("status");
      error = error || (status != nullptr && status->is_string() && status->get_string() == "ERROR");
      const auto* parent = span.if_contains("parentSpanId");
      const std::string parentId = parent != nullptr && parent->is_string() ? std::string(parent->get_string()) : "";
      if (!parentId.empty() && spanIds.contains(parentId)) continue;
      const auto* name = span.if_contains("name");
      orphans.push_back(bj::object{{"spanId", span.contains("spanId") ? span.at("spanId") : bj::value("")},
                                   {"parentSpanId", parentId},
                                   {"service", service != nullptr ? *service : bj::value("")},
                                   {"name", name != nullptr ? *name : bj::value("")},
                                   {"startTimeUnixNano", std::to_string(nanos(span, "startTimeUnixNano"))}});
    }
    bj::array ids;
    for (const auto& spanId : spanIds) ids.emplace_back(spanId);
    bj::array serviceNames;
    for (const auto& service : services) serviceNames.emplace_back(service);
    parts.push_back(bj::object{{"traceId", id->get_string()},
                               {"startTimeUnixNano", std::to_string(start)},
                               {"endTimeUnixNano", std::to_string(end)},
                               {"spanIds", std::move(ids)},
                               {"orphans", std::move(orphans)},
                               {"services", std::move(serviceNames)},
                               {"error", error}});
  }
  return bj::serialize(bj::object{{"parts", std::move(parts)}});
}

MergedTraces mergeTraceParts(const std::vector<ReplicaDocument>& documents, const TraceListFilter& filter, size_t limit,
                             std::set<std::string> unreachableReplicas) {
  struct Orphan {
    std::string parentSpanId;
    std::string service;
    std::string name;
    uint64_t start = 0;
  };
  struct Trace {
    std::string id;
    uint64_t start = UINT64_MAX;
    uint64_t end = 0;
    std::set<std::string> spanIds;  // a span exported twice, to two replicas, counts once
    std::vector<Orphan> orphans;
    std::set<std::string> services;
    bool error = false;
  };
  MergedTraces result;
  std::map<std::string, Trace> byId;
  for (const auto& document : documents) {
    auto parsed = parseObject(document.body);
    const auto* parts = parsed ? parsed->if_contains("parts") : nullptr;
    if (parts == nullptr || !parts->is_array()) {
      ++result.unreadableParts;
      unreachableReplicas.insert(document.replica);
      continue;
    }
    for (const auto& value : parts->get_array()) {
      if (!value.is_object()) continue;
      const auto& part = value.get_object();
      const auto* id = part.if_contains("traceId");
      const auto* spanIds = part.if_contains("spanIds");
      if (id == nullptr || !id->is_string() || spanIds == nullptr || !spanIds->is_array()) continue;
      Trace& trace = byId[std::string(id->get_string())];
      trace.id = id->get_string();
      trace.start = std::min(trace.start, nanos(part, "startTimeUnixNano"));
      trace.end = std::max(trace.end, nanos(part, "endTimeUnixNano"));
      for (const auto& spanId : spanIds->get_array()) {
        if (spanId.is_string()) trace.spanIds.emplace(spanId.get_string());
      }
      if (const auto* orphans = part.if_contains("orphans"); orphans != nullptr && orphans->is_array()) {
        for (const auto& orphan : orphans->get_array()) {
          if (!orphan.is_object()) continue;
          const auto& fields = orphan.get_object();
          const auto text = [&](const char* field) {
            const auto* found = fields.if_contains(field);
            return found != nullptr && found->is_string() ? std::string(found->get_string()) : std::string();
          };
          trace.orphans.push_back({text("parentSpanId"), text("service"), text("name"), nanos(fields, "startTimeUnixNano")});
        }
      }
      if (const auto* services = part.if_contains("services"); services != nullptr && services->is_array()) {
        for (const auto& service : services->get_array()) {
          if (service.is_string()) trace.services.emplace(service.get_string());
        }
      }
      if (const auto* error = part.if_contains("error"); error != nullptr && error->is_bool()) {
        trace.error = trace.error || error->get_bool();
      }
    }
  }
  // The root: the earliest span whose parent no part holds (a true root, or the first orphan).
  const auto rootOf = [](const Trace& trace) {
    const Orphan* root = nullptr;
    for (const auto& orphan : trace.orphans) {
      if (!orphan.parentSpanId.empty() && trace.spanIds.contains(orphan.parentSpanId)) continue;
      if (root == nullptr || orphan.start < root->start) root = &orphan;
    }
    return root;
  };
  std::vector<std::pair<const Trace*, const Orphan*>> ordered;
  for (auto& [id, trace] : byId) {
    if (trace.spanIds.empty()) continue;
    if (!filter.service.empty() && !trace.services.contains(filter.service)) continue;
    if (static_cast<double>(trace.end - trace.start) / 1e6 < filter.minDurationMs) continue;
    const Orphan* root = rootOf(trace);
    if (!filter.rootName.empty() && (root == nullptr || root->name != filter.rootName)) continue;
    ordered.emplace_back(&trace, root);
  }
  std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.first->start > b.first->start; });
  if (ordered.size() > limit) ordered.resize(limit);
  bj::array traces;
  for (const auto& [trace, root] : ordered) {
    bj::array services;
    for (const auto& service : trace->services) services.emplace_back(service);
    traces.push_back(bj::object{{"traceId", trace->id},
                                {"rootService", root != nullptr ? root->service : std::string()},
                                {"rootName", root != nullptr ? root->name : std::string()},
                                {"startTimeUnixNano", std::to_string(trace->start)},
                                {"durationMs", static_cast<double>(trace->end - trace->start) / 1e6},
                                {"spanCount", static_cast<int64_t>(trace->spanIds.size())},
                                {"services", std::move(services)},
                                {"error", trace->error}});
  }
  result.spans = traces.size();
  result.unreachableReplicas = unreachableReplicas.size();
  bj::object merged{{"traces", std::move(traces)}};
  if (result.unreachableReplicas > 0) merged["unreachableReplicas"] = result.unreachableReplicas;
  result.json = bj::serialize(merged);
  return result;
}

}  // namespace fleetdeck::gateway
