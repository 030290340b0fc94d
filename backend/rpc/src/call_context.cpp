#include "fleetdeck/rpc/call_context.h"

#include <utility>

namespace fleetdeck::rpc {
namespace {

std::string metadata(const grpc::ServerContextBase& context, const char* key) {
  const auto& entries = context.client_metadata();
  auto found = entries.find(key);
  if (found == entries.end()) return {};
  return std::string(found->second.data(), found->second.size());
}

}  // namespace

namespace {
thread_local std::string failedDependency;
}  // namespace

void noteFailedDependency(std::string dependency) { failedDependency = std::move(dependency); }

std::string takeFailedDependency() { return std::exchange(failedDependency, std::string()); }

std::string CallContext::traceId() const {
  // version(2) "-" trace-id(32) "-" parent-id(16) "-" flags(2)
  if (traceparent.size() == 55 && traceparent[2] == '-') return traceparent.substr(3, 32);
  return {};
}

CallContext callContextFrom(const grpc::ServerContextBase& context) {
  CallContext result;
  if (std::string actor = metadata(context, kActorKey); !actor.empty()) result.actor = std::move(actor);
  result.actorRole = metadata(context, kActorRoleKey);
  result.traceparent = metadata(context, kTraceparentKey);
  return result;
}

void propagate(const CallContext& callContext, grpc::ClientContext& context) {
  context.AddMetadata(kActorKey, callContext.actor);
  if (!callContext.actorRole.empty()) context.AddMetadata(kActorRoleKey, callContext.actorRole);
  if (!callContext.traceparent.empty()) context.AddMetadata(kTraceparentKey, callContext.traceparent);
}

}  // namespace fleetdeck::rpc
