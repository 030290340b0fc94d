// One trace, and the trace list, put together from the parts the gateway replicas each hold (each stores the spans sent to it).
#pragma once

#include <cstddef>
#include <set>
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
  size_t unreachableReplicas = 0;  // replicas that gave no readable part, each counted once
};

// TraceStore::getTrace documents of trace `traceId` (this replica's and its peers'; a replica that
// holds none of it gives `{"traceId":…,"spans":[]}` or is left out) merged into one: spans
// deduplicated by spanId, sorted by start time. `unreachableReplicas` > 0 is added to the JSON, so
// the viewer knows parts may be missing. A part of another trace id is unreadable.
MergedTraces mergeTraceDocuments(const std::string& traceId, const std::vector<std::string>& documents,
                                 size_t unreachableReplicas);

// The trace list across replicas, in two rounds (a trace's parts start at different times on
// different replicas, so no replica's own list can say where a trace belongs in the merged one):
//  1. each replica lists its parts that match the filters, 2 x limit of them, newest part first;
//     traceListCandidates() takes the union of their trace ids;
//  2. each replica gives its parts of exactly those ids (traceParts()), and mergeTraceParts()
//     computes every candidate from all its parts: start the earliest span, end the latest, spans
//     counted once by span id, root the earliest span whose parent no part holds, services joined,
//     error if any span failed; then newest first, at most `limit`.
// A root-name filter in round 1 loses no trace: the merged root is an orphan in its own part and,
// as spans start after their parents, the earliest one there, so the replica holding it lists the
// trace under that name (a child stamped before its parent by a skewed clock can hide it).
// Limitation: a trace is missed when one replica holds more than 2 x limit parts that started after
// the trace's earliest span but belong to older traces (their later parts), since that replica's
// round-1 list is cut before the trace's part.

// One replica's answer in either round, named by the replica that gave it (its admin address; this
// replica's own is ""), so that a replica failing both rounds is counted once, not twice.
struct ReplicaDocument {
  std::string replica;
  std::string body;
};

// Trace ids one round 2 request may name (the peer route refuses more: 400).
inline constexpr size_t kMaxTracePartIds = 20'000;

// The trace ids of TraceStore::listTraces documents; the replicas whose document is unreadable are
// added to `unreadableReplicas` (when given).
std::vector<std::string> traceListCandidates(const std::vector<ReplicaDocument>& documents,
                                             std::set<std::string>* unreadableReplicas);

// This replica's parts of some traces, from TraceStore::getTrace documents (one per trace it
// holds): {"parts":[{traceId, startTimeUnixNano, endTimeUnixNano, spanIds:[…], orphans:[{spanId,
// parentSpanId, service, name, startTimeUnixNano}], services:[…], error}]}, where `orphans` are
// the spans whose parent is not in this part (the trace's root is one of them).
std::string traceParts(const std::vector<std::string>& traceDocuments);

struct TraceListFilter {
  std::string service;   // empty: any
  std::string rootName;  // empty: any; else the merged trace's root span must have this name
  double minDurationMs = 0;
};
// traceParts() documents of every replica merged into the public list shape {"traces":[{traceId,
// rootService, rootName, startTimeUnixNano, durationMs, spanCount, services, error}]}: each trace
// from all its parts, filtered, newest first, at most `limit`. `unreachableReplicas` names those
// already known to have failed (either round); the replicas of unreadable documents join them, and
// unreachableReplicas in the answer counts each replica once.
MergedTraces mergeTraceParts(const std::vector<ReplicaDocument>& documents, const TraceListFilter& filter, size_t limit,
                             std::set<std::string> unreachableReplicas);

}  // namespace fleetdeck::gateway
