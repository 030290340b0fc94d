// RpcServer on loopback: its async methods answered at once and from a WorkPool, grpc.health.v1
// Check and Watch, unknown methods, a service with a method left unbound, a throwing handler, and a shutdown
// that waits for the calls still being worked on.
#include "fleetdeck/rpc/server.h"

#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <future>
#include <stdexcept>
#include <thread>

#include "fleetdeck/core/work_pool.h"
#include "fleetdeck/rpc/blocking_handler.h"
#include "fleetdeck/rpc/client.h"
#include "fleetdeck/telemetry/metrics.h"
#include "fleetdeck/users/v1/users.grpc.pb.h"

namespace fleetdeck::rpc {
namespace {

namespace v1 = fleetdeck::users::v1;
using namespace std::chrono_literals;

// GetUser answers on the completion-queue thread ("throw" throws there); ListUsers answers from the
// pool after `listDelay`, counting the bodies that ran.
class Users final : public v1::UsersService::AsyncService {
 public:
  explicit Users(WorkPool& pool) : pool_(pool) {}

  // Every method bound, or all but ListUsers; those not under test answer UNIMPLEMENTED.
  void bindTo(RpcServer& server, bool bindListUsers = true) {
    server.addAsyncService(*this, v1::UsersService::service_full_name());
    server.addUnary(*this, &Users::RequestGetUser, "GetUser", this, &Users::answerGetUser);
    if (bindListUsers) server.addUnary(*this, &Users::RequestListUsers, "ListUsers", this, &Users::answerListUsers);
    bindUnimplemented(server, &Users::RequestCreateUser, "CreateUser");
    bindUnimplemented(server, &Users::RequestUpdateUser, "UpdateUser");
    bindUnimplemented(server, &Users::RequestDeleteUser, "DeleteUser");
    bindUnimplemented(server, &Users::RequestResetPassword, "ResetPassword");
    bindUnimplemented(server, &Users::RequestListUserAudit, "ListUserAudit");
    bindUnimplemented(server, &Users::RequestRegister, "Register");
    bindUnimplemented(server, &Users::RequestLogin, "Login");
    bindUnimplemented(server, &Users::RequestRefresh, "Refresh");
    bindUnimplemented(server, &Users::RequestLogout, "Logout");
    bindUnimplemented(server, &Users::RequestGetMe, "GetMe");
    bindUnimplemented(server, &Users::RequestUpdateMe, "UpdateMe");
  }

  Handled answerGetUser(ServerCall* call, const v1::GetUserRequest* request, v1::User* response) {
    if (request->id() == "throw") throw std::runtime_error("handler bug");
    if (request->id() == "throw-after-handing-on") {
      (void)runBlocking(call, pool_, [response] {
        response->set_id("answered by the pool");
        return Status::ok();
      });
      throw std::runtime_error("handler bug after handing the call on");
    }
    response->set_id(request->id());
    return call->finish(grpc::Status::OK);
  }

  Handled answerListUsers(ServerCall* call, const v1::ListUsersRequest*, v1::ListUsersResponse* response) {
    return runBlocking(call, pool_, [this, response] {
      ++bodiesStarted;
      std::this_thread::sleep_for(listDelay);
      ++bodiesRun;
      response->set_next_page_token("done");
      return Status::ok();
    });
  }

  std::chrono::milliseconds listDelay{0};
  std::atomic<int> bodiesStarted{0};
  std::atomic<int> bodiesRun{0};

 private:
  template <class Owner, class Request, class Response>
  void bindUnimplemented(RpcServer& server, detail::RequestFunction<Owner, Request, Response> request,
                         std::string name) {
    server.addUnary(*this, request, std::move(name), this, &Users::answerUnimplemented<Request, Response>);
  }
  template <class Request, class Response>
  Handled answerUnimplemented(ServerCall* call, const Request*, Response*) {
    return call->finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "not in this test"));
  }

  WorkPool& pool_;
};

grpc::Status getUser(RpcServer& server, const std::string& id, v1::User* user) {
  auto stub = v1::UsersService::NewStub(makeChannel(server.address()));
  auto context = makeContext(5s);
  v1::GetUserRequest request;
  request.set_id(id);
  return stub->GetUser(context.get(), request, user);
}

// ListUsers with a 5 s deadline, from a thread of its own.
std::future<grpc::Status> listUsersLater(v1::UsersService::Stub& stub) {
  return std::async(std::launch::async, [&stub] {
    auto context = makeContext(5s);
    v1::ListUsersResponse listed;
    return stub.ListUsers(context.get(), v1::ListUsersRequest(), &listed);
  });
}

