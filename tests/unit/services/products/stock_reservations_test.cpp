#include "domain/stock_reservations.h"

#include <gtest/gtest.h>

#include "products/fake_product_repository.h"

namespace fleetdeck::products {
namespace {

constexpr const char* kProductA = "01a213e1-22c5-7335-a7e4-2b51dae6d001";
constexpr const char* kProductB = "01a213e1-22c5-7335-a7e4-2b51dae6d002";

class StockReservationsTest : public ::testing::Test {
 protected:
  testing::FakeReservationRepository repository_;
  testing::FakeProductCache cache_;
  StockReservations reservations_{repository_, cache_};
};

TEST_F(StockReservationsTest, BadKeyAndBadLinesAreReportedTogetherAndNothingIsReserved) {
  auto result = reservations_.reserve("", {{kProductA, 0}});
  ASSERT_FALSE(result.isOk());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(result.status().violations().size(), 2u);
  EXPECT_EQ(result.status().violations()[0].field, "reservationKey");
  EXPECT_EQ(result.status().violations()[1].field, "lines[0].quantity");
  EXPECT_EQ(repository_.reserveCalls, 0);
}

TEST_F(StockReservationsTest, EmptyLinesAndDuplicateProductsAreInvalid) {
  EXPECT_EQ(reservations_.reserve("saga-1", {}).status().violations().at(0).field, "lines");
  const std::string upperA = "01A213E1-22C5-7335-A7E4-2B51DAE6D001";
  auto duplicate = reservations_.reserve("saga-1", {{kProductA, 1}, {upperA, 1}});
  ASSERT_FALSE(duplicate.isOk());
  EXPECT_EQ(duplicate.status().violations().at(0).field, "lines[1].productId")
      << "the same id in another letter case is the same product";
}

TEST_F(StockReservationsTest, ReserveNormalisesIdsAndInvalidatesTheCachedProducts) {
  auto reserved = reservations_.reserve("saga-1", {{"01A213E1-22C5-7335-A7E4-2B51DAE6D001", 2}, {kProductB, 1}});
  ASSERT_TRUE(reserved.isOk()) << reserved.status().toString();
  EXPECT_EQ(repository_.lastLines.at(0).productId, kProductA);
  EXPECT_EQ(cache_.invalidated, (std::vector<std::string>{kProductA, kProductB}));
}

TEST_F(StockReservationsTest, ReleaseInvalidatesAndAFailedCommitDoesNot) {
  ASSERT_TRUE(reservations_.release("saga-1").isOk());
  EXPECT_EQ(cache_.invalidated, std::vector<std::string>{"p-released"});
  cache_.invalidated.clear();
  auto commit = reservations_.commit("saga-1");
  ASSERT_FALSE(commit.isOk());
  EXPECT_EQ(commit.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(cache_.invalidated.empty());
}

TEST_F(StockReservationsTest, ReleaseAndCommitNeedAKey) {
  EXPECT_EQ(reservations_.release("").status().violations().at(0).field, "reservationKey");
  EXPECT_EQ(reservations_.commit("").status().violations().at(0).field, "reservationKey");
}

}  // namespace
}  // namespace fleetdeck::products
