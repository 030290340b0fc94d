#include "fleetdeck/core/work_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace fleetdeck {
namespace {

TEST(WorkPool, RunsSubmittedTasks) {
  WorkPool pool(2, 100, "test");
  std::atomic<int> done{0};
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(pool.trySubmit([&] { ++done; }));
  pool.shutdown();
  EXPECT_EQ(done.load(), 50);
}

TEST(WorkPool, RefusesWorkBeyondItsQueue) {
  WorkPool pool(1, 2, "test");
  std::promise<void> release;
  auto released = release.get_future().share();
  ASSERT_TRUE(pool.trySubmit([released] { released.wait(); }));
  // The worker may or may not have taken the first task yet; fill the queue until refused.
  int accepted = 0;
  while (pool.trySubmit([released] { released.wait(); }) && accepted < 10) ++accepted;
  EXPECT_LE(accepted, 2);
  release.set_value();
  pool.shutdown();
}

TEST(WorkPool, RefusesWorkAfterShutdown_AndSaysItIsStopping) {
  WorkPool pool(1, 10, "test");
  EXPECT_FALSE(pool.stopping());
  pool.shutdown();
  EXPECT_TRUE(pool.stopping());
  EXPECT_FALSE(pool.trySubmit([] {}));
}

}  // namespace
}  // namespace fleetdeck
