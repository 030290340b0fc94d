// ServiceDown end to end: a private Prometheus, configured from the fleet's real scrape template and
// alert rules (only intervals and `for:` durations shortened), scrapes the admin /metrics of real
// users and products processes; SIGKILL of one makes ServiceDown fire for exactly that job and
// instance. Each live /metrics also passes promtool's exposition linter.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>

#include "adapters/child_process.h"
#include "fleetdeck/core/json.h"
#include "fleetdeck/http/client.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"

namespace fleetdeck {
namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The shortened timings. A scrape per second and a one-second rule evaluation keep the test short;
// `for:` shrinks to a few scrapes so ServiceDown still needs more than one failed scrape to fire.
constexpr const char* kInterval = "1s";
constexpr const char* kShortFor = "3s";

std::string readFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

void writeFile(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

// Runs a shell command; returns its exit status and puts stdout+stderr in `output`.
int run(const std::string& command, std::string* output) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) output->append(buffer);
  return pclose(pipe);
}

// Replaces the second capture group of every match of `pattern` (the first is the part kept, e.g.
// "for: ") with `value`; returns how many matches there were.
int replaceValues(std::string& text, const std::regex& pattern, const std::string& value) {
  std::string result;
  int count = 0;
  auto last = text.cbegin();
  for (std::sregex_iterator match(text.begin(), text.end(), pattern), end; match != end; ++match, ++count) {
    result.append(last, (*match)[2].first);
    result.append(value);
    last = (*match)[2].second;
  }
  result.append(last, text.cend());
  text = std::move(result);
  return count;
}

// A real process with its pid at hand (ServiceProcess hides it), so the test can SIGKILL it.
class Process {
 public:
  Process(std::string name, launcher::ProcessSpec spec) : name_(std::move(name)), spec_(std::move(spec)) {}
  ~Process() {
    if (process_ && process_->running()) (void)process_->stop(5s);
  }

  // Spawns and polls `readyPath` on `port` until it answers 200.
  Status start(uint16_t port, const std::string& readyPath, std::chrono::seconds timeout) {
    fs::create_directories(spec_.logFile.parent_path());
    auto spawned = launcher::ChildProcess::spawn(spec_);
    if (!spawned) return spawned.status();
    process_.emplace(std::move(*spawned));
    http::HttpClient client("127.0.0.1", port, 1s);
    const bool ready = testing::waitUntil(
        [&] {
          if (!process_->running()) return true;
          auto response = client.get(readyPath);
          return response.isOk() && response->status == 200;
        },
        timeout);
    if (!process_->running() || !ready) {
      return unavailable(name_ + " did not become ready; log tail:\n" + logTail());
    }
    return Status::ok();
  }

  void kill() {
    ASSERT_TRUE(process_.has_value());
    ASSERT_EQ(::kill(process_->pid(), SIGKILL), 0);
    EXPECT_TRUE(testing::waitUntil([&] { return !process_->running(); }, 10s)) << name_ << " survived SIGKILL";
  }

  std::string logTail() const {
    const std::string text = readFile(spec_.logFile);
    return text.size() > 3000 ? text.substr(text.size() - 3000) : text;
  }

 private:
  std::string name_;
  launcher::ProcessSpec spec_;
  std::optional<launcher::ChildProcess> process_;
};

class ServiceDownEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = testing::sharedInfra().root / ("e2e-observability-" + std::to_string(getpid()));
    fs::create_directories(root_);
  }

  std::unique_ptr<Process> startService(const std::string& name, const std::string& binary, uint16_t adminPort) {
    launcher::ProcessSpec spec;
    spec.executable = binary;
    spec.environment = {{"FLEETDECK_CONFIG", std::string(FLEETDECK_SOURCE_DIR) + "/services/" + name + "/config/" +
                                                 name + ".toml"},
                        {"FLEETDECK_DATABASE__URL", testing::createTestDatabase("observability_" + name)},
                        {"FLEETDECK_GRPC__PORT", std::to_string(testing::freePort())},
                        {"FLEETDECK_ADMIN__PORT", std::to_string(adminPort)}};
    spec.logFile = root_ / (name + ".log");
    auto process = std::make_unique<Process>(name, spec);
    const Status started = process->start(adminPort, "/readyz", 30s);
    EXPECT_TRUE(started.isOk()) << started.toString();
    return started.isOk() ? std::move(process) : nullptr;
  }

  // The real alert rules with every `for:` shortened; the rest (expressions, labels) untouched.
  fs::path writeShortenedRules() {
    std::string rules = readFile(std::string(FLEETDECK_SOURCE_DIR) + "/resources/prometheus/rules/fleetdeck.rules.yml");
    EXPECT_NE(rules.find("alert: ServiceDown"), std::string::npos) << "the real rules have no ServiceDown";
    const int shortened = replaceValues(rules, std::regex(R"((\n[ \t]+for:[ \t]*)(\S+))"), kShortFor);
    EXPECT_GT(shortened, 0) << "no `for:` found to shorten";
    const fs::path folder = root_ / "rules";
    writeFile(folder / "fleetdeck.rules.yml", rules);
    std::string output;
    EXPECT_EQ(run(std::string(FLEETDECK_PROMTOOL) + " check rules " + (folder / "fleetdeck.rules.yml").string(), &output),
              0)
        << output;
    return folder;
  }

  // The real scrape template with shortened intervals, pointed at our rules and targets file.
  fs::path writeConfig(const fs::path& rulesFolder, const std::vector<std::pair<std::string, uint16_t>>& targets) {
    std::string config = readFile(std::string(FLEETDECK_SOURCE_DIR) + "/resources/prometheus/prometheus.yml.template");
    for (const char* key : {"scrape_interval", "scrape_timeout", "evaluation_interval"}) {
      EXPECT_EQ(replaceValues(config, std::regex(std::string(R"((\n[ \t]*)") + key + R"(:[ \t]*)(\S+))"), kInterval), 1)
          << key << " not found exactly once in the template";
    }
    EXPECT_GE(replaceValues(config, std::regex("()(@RULES_DIR@)"), rulesFolder.string()), 1);
    const fs::path targetsFile = root_ / "targets.json";
    EXPECT_GE(replaceValues(config, std::regex("()(@TARGETS_FILE@)"), targetsFile.string()), 1);
    // The launcher's file_sd format: one group per process, `job` = service name.
    bj::array groups;
    for (const auto& [job, port] : targets) {
      groups.push_back(bj::object{{"targets", bj::array{"127.0.0.1:" + std::to_string(port)}},
                                  {"labels", bj::object{{"job", job}}}});
    }
    writeFile(targetsFile, bj::serialize(groups));
    writeFile(root_ / "prometheus.yml", config);
    std::string output;
    EXPECT_EQ(run(std::string(FLEETDECK_PROMTOOL) + " check config " + (root_ / "prometheus.yml").string(), &output), 0)
        << output;
    return root_ / "prometheus.yml";
  }

  // GET on Prometheus' HTTP API; the `data` member of a successful answer.
  std::optional<bj::value> api(const std::string& target) {
    auto response = prometheusClient_->get(target);
    if (!response.isOk() || response->status != 200) return std::nullopt;
    auto parsed = json::parse(response->body);
    if (!parsed || !parsed->is_object() || json::stringOr(parsed->as_object(), "status") != "success") {
      return std::nullopt;
    }
    return parsed->as_object().at("data");
  }

  // ServiceDown alerts as "state job instance" strings, pending ones included.
  std::optional<std::vector<std::string>> serviceDownAlerts() {
    auto data = api("/api/v1/alerts");
    if (!data) return std::nullopt;
    std::vector<std::string> found;
    for (const auto& alert : data->as_object().at("alerts").as_array()) {
      const auto& labels = alert.as_object().at("labels").as_object();
      if (json::stringOr(labels, "alertname") != "ServiceDown") continue;
      found.push_back(json::stringOr(alert.as_object(), "state") + " " + json::stringOr(labels, "job") + " " +
                      json::stringOr(labels, "instance"));
    }
    return found;
  }

  fs::path root_;
  std::optional<http::HttpClient> prometheusClient_;
};

std::string promtoolMetricsComplaints(const fs::path& folder, const std::string& name, const std::string& exposition) {
  const fs::path file = folder / (name + ".prom");
  writeFile(file, exposition);
  std::string output;
  const int status = run(std::string(FLEETDECK_PROMTOOL) + " check metrics < " + file.string(), &output);
  return status == 0 ? std::string() : "exit " + std::to_string(status) + ": " + output;
}

