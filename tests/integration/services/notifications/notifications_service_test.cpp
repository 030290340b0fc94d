// The notifications service's adapters against real PostgreSQL and a real gRPC server on loopback.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <future>
#include <latch>
#include <set>

#include "adapters/notifications_grpc_service.h"
#include "adapters/pg_notification_repository.h"
#include "domain/notification_inbox.h"
#include "fleetdeck/db/connection_pool.h"
#include "fleetdeck/db/migration_runner.h"
#include "fleetdeck/rpc/client.h"
#include "fleetdeck/rpc/server.h"
#include "fleetdeck/rpc/status_conversion.h"
#include "fleetdeck/testing/test_infra.h"
#include "notifications_migrations.h"

namespace fleetdeck::notifications {
namespace {

constexpr const char* kAlice = "01a213e1-22c5-7335-a7e4-2b51dae6d000";
constexpr const char* kBob = "01a213e1-22c5-7335-a7e4-2b51dae6d001";
constexpr int kConcurrentCallers = 20;

class NotificationsServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_ = std::make_unique<db::ConnectionPool>(db::PoolOptions{
        testing::createTestDatabase("notifications"), kConcurrentCallers, std::chrono::seconds(5), "notifications"});
    auto applied = db::applyMigrations(*pool_, embeddedMigrations());
    ASSERT_TRUE(applied.isOk()) << applied.status().toString();
    repository_ = std::make_unique<PgNotificationRepository>(*pool_);
    inbox_ = std::make_unique<NotificationInbox>(*repository_);
    // As many workers as callers, so concurrent calls really meet in the database.
    workers_ = std::make_unique<WorkPool>(kConcurrentCallers, 256, "test");
    service_ = std::make_unique<NotificationsGrpcService>(*inbox_, *workers_, registry_);
    server_ = std::make_unique<rpc::RpcServer>(rpc::ServerOptions{});
    service_->bindTo(*server_);
    ASSERT_TRUE(server_->start().isOk());
    stub_ = v1::NotificationsService::NewStub(rpc::makeChannel(server_->address()));
  }
  void TearDown() override {
    server_->shutdown(std::chrono::milliseconds(500));
    workers_->shutdown();
  }

  static v1::NotifyRequest request(const std::string& sourceId, const std::string& userId = kAlice,
                                   const std::string& title = "Order confirmed") {
    v1::NotifyRequest request;
    request.set_source_id(sourceId);
    request.set_user_id(userId);
    request.set_kind("order_confirmed");
    request.set_title(title);
    request.set_body("Thank you for your order.");
    return request;
  }

  grpc::Status callNotify(const v1::NotifyRequest& request, v1::Notification& response) {
    auto context = rpc::makeContext(std::chrono::seconds(10));
    return stub_->Notify(context.get(), request, &response);
  }

