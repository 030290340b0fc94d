// Where other processes reach this one: a listening address ("0.0.0.0:50053") turned into one a
// peer can dial, for the service registry.
#pragma once

#include <string>
#include <string_view>

namespace fleetdeck::host {

// `bound` is "host:port" as a server listens on it. `advertiseHost` (config
// service.advertise_address, e.g. the pod IP), when set, replaces the host whatever it is; otherwise
// a wildcard host (0.0.0.0, ::, [::], empty), which no peer can dial, becomes `fallbackHost`, and
// any other host is kept. The port always stays.
std::string advertisedAddress(std::string_view bound, std::string_view advertiseHost, std::string_view fallbackHost);

// The IPv4 address of the first interface that is up and not loopback, "" when there is none.
std::string firstNonLoopbackIpv4();

}  // namespace fleetdeck::host
