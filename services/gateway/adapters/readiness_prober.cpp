#include "adapters/readiness_prober.h"

#include <future>
#include <memory>

#include "fleetdeck/http/client.h"
#include "fleetdeck/telemetry/metrics.h"

namespace fleetdeck::gateway {
namespace {

ReadinessProbe failed(std::string error) {
  ReadinessProbe probe;
  probe.error = std::move(error);
  return probe;
}

}  // namespace

// probe() blocks for the answers, so they must not be served by its caller's own event loop.
ReadinessProber::ReadinessProber() : client_(http::AsyncClientOptions{.runOnCallersServerLoop = false}) {}

std::vector<ReadinessProbe> ReadinessProber::probe(const std::vector<std::string>& adminAddresses,
                                                   std::chrono::milliseconds timeout) {
  std::vector<std::future<ReadinessProbe>> answers;
  answers.reserve(adminAddresses.size());
  for (const auto& address : adminAddresses) {
    auto answer = std::make_shared<std::promise<ReadinessProbe>>();
    answers.push_back(answer->get_future());
    auto hostPort = http::parseHostPort(address);
    if (!hostPort) {
      answer->set_value(failed("admin address " + hostPort.status().message()));
      continue;
    }
    http::ClientRequest request;
    request.target = "/readyz";
    client_.request(std::move(hostPort->host), hostPort->port, std::move(request), timeout, [answer](Result<http::HttpResponse> response) {
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
