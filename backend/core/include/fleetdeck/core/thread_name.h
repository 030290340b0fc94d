// Names the calling thread, so `top -H`, `perf`, /proc/<pid>/task/*/comm and debuggers tell a
// process's threads apart (a saga runner from a work-pool thread, say).
#pragma once

#include <string_view>

namespace fleetdeck {

// Linux keeps the first 15 bytes; longer names are cut there. Threads the named thread starts later
// (a library's, say) inherit the name. Failures are ignored: a name is a diagnostic, never a reason
// to stop.
void setThreadName(std::string_view name);

}  // namespace fleetdeck
