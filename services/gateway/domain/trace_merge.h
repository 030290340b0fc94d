// One trace, and the trace list, put together from the parts the gateway replicas each hold (each stores the spans sent to it).
#pragma once

#include <cstddef>
#include <string>
#include <vector>


namespace fleetdeck::gateway {

// A merge of the replicas' parts. A part that is not one the store writes (a replica that answered
// 200 with something else) is left out and counted as a replica that did not answer: one lying
// replica costs its part, not the answer.
struct MergedTraces {
  std::string json;
  size_t spans = 0;                // spans (or list entries) in `json`
  size_t unreadableParts = 0;      // parts left out as unreadable (already in unreachableReplicas)
  size_t unreachableReplicas = 0;  // the caller's count plus unreadableParts
};

// TraceStore::getTrace documents of trace `traceId` (this replica's and its peers'; a replica that
// holds none of it gives `{"traceId":…,"spans":[]}` or is left out) merged into one: spans
// deduplicated by spanId, sorted by start time. `unreachableReplicas` > 0 is added to the JSON, so
// the viewer knows parts may be missing. A part of another trace id is unreadable.
MergedTraces mergeTraceDocuments(const std::string& traceId, const std::vector<std::string>& documents,
                                 size_t unreachableReplicas);

// TraceStore::listTraces documents merged by trace id: start the earliest, end the latest, span
// counts added, services joined, error if any part has one, root from the part that starts first;
// newest first, at most `limit`. A replica lists a trace only if its part matched the filters, so a
// summary covers those parts.
MergedTraces mergeTraceLists(const std::vector<std::string>& documents, size_t limit, size_t unreachableReplicas);

}  // namespace fleetdeck::gateway
