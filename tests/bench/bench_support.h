// Shared by the gateway benchmarks: an operator token signed with a gateway's own key, a product to
// read through it, one wrk run parsed into figures, the median of rounds, and the nginx processes
// they measure against.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <regex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/child_process.h"
#include "fleetdeck/auth/jwt.h"
#include "fleetdeck/auth/key_ring.h"
#include "fleetdeck/core/json.h"
#include "fleetdeck/http/client.h"
#include "fleetdeck/testing/service_process.h"

namespace fleetdeck::bench {

// An admin access token valid for an hour, signed with the key ring in `keyFile` (the gateway's), so
// auth stays on for every measured request.
inline std::string adminToken(const std::string& keyFile) {
  auto ring = auth::loadOrCreateKeyFile({.path = keyFile}, auth::unixNow());
  if (!ring) {
    std::cerr << "cannot read the gateway's key ring: " << ring.status().toString() << "\n";
    std::exit(1);
  }
  auth::Claims claims;
  claims.subject = "00000000-0000-7000-8000-00000000beef";
  claims.role = "admin";
  claims.issuer = "fleetdeck";
  claims.audience = "fleetdeck-api";
  claims.issuedAt = auth::unixNow();
  claims.notBefore = claims.issuedAt;
  claims.expiresAt = claims.issuedAt + 3600;
  return *auth::signToken(*ring, claims);
}

struct WrkResult {
  double requestsPerSecond = 0;
  double requests = 0;  // answered in the whole run
  double p50Ms = 0;
  double p99Ms = 0;
  bool non2xx = false;
};

// One closed-loop run: `wrk -t1 -c<connections> -d<duration> --latency` with the bearer token.
inline WrkResult runWrk(const std::string& url, int connections, const std::string& duration, const std::string& token) {
  launcher::ProcessSpec spec;
  spec.executable = "/usr/bin/wrk";
  spec.arguments = {"-t1", "-c" + std::to_string(connections), "-d" + duration, "--latency", "-H",
                    "Authorization: Bearer " + token, url};
  std::string output;
  const Status status = launcher::runCommand(spec, &output, std::chrono::seconds(30));
  WrkResult result;
  if (!status.isOk()) {
    std::cerr << "wrk failed: " << status.toString() << "\n" << output << "\n";
    return result;
  }
  const auto millis = [](const std::string& value, const std::string& unit) {
    const double number = std::stod(value);
    return unit == "us" ? number / 1000 : unit == "s" ? number * 1000 : number;
  };
  std::smatch match;
  if (std::regex_search(output, match, std::regex(R"(Requests/sec:\s+([0-9.]+))"))) {
    result.requestsPerSecond = std::stod(match[1]);
  }
  if (std::regex_search(output, match, std::regex(R"(([0-9]+) requests in)"))) result.requests = std::stod(match[1]);
  if (std::regex_search(output, match, std::regex(R"(99%\s+([0-9.]+)(us|ms|s))"))) result.p99Ms = millis(match[1], match[2]);
  if (std::regex_search(output, match, std::regex(R"(50%\s+([0-9.]+)(us|ms|s))"))) result.p50Ms = millis(match[1], match[2]);
  result.non2xx = output.find("Non-2xx") != std::string::npos;
  return result;
}

// One product to read, created through the gateway; its id.
inline std::string createProduct(uint16_t gatewayPort, const std::string& token) {
  http::HttpClient client("127.0.0.1", gatewayPort, std::chrono::seconds(30));
  http::Headers headers;
  headers.add("Authorization", "Bearer " + token);
  auto created = client.request(
      "POST", "/api/v1/products",
      R"({"sku":"BENCH-1","name":"Bench Tea","price":{"currencyCode":"USD","units":"100"},"initialStock":"10"})", headers);
  if (!created || created->status != 201) {
    throw std::runtime_error("cannot create the product: " + (created ? created->body : created.status().toString()));
  }
  auto parsed = json::parse(created->body);
  if (!parsed || !parsed->is_object()) throw std::runtime_error("the created product is not JSON: " + created->body);
  return json::stringOr(parsed->as_object(), "id");
}

inline launcher::ChildProcess spawnOrDie(const launcher::ProcessSpec& spec, const std::string& what) {
  auto process = launcher::ChildProcess::spawn(spec);
  if (!process) throw std::runtime_error(what + ": " + process.status().toString());
  return std::move(*process);
}

// Stops the processes on every way out of a bench, early failures included: a ChildProcess does not
// stop its process when destroyed, and an nginx left behind would outlive the run.
struct StopOnExit {
  std::vector<launcher::ChildProcess>& processes;
  ~StopOnExit() {
    for (auto& process : processes) (void)process.stop(std::chrono::seconds(10));
  }
};

// Throws unless `path` on the port answers within `timeout` (a process under valgrind takes seconds).
inline void waitForHttp(uint16_t port, const std::string& path, const std::string& what,
                        std::chrono::seconds timeout = std::chrono::seconds(20)) {
  const bool up = testing::waitUntil(
      [&] {
        http::HttpClient client("127.0.0.1", port, std::chrono::milliseconds(1000));
        return client.get(path).isOk();
      },
      timeout);
  if (!up) throw std::runtime_error(what + " did not come up on port " + std::to_string(port));
}

// What the references proxy to: nginx answering `body` (JSON) to every request, with keep-alive.
inline std::string nginxUpstreamConfig(const std::filesystem::path& directory, uint16_t port, std::string_view body) {
  return "worker_processes 1;\ndaemon off;\npid " + (directory / "upstream.pid").string() +
         ";\nerror_log stderr error;\nevents { worker_connections 4096; }\nhttp {\n access_log off;\n"
         " keepalive_requests 1000000;\n server {\n  listen 127.0.0.1:" +
         std::to_string(port) + ";\n  location / { default_type application/json; return 200 '" + std::string(body) +
         "'; }\n }\n}\n";
}

// nginx proxy_pass at its best for one core: one worker, keep-alive to the upstream. `oneProcess`:
// no master, so the process started is the one that serves (for measuring it under valgrind).
inline std::string nginxProxyConfig(const std::filesystem::path& directory, uint16_t port, uint16_t upstreamPort,
                                    bool oneProcess = false) {
  return std::string(oneProcess ? "master_process off;\n" : "worker_processes 1;\n") + "daemon off;\npid " +
         (directory / "proxy.pid").string() +
         ";\nerror_log stderr error;\nevents { worker_connections 4096; }\nhttp {\n access_log off;\n"
         " keepalive_requests 1000000;\n upstream backend { server 127.0.0.1:" +
         std::to_string(upstreamPort) + "; keepalive 256; }\n server {\n  listen 127.0.0.1:" + std::to_string(port) +
         ";\n  location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection \"\"; }\n"
         " }\n}\n";
}

inline double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace fleetdeck::bench
