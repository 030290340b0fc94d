// Token verification: every claim check, algorithm pinning, and tokens made by another implementation.
#include "fleetdeck/auth/jwt.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>

#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/json.h"

namespace fleetdeck::auth {
namespace {

constexpr int64_t kNow = 1'800'000'000;
const std::string kSecret = "0123456789abcdef0123456789abcdef";

KeyRing hmacRing(const std::string& kid = "k1", const std::string& secret = kSecret) {
  return *KeyRing::of({{*SigningKey::hmacSecret(kid, secret), kNow}});
}

Claims claims() {
  Claims c;
  c.subject = "0190a1b2-0000-7000-8000-000000000001";
  c.role = "customer";
  c.username = "alice";
  c.issuer = "fleetdeck";
  c.audience = "fleetdeck-api";
  c.sessionId = "family-1";
  c.issuedAt = kNow;
  c.notBefore = kNow;
  c.expiresAt = kNow + 900;
  return c;
}

VerifyOptions options() { return {.issuer = "fleetdeck", .audience = "fleetdeck-api"}; }

std::string part(const boost::json::object& object) { return base64UrlEncode(boost::json::serialize(object)); }

// A token with an arbitrary header and payload, signed with HS256 under kSecret.
std::string forge(const boost::json::object& header, const boost::json::object& payload) {
  const std::string input = part(header) + "." + part(payload);
  return input + "." + base64UrlEncode(*SigningKey::hmacSecret("x", kSecret)->sign(input));
}

boost::json::object goodPayload() {
  return {{"sub", "u1"}, {"iss", "fleetdeck"}, {"aud", "fleetdeck-api"}, {"iat", kNow}, {"nbf", kNow}, {"exp", kNow + 60}};
}

std::string reasonOf(const Result<Claims>& result) { return result.status().message(); }

TEST(Jwt, SignedTokensVerifyWithEveryClaimIntact) {
  const KeyRing ring = hmacRing();
  auto token = signToken(ring, claims());
  ASSERT_TRUE(token.isOk());
  auto verified = verifyToken(ring, *token, options(), kNow + 10);
  ASSERT_TRUE(verified.isOk()) << verified.status().toString();
  EXPECT_EQ(verified->subject, claims().subject);
  EXPECT_EQ(verified->role, "customer");
  EXPECT_EQ(verified->username, "alice");
  EXPECT_EQ(verified->sessionId, "family-1");
  EXPECT_EQ(verified->expiresAt, kNow + 900);
  EXPECT_FALSE(verified->tokenId.empty());
  const auto header = json::parse(*base64UrlDecode(token->substr(0, token->find('.'))));
  EXPECT_EQ(json::stringOr(header->as_object(), "kid"), "k1");
  EXPECT_EQ(json::stringOr(header->as_object(), "alg"), "HS256");
}

// ver, the account's version: carried when set, absent when not, and nothing else is taken for one.
TEST(Jwt, TheAccountVersionIsCarriedAndMustBeAPositiveInteger) {
  const KeyRing ring = hmacRing("x");
  Claims versioned = claims();
  versioned.accountVersion = 7;
  auto verified = verifyToken(ring, *signToken(ring, versioned), options(), kNow + 10);
  ASSERT_TRUE(verified.isOk()) << verified.status().toString();
  EXPECT_EQ(verified->accountVersion, 7);
  verified = verifyToken(ring, *signToken(ring, claims()), options(), kNow + 10);
  ASSERT_TRUE(verified.isOk());
  EXPECT_EQ(verified->accountVersion, 0);
  for (const boost::json::value bad : {boost::json::value("7"), boost::json::value(0), boost::json::value(-1),
                                       boost::json::value(7.5)}) {
    auto payload = goodPayload();
    payload["ver"] = bad;
    const auto refused = verifyToken(ring, forge({{"alg", "HS256"}, {"kid", "x"}}, payload), options(), kNow + 10);
    EXPECT_FALSE(refused.isOk()) << boost::json::serialize(bad);
  }
}

TEST(Jwt, AlgNoneIsRefusedEvenWithoutASignature) {
  const std::string token = part({{"alg", "none"}, {"kid", "k1"}}) + "." + part(goodPayload()) + ".";
  auto result = verifyToken(hmacRing(), token, options(), kNow);
  EXPECT_EQ(result.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(reasonOf(result).find("algorithm 'none'"), std::string::npos) << reasonOf(result);
}

TEST(Jwt, ATamperedPayloadOrSignatureFails) {
  const KeyRing ring = hmacRing();
  const std::string token = *signToken(ring, claims());
  const size_t dot = token.find('.');
  boost::json::object admin = goodPayload();
  admin["role"] = "admin";
  const std::string swapped = token.substr(0, dot) + "." + part(admin) + token.substr(token.rfind('.'));
  EXPECT_NE(reasonOf(verifyToken(ring, swapped, options(), kNow)).find("signature mismatch"), std::string::npos);
  std::string flipped = token;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verifyToken(ring, flipped, options(), kNow).isOk());
}

TEST(Jwt, TimeClaimsAreCheckedWithLeeway) {
  const KeyRing ring = hmacRing();
  const std::string token = *signToken(ring, claims());
  EXPECT_TRUE(verifyToken(ring, token, options(), kNow + 900 + 29).isOk()) << "within 30 s leeway";
  EXPECT_NE(reasonOf(verifyToken(ring, token, options(), kNow + 900 + 30)).find("expired"), std::string::npos);
  EXPECT_NE(reasonOf(verifyToken(ring, token, options(), kNow - 31)).find("nbf"), std::string::npos);
  boost::json::object futureIat = goodPayload();
  futureIat["iat"] = kNow + 3600;
  futureIat.erase("nbf");
  futureIat["exp"] = kNow + 7200;
  EXPECT_NE(reasonOf(verifyToken(ring, forge({{"alg", "HS256"}, {"kid", "k1"}}, futureIat), options(), kNow)).find("iat"),
            std::string::npos);
  boost::json::object noExp = goodPayload();
  noExp.erase("exp");
  EXPECT_NE(reasonOf(verifyToken(ring, forge({{"alg", "HS256"}, {"kid", "k1"}}, noExp), options(), kNow)).find("exp"),
            std::string::npos);
}

TEST(Jwt, IssuerAndAudienceMustMatch) {
  const KeyRing ring = hmacRing();
  Claims other = claims();
  other.audience = "someone-else";
  EXPECT_NE(reasonOf(verifyToken(ring, *signToken(ring, other), options(), kNow)).find("audience"), std::string::npos);
  other = claims();
  other.issuer = "evil";
  EXPECT_NE(reasonOf(verifyToken(ring, *signToken(ring, other), options(), kNow)).find("issuer"), std::string::npos);
  boost::json::object listed = goodPayload();
  listed["aud"] = boost::json::array{"x", "fleetdeck-api"};
  EXPECT_TRUE(verifyToken(ring, forge({{"alg", "HS256"}, {"kid", "k1"}}, listed), options(), kNow).isOk());
}

TEST(Jwt, TheKeyPinsTheAlgorithm) {
  // Key confusion: an HS256 token "signed" with the RSA public key as its secret must not pass.
  auto rsa = SigningKey::generate(Algorithm::kRs256, "r1");
  ASSERT_TRUE(rsa.isOk());
  const KeyRing ring = *KeyRing::of({{*rsa, kNow}});
  const std::string publicPem = rsa->exportPublicPem();
  const std::string input = part({{"alg", "HS256"}, {"kid", "r1"}}) + "." + part(goodPayload());
  const auto fake = SigningKey::hmacSecret("r1", publicPem);
  ASSERT_TRUE(fake.isOk());
  const std::string token = input + "." + base64UrlEncode(*fake->sign(input));
  EXPECT_NE(reasonOf(verifyToken(ring, token, options(), kNow)).find("does not match the key"), std::string::npos);
  // And the genuine RS256 token passes.
  EXPECT_TRUE(verifyToken(ring, *signToken(ring, claims()), options(), kNow).isOk());
}

TEST(Jwt, UnknownKidsAndMalformedTokensAreRefused) {
  const KeyRing ring = hmacRing();
  EXPECT_NE(reasonOf(verifyToken(ring, forge({{"alg", "HS256"}, {"kid", "k9"}}, goodPayload()), options(), kNow))
                .find("unknown key id"),
            std::string::npos);
  for (const char* bad : {"", "abc", "a.b", "a.b.c.d", "!!.??.**", "e30.e30.e30"}) {
    EXPECT_EQ(verifyToken(ring, bad, options(), kNow).status().code(), StatusCode::kUnauthenticated) << bad;
  }
  EXPECT_FALSE(verifyToken(ring, std::string(9000, 'a'), options(), kNow).isOk());
}

TEST(Jwt, RotatedRingsStillAcceptTokensOfThePreviousKey) {
  const KeyRing before = hmacRing();
  const std::string oldToken = *signToken(before, claims());
  auto after = before.rotated(Algorithm::kEdDsa, 1, kNow + 100);
  ASSERT_TRUE(after.isOk());
  EXPECT_NE(after->current().kid(), "k1");
  EXPECT_TRUE(verifyToken(*after, oldToken, options(), kNow).isOk());
  const std::string newToken = *signToken(*after, claims());
  EXPECT_TRUE(verifyToken(*after, newToken, options(), kNow).isOk());
  EXPECT_FALSE(verifyToken(before, newToken, options(), kNow).isOk());
  // One more rotation with keepPrevious = 1 drops k1.
  auto again = after->rotated(Algorithm::kHs256, 1, kNow + 200);
  ASSERT_TRUE(again.isOk());
  EXPECT_FALSE(verifyToken(*again, oldToken, options(), kNow).isOk());
  EXPECT_TRUE(verifyToken(*again, newToken, options(), kNow).isOk());
}

// Runs python3's standard library (hmac, hashlib, base64, json) to make a token: an independent HS256.
TEST(Jwt, AcceptsATokenMadeByPythonsHmac) {
  const std::string script =
      "import base64,hashlib,hmac,json,sys\n"
      "b=lambda d: base64.urlsafe_b64encode(d).rstrip(b'=')\n"
      "h=b(json.dumps({'alg':'HS256','typ':'JWT','kid':'py'}).encode())\n"
      "p=b(json.dumps({'sub':'u-py','role':'operator','iss':'fleetdeck','aud':'fleetdeck-api',"
      "'iat':1800000000,'nbf':1800000000,'exp':1800000600}).encode())\n"
      "s=b(hmac.new(sys.argv[1].encode(),h+b'.'+p,hashlib.sha256).digest())\n"
      "print((h+b'.'+p+b'.'+s).decode())\n";
  const std::string path = ::testing::TempDir() + "make_token.py";
  FILE* file = std::fopen(path.c_str(), "w");
  ASSERT_NE(file, nullptr);
  std::fputs(script.c_str(), file);
  std::fclose(file);
  FILE* pipe = popen(("python3 " + path + " " + kSecret + " 2>/dev/null").c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::array<char, 2048> buffer{};
  std::string output;
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) output += buffer.data();
  const int exitCode = pclose(pipe);
  if (exitCode != 0 && output.empty()) GTEST_SKIP() << "python3 is not available to make the reference token";
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
  auto verified = verifyToken(hmacRing("py"), output, options(), kNow + 5);
  ASSERT_TRUE(verified.isOk()) << verified.status().toString() << " token=" << output;
  EXPECT_EQ(verified->subject, "u-py");
  EXPECT_EQ(verified->role, "operator");
  // And the other direction: python checks a token we signed.
  const std::string ours = *signToken(hmacRing("py"), claims());
  const std::string check =
      "import base64,hashlib,hmac,sys\n"
      "h,p,s=sys.argv[2].split('.')\n"
      "pad=lambda t: t+'='*(-len(t)%4)\n"
      "ok=hmac.compare_digest(base64.urlsafe_b64decode(pad(s)),hmac.new(sys.argv[1].encode(),(h+'.'+p).encode(),hashlib.sha256).digest())\n"
      "sys.exit(0 if ok else 3)\n";
  const std::string checkPath = ::testing::TempDir() + "check_token.py";
  file = std::fopen(checkPath.c_str(), "w");
  ASSERT_NE(file, nullptr);
  std::fputs(check.c_str(), file);
  std::fclose(file);
  EXPECT_EQ(std::system(("python3 " + checkPath + " " + kSecret + " " + ours).c_str()), 0);
}

}  // namespace
}  // namespace fleetdeck::auth
