#include "fleetdeck/http/message.h"

#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/http_status.h"
#include "fleetdeck/core/json.h"

namespace fleetdeck::http {

// ASCII only, as HTTP field names are: std::tolower is a library call per character, and header
// lookups run this for every field of every request.
bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
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
