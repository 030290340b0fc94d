// The REST face of each gRPC method, read from the (fleetdeck.api.v1.http) option in proto.
#pragma once

#include <string>
#include <vector>

#include "fleetdeck/core/status.h"

namespace google::protobuf {
class FileDescriptor;
class MethodDescriptor;
}  // namespace google::protobuf

namespace fleetdeck::gateway {

struct RestMapping {
  const google::protobuf::MethodDescriptor* method = nullptr;
  std::string upstream;      // "users": the <domain> of package fleetdeck.<domain>.v1
  std::string grpcPath;      // "/fleetdeck.users.v1.UsersService/GetUser"
  std::string httpMethod;    // "GET"
  std::string pathTemplate;  // "/api/v1/users/{id}"
  std::string bodyField;     // "" (no body), "*" (whole request) or a field name
  int successStatus = 200;
  std::string etagField;
  std::string ifMatchField;
  std::string idempotencyKeyField;
  bool idempotencyKeyRequired = false;

  // Authorization, from the same option (see annotations.proto).
  std::vector<std::string> roles;  // empty: admin only
  std::string ownerField;
  bool ownerDefaultsToCaller = false;  // an empty owner field is the caller for every role
  std::string responseOwnerField;
  std::vector<std::string> adminFields;
  bool localFleetOnly = false;  // routed only by a local fleet's gateway (annotations.proto)
  // For responseOwnerField when this method's own response cannot show the owner: the GET mapping
  // that reads the resource, and which of our path parameters names it. Set by collectRestMappings.
  // Pointers into the vector collectRestMappings returns: move that vector, never copy it.
  const RestMapping* ownerLookup = nullptr;
  std::string ownerLookupParameter;  // our path parameter naming the resource
  std::string ownerLookupField;      // the lookup request's field that receives it

  bool anonymous() const;
  // GET and other reads the gateway may retry after a transient failure.
  bool idempotent() const { return httpMethod == "GET"; }
};

// Every annotated method of every service in these proto files. INVALID_ARGUMENT when an option is
// malformed (no verb, body field missing, path parameter not a request field, an unknown role, an
// owner or admin field that is not a field, a response owner that cannot be looked up).
Result<std::vector<RestMapping>> collectRestMappings(const std::vector<const google::protobuf::FileDescriptor*>& files);

}  // namespace fleetdeck::gateway
