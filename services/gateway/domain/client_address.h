// Which address a request comes from: the TCP peer, or, when the peer is a trusted proxy (an
// ingress), the nearest untrusted address in X-Forwarded-For. Rate limits and sign-in throttling key on it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fleetdeck/core/status.h"

namespace fleetdeck::gateway {

class TrustedProxies {
 public:
  // None trusted: the client is always the TCP peer, and X-Forwarded-For is ignored (a client could
  // write anything there).
  TrustedProxies() = default;

  // CIDRs ("10.0.0.0/8", "fd00::/8") or single addresses. INVALID_ARGUMENT naming `field` and the
  // entry when one is neither.
  static Result<TrustedProxies> parse(const std::vector<std::string>& entries, const std::string& field);

  bool contains(std::string_view address) const;

  // The peer when it is not trusted; else X-Forwarded-For read from the right (each proxy appends
  // the address it received from), skipping trusted entries: the first untrusted one is the client.
  // A header that is missing or all trusted gives its leftmost entry or the peer; an entry that is
  // not an address ends the walk there (it was written by someone untrusted), at the last good one.
  std::string clientOf(const std::string& peer, std::optional<std::string_view> forwardedFor) const;

  bool empty() const { return networks_.empty(); }

 private:
  struct Network {
    bool v6 = false;
    std::string bytes;  // the network's address, 4 or 16 bytes
    int prefix = 0;
  };
  std::vector<Network> networks_;
};

}  // namespace fleetdeck::gateway
