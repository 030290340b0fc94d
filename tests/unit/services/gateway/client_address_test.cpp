// Which address a request comes from behind trusted proxies (an ingress): X-Forwarded-For read from
// the right, trusted only from trusted peers, and configuration errors that name the entry.
#include "domain/client_address.h"

#include <gtest/gtest.h>

namespace fleetdeck::gateway {
namespace {

TrustedProxies proxies(const std::vector<std::string>& entries) {
  auto parsed = TrustedProxies::parse(entries, "gateway.trusted_proxies");
  EXPECT_TRUE(parsed.isOk()) << parsed.status().toString();
  return parsed.isOk() ? *parsed : TrustedProxies();
}

TEST(TrustedProxies, NoneTrusted_TheClientIsThePeer_WhateverTheHeaderSays) {
  const TrustedProxies none;
  EXPECT_EQ(none.clientOf("10.0.0.7", "198.51.100.1"), "10.0.0.7");
  EXPECT_EQ(none.clientOf("10.0.0.7", std::nullopt), "10.0.0.7");
}

TEST(TrustedProxies, FromATrustedPeer_TheNearestUntrustedForwardedAddressIsTheClient) {
  const auto ingress = proxies({"10.0.0.0/8", "fd00::/8"});
  EXPECT_EQ(ingress.clientOf("10.1.2.3", "198.51.100.1"), "198.51.100.1");
  // A client-written entry on the left cannot win: the walk stops at the first untrusted one.
  EXPECT_EQ(ingress.clientOf("10.1.2.3", "1.1.1.1, 198.51.100.1, 10.9.9.9"), "198.51.100.1");
  EXPECT_EQ(ingress.clientOf("fd12::1", "2001:db8::5"), "2001:db8::5");
  EXPECT_EQ(ingress.clientOf("::ffff:10.1.2.3", "198.51.100.2"), "198.51.100.2") << "IPv4-mapped peer";
  // An untrusted peer's header is ignored: anyone could send it.
  EXPECT_EQ(ingress.clientOf("198.51.100.9", "10.0.0.1"), "198.51.100.9");
  // No header, or only proxies in it: the leftmost known address.
  EXPECT_EQ(ingress.clientOf("10.1.2.3", std::nullopt), "10.1.2.3");
  EXPECT_EQ(ingress.clientOf("10.1.2.3", "10.0.0.5, 10.0.0.6"), "10.0.0.5");
  // Garbage ends the walk at the last good address.
  EXPECT_EQ(ingress.clientOf("10.1.2.3", "198.51.100.1, not-an-ip"), "10.1.2.3");
  EXPECT_EQ(ingress.clientOf("10.1.2.3", "not-an-ip, 198.51.100.1"), "198.51.100.1");
}

TEST(TrustedProxies, PrefixesMatchBitByBit) {
  const auto narrow = proxies({"192.168.4.0/23", "127.0.0.1"});
  EXPECT_TRUE(narrow.contains("192.168.5.255"));
  EXPECT_FALSE(narrow.contains("192.168.6.0"));
  EXPECT_TRUE(narrow.contains("127.0.0.1"));
  EXPECT_FALSE(narrow.contains("127.0.0.2"));
  EXPECT_FALSE(narrow.contains("::1")) << "IPv6 never matches an IPv4 network";
  EXPECT_FALSE(narrow.contains("garbage"));
}

TEST(TrustedProxies, BadEntriesAreRefused_NamingTheKeyAndTheEntry) {
  for (const char* bad : {"10.0.0.0/33", "fd00::/129", "10.0.0/8", "ingress", "10.0.0.0/", "10.0.0.0/-1"}) {
    const auto parsed = TrustedProxies::parse({bad}, "gateway.trusted_proxies");
    ASSERT_FALSE(parsed.isOk()) << bad;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(parsed.status().toString().find("gateway.trusted_proxies"), std::string::npos) << bad;
    EXPECT_NE(parsed.status().toString().find(bad), std::string::npos) << parsed.status().toString();
  }
}

}  // namespace
}  // namespace fleetdeck::gateway