// A message's bytes, as they came.
std::string bytesOf(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (buffer.Dump(&slices).ok()) {
    for (const auto& part : slices) bytes.append(reinterpret_cast<const char*>(part.begin()), part.size());
  }
  return bytes;
}

// A unary call by name with raw bytes, as a client without the generated code makes it.
grpc::Status rawCall(RpcServer& server, const std::string& method, const std::string& bytes, std::string* answer) {
  grpc::GenericStub stub(makeChannel(server.address()));
  auto context = makeContext(5s);
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(context.get(), method, grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  grpc::Status status = done.get_future().get();
  *answer = status.ok() ? bytesOf(response) : std::string();
  return status;
}

// HealthCheckRequest{service} by hand: field 1, length-delimited.
std::string healthRequest(const std::string& service) {
  if (service.empty()) return "";
  return std::string("\x0a", 1) + static_cast<char>(service.size()) + service;
}

constexpr const char* kCheck = "/grpc.health.v1.Health/Check";
const std::string kServing("\x08\x01", 2);
const std::string kNotServing("\x08\x02", 2);

// A started server of Users on a pool of its own, with a stub to call it; shut down at the end unless
// the test did so itself.
struct ServedUsers {
  ServedUsers(size_t workers, size_t queueLimit, std::chrono::milliseconds listDelay = 0ms,
              ServerOptions options = ServerOptions{})
      : pool(workers, queueLimit, "served-users"), users(pool), server(std::move(options)) {
    users.listDelay = listDelay;
    users.bindTo(server);
    started = server.start();
    stub = v1::UsersService::NewStub(makeChannel(server.address()));
  }
  ~ServedUsers() {
    server.shutdown(100ms);
    pool.shutdown();
  }

  WorkPool pool;
  Users users;
  RpcServer server;
  Status started;
  std::unique_ptr<v1::UsersService::Stub> stub;
};

class Server : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(served.started.isOk()) << served.started.message(); }

  ServedUsers served{2, 16};
  WorkPool& pool = served.pool;
  Users& users = served.users;
  RpcServer& server = served.server;
};

TEST_F(Server, AnswersOnItsOwnThreadAndFromThePool) {
  v1::User user;
  ASSERT_TRUE(getUser(server, "ada", &user).ok());
  EXPECT_EQ(user.id(), "ada");

  auto stub = v1::UsersService::NewStub(makeChannel(server.address()));
  auto context = makeContext(5s);
  v1::ListUsersResponse listed;
  ASSERT_TRUE(stub->ListUsers(context.get(), v1::ListUsersRequest(), &listed).ok());
  EXPECT_EQ(listed.next_page_token(), "done");
  EXPECT_EQ(users.bodiesRun.load(), 1);
}

TEST_F(Server, ManyCallsAtOnce_AreEachAnsweredOnce) {
  auto stub = v1::UsersService::NewStub(makeChannel(server.address()));
  std::vector<std::future<std::string>> answers;
  for (int i = 0; i < 200; ++i) {
    answers.push_back(std::async(std::launch::async, [&stub, i] {
      auto context = makeContext(10s);
      v1::GetUserRequest request;
      request.set_id("user-" + std::to_string(i));
      v1::User user;
      const auto status = stub->GetUser(context.get(), request, &user);
      return status.ok() ? user.id() : "failed: " + status.error_message();
    }));
  }
  for (int i = 0; i < 200; ++i) EXPECT_EQ(answers[i].get(), "user-" + std::to_string(i));
}

TEST_F(Server, HealthCheck_AnswersForTheServerAndEachServiceByName) {
  std::string answer;
  ASSERT_TRUE(rawCall(server, kCheck, healthRequest(""), &answer).ok());
  EXPECT_EQ(answer, kServing);
  ASSERT_TRUE(rawCall(server, kCheck, healthRequest("fleetdeck.users.v1.UsersService"), &answer).ok());
  EXPECT_EQ(answer, kServing);

  const auto unknown = rawCall(server, kCheck, healthRequest("fleetdeck.nothing.v1.Nothing"), &answer);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(unknown.error_message().find("fleetdeck.nothing.v1.Nothing"), std::string::npos);

  server.setServing(false);
  ASSERT_TRUE(rawCall(server, kCheck, healthRequest(""), &answer).ok());
  EXPECT_EQ(answer, kNotServing);
}

TEST_F(Server, HealthCheck_RefusesARequestThatIsNotAHealthCheckRequest) {
  std::string answer;
  // Field 1 says 100 bytes follow; there are 3.
  const auto status = rawCall(server, kCheck,
                              std::string("\x0a\x64"
                                          "abc",
                                          5),
                              &answer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("service"), std::string::npos) << status.error_message();
}

