// The verified-token cache answers exactly what verifyToken would: hits for tokens that passed,
// never for a changed token, an expired one or one that failed, and it stays within its capacity.
#include "fleetdeck/auth/verified_token_cache.h"

#include <gtest/gtest.h>

namespace fleetdeck::auth {
namespace {

constexpr int64_t kNow = 1'800'000'000;

KeyRing ring() { return *KeyRing::of({{*SigningKey::hmacSecret("k1", "0123456789abcdef0123456789abcdef"), kNow}}); }

std::string tokenFor(const KeyRing& keys, const std::string& subject, int64_t expiresAt = kNow + 900) {
  Claims claims;
  claims.subject = subject;
  claims.role = "customer";
  claims.issuer = "fleetdeck";
  claims.audience = "fleetdeck-api";
  claims.issuedAt = kNow;
  claims.notBefore = kNow;
  claims.expiresAt = expiresAt;
  return *signToken(keys, claims);
}

const VerifyOptions kOptions{.issuer = "fleetdeck", .audience = "fleetdeck-api", .leeway = std::chrono::seconds(30)};

TEST(VerifiedTokenCache, ASecondVerificationIsAnsweredFromMemoryWithTheSameClaims) {
  const KeyRing keys = ring();
  VerifiedTokenCache cache(16);
  const std::string token = tokenFor(keys, "user-1");
  auto first = cache.verify(keys, token, kOptions, kNow);
  ASSERT_TRUE(first.isOk()) << first.status().toString();
  EXPECT_EQ(cache.size(), 1u);
  auto second = cache.verify(keys, token, kOptions, kNow + 5);
  ASSERT_TRUE(second.isOk());
  EXPECT_EQ(second->subject, "user-1");
  EXPECT_EQ(second->tokenId, first->tokenId);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(VerifiedTokenCache, AChangedTokenIsVerifiedAgainAndRefused) {
  const KeyRing keys = ring();
  VerifiedTokenCache cache(16);
  std::string token = tokenFor(keys, "user-1");
  ASSERT_TRUE(cache.verify(keys, token, kOptions, kNow).isOk());
  token.back() = token.back() == 'A' ? 'B' : 'A';  // the signature no longer matches
  auto tampered = cache.verify(keys, token, kOptions, kNow);
  EXPECT_EQ(tampered.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(cache.size(), 1u) << "a refused token must not be remembered";
}

TEST(VerifiedTokenCache, ARememberedTokenStillExpires) {
  const KeyRing keys = ring();
  VerifiedTokenCache cache(16);
  const std::string token = tokenFor(keys, "user-1", kNow + 60);
  ASSERT_TRUE(cache.verify(keys, token, kOptions, kNow).isOk());
  ASSERT_TRUE(cache.verify(keys, token, kOptions, kNow + 60 + 29).isOk()) << "within the leeway";
  auto late = cache.verify(keys, token, kOptions, kNow + 60 + 30);
  ASSERT_FALSE(late.isOk());
  EXPECT_NE(late.status().message().find("expired"), std::string::npos) << late.status().toString();
  EXPECT_EQ(cache.size(), 0u);
}

TEST(VerifiedTokenCache, ATokenOfAnotherRingIsNeverServedFromMemory) {
  const KeyRing keys = ring();
  const KeyRing other = *KeyRing::of({{*SigningKey::hmacSecret("k2", "another secret of 32 bytes......"), kNow}});
  VerifiedTokenCache cache(16);
  auto refused = cache.verify(keys, tokenFor(other, "intruder"), kOptions, kNow);
  EXPECT_EQ(refused.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(VerifiedTokenCache, StaysWithinItsCapacityAndKeepsAnsweringCorrectly) {
  const KeyRing keys = ring();
  VerifiedTokenCache cache(8);
  std::vector<std::string> tokens;
  for (int i = 0; i < 50; ++i) tokens.push_back(tokenFor(keys, "user-" + std::to_string(i)));
  for (const auto& token : tokens) {
    ASSERT_TRUE(cache.verify(keys, token, kOptions, kNow).isOk());
    EXPECT_LE(cache.size(), 8u);
  }
  for (int i = 0; i < 50; ++i) {
    auto again = cache.verify(keys, tokens[i], kOptions, kNow);
    ASSERT_TRUE(again.isOk());
    EXPECT_EQ(again->subject, "user-" + std::to_string(i));
  }
  EXPECT_LE(cache.size(), 8u);
}

TEST(VerifiedTokenCache, CapacityZeroRemembersNothing) {
  const KeyRing keys = ring();
  VerifiedTokenCache cache(0);
  ASSERT_TRUE(cache.verify(keys, tokenFor(keys, "user-1"), kOptions, kNow).isOk());
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace fleetdeck::auth
