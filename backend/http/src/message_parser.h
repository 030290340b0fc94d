// Private to fleetdeck::http: Beast's HTTP/1 parser writing straight into our message types. Beast's
// own parser keeps every field in its list (a node allocated per field) that we then copied into
// Headers; this one copies each field once, into Headers.
#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <cstdint>
#include <string>
#include <type_traits>

#include "fleetdeck/http/message.h"

namespace fleetdeck::http::detail {

// Errors of ours beside Beast's; error_code::message() names what was refused.
class ParserErrorCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "fleetdeck.http.parser"; }
  std::string message(int) const override { return "trailer fields are not accepted"; }
};
inline const boost::system::error_category& parserErrorCategory() {
  static const ParserErrorCategory category;
  return category;
}
inline boost::system::error_code trailerFieldsRefused() { return {1, parserErrorCategory()}; }

// A parser is good for one message (as Beast's are): emplace a new one for the next.
template <bool isRequest>
class MessageParser final : public boost::beast::http::basic_parser<isRequest> {
 public:
  using Message = std::conditional_t<isRequest, HttpRequest, HttpResponse>;

  // A typical message's fields without regrowing the vector.
  MessageParser() { message_.headers.reserve(16); }

  Message& message() { return message_; }
  // 10 for HTTP/1.0, 11 for HTTP/1.1.
  int version() const { return version_; }

 private:
  using error_code = boost::beast::error_code;
  using verb = boost::beast::http::verb;
  using field = boost::beast::http::field;
  using string_view = boost::beast::string_view;

  void on_request_impl(verb, string_view method, string_view target, int version, error_code&) override {
    if constexpr (isRequest) {
      message_.method.assign(method.data(), method.size());
      message_.target.assign(target.data(), target.size());
    }
    version_ = version;
  }

  void on_response_impl(int status, string_view, int version, error_code&) override {
    if constexpr (!isRequest) message_.status = status;
    version_ = version;
  }

  void on_field_impl(field, string_view name, string_view value, error_code& error) override {
    // Beast reports a chunked body's trailer fields here too. Added to the headers they would arrive
    // after every check made of the head (a trailer X-Forwarded-For, Authorization, Idempotency-Key),
    // and no client of ours sends any: the request is refused rather than the fields dropped silently.
    if constexpr (isRequest) {
      if (this->is_header_done()) {
        error = trailerFieldsRefused();
        return;
      }
    }
    message_.headers.add(std::string(name), std::string(value));
  }

  void on_header_impl(error_code&) override {}

  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code& error) override {
    if (!length) return;
    if (*length > message_.body.max_size()) {
      error = boost::beast::http::error::buffer_overflow;
      return;
    }
    message_.body.reserve(static_cast<size_t>(*length));
  }

  size_t on_body_impl(string_view body, error_code&) override {
    message_.body.append(body.data(), body.size());
    return body.size();
  }

  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}

  size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override {
    message_.body.append(body.data(), body.size());
    return body.size();
  }

  void on_finish_impl(error_code&) override {}

  Message message_;
  int version_ = 11;
};

using RequestParser = MessageParser<true>;
using ResponseParser = MessageParser<false>;

}  // namespace fleetdeck::http::detail
