// One JWT signing key (HS256 secret, Ed25519 or RSA key pair) with its key id; OpenSSL stays hidden.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "fleetdeck/core/status.h"

namespace fleetdeck::auth {

enum class Algorithm { kHs256, kEdDsa, kRs256 };

// The JOSE names: "HS256", "EdDSA", "RS256".
std::string_view algorithmName(Algorithm algorithm);
// Exact, case-sensitive JOSE name; nullopt for anything else ("none" included).
std::optional<Algorithm> parseAlgorithm(std::string_view name);

class SigningKey {
 public:
  // A fresh random key: 32-byte secret, Ed25519 key pair or RSA-2048 key pair.
  static Result<SigningKey> generate(Algorithm algorithm, std::string kid);
  // HS256 with a given secret; INVALID_ARGUMENT when shorter than 32 bytes (RFC 7518 §3.2).
  static Result<SigningKey> hmacSecret(std::string kid, std::string secret);
  // Ed25519 from its 32-byte private seed (RFC 8037's "d").
  static Result<SigningKey> ed25519Seed(std::string kid, std::string_view seed);
  // Ed25519 or RSA from a PEM private key (PKCS#8 or traditional).
  static Result<SigningKey> privatePem(Algorithm algorithm, std::string kid, std::string_view pem);
  // Verification only: a PEM public key (SubjectPublicKeyInfo), for processes that never sign.
  static Result<SigningKey> publicPem(Algorithm algorithm, std::string kid, std::string_view pem);

  SigningKey(SigningKey&&) noexcept;
  SigningKey& operator=(SigningKey&&) noexcept;
  SigningKey(const SigningKey&);
  SigningKey& operator=(const SigningKey&);
  ~SigningKey();

  const std::string& kid() const;
  Algorithm algorithm() const;
  bool canSign() const;

  // The raw signature over `signingInput` (base64url(header) "." base64url(payload)).
  Result<std::string> sign(std::string_view signingInput) const;
  // Constant-time for HMAC; false on any mismatch or malformed signature.
  bool verify(std::string_view signingInput, std::string_view signature) const;

  // What the key file stores: the HMAC secret or Ed25519 seed (raw bytes), or the RSA private PEM.
  std::string exportPrivate() const;
  // The public half as PEM (empty for HMAC).
  std::string exportPublicPem() const;

 private:
  struct Impl;
  explicit SigningKey(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;
};

}  // namespace fleetdeck::auth
