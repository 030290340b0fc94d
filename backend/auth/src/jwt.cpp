#include "fleetdeck/auth/jwt.h"

#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/core/json.h"

namespace fleetdeck::auth {
namespace {

// A JSON number that is an integral count of seconds (JWT NumericDate); fractions are truncated.
std::optional<int64_t> numericDate(const boost::json::object& payload, std::string_view key) {
  const auto* value = payload.if_contains(key);
  if (value == nullptr) return std::nullopt;
  if (value->is_int64()) return value->as_int64();
  if (value->is_uint64() && value->as_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(value->as_uint64());
  }
  if (value->is_double()) return static_cast<int64_t>(value->as_double());
  return std::nullopt;
}

bool audienceMatches(const boost::json::value* audience, std::string_view expected) {
  if (audience == nullptr) return false;
  if (const auto* text = audience->if_string()) return *text == expected;
  if (const auto* list = audience->if_array()) {
    for (const auto& entry : *list) {
      if (const auto* text = entry.if_string(); text != nullptr && *text == expected) return true;
    }
  }
  return false;
}

Status rejected(std::string reason) { return unauthenticated("invalid access token: " + reason); }

}  // namespace

int64_t unixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Result<std::string> signToken(const KeyRing& ring, const Claims& claims) {
  const SigningKey& key = ring.current();
  const boost::json::object header{{"alg", algorithmName(key.algorithm())}, {"typ", "JWT"}, {"kid", key.kid()}};
  boost::json::object payload{{"sub", claims.subject},  {"iss", claims.issuer},     {"aud", claims.audience},
                              {"iat", claims.issuedAt}, {"nbf", claims.notBefore}, {"exp", claims.expiresAt},
                              {"jti", claims.tokenId.empty() ? randomHex(16) : claims.tokenId}};
  if (!claims.role.empty()) payload["role"] = claims.role;
  if (!claims.username.empty()) payload["name"] = claims.username;
  if (!claims.sessionId.empty()) payload["sid"] = claims.sessionId;
  if (claims.accountVersion > 0) payload["ver"] = claims.accountVersion;
  const std::string signingInput =
      base64UrlEncode(boost::json::serialize(header)) + "." + base64UrlEncode(boost::json::serialize(payload));
  auto signature = key.sign(signingInput);
  if (!signature) return signature.status();
  return signingInput + "." + base64UrlEncode(*signature);
}

Result<Claims> verifyToken(const KeyRing& ring, std::string_view token, const VerifyOptions& options,
                           int64_t nowSeconds) {
  if (token.empty()) return rejected("empty");
  if (token.size() > options.maxTokenBytes) return rejected("longer than " + std::to_string(options.maxTokenBytes) + " bytes");
  const size_t firstDot = token.find('.');
  const size_t secondDot = firstDot == std::string_view::npos ? firstDot : token.find('.', firstDot + 1);
  if (secondDot == std::string_view::npos || token.find('.', secondDot + 1) != std::string_view::npos) {
    return rejected("not three dot-separated parts");
  }
  const std::string_view headerPart = token.substr(0, firstDot);
  const std::string_view payloadPart = token.substr(firstDot + 1, secondDot - firstDot - 1);
  const std::string_view signaturePart = token.substr(secondDot + 1);

  auto headerText = base64UrlDecode(headerPart);
  if (!headerText) return rejected("header is not base64url");
  auto header = json::parse(*headerText);
  if (!header || !header->is_object()) return rejected("header is not a JSON object");
  const std::string alg = json::stringOr(header->as_object(), "alg");
  const std::string kid = json::stringOr(header->as_object(), "kid");
  if (header->as_object().contains("crit")) return rejected("critical header extensions are not supported");
  if (!parseAlgorithm(alg)) return rejected("algorithm '" + alg + "' is not accepted");
  const SigningKey* key = ring.find(kid);
  if (key == nullptr) return rejected("unknown key id");
  // The key decides the algorithm, never the token: an HS256 token cannot pass as RS256 and "none" never passes.
  if (alg != algorithmName(key->algorithm())) return rejected("algorithm does not match the key");
  auto signature = base64UrlDecode(signaturePart);
  if (!signature || signature->empty()) return rejected("signature is not base64url");
  if (!key->verify(token.substr(0, secondDot), *signature)) return rejected("signature mismatch");

  auto payloadText = base64UrlDecode(payloadPart);
  if (!payloadText) return rejected("payload is not base64url");
  auto payloadValue = json::parse(*payloadText);
  if (!payloadValue || !payloadValue->is_object()) return rejected("payload is not a JSON object");
  const auto& payload = payloadValue->as_object();

  Claims claims;
  claims.subject = json::stringOr(payload, "sub");
  claims.role = json::stringOr(payload, "role");
  claims.username = json::stringOr(payload, "name");
  claims.issuer = json::stringOr(payload, "iss");
  claims.tokenId = json::stringOr(payload, "jti");
  claims.sessionId = json::stringOr(payload, "sid");
  const auto exp = numericDate(payload, "exp");
  const auto nbf = numericDate(payload, "nbf");
  const auto iat = numericDate(payload, "iat");
  const int64_t leeway = options.leeway.count();
  if (!exp) return rejected("no expiry (exp)");
  if (nowSeconds >= *exp + leeway) return rejected("expired");
  if (nbf && nowSeconds + leeway < *nbf) return rejected("not valid yet (nbf)");
  if (!iat) return rejected("no issue time (iat)");
  if (nowSeconds + leeway < *iat) return rejected("issued in the future (iat)");
  if (claims.issuer != options.issuer) return rejected("wrong issuer");
  if (!audienceMatches(payload.if_contains("aud"), options.audience)) return rejected("wrong audience");
  if (claims.subject.empty()) return rejected("no subject (sub)");
  if (payload.contains("ver")) {
    const auto* version = payload.if_contains("ver");
    if (!version->is_int64() || version->as_int64() < 1) return rejected("account version (ver) is not a positive integer");
    claims.accountVersion = version->as_int64();
  }
  claims.audience = options.audience;
  claims.expiresAt = *exp;
  claims.notBefore = nbf.value_or(0);
  claims.issuedAt = *iat;
  return claims;
}

}  // namespace fleetdeck::auth
