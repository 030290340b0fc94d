// Starting helper processes: what a child inherits from the process that starts it.
#include "adapters/child_process.h"

#include <fcntl.h>
#include <csignal>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <thread>
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

// A test fixture's service dies with the thread that started it, however that ends (a crash
// included): a test binary that fails hard leaves no fleet running. Without the option the child
// outlives the thread, as a launcher's must.
TEST(ChildProcess, StopWithSpawningThread_EndsTheChildWhenThatThreadEnds_OnlyThen) {
  const auto spawnFromThread = [](bool stopWith) {
    std::optional<ChildProcess> child;
    std::thread spawner([&] {
      ProcessSpec spec;
      spec.executable = "/bin/sleep";
      spec.arguments = {"30"};
      spec.stopWithSpawningThread = stopWith;
      auto spawned = ChildProcess::spawn(spec);
      ASSERT_TRUE(spawned.isOk()) << spawned.status().toString();
      child.emplace(std::move(*spawned));
    });
    spawner.join();
    return child;
  };
  auto tied = spawnFromThread(true);
  ASSERT_TRUE(tied.has_value());
  for (int i = 0; i < 500 && tied->running(); ++i) usleep(10'000);
  EXPECT_FALSE(tied->running()) << "the child outlived the thread that spawned it";
  EXPECT_EQ(tied->exitCode(), 128 + SIGTERM);

  auto free = spawnFromThread(false);
  ASSERT_TRUE(free.has_value());
  usleep(200'000);
  EXPECT_TRUE(free->running());
  EXPECT_TRUE(free->stop(std::chrono::seconds(2)).isOk());
}

}  // namespace
}  // namespace fleetdeck::launcher
