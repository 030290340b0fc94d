// Who is calling and under which trace: read from gRPC metadata the gateway sets after it
// authenticated the request, and passed on to the next hop.
#pragma once

#include <grpcpp/grpcpp.h>

#include <string>

namespace fleetdeck::rpc {

// Metadata keys (lower case, as gRPC requires).
inline constexpr const char* kActorKey = "fleetdeck-actor";
inline constexpr const char* kActorRoleKey = "fleetdeck-actor-role";
inline constexpr const char* kTraceparentKey = "traceparent";
// Trailing metadata on a transient failure (UNAVAILABLE, DEADLINE_EXCEEDED, ...) that was a service
// this one called, not this one: its name. The gateway's breakers then leave this instance closed.
inline constexpr const char* kFailedDependencyKey = "fleetdeck-failed-dependency";

struct CallContext {
  // The authenticated user's id; "anonymous" when the gateway authenticated nobody, "system"
  // for the fleet's own work (sagas, consumers).
  std::string actor = "anonymous";
  std::string actorRole;
  // W3C trace context of the call. Once the call has arrived at RpcServer, it names this call's own
  // server span (the parent of whatever the handler calls next); empty only on an uninstrumented
  // server without an incoming traceparent.
  std::string traceparent;
  // The 32-hex trace id inside traceparent.
  std::string traceId() const;
};

CallContext callContextFrom(const grpc::ServerContextBase& context);

// Inside a handler body run by runBlocking: the call failed because `dependency` (another service)
// is down or too slow. When the body's status is a transient failure, runBlocking sends the name as
// kFailedDependencyKey, so callers tell an instance that works from one that does not.
void noteFailedDependency(std::string dependency);
// What the body on this thread noted, cleared (runBlocking's part).
std::string takeFailedDependency();
// Sets the metadata on an outgoing call (actor, role, traceparent).
void propagate(const CallContext& callContext, grpc::ClientContext& context);

}  // namespace fleetdeck::rpc
