// Alert acknowledgements: which firing of an alert one acknowledges.
#include "adapters/alert_acknowledgements.h"

#include <gtest/gtest.h>

namespace fleetdeck::gateway {
namespace {

AlertState firing(const std::string& activeAt) {
  return AlertState{.alertname = "ServiceDown", .state = "firing", .labels = {{"alertname", "ServiceDown"}, {"job", "orders"}},
                    .activeAt = activeAt};
}

// An acknowledgement made for one firing (it outlived it: stored while another replica already saw
// the alert resolve) must not silence the next firing of the same alert.
TEST(AlertAcknowledgements, AnAcknowledgementIsOfTheFiringItWasMadeFor_NotTheNextOne) {
  AlertAcknowledgements store(nullptr, {});
  const AlertState first = firing("2026-11-27T20:00:00Z");
  AlertAcknowledgement acknowledgement{.alertname = "ServiceDown", .labels = first.labels, .byUserId = "u1",
                                       .byUsername = "olga", .at = "2026-11-27T20:01:00Z", .comment = "on it",
                                       .alertActiveAt = first.activeAt};
  ASSERT_TRUE(store.put(acknowledgement).isOk());
  auto found = store.find(alertKey(first));
  ASSERT_TRUE(found.isOk() && *found);
  EXPECT_EQ((*found)->alertActiveAt, first.activeAt) << "kept with the acknowledgement";
  EXPECT_TRUE(acknowledges(**found, first));
  EXPECT_FALSE(acknowledges(**found, firing("2026-11-27T21:30:00Z")));
  // Stored before the firing was kept: taken as of the current one, as before.
  (*found)->alertActiveAt.clear();
  EXPECT_TRUE(acknowledges(**found, firing("2026-11-27T21:30:00Z")));
}

}  // namespace
}  // namespace fleetdeck::gateway
