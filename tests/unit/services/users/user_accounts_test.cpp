#include "domain/user_accounts.h"

#include <gtest/gtest.h>

#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/ids.h"
#include "users/fake_user_repository.h"

namespace fleetdeck::users {
namespace {

class UserAccountsTest : public ::testing::Test {
 protected:
  testing::FakeUserRepository repository_;
  testing::FakePasswordHasher hasher_;
  UserAccounts accounts_{repository_, hasher_};

  User create(const std::string& name, const std::string& role = "") {
    auto user = accounts_.create({name, name + "@example.com", "correct horse battery", "", role});
    EXPECT_TRUE(user.isOk()) << user.status().toString();
    return *user;
  }
};

TEST_F(UserAccountsTest, CreateHashesThePasswordAndAssignsAnId) {
  const User user = create("alice");
  EXPECT_TRUE(isUuid(user.id));
  EXPECT_EQ(user.passwordHash, "fake$correct horse battery");
  EXPECT_EQ(user.status, "active");
}

TEST_F(UserAccountsTest, ATakenUsernameIsRefusedBeforeThePasswordIsHashed) {
  create("alice");
  const int hashed = hasher_.hashes;
  auto again = accounts_.create({"alice", "other@example.com", "correct horse battery", "", ""});
  ASSERT_FALSE(again.isOk());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(again.status().violations()[0].field, "username");
  EXPECT_EQ(hasher_.hashes, hashed) << "registration is open to anyone: a taken name costs no hash";
}

TEST_F(UserAccountsTest, GetRejectsIdsThatAreNotUuids) {
  auto result = accounts_.get("42; DROP TABLE users");
  ASSERT_FALSE(result.isOk());
  EXPECT_EQ(result.status().violations()[0].field, "id");
}

TEST_F(UserAccountsTest, ListClampsPageSizeAndPagesWithOpaqueTokens) {
  for (int i = 0; i < 5; ++i) create("user" + std::to_string(i));
  auto first = accounts_.list({.pageSize = 2});
  ASSERT_TRUE(first.isOk());
  EXPECT_EQ(first->users.size(), 2u);
  ASSERT_FALSE(first->nextPageToken.empty());
  EXPECT_EQ(first->nextPageToken.find(first->users.back().id), std::string::npos) << "token must be opaque";
  auto second = accounts_.list({.pageSize = 2, .pageToken = first->nextPageToken});
  ASSERT_TRUE(second.isOk());
  EXPECT_GT(second->users.front().id, first->users.back().id);

  ASSERT_TRUE(accounts_.list({.pageSize = 1'000'000'000}).isOk());
  EXPECT_EQ(repository_.lastQuery.pageSize, UserAccounts::kMaxPageSize);
  ASSERT_TRUE(accounts_.list({}).isOk());
  EXPECT_EQ(repository_.lastQuery.pageSize, UserAccounts::kDefaultPageSize);
}

TEST_F(UserAccountsTest, ForgedPageTokenIsInvalidArgumentNamingTheField) {
  auto result = accounts_.list({.pageToken = base64UrlEncode("x:1")});
  ASSERT_FALSE(result.isOk());
  EXPECT_EQ(result.status().violations()[0].field, "pageToken");
}

TEST_F(UserAccountsTest, StaleUpdateIsAborted) {
  const User user = create("alice");
  UserChanges changes;
  changes.displayName = "Alice";
  ASSERT_TRUE(accounts_.update(user.id, changes, user.version).isOk());
  auto stale = accounts_.update(user.id, changes, user.version);
  ASSERT_FALSE(stale.isOk());
  EXPECT_EQ(stale.status().code(), StatusCode::kAborted);
}

TEST_F(UserAccountsTest, DisableKeepsTheAccount) {
  const User user = create("alice");
  auto disabled = accounts_.disable(user.id);
  ASSERT_TRUE(disabled.isOk());
  EXPECT_EQ(disabled->status, "disabled");
  EXPECT_TRUE(accounts_.get(user.id).isOk());
}

TEST_F(UserAccountsTest, ResetPasswordReturnsANewPasswordThatVerifies) {
  const User user = create("alice");
  auto password = accounts_.resetPassword(user.id);
  ASSERT_TRUE(password.isOk());
  EXPECT_GE(password->size(), 12u);
  auto stored = accounts_.get(user.id);
  EXPECT_TRUE(hasher_.verify(*password, stored->passwordHash));
}

}  // namespace
}  // namespace fleetdeck::users
