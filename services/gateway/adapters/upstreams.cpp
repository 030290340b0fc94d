#include "adapters/upstreams.h"

#include "fleetdeck/rpc/client.h"

namespace fleetdeck::gateway {

Upstreams::Upstreams(const std::map<std::string, std::string>& addresses) : addresses_(addresses) {
  for (const auto& [name, address] : addresses) {
    Upstream upstream;
    upstream.channel = rpc::makeChannel(address);
    upstream.stub = std::make_unique<grpc::GenericStub>(upstream.channel);
    upstreams_.emplace(name, std::move(upstream));
  }
}

grpc::GenericStub* Upstreams::stub(const std::string& name) {
  auto found = upstreams_.find(name);
  return found == upstreams_.end() ? nullptr : found->second.stub.get();
}

}  // namespace fleetdeck::gateway