TEST_F(ServiceDownEndToEnd, KilledServiceFiresServiceDownForExactlyItsJobAndInstance) {
  const uint16_t usersAdmin = testing::freePort();
  const uint16_t productsAdmin = testing::freePort();
  auto users = startService("users", FLEETDECK_USERS_BINARY, usersAdmin);
  ASSERT_NE(users, nullptr);
  auto products = startService("products", FLEETDECK_PRODUCTS_BINARY, productsAdmin);
  ASSERT_NE(products, nullptr);

  // What Prometheus is about to scrape must be valid exposition text.
  for (const auto& [name, port] : {std::pair<std::string, uint16_t>{"users", usersAdmin}, {"products", productsAdmin}}) {
    auto metrics = http::HttpClient("127.0.0.1", port, 5s).get("/metrics");
    ASSERT_TRUE(metrics.isOk()) << name << ": " << metrics.status().toString();
    ASSERT_EQ(metrics->status, 200) << name;
    EXPECT_NE(metrics->body.find("process_start_time_seconds"), std::string::npos) << name;
    EXPECT_EQ(promtoolMetricsComplaints(root_, name, metrics->body), "") << name;
  }

  const fs::path rules = writeShortenedRules();
  const fs::path config = writeConfig(rules, {{"users", usersAdmin}, {"products", productsAdmin}});
  ASSERT_FALSE(HasFailure());

  const uint16_t prometheusPort = testing::freePort();
  launcher::ProcessSpec spec;
  spec.executable = FLEETDECK_PROMETHEUS;
  spec.arguments = {"--config.file=" + config.string(), "--storage.tsdb.path=" + (root_ / "tsdb").string(),
                    "--web.listen-address=127.0.0.1:" + std::to_string(prometheusPort)};
  spec.logFile = root_ / "prometheus.log";
  Process prometheus("prometheus", spec);
  const Status started = prometheus.start(prometheusPort, "/-/ready", 30s);
  ASSERT_TRUE(started.isOk()) << started.toString();
  prometheusClient_.emplace("127.0.0.1", prometheusPort, 5s);

  // Both targets scraped successfully, with the job labels the rules group by.
  std::string targetsSeen;
  ASSERT_TRUE(testing::waitUntil(
      [&] {
        auto data = api("/api/v1/targets?state=active");
        if (!data) return false;
        targetsSeen = bj::serialize(*data);
        int up = 0;
        for (const auto& target : data->as_object().at("activeTargets").as_array()) {
          const auto& labels = target.as_object().at("labels").as_object();
          const std::string job = json::stringOr(labels, "job");
          up += json::stringOr(target.as_object(), "health") == "up" && (job == "users" || job == "products") ? 1 : 0;
        }
        return up == 2;
      },
      30s))
      << "targets not all up: " << targetsSeen << "\n" << prometheus.logTail();

  // The rule has been evaluated with both targets up (up == 1 for each in the query API), and
  // nothing about ServiceDown is pending or firing.
  ASSERT_TRUE(testing::waitUntil(
      [&] {
        auto data = api("/api/v1/query?query=up");
        if (!data) return false;
        int ones = 0;
        for (const auto& sample : data->as_object().at("result").as_array()) {
          ones += sample.as_object().at("value").as_array().at(1).as_string() == "1" ? 1 : 0;
        }
        return ones == 2;
      },
      30s));
  std::string ruleSeen;
  ASSERT_TRUE(testing::waitUntil(
      [&] {
        auto data = api("/api/v1/rules?type=alert");
        if (!data) return false;
        for (const auto& group : data->as_object().at("groups").as_array()) {
          for (const auto& rule : group.as_object().at("rules").as_array()) {
            if (json::stringOr(rule.as_object(), "name") != "ServiceDown") continue;
            ruleSeen = bj::serialize(rule);
            // Loaded with the shortened `for:` (seconds), and evaluated at least once (Prometheus
            // reports the zero time before the first run).
            const auto* duration = rule.as_object().if_contains("duration");
            return duration != nullptr && duration->is_number() && duration->to_number<double>() == 3 &&
                   json::stringOr(rule.as_object(), "health") == "ok" &&
                   json::stringOr(rule.as_object(), "lastEvaluation").rfind("0001-", 0) != 0;
          }
        }
        return false;
      },
      30s))
      << "ServiceDown never evaluated: " << ruleSeen;
  // Longer than `for:` with both up: a flapping or wrongly generated rule would show by now.
  std::this_thread::sleep_for(4s);
  // Firing ones only: one scrape slower than its 1 s timeout on a loaded machine makes `up` 0 once and
  // the alert pending, which `for:` exists to absorb.
  const auto firing = [](std::vector<std::string> alerts) {
    std::erase_if(alerts, [](const std::string& alert) { return !alert.starts_with("firing "); });
    return alerts;
  };
  auto quiet = serviceDownAlerts();
  ASSERT_TRUE(quiet.has_value());
  EXPECT_TRUE(firing(*quiet).empty()) << "ServiceDown firing while everything is up: " << ::testing::PrintToString(*quiet);

  products->kill();
  const std::string expected = "firing products 127.0.0.1:" + std::to_string(productsAdmin);
  std::vector<std::string> alerts;
  EXPECT_TRUE(testing::waitUntil(
      [&] {
        auto found = serviceDownAlerts();
        if (found) alerts = *found;
        return std::find(alerts.begin(), alerts.end(), expected) != alerts.end();
      },
      60s))
      << "ServiceDown did not fire for products: " << ::testing::PrintToString(alerts) << "\n"
      << prometheus.logTail();
  // Exactly that one: users is still up and must not be named.
  EXPECT_EQ(firing(alerts), std::vector<std::string>{expected}) << ::testing::PrintToString(alerts);
}

}  // namespace
}  // namespace fleetdeck
