#include "domain/notification_inbox.h"

#include <gtest/gtest.h>

#include <set>

#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/ids.h"
#include "notifications/fake_notification_repository.h"

namespace fleetdeck::notifications {
namespace {

constexpr const char* kAlice = "01a213e1-22c5-7335-a7e4-2b51dae6d000";
constexpr const char* kBob = "01a213e1-22c5-7335-a7e4-2b51dae6d001";

class NotificationInboxTest : public ::testing::Test {
 protected:
  testing::FakeNotificationRepository repository_;
  NotificationInbox inbox_{repository_};

  NotifyResult notify(const std::string& sourceId, const std::string& userId = kAlice,
                      const std::string& title = "Order confirmed") {
    auto result = inbox_.notify({sourceId, userId, "order_confirmed", title, "body"});
    EXPECT_TRUE(result.isOk()) << result.status().toString();
    return result.isOk() ? *result : NotifyResult{};
  }

  // Every id of `userId`'s list, following next page tokens to the end.
  std::vector<std::string> listAll(const std::string& userId, int pageSize, int* pages = nullptr) {
    std::vector<std::string> ids;
    ListRequest request{userId, pageSize, ""};
    for (int page = 1; page <= 100; ++page) {
      auto result = inbox_.list(request);
      EXPECT_TRUE(result.isOk()) << result.status().toString();
      if (!result) break;
      for (const auto& notification : result->notifications) ids.push_back(notification.id);
      if (pages) *pages = page;
      if (result->nextPageToken.empty()) break;
      request.pageToken = result->nextPageToken;
    }
    return ids;
  }
};

TEST_F(NotificationInboxTest, NotifyStoresANewNotificationWithAUuid) {
  const NotifyResult result = notify("event-1");
  EXPECT_EQ(result.outcome, NotifyOutcome::kCreated);
  EXPECT_TRUE(isUuid(result.notification.id));
  EXPECT_EQ(result.notification.sourceId, "event-1");
  EXPECT_EQ(result.notification.kind, "order_confirmed");
  EXPECT_EQ(repository_.size(), 1u);
}

TEST_F(NotificationInboxTest, RepeatedSourceIdReturnsTheFirstNotificationAndStoresNothingNew) {
  const NotifyResult first = notify("event-1");
  const NotifyResult again = notify("event-1");
  EXPECT_EQ(again.outcome, NotifyOutcome::kRepeated);
  EXPECT_EQ(again.notification.id, first.notification.id);
  EXPECT_EQ(again.notification.createdAtMicros, first.notification.createdAtMicros);
  EXPECT_EQ(repository_.size(), 1u);
}

TEST_F(NotificationInboxTest, RepeatWithOtherContentKeepsTheFirstAndSaysSo) {
  const NotifyResult first = notify("event-1", kAlice, "First title");
  const NotifyResult conflicting = notify("event-1", kBob, "Second title");
  EXPECT_EQ(conflicting.outcome, NotifyOutcome::kConflictingRepeat);
  EXPECT_EQ(conflicting.notification.id, first.notification.id);
  EXPECT_EQ(conflicting.notification.title, "First title");
  EXPECT_EQ(conflicting.notification.userId, kAlice);
  EXPECT_EQ(repository_.size(), 1u);
}

TEST_F(NotificationInboxTest, InvalidNotifyNeverReachesTheRepository) {
  auto result = inbox_.notify({"event-1", "not-a-uuid", "welcome", "Hi", ""});
  ASSERT_FALSE(result.isOk());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().violations().at(0).field, "userId");
  EXPECT_EQ(repository_.recordCalls, 0);
}

TEST_F(NotificationInboxTest, RepositoryFailureIsPassedOnUnchanged) {
  repository_.failWith = unavailable("database is down");
  auto result = inbox_.notify({"event-1", kAlice, "welcome", "Hi", ""});
  ASSERT_FALSE(result.isOk());
  EXPECT_EQ(result.status().code(), StatusCode::kUnavailable);
}

TEST_F(NotificationInboxTest, UpperCaseUserIdIsStoredAndListedLowerCase) {
  notify("event-1", "01A213E1-22C5-7335-A7E4-2B51DAE6D000");
  auto page = inbox_.list({"01A213E1-22C5-7335-A7E4-2B51DAE6D000", 0, ""});
  ASSERT_TRUE(page.isOk());
  ASSERT_EQ(page->notifications.size(), 1u);
  EXPECT_EQ(page->notifications[0].userId, kAlice);
}

TEST_F(NotificationInboxTest, ListRequiresAUserIdThatIsAUuid) {
  for (const std::string userId : {"", "alice", "01a213e1-22c5-7335-a7e4-2b51dae6d00"}) {
    auto result = inbox_.list({userId, 10, ""});
    ASSERT_FALSE(result.isOk()) << userId;
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
    ASSERT_EQ(result.status().violations().size(), 1u);
    EXPECT_EQ(result.status().violations()[0].field, "userId");
    EXPECT_EQ(result.status().violations()[0].reason, userId.empty() ? "is required" : "must be a UUID");
  }
}

TEST_F(NotificationInboxTest, ListIsNewestFirstAcrossPagesWithOpaqueTokens) {
  std::vector<std::string> created;
  for (int i = 0; i < 7; ++i) created.push_back(notify("event-" + std::to_string(i)).notification.id);
  notify("bob-event", kBob);

  auto first = inbox_.list({kAlice, 3, ""});
  ASSERT_TRUE(first.isOk());
  ASSERT_EQ(first->notifications.size(), 3u);
  EXPECT_EQ(first->notifications[0].id, created[6]);
  ASSERT_FALSE(first->nextPageToken.empty());
  EXPECT_EQ(first->nextPageToken.find(first->notifications.back().id), std::string::npos) << "token must be opaque";

  int pages = 0;
  const std::vector<std::string> all = listAll(kAlice, 3, &pages);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(all, std::vector<std::string>(created.rbegin(), created.rend()));
}

TEST_F(NotificationInboxTest, EqualTimestampsArePagedByIdWithoutGapsOrRepeats) {
  repository_.sameTimestamp = true;
  std::set<std::string> created;
  for (int i = 0; i < 10; ++i) created.insert(notify("tie-" + std::to_string(i)).notification.id);
  const std::vector<std::string> all = listAll(kAlice, 4);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()), created);
  EXPECT_EQ(all.size(), created.size());
  EXPECT_TRUE(std::is_sorted(all.rbegin(), all.rend())) << "ties break by id, descending";
}

