// What a client is told of an upstream's failure: a server-side fault's own text names internal
// addresses, database hosts and users, so it is replaced by the service's name and the trace id.
#pragma once

#include <optional>
#include <string>

#include "fleetdeck/core/status.h"

namespace fleetdeck::gateway {

// The status to send instead of `status` (from a call to `upstream` at `instance`), or nothing when
// `status` may reach the client as it is: a refusal (invalid argument, not found, ...) is the
// client's business, and the gateway's own words ("service 'x' is unavailable (circuit open …)")
// name nothing internal. Redacted: INTERNAL, UNKNOWN, DATA_LOSS, UNAVAILABLE, and any status whose
// text names the instance's address (the gateway's gRPC client says where a deadline ran out, a
// stream was reset or an answer was too large).
std::optional<Status> redactedForClients(const std::string& upstream, const Status& status, const std::string& instance,
                                         const std::string& traceId);

}  // namespace fleetdeck::gateway
