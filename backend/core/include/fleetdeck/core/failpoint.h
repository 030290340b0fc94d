// Failpoints: named places where a test can make the process die hard (_exit), to prove that
// recovery works from exactly there. Off unless FLEETDECK_FAILPOINTS names them (comma-separated),
// e.g. FLEETDECK_FAILPOINTS=saga.after_step_started; compiled into every build.
#pragma once

#include <string_view>

namespace fleetdeck {

// Exits the process with code kFailpointExitCode, without cleanup, when `name` is enabled.
void failpoint(std::string_view name);

inline constexpr int kFailpointExitCode = 86;

// Reads FLEETDECK_FAILPOINTS again (tests that change it at run time).
void reloadFailpoints();

}  // namespace fleetdeck
