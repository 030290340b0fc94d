// Private to fleetdeck::http: reading field values — trimming optional whitespace (RFC 9110 OWS) and
// walking comma-separated lists — shared by the message parser and Accept-Encoding negotiation.
#pragma once

#include <string_view>

namespace fleetdeck::http::detail {

inline std::string_view trimOptionalWhitespace(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Calls `each` with every element of a comma-separated field value, trimmed; empty ones skipped.
template <typename Each>
void forEachListElement(std::string_view list, Each&& each) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const std::string_view element = trimOptionalWhitespace(list.substr(0, comma));
    if (!element.empty()) each(element);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

}  // namespace fleetdeck::http::detail
