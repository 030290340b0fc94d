// Key files: created 0600 on first start, reloaded unchanged, rotated by age, refused when exposed.
#include "fleetdeck/auth/key_ring.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "fleetdeck/auth/jwt.h"
#include "fleetdeck/core/ids.h"

namespace fleetdeck::auth {
namespace {

namespace fs = std::filesystem;
constexpr int64_t kNow = 1'800'000'000;

// A key file's path in a folder of its own, removed with its contents when the test ends.
class ScratchKeyFile {
 public:
  ScratchKeyFile() : folder_(fs::path(::testing::TempDir()) / ("keys-" + randomHex(6))) {}
  ~ScratchKeyFile() {
    std::error_code leftBehind;  // a folder that cannot be removed is /tmp's problem, not the test's
    fs::remove_all(folder_, leftBehind);
  }
  ScratchKeyFile(const ScratchKeyFile&) = delete;
  ScratchKeyFile& operator=(const ScratchKeyFile&) = delete;
  fs::path path() const { return folder_ / "jwt-keys.json"; }

 private:
  fs::path folder_;
};

mode_t modeOf(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0);
  return info.st_mode & 0777;
}

TEST(KeyFile, FirstStartCreatesAPrivateFileThatLaterStartsReuse) {
  const ScratchKeyFile scratch;
  const fs::path path = scratch.path();
  auto first = loadOrCreateKeyFile({.path = path}, kNow);
  ASSERT_TRUE(first.isOk()) << first.status().toString();
  EXPECT_EQ(modeOf(path), 0600u);
  EXPECT_EQ(modeOf(path.parent_path()), 0700u);
  auto second = loadOrCreateKeyFile({.path = path}, kNow + 10);
  ASSERT_TRUE(second.isOk());
  EXPECT_EQ(second->current().kid(), first->current().kid());
  Claims claims{.subject = "u", .issuer = "i", .audience = "a", .issuedAt = kNow, .expiresAt = kNow + 60};
  const auto token = signToken(*first, claims);
  EXPECT_TRUE(verifyToken(*second, *token, {.issuer = "i", .audience = "a"}, kNow).isOk());
}

TEST(KeyFile, EveryAlgorithmSurvivesARoundTripThroughTheFile) {
  for (const Algorithm algorithm : {Algorithm::kHs256, Algorithm::kEdDsa, Algorithm::kRs256}) {
    const ScratchKeyFile scratch;
    const fs::path path = scratch.path();
    auto created = loadOrCreateKeyFile({.path = path, .algorithm = algorithm}, kNow);
    ASSERT_TRUE(created.isOk()) << algorithmName(algorithm) << ": " << created.status().toString();
    auto reloaded = loadOrCreateKeyFile({.path = path, .algorithm = algorithm}, kNow);
    ASSERT_TRUE(reloaded.isOk()) << reloaded.status().toString();
    EXPECT_EQ(reloaded->current().algorithm(), algorithm);
    auto signature = created->current().sign("x.y");
    EXPECT_TRUE(reloaded->current().verify("x.y", *signature)) << algorithmName(algorithm);
  }
}

TEST(KeyFile, AnOldKeyIsRotatedAndStillVerifies) {
  const ScratchKeyFile scratch;
  const fs::path path = scratch.path();
  auto first = loadOrCreateKeyFile({.path = path}, kNow);
  ASSERT_TRUE(first.isOk());
  const KeyFileOptions rotating{.path = path, .rotateAfter = std::chrono::hours(24), .keepPrevious = 1};
  auto sameDay = loadOrCreateKeyFile(rotating, kNow + 3600);
  EXPECT_EQ(sameDay->current().kid(), first->current().kid());
  auto nextDay = loadOrCreateKeyFile(rotating, kNow + 86'400);
  ASSERT_TRUE(nextDay.isOk());
  EXPECT_NE(nextDay->current().kid(), first->current().kid());
  EXPECT_NE(nextDay->find(first->current().kid()), nullptr);
  EXPECT_EQ(modeOf(path), 0600u);
  // Switching the algorithm in config rotates too.
  auto switched = loadOrCreateKeyFile(
      {.path = path, .algorithm = Algorithm::kEdDsa, .rotateAfter = std::chrono::hours(24), .keepPrevious = 1},
      kNow + 86'401);
  ASSERT_TRUE(switched.isOk());
  EXPECT_EQ(switched->current().algorithm(), Algorithm::kEdDsa);
}

// rotate_after = 0: the ring is managed outside (a Secret every gateway replica mounts). A key a
// replica made for itself would sign tokens the others cannot verify, so another algorithm in
// config is refused, and the file left as it is.
TEST(KeyFile, WithRotationOffAnotherAlgorithmIsRefused_TheFileUntouched) {
  const ScratchKeyFile scratch;
  const fs::path path = scratch.path();
  ASSERT_TRUE(loadOrCreateKeyFile({.path = path}, kNow).isOk());
  std::ifstream before(path);
  const std::string original((std::istreambuf_iterator<char>(before)), std::istreambuf_iterator<char>());
  auto refused = loadOrCreateKeyFile({.path = path, .algorithm = Algorithm::kEdDsa}, kNow + 10);
  ASSERT_FALSE(refused.isOk());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("auth.algorithm"), std::string::npos) << refused.status().toString();
  std::ifstream after(path);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(after)), std::istreambuf_iterator<char>()), original);
}

TEST(KeyFile, AFileOthersCanReadIsRefusedWithTheFix) {
  const ScratchKeyFile scratch;
  const fs::path path = scratch.path();
  ASSERT_TRUE(loadOrCreateKeyFile({.path = path}, kNow).isOk());
  ::chmod(path.c_str(), 0644);
  auto refused = loadOrCreateKeyFile({.path = path}, kNow);
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("chmod 600"), std::string::npos);
}

TEST(KeyFile, ACorruptFileNamesTheProblem) {
  const ScratchKeyFile scratch;
  const fs::path path = scratch.path();
  fs::create_directories(path.parent_path());
  {
    std::ofstream out(path);
    out << R"({"keys":[{"kid":"a","alg":"none","private":"AAAA"}]})";
  }
  ::chmod(path.c_str(), 0600);
  auto result = loadOrCreateKeyFile({.path = path}, kNow);
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("keys[0].alg"), std::string::npos) << result.status().message();
}

TEST(KeyRing, RefusesDuplicateKidsAndEmptyRings) {
  auto key = SigningKey::generate(Algorithm::kHs256, "same");
  EXPECT_FALSE(KeyRing::of({}).isOk());
  EXPECT_FALSE(KeyRing::of({{*key, 0}, {*key, 0}}).isOk());
}

}  // namespace
}  // namespace fleetdeck::auth
