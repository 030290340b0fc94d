// What metrics and tracing cost the gateway (issue 6: instrumentation costs <= 10 % of its
// requests/s): two gateway processes of the same build and config, one with its HTTP
// instrumentation and built-in trace store on (metrics + a SERVER span per request, its gRPC client
// spans, all recorded into the trace store, as the laptop fleet runs it), one with both off
// ([http] instrument = false, [traces] enabled = false), driven by `wrk -t1 -c32` in alternating
// rounds of the same run, on two routes:
//   - GET /api/v1/products/{id}: a real call proxied to the products service (auth on);
//   - GET /api/v1/bench-nothing-here: no route matches (404), the worst case, where the
//     instrumentation is compared with the HTTP engine alone.
// Prints req/s of each side, the median of the per-round ratios (on / off), and the trace store's
// span count as a check that spans were really recorded. Bounded in time; never asserts speed.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <regex>
#include <string>
#include <vector>

#include "adapters/child_process.h"
#include "bench_support.h"
#include "fleetdeck/core/json.h"
#include "fleetdeck/http/client.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"

using namespace fleetdeck;
namespace fs = std::filesystem;
using bench::median;

namespace {

// Rounds of a few seconds, the two sides in alternating order: on a shared machine the load
// drifts, and neighbours in time see the same load. About 2 x 6 x 2 x 2 s = 48 s with warm-up.
constexpr int kRounds = 6;
constexpr const char* kDuration = "2s";
constexpr int kConnections = 32;

// A gateway in front of `productsGrpc`; `instrumented` switches its metrics, spans and trace store.
std::unique_ptr<testing::ServiceProcess> startGateway(const fs::path& root, const std::string& name, bool instrumented,
                                                      uint16_t port, uint16_t productsGrpc, const std::string& keyFile) {
  auto gateway = std::make_unique<testing::ServiceProcess>(
      name, FLEETDECK_GATEWAY_BINARY,
      std::map<std::string, std::string>{
          {"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/gateway/config/gateway.toml"},
          {"FLEETDECK_HTTP__PORT", std::to_string(port)},
          {"FLEETDECK_HTTP__INSTRUMENT", instrumented ? "true" : "false"},
          {"FLEETDECK_TRACES__ENABLED", instrumented ? "true" : "false"},
          // The worst case: every request traced, not the shipped cap on new traces per second.
          {"FLEETDECK_TRACING__MAX_NEW_TRACES_PER_SECOND", "0"},
          {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())},
          {"FLEETDECK_AUTH__KEY_FILE", keyFile},
          {"FLEETDECK_UPSTREAMS__PRODUCTS", "127.0.0.1:" + std::to_string(productsGrpc)},
          {"FLEETDECK_LIMITS__PER_ADDRESS_PER_SECOND", "0"},
          {"FLEETDECK_LIMITS__PER_USER_PER_SECOND", "0"},
          {"FLEETDECK_GATEWAY__ACCESS_LOG", "false"},
          {"FLEETDECK_LOG__LEVEL", "warn"}},
      root);
  if (!gateway->start().isOk()) {
    std::cerr << name << " did not start\n" << gateway->logTail();
    std::exit(1);
  }
  return gateway;
}

// telemetry_trace_store_spans from the gateway's /metrics (-1 when absent).
double traceStoreSpans(uint16_t adminPort) {
  http::HttpClient client("127.0.0.1", adminPort);
  auto response = client.get("/metrics");
  if (!response) return -1;
  std::smatch match;
  const std::regex pattern(R"(\ntelemetry_trace_store_received_spans_total\{outcome="accepted"\} ([0-9.e+]+))");
  if (std::regex_search(response->body, match, pattern)) return std::stod(match[1]);
  return -1;
}

}  // namespace

