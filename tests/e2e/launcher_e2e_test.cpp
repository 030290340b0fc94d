// `fleetdeck-launcher up / status / down` as a user runs them: a whole fleet in a temporary data
// folder on shifted ports, serving the API, then stopped with no process left behind.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "adapters/child_process.h"
#include "fleetdeck/core/json.h"
#include "adapters/demo_seeder.h"
#include "adapters/postgres_cluster.h"
#include "domain/fleet_plan.h"
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

// A port offset at which every port of the fleet is free right now. Random, so a developer's running
// demo is not disturbed; checked, because the shifted ports fall among the ephemeral ports that the
// tests running beside this one take with freePort() (a taken one made a service exit at start-up).
int freeFleetOffset() {
  std::mt19937 random(std::random_device{}());
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int offset = 1000 + static_cast<int>(random() % 6000);
    const launcher::FleetPlan plan = launcher::defaultFleetPlan(8080, static_cast<uint16_t>(offset));
    std::vector<uint16_t> ports = {plan.postgresPort, plan.redisPort, plan.natsPort, plan.prometheusPort};
    for (const auto& service : plan.services) {
      for (uint16_t port : {service.grpcPort, service.adminPort}) {
        if (port != 0) ports.push_back(port);
      }
    }
    if (std::none_of(ports.begin(), ports.end(), [](uint16_t port) { return launcher::portInUse(port); })) return offset;
  }
  ADD_FAILURE() << "no port offset with every fleet port free in 200 tries";
  return 1000;
}

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

// Test fixtures take their ports from findFreePort(), just below the kernel's ephemeral range (where
// outgoing connections get their local ports); the laptop fleet, shifted or not, lies below both. So
// a fleet started here cannot find one of its ports held by a fixture or by a connection's local end.
TEST(LauncherEndToEnd, FreePortsLieBelowTheEphemeralRange_AndAboveTheFleetsPorts) {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  int ephemeralStart = 32768;
  range >> ephemeralStart;
  const int fixtureFloor = ephemeralStart - 8000;
  std::set<uint16_t> seen;
  for (int i = 0; i < 20; ++i) {
    auto port = launcher::findFreePort();
    ASSERT_TRUE(port.isOk()) << port.status().toString();
    EXPECT_LT(*port, ephemeralStart);
    EXPECT_GE(*port, fixtureFloor);
    EXPECT_FALSE(launcher::portInUse(*port));
    seen.insert(*port);
  }
  EXPECT_GT(seen.size(), 10u) << "ports are picked at random, so parallel tests rarely try the same one";
  // The highest offset this suite uses.
  const launcher::FleetPlan plan = launcher::defaultFleetPlan(8080, 7000);
  std::vector<uint16_t> fleetPorts = {plan.postgresPort, plan.redisPort, plan.natsPort, plan.prometheusPort};
  for (const auto& service : plan.services) fleetPorts.push_back(std::max(service.grpcPort, service.adminPort));
  for (uint16_t port : fleetPorts) EXPECT_LT(port, fixtureFloor) << port;
}

// A test names several ports before it starts anything on them; testing::freePort() must not name one
// twice (300 random picks from 8,000 ports repeat one almost surely, so this fails without its memory).
TEST(LauncherEndToEnd, TestingFreePortNeverNamesAPortTwiceInOneProcess) {
  std::set<uint16_t> seen;
  for (int i = 0; i < 300; ++i) {
    const uint16_t port = testing::freePort();
    ASSERT_NE(port, 0) << "call " << i;
    EXPECT_TRUE(seen.insert(port).second) << "port " << port << " named again at call " << i;
  }
}

