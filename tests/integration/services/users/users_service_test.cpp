// The users service's adapters against real PostgreSQL and a real gRPC server on loopback.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <future>

#include "adapters/argon2_password_hasher.h"
#include "adapters/pg_user_repository.h"
#include "adapters/users_grpc_service.h"
#include "domain/user_accounts.h"
#include "fleetdeck/db/connection_pool.h"
#include "fleetdeck/db/migration_runner.h"
#include "fleetdeck/rpc/client.h"
#include "fleetdeck/rpc/server.h"
#include "fleetdeck/rpc/status_conversion.h"
#include "fleetdeck/testing/test_infra.h"
#include "users_migrations.h"

namespace fleetdeck::users {
namespace {

class UsersServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_ = std::make_unique<db::ConnectionPool>(
        db::PoolOptions{testing::createTestDatabase("users"), 8, std::chrono::seconds(2), "users"});
    auto applied = db::applyMigrations(*pool_, embeddedMigrations());
    ASSERT_TRUE(applied.isOk()) << applied.status().toString();
    repository_ = std::make_unique<PgUserRepository>(*pool_);
    // Cheap argon2 parameters: the tests are about storage, not hashing cost.
    hasher_ = std::make_unique<Argon2PasswordHasher>(Argon2Parameters{1024, 1, 1});
    accounts_ = std::make_unique<UserAccounts>(*repository_, *hasher_);
    workers_ = std::make_unique<WorkPool>(4, 256, "test");
    service_ = std::make_unique<UsersGrpcService>(*accounts_, *workers_);
    server_ = std::make_unique<rpc::RpcServer>(rpc::ServerOptions{});
    service_->bindTo(*server_);
    ASSERT_TRUE(server_->start().isOk());
    stub_ = v1::UsersService::NewStub(rpc::makeChannel(server_->address()));
  }
  void TearDown() override {
    server_->shutdown(std::chrono::milliseconds(500));
    workers_->shutdown();
  }

  v1::User create(const std::string& name, const std::string& role = "") {
    v1::CreateUserRequest request;
    request.set_username(name);
    request.set_email(name + "@example.com");
    request.set_password("correct horse battery");
    request.set_role(role);
    v1::User user;
    auto context = rpc::makeContext(std::chrono::seconds(5));
    const grpc::Status status = stub_->CreateUser(context.get(), request, &user);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return user;
  }

  std::unique_ptr<db::ConnectionPool> pool_;
  std::unique_ptr<PgUserRepository> repository_;
  std::unique_ptr<Argon2PasswordHasher> hasher_;
  std::unique_ptr<UserAccounts> accounts_;
  std::unique_ptr<WorkPool> workers_;
  std::unique_ptr<UsersGrpcService> service_;
  std::unique_ptr<rpc::RpcServer> server_;
  std::unique_ptr<v1::UsersService::Stub> stub_;
};

TEST_F(UsersServiceTest, CreateStoresAnArgon2HashAndNeverReturnsIt) {
  const v1::User user = create("alice");
  EXPECT_EQ(user.version(), 1);
  EXPECT_EQ(user.role(), "customer");
  auto stored = repository_->findById(user.id());
  ASSERT_TRUE(stored.isOk());
  EXPECT_TRUE(stored->passwordHash.starts_with("$argon2id$")) << stored->passwordHash;
  EXPECT_TRUE(hasher_->verify("correct horse battery", stored->passwordHash));
  EXPECT_EQ(user.DebugString().find("argon2"), std::string::npos);
}

