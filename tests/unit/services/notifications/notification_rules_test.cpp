#include <gtest/gtest.h>

#include "domain/notification.h"

namespace fleetdeck::notifications {
namespace {

NewNotification valid() {
  return {"event-1", "01a213e1-22c5-7335-a7e4-2b51dae6d000", "order_confirmed", "Order confirmed",
          "Your order is on its way.\nThank you!"};
}

std::vector<std::string> fieldsOf(const Status& status) {
  std::vector<std::string> fields;
  for (const auto& violation : status.violations()) fields.push_back(violation.field);
  return fields;
}

std::string repeat(std::string_view text, size_t times) {
  std::string result;
  for (size_t i = 0; i < times; ++i) result += text;
  return result;
}

TEST(NotificationRules, ValidRequestPassesAndUserIdIsLowerCased) {
  NewNotification request = valid();
  request.userId = "01A213E1-22C5-7335-A7E4-2B51DAE6D000";
  ASSERT_TRUE(prepareNewNotification(request).isOk());
  EXPECT_EQ(request.userId, "01a213e1-22c5-7335-a7e4-2b51dae6d000");
}

TEST(NotificationRules, EveryKindOfTheContractIsAcceptedAndNothingElse) {
  for (const char* kind : {"welcome", "order_confirmed", "order_cancelled", "order_shipped", "payment_declined"}) {
    EXPECT_TRUE(isValidKind(kind)) << kind;
  }
  for (const char* kind : {"", "Welcome", "order_delivered", "welcome "}) EXPECT_FALSE(isValidKind(kind)) << kind;
}

TEST(NotificationRules, EmptyRequestNamesEveryRequiredFieldInLowerCamelCase) {
  NewNotification request;
  const Status status = prepareNewNotification(request);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(fieldsOf(status), (std::vector<std::string>{"sourceId", "userId", "kind", "title"}));
  EXPECT_EQ(status.violations()[0].reason, "is required");
}

TEST(NotificationRules, SourceIdIsOneTo200CharactersWithoutControlCharacters) {
  EXPECT_EQ(sourceIdProblem(repeat("a", 200)), "");
  EXPECT_EQ(sourceIdProblem(repeat("ä", 200)), "") << "characters, not bytes";
  EXPECT_EQ(sourceIdProblem(repeat("a", 201)), "must be at most 200 characters long");
  EXPECT_NE(sourceIdProblem(std::string("a\0b", 3)), "");
  NewNotification request = valid();
  request.sourceId = repeat("x", 201);
  EXPECT_EQ(fieldsOf(prepareNewNotification(request)), std::vector<std::string>{"sourceId"});
}

TEST(NotificationRules, UserIdMustBeAUuid) {
  NewNotification request = valid();
  request.userId = "42; DROP TABLE notifications";
  const Status status = prepareNewNotification(request);
  ASSERT_EQ(fieldsOf(status), std::vector<std::string>{"userId"});
  EXPECT_EQ(status.violations()[0].reason, "must be a UUID");
}

TEST(NotificationRules, UnknownKindNamesTheAllowedOnes) {
  NewNotification request = valid();
  request.kind = "order_delivered";
  const Status status = prepareNewNotification(request);
  ASSERT_EQ(fieldsOf(status), std::vector<std::string>{"kind"});
  EXPECT_NE(status.violations()[0].reason.find("payment_declined"), std::string::npos);
}

TEST(NotificationRules, TitleIsOneTo200CharactersNotBlankOnOneLine) {
  EXPECT_EQ(titleProblem(repeat("é", 200)), "");
  EXPECT_EQ(titleProblem(repeat("t", 201)), "must be at most 200 characters long");
  EXPECT_EQ(titleProblem(""), "is required");
  EXPECT_EQ(titleProblem("   "), "must not be blank");
  EXPECT_EQ(titleProblem("two\nlines"), "must not contain control characters");
}

TEST(NotificationRules, BodyMayBeEmptyOrMultiLineUpTo2000Characters) {
  EXPECT_EQ(bodyProblem(""), "");
  EXPECT_EQ(bodyProblem("line one\r\n\tline two"), "");
  EXPECT_EQ(bodyProblem(repeat("€", 2000)), "");
  EXPECT_EQ(bodyProblem(repeat("b", 2001)), "must be at most 2000 characters long");
  EXPECT_NE(bodyProblem(std::string("bell\x07", 5)), "");
  NewNotification request = valid();
  request.body = repeat("b", 2001);
  EXPECT_EQ(fieldsOf(prepareNewNotification(request)), std::vector<std::string>{"body"});
}

TEST(NotificationRules, CharacterCountCountsCodePointsNotBytes) {
  EXPECT_EQ(characterCount(""), 0u);
  EXPECT_EQ(characterCount("abc"), 3u);
  EXPECT_EQ(characterCount("通知"), 2u);
  EXPECT_EQ(characterCount("😀"), 1u);
}

TEST(NotificationRules, SameContentIgnoresIdAndTimeButNotAnyField) {
  const NewNotification request = valid();
  Notification stored{"some-id", request.sourceId, request.userId, request.kind, request.title, request.body, 42};
  EXPECT_TRUE(sameContent(stored, request));
  Notification otherTitle = stored;
  otherTitle.title = "Different";
  EXPECT_FALSE(sameContent(otherTitle, request));
  Notification otherUser = stored;
  otherUser.userId = "01a213e1-22c5-7335-a7e4-2b51dae6d001";
  EXPECT_FALSE(sameContent(otherUser, request));
}

}  // namespace
}  // namespace fleetdeck::notifications
