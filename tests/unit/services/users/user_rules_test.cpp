#include <gtest/gtest.h>

#include "domain/user.h"

namespace fleetdeck::users {
namespace {

NewUser valid() { return {"alice", "Alice@Example.COM ", "correct horse battery", "", ""}; }

TEST(UserRules, ValidNewUserIsNormalised) {
  NewUser user = valid();
  ASSERT_TRUE(prepareNewUser(user).isOk());
  EXPECT_EQ(user.email, "alice@example.com");
  EXPECT_EQ(user.displayName, "alice");
  EXPECT_EQ(user.role, "customer");
}

TEST(UserRules, EveryBadFieldIsNamed) {
  NewUser user{"A", "not-an-email", "short", std::string(101, 'x'), "root"};
  const Status status = prepareNewUser(user);
  ASSERT_EQ(status.code(), StatusCode::kInvalidArgument);
  std::vector<std::string> fields;
  for (const auto& violation : status.violations()) fields.push_back(violation.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"username", "email", "password", "displayName", "role"}));
}

TEST(UserRules, Usernames) {
  EXPECT_TRUE(usernameProblem("bob.smith-2").empty());
  EXPECT_FALSE(usernameProblem("ab").empty());
  EXPECT_FALSE(usernameProblem("Bob").empty());
  EXPECT_FALSE(usernameProblem("_bob").empty());
  EXPECT_FALSE(usernameProblem("bob smith").empty());
  EXPECT_FALSE(usernameProblem("robert'); DROP TABLE users;--").empty());
}

TEST(UserRules, Emails) {
  EXPECT_TRUE(emailProblem("a@b.co").empty());
  EXPECT_FALSE(emailProblem("a@b").empty());
  EXPECT_FALSE(emailProblem("@b.co").empty());
  EXPECT_FALSE(emailProblem("a@@b.co").empty());
  EXPECT_FALSE(emailProblem("a b@c.co").empty());
  EXPECT_FALSE(emailProblem("a@b..co").empty());
}

TEST(UserRules, PasswordsFollowThePolicy) {
  EXPECT_TRUE(passwordProblem("correct horse battery", "alice").empty());
  EXPECT_NE(passwordProblem("elevenchars", "x").find("at least 12"), std::string::npos);
  EXPECT_FALSE(passwordProblem(std::string(129, 'x'), "alice").empty());
  EXPECT_FALSE(passwordProblem("my-alice-password", "alice").empty());
}

TEST(UserRules, PasswordLengthsCountCharactersAndTheUsernameIsFoundInAnyCase) {
  EXPECT_FALSE(passwordProblem("\xF0\x9F\x94\x91\xF0\x9F\x94\x91\xF0\x9F\x94\x91\xF0\x9F\x94\x91", "x").empty())
      << "four emoji are 16 bytes, not 12 characters";
  EXPECT_TRUE(passwordProblem("\xC3\xA9t\xC3\xA9 \xC3\xA0 la plage!", "x").empty()) << "12 characters, 15 bytes";
  EXPECT_FALSE(passwordProblem("My-ALICE-password", "alice").empty());
}

// The limit is 100 characters, not bytes: a Cyrillic or CJK name of 100 characters is 200 or 300
// bytes and must pass (it was refused), while 101 characters of it are too many.
TEST(UserRules, DisplayNameLengthCountsCharacters) {
  std::string cyrillic;
  std::string cjk;
  for (int i = 0; i < 100; ++i) {
    cyrillic += "\xD0\x96";    // Ж
    cjk += "\xE6\xBC\xA2";    // 漢
  }
  EXPECT_EQ(displayNameProblem(cyrillic), "") << "100 characters, 200 bytes";
  EXPECT_EQ(displayNameProblem(cjk), "") << "100 characters, 300 bytes";
  EXPECT_EQ(displayNameProblem(std::string(100, 'x')), "");
  EXPECT_EQ(displayNameProblem(cjk + "\xE6\xBC\xA2"), "must be at most 100 characters long");
  EXPECT_EQ(displayNameProblem(std::string(101, 'x')), "must be at most 100 characters long");
  EXPECT_EQ(displayNameProblem(std::string(1000, '\x80')), "must be valid UTF-8 text")
      << "continuation bytes alone count as no characters; they are not text";
  NewUser user = valid();
  user.displayName = cjk;
  EXPECT_TRUE(prepareNewUser(user).isOk());
}

TEST(UserRules, ChangesAreValidated) {
  UserChanges none;
  EXPECT_FALSE(validateChanges(none).isOk());
  UserChanges bad;
  bad.role = "superuser";
  bad.status = "deleted";
  bad.displayName = "  ";
  const Status status = validateChanges(bad);
  EXPECT_EQ(status.violations().size(), 3u);
  UserChanges good;
  good.email = " New@Example.com";
  ASSERT_TRUE(validateChanges(good).isOk());
  EXPECT_EQ(*good.email, "new@example.com");
}

}  // namespace
}  // namespace fleetdeck::users
