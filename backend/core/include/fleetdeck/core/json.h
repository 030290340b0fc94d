// Boost.JSON for the fleet's own JSON (logs, errors, admin payloads); compiled once in fleetdeck::core.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace fleetdeck::json {

// Parses text; nullopt and a message naming the byte offset when it is not valid JSON.
std::optional<boost::json::value> parse(std::string_view text, std::string* error = nullptr);

// Reads a string member, or an empty string when absent or not a string.
std::string stringOr(const boost::json::object& object, std::string_view key, std::string fallback = {});

}  // namespace fleetdeck::json
