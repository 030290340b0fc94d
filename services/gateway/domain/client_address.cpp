#include "domain/client_address.h"

#include <boost/asio/ip/address.hpp>

namespace fleetdeck::gateway {
namespace {

// An address as its 4 or 16 bytes (an IPv4-mapped IPv6 address as IPv4), or nullopt.
std::optional<std::pair<bool, std::string>> addressBytes(std::string_view text) {
  boost::system::error_code error;
  auto address = boost::asio::ip::make_address(std::string(text), error);
  if (error) return std::nullopt;
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6());
  }
  if (address.is_v4()) {
    const auto bytes = address.to_v4().to_bytes();
    return std::pair{false, std::string(bytes.begin(), bytes.end())};
  }
  const auto bytes = address.to_v6().to_bytes();
  return std::pair{true, std::string(bytes.begin(), bytes.end())};
}

bool samePrefix(const std::string& a, const std::string& b, int prefix) {
  for (int bit = 0; bit < prefix; ++bit) {
    const int byte = bit / 8;
    const int mask = 0x80 >> (bit % 8);
    if ((a[static_cast<size_t>(byte)] & mask) != (b[static_cast<size_t>(byte)] & mask)) return false;
  }
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

Result<TrustedProxies> TrustedProxies::parse(const std::vector<std::string>& entries, const std::string& field) {
  TrustedProxies proxies;
  for (const std::string& entry : entries) {
    const size_t slash = entry.find('/');
    const auto bytes = addressBytes(trim(std::string_view(entry).substr(0, slash)));
    const auto refuse = [&] {
      return invalidField(field, "'" + entry + "' is not an address or CIDR (e.g. 10.0.0.0/8, fd00::/8)");
    };
    if (!bytes) return refuse();
    const int maxPrefix = bytes->first ? 128 : 32;
    int prefix = maxPrefix;
    if (slash != std::string::npos) {
      const std::string digits(trim(std::string_view(entry).substr(slash + 1)));
      if (digits.empty() || digits.size() > 3 || digits.find_first_not_of("0123456789") != std::string::npos) {
        return refuse();
      }
      prefix = std::stoi(digits);
      if (prefix > maxPrefix) return refuse();
    }
    proxies.networks_.push_back({bytes->first, bytes->second, prefix});
  }
  return proxies;
}

bool TrustedProxies::contains(std::string_view address) const {
  if (networks_.empty()) return false;
  const auto bytes = addressBytes(trim(address));
  if (!bytes) return false;
  for (const Network& network : networks_) {
    if (network.v6 == bytes->first && samePrefix(network.bytes, bytes->second, network.prefix)) return true;
  }
  return false;
}

std::string TrustedProxies::clientOf(const std::string& peer, std::optional<std::string_view> forwardedFor) const {
  if (!forwardedFor || !contains(peer)) return peer;
  std::string client = peer;
  std::string_view rest = *forwardedFor;
  while (!rest.empty()) {
    const size_t comma = rest.rfind(',');
    const std::string_view entry = trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    if (!addressBytes(entry)) break;  // written by someone untrusted: stop at what we have
    client = std::string(entry);
    if (!contains(entry)) break;
  }
  return client;
}

}  // namespace fleetdeck::gateway
