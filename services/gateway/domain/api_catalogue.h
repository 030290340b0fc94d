// The proto files whose annotated methods the gateway exposes. Adding a method to one of them adds
// its route; a new service file is one line here.
#pragma once

#include <vector>

namespace google::protobuf {
class FileDescriptor;
}

namespace fleetdeck::gateway {

std::vector<const google::protobuf::FileDescriptor*> publicApiFiles();

}  // namespace fleetdeck::gateway
