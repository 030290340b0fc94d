// Maps (method, path) to handlers using templates such as /api/v1/users/{id}:resetPassword.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fleetdeck/http/message.h"

namespace fleetdeck::http {

// The body of a streamed response (Server-Sent Events), written piece by piece from any thread.
class StreamWriter {
 public:
  virtual ~StreamWriter() = default;
  // Queues a chunk; false once the stream has ended (client gone, too slow, closed), so the
  // producer can stop.
  virtual bool write(std::string chunk) = 0;
  // Ends the response; further writes return false.
  virtual void close() = 0;
  virtual bool isOpen() const = 0;
};

struct StreamOptions {
  // Written whenever nothing else was written for this long (e.g. the SSE comment ":hb\n\n"),
  // so proxies keep the connection and dead clients are noticed. 0 disables.
  std::chrono::milliseconds keepAliveInterval{0};
  std::string keepAliveText;
  // A client that falls this far behind is disconnected instead of buffering without bound.
  size_t maxQueuedBytes = 1 << 20;
  // Called once, on the server's thread, when the stream ends for any reason.
  std::function<void()> onClose;
};

// Answers one request, exactly once, from any thread (see HttpServer).
class Responder {
 public:
  virtual ~Responder() = default;
  virtual void send(HttpResponse response) = 0;
  // Sends `head` (status and headers; its body is ignored) and keeps the connection open for a
  // chunked body written through the returned writer. Counts as the one answer. nullptr when this
  // responder cannot stream (then nothing was sent).
  virtual std::shared_ptr<StreamWriter> startStream(HttpResponse head, StreamOptions options) {
    (void)head;
    (void)options;
    return nullptr;
  }
};

using Handler = std::function<void(HttpRequest& request, std::shared_ptr<Responder> responder)>;

// A request path split at '/' once, for every template a lookup tries: each template then compares
// hashes, not strings, to reject a path (most of those it tries differ from it in one literal).
struct SplitPath {
  static SplitPath of(std::string_view path);

  std::vector<std::string_view> segments;  // as they arrived; a trailing slash gives an empty last one
  std::vector<uint64_t> hashes;            // of each segment, the last one's without its ":verb"
  std::string_view last;                   // the last segment without its ":verb"
  std::string_view verb;                   // after the last segment's last ':'; "" without one
  uint64_t lastHashWithVerb = 0;           // of the last segment as it arrived
};

// A parsed path template: literal segments, {param} segments, an optional ":verb" suffix and an
// optional trailing "{name=**}" that captures the rest of the path.
class RouteTemplate {
 public:
  static Result<RouteTemplate> parse(std::string_view text);

  // On a match, appends the captured parameters (percent-decoded) to `params`.
  bool match(std::string_view path, std::vector<std::pair<std::string, std::string>>& params) const;
  // The same for a path already split (the router splits once for all its templates).
  bool match(const SplitPath& path, std::vector<std::pair<std::string, std::string>>& params) const;
  const std::string& text() const { return text_; }
  // Orders templates from most to least specific: literals beat parameters, then longer beats shorter.
  bool moreSpecificThan(const RouteTemplate& other) const;
  const std::vector<std::string>& parameterNames() const { return parameterNames_; }
  // The path segments a match needs: exactly these, or at least these with a "{name=**}" rest.
  size_t segmentCount() const { return segments_.size(); }
  bool capturesRest() const { return !restParameter.empty(); }

 private:
  struct Segment {
    std::string literal;  // empty for a parameter
    std::string parameter;
    uint64_t literalHash = 0;
  };
  std::string text_;
  std::vector<Segment> segments_;
  std::string verb_;
  std::string restParameter;  // "{path=**}"
  std::vector<std::string> parameterNames_;
};

class Router {
 public:
  // Throws std::invalid_argument for a malformed template: routes are fixed at start-up.
  void add(std::string method, std::string_view pathTemplate, Handler handler);

  enum class Outcome { kMatched, kNotFound, kMethodNotAllowed };
  struct Lookup {
    Outcome outcome = Outcome::kNotFound;
    const Handler* handler = nullptr;
    const RouteTemplate* route = nullptr;
    std::vector<std::pair<std::string, std::string>> params;
    std::string allow;  // for 405: "GET, PATCH"
  };
  Lookup find(std::string_view method, std::string_view path) const;

  // Dispatches a request: the matched handler, or a 404 / 405 error response.
  void dispatch(HttpRequest& request, std::shared_ptr<Responder> responder) const;

 private:
  struct Route {
    std::string method;
    RouteTemplate pathTemplate;
    Handler handler;
  };
  std::vector<Route> routes_;  // most specific first
  // Per number of path segments (below kIndexedSegments), the positions in routes_ of the routes
  // that can match such a path, in order: a lookup tries those instead of every route.
  static constexpr size_t kIndexedSegments = 16;
  std::vector<std::vector<size_t>> bySegmentCount_;
};

}  // namespace fleetdeck::http
