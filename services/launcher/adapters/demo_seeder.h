// Loads the demo data (resources/demo) into a running local fleet through each service's own
// gRPC API, and keeps the demo accounts' generated passwords in <data>/secrets/credentials (0600).
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "domain/fleet_plan.h"
#include "fleetdeck/core/status.h"

namespace fleetdeck::launcher {

struct DemoAccount {
  std::string role;
  std::string username;
  std::string password;
};

struct SeedSummary {
  std::vector<DemoAccount> accounts;  // created now (their passwords are shown once)
  int customers = 0;
  int products = 0;
  int wallets = 0;
  int orders = 0;
  std::map<std::string, int> ordersByStatus;
  bool alreadySeeded = false;
};

class DemoSeeder {
 public:
  DemoSeeder(FleetPlan plan, std::filesystem::path demoDirectory, std::filesystem::path secretsDirectory)
      : plan_(std::move(plan)), demoDirectory_(std::move(demoDirectory)), secretsDirectory_(std::move(secretsDirectory)) {}

  // Seeds once: when the credentials file exists the fleet is considered seeded and nothing is sent.
  // `progress` receives one line per phase. Holds the seeding lock (seed.lock) throughout; UNAVAILABLE
  // when another process holds it (a second `up` while the first one seeds).
  Result<SeedSummary> seed(const std::function<void(const std::string&)>& progress);

  // True while a process is seeding into `secretsDirectory` (holds its seeding lock).
  static bool seedingInProgress(const std::filesystem::path& secretsDirectory);

  // The stored demo accounts (role, username, password), for `./fleetdeck credentials`.
  static Result<std::vector<DemoAccount>> readCredentials(const std::filesystem::path& secretsDirectory);

 private:
  FleetPlan plan_;
  std::filesystem::path demoDirectory_;
  std::filesystem::path secretsDirectory_;
};

}  // namespace fleetdeck::launcher
