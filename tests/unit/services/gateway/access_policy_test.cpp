// Authorization decided from the proto declarations: roles, owner fields, admin fields, page size.
#include "domain/access_policy.h"

#include <gtest/gtest.h>

#include "domain/api_catalogue.h"
#include "domain/rest_mapping.h"
#include "fleetdeck/orders/v1/orders.pb.h"
#include "fleetdeck/products/v1/products.pb.h"
#include "fleetdeck/users/v1/users.pb.h"

namespace fleetdeck::gateway {
namespace {

class AccessPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto collected = collectRestMappings(publicApiFiles());
    ASSERT_TRUE(collected.isOk()) << collected.status().toString();
    mappings_ = std::move(*collected);
  }
  const RestMapping& mapping(std::string_view grpcPath) {
    for (const auto& mapping : mappings_) {
      if (mapping.grpcPath == grpcPath) return mapping;
    }
    ADD_FAILURE() << "no mapping " << grpcPath;
    return mappings_.front();
  }
  std::vector<RestMapping> mappings_;
  const Principal anonymous_{};
  const Principal alice_{"u-alice", "customer", "alice", "s1"};
  const Principal operator_{"u-op", "operator", "op", "s2"};
  const Principal admin_{"u-admin", "admin", "admin", "s3"};
};

TEST_F(AccessPolicyTest, EveryRestMethodDeclaresWhoMayCallIt) {
  for (const auto& mapping : mappings_) {
    EXPECT_FALSE(mapping.roles.empty()) << mapping.grpcPath << " relies on the admin-only default";
  }
}

TEST_F(AccessPolicyTest, RolesGive401ToStrangersAnd403ToTheWrongRole) {
  const auto& listUsers = mapping("/fleetdeck.users.v1.UsersService/ListUsers");
  EXPECT_EQ(checkRole(listUsers, anonymous_).code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(checkRole(listUsers, alice_).code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(checkRole(listUsers, operator_).isOk());
  EXPECT_TRUE(checkRole(listUsers, admin_).isOk());
  const auto& createProduct = mapping("/fleetdeck.products.v1.ProductsService/CreateProduct");
  EXPECT_EQ(checkRole(createProduct, operator_).code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(checkRole(createProduct, admin_).isOk());
  EXPECT_TRUE(checkRole(mapping("/fleetdeck.products.v1.ProductsService/GetProduct"), anonymous_).isOk());
}

TEST_F(AccessPolicyTest, CustomersGetTheirOwnIdFilledAndSomeoneElsesIsNotFound) {
  const auto& listOrders = mapping("/fleetdeck.orders.v1.OrdersService/ListOrders");
  orders::v1::ListOrdersRequest empty;
  ASSERT_TRUE(applyOwnership(listOrders, alice_, empty).isOk());
  EXPECT_EQ(empty.user_id(), "u-alice");
  orders::v1::ListOrdersRequest other;
  other.set_user_id("u-bob");
  EXPECT_EQ(applyOwnership(listOrders, alice_, other).code(), StatusCode::kNotFound);
  // Operators may name anyone, or nobody (everyone's orders).
  orders::v1::ListOrdersRequest all;
  ASSERT_TRUE(applyOwnership(listOrders, operator_, all).isOk());
  EXPECT_EQ(all.user_id(), "");
}

// API.md: notifications are "own" for every role, and an admin's order is their own unless it
// names a user: an empty owner field is the caller there, for operators and admins too.
TEST_F(AccessPolicyTest, OwnByDefaultRoutesFillTheCallerForEveryRoleAndLetStaffNameAnyone) {
  const auto& createOrder = mapping("/fleetdeck.orders.v1.OrdersService/CreateOrder");
  orders::v1::CreateOrderRequest own;
  ASSERT_TRUE(applyOwnership(createOrder, admin_, own).isOk());
  EXPECT_EQ(own.user_id(), "u-admin");
  orders::v1::CreateOrderRequest forBob;
  forBob.set_user_id("u-bob");
  ASSERT_TRUE(applyOwnership(createOrder, admin_, forBob).isOk());
  EXPECT_EQ(forBob.user_id(), "u-bob");
  EXPECT_EQ(applyOwnership(createOrder, alice_, forBob).code(), StatusCode::kNotFound);
  EXPECT_TRUE(mapping("/fleetdeck.notifications.v1.NotificationsService/ListNotifications").ownerDefaultsToCaller);
  EXPECT_FALSE(mapping("/fleetdeck.orders.v1.OrdersService/ListOrders").ownerDefaultsToCaller)
      << "staff list everyone's orders";
}

TEST_F(AccessPolicyTest, AdminOnlyFieldsAreRefusedForOthersByTheirClientName) {
  const auto& createOrder = mapping("/fleetdeck.orders.v1.OrdersService/CreateOrder");
  orders::v1::CreateOrderRequest forBob;
  forBob.set_user_id("u-bob");
  const Status refused = checkAdminFields(createOrder, alice_, forBob);
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(refused.violations().size(), 1u);
  EXPECT_EQ(refused.violations()[0].field, "userId");
  EXPECT_TRUE(checkAdminFields(createOrder, admin_, forBob).isOk());
  orders::v1::CreateOrderRequest own;
  EXPECT_TRUE(checkAdminFields(createOrder, alice_, own).isOk());
  const auto& listProducts = mapping("/fleetdeck.products.v1.ProductsService/ListProducts");
  products::v1::ListProductsRequest inactive;
  inactive.set_include_inactive(true);
  EXPECT_EQ(checkAdminFields(listProducts, anonymous_, inactive).violations().at(0).field, "includeInactive");
}

TEST_F(AccessPolicyTest, WritesAndSubResourcesLookTheOwnerUpThroughTheResourcesGet) {
  const auto& cancel = mapping("/fleetdeck.orders.v1.OrdersService/CancelOrder");
  ASSERT_NE(cancel.ownerLookup, nullptr);
  EXPECT_EQ(cancel.ownerLookup->grpcPath, "/fleetdeck.orders.v1.OrdersService/GetOrder");
  EXPECT_EQ(cancel.ownerLookupParameter, "id");
  const auto& events = mapping("/fleetdeck.orders.v1.OrdersService/ListOrderEvents");
  ASSERT_NE(events.ownerLookup, nullptr);
  EXPECT_EQ(events.ownerLookupParameter, "order_id");
  EXPECT_EQ(events.ownerLookupField, "id");
  // A GET whose own response shows the owner needs no lookup.
  EXPECT_EQ(mapping("/fleetdeck.orders.v1.OrdersService/GetOrder").ownerLookup, nullptr);
}

TEST_F(AccessPolicyTest, ResourceOwnershipOnlyBindsCustomers) {
  EXPECT_TRUE(checkResourceOwner(alice_, "u-alice", "order 1").isOk());
  EXPECT_EQ(checkResourceOwner(alice_, "u-bob", "order 1").code(), StatusCode::kNotFound);
  EXPECT_TRUE(checkResourceOwner(operator_, "u-bob", "order 1").isOk());
}

TEST_F(AccessPolicyTest, PageSizesAboveTheMaximumAreClamped) {
  users::v1::ListUsersRequest request;
  request.set_page_size(1'000'000'000);
  EXPECT_TRUE(clampPageSize(request, 200));
  EXPECT_EQ(request.page_size(), 200);
  request.set_page_size(20);
  EXPECT_FALSE(clampPageSize(request, 200));
  EXPECT_EQ(request.page_size(), 20);
  users::v1::GetUserRequest noPaging;
  EXPECT_FALSE(clampPageSize(noPaging, 200));
}

}  // namespace
}  // namespace fleetdeck::gateway
