#include "fleetdeck/testing/auth_helper.h"

#include <thread>

#include "fleetdeck/core/ids.h"
#include "fleetdeck/core/json.h"
#include "fleetdeck/http/client.h"
#include "fleetdeck/rpc/client.h"
#include "fleetdeck/rpc/status_conversion.h"
#include "fleetdeck/testing/test_infra.h"
#include "fleetdeck/users/v1/users.grpc.pb.h"

namespace fleetdeck::testing {

http::Headers TestSession::headers(http::Headers extra) const { return bearer(accessToken, std::move(extra)); }

http::Headers bearer(const std::string& accessToken, http::Headers extra) {
  extra.set("Authorization", "Bearer " + accessToken);
  return extra;
}

Result<std::string> createUserViaGrpc(const std::string& usersGrpcAddress, const std::string& username,
                                      const std::string& password, const std::string& role) {
  auto stub = users::v1::UsersService::NewStub(rpc::makeChannel(usersGrpcAddress));
  users::v1::CreateUserRequest request;
  request.set_username(username);
  request.set_email(username + "@test.fleetdeck.local");
  request.set_password(password);
  request.set_display_name("Test " + username);
  request.set_role(role);
  users::v1::User created;
  auto context = rpc::makeContext(std::chrono::seconds(10));
  context->set_wait_for_ready(true);
  context->AddMetadata("fleetdeck-actor", "system:test");
  const Status status = rpc::fromGrpcStatus(stub->CreateUser(context.get(), request, &created));
  if (!status.isOk()) return Status(status.code(), "creating " + role + " " + username + ": " + status.message());
  return created.id();
}

Result<TestSession> loginThroughGateway(uint16_t gatewayPort, const std::string& username, const std::string& password) {
  http::HttpClient client("127.0.0.1", gatewayPort);
  const std::string body = boost::json::serialize(boost::json::object{{"username", username}, {"password", password}});
  // Right after start-up the gateway's first connection to the users service may still be coming
  // up (503): wait for it, within a bound, as a client with Retry-After would.
  Result<http::HttpResponse> response = unavailable("not tried");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  do {
    response = client.request("POST", "/api/v1/auth/login", body);
    if (response && response->status != 503) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < deadline);
  if (!response) return response.status();
  if (response->status != 200) {
    return unauthenticated("login of " + username + " answered " + std::to_string(response->status) + ": " +
                           response->body);
  }
  auto parsed = json::parse(response->body);
  if (!parsed || !parsed->is_object()) return internalError("login answered no JSON object: " + response->body);
  const auto& object = parsed->as_object();
  TestSession session;
  session.username = username;
  session.password = password;
  session.accessToken = json::stringOr(object, "accessToken");
  session.refreshToken = json::stringOr(object, "refreshToken");
  if (const auto* user = object.if_contains("user"); user != nullptr && user->is_object()) {
    session.userId = json::stringOr(user->as_object(), "id");
    session.role = json::stringOr(user->as_object(), "role");
  }
  if (session.accessToken.empty() || session.userId.empty()) return internalError("login answered " + response->body);
  return session;
}

Result<TestSession> signInAs(const std::string& role, const std::string& usersGrpcAddress, uint16_t gatewayPort,
                             const std::string& namePrefix) {
  const std::string username = namePrefix + "." + role + "." + randomHex(4);
  const std::string password = "pw-" + randomHex(12);
  auto id = createUserViaGrpc(usersGrpcAddress, username, password, role);
  if (!id) return id.status();
  return loginThroughGateway(gatewayPort, username, password);
}

std::string testKeyFile(const std::string& name) {
  return (sharedInfra().root / "jwt-keys" / (name + "-" + std::to_string(getpid()) + "-" + randomHex(4)) /
          "jwt-keys.json")
      .string();
}

Result<UsersServiceUnderTest> startUsersService(const std::filesystem::path& binary, const std::filesystem::path& config,
                                                const std::filesystem::path& logDirectory,
                                                std::map<std::string, std::string> extraEnvironment) {
  UsersServiceUnderTest users;
  users.grpcPort = freePort();
  std::map<std::string, std::string> environment{{"FLEETDECK_CONFIG", config.string()},
                                                 {"FLEETDECK_DATABASE__URL", createTestDatabase("e2e_users")},
                                                 {"FLEETDECK_GRPC__PORT", std::to_string(users.grpcPort)},
                                                 {"FLEETDECK_ADMIN__PORT", std::to_string(freePort())}};
  for (auto& [key, value] : extraEnvironment) environment[key] = std::move(value);
  users.process = std::make_unique<ServiceProcess>("users", binary, std::move(environment), logDirectory);
  if (Status started = users.process->start(); !started.isOk()) return started;
  return users;
}

}  // namespace fleetdeck::testing
