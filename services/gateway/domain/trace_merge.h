// One trace, and the trace list, put together from the parts the gateway replicas each hold (each stores the spans sent to it).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "fleetdeck/core/status.h"

namespace fleetdeck::gateway {

// TraceStore::getTrace documents of one trace id (this replica's and its peers'; replicas that do
// not hold the trace are left out by the caller) merged into one: spans deduplicated by spanId,
// sorted by start time. `unreachableReplicas` > 0 adds that count, so the viewer knows parts may
// be missing. INTERNAL when a document is not one getTrace writes.
Result<std::string> mergeTraceDocuments(const std::vector<std::string>& documents, size_t unreachableReplicas);

// TraceStore::listTraces documents merged by trace id: start the earliest, end the latest, span
// counts added, services joined, error if any part has one, root from the part that starts first;
// newest first, at most `limit`. A replica lists a trace only if its part matched the filters, so a
// summary covers those parts. INTERNAL when a document is not one listTraces writes.
Result<std::string> mergeTraceLists(const std::vector<std::string>& documents, size_t limit,
                                    size_t unreachableReplicas);

}  // namespace fleetdeck::gateway