TEST_F(Server, AMethodNoServiceHas_IsUnimplementedAtOnce) {
  std::string answer;
  const auto started = std::chrono::steady_clock::now();
  const auto status = rawCall(server, "/fleetdeck.users.v1.UsersService/NoSuchMethod", "", &answer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 4s);  // not the 5 s deadline
  const auto list = rawCall(server, "/grpc.health.v1.Health/List", "", &answer);
  EXPECT_EQ(list.error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

// grpc.health.v1 Watch from a client of its own: each step waits for its operation on a private queue.
class HealthWatch {
 public:
  HealthWatch(RpcServer& server, const std::string& service) : stub_(makeChannel(server.address())) {
    context_.set_deadline(std::chrono::system_clock::now() + 30s);
    call_ = stub_.PrepareCall(&context_, "/grpc.health.v1.Health/Watch", &queue_);
    call_->StartCall(this);
    ok_ = wait();
    const std::string bytes = healthRequest(service);
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    call_->Write(request, this);
    ok_ = ok_ && wait();
    call_->WritesDone(this);
    ok_ = ok_ && wait();
  }
  ~HealthWatch() {
    context_.TryCancel();
    queue_.Shutdown();
    void* tag = nullptr;
    bool ok = false;
    while (queue_.Next(&tag, &ok)) {
    }
  }

  bool sent() const { return ok_; }
  // The next status the server sends; "" once the stream has ended.
  std::string next() {
    grpc::ByteBuffer response;
    call_->Read(&response, this);
    if (!wait()) return "";
    return bytesOf(response);
  }
  grpc::Status end() {
    grpc::Status status;
    call_->Finish(&status, this);
    wait();
    return status;
  }
  void cancel() { context_.TryCancel(); }

 private:
  bool wait() {
    void* tag = nullptr;
    bool ok = false;
    return queue_.Next(&tag, &ok) && ok;
  }
  grpc::GenericStub stub_;
  grpc::ClientContext context_;
  grpc::CompletionQueue queue_;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call_;
  bool ok_ = false;
};

const std::string kServiceUnknown("\x08\x03", 2);

TEST_F(Server, HealthWatch_SendsTheStatus_ThenEachChange) {
  HealthWatch watch(server, "fleetdeck.users.v1.UsersService");
  ASSERT_TRUE(watch.sent());
  EXPECT_EQ(watch.next(), kServing);
  server.setServing(false);
  EXPECT_EQ(watch.next(), kNotServing);
  server.setServing(false);  // no change, nothing sent
  server.setServing(true);
  EXPECT_EQ(watch.next(), kServing);
}

TEST_F(Server, HealthWatch_EndsWhenTheServerShutsDown_WithNotServing) {
  HealthWatch watch(server, "");
  ASSERT_TRUE(watch.sent());
  EXPECT_EQ(watch.next(), kServing);
  // A watch left open would hold the drain for all of its 20 s and then be cancelled.
  server.shutdown(20s);
  EXPECT_EQ(watch.next(), kNotServing);
  EXPECT_EQ(watch.next(), "");
  const auto ended = watch.end();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAVAILABLE) << ended.error_message();
  // The server's own end, not gRPC cancelling what was left when the drain time ran out.
  EXPECT_EQ(ended.error_message(), "the server is shutting down");
}

TEST_F(Server, HealthWatch_OfAnUnknownService_SaysSo_AndStaysOpenUntilTheServerStops) {
  HealthWatch watch(server, "fleetdeck.nothing.v1.Nothing");
  ASSERT_TRUE(watch.sent());
  EXPECT_EQ(watch.next(), kServiceUnknown);
  server.setServing(false);  // not this service's status: nothing sent
  server.shutdown(20s);
  EXPECT_EQ(watch.next(), "");
  const auto ended = watch.end();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ended.error_message(), "the server is shutting down");
}

TEST_F(Server, HealthWatch_AClientThatGoes_IsForgotten) {
  for (int i = 0; i < 3; ++i) {
    HealthWatch watch(server, "");
    ASSERT_TRUE(watch.sent());
    EXPECT_EQ(watch.next(), kServing);
    watch.cancel();
    EXPECT_EQ(watch.end().error_code(), grpc::StatusCode::CANCELLED);
  }
  // The server forgets the watches that ended: a change reaches none of them, and the shutdown waits for
  // no call object (one still alive would hold it for good).
  server.setServing(false);
  std::string answer;
  ASSERT_TRUE(rawCall(server, kCheck, healthRequest(""), &answer).ok());
  EXPECT_EQ(answer, kNotServing);
  server.shutdown(20s);
}

