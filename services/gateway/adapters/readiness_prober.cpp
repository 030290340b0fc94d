#include "adapters/readiness_prober.h"

#include <future>
#include <memory>

#include "fleetdeck/telemetry/metrics.h"

namespace fleetdeck::gateway {
namespace {

// "host:port" -> host and port; false for anything else.
bool splitHostPort(const std::string& address, std::string& host, uint16_t& port) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = address.substr(0, colon);
  int value = 0;
  try {
    value = std::stoi(address.substr(colon + 1));
  } catch (const std::exception&) {
    return false;
  }
  if (value <= 0 || value > 65535) return false;
  port = static_cast<uint16_t>(value);
  return true;
}

ReadinessProbe failed(std::string error) {
  ReadinessProbe probe;
  probe.error = std::move(error);
  return probe;
}

}  // namespace

// probe() blocks for the answers, and fleetJson() may run a round on an HTTP server thread.
ReadinessProber::ReadinessProber() : client_(http::AsyncClientOptions{.runOnCallersServerLoop = false}) {}

std::vector<ReadinessProbe> ReadinessProber::probe(const std::vector<std::string>& adminAddresses,
                                                   std::chrono::milliseconds timeout) {
  std::vector<std::future<ReadinessProbe>> answers;
  answers.reserve(adminAddresses.size());
  for (const auto& address : adminAddresses) {
    auto answer = std::make_shared<std::promise<ReadinessProbe>>();
    answers.push_back(answer->get_future());
    std::string host;
    uint16_t port = 0;
    if (!splitHostPort(address, host, port)) {
      answer->set_value(failed("admin address '" + address + "' is not host:port"));
      continue;
    }
    http::ClientRequest request;
    request.target = "/readyz";
    client_.request(std::move(host), port, std::move(request), timeout, [answer](Result<http::HttpResponse> response) {
      answer->set_value(response ? parseReadiness(response->status, response->body)
                                 : failed(response.status().message()));
    });
  }
  std::vector<ReadinessProbe> probes;
  probes.reserve(answers.size());
  // The client answers every request by its timeout; the margin only guards against a lost callback.
  const auto deadline = std::chrono::steady_clock::now() + timeout + std::chrono::seconds(1);
  for (auto& answer : answers) {
    if (answer.wait_until(deadline) == std::future_status::ready) {
      probes.push_back(answer.get());
    } else {
      probes.push_back(failed("no answer within " + std::to_string(timeout.count()) + " ms"));
    }
  }
  return probes;
}

}  // namespace fleetdeck::gateway
