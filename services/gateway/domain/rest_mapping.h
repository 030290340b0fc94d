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
};

// Every annotated method of every service in these proto files. INVALID_ARGUMENT when an option is
// malformed (no verb, body field missing, path parameter not a request field).
Result<std::vector<RestMapping>> collectRestMappings(const std::vector<const google::protobuf::FileDescriptor*>& files);

}  // namespace fleetdeck::gateway
