// writeFileAtomically: the whole file with the mode asked for, or the old one untouched.
#include "fleetdeck/core/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fleetdeck/core/ids.h"

namespace fleetdeck {
namespace {

namespace fs = std::filesystem;

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override { fs::create_directories(folder_); }
  void TearDown() override { fs::remove_all(folder_); }
  static std::string read(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  static mode_t modeOf(const fs::path& path) {
    struct stat info {};
    EXPECT_EQ(::stat(path.c_str(), &info), 0);
    return info.st_mode & 0777;
  }
  size_t entries() const { return static_cast<size_t>(std::distance(fs::directory_iterator(folder_), {})); }

  const fs::path folder_ = fs::temp_directory_path() / ("atomic-file-" + randomHex(6));
};

TEST_F(AtomicFileTest, ReplacesTheFileWhole_WithTheModeAskedForWhateverTheUmask) {
  const fs::path file = folder_ / "postgres-password";
  std::ofstream(file) << "old\n";
  const mode_t previous = ::umask(0);  // a umask that would leave a secret world-readable
  const Status written = writeFileAtomically(file, "new secret\n", 0600);
  ::umask(previous);
  ASSERT_TRUE(written.isOk()) << written.toString();
  EXPECT_EQ(read(file), "new secret\n");
  EXPECT_EQ(modeOf(file), 0600u);

  const mode_t strict = ::umask(077);  // and one that would hide the state file from `status`
  ASSERT_TRUE(writeFileAtomically(folder_ / "state.json", "{}", 0644).isOk());
  ::umask(strict);
  EXPECT_EQ(modeOf(folder_ / "state.json"), 0644u);
  EXPECT_EQ(entries(), 2u) << "no temporary file left behind";
}

// The rename fails (here: a folder is in the way): an error naming the path, the old content intact,
// and no temporary file left behind. A full disk used to rename an empty file over the secret.
TEST_F(AtomicFileTest, AFailedWrite_IsAnError_AndLeavesWhatWasThere) {
  const fs::path inTheWay = folder_ / "state.json";
  fs::create_directories(inTheWay / "inside");
  const Status written = writeFileAtomically(inTheWay, "{}", 0644);
  ASSERT_FALSE(written.isOk());
  EXPECT_NE(written.message().find(inTheWay.string()), std::string::npos) << written.toString();
  EXPECT_TRUE(fs::is_directory(inTheWay / "inside"));
  EXPECT_EQ(entries(), 1u) << "no temporary file left behind";
}

}  // namespace
}  // namespace fleetdeck
