#include "fleetdeck/core/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>
#include <sstream>
#include <toml++/toml.h>

extern char** environ;  // NOLINT: POSIX

namespace fleetdeck {
namespace {

constexpr std::string_view kEnvironmentPrefix = "FLEETDECK_";

std::string typeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: return "string";
    case toml::node_type::integer: return "integer";
    case toml::node_type::floating_point: return "float";
    case toml::node_type::boolean: return "boolean";
    case toml::node_type::array: return "array";
    case toml::node_type::table: return "table";
    default: return "date/time";
  }
}

std::optional<std::chrono::milliseconds> parseDuration(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0) return std::nullopt;
  int64_t amount = 0;
  if (std::from_chars(text.data(), text.data() + digits, amount).ec != std::errc{}) return std::nullopt;
  const std::string_view unit = text.substr(digits);
  if (unit.empty()) return amount == 0 ? std::optional(std::chrono::milliseconds(0)) : std::nullopt;
  int64_t perUnit = 0;
  if (unit == "ms") perUnit = 1;
  if (unit == "s") perUnit = 1000;
  if (unit == "m") perUnit = 60'000;
  if (unit == "h") perUnit = 3'600'000;
  int64_t millis = 0;
  if (perUnit == 0 || __builtin_mul_overflow(amount, perUnit, &millis)) return std::nullopt;
  return std::chrono::milliseconds(millis);
}

}  // namespace

EnvironmentMap processEnvironment() {
  EnvironmentMap result;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    if (!text.starts_with(kEnvironmentPrefix)) continue;
    const size_t equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    result.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  return result;
}

