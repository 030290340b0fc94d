#include "fleetdeck/testing/sse_stream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fleetdeck/core/json.h"

namespace fleetdeck::testing {

boost::json::object StreamEvent::json() const {
  auto parsed = fleetdeck::json::parse(data);
  return parsed && parsed->is_object() ? parsed->as_object() : boost::json::object{};
}

SseStream::SseStream(uint16_t port, const std::string& token, const std::string& lastEventId) {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_port = htons(port);
  target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0) {
    close();
    return;
  }
  // Short receive slices so the waits below notice their deadlines.
  timeval timeout{0, 100'000};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string request = "GET /api/v1/admin/stream HTTP/1.1\r\nHost: gateway\r\nAccept: text/event-stream\r\n"
                        "Authorization: Bearer " + token + "\r\n";
  if (!lastEventId.empty()) request += "Last-Event-ID: " + lastEventId + "\r\n";
  request += "\r\n";
  (void)::send(fd_, request.data(), request.size(), MSG_NOSIGNAL);
}

SseStream::~SseStream() { close(); }

void SseStream::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool SseStream::readSome() {
  if (fd_ < 0) return false;
  char buffer[8192];
  const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
  if (n == 0) return false;
  if (n > 0) {
    raw_.append(buffer, static_cast<size_t>(n));
    parse();
  }
  return true;
}

bool SseStream::readUntil(const std::function<bool(const std::vector<StreamEvent>&)>& done,
                          std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done(events_)) {
    if (std::chrono::steady_clock::now() > deadline || !readSome()) return done(events_);
  }
  return true;
}

bool SseStream::waitFor(std::string_view text, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (raw_.find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline || !readSome()) return raw_.find(text) != std::string::npos;
  }
  return true;
}

std::vector<std::string> SseStream::idsOf(std::string_view type) const {
  std::vector<std::string> ids;
  for (const StreamEvent& event : events_) {
    if (event.type == type) ids.push_back(event.id);
  }
  if (pending_.type == type && !pending_.id.empty()) ids.push_back(pending_.id);
  return ids;
}

// Chunked transfer framing is stripped loosely: chunk-size lines are neither "id:", "event:" nor
// "data:" lines, and a blank line ends an event, which is all this parser looks at.
void SseStream::parse() {
  size_t newline;
  while ((newline = raw_.find('\n', parsed_)) != std::string::npos) {
    std::string line = raw_.substr(parsed_, newline - parsed_);
    parsed_ = newline + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      if (!pending_.type.empty()) events_.push_back(pending_);
      pending_ = {};
    } else if (line.starts_with("id: ")) {
      pending_.id = line.substr(4);
    } else if (line.starts_with("event: ")) {
      pending_.type = line.substr(7);
    } else if (line.starts_with("data: ")) {
      pending_.data += line.substr(6);
    }
  }
}

}  // namespace fleetdeck::testing
