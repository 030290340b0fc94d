// The gateway's speed, side by side with references on this machine (prints figures, asserts nothing):
//  1. its HTTP engine proxying a plain HTTP upstream (the Prometheus pass-through route, auth on)
//     against nginx proxy_pass and HAProxy, each with one worker/thread and upstream keep-alive:
//     req/s and p99 at 64 connections, and its own 256- vs 64-connection throughput (HAProxy's
//     own 256/64 ratio beside it: on a 2-core machine shared with wrk and the upstream, more
//     connections cost every proxy);
//  2. REST -> gRPC transcoding (GET /api/v1/products/{id}, auth on) against its own pass-through
//     req/s, and the p50 of that call at half load against the same call made straight to the
//     products gRPC service at the same rate.
// The gateway runs with its shipped gateway.toml (auth, request metrics and tracing on; tracing keeps
// at most [tracing] max_new_traces_per_second new traces, so under this load most requests are not
// recorded) except rate limits and the access log, which are off.
// Runs alternate A/B for a bounded number of rounds of a few seconds each (wrk for closed-loop
// throughput, an open-loop fixed-rate driver for the half-load latencies).
// For context it also measures, on the same machine: the products service alone straight over gRPC
// (64 calls in flight; what transcoding through any gateway stays below), and at the half-load rate
// the p50 of the gateway's pass-through route and of its nginx upstream straight.
// Beside each run it prints the proxy's own CPU time per request (the gateway's and, for transcoding,
// the products service's from their process_cpu_seconds_total; nginx's and HAProxy's from /proc):
// on a 2-core machine shared by every process of the run, req/s swings by a third between rounds,
// CPU per request by a few percent, so that is the figure to compare a change by. FLEETDECK_BENCH_GATEWAY_ONLY=proxy or =transcoding
// runs one half (transcoding keeps the gateway's pass-through c64 its ratio needs).
// FLEETDECK_BENCH_GATEWAY_PROFILE=DIR also records `perf record` profiles (DWARF call graphs) of the gateway and the
// products service during an extra transcoding run, and of the gateway during an extra pass-through
// run, at 64 connections and (unless only transcoding runs) at 256, after the warm-up
// (DIR/{transcoding-gateway,transcoding-products,pass-through-gateway,pass-through-c256-gateway}.data).
// FLEETDECK_BENCH_GATEWAY_LATENCY_RATE=N runs the latency comparison at N req/s instead of half load
// (on 2 cores with the gateway's HTTP/2 client: ~2x at 1,000 req/s, ~1.7x at 5,000, 2.4-3.6x at half load).
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <future>
#include <iostream>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "adapters/child_process.h"
#include "bench_support.h"
#include "fleetdeck/core/json.h"
#include "fleetdeck/http/async_client.h"
#include "fleetdeck/http/client.h"
#include "fleetdeck/http/grpc_client.h"
#include "fleetdeck/products/v1/products.grpc.pb.h"
#include "fleetdeck/rpc/client.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"

using namespace fleetdeck;
namespace fs = std::filesystem;
using bench::median;

namespace {

constexpr int kRounds = 3;
constexpr const char* kDuration = "4s";

// Open loop: requests leave at a fixed rate whether or not earlier ones finished, so queueing
// shows in the latency (a closed loop at half load would hide it).
template <typename Send>
double openLoopP50(double rate, std::chrono::seconds duration, Send send) {
  std::mutex mutex;
  std::vector<double> latencies;
  std::atomic<int> outstanding{0};
  const auto interval = std::chrono::duration<double>(1.0 / rate);
  const auto start = std::chrono::steady_clock::now();
  const int total = static_cast<int>(rate * static_cast<double>(duration.count()));
  for (int i = 0; i < total; ++i) {
    std::this_thread::sleep_until(start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(interval * i));
    outstanding.fetch_add(1);
    const auto sent = std::chrono::steady_clock::now();
    send([&, sent](bool ok) {
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - sent).count();
      {
        std::lock_guard lock(mutex);
        if (ok) latencies.push_back(ms);
      }
      outstanding.fetch_sub(1);
    });
  }
  testing::waitUntil([&] { return outstanding.load() == 0; }, std::chrono::seconds(10));
  std::lock_guard lock(mutex);
  return median(latencies);
}