  v1::Notification notify(const std::string& sourceId, const std::string& userId = kAlice) {
    v1::Notification response;
    const grpc::Status status = callNotify(request(sourceId, userId), response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  grpc::Status callList(const v1::ListNotificationsRequest& request, v1::ListNotificationsResponse& response) {
    auto context = rpc::makeContext(std::chrono::seconds(10));
    return stub_->ListNotifications(context.get(), request, &response);
  }

  // Every id of the user's list in order, following page tokens; `pageSizes` records each page's size.
  std::vector<std::string> listAll(const std::string& userId, int pageSize, std::vector<int>* pageSizes = nullptr) {
    std::vector<std::string> ids;
    v1::ListNotificationsRequest request;
    request.set_user_id(userId);
    request.set_page_size(pageSize);
    for (int page = 0; page < 100; ++page) {
      v1::ListNotificationsResponse response;
      const grpc::Status status = callList(request, response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      for (const auto& notification : response.notifications()) ids.push_back(notification.id());
      if (pageSizes) pageSizes->push_back(response.notifications_size());
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    return ids;
  }

  int64_t countRows(const std::string& sql) {
    auto lease = pool_->acquire();
    EXPECT_TRUE(lease.isOk());
    pqxx::work transaction(**lease);
    return transaction.exec1(sql)[0].as<int64_t>();
  }

  telemetry::Registry registry_;
  std::unique_ptr<db::ConnectionPool> pool_;
  std::unique_ptr<PgNotificationRepository> repository_;
  std::unique_ptr<NotificationInbox> inbox_;
  std::unique_ptr<WorkPool> workers_;
  std::unique_ptr<NotificationsGrpcService> service_;
  std::unique_ptr<rpc::RpcServer> server_;
  std::unique_ptr<v1::NotificationsService::Stub> stub_;
};

TEST_F(NotificationsServiceTest, NotifyStoresTheNotificationAndReturnsItWithItsTime) {
  const v1::Notification created = notify("order-1.confirmed");
  EXPECT_FALSE(created.id().empty());
  EXPECT_EQ(created.source_id(), "order-1.confirmed");
  EXPECT_EQ(created.user_id(), kAlice);
  EXPECT_EQ(created.kind(), "order_confirmed");
  EXPECT_EQ(created.body(), "Thank you for your order.");
  EXPECT_GT(created.create_time().seconds(), 1'700'000'000);
  EXPECT_EQ(countRows("SELECT count(*) FROM notifications WHERE id = '" + created.id() + "'"), 1);
}

TEST_F(NotificationsServiceTest, Notify20TimesConcurrentlyWithOneSourceIdStoresOneRowAndEveryCallerGetsIt) {
  std::latch start(kConcurrentCallers);
  std::vector<std::future<std::pair<grpc::Status, v1::Notification>>> callers;
  for (int i = 0; i < kConcurrentCallers; ++i) {
    callers.push_back(std::async(std::launch::async, [this, &start] {
      v1::Notification response;
      start.arrive_and_wait();
      const grpc::Status status = callNotify(request("event-concurrent"), response);
      return std::make_pair(status, response);
    }));
  }
  std::set<std::string> ids;
  std::set<int64_t> times;
  for (auto& caller : callers) {
    auto [status, response] = caller.get();
    ASSERT_TRUE(status.ok()) << status.error_message();
    ids.insert(response.id());
    times.insert(response.create_time().seconds() * 1'000'000 + response.create_time().nanos() / 1000);
  }
  EXPECT_EQ(ids.size(), 1u) << "every caller must get the one stored notification";
  EXPECT_EQ(times.size(), 1u);
  EXPECT_EQ(countRows("SELECT count(*) FROM notifications WHERE source_id = 'event-concurrent'"), 1);
  EXPECT_EQ(countRows("SELECT count(*) FROM notifications"), 1);
  EXPECT_NE(registry_.expose().find("notifications_notify_total{outcome=\"created\"} 1\n"), std::string::npos)
      << registry_.expose();
}

TEST_F(NotificationsServiceTest, ConcurrentRepeatsWithDifferentContentAllGetTheFirstStoredContent) {
  std::latch start(kConcurrentCallers);
  std::vector<std::future<std::pair<grpc::Status, v1::Notification>>> callers;
  for (int i = 0; i < kConcurrentCallers; ++i) {
    callers.push_back(std::async(std::launch::async, [this, &start, i] {
      v1::Notification response;
      start.arrive_and_wait();
      const grpc::Status status = callNotify(request("event-racy", kAlice, "caller " + std::to_string(i)), response);
      return std::make_pair(status, response);
    }));
  }
  std::set<std::string> titles;
  for (auto& caller : callers) {
    auto [status, response] = caller.get();
    ASSERT_TRUE(status.ok()) << status.error_message();
    titles.insert(response.title());
  }
  ASSERT_EQ(titles.size(), 1u);
  auto lease = pool_->acquire();
  ASSERT_TRUE(lease.isOk());
  pqxx::work transaction(**lease);
  EXPECT_EQ(transaction.exec1("SELECT title FROM notifications WHERE source_id = 'event-racy'")[0].as<std::string>(),
            *titles.begin());
  EXPECT_NE(registry_.expose().find("notifications_notify_total{outcome=\"conflicting\"} 19\n"), std::string::npos)
      << registry_.expose();
}

TEST_F(NotificationsServiceTest, RepeatWithOtherContentReturnsTheFirstUnchanged) {
  const v1::Notification first = notify("event-1");
  v1::Notification again;
  ASSERT_TRUE(callNotify(request("event-1", kBob, "Something else"), again).ok());
  EXPECT_EQ(again.id(), first.id());
  EXPECT_EQ(again.user_id(), kAlice);
  EXPECT_EQ(again.title(), "Order confirmed");
  EXPECT_EQ(again.create_time().SerializeAsString(), first.create_time().SerializeAsString());
  EXPECT_EQ(countRows("SELECT count(*) FROM notifications"), 1);
}

TEST_F(NotificationsServiceTest, DifferentSourceIdsMakeSeparateRowsAlsoConcurrently) {
  std::vector<std::future<v1::Notification>> callers;
  for (int i = 0; i < 10; ++i) {
    callers.push_back(std::async(std::launch::async, [this, i] { return notify("event-" + std::to_string(i)); }));
  }
  std::set<std::string> ids;
  for (auto& caller : callers) ids.insert(caller.get().id());
  EXPECT_EQ(ids.size(), 10u);
  EXPECT_EQ(countRows("SELECT count(*) FROM notifications"), 10);
}

TEST_F(NotificationsServiceTest, ListIsNewestFirstAcrossPagesAndOnlyTheUsersOwn) {
  std::vector<std::string> created;
  for (int i = 0; i < 7; ++i) created.push_back(notify("alice-" + std::to_string(i)).id());
  notify("bob-0", kBob);
  std::vector<int> pageSizes;
  const std::vector<std::string> listed = listAll(kAlice, 3, &pageSizes);
  EXPECT_EQ(listed, std::vector<std::string>(created.rbegin(), created.rend()));
  EXPECT_EQ(pageSizes, (std::vector<int>{3, 3, 1}));
  EXPECT_EQ(listAll(kBob, 0).size(), 1u);
  EXPECT_TRUE(listAll("01a213e1-22c5-7335-a7e4-2b51dae6d0ff", 10).empty());
}

TEST_F(NotificationsServiceTest, RowsWithTheSameMicrosecondArePagedByIdWithoutGapsOrRepeats) {
  {
    auto lease = pool_->acquire();
    ASSERT_TRUE(lease.isOk());
    pqxx::work transaction(**lease);
    for (int i = 0; i < 9; ++i) {
      // Three groups of three rows sharing one microsecond-precise timestamp each.
      transaction.exec_params(
          "INSERT INTO notifications (id, source_id, user_id, kind, title, body, created_at)"
          " VALUES (gen_random_uuid(), $1, $2, 'welcome', 'Hi', '', $3::timestamptz)",
          "tie-" + std::to_string(i), kAlice, "2024-05-06 07:08:09." + std::to_string(123455 + i / 3) + "+00");
    }
    transaction.commit();
  }
  for (int pageSize : {1, 2, 4}) {
    const std::vector<std::string> listed = listAll(kAlice, pageSize);
    EXPECT_EQ(listed.size(), 9u) << "page size " << pageSize;
    EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()).size(), 9u) << "page size " << pageSize;
  }
  v1::ListNotificationsRequest request;
  request.set_user_id(kAlice);
  v1::ListNotificationsResponse response;
  ASSERT_TRUE(callList(request, response).ok());
  ASSERT_EQ(response.notifications_size(), 9);
  EXPECT_EQ(response.notifications(0).create_time().nanos(), 123'457'000) << "newest group first, exact to the µs";
  EXPECT_EQ(response.notifications(8).create_time().nanos(), 123'455'000);
}

TEST_F(NotificationsServiceTest, RecordOnceJoinsTheCallersTransaction) {
  Notification notification{"01a213e1-22c5-7335-a7e4-2b51dae6d100", "event-tx", kAlice, "welcome", "Welcome", "", 0};
  {
    auto lease = pool_->acquire();
    ASSERT_TRUE(lease.isOk());
    pqxx::work transaction(**lease);
    auto recorded = PgNotificationRepository::recordOnce(transaction, notification);
    ASSERT_TRUE(recorded.isOk()) << recorded.status().toString();
    EXPECT_TRUE(recorded->created);
    // Dropped without commit: a consumer whose own work failed leaves no notification behind.
  }
  EXPECT_EQ(countRows("SELECT count(*) FROM notifications"), 0);

  auto lease = pool_->acquire();
  ASSERT_TRUE(lease.isOk());
  pqxx::work transaction(**lease);
  ASSERT_TRUE(PgNotificationRepository::recordOnce(transaction, notification).isOk());
  Notification redelivered = notification;
  redelivered.id = "01a213e1-22c5-7335-a7e4-2b51dae6d101";
  auto repeat = PgNotificationRepository::recordOnce(transaction, redelivered);
  ASSERT_TRUE(repeat.isOk());
  EXPECT_FALSE(repeat->created);
  EXPECT_EQ(repeat->notification.id, notification.id);
  transaction.commit();
  EXPECT_EQ(countRows("SELECT count(*) FROM notifications WHERE source_id = 'event-tx'"), 1);
}

TEST_F(NotificationsServiceTest, InvalidNotifyIsInvalidArgumentNamingEveryField) {
  v1::NotifyRequest bad;
  bad.set_user_id("alice");
  bad.set_kind("order_lost");
  bad.set_body(std::string(2001, 'b'));
  v1::Notification ignored;
  const Status status = rpc::fromGrpcStatus(callNotify(bad, ignored));
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  std::vector<std::string> fields;
  for (const auto& violation : status.violations()) fields.push_back(violation.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"sourceId", "userId", "kind", "title", "body"}));
  EXPECT_EQ(countRows("SELECT count(*) FROM notifications"), 0);
}

TEST_F(NotificationsServiceTest, ListWithoutUserIdOrWithAForgedTokenIsInvalidArgument) {
  v1::ListNotificationsRequest request;
  v1::ListNotificationsResponse response;
  Status status = rpc::fromGrpcStatus(callList(request, response));
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(status.violations().size(), 1u);
  EXPECT_EQ(status.violations()[0].field, "userId");

  request.set_user_id(kAlice);
  request.set_page_token("bm90LWEtdG9rZW4");
  status = rpc::fromGrpcStatus(callList(request, response));
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(status.violations().size(), 1u);
  EXPECT_EQ(status.violations()[0].field, "pageToken");

  // A well-formed token whose time no timestamp can hold: PostgreSQL answered "timestamp out of
  // range", and the client an INTERNAL error.
  request.set_page_token(encodePageToken({INT64_MAX, kAlice}));
  status = rpc::fromGrpcStatus(callList(request, response));
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.toString();
  ASSERT_EQ(status.violations().size(), 1u);
  EXPECT_EQ(status.violations()[0].field, "pageToken");
}

TEST_F(NotificationsServiceTest, TheTableRefusesWhatTheDomainRefuses) {
  auto lease = pool_->acquire();
  ASSERT_TRUE(lease.isOk());
  pqxx::work transaction(**lease);
  EXPECT_THROW(transaction.exec("INSERT INTO notifications (id, source_id, user_id, kind, title, body)"
                                " VALUES (gen_random_uuid(), 's', gen_random_uuid(), 'order_lost', 't', '')"),
               pqxx::check_violation);
}

}  // namespace
}  // namespace fleetdeck::notifications
