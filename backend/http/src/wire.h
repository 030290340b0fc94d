// Private to fleetdeck::http: HTTP/1.1 message heads written straight into a reused string, and the
// coarse per-connection deadline both the server and the async client time their I/O with.
// Reading is message_parser.h's; writing a head is a few appends, and doing it here
// instead of through Beast's serializer and a timer per operation halves the proxy's CPU per request.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/error.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "fleetdeck/http/message.h"

namespace fleetdeck::http::detail {

using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

// Fields a message's framing decides; the writer sets them itself and drops a caller's copy.
bool isFramingField(std::string_view name);
// A field that would break the head (CR, LF or NUL, or an empty/invalid name) is dropped.
bool isWritableField(std::string_view name, std::string_view value);

// Hands what `buffer` holds to `parser` (a MessageParser), consuming what it used; stops when the
// message is complete or more bytes are needed. The parser's error, if any.
template <typename Parser, typename Buffer>
boost::system::error_code feedParser(Parser& parser, Buffer& buffer) {
  boost::system::error_code error;
  while (buffer.size() > 0 && !parser.done()) {
    const auto bytes = buffer.data();
    const size_t used = parser.put(std::string_view(static_cast<const char*>(bytes.data()), bytes.size()), error);
    buffer.consume(used);
    if (error || used == 0) break;
  }
  return error;
}

enum class Framing { kContentLength, kChunked, kNone };

// steady_clock as of the last tick (a few ms behind), read without the TSC.
std::chrono::steady_clock::time_point coarseNow();

// Whether a keep-alive connection that sat idle can no longer carry a request: the peer closed it
// (or sent something unasked). A non-blocking peek, so it costs one system call.
bool closedByPeer(int fd);

// "HTTP/1.1 <status> <reason>" + fields + framing + Connection: close when !keepAlive.
void appendResponseHead(std::string& out, int status, const Headers& headers, std::string_view serverName,
                        Framing framing, size_t contentLength, bool keepAlive, bool http10KeepAlive);

// "<METHOD> <target> HTTP/1.1" + Host + fields + Content-Length when there is a body (or the
// method carries one).
void appendRequestHead(std::string& out, std::string_view method, std::string_view target, std::string_view host,
                       const Headers& headers, size_t contentLength, bool sendLength);

// A deadline checked by one timer per connection instead of a timer operation per read or write:
// extending it (the common case, once per request) is a store; the timer only wakes when the
// earliest deadline it was armed for passes, and re-arms itself if the deadline moved on.
class CoarseDeadline {
 public:
  using Clock = std::chrono::steady_clock;
  // `owner` is the object this deadline is a member of: a wake-up after it is gone does nothing.
  CoarseDeadline(boost::asio::io_context::executor_type executor, std::weak_ptr<void> owner)
      : timer_(executor), owner_(std::move(owner)) {}

  // `onExpired` runs on the connection's thread when the deadline passes (the last one given is kept).
  void expireAfter(std::chrono::milliseconds after, std::function<void()> onExpired);
  void never() { deadline_ = Clock::time_point::max(); }
  void cancel();

 private:
  void arm();

  boost::asio::steady_timer timer_;
  std::weak_ptr<void> owner_;
  Clock::time_point deadline_ = Clock::time_point::max();
  Clock::time_point armedFor_ = Clock::time_point::max();
  bool armed_ = false;
  std::function<void()> onExpired_;
};

}  // namespace fleetdeck::http::detail