TEST(LauncherEndToEnd, UpServesTheApiAndDownLeavesNoProcess) {
  const fs::path data = testing::sharedInfra().root / ("launcher-" + std::to_string(getpid()));
  // Ports shifted by a random offset, so a developer's running demo is not disturbed.
  const int offset = freeFleetOffset();
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
  // So is the gateway's token key ring, in the data folder, not beside the folder `up` ran from.
  ASSERT_TRUE(fs::exists(data / "secrets" / "jwt-keys.json"));
  EXPECT_EQ(fs::status(data / "secrets" / "jwt-keys.json").permissions() & (fs::perms::group_all | fs::perms::others_all),
            fs::perms::none);

  // The launcher sets only settings each service reads: a variable it names that no setting takes is
  // a warning in that service's log on every start (a typo, or a service that no longer calls it).
  for (const auto& entry : fs::directory_iterator(data / "log")) {
    std::ifstream log(entry.path());
    const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text.find("names no setting of this service"), std::string::npos)
        << entry.path().filename().string() << ":\n" << text.substr(0, 4000);
  }

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
  EXPECT_NE(again.output.find("Demo data was loaded before"), std::string::npos) << again.output;
  // …and one after a seeding that stopped half-way (Ctrl+C, which leaves the fleet running) says so,
  // failing, rather than answering "already running" over a demo without its data.
  std::ofstream(data / "secrets" / "seed.pending") << "started\n";
  const CommandResult halfSeeded = runLauncher("up", data, env);
  EXPECT_FALSE(halfSeeded.status.isOk()) << halfSeeded.output;
  EXPECT_NE(halfSeeded.output.find("stopped half-way"), std::string::npos) << halfSeeded.output;
  EXPECT_NE(halfSeeded.output.find("./fleetdeck down stops it"), std::string::npos) << halfSeeded.output;
  // While another process seeds (it holds the seeding lock, and its marker is there too), that is
  // what `up` says: not "stopped half-way", and it does not seed beside it.
  {
    const int seeding = open((data / "secrets" / "seed.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    ASSERT_GE(seeding, 0);
    ASSERT_EQ(flock(seeding, LOCK_EX | LOCK_NB), 0);
    const CommandResult meanwhile = runLauncher("up", data, env);
    close(seeding);
    EXPECT_TRUE(meanwhile.status.isOk()) << meanwhile.output;
    EXPECT_NE(meanwhile.output.find("being loaded now"), std::string::npos) << meanwhile.output;
  }
  fs::remove(data / "secrets" / "seed.pending");

  const CommandResult down = runLauncher("down", data, env);
  ASSERT_TRUE(down.status.isOk()) << down.output;
  for (pid_t pid : pids) EXPECT_FALSE(launcher::processAlive(pid)) << "pid " << pid << " survived down";
  EXPECT_FALSE(launcher::portInUse(static_cast<uint16_t>(15432 + offset))) << "PostgreSQL still listening";
  EXPECT_FALSE(launcher::portInUse(gatewayPort));

  // A pid file left behind (a launcher killed, a machine that lost power) may name any process by
  // now: the launcher is running only while it holds its lock, so nothing is stopped or refused.
  launcher::ProcessSpec bystanderSpec{.executable = "/bin/sleep", .arguments = {"60"}};
  auto bystander = launcher::ChildProcess::spawn(bystanderSpec);
  ASSERT_TRUE(bystander.isOk());
  std::ofstream(data / "run" / "launcher.pid") << bystander->pid() << "\n";
  const CommandResult staleDown = runLauncher("down", data, env);
  EXPECT_NE(staleDown.output.find("not running"), std::string::npos) << staleDown.output;
  EXPECT_TRUE(bystander->running()) << "down signalled the process a stale pid file named";

  // Data survives a restart: the user created above is still there. The restart checks its ports
  // afresh: the freed ones are ephemeral ports, and a test running beside this one may listen on one
  // by now (the launcher then refuses to start, as it should).
  const uint16_t gatewayPortAgain = testing::freePort();
  const std::map<std::string, std::string> envAgain = {{"FLEETDECK_PORT_OFFSET", std::to_string(freeFleetOffset())},
                                                       {"FLEETDECK_GATEWAY_PORT", std::to_string(gatewayPortAgain)}};
  const CommandResult upAgain = runLauncher("up", data, envAgain);
  ASSERT_TRUE(upAgain.status.isOk()) << upAgain.output;
  http::HttpClient second("127.0.0.1", gatewayPortAgain);
  // The token key file survived the restart too: the token from before still works.
  auto listed = second.get("/api/v1/users?query=launched", admin->headers());
  ASSERT_TRUE(listed.isOk());
  EXPECT_NE(listed->body.find("launched@example.com"), std::string::npos) << listed->body;
  // The launcher dies hard (SIGKILL, out of memory): its fleet keeps running, and the next `down`
  // stops exactly what the state file names (pid and start time), PostgreSQL included.
  const std::vector<pid_t> secondPids = pidsInState(data);
  ASSERT_GE(secondPids.size(), 3u);
  const pid_t launcherPid = secondPids.back();  // pidsInState lists the launcher last
  ASSERT_EQ(kill(launcherPid, SIGKILL), 0);
  ASSERT_TRUE(testing::waitUntil([&] { return !launcher::processAlive(launcherPid); }, std::chrono::seconds(5)));
  EXPECT_TRUE(launcher::processAlive(secondPids.front())) << "the fleet outlives its launcher";
  const CommandResult cleanup = runLauncher("down", data, envAgain);
  EXPECT_TRUE(cleanup.status.isOk()) << cleanup.output;
  EXPECT_NE(cleanup.output.find("killed had left running"), std::string::npos) << cleanup.output;
  EXPECT_NE(cleanup.output.find("postgres"), std::string::npos) << cleanup.output;
  for (pid_t pid : secondPids) EXPECT_FALSE(launcher::processAlive(pid)) << "pid " << pid << " survived down";
  EXPECT_FALSE(launcher::portInUse(gatewayPortAgain));
  EXPECT_NE(runLauncher("down", data, envAgain).output.find("not running"), std::string::npos);

  // A postmaster.pid that names a live process other than PostgreSQL (a power loss, then the pid
  // reused) neither passes for a running cluster nor keeps PostgreSQL from starting.
  std::ofstream(data / "postgres" / "postmaster.pid") << bystander->pid() << "\n" << (data / "postgres").string() << "\n";
  const std::map<std::string, std::string> envThird = {{"FLEETDECK_PORT_OFFSET", std::to_string(freeFleetOffset())},
                                                       {"FLEETDECK_GATEWAY_PORT", std::to_string(testing::freePort())}};
  const CommandResult upThird = runLauncher("up", data, envThird);
  ASSERT_TRUE(upThird.status.isOk()) << upThird.output;

  // A launcher that hangs while stopping (stopped here with SIGSTOP) is killed when `down`'s wait
  // ends, and what it ran is stopped too: the services live in sessions of their own, which a kill
  // of the launcher's process group never reached.
  const std::vector<pid_t> thirdPids = pidsInState(data);
  ASSERT_GE(thirdPids.size(), 3u);
  ASSERT_EQ(kill(thirdPids.back(), SIGSTOP), 0);
  // Should `down` fail here, what it left must not outlive the test (a fleet on random ports, for ever).
  struct KillLeftovers {
    const std::vector<pid_t>& pids;
    ~KillLeftovers() {
      for (pid_t pid : pids) {
        if (launcher::processAlive(pid)) kill(pid, SIGKILL);
      }
    }
  } killLeftovers{thirdPids};
  auto hungEnv = envThird;
  hungEnv["FLEETDECK_STOP_TIMEOUT"] = "2";
  const CommandResult hungDown = runLauncher("down", data, hungEnv);
  EXPECT_TRUE(hungDown.status.isOk()) << hungDown.output;
  EXPECT_NE(hungDown.output.find("did not stop within 2 s and was killed"), std::string::npos) << hungDown.output;
  for (pid_t pid : thirdPids) {
    EXPECT_TRUE(testing::waitUntil([pid] { return !launcher::processAlive(pid); }, std::chrono::seconds(5)))
        << "pid " << pid << " survived down";
  }
  EXPECT_TRUE(bystander->running());
  (void)bystander->stop(std::chrono::seconds(2));
}

std::string serviceStatusInState(const fs::path& data, const std::string& name) {
  std::ifstream in(data / "run" / "state.json");
  std::stringstream content;
  content << in.rdbuf();
  auto parsed = json::parse(content.str());
  if (!parsed || !parsed->is_object()) return {};
  for (const auto& component : parsed->as_object().at("components").as_array()) {
    if (json::stringOr(component.as_object(), "name") == name) return json::stringOr(component.as_object(), "status");
  }
  return {};
}

TEST(LauncherEndToEnd, AdminStopsAServiceThroughTheGatewayAndTheSupervisorLeavesItStoppedUntilStarted) {
  const fs::path data = testing::sharedInfra().root / ("launcher-control-" + std::to_string(getpid()));
  const int offset = freeFleetOffset();
  const uint16_t gatewayPort = testing::freePort();
  const std::map<std::string, std::string> env = {{"FLEETDECK_PORT_OFFSET", std::to_string(offset)},
                                                  {"FLEETDECK_GATEWAY_PORT", std::to_string(gatewayPort)}};
  const launcher::FleetPlan plan = launcher::defaultFleetPlan(gatewayPort, static_cast<uint16_t>(offset));
  const auto payments = std::find_if(plan.services.begin(), plan.services.end(),
                                     [](const launcher::ServiceDefinition& service) { return service.name == "payments"; });
  ASSERT_NE(payments, plan.services.end());
  const uint16_t paymentsGrpcPort = payments->grpcPort;
  const uint16_t paymentsAdminPort = payments->adminPort;

  const CommandResult up = runLauncher("up", data, env);
  ASSERT_TRUE(up.status.isOk()) << up.status.toString() << "\n" << up.output;
  struct Down {
    const fs::path& data;
    const std::map<std::string, std::string>& env;
    ~Down() { (void)runLauncher("down", data, env); }
  } down{data, env};

  // The control token was generated on first start, readable only by its owner.
  const auto permissions = fs::status(data / "secrets" / "launcher-control-token").permissions();
  EXPECT_EQ(permissions & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);

  auto accounts = launcher::DemoSeeder::readCredentials(data / "secrets");
  ASSERT_TRUE(accounts.isOk()) << accounts.status().toString();
  std::map<std::string, std::string> passwords;
  for (const auto& account : *accounts) passwords.emplace(account.role, account.password);
  std::map<std::string, std::string> usernames;
  for (const auto& account : *accounts) usernames.emplace(account.role, account.username);
  auto admin = testing::loginThroughGateway(gatewayPort, usernames["admin"], passwords["admin"]);
  ASSERT_TRUE(admin.isOk()) << admin.status().toString();
  auto operator_ = testing::loginThroughGateway(gatewayPort, usernames["operator"], passwords["operator"]);
  ASSERT_TRUE(operator_.isOk()) << operator_.status().toString();
  // A stop waits for the service's graceful shutdown, a start for its /readyz.
  http::HttpClient gateway("127.0.0.1", gatewayPort, std::chrono::seconds(60));
  const auto post = [&gateway](const std::string& path, const http::Headers& headers) {
    auto response = gateway.request("POST", path, "", headers);
    EXPECT_TRUE(response.isOk()) << response.status().toString();
    return response.isOk() ? *response : http::HttpResponse{599, {}, response.status().toString()};
  };

  // Admin only; unknown names (and the gateway itself) are a 400 naming `name`.
  EXPECT_EQ(post("/api/v1/admin/services/payments:stop", {}).status, 401);
  EXPECT_EQ(post("/api/v1/admin/services/payments:stop", operator_->headers()).status, 403);
  for (const std::string unknown : {"nosuch", "gateway", "..%2Fetc"}) {
    const auto refused = post("/api/v1/admin/services/" + unknown + ":stop", admin->headers());
    EXPECT_EQ(refused.status, 400) << unknown << ": " << refused.body;
    EXPECT_NE(refused.body.find("\"field\":\"name\""), std::string::npos) << refused.body;
  }
  EXPECT_TRUE(launcher::portInUse(paymentsGrpcPort));

  const auto stopped = post("/api/v1/admin/services/payments:stop", admin->headers());
  ASSERT_EQ(stopped.status, 200) << stopped.body;
  auto stoppedBody = json::parse(stopped.body);
  ASSERT_TRUE(stoppedBody && stoppedBody->is_object()) << stopped.body;
  EXPECT_EQ(json::stringOr(stoppedBody->as_object(), "name"), "payments");
  EXPECT_EQ(json::stringOr(stoppedBody->as_object(), "status"), "stopped");
  EXPECT_EQ(serviceStatusInState(data, "payments"), "stopped");
  EXPECT_FALSE(launcher::portInUse(paymentsGrpcPort));
  // A crashed service is restarted after 1 s; a stopped one stays down. This watches a window on
  // purpose: the behaviour under test is that nothing happens.
  const auto watchUntil = std::chrono::steady_clock::now() + std::chrono::seconds(4);
  while (std::chrono::steady_clock::now() < watchUntil) {
    ASSERT_FALSE(launcher::portInUse(paymentsGrpcPort)) << "the supervisor restarted a service stopped on request";
    ASSERT_FALSE(launcher::portInUse(paymentsAdminPort));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const CommandResult status = runLauncher("status", data, env);
  EXPECT_NE(status.output.find("stopped"), std::string::npos) << status.output;
  // Already in that state: 409.
  const auto again = post("/api/v1/admin/services/payments:stop", admin->headers());
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_NE(again.body.find("already stopped"), std::string::npos) << again.body;
  // The rest of the fleet keeps answering; calls to payments fail fast.
  auto users = gateway.get("/api/v1/users?pageSize=1", admin->headers());
  ASSERT_TRUE(users.isOk());
  EXPECT_EQ(users->status, 200);
  auto faults = gateway.get("/api/v1/admin/faults", admin->headers());
  ASSERT_TRUE(faults.isOk());
  EXPECT_EQ(faults->status, 503) << faults->body;

  const auto started = post("/api/v1/admin/services/payments:start", admin->headers());
  ASSERT_EQ(started.status, 200) << started.body;
  auto startedBody = json::parse(started.body);
  ASSERT_TRUE(startedBody && startedBody->is_object()) << started.body;
  EXPECT_EQ(json::stringOr(startedBody->as_object(), "status"), "running");
  EXPECT_EQ(serviceStatusInState(data, "payments"), "running");
  http::HttpClient paymentsAdmin("127.0.0.1", paymentsAdminPort);
  auto ready = paymentsAdmin.get("/readyz");
  ASSERT_TRUE(ready.isOk());
  EXPECT_EQ(ready->status, 200) << ready->body;
  EXPECT_EQ(post("/api/v1/admin/services/payments:start", admin->headers()).status, 409);
  // Through the gateway again, once its breaker toward payments lets calls through.
  EXPECT_TRUE(testing::waitUntil(
      [&] {
        auto answer = gateway.get("/api/v1/admin/faults", admin->headers());
        return answer.isOk() && answer->status == 200;
      },
      std::chrono::seconds(20)));
}

// initdb works beside the data folder and is renamed into place when it succeeded: what an
// interrupted one left is thrown away, and a folder of someone else's files is never taken.
TEST(LauncherEndToEnd, ClusterIsMadeAfterAnInterruptedInitdb_AndAFolderOfOtherFilesIsRefused) {
  const fs::path root = testing::sharedInfra().root / ("launcher-initdb-" + std::to_string(getpid()));
  fs::create_directories(root / "postgres.initdb");
  std::ofstream(root / "postgres.initdb" / "PG_VERSION") << "15\n";  // as a killed initdb leaves it
  launcher::PostgresOptions options;
  options.dataDirectory = root / "postgres";
  options.password = "initdb-test-password";
  launcher::PostgresCluster cluster(options);
  const Status made = cluster.initialize();
  ASSERT_TRUE(made.isOk()) << made.toString();
  EXPECT_TRUE(fs::exists(root / "postgres" / "global" / "pg_control"));
  EXPECT_FALSE(fs::exists(root / "postgres.initdb"));
  EXPECT_FALSE(fs::exists(root / "postgres.pwfile")) << "the password file outlived initdb";
  EXPECT_TRUE(cluster.initialize().isOk()) << "a second call finds the cluster and does nothing";

  fs::create_directories(root / "taken");
  std::ofstream(root / "taken" / "notes.txt") << "mine\n";
  options.dataDirectory = root / "taken";
  const Status refused = launcher::PostgresCluster(options).initialize();
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition) << refused.toString();
  EXPECT_NE(refused.message().find("no PostgreSQL cluster"), std::string::npos) << refused.toString();
  EXPECT_TRUE(fs::exists(root / "taken" / "notes.txt"));
  fs::remove_all(root);
}

// Seeding that stopped half-way (Ctrl+C, a failing service) is reported as such on the next
// attempt, instead of counting as done because the demo accounts exist.
TEST(LauncherEndToEnd, SeedingThatStoppedHalfWay_IsReported_NotTakenAsDone) {
  const fs::path root = testing::sharedInfra().root / ("launcher-seed-" + std::to_string(getpid()));
  fs::create_directories(root / "secrets");
  std::ofstream(root / "secrets" / "credentials") << "admin admin some-password\n";
  std::ofstream(root / "secrets" / "seed.pending") << "started\n";
  // Neither the demo files nor the fleet are reached: both answers come before any of that.
  launcher::DemoSeeder seeder(launcher::defaultFleetPlan(8080), root / "demo", root / "secrets");
  const auto seeded = seeder.seed([](const std::string&) {});
  ASSERT_FALSE(seeded.isOk());
  EXPECT_EQ(seeded.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(seeded.status().message().find("stopped half-way"), std::string::npos) << seeded.status().toString();
  fs::remove(root / "secrets" / "seed.pending");
  const auto done = seeder.seed([](const std::string&) {});
  ASSERT_TRUE(done.isOk()) << done.status().toString();
  EXPECT_TRUE(done->alreadySeeded);
  fs::remove_all(root);
}

// The test fixture's `stop` (run after an interrupted `./fleetdeck test` left its state file, maybe
// across a reboot) signals only the processes it started: a pid recorded then, now some other
// process's, is left alone.
TEST(LauncherEndToEnd, TestInfraStop_SignalsOnlyTheProcessesItStarted_NotAReusedPid) {
  launcher::ProcessSpec bystanderSpec{.executable = "/bin/sleep", .arguments = {"60"}};
  auto bystander = launcher::ChildProcess::spawn(bystanderSpec);
  ASSERT_TRUE(bystander.isOk()) << bystander.status().toString();
  const uint64_t ticks = launcher::processStartTicks(bystander->pid());
  ASSERT_NE(ticks, 0u);
  testing::InfraInfo stale;
  stale.root = testing::sharedInfra().root / ("stale-infra-" + std::to_string(getpid()));
  fs::create_directories(stale.root);
  stale.postgresData = stale.root / "postgres";  // no cluster there: nothing to stop
  stale.redisPid = stale.natsPid = bystander->pid();
  stale.redisStartTicks = stale.natsStartTicks = ticks + 1;  // the pid's process started at another time
  testing::stopInfra(testing::infraFromJson(testing::infraToJson(stale)));
  EXPECT_TRUE(bystander->running()) << "a process that only shares a recorded pid was stopped";

  // The same process at its recorded start is the one started, and is stopped.
  fs::create_directories(stale.root);
  stale.redisStartTicks = ticks;
  testing::stopInfra(testing::infraFromJson(testing::infraToJson(stale)));
  EXPECT_TRUE(testing::waitUntil([&] { return !bystander->running(); }, std::chrono::seconds(10)));
}

// Ctrl+C while `up` waits for the fleet stops what was started instead of leaving the fleet to
// start in the background, unseen.
TEST(LauncherEndToEnd, CtrlCDuringUp_StopsWhatWasStarted) {
  const fs::path data = testing::sharedInfra().root / ("launcher-interrupted-" + std::to_string(getpid()));
  const int offset = freeFleetOffset();
  const launcher::FleetPlan plan = launcher::defaultFleetPlan(testing::freePort(), static_cast<uint16_t>(offset));
  launcher::ProcessSpec spec;
  spec.executable = FLEETDECK_LAUNCHER_BINARY;
  spec.arguments = {"up", "--data", data.string()};
  spec.environment = {{"FLEETDECK_PORT_OFFSET", std::to_string(offset)},
                      {"FLEETDECK_GATEWAY_PORT", std::to_string(plan.services.back().httpPort)}};
  spec.logFile = data.string() + "-up.log";
  auto up = launcher::ChildProcess::spawn(spec);
  ASSERT_TRUE(up.isOk());
  // Interrupted once the first services run (PostgreSQL, Redis and NATS are up by then).
  ASSERT_TRUE(testing::waitUntil([&] { return launcher::portInUse(plan.services.front().grpcPort); },
                                 std::chrono::seconds(90)));
  ASSERT_EQ(kill(up->pid(), SIGINT), 0);
  ASSERT_TRUE(testing::waitUntil([&] { return !up->running(); }, std::chrono::seconds(150)));
  EXPECT_EQ(up->exitCode().value_or(-1), 130);
  std::ifstream log(spec.logFile);
  const std::string output((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(output.find("interrupted; stopping what was started"), std::string::npos) << output;
  EXPECT_NE(output.find("stopped."), std::string::npos) << output;
  EXPECT_FALSE(launcher::portInUse(plan.postgresPort));
  EXPECT_FALSE(launcher::portInUse(plan.natsPort));
  for (const auto& service : plan.services) {
    if (service.grpcPort != 0) {
      EXPECT_FALSE(launcher::portInUse(service.grpcPort)) << service.name;
    }
  }
  EXPECT_NE(runLauncher("down", data, spec.environment).output.find("not running"), std::string::npos);
}

TEST(LauncherEndToEnd, PortInUseIsAClearError) {
  const fs::path data = testing::sharedInfra().root / ("launcher-busy-" + std::to_string(getpid()));
  const int offset = freeFleetOffset();
  // Occupy the gateway's port with a plain listener.
  const uint16_t gatewayPort = testing::freePort();
  // And Prometheus's, as a system Prometheus would: both are named, before anything starts.
  const uint16_t prometheusPort = launcher::defaultFleetPlan(gatewayPort, static_cast<uint16_t>(offset)).prometheusPort;
  launcher::ProcessSpec spec;
  spec.executable = "/usr/bin/python3";
  spec.arguments = {"-c", "import socket,time\nfor port in (" + std::to_string(gatewayPort) + ", " +
                              std::to_string(prometheusPort) + "):\n"
                              "  s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1);"
                              " s.bind(('127.0.0.1', port)); s.listen(); globals()['keep%d' % port] = s\n"
                              "time.sleep(60)"};
  auto listener = launcher::ChildProcess::spawn(spec);
  ASSERT_TRUE(listener.isOk());
  ASSERT_TRUE(testing::waitUntil([&] { return launcher::portInUse(gatewayPort) && launcher::portInUse(prometheusPort); },
                                 std::chrono::seconds(5)));

  const CommandResult up = runLauncher("up", data, {{"FLEETDECK_PORT_OFFSET", std::to_string(offset)},
                                                    {"FLEETDECK_GATEWAY_PORT", std::to_string(gatewayPort)}});
  EXPECT_FALSE(up.status.isOk());
  EXPECT_NE(up.output.find("port " + std::to_string(gatewayPort)), std::string::npos) << up.output;
  EXPECT_NE(up.output.find("FLEETDECK_GATEWAY_PORT"), std::string::npos) << up.output;
  EXPECT_NE(up.output.find("port " + std::to_string(prometheusPort) + " (prometheus)"), std::string::npos) << up.output;
  EXPECT_EQ(up.output.find(" ready."), std::string::npos) << "nothing may start: " << up.output;
  (void)listener->stop(std::chrono::seconds(2));
  EXPECT_FALSE(launcher::portInUse(static_cast<uint16_t>(15432 + offset))) << "a failed up must clean up after itself";
}

}  // namespace
}  // namespace fleetdeck
