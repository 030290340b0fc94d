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

MergedTraces mergeTraceLists(const std::vector<std::string>& documents, size_t limit, size_t unreachableReplicas) {
  MergedTraces result;
  struct Summary {
    bj::object fields;  // the part that starts first: its root, start
    uint64_t start = 0;
    uint64_t end = 0;
    int64_t spans = 0;
    std::set<std::string> services;
    bool error = false;
  };
  std::map<std::string, Summary> byId;
  for (const auto& document : documents) {
    auto list = parseObject(document);
    const auto* traces = list ? list->if_contains("traces") : nullptr;
    if (traces == nullptr || !traces->is_array()) {
      ++result.unreadableParts;
      continue;
    }
    for (const auto& entry : traces->get_array()) {
      if (!entry.is_object()) continue;
      const auto& part = entry.get_object();
      const auto* id = part.if_contains("traceId");
      if (id == nullptr || !id->is_string()) continue;
      const uint64_t start = nanos(part, "startTimeUnixNano");
      const auto* duration = part.if_contains("durationMs");
      const double durationMs = duration != nullptr && duration->is_number() ? duration->to_number<double>() : 0;
      const uint64_t end = start + static_cast<uint64_t>(std::max(0.0, durationMs) * 1e6);
      auto [found, first] = byId.try_emplace(std::string(id->get_string()));
      Summary& summary = found->second;
      if (first || start < summary.start) {
        summary.fields = part;
        summary.start = start;
      }
      summary.end = std::max(summary.end, end);
      if (const auto* count = part.if_contains("spanCount"); count != nullptr && count->is_int64()) {
        summary.spans += count->get_int64();
      } else if (count != nullptr && count->is_uint64()) {
        summary.spans += static_cast<int64_t>(count->get_uint64());
      }
      if (const auto* services = part.if_contains("services"); services != nullptr && services->is_array()) {
        for (const auto& service : services->get_array()) {
          if (service.is_string()) summary.services.emplace(service.get_string());
        }
      }
      if (const auto* error = part.if_contains("error"); error != nullptr && error->is_bool()) {
        summary.error = summary.error || error->get_bool();
      }
    }
  }
  std::vector<Summary*> ordered;
  for (auto& [id, summary] : byId) ordered.push_back(&summary);
  std::sort(ordered.begin(), ordered.end(), [](const Summary* a, const Summary* b) { return a->start > b->start; });
  if (ordered.size() > limit) ordered.resize(limit);
  bj::array traces;
  for (Summary* summary : ordered) {
    bj::object fields = std::move(summary->fields);
    bj::array services;
    for (const auto& service : summary->services) services.emplace_back(service);
    fields["durationMs"] = static_cast<double>(summary->end - summary->start) / 1e6;
    fields["spanCount"] = summary->spans;
    fields["services"] = std::move(services);
    fields["error"] = summary->error;
    traces.emplace_back(std::move(fields));
  }
  result.spans = traces.size();
  result.unreachableReplicas = unreachableReplicas + result.unreadableParts;
  bj::object merged{{"traces", std::move(traces)}};
  if (result.unreachableReplicas > 0) merged["unreachableReplicas"] = result.unreachableReplicas;
  result.json = bj::serialize(merged);
  return result;
}

}  // namespace fleetdeck::gateway