std::string environmentNameForKey(std::string_view key) {
  std::string name(kEnvironmentPrefix);
  for (char c : key) {
    if (c == '.') {
      name += "__";
    } else {
      name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  return name;
}

struct Config::Impl {
  toml::table table;
  std::string source;
  EnvironmentMap environment;
  std::set<std::string, std::less<>> readKeys;
  std::set<std::string, std::less<>> dataSections;
  std::vector<std::string> errors;

  const toml::node* find(std::string_view key) const { return table.at_path(key).node(); }

  // The environment override for a key, if any.
  const std::string* fromEnvironment(std::string_view key) const {
    auto found = environment.find(environmentNameForKey(key));
    return found == environment.end() ? nullptr : &found->second;
  }

  void wrongType(std::string_view key, const toml::node& node, std::string_view expected) {
    errors.push_back(source + ": key '" + std::string(key) + "': expected " + std::string(expected) + ", got " +
                     typeName(node));
  }
  void badEnvironment(std::string_view key, const std::string& value, std::string_view expected) {
    errors.push_back("environment " + environmentNameForKey(key) + "='" + value + "' (key '" + std::string(key) +
                     "'): expected " + std::string(expected));
  }
  void outOfRange(std::string_view origin, std::string_view key, std::string_view range) {
    errors.push_back(std::string(origin) + ": key '" + std::string(key) + "': expected " + std::string(range));
  }

  void collectUnknown(const toml::table& node, const std::string& prefix, std::vector<std::string>& unknown) const {
    for (const auto& [name, child] : node) {
      const std::string path = prefix.empty() ? std::string(name.str()) : prefix + "." + std::string(name.str());
      if (dataSections.contains(path)) continue;
      if (const auto* childTable = child.as_table()) {
        collectUnknown(*childTable, path, unknown);
      } else if (!readKeys.contains(path)) {
        unknown.push_back(path);
      }
    }
  }
};

Config::Config(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Config::Config(Config&&) noexcept = default;
Config& Config::operator=(Config&&) noexcept = default;
Config::~Config() = default;

Result<Config> Config::loadFile(const std::filesystem::path& file, EnvironmentMap environment) {
  if (file.empty()) return parse("", "(no config file)", std::move(environment));
  std::error_code error;
  if (!std::filesystem::is_regular_file(file, error)) {
    return invalidArgument("config file " + file.string() + " does not exist or is not a regular file");
  }
  auto impl = std::make_unique<Impl>();
  impl->source = file.string();
  impl->environment = std::move(environment);
  try {
    impl->table = toml::parse_file(file.string());
  } catch (const toml::parse_error& parseError) {
    std::ostringstream message;
    message << file.string() << ":" << parseError.source().begin.line << ":" << parseError.source().begin.column
            << ": " << parseError.description();
    return invalidArgument(message.str());
  }
  return Config(std::move(impl));
}

Result<Config> Config::parse(std::string_view toml, std::string sourceName, EnvironmentMap environment) {
  auto impl = std::make_unique<Impl>();
  impl->source = std::move(sourceName);
  impl->environment = std::move(environment);
  try {
    impl->table = toml::parse(toml, impl->source);
  } catch (const toml::parse_error& parseError) {
    std::ostringstream message;
    message << impl->source << ":" << parseError.source().begin.line << ":" << parseError.source().begin.column
            << ": " << parseError.description();
    return invalidArgument(message.str());
  }
  return Config(std::move(impl));
}

std::string Config::getString(std::string_view key, std::string defaultValue) {
  impl_->readKeys.emplace(key);
  if (const auto* value = impl_->fromEnvironment(key)) return *value;
  const toml::node* node = impl_->find(key);
  if (node == nullptr) return defaultValue;
  if (const auto* text = node->as_string()) return text->get();
  impl_->wrongType(key, *node, "string");
  return defaultValue;
}

std::string Config::requireString(std::string_view key) {
  std::string value = getString(key, "");
  if (value.empty()) {
    impl_->errors.push_back(impl_->source + ": key '" + std::string(key) + "' is required (or set " +
                            environmentNameForKey(key) + ")");
  }
  return value;
}

int64_t Config::getInt(std::string_view key, int64_t defaultValue, int64_t min, int64_t max) {
  impl_->readKeys.emplace(key);
  int64_t value = defaultValue;
  std::string origin = impl_->source;
  if (const auto* text = impl_->fromEnvironment(key)) {
    origin = "environment " + environmentNameForKey(key);
    const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (error != std::errc{} || end != text->data() + text->size()) {
      impl_->badEnvironment(key, *text, "integer");
      return defaultValue;
    }
  } else if (const toml::node* node = impl_->find(key)) {
    if (const auto* integer = node->as_integer()) {
      value = integer->get();
    } else {
      impl_->wrongType(key, *node, "integer");
      return defaultValue;
    }
  } else {
    return defaultValue;
  }
  if (value < min || value > max) {
    impl_->outOfRange(origin, key, "integer in [" + std::to_string(min) + ", " + std::to_string(max) + "], got " +
                                       std::to_string(value));
    return defaultValue;
  }
  return value;
}

double Config::getDouble(std::string_view key, double defaultValue, double min, double max) {
  impl_->readKeys.emplace(key);
  double value = defaultValue;
  std::string origin = impl_->source;
  if (const auto* text = impl_->fromEnvironment(key)) {
    origin = "environment " + environmentNameForKey(key);
    char* end = nullptr;
    value = std::strtod(text->c_str(), &end);
    if (text->empty() || end != text->c_str() + text->size()) {
      impl_->badEnvironment(key, *text, "number");
      return defaultValue;
    }
  } else if (const toml::node* node = impl_->find(key)) {
    if (const auto* floating = node->as_floating_point()) {
      value = floating->get();
    } else if (const auto* integer = node->as_integer()) {
      value = static_cast<double>(integer->get());
    } else {
      impl_->wrongType(key, *node, "number");
      return defaultValue;
    }
  } else {
    return defaultValue;
  }
  if (!(value >= min && value <= max)) {  // NaN too
    impl_->outOfRange(origin, key, "number in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
    return defaultValue;
  }
  return value;
}

bool Config::getBool(std::string_view key, bool defaultValue) {
  impl_->readKeys.emplace(key);
  if (const auto* text = impl_->fromEnvironment(key)) {
    if (*text == "true" || *text == "1") return true;
    if (*text == "false" || *text == "0") return false;
    impl_->badEnvironment(key, *text, "boolean (true/false)");
    return defaultValue;
  }
  const toml::node* node = impl_->find(key);
  if (node == nullptr) return defaultValue;
  if (const auto* boolean = node->as_boolean()) return boolean->get();
  impl_->wrongType(key, *node, "boolean");
  return defaultValue;
}

namespace {
// A duration as a config file would write it, in the largest unit it is a whole number of ("87840h",
// not "316224000000ms").
std::string durationText(std::chrono::milliseconds value) {
  const int64_t ms = value.count();
  if (ms == 0) return "0s";
  for (const auto& [unit, size] : {std::pair{"h", int64_t{3'600'000}}, {"m", int64_t{60'000}}, {"s", int64_t{1'000}}}) {
    if (ms % size == 0) return std::to_string(ms / size) + unit;
  }
  return std::to_string(ms) + "ms";
}
}  // namespace

std::chrono::milliseconds Config::getDuration(std::string_view key, std::chrono::milliseconds defaultValue,
                                              std::chrono::milliseconds min, std::chrono::milliseconds max) {
  impl_->readKeys.emplace(key);
  constexpr std::string_view kExpected = "duration with its unit such as \"250ms\", \"5s\", \"2m\"";
  std::chrono::milliseconds value = defaultValue;
  std::string origin = impl_->source;
  if (const auto* text = impl_->fromEnvironment(key)) {
    origin = "environment " + environmentNameForKey(key);
    auto parsed = parseDuration(*text);
    if (!parsed) {
      impl_->badEnvironment(key, *text, kExpected);
      return defaultValue;
    }
    value = *parsed;
  } else if (const toml::node* node = impl_->find(key)) {
    const auto* integer = node->as_integer();
    const auto* text = node->as_string();
    std::optional<std::chrono::milliseconds> parsed;
    if (integer != nullptr && integer->get() == 0) parsed = std::chrono::milliseconds(0);
    if (text != nullptr) parsed = parseDuration(text->get());
    if (!parsed) {
      impl_->wrongType(key, *node, kExpected);
      return defaultValue;
    }
    value = *parsed;
  } else {
    return defaultValue;
  }
  if (value < min || value > max) {
    impl_->outOfRange(origin, key,
                      "duration in [" + durationText(min) + ", " + durationText(max) + "], got " + durationText(value));
    return defaultValue;
  }
  return value;
}

std::vector<std::string> Config::getStringList(std::string_view key, std::vector<std::string> defaultValue) {
  impl_->readKeys.emplace(key);
  if (const auto* text = impl_->fromEnvironment(key)) {
    std::vector<std::string> items;
    std::string_view rest(*text);
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      if (!item.empty()) items.emplace_back(item);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    return items;
  }
  const toml::node* node = impl_->find(key);
  if (node == nullptr) return defaultValue;
  const auto* array = node->as_array();
  if (array == nullptr) {
    impl_->wrongType(key, *node, "array of strings");
    return defaultValue;
  }
  std::vector<std::string> items;
  for (const auto& element : *array) {
    if (const auto* text = element.as_string()) {
      items.push_back(text->get());
    } else {
      impl_->wrongType(key, element, "array of strings");
      return defaultValue;
    }
  }
  return items;
}

std::map<std::string, std::string> Config::getStringTable(std::string_view section) {
  impl_->dataSections.emplace(section);
  std::map<std::string, std::string> result;
  if (const toml::node* node = impl_->find(section)) {
    if (const auto* table = node->as_table()) {
      for (const auto& [name, value] : *table) {
        if (const auto* text = value.as_string()) {
          result[std::string(name.str())] = text->get();
        } else {
          impl_->wrongType(std::string(section) + "." + std::string(name.str()), value, "string");
        }
      }
    } else {
      impl_->wrongType(section, *node, "table");
    }
  }
  // Environment entries add to or override the file: FLEETDECK_UPSTREAMS__USERS=host:port.
  const std::string prefix = environmentNameForKey(section) + "__";
  for (const auto& [name, value] : impl_->environment) {
    if (!name.starts_with(prefix)) continue;
    std::string key = name.substr(prefix.size());
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
    result[key] = value;
  }
  return result;
}

bool Config::has(std::string_view key) const {
  return impl_->fromEnvironment(key) != nullptr || impl_->find(key) != nullptr;
}

const std::string& Config::sourceName() const { return impl_->source; }

std::vector<std::string> Config::unreadEnvironment() const {
  std::set<std::string> known;
  for (const auto& key : impl_->readKeys) known.insert(environmentNameForKey(key));
  std::vector<std::string> unread;
  for (const auto& [name, value] : impl_->environment) {
    if (name.find("__") == std::string::npos || known.contains(name)) continue;
    const bool inDataSection = std::any_of(impl_->dataSections.begin(), impl_->dataSections.end(), [&](const auto& section) {
      return name.starts_with(environmentNameForKey(section) + "__");
    });
    if (!inDataSection) unread.push_back(name);
  }
  return unread;
}

Status Config::finish() const {
  std::vector<std::string> problems = impl_->errors;
  std::vector<std::string> unknown;
  impl_->collectUnknown(impl_->table, "", unknown);
  for (const auto& key : unknown) problems.push_back(impl_->source + ": unknown key '" + key + "'");
  if (problems.empty()) return Status::ok();
  std::string message = "invalid configuration:";
  std::vector<FieldViolation> violations;
  for (const auto& problem : problems) {
    message += "\n  " + problem;
    violations.push_back({"config", problem});
  }
  return invalidArgument(std::move(message), std::move(violations));
}

}  // namespace fleetdeck