// Closed loop over gRPC: `concurrency` GetProduct calls always in flight (each completion sends the
// next) for `duration`; completed calls per second. The products service's own ceiling on this
// machine, which any gateway's transcoding of that call stays below.
struct ClosedLoopResult {
  double callsPerSecond = 0;
  double calls = 0;
  int failures = 0;
};
ClosedLoopResult grpcClosedLoop(grpc::GenericStub& stub, const std::string& requestBytes, int concurrency,
                                std::chrono::seconds duration) {
  struct Call {
    grpc::ClientContext context;
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
  };
  std::atomic<int64_t> completed{0};
  std::atomic<int> failures{0};
  std::atomic<int> outstanding{0};
  const auto start = std::chrono::steady_clock::now();
  const auto stopAt = start + duration;
  std::function<void()> send = [&] {
    auto call = std::make_shared<Call>();
    call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    grpc::Slice slice(requestBytes);
    call->request = grpc::ByteBuffer(&slice, 1);
    outstanding.fetch_add(1);
    stub.UnaryCall(&call->context, "/fleetdeck.products.v1.ProductsService/GetProduct", grpc::StubOptions(),
                   &call->request, &call->response, [&, call](grpc::Status status) {
                     if (status.ok()) {
                       completed.fetch_add(1);
                     } else {
                       failures.fetch_add(1);
                     }
                     if (std::chrono::steady_clock::now() < stopAt && failures.load() < 100) send();
                     outstanding.fetch_sub(1);
                   });
  };
  for (int i = 0; i < concurrency; ++i) send();
  std::this_thread::sleep_until(stopAt);
  const double calls = static_cast<double>(completed.load());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  testing::waitUntil([&] { return outstanding.load() == 0; }, std::chrono::seconds(10));
  return {calls / seconds, calls, failures.load()};
}

// The pid of the process listening on a loopback TCP port (0 when not found), from ss(8).
int listenerPid(uint16_t port) {
  launcher::ProcessSpec spec;
  spec.executable = "/usr/bin/ss";
  spec.arguments = {"-Hltnp", "sport = :" + std::to_string(port)};
  std::string output;
  if (!launcher::runCommand(spec, &output, std::chrono::seconds(5)).isOk()) return 0;
  std::smatch match;
  if (!std::regex_search(output, match, std::regex(R"(pid=([0-9]+))"))) return 0;
  return std::stoi(match[1]);
}

// CPU seconds (user + system) of every process listening on a loopback TCP port, from /proc: for
// nginx that is its master and its worker, for HAProxy its one process.
double listenerCpuSeconds(uint16_t port) {
  launcher::ProcessSpec spec;
  spec.executable = "/usr/bin/ss";
  spec.arguments = {"-Hltnp", "sport = :" + std::to_string(port)};
  std::string output;
  if (!launcher::runCommand(spec, &output, std::chrono::seconds(5)).isOk()) return -1;
  std::set<int> pids;
  const std::regex pidPattern(R"(pid=([0-9]+))");
  for (auto it = std::sregex_iterator(output.begin(), output.end(), pidPattern); it != std::sregex_iterator(); ++it) {
    pids.insert(std::stoi((*it)[1]));
  }
  double total = 0;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  for (int pid : pids) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const size_t close = text.rfind(')');  // the command name may hold spaces
    if (close == std::string::npos) continue;
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int index = 3; fields >> field; ++index) {  // field 3 is the state
      if (index == 14) utime = std::stod(field);
      if (index == 15) {
        stime = std::stod(field);
        break;
      }
    }
    total += (utime + stime) / ticks;
  }
  return pids.empty() ? -1 : total;
}

