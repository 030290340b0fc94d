// Names threads, so `top -H`, `perf`, /proc/<pid>/task/*/comm and debuggers tell a process's
// threads apart (a saga runner from a work-pool thread, say).
#pragma once

#include <string>
#include <string_view>
#include <thread>
#include <utility>

namespace fleetdeck {

// Names the calling thread. Linux keeps the first 15 bytes; longer names are cut there. Threads the
// named thread starts later (a library's, say) inherit the name. Failures are ignored: a name is a
// diagnostic, never a reason to stop.
void setThreadName(std::string_view name);

// A thread that names itself `name`, then runs `body`.
template <typename Body>
std::thread namedThread(std::string name, Body body) {
  return std::thread([name = std::move(name), body = std::move(body)]() mutable {
    setThreadName(name);
    body();
  });
}

}  // namespace fleetdeck
