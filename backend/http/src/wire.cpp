#include "wire.h"

#include <boost/beast/http/status.hpp>
#include <sys/socket.h>
#include <time.h>

#include <cerrno>

#include <charconv>
#include <cstring>

namespace fleetdeck::http::detail {
namespace {

void appendNumber(std::string& out, size_t value) {
  char digits[24];
  const auto [end, error] = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, end);
}

void appendFields(std::string& out, const Headers& headers) {
  for (const auto& [name, value] : headers.fields()) {
    if (isFramingField(name) || !isWritableField(name, value)) continue;
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
}

bool bodyAllowed(int status) { return status >= 200 && status != 204 && status != 304; }

}  // namespace

bool isFramingField(std::string_view name) {
  return equalsIgnoreCase(name, "Content-Length") || equalsIgnoreCase(name, "Transfer-Encoding") ||
         equalsIgnoreCase(name, "Connection");
}

bool isWritableField(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (const char c : name) {
    if (c <= ' ' || c == ':' || c == 127) return false;
  }
  // glibc's memchr compares 32 bytes a step; a loop testing three bytes per character was 3 % of the
  // gateway's instructions per proxied request (callgrind), its heads being mostly field values.
  return std::memchr(value.data(), '\r', value.size()) == nullptr &&
         std::memchr(value.data(), '\n', value.size()) == nullptr &&
         std::memchr(value.data(), '\0', value.size()) == nullptr;
}

void appendResponseHead(std::string& out, int status, const Headers& headers, std::string_view serverName,
                        Framing framing, size_t contentLength, bool keepAlive, bool http10KeepAlive) {
  out += "HTTP/1.1 ";
  appendNumber(out, static_cast<size_t>(status));
  out += ' ';
  const auto reason = boost::beast::http::obsolete_reason(boost::beast::http::int_to_status(static_cast<unsigned>(status)));
  out.append(reason.data(), reason.size());
  out += "\r\n";
  appendFields(out, headers);
  if (!headers.contains("Server")) {
    out += "Server: ";
    out += serverName;
    out += "\r\n";
  }
  if (framing == Framing::kChunked) {
    out += "Transfer-Encoding: chunked\r\n";
  } else if (framing == Framing::kContentLength && bodyAllowed(status)) {
    out += "Content-Length: ";
    appendNumber(out, contentLength);
    out += "\r\n";
  }
  if (!keepAlive) {
    out += "Connection: close\r\n";
  } else if (http10KeepAlive) {
    out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
}

void appendRequestHead(std::string& out, std::string_view method, std::string_view target, std::string_view host,
                       const Headers& headers, size_t contentLength, bool sendLength) {
  out += method;
  out += ' ';
  out += target;
  out += " HTTP/1.1\r\nHost: ";
  out += host;
  out += "\r\n";
  for (const auto& [name, value] : headers.fields()) {
    if (equalsIgnoreCase(name, "Host") || isFramingField(name) || !isWritableField(name, value)) continue;
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (sendLength) {
    out += "Content-Length: ";
    appendNumber(out, contentLength);
    out += "\r\n";
  }
  out += "\r\n";
}

// CLOCK_MONOTONIC_COARSE: the same clock as steady_clock, read from the last tick (a few ms behind)
// without reading the TSC. Deadlines are extended several times per request; their timeouts are
// seconds long, so a deadline that falls a tick early costs nothing, and the read costs a quarter.
CoarseDeadline::Clock::time_point coarseNow() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
  return CoarseDeadline::Clock::time_point(std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec));
}

bool closedByPeer(int fd) {
  char byte = 0;
  const ssize_t peeked = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (peeked < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
  return true;  // 0: the peer closed it; a byte: it said something unasked (a 408 before closing)
}

void CoarseDeadline::expireAfter(std::chrono::milliseconds after, std::function<void()> onExpired) {
  deadline_ = coarseNow() + after;
  if (onExpired) onExpired_ = std::move(onExpired);
  // Armed for a later time than the new deadline (a shorter timeout after a long one): re-arm.
  if (!armed_ || deadline_ < armedFor_) arm();
}

void CoarseDeadline::cancel() {
  deadline_ = Clock::time_point::max();
  onExpired_ = nullptr;
  if (armed_) timer_.cancel();
  armed_ = false;
}

void CoarseDeadline::arm() {
  armed_ = true;
  armedFor_ = deadline_;
  timer_.expires_at(deadline_);
  // A wait that completed may still be queued when its owner goes: the handler touches `this`
  // only while the owner is alive.
  timer_.async_wait([this, owner = owner_](const boost::system::error_code& error) {
    const auto alive = owner.lock();
    if (error || !alive) return;
    armed_ = false;
    if (deadline_ == Clock::time_point::max()) return;
    if (Clock::now() < deadline_) {
      arm();
      return;
    }
    deadline_ = Clock::time_point::max();
    if (onExpired_) onExpired_();
  });
}

}  // namespace fleetdeck::http::detail
