// namedThread / setThreadName: the name the kernel reports for the thread, cut to Linux's 15 bytes.
#include "fleetdeck/core/thread_name.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <array>
#include <string>
#include <string_view>
#include <thread>

namespace fleetdeck {
namespace {

// The name the kernel reports inside a thread started by namedThread(given, ...).
std::string nameReportedAfter(std::string_view given) {
  std::string seen;
  namedThread(std::string(given), [&] {
    std::array<char, 64> name{};
    seen = pthread_getname_np(pthread_self(), name.data(), name.size()) == 0 ? name.data() : "<error>";
  }).join();
  return seen;
}

TEST(ThreadName, TheKernelReportsTheNameGiven) { EXPECT_EQ(nameReportedAfter("saga-runner"), "saga-runner"); }

TEST(ThreadName, ALongNameIsCutToFifteenBytesInsteadOfRefused) {
  EXPECT_EQ(nameReportedAfter("consume-notifications-orders"), "consume-notific");
}

}  // namespace
}  // namespace fleetdeck
