// Starting helper processes: what a child inherits from the process that starts it.
#include "adapters/child_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "fleetdeck/core/ids.h"

namespace fleetdeck::launcher {
namespace {

namespace fs = std::filesystem;

// A descriptor of ours without close-on-exec (like the lock flock(1) hands its command) does not
// reach the child: a daemon that outlives us would hold it open.
TEST(ChildProcess, TheChildInheritsNoDescriptorButItsStandardOnes) {
  const fs::path dir = fs::temp_directory_path() / ("child-process-" + randomHex(6));
  fs::create_directories(dir);
  const int inherited = open((dir / "held").c_str(), O_WRONLY | O_CREAT, 0600);  // no O_CLOEXEC
  ASSERT_GE(inherited, 3);
  ProcessSpec spec;
  spec.executable = "/bin/sh";
  spec.arguments = {"-c", "ls /proc/self/fd"};
  spec.logFile = dir / "fds.log";
  auto child = ChildProcess::spawn(spec);
  close(inherited);
  ASSERT_TRUE(child.isOk()) << child.status().toString();
  for (int i = 0; i < 500 && child->running(); ++i) usleep(10'000);
  ASSERT_FALSE(child->running());
  std::ifstream log(dir / "fds.log");
  std::stringstream listed;
  listed << log.rdbuf();
  // ls itself opens one descriptor to read the directory (3); the held file was at `inherited` (>= 3).
  std::set<int> fds;
  for (std::string line; std::getline(listed, line);) fds.insert(std::stoi(line));
  EXPECT_TRUE(fds.contains(0) && fds.contains(1) && fds.contains(2)) << listed.str();
  EXPECT_LE(fds.size(), 4u) << "the child holds more than stdin, stdout, stderr and ls's own: " << listed.str();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace fleetdeck::launcher
