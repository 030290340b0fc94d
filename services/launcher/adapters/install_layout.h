// Where the launcher finds the fleet's executables, config files and resources (Prometheus rules and
// scrape template, demo data), so the same program works from a build tree and from an installation.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace fleetdeck::launcher {

struct InstallLayout {
  std::filesystem::path binaries;             // folder searched for fleetdeck-<service> (see findExecutable)
  std::string configPattern;                  // "<dir>/{name}.toml"; unused for a service whose file is missing
  std::filesystem::path prometheusResources;  // prometheus.yml.template and rules/*.rules.yml
  std::filesystem::path demoDirectory;        // people.json, catalog.json
  // Where each of the above came from ("FLEETDECK_BIN_DIR", "installed", "build tree", "default"),
  // in the order binaries, config, Prometheus resources, demo data: `fleetdeck-launcher paths` prints them.
  std::vector<std::string> origins;
};

// Reads an environment variable; empty or null when it is unset (injected so tests need no setenv).
using EnvironmentReader = std::function<const char*(const char*)>;

// Lookup order, for each of binaries, config and resources:
//   1. an environment override: FLEETDECK_BIN_DIR, FLEETDECK_CONFIG_DIR, FLEETDECK_SHARE_DIR (a folder
//      holding prometheus/ and demo/, like /usr/share/fleetdeck or the source tree's resources/);
//   2. next to the launcher: <prefix>/bin/fleetdeck-launcher finds <prefix>/share/fleetdeck and
//      <prefix>/etc/fleetdeck, or /etc/fleetdeck when <prefix> is /usr (a .deb's layout);
//   3. the build tree: a launcher whose folder holds CMakeFiles/ uses `sourceDirectory`'s
//      services/<name>/config and resources/;
//   4. the Debian package's paths, /etc/fleetdeck and /usr/share/fleetdeck, so errors name them.
// Command-line options (--bin-dir, --config-dir, --demo-dir) override the result afterwards.
InstallLayout locateInstallLayout(const std::filesystem::path& launcherDirectory,
                                  const std::filesystem::path& sourceDirectory, const EnvironmentReader& environment);

}  // namespace fleetdeck::launcher
