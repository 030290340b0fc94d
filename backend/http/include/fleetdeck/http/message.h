// HTTP requests and responses as plain values, so handlers never see Boost.Beast types.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fleetdeck/core/status.h"

namespace fleetdeck::http {

// Header fields in arrival order; names compare case-insensitively.
class Headers {
 public:
  void add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }
  void reserve(size_t count) { fields_.reserve(count); }
  // Replaces every field of that name.
  void set(std::string_view name, std::string value);
  std::optional<std::string_view> get(std::string_view name) const;
  bool contains(std::string_view name) const { return get(name).has_value(); }
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

bool equalsIgnoreCase(std::string_view a, std::string_view b);

struct HttpRequest {
  std::string method;  // "GET"
  std::string target;  // "/api/v1/users?pageSize=2"
  std::string path;    // "/api/v1/users"
  std::string query;   // "pageSize=2"
  Headers headers;
  std::string body;
  std::string remoteAddress;
  // Filled by the router from the matched template.
  std::vector<std::pair<std::string, std::string>> pathParams;
  std::string routeTemplate;
  // W3C trace context of this request, filled by the first middleware that sees it: the trace id
  // echoed as X-Trace-Id, and the traceparent to send to the next hop.
  std::string traceId;
  std::string traceparent;

  std::optional<std::string_view> header(std::string_view name) const { return headers.get(name); }
  std::optional<std::string_view> pathParam(std::string_view name) const;
};

// Decoded query parameters ("a=1&b=x%20y"); nullopt on a malformed percent escape.
std::optional<std::vector<std::pair<std::string, std::string>>> parseQuery(std::string_view query);

struct HttpResponse {
  int status = 200;
  Headers headers;
  std::string body;

  static HttpResponse json(int status, std::string body);
  static HttpResponse text(int status, std::string body);
};

// The fleet's error body: {"error":{"code","message","details":[{"field","reason"}],"trace_id"}}, with
// "reason" last when `reason` is not empty: a stable UPPER_SNAKE_CASE name for why (as
// google.rpc.ErrorInfo.reason), for clients that must tell two answers with one code apart without
// reading the message. Without it the body is as it always was.
std::string errorBody(const Status& status, std::string_view traceId, std::string_view reason = {});
// errorBody with the HTTP status from httpStatusFor(); `conditionalRequest` as there.
HttpResponse errorResponse(const Status& status, std::string_view traceId, bool conditionalRequest = false,
                           std::string_view reason = {});

}  // namespace fleetdeck::http
