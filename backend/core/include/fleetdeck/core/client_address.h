// Client addresses as rate limits and throttles count them.
#pragma once

#include <string>
#include <string_view>

namespace fleetdeck {

// The address a rate limit or throttle counts a client under: an IPv4 address as it is (also when
// written IPv4-mapped, "::ffff:192.0.2.7"), an IPv6 one by its /64 ("2001:db8:1:2::/64"), since one
// host commonly holds a whole /64 and could otherwise take a fresh address for every request.
// Anything else (empty, unparsable) is returned as it is.
std::string throttledAddress(std::string_view address);

}  // namespace fleetdeck
