#include "fleetdeck/host/advertised_address.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

namespace fleetdeck::host {

std::string advertisedAddress(std::string_view bound, std::string_view advertiseHost, std::string_view fallbackHost) {
  const size_t colon = bound.rfind(':');
  const std::string_view host = colon == std::string_view::npos ? bound : bound.substr(0, colon);
  const std::string_view port = colon == std::string_view::npos ? std::string_view() : bound.substr(colon);
  const bool wildcard = host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]";
  std::string chosen(advertiseHost.empty() ? (wildcard ? fallbackHost : host) : advertiseHost);
  // An IPv6 literal needs brackets before its port.
  if (chosen.find(':') != std::string::npos && chosen.front() != '[') chosen = "[" + chosen + "]";
  return chosen + std::string(port);
}

std::string firstNonLoopbackIpv4() {
  ifaddrs* interfaces = nullptr;
  if (getifaddrs(&interfaces) != 0) return {};
  std::string found;
  for (const ifaddrs* entry = interfaces; entry != nullptr && found.empty(); entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr || entry->ifa_addr->sa_family != AF_INET) continue;
    if ((entry->ifa_flags & IFF_UP) == 0 || (entry->ifa_flags & IFF_LOOPBACK) != 0) continue;
    char text[INET_ADDRSTRLEN] = {};
    const auto* address = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr);
    if (inet_ntop(AF_INET, &address->sin_addr, text, sizeof text) != nullptr) found = text;
  }
  freeifaddrs(interfaces);
  return found;
}

}  // namespace fleetdeck::host