// Runs wrk on `url` while perf records each of `pids` into DIR/<name>.data.
void profileRun(const fs::path& directory, const std::string& url, int connections, const std::string& token,
                const std::vector<std::pair<std::string, int>>& pids) {
  std::vector<std::future<void>> recorders;
  for (const auto& [name, pid] : pids) {
    recorders.push_back(std::async(std::launch::async, [&directory, name, pid] {
      launcher::ProcessSpec spec;
      spec.executable = "/usr/bin/perf";
      // DWARF call graphs: the build keeps no frame pointers, so `-g` stacks stop after one frame.
      spec.arguments = {"record", "--call-graph", "dwarf,16384", "-F", "499", "-p", std::to_string(pid),
                        "-o", (directory / (name + ".data")).string(), "--", "sleep", "8"};
      std::string output;
      if (Status recorded = launcher::runCommand(spec, &output, std::chrono::seconds(60)); !recorded.isOk()) {
        std::cerr << "perf record failed: " << recorded.toString() << "\n" << output << "\n";
      }
    }));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  bench::runWrk(url, connections, "7s", token);
  for (auto& recorder : recorders) recorder.get();
  std::cout << "  perf profiles in " << directory.string() << "\n" << std::flush;
}

// The process's process_cpu_seconds_total from its admin port's /metrics (-1 when unreadable).
double cpuSeconds(uint16_t adminPort) {
  http::HttpClient client("127.0.0.1", adminPort, std::chrono::seconds(5));
  auto response = client.get("/metrics");
  std::smatch match;
  if (!response || !std::regex_search(response->body, match, std::regex(R"(\nprocess_cpu_seconds_total ([0-9.e+-]+))"))) {
    return -1;
  }
  return std::stod(match[1]);
}

// A histogram's _sum and _count from a process's /metrics, over the series whose labels contain every
// one of `labels` (e.g. `grpc_method="GetProduct"`); {0, 0} when unreadable.
struct HistogramTotals {
  double sum = 0;
  double count = 0;
};
HistogramTotals histogramTotals(uint16_t adminPort, const std::string& metric, const std::vector<std::string>& labels) {
  http::HttpClient client("127.0.0.1", adminPort, std::chrono::seconds(5));
  auto response = client.get("/metrics");
  HistogramTotals totals;
  if (!response) return totals;
  std::istringstream lines(response->body);
  for (std::string line; std::getline(lines, line);) {
    const bool isSum = line.starts_with(metric + "_sum{");
    if (!isSum && !line.starts_with(metric + "_count{")) continue;
    const size_t close = line.find("} ");
    if (close == std::string::npos) continue;
    const std::string labelText = line.substr(0, close);
    if (!std::all_of(labels.begin(), labels.end(),
                     [&labelText](const std::string& label) { return labelText.find(label) != std::string::npos; })) {
      continue;
    }
    (isSum ? totals.sum : totals.count) += std::stod(line.substr(close + 2));
  }
  return totals;
}

// Mean microseconds per observation between two readings.
double meanMicros(const HistogramTotals& before, const HistogramTotals& after) {
  const double count = after.count - before.count;
  return count > 0 ? (after.sum - before.sum) * 1e6 / count : 0;
}

}  // namespace

