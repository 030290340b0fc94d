// Signatures against published vectors (RFC 7515 A.1, RFC 8037 A.4) and round trips per algorithm.
#include "fleetdeck/auth/signing_key.h"

#include <gtest/gtest.h>

#include "fleetdeck/core/encoding.h"

namespace fleetdeck::auth {
namespace {

TEST(SigningKey, Hs256MatchesRfc7515AppendixA1) {
  const auto secret = base64UrlDecode("AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
  ASSERT_TRUE(secret);
  auto key = SigningKey::hmacSecret("rfc", *secret);
  ASSERT_TRUE(key.isOk());
  const std::string input =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
  auto signature = key->sign(input);
  ASSERT_TRUE(signature.isOk());
  EXPECT_EQ(base64UrlEncode(*signature), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
  EXPECT_TRUE(key->verify(input, *base64UrlDecode("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")));
  EXPECT_FALSE(key->verify(input + "x", *signature));
}

TEST(SigningKey, EdDsaMatchesRfc8037AppendixA4) {
  const auto seed = base64UrlDecode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A");
  ASSERT_TRUE(seed);
  auto key = SigningKey::ed25519Seed("rfc", *seed);
  ASSERT_TRUE(key.isOk()) << key.status().toString();
  const std::string input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
  auto signature = key->sign(input);
  ASSERT_TRUE(signature.isOk());
  EXPECT_EQ(base64UrlEncode(*signature),
            "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg");
  // The public half alone verifies it, and only it.
  auto publicOnly = SigningKey::publicPem(Algorithm::kEdDsa, "pub", key->exportPublicPem());
  ASSERT_TRUE(publicOnly.isOk()) << publicOnly.status().toString();
  EXPECT_FALSE(publicOnly->canSign());
  EXPECT_TRUE(publicOnly->verify(input, *signature));
  std::string flipped = *signature;
  flipped[10] ^= 0x01;
  EXPECT_FALSE(publicOnly->verify(input, flipped));
}

TEST(SigningKey, Rs256RoundTripsThroughPem) {
  auto key = SigningKey::generate(Algorithm::kRs256, "r1");
  ASSERT_TRUE(key.isOk());
  auto signature = key->sign("a.b");
  ASSERT_TRUE(signature.isOk());
  EXPECT_EQ(signature->size(), 256u);
  auto reloaded = SigningKey::privatePem(Algorithm::kRs256, "r1", key->exportPrivate());
  ASSERT_TRUE(reloaded.isOk()) << reloaded.status().toString();
  EXPECT_TRUE(reloaded->verify("a.b", *signature));
  EXPECT_FALSE(reloaded->verify("a.c", *signature));
}

TEST(SigningKey, RefusesWeakOrMismatchedKeyMaterial) {
  EXPECT_EQ(SigningKey::hmacSecret("k", std::string(31, 'x')).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(SigningKey::ed25519Seed("k", "short").isOk());
  auto ed = SigningKey::generate(Algorithm::kEdDsa, "e");
  ASSERT_TRUE(ed.isOk());
  // An Ed25519 public key cannot be loaded as an RS256 key.
  EXPECT_FALSE(SigningKey::publicPem(Algorithm::kRs256, "x", ed->exportPublicPem()).isOk());
  EXPECT_FALSE(SigningKey::privatePem(Algorithm::kRs256, "x", "-----BEGIN nonsense-----").isOk());
}

TEST(SigningKey, AlgorithmNamesAreExact) {
  EXPECT_EQ(parseAlgorithm("HS256"), Algorithm::kHs256);
  EXPECT_EQ(parseAlgorithm("EdDSA"), Algorithm::kEdDsa);
  EXPECT_EQ(parseAlgorithm("RS256"), Algorithm::kRs256);
  for (const char* bad : {"none", "None", "hs256", "HS512", "ES256", ""}) EXPECT_FALSE(parseAlgorithm(bad)) << bad;
}

}  // namespace
}  // namespace fleetdeck::auth