int main() {
  const fs::path root = testing::sharedInfra().root / ("bench-telemetry-" + std::to_string(getpid()));
  fs::create_directories(root);

  const uint16_t productsGrpc = testing::freePort();
  testing::ServiceProcess products("products", FLEETDECK_PRODUCTS_BINARY,
                                   {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/products/config/products.toml"},
                                    {"FLEETDECK_DATABASE__URL", testing::createTestDatabase("bench_telemetry_products")},
                                    {"FLEETDECK_CACHE__URL", testing::redisUrl(12)},
                                    {"FLEETDECK_GRPC__PORT", std::to_string(productsGrpc)},
                                    {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())},
                                    {"FLEETDECK_LOG__LEVEL", "warn"}},
                                   root);
  if (!products.start().isOk()) {
    std::cerr << "products did not start\n" << products.logTail();
    return 1;
  }

  // Both gateways sign and verify with the same key file, so one token serves both.
  const std::string keyFile = (root / "keys" / "jwt-keys.json").string();
  const uint16_t onPort = testing::freePort();
  const uint16_t offPort = testing::freePort();
  auto on = startGateway(root, "gateway-instrumented", true, onPort, productsGrpc, keyFile);
  auto off = startGateway(root, "gateway-plain", false, offPort, productsGrpc, keyFile);

  const std::string token = bench::adminToken(keyFile);

  http::HttpClient setup("127.0.0.1", offPort);
  http::Headers headers;
  headers.add("Authorization", "Bearer " + token);
  auto created = setup.request(
      "POST", "/api/v1/products",
      R"({"sku":"BENCH-T1","name":"Bench Tea","price":{"currencyCode":"USD","units":"100"},"initialStock":"10"})",
      headers);
  if (!created || created->status != 201) {
    std::cerr << "cannot create the product: " << (created ? created->body : created.status().toString()) << "\n";
    return 1;
  }
  const std::string productId = json::stringOr(json::parse(created->body)->as_object(), "id");

  struct Route {
    std::string title;
    std::string path;
    bool expect2xx;
  };
  const std::vector<Route> routes = {{"GET /api/v1/products/{id} (proxied to products)", "/api/v1/products/" + productId, true},
                                     {"GET /api/v1/bench-nothing-here (no route, 404)", "/api/v1/bench-nothing-here", false}};
  const auto url = [](uint16_t port, const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(port) + path;
  };

  std::cout << "warming up\n" << std::flush;
  for (const auto& route : routes) {
    bench::runWrk(url(onPort, route.path), kConnections, kDuration, token);
    bench::runWrk(url(offPort, route.path), kConnections, kDuration, token);
  }
  const double spansBefore = traceStoreSpans(on->adminPort());

  struct Figures {
    double on = 0;
    double off = 0;
    double ratio = 0;
  };
  std::vector<Figures> results;
  int unexpected = 0;
  for (const auto& route : routes) {
    std::vector<double> onRates;
    std::vector<double> offRates;
    std::vector<double> ratios;
    std::printf("\n%s, wrk -t1 -c%d -d%s per side\nround  instrumented req/s  plain req/s  ratio\n", route.title.c_str(),
                kConnections, kDuration);
    for (int round = 0; round < kRounds; ++round) {
      bench::WrkResult result[2];  // 0: instrumented, 1: plain
      for (int step = 0; step < 2; ++step) {
        const int side = (round + step) % 2;
        result[side] = bench::runWrk(url(side == 0 ? onPort : offPort, route.path), kConnections, kDuration, token);
        if (route.expect2xx && result[side].non2xx) ++unexpected;
      }
      onRates.push_back(result[0].requestsPerSecond);
      offRates.push_back(result[1].requestsPerSecond);
      ratios.push_back(result[1].requestsPerSecond > 0 ? result[0].requestsPerSecond / result[1].requestsPerSecond : 0);
      std::printf("%5d  %18.0f  %11.0f  %5.3f\n", round + 1, onRates.back(), offRates.back(), ratios.back());
      std::fflush(stdout);
    }
    Figures figures{median(onRates), median(offRates), median(ratios)};
    std::printf("median: instrumented %.0f req/s, plain %.0f req/s, per-round ratio %.3f => cost %.1f %%\n",
                figures.on, figures.off, figures.ratio, (1.0 - figures.ratio) * 100.0);
    results.push_back(figures);
  }
  const double spansAfter = traceStoreSpans(on->adminPort());

  off->stop();
  on->stop();
  products.stop();

  std::printf("\nspans recorded into the instrumented gateway's trace store during the rounds: %.0f\n",
              spansAfter - spansBefore);
  std::printf("instrumentation cost (metrics + tracing, share of gateway req/s): proxied %.1f %% (ratio %.3f), "
              "no-op route %.1f %% (ratio %.3f) (goal: <= 10 %%)\n",
              (1.0 - results[0].ratio) * 100.0, results[0].ratio, (1.0 - results[1].ratio) * 100.0, results[1].ratio);
  if (unexpected > 0) std::printf("warning: %d proxied rounds had non-2xx answers\n", unexpected);
  return unexpected == 0 && spansAfter > spansBefore ? 0 : 1;
}
