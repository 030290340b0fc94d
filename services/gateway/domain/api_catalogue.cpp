#include "domain/api_catalogue.h"

#include "fleetdeck/users/v1/users.pb.h"

namespace fleetdeck::gateway {

std::vector<const google::protobuf::FileDescriptor*> publicApiFiles() {
  // Referencing a message of each file also makes sure its descriptors are linked in.
  return {
      users::v1::User::descriptor()->file(),
  };
}

}  // namespace fleetdeck::gateway
