// `fleetdeck-launcher up / status / down` as a user runs them: a whole fleet in a temporary data
// folder on shifted ports, serving the API, then stopped with no process left behind.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <random>
#include <sstream>

#include "adapters/child_process.h"
#include "fleetdeck/core/json.h"
#include "adapters/demo_seeder.h"
#include "fleetdeck/http/client.h"
#include "fleetdeck/testing/auth_helper.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"

namespace fleetdeck {
namespace {

namespace fs = std::filesystem;

struct CommandResult {
  Status status;
  std::string output;
};

CommandResult runLauncher(const std::string& command, const fs::path& data, const std::map<std::string, std::string>& env) {
  launcher::ProcessSpec spec;
  spec.executable = FLEETDECK_LAUNCHER_BINARY;
  spec.arguments = {command, "--data", data.string()};
  spec.environment = env;
  CommandResult result;
  result.status = launcher::runCommand(spec, &result.output, std::chrono::seconds(150));
  return result;
}

std::vector<pid_t> pidsInState(const fs::path& data) {
  std::ifstream in(data / "run" / "state.json");
  std::stringstream content;
  content << in.rdbuf();
  std::vector<pid_t> pids;
  auto parsed = json::parse(content.str());
  if (!parsed) return pids;
  for (const auto& component : parsed->as_object().at("components").as_array()) {
    if (const auto* pid = component.as_object().if_contains("pid"); pid && pid->as_int64() > 0) {
      pids.push_back(static_cast<pid_t>(pid->as_int64()));
    }
  }
  if (const auto* launcherPid = parsed->as_object().if_contains("launcherPid")) {
    pids.push_back(static_cast<pid_t>(launcherPid->as_int64()));
  }
  return pids;
}

TEST(LauncherEndToEnd, UpServesTheApiAndDownLeavesNoProcess) {
  const fs::path data = testing::sharedInfra().root / ("launcher-" + std::to_string(getpid()));
  // Ports shifted by a random offset, so a developer's running demo is not disturbed.
  std::mt19937 random(std::random_device{}());
  const int offset = 2000 + static_cast<int>(random() % 6000);
  const uint16_t gatewayPort = testing::freePort();
  const std::map<std::string, std::string> env = {{"FLEETDECK_PORT_OFFSET", std::to_string(offset)},
                                                  {"FLEETDECK_GATEWAY_PORT", std::to_string(gatewayPort)}};

  const CommandResult up = runLauncher("up", data, env);
  ASSERT_TRUE(up.status.isOk()) << up.status.toString() << "\n" << up.output;
  EXPECT_NE(up.output.find("ready"), std::string::npos) << up.output;
  EXPECT_NE(up.output.find("http://127.0.0.1:" + std::to_string(gatewayPort)), std::string::npos) << up.output;
  const std::vector<pid_t> pids = pidsInState(data);
  ASSERT_GE(pids.size(), 3u);

  // The secret was generated on first start, readable only by its owner.
  const auto permissions = fs::status(data / "secrets" / "postgres-password").permissions();
  EXPECT_EQ(permissions & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);

  const CommandResult status = runLauncher("status", data, env);
  EXPECT_TRUE(status.status.isOk()) << status.output;
  EXPECT_NE(status.output.find("gateway"), std::string::npos) << status.output;

  // Creating users is an admin's job: sign in with the demo admin that `up` seeded.
  auto accounts = launcher::DemoSeeder::readCredentials(data / "secrets");
  ASSERT_TRUE(accounts.isOk()) << accounts.status().toString();
  std::string adminPassword;
  for (const auto& account : *accounts) {
    if (account.role == "admin") adminPassword = account.password;
  }
  auto admin = testing::loginThroughGateway(gatewayPort, "admin", adminPassword);
  ASSERT_TRUE(admin.isOk()) << admin.status().toString();
  http::HttpClient client("127.0.0.1", gatewayPort);
  auto created = client.request("POST", "/api/v1/users",
                                R"({"username":"launched","email":"launched@example.com","password":"correct horse battery"})",
                                admin->headers());
  ASSERT_TRUE(created.isOk());
  EXPECT_EQ(created->status, 201) << created->body;

  // A second `up` notices the running fleet instead of starting another.
  const CommandResult again = runLauncher("up", data, env);
  EXPECT_TRUE(again.status.isOk());
  EXPECT_NE(again.output.find("already running"), std::string::npos) << again.output;

  const CommandResult down = runLauncher("down", data, env);
  ASSERT_TRUE(down.status.isOk()) << down.output;
  for (pid_t pid : pids) EXPECT_FALSE(launcher::processAlive(pid)) << "pid " << pid << " survived down";
  EXPECT_FALSE(launcher::portInUse(static_cast<uint16_t>(55432 + offset))) << "PostgreSQL still listening";
  EXPECT_FALSE(launcher::portInUse(gatewayPort));

  // Data survives a restart: the user created above is still there.
  const CommandResult upAgain = runLauncher("up", data, env);
  ASSERT_TRUE(upAgain.status.isOk()) << upAgain.output;
  http::HttpClient second("127.0.0.1", gatewayPort);
  // The token key file survived the restart too: the token from before still works.
  auto listed = second.get("/api/v1/users?query=launched", admin->headers());
  ASSERT_TRUE(listed.isOk());
  EXPECT_NE(listed->body.find("launched@example.com"), std::string::npos) << listed->body;
  EXPECT_TRUE(runLauncher("down", data, env).status.isOk());
}

TEST(LauncherEndToEnd, PortInUseIsAClearError) {
  const fs::path data = testing::sharedInfra().root / ("launcher-busy-" + std::to_string(getpid()));
  std::mt19937 random(std::random_device{}());
  const int offset = 2000 + static_cast<int>(random() % 6000);
  // Occupy the gateway's port with a plain listener.
  const uint16_t gatewayPort = testing::freePort();
  launcher::ProcessSpec spec;
  spec.executable = "/usr/bin/python3";
  spec.arguments = {"-c", "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1);"
                          " s.bind(('127.0.0.1'," + std::to_string(gatewayPort) + ")); s.listen(); time.sleep(60)"};
  auto listener = launcher::ChildProcess::spawn(spec);
  ASSERT_TRUE(listener.isOk());
  ASSERT_TRUE(testing::waitUntil([&] { return launcher::portInUse(gatewayPort); }, std::chrono::seconds(5)));

  const CommandResult up = runLauncher("up", data, {{"FLEETDECK_PORT_OFFSET", std::to_string(offset)},
                                                    {"FLEETDECK_GATEWAY_PORT", std::to_string(gatewayPort)}});
  EXPECT_FALSE(up.status.isOk());
  EXPECT_NE(up.output.find("port " + std::to_string(gatewayPort)), std::string::npos) << up.output;
  EXPECT_NE(up.output.find("FLEETDECK_GATEWAY_PORT"), std::string::npos) << up.output;
  (void)listener->stop(std::chrono::seconds(2));
  EXPECT_FALSE(launcher::portInUse(static_cast<uint16_t>(55432 + offset))) << "a failed up must clean up after itself";
}

}  // namespace
}  // namespace fleetdeck
