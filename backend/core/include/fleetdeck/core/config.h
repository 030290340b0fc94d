// Strict configuration: a TOML file plus FLEETDECK_<SECTION>__<KEY> environment overrides.
//
// Components read their keys through typed getters; every problem (wrong type, out of range,
// unknown key) is collected and reported by finish() naming the file (or variable), the key and
// the expected type, so a bad config stops start-up with one clear message instead of the first.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fleetdeck/core/status.h"

namespace fleetdeck {

// Environment variables, by name. processEnvironment() takes the real ones that start with FLEETDECK_.
using EnvironmentMap = std::map<std::string, std::string, std::less<>>;
EnvironmentMap processEnvironment();

// "database.pool_size" -> "FLEETDECK_DATABASE__POOL_SIZE"
std::string environmentNameForKey(std::string_view key);

class Config {
 public:
  // An empty path means "no file": only defaults and environment overrides apply.
  static Result<Config> loadFile(const std::filesystem::path& file, EnvironmentMap environment);
  static Result<Config> parse(std::string_view toml, std::string sourceName, EnvironmentMap environment);

  Config(Config&&) noexcept;
  Config& operator=(Config&&) noexcept;
  ~Config();

  // Keys are "section.key". The default applies when neither the file nor the environment sets it.
  std::string getString(std::string_view key, std::string defaultValue);
  // Like getString, but an unset or empty value is an error.
  std::string requireString(std::string_view key);
  int64_t getInt(std::string_view key, int64_t defaultValue, int64_t min = INT64_MIN, int64_t max = INT64_MAX);
  double getDouble(std::string_view key, double defaultValue, double min, double max);
  bool getBool(std::string_view key, bool defaultValue);
  // Accepts "250ms", "5s", "2m", "1h"; a number needs its unit ("900" could mean seconds to the
  // writer and was read as milliseconds), except 0. A value outside [min, max] is an error.
  std::chrono::milliseconds getDuration(std::string_view key, std::chrono::milliseconds defaultValue,
                                        std::chrono::milliseconds min = std::chrono::milliseconds(0),
                                        std::chrono::milliseconds max = std::chrono::hours(24 * 366 * 10));
  std::vector<std::string> getStringList(std::string_view key, std::vector<std::string> defaultValue);
  // All keys of a section whose names are data (e.g. [upstreams] users = "…"), as strings.
  std::map<std::string, std::string> getStringTable(std::string_view section);

  bool has(std::string_view key) const;
  const std::string& sourceName() const;

  // OK, or INVALID_ARGUMENT listing every error found so far plus keys in the file nobody read.
  Status finish() const;
  // FLEETDECK_<SECTION>__<KEY> variables that name no key read so far (a typo, or a setting for
  // another service in a shared environment file): worth a warning, not a refusal.
  std::vector<std::string> unreadEnvironment() const;

 private:
  struct Impl;
  explicit Config(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fleetdeck
