#include "fleetdeck/telemetry/metrics.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace fleetdeck::telemetry {
namespace {

Registry& filledRegistry() {
  static Registry registry;
  static bool filled = false;
  if (!filled) {
    filled = true;
    auto& requests = registry.counter("http_requests_total", "HTTP requests by route, method and code.",
                                      {"route", "method", "code"});
    requests.labels({"/api/v1/users/{id}", "GET", "200"}).inc(3);
    requests.labels({"/api/v1/users/{id}", "GET", "404"}).inc();
    requests.labels({"/weird \"route\"\\x", "GET", "200"}).inc();
    auto& latency = registry.histogram("http_request_duration_seconds", "Request latency.", {"route", "method"});
    latency.labels({"/api/v1/users", "GET"}).observe(0.004);
    latency.labels({"/api/v1/users", "GET"}).observe(0.2);
    latency.labels({"/api/v1/users", "GET"}).observe(42);
    registry.gauge("outbox_lag_events", "Events not yet published.").labels({}).set(7);
    registerProcessCollector(registry);
  }
  return registry;
}

TEST(Metrics, CounterAndGaugeSamples) {
  const std::string text = filledRegistry().expose();
  EXPECT_NE(text.find("# TYPE http_requests_total counter"), std::string::npos);
  EXPECT_NE(text.find(R"(http_requests_total{route="/api/v1/users/{id}",method="GET",code="200"} 3)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("outbox_lag_events 7\n"), std::string::npos);
  EXPECT_NE(text.find(R"(route="/weird \"route\"\\x")"), std::string::npos) << "label values must be escaped";
}

TEST(Metrics, HistogramBucketsAreCumulativeWithInfAndCount) {
  const std::string text = filledRegistry().expose();
  EXPECT_NE(text.find(R"(http_request_duration_seconds_bucket{route="/api/v1/users",method="GET",le="0.005"} 1)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(http_request_duration_seconds_bucket{route="/api/v1/users",method="GET",le="0.25"} 2)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(http_request_duration_seconds_bucket{route="/api/v1/users",method="GET",le="+Inf"} 3)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(http_request_duration_seconds_count{route="/api/v1/users",method="GET"} 3)"),
            std::string::npos);
}

TEST(Metrics, ProcessMetricsArePresent) {
  const std::string text = filledRegistry().expose();
  for (const char* name : {"process_resident_memory_bytes ", "process_cpu_seconds_total ", "process_open_fds ",
                           "process_start_time_seconds "}) {
    EXPECT_NE(text.find(name), std::string::npos) << name;
  }
}

TEST(Metrics, RejectsInvalidNamesAndMismatchedRegistration) {
  Registry registry;
  EXPECT_THROW(registry.counter("bad-name", "x"), std::invalid_argument);
  registry.counter("ok_total", "x", {"a"});
  EXPECT_THROW(registry.gauge("ok_total", "x", {"a"}), std::invalid_argument);
  EXPECT_THROW(registry.counter("ok_total", "x", {"a"}).labels({"1", "2"}), std::invalid_argument);
}

// The real peer: Prometheus' own linter must accept the exposition.
TEST(Metrics, PromtoolAcceptsTheExposition) {
  const std::string path = ::testing::TempDir() + "/metrics.prom";
  std::ofstream(path) << filledRegistry().expose();
  const std::string command = std::string(FLEETDECK_PROMTOOL) + " check metrics < " + path + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int status = pclose(pipe);
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(output.find("error"), std::string::npos) << output;
}

}  // namespace
}  // namespace fleetdeck::telemetry
