#include "fleetdeck/http/client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <optional>

namespace fleetdeck::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

}  // namespace

class HttpClient::Impl {
 public:
  Impl(std::string host, uint16_t port, std::chrono::milliseconds timeout)
      : host_(std::move(host)), port_(port), timeout_(timeout) {}

  Result<HttpResponse> request(std::string_view method, std::string_view target, std::string_view body,
                               const Headers& headers) {
    // A kept-alive connection may have been closed by the server since the last call: retry once
    // on a fresh connection when the failure happened on a reused one.
    const bool reused = stream_.has_value();
    auto result = attempt(method, target, body, headers);
    if (!result && reused && result.status().code() == StatusCode::kUnavailable) {
      stream_.reset();
      result = attempt(method, target, body, headers);
    }
    return result;
  }

 private:
  Result<HttpResponse> attempt(std::string_view method, std::string_view target, std::string_view body,
                               const Headers& headers) {
    beast::error_code error;
    if (!stream_) {
      stream_.emplace(context_);
      tcp::resolver resolver(context_);
      const auto endpoints = resolver.resolve(host_, std::to_string(port_), error);
      if (error) {
        stream_.reset();
        return unavailable("cannot resolve " + host_ + ": " + error.message());
      }
      // Asynchronously, so that the timeout applies: a synchronous connect ignores it and waits for
      // the kernel's SYN retries (about two minutes) when the peer's address drops packets.
      stream_->expires_after(timeout_);
      bool connected = false;
      stream_->async_connect(endpoints, [&](beast::error_code connectError, const tcp::endpoint&) {
        error = connectError;
        connected = true;
      });
      context_.restart();
      while (!connected && context_.run_one() > 0) {
      }
      if (error) {
        const bool timedOut = error == beast::error::timeout;
        stream_.reset();
        if (timedOut) {
          return deadlineExceeded("no connection to " + host_ + ":" + std::to_string(port_) + " within " +
                                  std::to_string(timeout_.count()) + " ms");
        }
        return unavailable("cannot connect to " + host_ + ":" + std::to_string(port_) + ": " + error.message());
      }
      stream_->socket().set_option(tcp::no_delay(true));
    }
    bhttp::request<bhttp::string_body> request;
    request.version(11);
    request.method_string(method);
    request.target(target);
    request.set(bhttp::field::host, host_ + ":" + std::to_string(port_));
    for (const auto& [name, value] : headers.fields()) request.set(name, value);
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
      request.body() = std::string(body);
      if (!headers.contains("Content-Type")) request.set(bhttp::field::content_type, "application/json");
      request.prepare_payload();
    }
    // Socket timeouts via a run_for loop: the synchronous Beast calls have no deadline of their own.
    bool done = false;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    stream_->expires_after(timeout_);
    bhttp::async_write(*stream_, request, [&](beast::error_code writeError, size_t) {
      if (writeError) {
        error = writeError;
        done = true;
        return;
      }
      bhttp::async_read(*stream_, buffer_, parser, [&](beast::error_code readError, size_t) {
        error = readError;
        done = true;
      });
    });
    context_.restart();
    while (!done && context_.run_one() > 0) {
    }
    if (error) {
      const bool timedOut = error == beast::error::timeout;
      stream_.reset();
      buffer_.clear();
      if (timedOut) return deadlineExceeded("no answer from " + host_ + " within " + std::to_string(timeout_.count()) + " ms");
      return unavailable("request to " + host_ + ":" + std::to_string(port_) + " failed: " + error.message());
    }
    auto message = parser.release();
    HttpResponse response;
    response.status = static_cast<int>(message.result_int());
    for (const auto& field : message) response.headers.add(std::string(field.name_string()), std::string(field.value()));
    response.body = std::move(message.body());
    if (!message.keep_alive()) {
      stream_.reset();
      buffer_.clear();
    }
    return response;
  }

  std::string host_;
  uint16_t port_;
  std::chrono::milliseconds timeout_;
  asio::io_context context_;
  std::optional<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
};

HttpClient::HttpClient(std::string host, uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(std::move(host), port, timeout)) {}
HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

Result<HttpResponse> HttpClient::request(std::string_view method, std::string_view target, std::string_view body,
                                         const Headers& headers) {
  return impl_->request(method, target, body, headers);
}

Result<ParsedUrl> parseHttpUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return invalidArgument("URL must start with http://: " + std::string(url));
  url.remove_prefix(kScheme.size());
  ParsedUrl parsed;
  const size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  if (slash != std::string_view::npos) parsed.target = std::string(url.substr(slash));
  if (authority.find(':') == std::string_view::npos) {
    if (authority.empty()) return invalidArgument("URL has no host");
    parsed.host = std::string(authority);
    return parsed;
  }
  auto hostPort = parseHostPort(authority);
  if (!hostPort) return invalidArgument("bad URL " + std::string(url) + ": " + hostPort.status().message());
  parsed.host = std::move(hostPort->host);
  parsed.port = hostPort->port;
  return parsed;
}

Result<HostPort> parseHostPort(std::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return invalidArgument("'" + std::string(address) + "' is not host:port");
  std::string_view host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) return invalidArgument("'" + std::string(address) + "' has no host");
  const std::string_view portText = address.substr(colon + 1);
  unsigned port = 0;
  const auto [end, error] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
  if (error != std::errc{} || end != portText.data() + portText.size() || port == 0 || port > 65535) {
    return invalidArgument("'" + std::string(address) + "' has no port 1-65535");
  }
  return HostPort{std::string(host), static_cast<uint16_t>(port)};
}

}  // namespace fleetdeck::http
