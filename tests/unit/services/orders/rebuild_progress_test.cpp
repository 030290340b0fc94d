// What the orders service announces of a rebuild: the Rebuild GetRebuild answers, on the live
// subject every gateway subscribes to, without its list of differences.
#include "adapters/rebuild_progress.h"

#include <gtest/gtest.h>

#include "adapters/orders_grpc_service.h"

namespace fleetdeck::orders {
namespace {

RebuildReport finishedWithDifferences() {
  RebuildReport report;
  report.id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
  report.state = "DONE";
  report.processedEvents = 1200;
  report.totalEvents = 1200;
  for (int i = 0; i < 3; ++i) report.differences.push_back({"order-" + std::to_string(i), "status", "PENDING", "CANCELLED"});
  report.differenceCount = 4711;  // more than listed: the list stops at a thousand
  report.error = "";
  report.startedAtMicros = 1'700'000'000'000'000;
  report.finishedAtMicros = 1'700'000'002'500'000;
  return report;
}

TEST(RebuildProgress, IsTheRebuildGetRebuildAnswers_WithoutItsDifferences) {
  const RebuildReport report = finishedWithDifferences();
  v1::Rebuild answered;
  toProto(report, answered);
  ASSERT_EQ(answered.differences_size(), 3);

  const v1::Rebuild announced = rebuildProgressMessage(report);
  EXPECT_EQ(announced.differences_size(), 0);
  EXPECT_EQ(announced.difference_count(), 4711) << "the count still says how many there are";
  v1::Rebuild expected = answered;
  expected.clear_differences();
  EXPECT_EQ(announced.SerializeAsString(), expected.SerializeAsString());
  EXPECT_EQ(announced.id(), report.id);
  EXPECT_EQ(announced.state(), "DONE");
  EXPECT_EQ(announced.processed_events(), 1200);
  EXPECT_EQ(announced.total_events(), 1200);
  EXPECT_TRUE(announced.has_end_time());
}

TEST(RebuildProgress, ARunningOneHasNoEndTime_AndAFailedOneItsError) {
  RebuildReport running = finishedWithDifferences();
  running.state = "RUNNING";
  running.processedEvents = 600;
  running.differences.clear();
  running.differenceCount = 0;
  running.finishedAtMicros = 0;
  EXPECT_FALSE(rebuildProgressMessage(running).has_end_time());
  EXPECT_EQ(rebuildProgressMessage(running).processed_events(), 600);

  RebuildReport failed = running;
  failed.state = "FAILED";
  failed.error = "stopped: out of memory";
  failed.finishedAtMicros = 1'700'000'001'000'000;
  EXPECT_EQ(rebuildProgressMessage(failed).error(), "stopped: out of memory");
  EXPECT_EQ(rebuildProgressMessage(failed).state(), "FAILED");
}

TEST(RebuildProgress, GoesOnTheLiveSubjectNamedAfterTheRebuildMessage) {
  EXPECT_EQ(rebuildProgressSubject(), "fleetdeck.live.orders.v1.Rebuild");
}

}  // namespace
}  // namespace fleetdeck::orders
