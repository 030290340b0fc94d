#include "fleetdeck/host/advertised_address.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

namespace fleetdeck::host {
namespace {

// A service listening on every interface registered "0.0.0.0:50053", and the gateway, dialling
// that, reached itself: every call failed once it had read the registry.
TEST(AdvertisedAddress, AWildcardHostBecomesOneAPeerCanDial) {
  EXPECT_EQ(advertisedAddress("0.0.0.0:50053", "", "10.1.2.3"), "10.1.2.3:50053");
  EXPECT_EQ(advertisedAddress("[::]:9103", "", "10.1.2.3"), "10.1.2.3:9103");
  EXPECT_EQ(advertisedAddress(":9103", "", "10.1.2.3"), "10.1.2.3:9103");
}

TEST(AdvertisedAddress, TheConfiguredAddressWins_ASpecificHostIsKept) {
  EXPECT_EQ(advertisedAddress("0.0.0.0:50053", "10.244.0.17", "10.1.2.3"), "10.244.0.17:50053");
  EXPECT_EQ(advertisedAddress("127.0.0.1:15053", "", "10.1.2.3"), "127.0.0.1:15053");
  EXPECT_EQ(advertisedAddress("0.0.0.0:50053", "fd00::17", ""), "[fd00::17]:50053");
}

TEST(AdvertisedAddress, FirstNonLoopbackIpv4IsAnAddressOrNothing) {
  const std::string address = firstNonLoopbackIpv4();
  if (address.empty()) GTEST_SKIP() << "this machine has no interface but loopback";
  in_addr parsed{};
  EXPECT_EQ(inet_pton(AF_INET, address.c_str(), &parsed), 1) << address;
  EXPECT_NE(address.rfind("127.", 0), 0u) << address;
}

}  // namespace
}  // namespace fleetdeck::host
