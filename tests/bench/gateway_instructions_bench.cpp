// User-space instructions per proxied request: the gateway's pass-through route (the Prometheus proxy,
// auth on, its shipped gateway.toml with rate limits and the access log off, as bench.gateway runs it)
// against nginx proxy_pass, each counted by valgrind's callgrind over the same requests; then the
// gateway's REST -> gRPC transcoding (GET /api/v1/products/{id}) and the products service's side of
// each call, both under callgrind. Prints the counts and their ratios; asserts nothing.
//
// Why beside bench.gateway: on a shared 2-core VM a proxy's CPU time per request moves by ±10 % from
// run to run, more than most changes to the gateway's own code move it. An instruction count does not
// move with the machine's load (two runs of one binary agree within 1 %), so a change to the request
// path can be judged by it alone. It counts user space only: the kernel's TCP work, three quarters of
// a pass-through's CPU, is left out — both proxies make the same system calls per request (two reads,
// two writes), so that part is the same on both sides and the user-space part is where they differ.
//
// Each proxy runs under callgrind (one worker, upstream keep-alive), is warmed up, has its counters
// zeroed, serves kRequests requests over kConnections keep-alive connections in lock step, and has its
// counters dumped; the dump's summary line divided by the requests is the figure. Needs valgrind
// (`./fleetdeck setup` installs it); without it the bench says so and exits non-zero. The transcoding
// part needs the test infrastructure (PostgreSQL, Redis) for products; tracing is off in it (a gateway
// slowed fifty-fold would otherwise have its per-second sampling cap trace a larger share).
// FLEETDECK_BENCH_KEEP_DUMPS=1 keeps the dumps (gateway.PID.1 the pass-through, .2 the transcoding;
// products.PID.1; nginx.PID.1) and prints where, for callgrind_annotate.
#include <stdlib.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <future>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.h"
#include "fleetdeck/http/async_client.h"
#include "fleetdeck/testing/test_infra.h"

using namespace fleetdeck;
namespace fs = std::filesystem;

namespace {

constexpr int kRequests = 3000;
constexpr int kWarmUpRequests = 200;
constexpr int kConnections = 8;
constexpr const char* kValgrind = "/usr/bin/valgrind";
constexpr const char* kCallgrindControl = "/usr/bin/callgrind_control";

// `count` GET requests, kConnections at a time (each round waits for all its answers). Throws on a
// failed or non-200 answer: a count over errors would measure the error path.
void drive(uint16_t port, const std::string& target, const std::string& token, int count) {
  http::AsyncHttpClient client;
  for (int sent = 0; sent < count;) {
    const int round = std::min(kConnections, count - sent);
    std::vector<std::promise<Result<http::HttpResponse>>> answers(static_cast<size_t>(round));
    for (auto& answer : answers) {
      http::ClientRequest request;
      request.target = target;
      request.headers.add("Authorization", "Bearer " + token);
      client.request("127.0.0.1", port, std::move(request), std::chrono::seconds(30),
                     [&answer](Result<http::HttpResponse> response) { answer.set_value(std::move(response)); });
    }
    for (auto& answer : answers) {
      auto response = answer.get_future().get();
      if (!response) throw std::runtime_error("request failed: " + response.status().toString());
      if (response->status != 200) {
        throw std::runtime_error("answer " + std::to_string(response->status) + ": " + response->body);
      }
    }
    sent += round;
  }
}

void callgrindControl(const std::string& option, int pid) {
  const std::string command = std::string(kCallgrindControl) + " " + option + " " + std::to_string(pid) + " >/dev/null 2>&1";
  if (std::system(command.c_str()) != 0) throw std::runtime_error(command + " failed");
}

// The instructions counted since the last zeroing: the "summary:" line of dump number `dump` of `pid`
// (callgrind numbers a process's dumps from 1).
uint64_t dumpedInstructions(const fs::path& directory, const std::string& name, int pid, int dump) {
  const fs::path path = directory / (name + "." + std::to_string(pid) + "." + std::to_string(dump));
  for (int attempt = 0; attempt < 100 && !fs::exists(path); ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("summary: ")) return std::stoull(line.substr(9));
  }
  throw std::runtime_error("no summary line in " + path.string());
}

struct Counted {
  std::string name;  // the callgrind output's prefix
  int pid = 0;
  int* dumps = nullptr;  // how many dumps the process has written so far
};

