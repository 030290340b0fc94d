// Sign-in through the users service's gRPC API, with its real PostgreSQL: the same answer for an
// unknown user and a wrong password, throttling per account and per address that every replica
// shares, refresh-token rotation and reuse detection, logout, and the caller's own profile.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>
#include <set>

#include "adapters/argon2_password_hasher.h"
#include "adapters/pg_session_store.h"
#include "adapters/pg_user_repository.h"
#include "adapters/users_grpc_service.h"
#include "domain/sign_in.h"
#include "domain/user_accounts.h"
#include "fleetdeck/db/connection_pool.h"
#include "fleetdeck/db/migration_runner.h"
#include "fleetdeck/rpc/client.h"
#include "fleetdeck/rpc/server.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"
#include "users_migrations.h"

namespace fleetdeck::users {
namespace {

constexpr int64_t kSecond = 1'000'000;

class SignInTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_ = std::make_unique<db::ConnectionPool>(
        db::PoolOptions{testing::createTestDatabase("users_sign_in"), 8, std::chrono::seconds(2), "users"});
    auto applied = db::applyMigrations(*pool_, embeddedMigrations());
    ASSERT_TRUE(applied.isOk()) << applied.status().toString();
    repository_ = std::make_unique<PgUserRepository>(*pool_);
    hasher_ = std::make_unique<Argon2PasswordHasher>(Argon2Parameters{1024, 1, 1});
    accounts_ = std::make_unique<UserAccounts>(*repository_, *hasher_);
    sessions_ = std::make_unique<PgSessionStore>(*pool_);
    now_ = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    SignInOptions options;
    options.maxFailuresPerAccount = 3;
    options.maxFailuresPerAddress = 6;
    options.failureWindow = std::chrono::minutes(15);
    options.refreshTtl = std::chrono::hours(1);
    signIn_ = std::make_unique<SignIn>(*accounts_, *repository_, *hasher_, *sessions_, options, [this] { return now_.load(); });
    workers_ = std::make_unique<WorkPool>(4, 256, "test");
    service_ = std::make_unique<UsersGrpcService>(*accounts_, *workers_, signIn_.get());
    server_ = std::make_unique<rpc::RpcServer>(rpc::ServerOptions{});
    service_->bindTo(*server_);
    ASSERT_TRUE(server_->start().isOk());
    stub_ = v1::UsersService::NewStub(rpc::makeChannel(server_->address()));
  }
  void TearDown() override {
    server_->shutdown(std::chrono::milliseconds(500));
    workers_->shutdown();
  }

  v1::User registerUser(const std::string& name) {
    v1::RegisterRequest request;
    request.set_username(name);
    request.set_email(name + "@example.com");
    request.set_password("correct horse battery");
    v1::User user;
    auto context = rpc::makeContext(std::chrono::seconds(5));
    const grpc::Status status = stub_->Register(context.get(), request, &user);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return user;
  }

  grpc::Status login(const std::string& name, const std::string& password, v1::Session& session,
                     const std::string& address = "10.1.1.1", std::string* retryAfter = nullptr) {
    v1::LoginRequest request;
    request.set_username(name);
    request.set_password(password);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    context.AddMetadata(kClientAddressKey, address);
    const grpc::Status status = stub_->Login(&context, request, &session);
    if (retryAfter != nullptr) {
      const auto& trailers = context.GetServerTrailingMetadata();
      if (auto found = trailers.find("retry-after"); found != trailers.end()) {
        *retryAfter = std::string(found->second.data(), found->second.size());
      }
    }
    return status;
  }

  grpc::Status refresh(const std::string& token, v1::Session& session) {
    v1::RefreshRequest request;
    request.set_refresh_token(token);
    auto context = rpc::makeContext(std::chrono::seconds(5));
    return stub_->Refresh(context.get(), request, &session);
  }

  std::unique_ptr<db::ConnectionPool> pool_;
  std::unique_ptr<PgUserRepository> repository_;
  std::unique_ptr<Argon2PasswordHasher> hasher_;
  std::unique_ptr<UserAccounts> accounts_;
  std::unique_ptr<PgSessionStore> sessions_;
  std::atomic<int64_t> now_{0};
  std::unique_ptr<SignIn> signIn_;
  std::unique_ptr<WorkPool> workers_;
  std::unique_ptr<UsersGrpcService> service_;
  std::unique_ptr<rpc::RpcServer> server_;
  std::unique_ptr<v1::UsersService::Stub> stub_;
};

TEST_F(SignInTest, RegisterAlwaysMakesACustomer) {
  EXPECT_EQ(registerUser("rita").role(), "customer");
}

