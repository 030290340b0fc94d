// Replacing a file whole or not at all: key files, the launcher's state file and its secrets.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string_view>

#include "fleetdeck/core/status.h"

namespace fleetdeck {

// Writes `content` to a new file beside `path`, created with `mode` (so a secret is never readable by
// others, not even for a moment), syncs it, and renames it over `path`. On any failure `path` is left
// as it was and the temporary file is removed: a full disk no longer renamed an empty file over the
// PostgreSQL password or the state file.
Status writeFileAtomically(const std::filesystem::path& path, std::string_view content, mode_t mode);

}  // namespace fleetdeck
