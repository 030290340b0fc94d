#include "fleetdeck/core/client_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <iterator>

namespace fleetdeck {

std::string throttledAddress(std::string_view address) {
  const std::string text(address);
  in6_addr ipv6{};
  if (inet_pton(AF_INET6, text.c_str(), &ipv6) != 1) return text;
  if (IN6_IS_ADDR_V4MAPPED(&ipv6)) {
    char ipv4[INET_ADDRSTRLEN] = {};
    return inet_ntop(AF_INET, &ipv6.s6_addr[12], ipv4, sizeof ipv4) != nullptr ? std::string(ipv4) : text;
  }
  std::fill(std::begin(ipv6.s6_addr) + 8, std::end(ipv6.s6_addr), 0);
  char prefix[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(AF_INET6, &ipv6, prefix, sizeof prefix) == nullptr) return text;
  return std::string(prefix) + "/64";
}

}  // namespace fleetdeck