TEST_F(SignInTest, LoginReturnsTheUserAndAnOpaqueRefreshTokenStoredOnlyHashed) {
  const auto user = registerUser("sam");
  v1::Session session;
  ASSERT_TRUE(login("sam", "correct horse battery", session).ok());
  EXPECT_EQ(session.user().id(), user.id());
  EXPECT_TRUE(session.refresh_token().starts_with("rt1_"));
  EXPECT_TRUE(session.access_token().empty()) << "the gateway signs access tokens";
  EXPECT_EQ(session.refresh_expires_in(), 3600);
  auto lease = pool_->acquire();
  ASSERT_TRUE(lease.isOk());
  pqxx::work transaction(**lease);
  const auto rows = transaction.exec_params("SELECT token_hash, client_address FROM refresh_tokens WHERE user_id = $1",
                                            user.id());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0].as<std::string>(), refreshTokenHash(session.refresh_token()));
  EXPECT_NE(rows[0][0].as<std::string>(), session.refresh_token());
  EXPECT_EQ(rows[0][1].as<std::string>(), "10.1.1.1");
}

TEST_F(SignInTest, UnknownUserAndWrongPasswordAreTheSameError) {
  registerUser("tess");
  v1::Session session;
  const auto unknown = login("nobody", "correct horse battery", session);
  const auto wrong = login("tess", "wrong password!", session);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(wrong.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(unknown.error_message(), wrong.error_message());
}

TEST_F(SignInTest, RepeatedFailuresThrottleTheAccountUntilTheWindowPasses) {
  registerUser("ugo");
  v1::Session session;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(login("ugo", "bad guess " + std::to_string(i), session).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  std::string retryAfter;
  const auto throttled = login("ugo", "correct horse battery", session, "10.1.1.1", &retryAfter);
  EXPECT_EQ(throttled.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(retryAfter, "900") << "the oldest failure ages out after the 15 minute window";
  // From another address the account is still throttled: it is the account being guessed.
  EXPECT_EQ(login("ugo", "correct horse battery", session, "10.9.9.9").error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  now_ += 15 * 60 * kSecond + kSecond;
  EXPECT_TRUE(login("ugo", "correct horse battery", session).ok());
}

// Guesses sent all at once: each counts against the limit from before its password is checked, so
// no more of them are checked than the limit allows, however many run in parallel.
TEST_F(SignInTest, ParallelGuessesAreThrottledLikeSequentialOnes) {
  registerUser("pax");
  constexpr int kGuesses = 12;
  std::vector<std::future<grpc::StatusCode>> guesses;
  for (int i = 0; i < kGuesses; ++i) {
    guesses.push_back(std::async(std::launch::async, [this, i] {
      v1::Session session;
      return login("pax", "parallel guess " + std::to_string(i), session, "10.2.2." + std::to_string(i)).error_code();
    }));
  }
  std::map<grpc::StatusCode, int> answers;
  for (auto& guess : guesses) ++answers[guess.get()];
  EXPECT_EQ(answers[grpc::StatusCode::UNAUTHENTICATED], 3) << "only the account's limit of guesses is checked";
  EXPECT_EQ(answers[grpc::StatusCode::RESOURCE_EXHAUSTED], kGuesses - 3);
  // A correct password now is throttled too; after the window it signs in, and its success is not
  // left behind as a failure of its address.
  v1::Session session;
  EXPECT_EQ(login("pax", "correct horse battery", session, "10.3.3.3").error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  now_ += 15 * 60 * kSecond + kSecond;
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(login("pax", "correct horse battery", session, "10.3.3.3").ok()) << "sign-in " << i;
  }
}

TEST_F(SignInTest, OneAddressGuessingManyAccountsIsThrottledToo) {
  for (const char* name : {"vic", "wes", "xia"}) registerUser(name);
  v1::Session session;
  for (const char* name : {"vic", "wes", "xia"}) {
    for (int i = 0; i < 2; ++i) EXPECT_FALSE(login(name, "wrong " + std::to_string(i), session, "10.6.6.6").ok());
  }
  EXPECT_EQ(login("vic", "correct horse battery", session, "10.6.6.6").error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(login("vic", "correct horse battery", session, "10.7.7.7").ok()) << "other addresses are unaffected";
}

TEST_F(SignInTest, RefreshRotatesAndAReusedTokenRevokesTheWholeFamily) {
  registerUser("yan");
  v1::Session first;
  ASSERT_TRUE(login("yan", "correct horse battery", first).ok());
  v1::Session second;
  ASSERT_TRUE(refresh(first.refresh_token(), second).ok());
  EXPECT_NE(second.refresh_token(), first.refresh_token());
  EXPECT_EQ(second.session_id(), first.session_id()) << "same family";
  v1::Session third;
  ASSERT_TRUE(refresh(second.refresh_token(), third).ok());
  v1::Session ignored;
  EXPECT_EQ(refresh(first.refresh_token(), ignored).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(refresh(third.refresh_token(), ignored).error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << "reuse of an old token revoked the newest one as well";
  // Another login is another family and unaffected.
  v1::Session other;
  ASSERT_TRUE(login("yan", "correct horse battery", other).ok());
  EXPECT_TRUE(refresh(other.refresh_token(), ignored).ok());
}

// A revocation (password change, detected reuse) racing a rotation must also revoke the token the
// rotation is issuing. The rotation is held at its INSERT of the new token (a test transaction holds
// an uncommitted row with the same hash) while the revocation starts; then both finish.
TEST_F(SignInTest, ARevocationDuringARotation_AlsoRevokesTheTokenTheRotationIssues) {
  const std::string userId = registerUser("cal").id();
  const int64_t expires = now_.load() + 3600 * kSecond;
  ASSERT_TRUE(sessions_->storeToken({newUuid(), newUuid(), userId, "hash-b", "10.0.0.1", expires, 1}).isOk());
  const auto count = [&](const std::string& sql) {
    auto lease = pool_->acquire();
    EXPECT_TRUE(lease.isOk());
    pqxx::nontransaction query(**lease);
    return query.exec_params(sql, userId)[0][0].as<int64_t>();
  };
  const std::string lockWaits =
      "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
      " AND $1::text IS NOT NULL";

  auto blockerLease = pool_->acquire();
  ASSERT_TRUE(blockerLease.isOk());
  pqxx::work blocker(**blockerLease);
  blocker.exec_params(
      "INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, client_address, expires_at)"
      " VALUES ($1, $2, $3, 'hash-c', '10.0.0.1', now() + interval '1 hour')",
      newUuid(), newUuid(), userId);
  auto rotation = std::async(std::launch::async, [&] {
    return sessions_->rotate("hash-b", {newUuid(), "", "", "hash-c", "10.0.0.2", expires, 1}, now_.load());
  });
  ASSERT_TRUE(fleetdeck::testing::waitUntil([&] { return count(lockWaits) >= 1; }, std::chrono::seconds(10)))
      << "the rotation never reached its INSERT";
  auto revocation = std::async(std::launch::async, [&] { return sessions_->revokeAllOfUser(userId); });
  ASSERT_TRUE(fleetdeck::testing::waitUntil([&] { return count(lockWaits) >= 2; }, std::chrono::seconds(10)))
      << "the revocation never started";
  blocker.abort();

  const auto rotated = rotation.get();
  ASSERT_TRUE(rotated.isOk()) << rotated.status().toString();
  EXPECT_EQ(rotated->outcome, RotateOutcome::kRotated);
  const Status revoked = revocation.get();
  ASSERT_TRUE(revoked.isOk()) << revoked.toString();
  EXPECT_EQ(count("SELECT count(*) FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL AND used_at IS NULL"), 0)
      << "a token issued by a rotation that raced the revocation is still valid";
}

// An admin resets the password of an account taken over, or disables it for a while: the refresh
// token the thief holds must not outlive either (it did: only the user's own password change
// revoked sessions, and a disabled user was refused only while disabled).
TEST_F(SignInTest, AnAdminPasswordResetOrADisableEndsEverySessionOfTheUser) {
  const auto user = registerUser("zoe");
  v1::Session stolen;
  ASSERT_TRUE(login("zoe", "correct horse battery", stolen).ok());
  auto temporary = accounts_->resetPassword(user.id(), {"admin", "trace"});
  ASSERT_TRUE(temporary.isOk()) << temporary.status().toString();
  v1::Session ignored;
  EXPECT_EQ(refresh(stolen.refresh_token(), ignored).error_code(), grpc::StatusCode::UNAUTHENTICATED);

  v1::Session again;
  ASSERT_TRUE(login("zoe", *temporary, again).ok());
  ASSERT_TRUE(accounts_->disable(user.id(), {"admin", "trace"}).isOk());
  UserChanges enable;
  enable.status = "active";
  ASSERT_TRUE(accounts_->update(user.id(), enable, 0, {"admin", "trace"}).isOk());
  EXPECT_EQ(refresh(again.refresh_token(), ignored).error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << "disabled and enabled again: the session from before the disable is over";
  v1::Session fresh;
  ASSERT_TRUE(login("zoe", *temporary, fresh).ok());
  EXPECT_TRUE(refresh(fresh.refresh_token(), ignored).ok()) << "a new sign-in works as before";
}

// Argon2 whose verify() waits until the test lets it go: an admin's change lands while a sign-in is
// checking the password.
class GatedHasher final : public PasswordHasher {
 public:
  explicit GatedHasher(PasswordHasher& real) : real_(real) {}
  Result<std::string> hash(std::string_view password) override { return real_.hash(password); }
  bool verify(std::string_view password, const std::string& encoded) override {
    entered.set_value();
    release.get_future().wait();
    return real_.verify(password, encoded);
  }
  std::promise<void> entered;
  std::promise<void> release;

 private:
  PasswordHasher& real_;
};

// A thief signs in with a stolen password just as an admin resets it: the reset revokes every
// session, and the sign-in that was checking the old password must not add one after it (it did:
// the token was stored after the reset's revocation, and refreshing never looks at the password).
TEST_F(SignInTest, ASignInCheckingThePasswordWhileAnAdminResetsIt_GetsNoSession) {
  const auto user = registerUser("dee");
  GatedHasher gated(*hasher_);
  SignIn gatedSignIn(*accounts_, *repository_, gated, *sessions_, SignInOptions{}, [this] { return now_.load(); });
  auto signingIn = std::async(std::launch::async, [&] {
    int64_t retryAfter = 0;
    return gatedSignIn.login("dee", "correct horse battery", "10.2.2.2", retryAfter);
  });
  ASSERT_EQ(gated.entered.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  ASSERT_TRUE(accounts_->resetPassword(user.id(), {"admin", "trace"}).isOk());
  gated.release.set_value();
  const auto session = signingIn.get();
  if (session.isOk()) {
    v1::Session ignored;
    EXPECT_NE(refresh(session->refreshToken, ignored).error_code(), grpc::StatusCode::OK)
        << "a session signed in with the old password outlived the reset";
  } else {
    EXPECT_EQ(session.status().code(), StatusCode::kUnauthenticated) << session.status().toString();
  }
  auto lease = pool_->acquire();
  ASSERT_TRUE(lease.isOk());
  pqxx::nontransaction query(**lease);
  EXPECT_EQ(query.exec_params("SELECT count(*) FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL",
                              user.id())[0][0].as<int64_t>(),
            0);
}

// An edit that does not touch access (a display name) while the password is being checked: the
// sign-in goes through, signed for the account as it is now.
TEST_F(SignInTest, AHarmlessEditDuringASignIn_DoesNotFailIt) {
  const auto user = registerUser("hal");
  GatedHasher gated(*hasher_);
  SignIn gatedSignIn(*accounts_, *repository_, gated, *sessions_, SignInOptions{}, [this] { return now_.load(); });
  auto signingIn = std::async(std::launch::async, [&] {
    int64_t retryAfter = 0;
    return gatedSignIn.login("hal", "correct horse battery", "10.5.5.5", retryAfter);
  });
  ASSERT_EQ(gated.entered.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  UserChanges renamed;
  renamed.displayName = "Hal 9000";
  ASSERT_TRUE(accounts_->update(user.id(), renamed, 0, {"admin", "trace"}).isOk());
  gated.release.set_value();
  const auto session = signingIn.get();
  ASSERT_TRUE(session.isOk()) << session.status().toString();
  EXPECT_EQ(session->user.displayName, "Hal 9000");
  EXPECT_EQ(session->user.version, 2);
  v1::Session refreshed;
  EXPECT_TRUE(refresh(session->refreshToken, refreshed).ok());
}

// The real repository, but its next findById fails once (the pool ran dry, the database went away).
class FailingOnceRepository final : public UserRepository {
 public:
  explicit FailingOnceRepository(UserRepository& real) : real_(real) {}
  Result<User> insert(const User& user, const CreateKey& key, const ChangeContext& context) override {
    return real_.insert(user, key, context);
  }
  Result<std::optional<std::pair<User, std::string>>> findCreatedWith(const std::string& key) override {
    return real_.findCreatedWith(key);
  }
  Result<User> findById(const std::string& id) override {
    if (failNext.exchange(false)) return unavailable("the database went away");
    return real_.findById(id);
  }
  Result<User> findByUsername(const std::string& username) override { return real_.findByUsername(username); }
  Result<UserPage> list(const UserQuery& query) override { return real_.list(query); }
  Result<User> update(const std::string& id, const UserChanges& changes, int64_t expectedVersion,
                      const ChangeContext& context) override {
    return real_.update(id, changes, expectedVersion, context);
  }
  Result<User> updatePasswordHash(const std::string& id, const std::string& hash, const ChangeContext& context) override {
    return real_.updatePasswordHash(id, hash, context);
  }
  Result<db::AuditPage> listAudit(const db::AuditQuery& query) override { return real_.listAudit(query); }
  Result<User> updateOwn(const std::string& id, const OwnChanges& changes, int64_t expectedVersion,
                         const ChangeContext& context) override {
    return real_.updateOwn(id, changes, expectedVersion, context);
  }
  std::atomic<bool> failNext{false};

 private:
  UserRepository& real_;
};

// A refresh that fails part-way leaves its token usable: retrying it is not a reuse that ends the
// sign-in (it was: the token was rotated first and the user read after, in another transaction).
TEST_F(SignInTest, ARefreshThatFailsPartWay_LeavesItsTokenUsable) {
  registerUser("eli");
  FailingOnceRepository failing(*repository_);
  SignIn failingSignIn(*accounts_, failing, *hasher_, *sessions_, SignInOptions{}, [this] { return now_.load(); });
  int64_t retryAfter = 0;
  auto session = failingSignIn.login("eli", "correct horse battery", "10.3.3.3", retryAfter);
  ASSERT_TRUE(session.isOk()) << session.status().toString();
  failing.failNext = true;
  auto failed = failingSignIn.refresh(session->refreshToken, "10.3.3.3");
  ASSERT_FALSE(failed.isOk());
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable);
  auto retried = failingSignIn.refresh(session->refreshToken, "10.3.3.3");
  ASSERT_TRUE(retried.isOk()) << retried.status().toString();
  EXPECT_EQ(retried->familyId, session->familyId);
}

// The session store refuses to store or rotate for an account that changed since the caller read it.
TEST_F(SignInTest, TheStoreRefusesTokensForAnAccountThatChangedSinceItWasRead) {
  const std::string userId = registerUser("fay").id();
  const int64_t expires = now_.load() + 3600 * kSecond;
  auto stale = sessions_->storeToken({newUuid(), newUuid(), userId, "hash-f1", "10.0.0.1", expires, 7});
  ASSERT_TRUE(stale.isOk());
  EXPECT_FALSE(*stale);
  auto current = sessions_->storeToken({newUuid(), newUuid(), userId, "hash-f1", "10.0.0.1", expires, 1});
  ASSERT_TRUE(current.isOk());
  EXPECT_TRUE(*current);
  UserChanges demote;
  demote.displayName = "Fay";
  ASSERT_TRUE(accounts_->update(userId, demote, 0, {"admin", "trace"}).isOk());
  auto rotated = sessions_->rotate("hash-f1", {newUuid(), "", "", "hash-f2", "10.0.0.1", expires, 1}, now_.load());
  ASSERT_TRUE(rotated.isOk());
  EXPECT_EQ(rotated->outcome, RotateOutcome::kAccountChanged);
  rotated = sessions_->rotate("hash-f1", {newUuid(), "", "", "hash-f2", "10.0.0.1", expires, 2}, now_.load());
  ASSERT_TRUE(rotated.isOk());
  EXPECT_EQ(rotated->outcome, RotateOutcome::kRotated) << "the refused rotation left the token current";
}

// Argon2 whose first hash fails (out of memory), counting what verify() is asked to check.
class FlakyHasher final : public PasswordHasher {
 public:
  explicit FlakyHasher(PasswordHasher& real) : real_(real) {}
  Result<std::string> hash(std::string_view password) override {
    if (failNext.exchange(false)) return Status(StatusCode::kInternal, "argon2: memory allocation error");
    return real_.hash(password);
  }
  bool verify(std::string_view password, const std::string& encoded) override {
    if (encoded.empty()) ++emptyVerifies;
    ++verifies;
    return real_.verify(password, encoded);
  }
  std::atomic<bool> failNext{true};
  std::atomic<int> verifies{0}, emptyVerifies{0};

 private:
  PasswordHasher& real_;
};

// The hash unknown users are checked against is made before the first sign-in, and a failure to make
// it is an error, never an empty hash (verifying against "" answers at once: unknown usernames would
// be told from wrong passwords by the time they take).
TEST_F(SignInTest, TheUnknownUsersHashIsMadeAtStart_AFailedOneIsNeverUsed) {
  FlakyHasher flaky(*hasher_);
  SignIn flakySignIn(*accounts_, *repository_, flaky, *sessions_, SignInOptions{}, [this] { return now_.load(); });
  EXPECT_FALSE(flakySignIn.prepare().isOk()) << "a start whose hash failed must fail";
  int64_t retryAfter = 0;
  auto unknown = flakySignIn.login("nobody", "correct horse battery", "10.4.4.4", retryAfter);
  EXPECT_EQ(unknown.status().code(), StatusCode::kUnauthenticated) << unknown.status().toString();
  EXPECT_EQ(flaky.verifies.load(), 1) << "an unknown user costs a real verification";
  EXPECT_EQ(flaky.emptyVerifies.load(), 0);
  EXPECT_TRUE(flakySignIn.prepare().isOk());
}

// Every refresh adds a row: a sign-in or refresh deletes the user's tokens that expired over a day
// ago (they piled up for ever), and ending the sessions writes only the live, unused ones.
TEST_F(SignInTest, TokensExpiredOverADayAgoArePruned_EndingSessionsTouchesOnlyLiveOnes) {
  const std::string userId = registerUser("gus").id();
  auto lease = pool_->acquire();
  ASSERT_TRUE(lease.isOk());
  const auto exec = [&](const std::string& sql) {
    pqxx::nontransaction query(**lease);
    return query.exec_params(sql, userId);
  };
  exec("INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, expires_at) VALUES"
       " (gen_random_uuid(), gen_random_uuid(), $1, 'old-1', now() - interval '3 days'),"
       " (gen_random_uuid(), gen_random_uuid(), $1, 'old-2', now() - interval '25 hours'),"
       " (gen_random_uuid(), gen_random_uuid(), $1, 'recent', now() - interval '1 hour')");
  v1::Session session;
  ASSERT_TRUE(login("gus", "correct horse battery", session).ok());
  const auto hashes = [&] {
    std::set<std::string> found;
    for (const auto& row : exec("SELECT token_hash FROM refresh_tokens WHERE user_id = $1")) {
      found.insert(row[0].as<std::string>());
    }
    return found;
  };
  EXPECT_FALSE(hashes().contains("old-1"));
  EXPECT_FALSE(hashes().contains("old-2"));
  EXPECT_TRUE(hashes().contains("recent")) << "expired an hour ago: a reuse of it is still caught";
  v1::Session refreshed;
  ASSERT_TRUE(refresh(session.refresh_token(), refreshed).ok());
  ASSERT_TRUE(sessions_->revokeAllOfUser(userId).isOk());
  EXPECT_EQ(exec("SELECT count(*) FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NOT NULL")[0][0].as<int>(), 1)
      << "only the live, unused token is written";
  v1::Session ignored;
  EXPECT_EQ(refresh(refreshed.refresh_token(), ignored).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(refresh(session.refresh_token(), ignored).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(SignInTest, ExpiredRefreshTokensAreRefused) {
  registerUser("zoe");
  v1::Session session;
  ASSERT_TRUE(login("zoe", "correct horse battery", session).ok());
  now_ += 3601 * kSecond;
  v1::Session ignored;
  EXPECT_EQ(refresh(session.refresh_token(), ignored).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(SignInTest, LogoutRevokesAndRepeatingItIsHarmless) {
  registerUser("abe");
  v1::Session session;
  ASSERT_TRUE(login("abe", "correct horse battery", session).ok());
  v1::LogoutRequest request;
  request.set_refresh_token(session.refresh_token());
  v1::LogoutResponse response;
  for (int i = 0; i < 2; ++i) {
    auto context = rpc::makeContext(std::chrono::seconds(5));
    EXPECT_TRUE(stub_->Logout(context.get(), request, &response).ok());
  }
  v1::Session ignored;
  EXPECT_EQ(refresh(session.refresh_token(), ignored).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

// Someone holding a stolen session guesses at the current password to set a new one: the guesses
// count like failed sign-ins of the account (limit 3 here), and a disabled account changes nothing.
TEST_F(SignInTest, GuessesAtTheCurrentPasswordAreThrottled_ADisabledAccountCannotChangeItself) {
  const auto user = registerUser("cyd");
  const auto updateMe = [&](const std::string& currentPassword) {
    v1::UpdateMeRequest update;
    update.set_password("the thief's new password");
    update.set_current_password(currentPassword);
    v1::User me;
    auto context = rpc::makeContext(std::chrono::seconds(5));
    context->AddMetadata("fleetdeck-actor", user.id());
    return stub_->UpdateMe(context.get(), update, &me).error_code();
  };
  for (int guess = 0; guess < 3; ++guess) {
    EXPECT_EQ(updateMe("guess " + std::to_string(guess)), grpc::StatusCode::INVALID_ARGUMENT);
  }
  EXPECT_EQ(updateMe("correct horse battery"), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << "throttled even when the fourth guess is right";
  now_ += 16 * 60 * kSecond;  // the window has passed
  ASSERT_TRUE(accounts_->disable(user.id(), {"admin", "trace"}).isOk());
  EXPECT_EQ(updateMe("correct horse battery"), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(SignInTest, TheCallerReadsAndChangesOnlyThemselves) {
  const auto user = registerUser("bea");
  v1::User me;
  {
    auto context = rpc::makeContext(std::chrono::seconds(5));
    EXPECT_EQ(stub_->GetMe(context.get(), v1::GetMeRequest(), &me).error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << "no actor metadata: nobody is signed in";
  }
  auto context = rpc::makeContext(std::chrono::seconds(5));
  context->AddMetadata("fleetdeck-actor", user.id());
  ASSERT_TRUE(stub_->GetMe(context.get(), v1::GetMeRequest(), &me).ok());
  EXPECT_EQ(me.username(), "bea");
  v1::UpdateMeRequest update;
  update.set_password("a new password here");
  update.set_current_password("not my password");
  auto wrongContext = rpc::makeContext(std::chrono::seconds(5));
  wrongContext->AddMetadata("fleetdeck-actor", user.id());
  EXPECT_EQ(stub_->UpdateMe(wrongContext.get(), update, &me).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  update.set_current_password("correct horse battery");
  update.set_display_name("Bea B.");
  auto rightContext = rpc::makeContext(std::chrono::seconds(5));
  rightContext->AddMetadata("fleetdeck-actor", user.id());
  ASSERT_TRUE(stub_->UpdateMe(rightContext.get(), update, &me).ok());
  EXPECT_EQ(me.display_name(), "Bea B.");
  v1::Session session;
  EXPECT_TRUE(login("bea", "a new password here", session).ok());
  auto audit = accounts_->audit({user.id(), "", 10, ""});
  ASSERT_TRUE(audit.isOk());
  EXPECT_EQ(audit->records.front().action, "change_password");
}


// The caller's own change (UpdateMe) runs while an admin acts on the account: the password the caller
// proved is checked (the hasher is held there) before the admin's change commits, and written after.
class UpdateMeRaceTest : public SignInTest {
 protected:
  Result<User> updateMeAround(const std::string& userId, const MeChanges& changes,
                              const std::function<void()>& meanwhile) {
    GatedHasher gated(*hasher_);
    SignIn gatedSignIn(*accounts_, *repository_, gated, *sessions_, SignInOptions{}, [this] { return now_.load(); });
    auto changing = std::async(std::launch::async, [&] { return gatedSignIn.updateMe(userId, changes, {userId, "t"}); });
    if (gated.entered.get_future().wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      ADD_FAILURE() << "the password was never checked";
    }
    meanwhile();
    gated.release.set_value();
    return changing.get();
  }
  static MeChanges thiefsChange() {
    MeChanges changes;
    changes.password = "the thief's new password";
    changes.currentPassword = "correct horse battery";
    changes.email = "thief@example.com";
    return changes;
  }
};

// An admin resets the password of an account taken over just as the thief's session sets a new one
// with the old: the reset stands (it did not: the change overwrote the hash unconditionally), and
// nothing of the change is written.
TEST_F(UpdateMeRaceTest, AResetBetweenThePasswordCheckAndTheWrite_StandsAndTheChangeIsRefused) {
  const auto user = registerUser("ida");
  Result<std::string> temporary = internalError("not reset");
  const auto changed = updateMeAround(user.id(), thiefsChange(), [&] {
    temporary = accounts_->resetPassword(user.id(), {"admin", "trace"});
  });
  ASSERT_TRUE(temporary.isOk()) << temporary.status().toString();
  ASSERT_FALSE(changed.isOk());
  EXPECT_EQ(changed.status().code(), StatusCode::kFailedPrecondition) << changed.status().toString();
  EXPECT_NE(changed.status().message().find("sign in again"), std::string::npos) << changed.status().message();
  v1::Session session;
  EXPECT_TRUE(login("ida", *temporary, session).ok()) << "the admin's reset was undone";
  EXPECT_EQ(login("ida", "the thief's new password", session).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(repository_->findById(user.id())->email, "ida@example.com");
}

// A disable in the same place: the disabled account changes nothing of itself.
TEST_F(UpdateMeRaceTest, ADisableBetweenThePasswordCheckAndTheWrite_RefusesTheChange) {
  const auto user = registerUser("jon");
  const std::string hashBefore = repository_->findById(user.id())->passwordHash;
  const auto changed = updateMeAround(user.id(), thiefsChange(), [&] {
    ASSERT_TRUE(accounts_->disable(user.id(), {"admin", "trace"}).isOk());
  });
  EXPECT_EQ(changed.status().code(), StatusCode::kPermissionDenied) << changed.status().toString();
  const auto stored = repository_->findById(user.id());
  ASSERT_TRUE(stored.isOk());
  EXPECT_EQ(stored->passwordHash, hashBefore);
  EXPECT_EQ(stored->email, "jon@example.com");
  EXPECT_EQ(stored->status, "disabled");
}

// An admin's edit that leaves the password and the status alone does not fail the change: it is
// applied over the edit.
TEST_F(UpdateMeRaceTest, AnEditThatKeepsThePassword_DoesNotFailTheChange) {
  const auto user = registerUser("kit");
  const auto changed = updateMeAround(user.id(), thiefsChange(), [&] {
    UserChanges renamed;
    renamed.displayName = "Kit K.";
    ASSERT_TRUE(accounts_->update(user.id(), renamed, 0, {"admin", "trace"}).isOk());
  });
  ASSERT_TRUE(changed.isOk()) << changed.status().toString();
  EXPECT_EQ(changed->displayName, "Kit K.");
  EXPECT_EQ(changed->email, "thief@example.com");
  EXPECT_EQ(changed->version, 3);
  v1::Session session;
  EXPECT_TRUE(login("kit", "the thief's new password", session).ok());
}

// The real session store, but ending a user's sessions on its own fails (the database went away).
class FailingRevokeSessions final : public SessionStore {
 public:
  explicit FailingRevokeSessions(SessionStore& real) : real_(real) {}
  Result<bool> storeToken(const NewRefreshToken& token) override { return real_.storeToken(token); }
  Result<std::optional<std::string>> ownerOf(const std::string& tokenHash) override { return real_.ownerOf(tokenHash); }
  Result<RotateResult> rotate(const std::string& tokenHash, NewRefreshToken replacement, int64_t now) override {
    return real_.rotate(tokenHash, std::move(replacement), now);
  }
  Status revokeFamilyOf(const std::string& tokenHash) override { return real_.revokeFamilyOf(tokenHash); }
  Status revokeAllOfUser(const std::string&) override { return unavailable("the database went away"); }
  Result<AttemptClaim> claimAttempt(const std::vector<AttemptLimit>& limits, int64_t now, int64_t since) override {
    return real_.claimAttempt(limits, now, since);
  }
  Status forgetAttempt(const std::string& attemptId) override { return real_.forgetAttempt(attemptId); }
  Status clearFailures(const std::string& subject) override { return real_.clearFailures(subject); }

 private:
  SessionStore& real_;
};

// A new email and a new password are one change: when the hash fails nothing is written (the email
// was, in a transaction of its own before the hash). And once the change is committed, with every
// session ended in its transaction, it is not reported failed because a second revocation failed.
TEST_F(SignInTest, UpdateMeWritesTheProfileAndThePasswordTogether_OrNothing) {
  const auto user = registerUser("lou");
  v1::Session before;
  ASSERT_TRUE(login("lou", "correct horse battery", before).ok());
  MeChanges changes;
  changes.email = "lou.new@example.com";
  changes.password = "a brand new password";
  changes.currentPassword = "correct horse battery";

  FlakyHasher flaky(*hasher_);
  FailingRevokeSessions sessions(*sessions_);
  SignIn flakySignIn(*accounts_, *repository_, flaky, sessions, SignInOptions{}, [this] { return now_.load(); });
  const auto failed = flakySignIn.updateMe(user.id(), changes, {user.id(), "trace"});
  ASSERT_FALSE(failed.isOk());
  EXPECT_EQ(failed.status().code(), StatusCode::kInternal) << failed.status().toString();
  EXPECT_EQ(repository_->findById(user.id())->email, "lou@example.com") << "half of the change was written";

  const auto changed = flakySignIn.updateMe(user.id(), changes, {user.id(), "trace"});
  ASSERT_TRUE(changed.isOk()) << changed.status().toString();
  EXPECT_EQ(changed->email, "lou.new@example.com");
  v1::Session ignored;
  EXPECT_EQ(refresh(before.refresh_token(), ignored).error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << "the sessions from before the new password are over";
  EXPECT_TRUE(login("lou", "a brand new password", ignored).ok());
  auto audit = accounts_->audit({user.id(), "", 10, ""});
  ASSERT_TRUE(audit.isOk());
  EXPECT_EQ(audit->records.front().action, "change_password");
  EXPECT_EQ(audit->records.size(), 2u) << "one record for the account's creation, one for the whole change";
}

// The repository applies a user's own change only over the version it was given, and only while active.
TEST_F(SignInTest, UpdateOwnRefusesAStaleVersionOrADisabledAccount_WritingNothing) {
  const auto user = registerUser("max");
  OwnChanges changes{"max.new@example.com", "Max", "some-hash"};
  auto stale = repository_->updateOwn(user.id(), changes, user.version() + 1, {user.id(), "trace"});
  EXPECT_EQ(stale.status().code(), StatusCode::kAborted) << stale.status().toString();
  ASSERT_TRUE(accounts_->disable(user.id(), {"admin", "trace"}).isOk());
  auto disabled = repository_->updateOwn(user.id(), changes, user.version() + 1, {user.id(), "trace"});
  EXPECT_EQ(disabled.status().code(), StatusCode::kAborted) << disabled.status().toString();
  const auto stored = repository_->findById(user.id());
  ASSERT_TRUE(stored.isOk());
  EXPECT_EQ(stored->email, "max@example.com");
  EXPECT_NE(stored->passwordHash, "some-hash");
  EXPECT_EQ(stored->version, user.version() + 1);
}

}  // namespace
}  // namespace fleetdeck::users
