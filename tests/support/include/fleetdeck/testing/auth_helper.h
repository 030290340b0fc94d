// Signs tests in the way clients do: accounts are created through the users service's gRPC API
// (which the gateway does not expose, so this is how an admin comes to exist) and tokens come from
// POST /api/v1/auth/login on the gateway.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "fleetdeck/core/status.h"
#include "fleetdeck/http/message.h"
#include "fleetdeck/testing/service_process.h"

namespace fleetdeck::testing {

struct TestSession {
  std::string userId;
  std::string username;
  std::string password;
  std::string role;
  std::string accessToken;
  std::string refreshToken;
  // Authorization: Bearer <accessToken>, plus `extra`.
  http::Headers headers(http::Headers extra = {}) const;
};

// Creates an account with `role` through UsersService.CreateUser at "127.0.0.1:<port>"; returns its id.
Result<std::string> createUserViaGrpc(const std::string& usersGrpcAddress, const std::string& username,
                                      const std::string& password, const std::string& role);

// POST /api/v1/auth/login through the gateway.
Result<TestSession> loginThroughGateway(uint16_t gatewayPort, const std::string& username, const std::string& password);

// A new account with a unique name and a random password, signed in through the gateway.
Result<TestSession> signInAs(const std::string& role, const std::string& usersGrpcAddress, uint16_t gatewayPort,
                             const std::string& namePrefix = "e2e");

// Authorization: Bearer <token>, plus `extra`.
http::Headers bearer(const std::string& accessToken, http::Headers extra = {});

// A private token key file for one gateway under test (FLEETDECK_AUTH__KEY_FILE).
std::string testKeyFile(const std::string& name);

// The users service as a process on its own test database, for suites whose gateway must sign people in.
struct UsersServiceUnderTest {
  std::unique_ptr<ServiceProcess> process;
  uint16_t grpcPort = 0;
  std::string grpcAddress() const { return "127.0.0.1:" + std::to_string(grpcPort); }
};
Result<UsersServiceUnderTest> startUsersService(const std::filesystem::path& binary, const std::filesystem::path& config,
                                                const std::filesystem::path& logDirectory,
                                                std::map<std::string, std::string> extraEnvironment = {});

}  // namespace fleetdeck::testing