TEST_F(NotificationInboxTest, LastPageHasNoToken) {
  notify("event-1");
  auto page = inbox_.list({kAlice, 1, ""});
  ASSERT_TRUE(page.isOk());
  EXPECT_EQ(page->notifications.size(), 1u);
  EXPECT_EQ(page->nextPageToken, "");
}

TEST_F(NotificationInboxTest, PageSizeDefaultsTo50AndIsClampedTo200) {
  ASSERT_TRUE(inbox_.list({kAlice, 0, ""}).isOk());
  EXPECT_EQ(repository_.lastQuery.pageSize, NotificationInbox::kDefaultPageSize);
  ASSERT_TRUE(inbox_.list({kAlice, 1'000'000, ""}).isOk());
  EXPECT_EQ(repository_.lastQuery.pageSize, NotificationInbox::kMaxPageSize);
  auto negative = inbox_.list({kAlice, -1, ""});
  ASSERT_FALSE(negative.isOk());
  EXPECT_EQ(negative.status().violations().at(0).field, "pageSize");
}

TEST_F(NotificationInboxTest, ForgedPageTokensAreInvalidArgumentNamingTheField) {
  const std::string uuid = kAlice;
  for (const std::string& token :
       {std::string("not base64!"), base64UrlEncode("x:1"), base64UrlEncode("n1:"), base64UrlEncode("n1:12:"),
        base64UrlEncode("n1:12:not-a-uuid"), base64UrlEncode("n1:abc:" + uuid), base64UrlEncode("n1:-5:" + uuid),
        base64UrlEncode("n1:12x:" + uuid), base64UrlEncode("n1::" + uuid), base64UrlEncode(uuid)}) {
    auto result = inbox_.list({kAlice, 10, token});
    ASSERT_FALSE(result.isOk()) << token;
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
    ASSERT_EQ(result.status().violations().size(), 1u);
    EXPECT_EQ(result.status().violations()[0].field, "pageToken");
  }
}

// A time no row can have (PostgreSQL's timestamps end in year 294276) is refused as a bad token, not
// sent to the database to fail there as an INTERNAL error.
TEST_F(NotificationInboxTest, APageTokenWithATimeBeyondAnyTimestamp_IsInvalidArgument) {
  for (const int64_t micros : {int64_t{253'402'300'800'000'000}, int64_t{9'000'000'000'000'000'000}, INT64_MAX}) {
    auto result = inbox_.list({kAlice, 10, encodePageToken({micros, kBob})});
    ASSERT_FALSE(result.isOk()) << micros;
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
    ASSERT_EQ(result.status().violations().size(), 1u);
    EXPECT_EQ(result.status().violations()[0].field, "pageToken");
  }
  EXPECT_TRUE(inbox_.list({kAlice, 10, encodePageToken({253'402'300'799'999'999, kBob})}).isOk())
      << "the last microsecond of year 9999 is still a time";
}

TEST_F(NotificationInboxTest, PageTokenRoundTripsItsCursor) {
  const NotificationCursor cursor{1'712'345'678'901'234, kBob};
  auto decoded = decodePageToken(encodePageToken(cursor));
  ASSERT_TRUE(decoded.isOk());
  EXPECT_EQ(decoded->createdAtMicros, cursor.createdAtMicros);
  EXPECT_EQ(decoded->id, cursor.id);
}

}  // namespace
}  // namespace fleetdeck::notifications
