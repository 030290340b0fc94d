#include "fleetdeck/auth/signing_key.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "fleetdeck/core/ids.h"

namespace fleetdeck::auth {
namespace {

constexpr size_t kHmacSecretBytes = 32;
constexpr size_t kEd25519Bytes = 32;

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

std::string bioText(BIO* bio) {
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  return length > 0 ? std::string(data, static_cast<size_t>(length)) : std::string();
}

bool keyMatches(EVP_PKEY* key, Algorithm algorithm) {
  if (algorithm == Algorithm::kEdDsa) return EVP_PKEY_is_a(key, "ED25519") == 1;
  if (algorithm == Algorithm::kRs256) return EVP_PKEY_is_a(key, "RSA") == 1 && EVP_PKEY_get_bits(key) >= 2048;
  return false;
}

}  // namespace

std::string_view algorithmName(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::kHs256: return "HS256";
    case Algorithm::kEdDsa: return "EdDSA";
    case Algorithm::kRs256: return "RS256";
  }
  return "";
}

std::optional<Algorithm> parseAlgorithm(std::string_view name) {
  if (name == "HS256") return Algorithm::kHs256;
  if (name == "EdDSA") return Algorithm::kEdDsa;
  if (name == "RS256") return Algorithm::kRs256;
  return std::nullopt;
}

struct SigningKey::Impl {
  std::string kid;
  Algorithm algorithm = Algorithm::kHs256;
  std::string secret;  // HS256
  PkeyPtr key;         // EdDSA, RS256
  bool hasPrivate = false;
};

SigningKey::SigningKey(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
SigningKey::SigningKey(SigningKey&&) noexcept = default;
SigningKey& SigningKey::operator=(SigningKey&&) noexcept = default;
// Keys are immutable once built, so copies share the OpenSSL object.
SigningKey::SigningKey(const SigningKey&) = default;
SigningKey& SigningKey::operator=(const SigningKey&) = default;
SigningKey::~SigningKey() = default;

const std::string& SigningKey::kid() const { return impl_->kid; }
Algorithm SigningKey::algorithm() const { return impl_->algorithm; }
bool SigningKey::canSign() const { return impl_->hasPrivate; }

Result<SigningKey> SigningKey::hmacSecret(std::string kid, std::string secret) {
  if (secret.size() < kHmacSecretBytes) {
    return invalidArgument("an HS256 secret must be at least 32 bytes, got " + std::to_string(secret.size()));
  }
  auto impl = std::make_shared<Impl>();
  impl->kid = std::move(kid);
  impl->algorithm = Algorithm::kHs256;
  impl->secret = std::move(secret);
  impl->hasPrivate = true;
  return SigningKey(std::move(impl));
}

Result<SigningKey> SigningKey::ed25519Seed(std::string kid, std::string_view seed) {
  if (seed.size() != kEd25519Bytes) return invalidArgument("an Ed25519 seed must be 32 bytes");
  PkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                           reinterpret_cast<const unsigned char*>(seed.data()), seed.size()));
  if (!key) return internalError("OpenSSL refused the Ed25519 seed");
  auto impl = std::make_shared<Impl>();
  impl->kid = std::move(kid);
  impl->algorithm = Algorithm::kEdDsa;
  impl->key = std::move(key);
  impl->hasPrivate = true;
  return SigningKey(std::move(impl));
}

Result<SigningKey> SigningKey::privatePem(Algorithm algorithm, std::string kid, std::string_view pem) {
  if (algorithm == Algorithm::kHs256) return invalidArgument("HS256 keys are secrets, not PEM keys");
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return invalidArgument("not a PEM private key");
  if (!keyMatches(key.get(), algorithm)) {
    return invalidArgument("the PEM key does not fit " + std::string(algorithmName(algorithm)) +
                           " (EdDSA needs Ed25519, RS256 needs RSA of at least 2048 bits)");
  }
  auto impl = std::make_shared<Impl>();
  impl->kid = std::move(kid);
  impl->algorithm = algorithm;
  impl->key = std::move(key);
  impl->hasPrivate = true;
  return SigningKey(std::move(impl));
}