TEST_F(UsersServiceTest, DuplicatesAreAlreadyExistsNamingTheField) {
  create("alice");
  v1::CreateUserRequest sameName;
  sameName.set_username("alice");
  sameName.set_email("other@example.com");
  sameName.set_password("correct horse battery");
  v1::User ignored;
  auto context = rpc::makeContext(std::chrono::seconds(5));
  const Status byName = rpc::fromGrpcStatus(stub_->CreateUser(context.get(), sameName, &ignored));
  EXPECT_EQ(byName.code(), StatusCode::kAlreadyExists);
  ASSERT_EQ(byName.violations().size(), 1u);
  EXPECT_EQ(byName.violations()[0].field, "username");

  v1::CreateUserRequest sameEmail;
  sameEmail.set_username("alice2");
  sameEmail.set_email("ALICE@example.com");
  sameEmail.set_password("correct horse battery");
  context = rpc::makeContext(std::chrono::seconds(5));
  const Status byEmail = rpc::fromGrpcStatus(stub_->CreateUser(context.get(), sameEmail, &ignored));
  EXPECT_EQ(byEmail.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(byEmail.violations().at(0).field, "email");
}

// Creates under one idempotency key, sent together (a client retrying while its first request is
// still in flight): one account, and both answers name it; nothing of the refused insert remains.
TEST_F(UsersServiceTest, IdenticalCreatesUnderOneKeyAtOnce_MakeOneAccount_AndBothAnswerIt) {
  for (int round = 0; round < 5; ++round) {
    v1::CreateUserRequest request;
    request.set_username("racer" + std::to_string(round));
    request.set_email("racer" + std::to_string(round) + "@example.com");
    request.set_password("correct horse battery");
    request.set_idempotency_key("race-" + std::to_string(round));
    const auto send = [&] {
      v1::User user;
      auto context = rpc::makeContext(std::chrono::seconds(5));
      const grpc::Status status = stub_->CreateUser(context.get(), request, &user);
      EXPECT_TRUE(status.ok()) << status.error_message();
      return user.id();
    };
    auto first = std::async(std::launch::async, send);
    auto second = std::async(std::launch::async, send);
    const std::string a = first.get();
    const std::string b = second.get();
    EXPECT_FALSE(a.empty());
    EXPECT_EQ(a, b) << "round " << round;
  }
  auto lease = pool_->acquire();
  ASSERT_TRUE(lease.isOk());
  pqxx::nontransaction query(**lease);
  EXPECT_EQ(query.exec("SELECT count(*) FROM users WHERE username LIKE 'racer%'")[0][0].as<int>(), 5);
  EXPECT_EQ(query.exec("SELECT count(*) FROM create_requests")[0][0].as<int>(), 5);
  // The stored request has no trace of the password.
  EXPECT_EQ(query.exec("SELECT count(*) FROM create_requests WHERE request LIKE '%horse%'")[0][0].as<int>(), 0);
}

TEST_F(UsersServiceTest, ValidationErrorsTravelOverGrpcWithFields) {
  v1::CreateUserRequest request;
  request.set_username("x");
  request.set_email("bad");
  request.set_password("short");
  v1::User ignored;
  auto context = rpc::makeContext(std::chrono::seconds(5));
  const Status status = rpc::fromGrpcStatus(stub_->CreateUser(context.get(), request, &ignored));
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.violations().size(), 3u);
}