int run() {
  const std::string only = std::getenv("FLEETDECK_BENCH_GATEWAY_ONLY") ? std::getenv("FLEETDECK_BENCH_GATEWAY_ONLY") : "";
  const bool proxyPart = only != "transcoding";
  const bool transcodingPart = only != "proxy";
  const fs::path root = testing::sharedInfra().root / ("bench-gateway-" + std::to_string(getpid()));
  fs::create_directories(root);
  std::vector<launcher::ChildProcess> processes;
  const bench::StopOnExit stopOnExit{processes};

  // The plain HTTP upstream all three proxies forward to: nginx answering a fixed JSON body.
  const uint16_t upstreamPort = testing::freePort();
  const uint16_t nginxPort = testing::freePort();
  const uint16_t haproxyPort = testing::freePort();
  const std::string body = R"({"status":"success","data":{"resultType":"vector","result":[]}})";
  std::ofstream(root / "upstream.conf") << bench::nginxUpstreamConfig(root, upstreamPort, body);
  std::ofstream(root / "nginx-proxy.conf") << bench::nginxProxyConfig(root, nginxPort, upstreamPort);
  {
    std::ofstream config(root / "haproxy.cfg");
    config << "global\n  nbthread 1\n  maxconn 4096\ndefaults\n  mode http\n  timeout connect 2s\n  timeout client 30s\n"
              "  timeout server 30s\n  http-reuse always\n  option http-keep-alive\nfrontend web\n  bind 127.0.0.1:"
           << haproxyPort << "\n  default_backend upstream\nbackend upstream\n  server u1 127.0.0.1:" << upstreamPort
           << " maxconn 256\n";
  }
  for (const auto& [what, arguments] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"nginx upstream", {"-c", (root / "upstream.conf").string(), "-p", root.string(), "-e", "stderr"}},
           {"nginx proxy", {"-c", (root / "nginx-proxy.conf").string(), "-p", root.string(), "-e", "stderr"}}}) {
    launcher::ProcessSpec spec;
    spec.executable = "/usr/sbin/nginx";
    spec.arguments = arguments;
    spec.logFile = root / "nginx.log";
    processes.push_back(bench::spawnOrDie(spec, what));
  }
  {
    launcher::ProcessSpec spec;
    spec.executable = "/usr/sbin/haproxy";
    spec.arguments = {"-f", (root / "haproxy.cfg").string(), "-db"};
    spec.logFile = root / "haproxy.log";
    processes.push_back(bench::spawnOrDie(spec, "haproxy"));
  }
  bench::waitForHttp(upstreamPort, "/", "upstream");
  bench::waitForHttp(nginxPort, "/", "nginx proxy");
  bench::waitForHttp(haproxyPort, "/", "haproxy");

  // Products behind the gateway, for the transcoding figures.
  const uint16_t productsGrpc = testing::freePort();
  testing::ServiceProcess products("products", FLEETDECK_PRODUCTS_BINARY,
                                   {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/products/config/products.toml"},
                                    {"FLEETDECK_DATABASE__URL", testing::createTestDatabase("bench_gw_products")},
                                    {"FLEETDECK_CACHE__URL", testing::redisUrl(11)},
                                    {"FLEETDECK_GRPC__PORT", std::to_string(productsGrpc)},
                                    {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())},
                                    {"FLEETDECK_LOG__LEVEL", "warn"}},
                                   root);
  if (!products.start().isOk()) {
    std::cerr << "products did not start\n" << products.logTail();
    return 1;
  }

  const std::string keyFile = (root / "keys" / "jwt-keys.json").string();
  const uint16_t gatewayPort = testing::freePort();
  testing::ServiceProcess gateway("gateway", FLEETDECK_GATEWAY_BINARY,
                                  {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/gateway/config/gateway.toml"},
                                   {"FLEETDECK_HTTP__PORT", std::to_string(gatewayPort)},
                                   {"FLEETDECK_HTTP__THREADS", "1"},
                                   {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())},
                                   {"FLEETDECK_AUTH__KEY_FILE", keyFile},
                                   {"FLEETDECK_PROMETHEUS__URL", "http://127.0.0.1:" + std::to_string(upstreamPort)},
                                   {"FLEETDECK_UPSTREAMS__PRODUCTS", "127.0.0.1:" + std::to_string(productsGrpc)},
                                   {"FLEETDECK_LIMITS__PER_ADDRESS_PER_SECOND", "0"},
                                   {"FLEETDECK_LIMITS__PER_USER_PER_SECOND", "0"},
                                   {"FLEETDECK_GATEWAY__ACCESS_LOG", "false"},
                                   {"FLEETDECK_LOG__LEVEL", "warn"}},
                                  root);
  if (!gateway.start().isOk()) {
    std::cerr << "gateway did not start\n" << gateway.logTail();
    return 1;
  }
  const std::string token = bench::adminToken(keyFile);

  const std::string productId = bench::createProduct(gatewayPort, token);

  const std::string passPath = "/api/v1/admin/metrics/query?query=up";
  const std::string gatewayPass = "http://127.0.0.1:" + std::to_string(gatewayPort) + passPath;
  const std::string nginxPass = "http://127.0.0.1:" + std::to_string(nginxPort) + passPath;
  const std::string haproxyPass = "http://127.0.0.1:" + std::to_string(haproxyPort) + passPath;
  const std::string transcoded = "http://127.0.0.1:" + std::to_string(gatewayPort) + "/api/v1/products/" + productId;

  std::map<std::string, std::vector<double>> rps;
  std::map<std::string, std::vector<double>> p99;
  std::map<std::string, std::vector<double>> gatewayCpuUs;   // gateway CPU per request, microseconds
  std::map<std::string, std::vector<double>> productsCpuUs;  // products CPU per request (transcoding)
  std::vector<std::pair<std::string, std::pair<std::string, int>>> allRuns;
  if (proxyPart || transcodingPart) allRuns.push_back({"gateway pass-through c64", {gatewayPass, 64}});
  if (proxyPart) {
    allRuns.push_back({"nginx proxy_pass c64", {nginxPass, 64}});
    allRuns.push_back({"haproxy c64", {haproxyPass, 64}});
    allRuns.push_back({"gateway pass-through c256", {gatewayPass, 256}});
    allRuns.push_back({"haproxy c256", {haproxyPass, 256}});
  }
  if (transcodingPart) allRuns.push_back({"gateway transcoding c64", {transcoded, 64}});
  std::cout << "warming up\n" << std::flush;
  for (const auto& [name, target] : allRuns) bench::runWrk(target.first, 64, kDuration, token);
  if (const char* profile = std::getenv("FLEETDECK_BENCH_GATEWAY_PROFILE"); profile != nullptr && *profile != 0) {
    const fs::path directory(profile);
    fs::create_directories(directory);
    const int gatewayPid = listenerPid(gatewayPort);
    const int productsPid = listenerPid(productsGrpc);
    if (transcodingPart) {
      profileRun(directory, transcoded, 64, token,
                 {{"transcoding-gateway", gatewayPid}, {"transcoding-products", productsPid}});
    }
    profileRun(directory, gatewayPass, 64, token, {{"pass-through-gateway", gatewayPid}});
    if (proxyPart) profileRun(directory, gatewayPass, 256, token, {{"pass-through-c256-gateway", gatewayPid}});
  }
  for (int round = 0; round < kRounds; ++round) {
    // Alternating order every round, so drift on the shared machine does not favour one side.
    auto runs = allRuns;
    if (round % 2 == 1) std::reverse(runs.begin(), runs.end());
    for (const auto& [name, target] : runs) {
      const bool ours = name.starts_with("gateway");
      const bool transcoding = target.first == transcoded;
      // The references' own CPU per request, for context: the gateway's figure against theirs.
      const uint16_t referencePort = name.starts_with("nginx") ? nginxPort : name.starts_with("haproxy") ? haproxyPort : 0;
      const double referenceBefore = referencePort != 0 ? listenerCpuSeconds(referencePort) : 0;
      const double gatewayBefore = ours ? cpuSeconds(gateway.adminPort()) : 0;
      const double productsBefore = transcoding ? cpuSeconds(products.adminPort()) : 0;
      const bench::WrkResult result = bench::runWrk(target.first, target.second, kDuration, token);
      if (result.non2xx) std::cerr << "warning: non-2xx answers from " << target.first << "\n";
      rps[name].push_back(result.requestsPerSecond);
      p99[name].push_back(result.p99Ms);
      std::cout << "  round " << round + 1 << "  " << name << ": " << result.requestsPerSecond << " req/s, p99 "
                << result.p99Ms << " ms";
      if (ours && result.requests > 0) {
        gatewayCpuUs[name].push_back((cpuSeconds(gateway.adminPort()) - gatewayBefore) * 1e6 / result.requests);
        std::cout << ", gateway CPU " << gatewayCpuUs[name].back() << " us/req";
      }
      if (referencePort != 0 && result.requests > 0 && referenceBefore >= 0) {
        gatewayCpuUs[name].push_back((listenerCpuSeconds(referencePort) - referenceBefore) * 1e6 / result.requests);
        std::cout << ", its CPU " << gatewayCpuUs[name].back() << " us/req";
      }
      if (transcoding && result.requests > 0) {
        productsCpuUs[name].push_back((cpuSeconds(products.adminPort()) - productsBefore) * 1e6 / result.requests);
        std::cout << ", products CPU " << productsCpuUs[name].back() << " us/req";
      }
      std::cout << "\n" << std::flush;
    }
  }

  auto channel = rpc::makeChannel("127.0.0.1:" + std::to_string(productsGrpc), {.instrument = false});
  grpc::GenericStub stub(channel);
  products::v1::GetProductRequest getProduct;
  getProduct.set_id(productId);
  const std::string requestBytes = getProduct.SerializeAsString();

  // For context: the products service alone, straight over gRPC, 64 calls in flight (what
  // transcoding through any gateway stays below on this machine), after the wrk rounds.
  std::vector<double> directRps;
  std::vector<double> directProductsCpuUs;
  for (int round = 0; transcodingPart && round < kRounds; ++round) {
    const double productsBefore = cpuSeconds(products.adminPort());
    const ClosedLoopResult result = grpcClosedLoop(stub, requestBytes, 64, std::chrono::seconds(4));
    if (result.failures > 0) std::cerr << "warning: " << result.failures << " failed direct gRPC calls\n";
    directRps.push_back(result.callsPerSecond);
    if (result.calls > 0) {
      directProductsCpuUs.push_back((cpuSeconds(products.adminPort()) - productsBefore) * 1e6 / result.calls);
    }
    std::cout << "  round " << round + 1 << "  products straight over gRPC c64: " << result.callsPerSecond
              << " calls/s, products CPU " << (directProductsCpuUs.empty() ? 0 : directProductsCpuUs.back())
              << " us/call\n"
              << std::flush;
  }

  // Half load: half of the transcoding route's throughput, open loop, same rate for both sides.
  double halfRate = std::max(50.0, median(rps["gateway transcoding c64"]) / 2);
  // For analysis: the latency comparison at another rate (does the gap grow with load?).
  if (const char* rate = std::getenv("FLEETDECK_BENCH_GATEWAY_LATENCY_RATE"); rate != nullptr && *rate != 0) {
    halfRate = std::clamp(std::atof(rate), 10.0, 100'000.0);
    std::cout << "  latency rate set by FLEETDECK_BENCH_GATEWAY_LATENCY_RATE: " << halfRate << " req/s\n";
  }
  http::AsyncHttpClient driver;
  http::GrpcClient gatewaysClient;
  std::vector<double> nghttp2P50;
  std::vector<double> restP50;
  std::vector<double> grpcP50;
  // For context, at the same rate: the same driver through the gateway's pass-through route, and
  // straight to that route's nginx upstream (what the HTTP side alone costs in latency).
  std::vector<double> passP50;
  std::vector<double> nginxPassP50;
  std::vector<double> upstreamP50;
  const auto restP50At = [&](uint16_t port, const std::string& target) {
    return openLoopP50(halfRate, std::chrono::seconds(3), [&, port](std::function<void(bool)> done) {
      http::ClientRequest request;
      request.target = target;
      request.headers.add("Authorization", "Bearer " + token);
      driver.request("127.0.0.1", port, std::move(request), std::chrono::seconds(5),
                     [done](Result<http::HttpResponse> response) { done(response.isOk() && response->status == 200); });
    });
  };
  // For analysis, where a REST call's time goes (means over its half-load run): the gateway's own
  // measure of the request, its call to products, and products' own measure of that call.
  struct RestLegs {
    HistogramTotals gatewayRequest, gatewayCall, productsCall;
  };
  const auto restLegs = [&] {
    return RestLegs{
        histogramTotals(gateway.adminPort(), "http_request_duration_seconds", {"products/{id}", "method=\"GET\""}),
        histogramTotals(gateway.adminPort(), "grpc_client_handling_seconds", {"grpc_method=\"GetProduct\""}),
        histogramTotals(products.adminPort(), "grpc_server_handling_seconds", {"grpc_method=\"GetProduct\""})};
  };
  for (int round = 0; transcodingPart && round < kRounds; ++round) {
    const auto rest = [&] {
      const RestLegs before = restLegs();
      const double p50 = restP50At(gatewayPort, "/api/v1/products/" + productId);
      const RestLegs after = restLegs();
      std::cout << "  round " << round + 1 << "  REST at half load, mean us: gateway request "
                << meanMicros(before.gatewayRequest, after.gatewayRequest) << ", its call to products "
                << meanMicros(before.gatewayCall, after.gatewayCall) << ", products' handling "
                << meanMicros(before.productsCall, after.productsCall) << "\n";
      return p50;
    };
    const auto direct = [&] {
      return openLoopP50(halfRate, std::chrono::seconds(3), [&](std::function<void(bool)> done) {
        struct Call {
          grpc::ClientContext context;
          grpc::ByteBuffer request;
          grpc::ByteBuffer response;
        };
        auto call = std::make_shared<Call>();
        call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
        grpc::Slice slice(requestBytes);
        call->request = grpc::ByteBuffer(&slice, 1);
        stub.UnaryCall(&call->context, "/fleetdeck.products.v1.ProductsService/GetProduct", grpc::StubOptions(),
                       &call->request, &call->response, [call, done](grpc::Status status) { done(status.ok()); });
      });
    };
    // For analysis: the same call straight to products through the gateway's own HTTP/2 client (its own
    // thread here): does the gateway's leg to products cost more than gRPC's client's?
    const auto directByGatewaysClient = [&] {
      return openLoopP50(halfRate, std::chrono::seconds(3), [&](std::function<void(bool)> done) {
        http::GrpcRequest call;
        call.path = "/fleetdeck.products.v1.ProductsService/GetProduct";
        call.message = requestBytes;
        call.timeout = std::chrono::seconds(5);
        gatewaysClient.call("127.0.0.1:" + std::to_string(productsGrpc), std::move(call),
                            [done](http::GrpcReply reply) { done(reply.status.isOk()); });
      });
    };
    if (round % 2 == 0) {
      restP50.push_back(rest());
      grpcP50.push_back(direct());
    } else {
      grpcP50.push_back(direct());
      restP50.push_back(rest());
    }
    nghttp2P50.push_back(directByGatewaysClient());
    passP50.push_back(restP50At(gatewayPort, passPath));
    nginxPassP50.push_back(restP50At(nginxPort, passPath));
    upstreamP50.push_back(restP50At(upstreamPort, passPath));
    std::cout << "  round " << round + 1 << "  half load " << halfRate << " req/s: REST p50 " << restP50.back()
              << " ms, direct gRPC p50 " << grpcP50.back() << " ms; for context: pass-through p50 " << passP50.back()
              << " ms, nginx proxy_pass p50 " << nginxPassP50.back() << " ms, their upstream straight "
              << upstreamP50.back() << " ms, products straight through the gateway's HTTP/2 client "
              << nghttp2P50.back() << " ms\n"
              << std::flush;
  }

  std::cout << "\nGateway benchmark (medians of " << kRounds << " alternating rounds of " << kDuration
            << ", wrk -t1, one worker/thread each)\n";
  for (const auto& [name, values] : rps) {
    if (values.empty()) continue;  // a part FLEETDECK_BENCH_GATEWAY_ONLY left out
    std::cout << "  " << name << ": " << median(values) << " req/s, p99 " << median(p99[name]) << " ms";
    if (gatewayCpuUs.contains(name)) {
      std::cout << (name.starts_with("gateway") ? ", gateway CPU " : ", its CPU ") << median(gatewayCpuUs[name])
                << " us/req";
    }
    if (productsCpuUs.contains(name)) std::cout << ", products CPU " << median(productsCpuUs[name]) << " us/req";
    std::cout << "\n";
  }
  const double gatewayRps = median(rps["gateway pass-through c64"]);
  const double nginxRps = median(rps["nginx proxy_pass c64"]);
  const double haproxyRps = median(rps["haproxy c64"]);
  const bool nginxBetter = nginxRps >= haproxyRps;
  const std::string reference = nginxBetter ? "nginx proxy_pass c64" : "haproxy c64";
  const double referenceRps = std::max(nginxRps, haproxyRps);
  std::cout << "  gateway config: shipped gateway.toml (auth + metrics on, tracing capped at its "
               "max_new_traces_per_second), rate limits and access log off\n";
  if (proxyPart) {
    std::cout << "  better reference: " << reference << "\n";
    std::cout << "  pass-through vs reference: " << gatewayRps / referenceRps << "x req/s (goal >= 1.0), p99 "
              << median(p99["gateway pass-through c64"]) / median(p99[reference]) << "x (goal <= 1.2)\n";
    std::cout << "  pass-through 256 vs 64 connections: " << median(rps["gateway pass-through c256"]) / gatewayRps
              << "x (goal >= 0.9; HAProxy's own on this machine, for context: "
              << median(rps["haproxy c256"]) / haproxyRps << "x)\n";
  }
  if (transcodingPart) {
    std::cout << "  transcoding vs pass-through: " << median(rps["gateway transcoding c64"]) / gatewayRps
              << "x req/s (goal >= 0.6)\n";
    std::cout << "    for context: products straight over gRPC (no gateway, 64 calls in flight from one client): "
              << median(directRps) << " calls/s = " << median(directRps) / gatewayRps
              << "x the pass-through, products CPU " << median(directProductsCpuUs)
              << " us/call; transcoding reaches " << median(rps["gateway transcoding c64"]) / median(directRps)
              << "x of it\n";
    std::cout << "  transcoding p50 at half load (" << halfRate << " req/s) vs direct gRPC: " << median(restP50)
              << " ms vs " << median(grpcP50) << " ms = " << median(restP50) / median(grpcP50) << "x (goal <= 1.3)\n";
    std::cout << "    same rate, for context: pass-through p50 " << median(passP50) << " ms, nginx proxy_pass p50 "
              << median(nginxPassP50) << " ms, their nginx upstream straight " << median(upstreamP50) << " ms\n";
  }

  return 0;
}

// Failures to start a reference throw, so run()'s scope stops what it already started.
int main() {
  try {
    return run();
  } catch (const std::exception& error) {
    std::cerr << error.what() << "\n";
    return 1;
  }
}
