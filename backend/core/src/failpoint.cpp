#include "fleetdeck/core/failpoint.h"

#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <set>
#include <string>

#include "fleetdeck/core/log.h"

namespace fleetdeck {
namespace {

struct Failpoints {
  std::mutex mutex;
  std::set<std::string, std::less<>> enabled;
  bool loaded = false;

  void load() {
    enabled.clear();
    const char* value = std::getenv("FLEETDECK_FAILPOINTS");
    std::string_view rest = value == nullptr ? "" : value;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      if (std::string_view name = rest.substr(0, comma); !name.empty()) enabled.emplace(name);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    loaded = true;
  }
};

Failpoints& failpoints() {
  static Failpoints instance;
  return instance;
}

}  // namespace

void reloadFailpoints() {
  std::lock_guard lock(failpoints().mutex);
  failpoints().load();
}

void failpoint(std::string_view name) {
  auto& points = failpoints();
  {
    std::lock_guard lock(points.mutex);
    if (!points.loaded) points.load();
    if (points.enabled.empty() || !points.enabled.contains(name)) return;
  }
  log::warn("failpoint hit: exiting", {{"failpoint", name}});
  log::flush();
  _exit(kFailpointExitCode);
}

}  // namespace fleetdeck