TEST_F(UsersServiceTest, ListPagesAndFilters) {
  for (int i = 0; i < 5; ++i) create("customer" + std::to_string(i));
  create("boss", "admin");
  v1::ListUsersRequest request;
  request.set_page_size(4);
  std::vector<std::string> seen;
  for (int page = 0; page < 3; ++page) {
    v1::ListUsersResponse response;
    auto context = rpc::makeContext(std::chrono::seconds(5));
    ASSERT_TRUE(stub_->ListUsers(context.get(), request, &response).ok());
    for (const auto& user : response.users()) seen.push_back(user.username());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_EQ(seen.size(), 6u);

  v1::ListUsersRequest admins;
  admins.set_role("admin");
  v1::ListUsersResponse response;
  auto context = rpc::makeContext(std::chrono::seconds(5));
  ASSERT_TRUE(stub_->ListUsers(context.get(), admins, &response).ok());
  ASSERT_EQ(response.users_size(), 1);
  EXPECT_EQ(response.users(0).username(), "boss");
}

TEST_F(UsersServiceTest, TextSearchTreatsWildcardsAndQuotesLiterally) {
  create("percent");
  auto updated = repository_->update(create("quoter").id(), UserChanges{.displayName = "O'Brien 100%"}, 0, {});
  ASSERT_TRUE(updated.isOk());
  auto page = repository_->list({.text = "100%", .pageSize = 10});
  ASSERT_TRUE(page.isOk());
  ASSERT_EQ(page->users.size(), 1u);
  EXPECT_EQ(page->users[0].displayName, "O'Brien 100%");
  auto none = repository_->list({.text = "%", .pageSize = 10});
  ASSERT_TRUE(none.isOk());
  EXPECT_EQ(none->users.size(), 1u) << "'%' must match only names containing a percent sign";
}

TEST_F(UsersServiceTest, UpdateWithStaleVersionIsAbortedAndChangesNothing) {
  const v1::User user = create("alice");
  v1::UpdateUserRequest request;
  request.set_id(user.id());
  request.mutable_user()->set_display_name("Alice");
  request.mutable_update_mask()->add_paths("display_name");
  request.set_expected_version(1);
  v1::User updated;
  auto context = rpc::makeContext(std::chrono::seconds(5));
  ASSERT_TRUE(stub_->UpdateUser(context.get(), request, &updated).ok());
  EXPECT_EQ(updated.version(), 2);

  request.mutable_user()->set_display_name("Mallory");
  context = rpc::makeContext(std::chrono::seconds(5));
  const Status stale = rpc::fromGrpcStatus(stub_->UpdateUser(context.get(), request, &updated));
  EXPECT_EQ(stale.code(), StatusCode::kAborted);
  EXPECT_EQ(repository_->findById(user.id())->displayName, "Alice");
}

TEST_F(UsersServiceTest, ConcurrentEditsOfOneVersionLetExactlyOneWin) {
  const v1::User user = create("alice");
  std::vector<std::future<Result<User>>> edits;
  for (int i = 0; i < 8; ++i) {
    edits.push_back(std::async(std::launch::async, [this, &user, i] {
      return accounts_->update(user.id(), UserChanges{.displayName = "editor " + std::to_string(i)}, 1);
    }));
  }
  int wins = 0;
  for (auto& edit : edits) wins += edit.get().isOk() ? 1 : 0;
  EXPECT_EQ(wins, 1);
  EXPECT_EQ(repository_->findById(user.id())->version, 2);
}

// Making an admin takes an admin: the last active one cannot be demoted or disabled, also when two
// admins demote each other at the same moment.
TEST_F(UsersServiceTest, TheLastActiveAdminStays) {
  const v1::User root = create("root", "admin");
  const v1::User second = create("second", "admin");
  const v1::User helper = create("helper", "operator");
  auto demoteRoot = std::async(std::launch::async, [&] {
    return accounts_->update(root.id(), UserChanges{.role = "operator"}, 0);
  });
  auto demoteSecond = std::async(std::launch::async, [&] {
    return accounts_->update(second.id(), UserChanges{.role = "operator"}, 0);
  });
  const auto first = demoteRoot.get();
  const auto other = demoteSecond.get();
  EXPECT_NE(first.isOk(), other.isOk()) << "exactly one of the two demotions may go through";
  const v1::User& last = first.isOk() ? second : root;
  EXPECT_EQ(repository_->findById(last.id())->role, "admin");

  auto disabled = accounts_->disable(last.id(), {});
  ASSERT_FALSE(disabled.isOk());
  EXPECT_EQ(disabled.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(disabled.status().message().find("last active admin"), std::string::npos) << disabled.status().toString();
  EXPECT_EQ(repository_->findById(last.id())->status, "active");
  EXPECT_TRUE(accounts_->disable(helper.id(), {}).isOk()) << "anyone else goes as before";
  // With another admin made first, the change goes through.
  ASSERT_TRUE(accounts_->update(helper.id(), UserChanges{.role = "admin", .status = "active"}, 0).isOk());
  EXPECT_TRUE(accounts_->update(last.id(), UserChanges{.role = "operator"}, 0).isOk());
}

TEST_F(UsersServiceTest, AdminChangesLandInTheAuditTrailWithActorTraceAndBeforeAfter) {
  const v1::User user = create("audited");
  v1::UpdateUserRequest request;
  request.set_id(user.id());
  request.mutable_user()->set_role("operator");
  request.mutable_update_mask()->add_paths("role");
  v1::User updated;
  auto context = rpc::makeContext(std::chrono::seconds(5));
  context->AddMetadata("fleetdeck-actor", "01a213e1-0000-7000-8000-000000000001");
  context->AddMetadata("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(stub_->UpdateUser(context.get(), request, &updated).ok());

  common::v1::ListAuditRequest query;
  query.set_resource_id(user.id());
  common::v1::ListAuditResponse audit;
  context = rpc::makeContext(std::chrono::seconds(5));
  ASSERT_TRUE(stub_->ListUserAudit(context.get(), query, &audit).ok());
  ASSERT_EQ(audit.entries_size(), 2);  // create, then update; newest first
  const auto& entry = audit.entries(0);
  EXPECT_EQ(entry.action(), "update");
  EXPECT_EQ(entry.actor(), "01a213e1-0000-7000-8000-000000000001");
  EXPECT_EQ(entry.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_NE(entry.before_json().find("\"role\": \"customer\""), std::string::npos) << entry.before_json();
  EXPECT_NE(entry.after_json().find("\"role\": \"operator\""), std::string::npos) << entry.after_json();
  EXPECT_EQ(entry.after_json().find("argon2"), std::string::npos) << "the hash never reaches the audit trail";
  EXPECT_EQ(audit.entries(1).action(), "create");
  EXPECT_TRUE(audit.entries(1).before_json().empty());
}

// As products and payments answer: every malformed filter named in one INVALID_ARGUMENT (users named
// only the first, and took an actor of any length, answering an empty page). A resource id in upper
// case names the same account: it matched nothing, as the trail stores the lower-case form.
TEST_F(UsersServiceTest, ListUserAudit_RefusesEachMalformedFilterNamingIt_AsProductsAndPaymentsDo) {
  const v1::User user = create("audited-filters");
  common::v1::ListAuditResponse response;
  const auto list = [&](const common::v1::ListAuditRequest& request) {
    response.Clear();
    auto context = rpc::makeContext(std::chrono::seconds(5));
    return rpc::fromGrpcStatus(stub_->ListUserAudit(context.get(), request, &response));
  };
  const auto fieldsOf = [](const Status& status) {
    std::vector<std::string> fields;
    for (const auto& violation : status.violations()) fields.push_back(violation.field);
    std::sort(fields.begin(), fields.end());
    return fields;
  };

  common::v1::ListAuditRequest longActor;
  longActor.set_actor(std::string(129, 'a'));
  const Status refused = list(longActor);
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument) << refused.toString();
  EXPECT_EQ(fieldsOf(refused), std::vector<std::string>{"actor"}) << refused.toString();

  common::v1::ListAuditRequest all;
  all.set_resource_id("user-42");
  all.set_actor(std::string(129, 'a'));
  all.set_page_size(-1);
  EXPECT_EQ(fieldsOf(list(all)), (std::vector<std::string>{"actor", "pageSize", "resourceId"}));

  common::v1::ListAuditRequest badToken;
  badToken.set_page_token("not-a-token");
  EXPECT_EQ(fieldsOf(list(badToken)), std::vector<std::string>{"pageToken"});

  // The filters it takes still find what they name.
  common::v1::ListAuditRequest atLimit;
  atLimit.set_actor(std::string(128, 'a'));
  ASSERT_TRUE(list(atLimit).isOk());
  EXPECT_EQ(response.entries_size(), 0);
  std::string upper = user.id();
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  common::v1::ListAuditRequest byUpperCaseId;
  byUpperCaseId.set_resource_id(upper);
  ASSERT_TRUE(list(byUpperCaseId).isOk());
  ASSERT_EQ(response.entries_size(), 1);
  EXPECT_EQ(response.entries(0).resource_id(), user.id());
}

TEST_F(UsersServiceTest, UnknownIdIsNotFound) {
  v1::GetUserRequest request;
  request.set_id("01a213e1-22c5-7335-a7e4-2b51dae6d000");
  v1::User user;
  auto context = rpc::makeContext(std::chrono::seconds(5));
  EXPECT_EQ(stub_->GetUser(context.get(), request, &user).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(UsersServiceTest, HealthServiceAnswersServing) {
  // grpc.health.v1 is registered by RpcServer; call it generically to avoid its generated stubs.
  grpc::GenericStub generic(rpc::makeChannel(server_->address()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  // HealthCheckRequest{service:""} encodes as zero bytes; a ByteBuffer needs one (empty) slice.
  grpc::Slice empty(std::string{});
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  generic.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                    [&done](grpc::Status status) { done.set_value(status); });
  const grpc::Status status = done.get_future().get();
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const auto& slice : slices) bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  EXPECT_EQ(bytes, std::string("\x08\x01", 2)) << "status: SERVING";
}

}  // namespace
}  // namespace fleetdeck::users
