// fleetdeck_test_env: the CTest infra fixture. `start STATE` brings up a private PostgreSQL in a
// temporary folder and records it in STATE; `stop STATE` stops it and removes the folder.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "fleetdeck/testing/test_infra.h"

using namespace fleetdeck::testing;

namespace {

void stopFromState(const std::filesystem::path& stateFile) {
  std::ifstream in(stateFile);
  if (!in) return;
  std::stringstream content;
  content << in.rdbuf();
  in.close();
  stopInfra(infraFromJson(content.str()));
  std::filesystem::remove(stateFile);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || (std::string(argv[1]) != "start" && std::string(argv[1]) != "stop")) {
    std::cerr << "usage: fleetdeck_test_env start|stop STATE_FILE\n";
    return 2;
  }
  const std::filesystem::path stateFile = argv[2];
  // A state file left by an interrupted run: stop what it describes before starting afresh.
  stopFromState(stateFile);
  if (std::string(argv[1]) == "stop") return 0;
  const InfraInfo info = startInfra();
  std::filesystem::create_directories(stateFile.parent_path());
  std::ofstream(stateFile) << infraToJson(info);
  std::cout << "PostgreSQL on 127.0.0.1:" << info.postgresPort << ", NATS on 127.0.0.1:" << info.natsPort << " in "
            << info.root << "\n";
  return 0;
}