// Zero, drive, dump: instructions per request of each process (under callgrind) the requests pass.
std::vector<double> instructionsPerRequest(const fs::path& directory, const std::vector<Counted>& processes,
                                           uint16_t port, const std::string& target, const std::string& token) {
  drive(port, target, token, kWarmUpRequests);
  for (const auto& process : processes) callgrindControl("--zero", process.pid);
  drive(port, target, token, kRequests);
  std::vector<double> counts;
  for (const auto& process : processes) {
    callgrindControl("--dump", process.pid);
    const int dump = ++*process.dumps;
    counts.push_back(static_cast<double>(dumpedInstructions(directory, process.name, process.pid, dump)) / kRequests);
  }
  return counts;
}

std::vector<std::string> underCallgrind(const fs::path& directory, const std::string& name,
                                        std::vector<std::string> command) {
  std::vector<std::string> arguments = {"--tool=callgrind", "--callgrind-out-file=" + (directory / (name + ".%p")).string()};
  arguments.insert(arguments.end(), command.begin(), command.end());
  return arguments;
}

}  // namespace

int run() {
  if (!fs::exists(kValgrind) || !fs::exists(kCallgrindControl)) {
    std::cerr << "valgrind is not installed (./fleetdeck setup installs it): nothing measured\n";
    return 1;
  }
  // The pass-through needs no database or NATS (the route proxies to nginx); products needs PostgreSQL
  // and Redis from the test infrastructure.
  std::string pattern = (fs::temp_directory_path() / "fleetdeck-bench-instructions-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create a temporary directory");
  const fs::path root = pattern;
  std::vector<launcher::ChildProcess> processes;
  const bench::StopOnExit stopOnExit{processes};

  // The upstream both proxies forward to: nginx answering bench.gateway's fixed JSON body.
  const uint16_t upstreamPort = testing::freePort();
  const uint16_t nginxPort = testing::freePort();
  const std::string body = R"({"status":"success","data":{"resultType":"vector","result":[]}})";
  std::ofstream(root / "upstream.conf") << bench::nginxUpstreamConfig(root, upstreamPort, body);
  std::ofstream(root / "nginx-proxy.conf") << bench::nginxProxyConfig(root, nginxPort, upstreamPort, /*oneProcess=*/true);
  launcher::ProcessSpec upstream;
  upstream.executable = "/usr/sbin/nginx";
  upstream.arguments = {"-c", (root / "upstream.conf").string(), "-p", root.string(), "-e", "stderr"};
  upstream.logFile = root / "upstream.log";
  processes.push_back(bench::spawnOrDie(upstream, "nginx upstream"));

  launcher::ProcessSpec nginx;
  nginx.executable = kValgrind;
  nginx.arguments = underCallgrind(root, "nginx", {"/usr/sbin/nginx", "-c", (root / "nginx-proxy.conf").string(), "-p",
                                                   root.string(), "-e", "stderr"});
  nginx.logFile = root / "nginx-proxy.log";
  processes.push_back(bench::spawnOrDie(nginx, "nginx proxy under callgrind"));
  const int nginxPid = processes.back().pid();

  // Products behind the gateway, under callgrind too, for the transcoding figures.
  const uint16_t productsGrpc = testing::freePort();
  const uint16_t productsAdmin = testing::freePort();
  launcher::ProcessSpec products;
  products.executable = kValgrind;
  products.arguments = underCallgrind(root, "products", {FLEETDECK_PRODUCTS_BINARY});
  products.environment = {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/products/config/products.toml"},
                          {"FLEETDECK_DATABASE__URL", testing::createTestDatabase("bench_instr_products")},
                          {"FLEETDECK_CACHE__URL", testing::redisUrl(12)},
                          {"FLEETDECK_GRPC__PORT", std::to_string(productsGrpc)},
                          {"FLEETDECK_ADMIN__PORT", std::to_string(productsAdmin)},
                          {"FLEETDECK_TRACING__SAMPLE_RATIO", "0"},
                          {"FLEETDECK_LOG__LEVEL", "warn"}};
  products.logFile = root / "products.log";
  products.workingDirectory = root;
  processes.push_back(bench::spawnOrDie(products, "products under callgrind"));
  const int productsPid = processes.back().pid();

  const uint16_t gatewayPort = testing::freePort();
  const std::string keyFile = (root / "keys" / "jwt-keys.json").string();
  launcher::ProcessSpec gateway;
  gateway.executable = kValgrind;
  gateway.arguments = underCallgrind(root, "gateway", {FLEETDECK_GATEWAY_BINARY});
  gateway.environment = {{"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/gateway/config/gateway.toml"},
                         {"FLEETDECK_HTTP__PORT", std::to_string(gatewayPort)},
                         {"FLEETDECK_HTTP__THREADS", "1"},
                         {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())},
                         {"FLEETDECK_AUTH__KEY_FILE", keyFile},
                         {"FLEETDECK_PROMETHEUS__URL", "http://127.0.0.1:" + std::to_string(upstreamPort)},
                         {"FLEETDECK_LIMITS__PER_ADDRESS_PER_SECOND", "0"},
                         {"FLEETDECK_LIMITS__PER_USER_PER_SECOND", "0"},
                         {"FLEETDECK_UPSTREAMS__PRODUCTS", "127.0.0.1:" + std::to_string(productsGrpc)},
                         {"FLEETDECK_TRACING__SAMPLE_RATIO", "0"},
                         {"FLEETDECK_GATEWAY__ACCESS_LOG", "false"},
                         {"FLEETDECK_LOG__LEVEL", "warn"}};
  gateway.logFile = root / "gateway.log";
  gateway.workingDirectory = root;
  processes.push_back(bench::spawnOrDie(gateway, "gateway under callgrind"));
  const int gatewayPid = processes.back().pid();

  // Under valgrind a process takes seconds to start listening.
  bench::waitForHttp(upstreamPort, "/", "nginx upstream");
  bench::waitForHttp(nginxPort, "/", "nginx proxy", std::chrono::seconds(60));
  bench::waitForHttp(gatewayPort, "/api/v1/health", "gateway", std::chrono::seconds(60));
  bench::waitForHttp(productsAdmin, "/readyz", "products", std::chrono::seconds(120));
  const std::string token = bench::adminToken(keyFile);
  const std::string target = "/api/v1/admin/metrics/query?query=up";

  int gatewayDumps = 0;
  int nginxDumps = 0;
  int productsDumps = 0;
  const double gatewayCount =
      instructionsPerRequest(root, {{"gateway", gatewayPid, &gatewayDumps}}, gatewayPort, target, token)[0];
  const double nginxCount = instructionsPerRequest(root, {{"nginx", nginxPid, &nginxDumps}}, nginxPort, target, token)[0];
  std::cout << "Gateway pass-through, user-space instructions per request (callgrind, " << kRequests
            << " requests over " << kConnections << " keep-alive connections, after " << kWarmUpRequests
            << " to warm up)\n"
            << "  gateway: " << static_cast<uint64_t>(gatewayCount) << "\n"
            << "  nginx proxy_pass: " << static_cast<uint64_t>(nginxCount) << "\n"
            << "  gateway vs nginx: " << gatewayCount / nginxCount
            << "x (user space only; the kernel's share, the same system calls on both sides, is not counted)\n"
            << std::flush;

  const std::string transcoded = "/api/v1/products/" + bench::createProduct(gatewayPort, token);
  const auto counts =
      instructionsPerRequest(root, {{"gateway", gatewayPid, &gatewayDumps}, {"products", productsPid, &productsDumps}},
                             gatewayPort, transcoded, token);
  std::cout << "Gateway transcoding (GET /api/v1/products/{id}, auth on, tracing off), user-space instructions per "
               "request, the same way\n"
            << "  gateway: " << static_cast<uint64_t>(counts[0]) << " (" << counts[0] / gatewayCount
            << "x its pass-through)\n"
            << "  products, per GetProduct served from its cache: " << static_cast<uint64_t>(counts[1]) << "\n"
            << std::flush;
  std::error_code ignored;
  for (auto& process : processes) (void)process.stop(std::chrono::seconds(10));
  processes.clear();
  if (const char* keep = std::getenv("FLEETDECK_BENCH_KEEP_DUMPS"); keep != nullptr && std::string_view(keep) == "1") {
    std::cout << "callgrind's dumps kept for callgrind_annotate in " << root.string() << "\n";
  } else {
    fs::remove_all(root, ignored);
  }
  return 0;
}

int main() {
  try {
    return run();
  } catch (const std::exception& error) {
    std::cerr << "bench.gateway_instructions: " << error.what() << "\n";
    return 1;
  }
}
