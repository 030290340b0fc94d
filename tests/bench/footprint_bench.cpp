// Start-up and idle footprint of the services against the budgets: time from exec to a
// 200 on /readyz (migrations applied), and idle RSS (with PSS, which does not count shared library
// pages twice). Median of several starts. Prints a table; asserts nothing. Then, for one idle users
// process, where its RSS lives: per mapped file (executable, each shared library) and anonymous
// memory, split into code, read-only data and dirty pages (relocations and writable data).
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "adapters/child_process.h"
#include "fleetdeck/http/client.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"

using namespace fleetdeck;

namespace {

// Resident kibibytes of one mapped object (a file, or anonymous memory), from /proc/PID/smaps.
struct MappingUse {
  double rss = 0, pss = 0, code = 0, readOnly = 0, dirty = 0;
  MappingUse& operator+=(const MappingUse& other) {
    rss += other.rss, pss += other.pss, code += other.code, readOnly += other.readOnly, dirty += other.dirty;
    return *this;
  }
};

struct Sample {
  double readyMs = 0;
  double rssMiB = 0;
  double pssMiB = 0;
  std::map<std::string, MappingUse> mappings;
};

std::map<std::string, MappingUse> readMappings(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/smaps");
  std::map<std::string, MappingUse> mappings;
  MappingUse* current = nullptr;
  std::string permissions, line;
  while (std::getline(in, line)) {
    const size_t colon = line.find(':');
    const bool header = colon == std::string::npos || line.find('-') < colon;
    if (header) {  // "start-end perms offset dev inode [path]"
      std::istringstream fields(line);
      std::string range, offset, device, inode, path;
      fields >> range >> permissions >> offset >> device >> inode;
      std::getline(fields >> std::ws, path);
      if (path.empty() || path.front() != '/') {
        path = path.empty() || path == "[heap]" ? "[anonymous, heap]" : path;
      } else {
        path = path.substr(path.rfind('/') + 1);
      }
      current = &mappings[path];
      continue;
    }
    if (current == nullptr) continue;
    const std::string key = line.substr(0, colon);
    std::istringstream value(line.substr(colon + 1));
    double kib = 0;
    value >> kib;
    if (key == "Rss") {
      current->rss += kib;
      if (permissions.find('x') != std::string::npos) current->code += kib;
    } else if (key == "Pss") {
      current->pss += kib;
    } else if (key == "Private_Dirty" || key == "Shared_Dirty") {
      current->dirty += kib;
    } else if (key == "Private_Clean" || key == "Shared_Clean") {
      if (permissions.find('x') == std::string::npos) current->readOnly += kib;
    }
  }
  return mappings;
}

void reportMappings(const std::string& name, const std::map<std::string, MappingUse>& mappings) {
  std::vector<std::pair<std::string, MappingUse>> sorted(mappings.begin(), mappings.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second.rss > b.second.rss; });
  std::printf("Where %s's idle RSS lives (KiB; code = executable pages, read-only = clean data, dirty = relocated or\n"
              "written pages, private to the process):\n",
              name.c_str());
  std::printf("  %-44s %7s %7s %7s %9s %7s\n", "mapping", "RSS", "PSS", "code", "read-only", "dirty");
  MappingUse total, rest;
  size_t restCount = 0;
  for (size_t i = 0; i < sorted.size(); ++i) {
    const auto& [path, use] = sorted[i];
    total += use;
    if (i < 30) {
      std::printf("  %-44s %7.0f %7.0f %7.0f %9.0f %7.0f\n", path.substr(0, 44).c_str(), use.rss, use.pss, use.code,
                  use.readOnly, use.dirty);
    } else {
      rest += use;
      ++restCount;
    }
  }
  if (restCount > 0) {
    std::printf("  %-44s %7.0f %7.0f %7.0f %9.0f %7.0f\n", ("(" + std::to_string(restCount) + " more)").c_str(),
                rest.rss, rest.pss, rest.code, rest.readOnly, rest.dirty);
  }
  std::printf("  %-44s %7.0f %7.0f %7.0f %9.0f %7.0f\n", "total", total.rss, total.pss, total.code, total.readOnly,
              total.dirty);
}

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
  sample.mappings = readMappings(process->pid());
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
  reportMappings("users", users.back().mappings);
  return 0;
}
