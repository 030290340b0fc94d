// Shared by the gateway benchmarks: an operator token signed with a gateway's own key, one wrk run
// parsed into figures, and the median of rounds.
#pragma once

#include <algorithm>
#include <iostream>
#include <regex>
#include <string>
#include <vector>

#include "adapters/child_process.h"
#include "fleetdeck/auth/jwt.h"
#include "fleetdeck/auth/key_ring.h"

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

inline double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace fleetdeck::bench
