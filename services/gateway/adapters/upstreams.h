// One gRPC channel and generic stub per upstream service, reused by every request.
#pragma once

#include <grpcpp/generic/generic_stub.h>

#include <map>
#include <memory>
#include <string>

#include "fleetdeck/core/status.h"

namespace fleetdeck::gateway {

class Upstreams {
 public:
  // name -> "host:port", e.g. {"users", "127.0.0.1:50051"}.
  explicit Upstreams(const std::map<std::string, std::string>& addresses);

  // nullptr for a name that has no configured address.
  grpc::GenericStub* stub(const std::string& name);
  const std::map<std::string, std::string>& addresses() const { return addresses_; }

 private:
  struct Upstream {
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<grpc::GenericStub> stub;
  };
  std::map<std::string, std::string> addresses_;
  std::map<std::string, Upstream> upstreams_;
};

}  // namespace fleetdeck::gateway
