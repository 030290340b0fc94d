#include "fleetdeck/http/message.h"

#include <cstdint>
#include <cstring>

#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/http_status.h"
#include "fleetdeck/core/json.h"

namespace fleetdeck::http {

// ASCII only, as HTTP field names are: std::tolower is a library call per character.
namespace {

// Eight bytes at once with 'A'..'Z' made lower case and every other byte kept: a field name is
// compared on every header lookup (15 per proxied request) and a byte at a time that was 4 % of the
// gateway's instructions.
std::uint64_t lowerCased(std::uint64_t bytes) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
  const std::uint64_t ascii = bytes & ~kHighBits;
  // Per byte, the high bit says whether it is >= 'A', then whether it is > 'Z' (no carry crosses a byte).
  const std::uint64_t atLeastA = ascii + (0x80 - 'A') * kOnes;
  const std::uint64_t aboveZ = ascii + (0x80 - 'Z' - 1) * kOnes;
  const std::uint64_t upper = (atLeastA & ~aboveZ) & ~bytes & kHighBits;
  return bytes | (upper >> 2);  // 0x80 >> 2 is the 0x20 between the cases
}

char lowerCased(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  size_t i = 0;
  for (; i + 8 <= a.size(); i += 8) {
    std::uint64_t left = 0;
    std::uint64_t right = 0;
    std::memcpy(&left, a.data() + i, 8);
    std::memcpy(&right, b.data() + i, 8);
    if (left != right && lowerCased(left) != lowerCased(right)) return false;
  }
  for (; i < a.size(); ++i) {
    if (a[i] != b[i] && lowerCased(a[i]) != lowerCased(b[i])) return false;
  }
  return true;
}

void Headers::set(std::string_view name, std::string value) {
  std::erase_if(fields_, [&](const auto& field) { return equalsIgnoreCase(field.first, name); });
  fields_.emplace_back(std::string(name), std::move(value));
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& [fieldName, value] : fields_) {
    if (equalsIgnoreCase(fieldName, name)) return std::string_view(value);
  }
  return std::nullopt;
}

std::optional<std::string_view> HttpRequest::pathParam(std::string_view name) const {
  for (const auto& [key, value] : pathParams) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

std::optional<std::vector<std::pair<std::string, std::string>>> parseQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> result;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t equals = pair.find('=');
    std::string rawKey(pair.substr(0, equals));
    std::string rawValue(equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1));
    // Forms encode spaces as '+'; a literal plus arrives as %2B.
    for (auto* part : {&rawKey, &rawValue}) {
      for (char& c : *part) {
        if (c == '+') c = ' ';
      }
    }
    auto key = percentDecode(rawKey);
    auto value = percentDecode(rawValue);
    if (!key || !value) return std::nullopt;
    result.emplace_back(std::move(*key), std::move(*value));
  }
  return result;
}

HttpResponse HttpResponse::json(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.headers.add("Content-Type", "application/json");
  response.body = std::move(body);
  return response;
}

HttpResponse HttpResponse::text(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.headers.add("Content-Type", "text/plain; charset=utf-8");
  response.body = std::move(body);
  return response;
}

std::string errorBody(const Status& status, std::string_view traceId, std::string_view reason) {
  boost::json::array details;
  for (const auto& violation : status.violations()) {
    details.push_back(boost::json::object{{"field", violation.field}, {"reason", violation.reason}});
  }
  boost::json::object error{
      {"code", statusCodeName(status.code())},
      {"message", status.message()},
      {"details", std::move(details)},
      {"trace_id", traceId},
  };
  if (!reason.empty()) error["reason"] = reason;
  return boost::json::serialize(boost::json::object{{"error", std::move(error)}});
}

HttpResponse errorResponse(const Status& status, std::string_view traceId, bool conditionalRequest,
                           std::string_view reason) {
  return HttpResponse::json(httpStatusFor(status.code(), conditionalRequest), errorBody(status, traceId, reason));
}

}  // namespace fleetdeck::http
