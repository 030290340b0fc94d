// What the admin stream says about the bus's order events, rebuild progress and Prometheus alerts: the
// `order.event`, `saga.step`, `replay.progress` and `alert` data shapes of
// docs/console-api-contract.md, and the alert-change diff.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fleetdeck/core/status.h"
#include "fleetdeck/orders/v1/orders.pb.h"
#include "fleetdeck/orders/v1/sagas.pb.h"

namespace fleetdeck::gateway {

// "fleetdeck.orders.v1.OrderCreated" -> "OrderCreated" (the short name the console maps to a status).
std::string_view shortEventType(std::string_view fullType);
// True for the order aggregate's events (fleetdeck.orders.v1.Order*).
bool isOrderEvent(std::string_view fullType);

// {orderId, version (string, int64 as the JSON mapping has it), type (short name), time (RFC 3339)}.
std::string orderEventJson(std::string_view orderId, int64_t version, std::string_view fullType, int64_t occurredAtMicros);

// {sagaId, sagaType, orderId, step, state, attempt, error, compensation, time, traceId, sagaState,
// durationMs}. `time` is when the transition happened: the step's end, else its start, else
// `occurredAtMicros` (the envelope's).
std::string sagaStepJson(const orders::v1::SagaStepChanged& change, int64_t occurredAtMicros);

// The most a rebuild progress message may weigh: a Rebuild without its differences takes a few hundred
// bytes, and every open admin stream queues a copy of what is forwarded.
inline constexpr size_t kMaxRebuildProgressBytes = 16 * 1024;

// A rebuild progress message as the orders service announces it: a binary fleetdeck.orders.v1.Rebuild.
// INVALID_ARGUMENT naming the field for anything else: bytes that are not one or are over
// kMaxRebuildProgressBytes (`message`), an `id` that is not a UUID, a `state` other than RUNNING,
// DONE or FAILED, a negative `processedEvents`, `totalEvents` or `differenceCount`.
Result<orders::v1::Rebuild> parseRebuildProgress(std::string_view bytes);

// The `replay.progress` data: the Rebuild exactly as GET /api/v1/admin/projections/rebuilds/{id}
// answers it (int64 as strings, RFC 3339 times), without `differences`, which the reader fetches
// once the rebuild is over.
Result<std::string> replayProgressJson(const orders::v1::Rebuild& rebuild);

// One alert as Prometheus' /api/v1/alerts lists it.
struct AlertState {
  std::string alertname;
  std::string state;  // pending, firing; "resolved" once it is no longer listed
  std::string severity;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::string activeAt;
  std::string value;
};

// Prometheus has no alert id: an alert is its name plus its full label set.
std::string alertKey(const AlertState& alert);

// The alerts of a /api/v1/alerts answer. INVALID_ARGUMENT-like failures come back as nullopt with
// `error` set (not JSON, status not success, no data.alerts array).
std::optional<std::vector<AlertState>> parseAlerts(std::string_view body, std::string* error = nullptr);

// What changed from `before` (keyed by alertKey) to `now`: new alerts and state changes as they are,
// alerts no longer listed with state "resolved". Sorted by key, so the output is stable.
std::vector<AlertState> diffAlerts(const std::map<std::string, AlertState>& before, const std::vector<AlertState>& now);

// {alertname, state, severity, labels, annotations, activeAt, value}.
std::string alertJson(const AlertState& alert);

}  // namespace fleetdeck::gateway
