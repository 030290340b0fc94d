// The gateway's admin Server-Sent Events stream read over a raw loopback socket, for end-to-end tests
// (the console's EventSource, minus its retries).
#pragma once

#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace fleetdeck::testing {

// One Server-Sent Event as the console's parser sees it.
struct StreamEvent {
  std::string id;
  std::string type;
  std::string data;
  // The data as a JSON object; empty when it is not one.
  boost::json::object json() const;
};

class SseStream {
 public:
  // Connects to 127.0.0.1:port and asks for /api/v1/admin/stream; a failed connect leaves the stream
  // closed, so every wait on it times out and fails the test that relies on it.
  SseStream(uint16_t port, const std::string& token, const std::string& lastEventId = "");
  ~SseStream();
  SseStream(const SseStream&) = delete;
  SseStream& operator=(const SseStream&) = delete;

  void close();

  // Reads until `done(events())` holds or the timeout passes; false on timeout.
  bool readUntil(const std::function<bool(const std::vector<StreamEvent>&)>& done,
                 std::chrono::milliseconds timeout);
  // Reads until `text` is among the bytes received (framing included: "retry:", ":hb", "id: …").
  bool waitFor(std::string_view text, std::chrono::milliseconds timeout);

  // The id of every event of `type` received so far, in order (the event being received counts once
  // its id and type lines have arrived).
  std::vector<std::string> idsOf(std::string_view type) const;
  const std::vector<StreamEvent>& events() const { return events_; }
  const std::string& raw() const { return raw_; }

 private:
  // Reads what arrived within the socket's short receive timeout; false once the peer closed.
  bool readSome();
  void parse();

  int fd_ = -1;
  std::string raw_;
  size_t parsed_ = 0;
  StreamEvent pending_;
  std::vector<StreamEvent> events_;
};

}  // namespace fleetdeck::testing