Result<SigningKey> SigningKey::publicPem(Algorithm algorithm, std::string kid, std::string_view pem) {
  if (algorithm == Algorithm::kHs256) return invalidArgument("HS256 has no public key");
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return invalidArgument("not a PEM public key");
  if (!keyMatches(key.get(), algorithm)) {
    return invalidArgument("the PEM key does not fit " + std::string(algorithmName(algorithm)));
  }
  auto impl = std::make_shared<Impl>();
  impl->kid = std::move(kid);
  impl->algorithm = algorithm;
  impl->key = std::move(key);
  return SigningKey(std::move(impl));
}

Result<SigningKey> SigningKey::generate(Algorithm algorithm, std::string kid) {
  switch (algorithm) {
    case Algorithm::kHs256:
      return hmacSecret(std::move(kid), randomBytes(kHmacSecretBytes));
    case Algorithm::kEdDsa:
      return ed25519Seed(std::move(kid), randomBytes(kEd25519Bytes));
    case Algorithm::kRs256: {
      PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
      if (!key) return internalError("RSA key generation failed");
      auto impl = std::make_shared<Impl>();
      impl->kid = std::move(kid);
      impl->algorithm = algorithm;
      impl->key = std::move(key);
      impl->hasPrivate = true;
      return SigningKey(std::move(impl));
    }
  }
  return invalidArgument("unknown algorithm");
}

Result<std::string> SigningKey::sign(std::string_view signingInput) const {
  if (!impl_->hasPrivate) return failedPrecondition("key " + impl_->kid + " can only verify");
  if (impl_->algorithm == Algorithm::kHs256) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (HMAC(EVP_sha256(), impl_->secret.data(), static_cast<int>(impl_->secret.size()),
             reinterpret_cast<const unsigned char*>(signingInput.data()), signingInput.size(), mac, &length) == nullptr) {
      return internalError("HMAC-SHA256 failed");
    }
    return std::string(reinterpret_cast<const char*>(mac), length);
  }
  MdCtxPtr context(EVP_MD_CTX_new());
  // Ed25519 hashes internally and takes no digest; RS256 is PKCS#1 v1.5 over SHA-256.
  const EVP_MD* digest = impl_->algorithm == Algorithm::kRs256 ? EVP_sha256() : nullptr;
  if (!context || EVP_DigestSignInit(context.get(), nullptr, digest, nullptr, impl_->key.get()) != 1) {
    return internalError("cannot start signing");
  }
  size_t length = 0;
  const auto* input = reinterpret_cast<const unsigned char*>(signingInput.data());
  if (EVP_DigestSign(context.get(), nullptr, &length, input, signingInput.size()) != 1) {
    return internalError("cannot size the signature");
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length, input,
                     signingInput.size()) != 1) {
    return internalError("signing failed");
  }
  signature.resize(length);
  return signature;
}

bool SigningKey::verify(std::string_view signingInput, std::string_view signature) const {
  if (impl_->algorithm == Algorithm::kHs256) {
    auto expected = sign(signingInput);
    return expected && expected->size() == signature.size() &&
           CRYPTO_memcmp(expected->data(), signature.data(), signature.size()) == 0;
  }
  if (impl_->algorithm == Algorithm::kEdDsa && signature.size() != 64) return false;
  MdCtxPtr context(EVP_MD_CTX_new());
  const EVP_MD* digest = impl_->algorithm == Algorithm::kRs256 ? EVP_sha256() : nullptr;
  if (!context || EVP_DigestVerifyInit(context.get(), nullptr, digest, nullptr, impl_->key.get()) != 1) return false;
  return EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(signingInput.data()), signingInput.size()) == 1;
}

std::string SigningKey::exportPrivate() const {
  if (!impl_->hasPrivate) return {};
  if (impl_->algorithm == Algorithm::kHs256) return impl_->secret;
  if (impl_->algorithm == Algorithm::kEdDsa) {
    std::string seed(kEd25519Bytes, '\0');
    size_t length = seed.size();
    if (EVP_PKEY_get_raw_private_key(impl_->key.get(), reinterpret_cast<unsigned char*>(seed.data()), &length) != 1) {
      return {};
    }
    seed.resize(length);
    return seed;
  }
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(bio.get(), impl_->key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) return {};
  return bioText(bio.get());
}

std::string SigningKey::exportPublicPem() const {
  if (impl_->algorithm == Algorithm::kHs256) return {};
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PUBKEY(bio.get(), impl_->key.get()) != 1) return {};
  return bioText(bio.get());
}

}  // namespace fleetdeck::auth
