#include <gtest/gtest.h>

#include "domain/reservation.h"

namespace fleetdeck::products {
namespace {

constexpr const char* kProductA = "01a213e1-22c5-7335-a7e4-2b51dae6d001";
constexpr const char* kProductB = "01a213e1-22c5-7335-a7e4-2b51dae6d002";

std::vector<std::string> fields(const Status& status) {
  std::vector<std::string> names;
  for (const auto& violation : status.violations()) names.push_back(violation.field);
  return names;
}

TEST(ReservationStateMachine, ReleaseGivesBackReservedStockAndReturnsCommittedStock) {
  auto fromReserved = releaseTransition(kStateReserved);
  ASSERT_TRUE(fromReserved.isOk());
  EXPECT_EQ(fromReserved->nextState, kStateReleased);
  EXPECT_EQ(fromReserved->effect, StockEffect::kUnreserve);

  auto fromCommitted = releaseTransition(kStateCommitted);
  ASSERT_TRUE(fromCommitted.isOk());
  EXPECT_EQ(fromCommitted->nextState, kStateReturned);
  EXPECT_EQ(fromCommitted->effect, StockEffect::kPutBack);
}

TEST(ReservationStateMachine, ReleaseRepeatedChangesNothing) {
  for (auto state : {kStateReleased, kStateReturned}) {
    auto again = releaseTransition(state);
    ASSERT_TRUE(again.isOk());
    EXPECT_EQ(again->nextState, state);
    EXPECT_EQ(again->effect, StockEffect::kNone);
  }
}

TEST(ReservationStateMachine, CommitTakesReservedStockOnceAndIsRefusedAfterARelease) {
  auto first = commitTransition(kStateReserved, "saga-1");
  ASSERT_TRUE(first.isOk());
  EXPECT_EQ(first->nextState, kStateCommitted);
  EXPECT_EQ(first->effect, StockEffect::kTake);

  auto again = commitTransition(kStateCommitted, "saga-1");
  ASSERT_TRUE(again.isOk());
  EXPECT_EQ(again->effect, StockEffect::kNone);

  for (auto state : {kStateReleased, kStateReturned}) {
    auto refused = commitTransition(state, "saga-1");
    ASSERT_FALSE(refused.isOk());
    EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(refused.status().message().find("released"), std::string::npos);
  }
}

TEST(ReservationStateMachine, AnUnknownStateIsAnInternalError) {
  EXPECT_EQ(releaseTransition("LOST").status().code(), StatusCode::kInternal);
  EXPECT_EQ(commitTransition("LOST", "k").status().code(), StatusCode::kInternal);
}

TEST(StockLineRules, EmptyLinesAreRefused) {
  EXPECT_EQ(fields(validateStockLines({})), std::vector<std::string>{"lines"});
}

TEST(StockLineRules, EachBadLineIsNamedByIndex) {
  const Status status =
      validateStockLines({{kProductA, 0}, {"not-a-uuid", 2}, {kProductA, -1}, {kProductB, 1'000'001}});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(fields(status), (std::vector<std::string>{"lines[0].quantity", "lines[1].productId", "lines[2].productId",
                                                      "lines[2].quantity", "lines[3].quantity"}));
}

TEST(StockLineRules, ValidLinesPass) {
  EXPECT_TRUE(validateStockLines({{kProductA, 1}, {kProductB, 1'000'000}}).isOk());
}

TEST(StockLineRules, ReservationKeyIsRequiredAndPrintable) {
  EXPECT_TRUE(validateReservationKey("0192f3a4-saga").isOk());
  EXPECT_EQ(fields(validateReservationKey("")), std::vector<std::string>{"reservationKey"});
  EXPECT_FALSE(validateReservationKey("with space").isOk());
  EXPECT_FALSE(validateReservationKey(std::string(129, 'k')).isOk());
}

TEST(StockLineRules, SameRequestIgnoresLineOrderButNotQuantities) {
  const Reservation held{"k",
                         std::string(kStateReserved),
                         {{kProductA, "A", "a", 2, Money{"EUR", 1}}, {kProductB, "B", "b", 1, Money{"EUR", 1}}}};
  EXPECT_TRUE(sameRequest(held, {{kProductB, 1}, {kProductA, 2}}));
  EXPECT_FALSE(sameRequest(held, {{kProductA, 2}, {kProductB, 2}}));
  EXPECT_FALSE(sameRequest(held, {{kProductA, 2}}));
}

}  // namespace
}  // namespace fleetdeck::products
