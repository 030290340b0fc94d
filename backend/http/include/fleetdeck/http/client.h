// A small blocking HTTP/1.1 client with a keep-alive connection: for tests, tools and health probes.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "fleetdeck/core/status.h"
#include "fleetdeck/http/message.h"

namespace fleetdeck::http {

class HttpClient {
 public:
  HttpClient(std::string host, uint16_t port, std::chrono::milliseconds timeout = std::chrono::milliseconds(10'000));
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  // UNAVAILABLE when the server cannot be reached, DEADLINE_EXCEEDED on timeout; any HTTP status is OK.
  Result<HttpResponse> request(std::string_view method, std::string_view target, std::string_view body = {},
                               const Headers& headers = {});
  Result<HttpResponse> get(std::string_view target, const Headers& headers = {}) {
    return request("GET", target, {}, headers);
  }

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Splits "host:port" ("[v6]:port" too, brackets dropped); INVALID_ARGUMENT naming what is wrong.
struct HostPort {
  std::string host;
  uint16_t port = 0;
};
Result<HostPort> parseHostPort(std::string_view address);

// Splits "http://host:port/path" into its parts; INVALID_ARGUMENT for anything else.
struct ParsedUrl {
  std::string host;
  uint16_t port = 80;
  std::string target = "/";
};
Result<ParsedUrl> parseHttpUrl(std::string_view url);

}  // namespace fleetdeck::http