TEST_F(Server, AHandlerThatThrows_AnswersInternal_AndTheServerGoesOn) {
  v1::User user;
  const auto thrown = getUser(server, "throw", &user);
  EXPECT_EQ(thrown.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(thrown.error_message(), "internal error");  // not the exception's text
  ASSERT_TRUE(getUser(server, "grace", &user).ok());
  EXPECT_EQ(user.id(), "grace");
}

TEST_F(Server, ACallWhoseDeadlinePassedWhileQueued_IsNotStarted) {
  users.listDelay = 300ms;
  auto stub = v1::UsersService::NewStub(makeChannel(server.address()));
  // Two calls fill the pool's two workers for 300 ms; the third waits in its queue past its deadline.
  std::vector<std::future<grpc::Status>> busy;
  for (int i = 0; i < 2; ++i) {
    busy.push_back(listUsersLater(*stub));
  }
  while (users.bodiesStarted.load() < 2) std::this_thread::sleep_for(5ms);
  auto context = makeContext(50ms);
  v1::ListUsersResponse listed;
  EXPECT_EQ(stub->ListUsers(context.get(), v1::ListUsersRequest(), &listed).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  for (auto& call : busy) EXPECT_TRUE(call.get().ok());
  while (pool.queued() > 0) std::this_thread::sleep_for(5ms);
  std::this_thread::sleep_for(50ms);  // a third body, had it started, would have counted by now
  EXPECT_EQ(users.bodiesStarted.load(), 2);
}

TEST_F(Server, AHandlerThatThrowsAfterHandingTheCallOn_LeavesTheAnswerToThePool) {
  for (int i = 0; i < 20; ++i) {  // the pool answers before the throw or after it
    v1::User user;
    const auto status = getUser(server, "throw-after-handing-on", &user);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(user.id(), "answered by the pool");
  }
  v1::User user;
  ASSERT_TRUE(getUser(server, "still-here", &user).ok());
}

TEST_F(Server, CallsAnsweredOnItsThread_AndHealthChecks_AreCounted) {
  const std::string ok =
      R"(grpc_server_handled_total{grpc_service="fleetdeck.users.v1.UsersService",grpc_method="GetUser",grpc_code="OK"})";
  const std::string health =
      R"(grpc_server_handled_total{grpc_service="grpc.health.v1.Health",grpc_method="Check",grpc_code="OK"})";
  const auto sample = [](const std::string& text, const std::string& series) {
    const size_t at = text.find(series + " ");
    return at == std::string::npos ? 0.0 : std::stod(text.substr(at + series.size() + 1));
  };
  const std::string before = telemetry::defaultRegistry().expose();
  v1::User user;
  ASSERT_TRUE(getUser(server, "ada", &user).ok());
  ASSERT_TRUE(getUser(server, "grace", &user).ok());
  std::string answer;
  ASSERT_TRUE(rawCall(server, kCheck, healthRequest(""), &answer).ok());
  const std::string after = telemetry::defaultRegistry().expose();
  EXPECT_EQ(sample(after, ok) - sample(before, ok), 2);
  EXPECT_EQ(sample(after, health) - sample(before, health), 1);
}

// Three completion queues, each with its thread: every call answered once, and the shutdown joins them all.
TEST(ServerThreads, SeveralQueues_AnswerEveryCallOnce) {
  ServedUsers served(2, 64, 0ms, ServerOptions{.threads = 3});
  ASSERT_TRUE(served.started.isOk());
  auto& stub = served.stub;
  std::vector<std::future<std::string>> answers;
  for (int i = 0; i < 60; ++i) {
    answers.push_back(std::async(std::launch::async, [&stub, i] {
      auto context = makeContext(10s);
      if (i % 2 == 1) {
        v1::ListUsersResponse listed;
        const auto status = stub->ListUsers(context.get(), v1::ListUsersRequest(), &listed);
        return status.ok() ? listed.next_page_token() : "failed: " + status.error_message();
      }
      v1::GetUserRequest request;
      request.set_id("user-" + std::to_string(i));
      v1::User user;
      const auto status = stub->GetUser(context.get(), request, &user);
      return status.ok() ? user.id() : "failed: " + status.error_message();
    }));
  }
  for (int i = 0; i < 60; ++i) EXPECT_EQ(answers[i].get(), i % 2 == 1 ? "done" : "user-" + std::to_string(i));
  EXPECT_EQ(served.users.bodiesRun.load(), 30);
}

TEST(ServerPool, AFullPool_AnswersResourceExhaustedAtOnce) {
  ServedUsers served(1, 1, 300ms);
  ASSERT_TRUE(served.started.isOk());
  auto running = listUsersLater(*served.stub);
  while (served.users.bodiesStarted.load() == 0) std::this_thread::sleep_for(5ms);
  auto queued = listUsersLater(*served.stub);
  while (served.pool.queued() == 0) std::this_thread::sleep_for(5ms);
  const auto refused = listUsersLater(*served.stub).get();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(running.get().ok());
  EXPECT_TRUE(queued.get().ok());
}

// A pool already stopped (its process is shutting down) is not busy: the client should go to
// another instance, not back off as from an overloaded one.
TEST(ServerPool, AStoppedPool_AnswersUnavailable) {
  ServedUsers served(1, 4);
  ASSERT_TRUE(served.started.isOk());
  served.pool.shutdown();
  const auto refused = listUsersLater(*served.stub).get();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE) << refused.error_message();
}

// Once the drain time is over gRPC has cancelled the calls: what the pool has not started by then is
// not done, and the shutdown does not wait for it.
TEST(ServerShutdown, WorkStillQueuedWhenTheDrainTimeIsOver_IsNotDone) {
  ServedUsers served(1, 16, 300ms);
  ASSERT_TRUE(served.started.isOk());
  std::vector<std::future<grpc::Status>> calls;
  for (int i = 0; i < 3; ++i) calls.push_back(listUsersLater(*served.stub));
  while (served.users.bodiesStarted.load() == 0 || served.pool.queued() < 2) std::this_thread::sleep_for(5ms);
  served.server.shutdown(0ms);
  served.pool.shutdown();
  EXPECT_EQ(served.users.bodiesStarted.load(), 1);  // the two queued ones were not started
  for (auto& call : calls) EXPECT_FALSE(call.get().ok());
}

TEST(ServerShutdown, WaitsForTheCallsItsPoolIsStillWorkingOn) {
  ServedUsers served(2, 16, 300ms);
  ASSERT_TRUE(served.started.isOk());
  auto answered = listUsersLater(*served.stub);
  while (served.users.bodiesStarted.load() == 0) std::this_thread::sleep_for(5ms);
  served.server.shutdown(0ms);  // cancels the call at once; the body still runs and answers into the void
  EXPECT_EQ(served.users.bodiesRun.load(), 1);
  (void)answered.get();
}

TEST(ServerStart, RefusesAnAsyncServiceWithAMethodLeftWithoutAHandler) {
  WorkPool pool{1, 4, "start-test"};
  Users users{pool};
  RpcServer server{ServerOptions{}};
  users.bindTo(server, /*bindListUsers=*/false);
  const Status started = server.start();
  ASSERT_FALSE(started.isOk());
  EXPECT_NE(started.message().find("fleetdeck.users.v1.UsersService"), std::string::npos) << started.message();
  EXPECT_NE(started.message().find("methods have a handler"), std::string::npos) << started.message();
}

}  // namespace
}  // namespace fleetdeck::rpc

