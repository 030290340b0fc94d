// The floor under bench.footprint's idle RSS: this program links exactly what fleetdeck-users links
// (so the dynamic loader maps the same shared libraries) but runs none of its code. It prints its
// RSS at main (libraries loaded and relocated, static constructors run), then after starting the
// fleet's gRPC server with no service of its own (health and reflection on, as every service) and
// idling. Whatever users shows above the second figure is its own. Asserts nothing.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "fleetdeck/rpc/server.h"

namespace {

struct Footprint {
  double rssMiB = 0, fileMiB = 0, anonMiB = 0;
  size_t libraries = 0;
};

Footprint now() {
  Footprint footprint;
  std::ifstream status("/proc/self/status");
  std::string line;
  auto mib = [&](const char* key) { return std::stod(line.substr(std::string(key).size())) / 1024.0; };
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) footprint.rssMiB = mib("VmRSS:");
    if (line.rfind("RssFile:", 0) == 0) footprint.fileMiB = mib("RssFile:");
    if (line.rfind("RssAnon:", 0) == 0) footprint.anonMiB = mib("RssAnon:");
  }
  std::ifstream maps("/proc/self/maps");
  std::set<std::string> libraries;
  while (std::getline(maps, line)) {
    const size_t path = line.find('/');
    if (path != std::string::npos && line.find(".so", path) != std::string::npos) libraries.insert(line.substr(path));
  }
  footprint.libraries = libraries.size();
  return footprint;
}

void print(const char* what, const Footprint& footprint) {
  std::printf("  %-44s RSS %5.1f MiB (file-backed %5.1f, anonymous %4.1f), %zu shared libraries\n", what,
              footprint.rssMiB, footprint.fileMiB, footprint.anonMiB, footprint.libraries);
}

}  // namespace

int main() {
  const Footprint atMain = now();
  fleetdeck::rpc::RpcServer server(fleetdeck::rpc::ServerOptions{});
  if (auto started = server.start(); !started.isOk()) {
    std::fprintf(stderr, "%s\n", started.toString().c_str());
    return 1;
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));  // idle, as bench.footprint measures
  const Footprint serving = now();
  server.shutdown(std::chrono::milliseconds(0));
  std::printf("Footprint floor: what users' shared libraries and an empty gRPC server cost before any service code\n");
  print("at main (users' libraries loaded)", atMain);
  print("+ gRPC server (health, reflection), idle 2 s", serving);
  std::printf("  compare with bench.footprint's users idle RSS; its budget is 20 MiB\n");
  return 0;
}
