// The gateway's access tokens after an account's access changed: which tokens it still lets in.
#include "adapters/access_tokens.h"

#include <gtest/gtest.h>

#include "fleetdeck/auth/jwt.h"

namespace fleetdeck::gateway {
namespace {

constexpr const char* kUser = "0190a1b2-0000-7000-8000-000000000001";

class AccessTokensTest : public ::testing::Test {
 protected:
  AccessTokens tokens_{*auth::KeyRing::of({{*auth::SigningKey::hmacSecret("k1", std::string(32, 's')), 0}}), {}};

  std::string bearer(int64_t accountVersion) {
    Principal principal{kUser, "operator", "olga", "family-1"};
    principal.accountVersion = accountVersion;
    auto token = tokens_.issue(principal);
    EXPECT_TRUE(token.isOk()) << token.status().toString();
    return "Bearer " + *token;
  }
  StatusCode verdict(const std::string& header) { return tokens_.authenticate(header).status().code(); }
};

TEST_F(AccessTokensTest, TheAccountVersionTravelsInTheToken) {
  auto principal = tokens_.authenticate(bearer(4));
  ASSERT_TRUE(principal.isOk()) << principal.status().toString();
  EXPECT_EQ(principal->accountVersion, 4);
  EXPECT_EQ(principal->role, "operator");
}

// A refresh that read the account just before an admin's demotion committed signs its token after
// the change, in the same second or later, but for the old version: refused once the change is
// known. The issue time alone let it in for a whole token lifetime.
TEST_F(AccessTokensTest, ATokenOfAnOlderAccountVersionIsRefused_WhateverSecondItWasIssuedIn) {
  const std::string before = bearer(3);
  const std::string current = bearer(4);
  const int64_t aSecondAgoMicros = (auth::unixNow() - 1) * 1'000'000;
  tokens_.refuseOlderThan(kUser, 4, aSecondAgoMicros);
  EXPECT_EQ(verdict(before), StatusCode::kUnauthenticated);
  EXPECT_EQ(verdict(current), StatusCode::kOk);
  // Another user is untouched.
  Principal other{"0190a1b2-0000-7000-8000-000000000002", "customer", "carl", "family-2"};
  other.accountVersion = 1;
  EXPECT_TRUE(tokens_.authenticate("Bearer " + *tokens_.issue(other)).isOk());
  // A later change raises the bar; an older one replayed after it does not lower it.
  tokens_.refuseOlderThan(kUser, 6, aSecondAgoMicros);
  tokens_.refuseOlderThan(kUser, 5, aSecondAgoMicros);
  EXPECT_EQ(verdict(current), StatusCode::kUnauthenticated);
  EXPECT_EQ(verdict(bearer(6)), StatusCode::kOk);
}

// A long-lived admin stream was authorised once: before each event it asks whether its principal may
// still act. A change of the account's access, or the token's expiry, ends it.
TEST_F(AccessTokensTest, AnAuthenticatedPrincipalStopsBeingValid_WhenItsAccessChangesOrItsTokenExpires) {
  auto principal = tokens_.authenticate(bearer(3));
  ASSERT_TRUE(principal.isOk());
  EXPECT_TRUE(tokens_.stillValid(*principal));
  EXPECT_GT(principal->expiresAt, auth::unixNow());
  tokens_.refuseOlderThan(kUser, 4, auth::unixNow() * 1'000'000);
  EXPECT_FALSE(tokens_.stillValid(*principal)) << "demoted or disabled since the stream opened";
  Principal expired{"0190a1b2-0000-7000-8000-000000000009", "operator", "olaf", "family-9"};
  expired.accountVersion = 1;
  expired.issuedAt = auth::unixNow() - 3600;
  expired.expiresAt = auth::unixNow() - 600;
  EXPECT_FALSE(tokens_.stillValid(expired));
  expired.expiresAt = auth::unixNow() + 600;
  EXPECT_TRUE(tokens_.stillValid(expired));
}

// Tokens without a version (signed before versions were) fall back to the issue time.
TEST_F(AccessTokensTest, ATokenWithoutAVersionIsJudgedByItsIssueTime) {
  const std::string unversioned = bearer(0);
  tokens_.refuseOlderThan(kUser, 9, (auth::unixNow() + 2) * 1'000'000);
  EXPECT_EQ(verdict(unversioned), StatusCode::kUnauthenticated);
  tokens_.refuseOlderThan("0190a1b2-0000-7000-8000-000000000003", 9, (auth::unixNow() - 5) * 1'000'000);
  Principal third{"0190a1b2-0000-7000-8000-000000000003", "customer", "cleo", "family-3"};
  EXPECT_TRUE(tokens_.authenticate("Bearer " + *tokens_.issue(third)).isOk()) << "issued after the change";
}

}  // namespace
}  // namespace fleetdeck::gateway
