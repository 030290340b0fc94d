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

// A repeat whose first answer was lost gets the account it made, not "username is already taken",
// and costs no hash; the same key with other details is refused by name.
TEST_F(UserAccountsTest, ARepeatUnderItsIdempotencyKeyGetsTheAccountItMade_AnotherRequestIsRefused) {
  NewUser request{"alice", "Alice@Example.com", "correct horse battery", "Alice", "", "key-1"};
  auto first = accounts_.create(request, {.actor = "anonymous"});
  ASSERT_TRUE(first.isOk()) << first.status().toString();
  const int hashed = hasher_.hashes;
  auto repeat = accounts_.create(request, {.actor = "anonymous"});
  ASSERT_TRUE(repeat.isOk()) << repeat.status().toString();
  EXPECT_EQ(repeat->id, first->id);
  EXPECT_EQ(hasher_.hashes, hashed) << "a repeat is answered before the password is hashed";

  // Another account under the same key, or the same details from someone else: 400 on the key.
  NewUser other = request;
  other.email = "alice2@example.com";
  auto reused = accounts_.create(other, {.actor = "anonymous"});
  ASSERT_FALSE(reused.isOk());
  EXPECT_EQ(reused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(reused.status().violations()[0].field, "idempotencyKey");
  auto byAnAdmin = accounts_.create(request, {.actor = newUuid()});
  ASSERT_FALSE(byAnAdmin.isOk());
  EXPECT_EQ(byAnAdmin.status().violations()[0].field, "idempotencyKey");

  // Without a key a repeat is what it always was.
  request.idempotencyKey.clear();
  EXPECT_EQ(accounts_.create(request, {.actor = "anonymous"}).status().code(), StatusCode::kAlreadyExists);
  request.idempotencyKey = std::string(129, 'k');
  EXPECT_EQ(accounts_.create(request).status().violations()[0].field, "idempotencyKey");
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
