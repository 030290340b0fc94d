// Start-up and idle footprint of the services against the budgets: time from exec to a
// 200 on /readyz (migrations applied), and idle RSS (with PSS, which does not count shared library
// pages twice). Median of several starts. Prints a table; asserts nothing.
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "adapters/child_process.h"
#include "fleetdeck/http/client.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"

using namespace fleetdeck;

namespace {

struct Sample {
  double readyMs = 0;
  double rssMiB = 0;
  double pssMiB = 0;
};

double readKiB(pid_t pid, const std::string& file, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) return std::stod(line.substr(key.size()));
  }
  return 0;
}

Sample measure(const std::string& name, const std::string& binary, std::map<std::string, std::string> environment) {
  const uint16_t adminPort = testing::freePort();
  environment["FLEETDECK_ADMIN__PORT"] = std::to_string(adminPort);
  environment["FLEETDECK_LOG__LEVEL"] = "warn";
  launcher::ProcessSpec spec;
  spec.executable = binary;
  spec.environment = environment;
  const auto started = std::chrono::steady_clock::now();
  auto process = launcher::ChildProcess::spawn(spec);
  if (!process) {
    std::cerr << name << ": " << process.status().toString() << "\n";
    std::exit(1);
  }
  http::HttpClient client("127.0.0.1", adminPort, std::chrono::milliseconds(500));
  Sample sample;
  while (true) {
    auto response = client.get("/readyz");
    if (response && response->status == 200) break;
    if (!process->running() || std::chrono::steady_clock::now() - started > std::chrono::seconds(20)) {
      std::cerr << name << " did not become ready\n";
      std::exit(1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  sample.readyMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  std::this_thread::sleep_for(std::chrono::seconds(2));  // idle
  sample.rssMiB = readKiB(process->pid(), "status", "VmRSS:") / 1024.0;
  sample.pssMiB = readKiB(process->pid(), "smaps_rollup", "Pss:") / 1024.0;
  (void)process->stop(std::chrono::seconds(5));
  return sample;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

void report(const std::string& name, const std::vector<Sample>& samples, double readyBudgetMs, double rssBudgetMiB) {
  std::vector<double> ready, rss, pss;
  for (const auto& sample : samples) {
    ready.push_back(sample.readyMs);
    rss.push_back(sample.rssMiB);
    pss.push_back(sample.pssMiB);
  }
  std::printf("%-8s ready %6.1f ms (budget %4.0f ms, %.2fx)   idle RSS %5.1f MiB (budget %2.0f MiB, %.2fx)   PSS %5.1f MiB\n",
              name.c_str(), median(ready), readyBudgetMs, median(ready) / readyBudgetMs, median(rss), rssBudgetMiB,
              median(rss) / rssBudgetMiB, median(pss));
}

}  // namespace

int main() {
  constexpr int kRuns = 5;
  std::vector<Sample> users, gateway;
  for (int run = 0; run < kRuns; ++run) {
    // A fresh database each time, so every start applies the migrations.
    users.push_back(measure("users", FLEETDECK_USERS_BINARY,
                            {{"FLEETDECK_DATABASE__URL", testing::createTestDatabase("bench_users")},
                             {"FLEETDECK_GRPC__PORT", std::to_string(testing::freePort())}}));
    gateway.push_back(measure("gateway", FLEETDECK_GATEWAY_BINARY,
                              {{"FLEETDECK_HTTP__PORT", std::to_string(testing::freePort())},
                               {"FLEETDECK_UPSTREAMS__USERS", "127.0.0.1:1"}}));
  }
  std::printf("Footprint, median of %d starts (RSS counts shared library pages; PSS shares them out):\n", kRuns);
  report("users", users, 200, 20);
  report("gateway", gateway, 200, 40);
  return 0;
}
