#include "domain/client_errors.h"

namespace fleetdeck::gateway {

std::optional<Status> redactedForClients(const std::string& upstream, const Status& status, const std::string& instance,
                                         const std::string& traceId) {
  const StatusCode code = status.code();
  const bool serverFault = code == StatusCode::kInternal || code == StatusCode::kUnknown ||
                           code == StatusCode::kDataLoss || code == StatusCode::kUnavailable;
  const bool namesInstance = !instance.empty() && status.message().find(instance) != std::string::npos;
  if (!serverFault && !namesInstance) return std::nullopt;
  if (code == StatusCode::kUnavailable && status.message().starts_with("service '")) return std::nullopt;
  if (code == StatusCode::kUnavailable) return unavailable("service '" + upstream + "' is unavailable");
  if (code == StatusCode::kDeadlineExceeded) {
    return Status(code, "service '" + upstream + "' did not answer in time (trace id " + traceId + ")");
  }
  return Status(code, "service '" + upstream + "' failed; its operators can look it up by trace id " + traceId);
}

}  // namespace fleetdeck::gateway
