// The single translation unit that compiles Boost.JSON (header-only mode).
#include <boost/json/src.hpp>

#include "fleetdeck/core/json.h"

namespace fleetdeck::json {

std::optional<boost::json::value> parse(std::string_view text, std::string* error) {
  boost::json::stream_parser parser;
  boost::system::error_code code;
  // write, not write_some: it refuses bytes after the value (extra_data) instead of ignoring them.
  const size_t consumed = parser.write(text.data(), text.size(), code);
  if (!code) parser.finish(code);
  if (code) {
    if (error != nullptr) *error = code.message() + " at byte " + std::to_string(consumed);
    return std::nullopt;
  }
  return parser.release();
}

std::string stringOr(const boost::json::object& object, std::string_view key, std::string fallback) {
  if (const auto* value = object.if_contains(key)) {
    if (const auto* text = value->if_string()) return std::string(text->c_str(), text->size());
  }
  return fallback;
}

}  // namespace fleetdeck::json