namespace fleetdeck::rpc {
namespace {

// A name that is not the service's, or a handler bound under another method's name, is refused at
// start with what is wrong; so is one method bound twice.
TEST(ServerStart, RefusesAMethodBoundUnderAWrongName) {
  WorkPool pool{1, 4, "names-test"};
  const auto startWithExtra = [&pool](const std::function<void(RpcServer&, Users&)>& extra) {
    Users users{pool};
    RpcServer server{ServerOptions{}};
    users.bindTo(server, /*bindListUsers=*/false);
    extra(server, users);
    return server.start();
  };
  const Status unknown = startWithExtra([](RpcServer& server, Users& users) {
    server.addUnary(users, &Users::RequestListUsers, "ListUser", &users, &Users::answerListUsers);
  });
  EXPECT_NE(unknown.message().find("has no method ListUser"), std::string::npos) << unknown.message();

  const Status swapped = startWithExtra([](RpcServer& server, Users& users) {
    server.addUnary(users, &Users::RequestListUsers, "GetUser", &users, &Users::answerListUsers);
  });
  EXPECT_NE(swapped.message().find("UsersService/GetUser takes fleetdeck.users.v1.GetUserRequest"), std::string::npos)
      << swapped.message();

  const Status twice = startWithExtra([](RpcServer& server, Users& users) {
    server.addUnary(users, &Users::RequestGetUser, "GetUser", &users, &Users::answerGetUser);
  });
  EXPECT_NE(twice.message().find("GetUser is bound twice"), std::string::npos) << twice.message();
}

}  // namespace
}  // namespace fleetdeck::rpc
