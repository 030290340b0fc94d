#include "adapters/install_layout.h"

namespace fleetdeck::launcher {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPackageConfigDirectory = "/etc/fleetdeck";
constexpr const char* kPackageShareDirectory = "/usr/share/fleetdeck";

std::string environmentValue(const EnvironmentReader& environment, const char* name) {
  const char* value = environment ? environment(name) : nullptr;
  return value != nullptr ? std::string(value) : std::string();
}

bool isDirectory(const fs::path& path) {
  std::error_code error;
  return fs::is_directory(path, error);
}

// A share folder is usable when the file the launcher cannot start without is there.
bool holdsResources(const fs::path& share) {
  std::error_code error;
  return fs::is_regular_file(share / "prometheus" / "prometheus.yml.template", error);
}

}  // namespace

InstallLayout locateInstallLayout(const fs::path& launcherDirectory, const fs::path& sourceDirectory,
                                  const EnvironmentReader& environment) {
  InstallLayout layout;
  const fs::path prefix = launcherDirectory.parent_path();
  std::error_code error;
  const bool inBuildTree = !sourceDirectory.empty() && fs::exists(launcherDirectory / "CMakeFiles", error) &&
                           isDirectory(sourceDirectory / "services");

  // Executables: findExecutable looks next to this folder and in the build tree's layout.
  if (const std::string bin = environmentValue(environment, "FLEETDECK_BIN_DIR"); !bin.empty()) {
    layout.binaries = bin;
    layout.origins.push_back("FLEETDECK_BIN_DIR");
  } else {
    layout.binaries = launcherDirectory;
    layout.origins.push_back(inBuildTree ? "build tree" : "installed");
  }

  // Config files.
  std::vector<fs::path> installedConfig = {prefix / "etc" / "fleetdeck"};
  // GNU layout: a /usr prefix keeps its config in /etc (and a .deb unpacked under <root> in <root>/etc).
  if (prefix.filename() == "usr") installedConfig.push_back(prefix.parent_path() / "etc" / "fleetdeck");
  if (const std::string config = environmentValue(environment, "FLEETDECK_CONFIG_DIR"); !config.empty()) {
    layout.configPattern = (fs::path(config) / "{name}.toml").string();
    layout.origins.push_back("FLEETDECK_CONFIG_DIR");
  } else {
    for (const fs::path& candidate : installedConfig) {
      if (!inBuildTree && isDirectory(candidate)) {
        layout.configPattern = (candidate / "{name}.toml").string();
        layout.origins.push_back("installed");
        break;
      }
    }
    if (layout.configPattern.empty() && inBuildTree) {
      layout.configPattern = (sourceDirectory / "services" / "{name}" / "config" / "{name}.toml").string();
      layout.origins.push_back("build tree");
    }
    if (layout.configPattern.empty()) {
      layout.configPattern = (fs::path(kPackageConfigDirectory) / "{name}.toml").string();
      layout.origins.push_back("default");
    }
  }

  // Resources: the Prometheus template and rules, and the demo data, from one share folder.
  fs::path share;
  if (const std::string value = environmentValue(environment, "FLEETDECK_SHARE_DIR"); !value.empty()) {
    share = value;
    layout.origins.push_back("FLEETDECK_SHARE_DIR");
  } else if (!inBuildTree && holdsResources(prefix / "share" / "fleetdeck")) {
    share = prefix / "share" / "fleetdeck";
    layout.origins.push_back("installed");
  } else if (inBuildTree && holdsResources(sourceDirectory / "resources")) {
    share = sourceDirectory / "resources";
    layout.origins.push_back("build tree");
  } else {
    share = kPackageShareDirectory;
    layout.origins.push_back("default");
  }
  layout.prometheusResources = share / "prometheus";
  layout.demoDirectory = share / "demo";
  layout.origins.push_back(layout.origins.back());  // the demo data comes from the same share folder
  return layout;
}

}  // namespace fleetdeck::launcher
