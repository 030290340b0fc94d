#include "fleetdeck/http/server.h"

#include <array>
#include <atomic>
#include <cstdio>
#include <boost/asio.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "fleetdeck/core/ids.h"
#include "fleetdeck/core/log.h"
#include "fleetdeck/core/thread_name.h"
#include "message_parser.h"
#include "server_thread.h"
#include "wire.h"

namespace fleetdeck::http {
namespace detail {
namespace {
thread_local boost::asio::io_context* tCurrentServerContext = nullptr;
}
boost::asio::io_context* currentServerContext() { return tCurrentServerContext; }
void setCurrentServerContext(boost::asio::io_context* context) { tCurrentServerContext = context; }
}  // namespace detail

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

class Session;

// What sessions share with the server. Sessions register here so stopping the server can close the
// idle ones and wait for the rest: a session must not outlive the io_context its socket belongs to.
struct SharedState {
  const ServerOptions& options;
  const Handler& handler;
  std::atomic<int64_t> inFlight{0};
  std::atomic<bool> draining{false};
  std::mutex sessionsMutex;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
  std::atomic<uint64_t> acceptFailures{0};
  std::atomic<uint64_t> connectionsRefused{0};
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  // The parser takes body bytes, chunk-size lines and trailers as they arrive and leaves only a
  // partial head in the buffer, which it refuses past the head limit; the bound is that plus a read.
  Session(detail::Socket socket, SharedState& shared)
      : socket_(std::move(socket)), shared_(shared), buffer_(shared.options.headerLimitBytes + kReadChunk) {
    // Once per connection rather than a getpeername() per request.
    beast::error_code ignored;
    const auto remote = socket_.remote_endpoint(ignored);
    if (!ignored) remoteAddress_ = remote.address().to_string();
  }
  ~Session() {
    std::lock_guard lock(shared_.sessionsMutex);
    shared_.sessions.erase(this);
  }

  void start() {
    {
      std::lock_guard lock(shared_.sessionsMutex);
      shared_.sessions.emplace(this, weak_from_this());
    }
    deadline_.emplace(socket_.get_executor(), weak_from_this());
    waitForRequest();
  }

  // On the session's executor, when the server stops: ends a stream, closes the connection; the
  // pending reads and writes then complete with errors and release the session.
  void shutdownNow() {
    if (streamState_) {
      endStream();
      return;
    }
    close();
  }

  // Called on the session's executor with the handler's answer.
  void write(HttpResponse response) {
    if (streaming_ || closed_) {
      if (!streaming_) shared_.inFlight.fetch_sub(1);
      return;  // a stream already answered this request, or the connection is gone
    }
    const bool keepAlive = keepAlive_ && !shared_.draining.load();
    head_.clear();
    detail::appendResponseHead(head_, response.status, response.headers, shared_.options.serverName,
                               detail::Framing::kContentLength, response.body.size(), keepAlive,
                               keepAlive && http10_);
    body_ = isHead_ ? std::string() : std::move(response.body);
    expireAfter(shared_.options.readTimeout);
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_), asio::buffer(body_)};
    asio::async_write(socket_, buffers, [self = shared_from_this(), keepAlive](beast::error_code error, size_t) {
      self->shared_.inFlight.fetch_sub(1);
      if (error) {
        self->close();
        return;
      }
      if (!keepAlive) {
        self->lingeringClose();
        return;
      }
      self->waitForRequest();
    });
  }

  // Starts a chunked response on the session's executor; the stream state is shared with writers.
  struct StreamState {
    std::mutex mutex;
    std::deque<std::string> queue;
    size_t queuedBytes = 0;
    bool open = true;
    bool drainScheduled = false;
    StreamOptions options;
  };

  void beginStream(HttpResponse head, std::shared_ptr<StreamState> state) {
    streaming_ = true;
    deadline_->never();
    head_.clear();
    detail::appendResponseHead(head_, head.status, head.headers, shared_.options.serverName, detail::Framing::kChunked,
                               0, /*keepAlive=*/false, false);
    streamState_ = std::move(state);
    if (closed_) {
      shared_.inFlight.fetch_sub(1);
      endStream();
      return;
    }
    // Chunks written before the head went out wait for it: one write on the socket at a time.
    writingChunk_ = true;
    asio::async_write(socket_, asio::buffer(head_), [self = shared_from_this()](beast::error_code error, size_t) {
      self->shared_.inFlight.fetch_sub(1);
      self->writingChunk_ = false;
      // HEAD gets the head alone: no chunk may follow it (RFC 9110 §9.3.2).
      if (error || self->isHead_) {
        self->endStream();
        return;
      }
      self->watchForHangUp();
      self->armKeepAlive();
      self->drainStream();
    });
  }

  // Runs on the executor: writes queued chunks one at a time.
  void drainStream() {
    if (!streamState_ || writingChunk_) return;
    std::string chunk;
    bool finished = false;
    {
      std::lock_guard lock(streamState_->mutex);
      streamState_->drainScheduled = false;
      if (!streamState_->queue.empty()) {
        chunk = std::move(streamState_->queue.front());
        streamState_->queue.pop_front();
        streamState_->queuedBytes -= chunk.size();
      } else if (!streamState_->open) {
        finished = true;
      } else {
        return;
      }
    }
    writingChunk_ = true;
    if (finished) {
      asio::async_write(socket_, asio::buffer(std::string_view("0\r\n\r\n")),
                        [self = shared_from_this()](beast::error_code, size_t) {
                          self->writingChunk_ = false;
                          self->endStream();
                        });
      return;
    }
    char size[24];
    const int length = std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
    chunkHead_.assign(size, static_cast<size_t>(length));
    currentChunk_ = std::move(chunk);
    const std::array<asio::const_buffer, 3> buffers{asio::buffer(chunkHead_), asio::buffer(currentChunk_),
                                                    asio::buffer(std::string_view("\r\n"))};
    asio::async_write(socket_, buffers, [self = shared_from_this()](beast::error_code error, size_t) {
      self->writingChunk_ = false;
      if (error) {
        self->endStream();
        return;
      }
      self->armKeepAlive();
      self->drainStream();
    });
  }

  void armKeepAlive() {
    if (!streamState_ || streamState_->options.keepAliveInterval.count() <= 0) return;
    if (!keepAliveTimer_) keepAliveTimer_.emplace(socket_.get_executor());
    keepAliveTimer_->expires_after(streamState_->options.keepAliveInterval);
    keepAliveTimer_->async_wait([self = shared_from_this()](beast::error_code error) {
      if (error || !self->streamState_) return;  // re-armed or ended
      {
        std::lock_guard lock(self->streamState_->mutex);
        if (!self->streamState_->open) return;
        if (self->streamState_->queue.empty()) {
          self->streamState_->queue.push_back(self->streamState_->options.keepAliveText);
          self->streamState_->queuedBytes += self->streamState_->options.keepAliveText.size();
        }
      }
      self->drainStream();
      self->armKeepAlive();
    });
  }

  // An SSE client sends nothing after its request: any read completing means it hung up.
  void watchForHangUp() {
    socket_.async_read_some(asio::buffer(hangUpByte_), [self = shared_from_this()](beast::error_code error, size_t) {
      if (error || self->streamState_) self->endStream();
    });
  }

  void endStream() {
    if (!streamState_) return;
    auto state = std::move(streamState_);
    std::function<void()> onClose;
    {
      std::lock_guard lock(state->mutex);
      state->open = false;
      state->queue.clear();
      state->queuedBytes = 0;
      onClose = std::move(state->options.onClose);
    }
    if (keepAliveTimer_) keepAliveTimer_->cancel();
    close();
    if (onClose) onClose();
  }

  detail::Socket::executor_type executor() { return socket_.get_executor(); }

 private:
  // The connection is closed when the deadline passes: whatever read or write is pending then
  // completes with an error and ends the session.
  void expireAfter(std::chrono::milliseconds after) {
    deadline_->expireAfter(after, [this] { close(); });
  }

  // Waits for the first byte of the next request under the idle timeout, then reads the whole
  // request under the (shorter) read timeout, so a slow sender cannot hold a worker.
  void waitForRequest() {
    // A request refused before it is parsed (a malformed one after a HEAD) is answered under these.
    isHead_ = false;
    http10_ = false;
    parser_.emplace();
    parser_->setHeaderLimit(shared_.options.headerLimitBytes);
    parser_->setBodyLimit(shared_.options.bodyLimitBytes);
    if (buffer_.size() > 0) {  // pipelined: the next request is already here
      expireAfter(shared_.options.readTimeout);
      parse();
      return;
    }
    expireAfter(shared_.options.idleTimeout);
    readMore(/*first=*/true);
  }

  void readMore(bool first) {
    beast::flat_buffer::mutable_buffers_type space;
    try {
      space = buffer_.prepare(kReadChunk);
    } catch (const std::length_error&) {
      rejectAndClose(431, resourceExhausted("request chunk header or trailer exceeds " +
                                            std::to_string(shared_.options.headerLimitBytes) + " bytes"));
      return;
    }
    socket_.async_read_some(space, [self = shared_from_this(), first](beast::error_code error, size_t bytes) {
      if (error) {
        // The peer went away (or the deadline closed the socket): nobody is left to answer.
        self->close();
        return;
      }
      self->buffer_.commit(bytes);
      if (first) self->expireAfter(self->shared_.options.readTimeout);
      self->parse();
    });
  }

  // Feeds what was read to the parser; reads more until a whole request is there.
  void parse() {
    if (const auto error = detail::feedParser(*parser_, buffer_)) {
      onParseError(error);
      return;
    }
    if (!parser_->done()) {
      readMore(/*first=*/false);
      return;
    }
    onRequest();
  }

  void onParseError(beast::error_code error) {
    if (error == bhttp::error::body_limit) {
      rejectAndClose(413, resourceExhausted("request body exceeds " + std::to_string(shared_.options.bodyLimitBytes) +
                                            " bytes"));
    } else if (error == bhttp::error::header_limit) {
      // The limit holds for the head and for each chunk-size line or trailer after it (the parser).
      rejectAndClose(431, resourceExhausted("request header, chunk-size line or trailer exceeds " +
                                            std::to_string(shared_.options.headerLimitBytes) + " bytes"));
    } else if (error == detail::trailerFieldsRefused()) {
      rejectAndClose(400, invalidArgument(error.message()));
    } else {
      rejectAndClose(400, invalidArgument("malformed HTTP request: " + error.message()));
    }
  }

  void onRequest() {
    keepAlive_ = parser_->keepAlive();
    http10_ = parser_->version() == 10;
    HttpRequest request = std::move(parser_->message());
    isHead_ = request.method == "HEAD";
    const size_t question = request.target.find('?');
    request.path = request.target.substr(0, question);
    if (question != std::string::npos) request.query = request.target.substr(question + 1);
    request.remoteAddress = remoteAddress_;
    // The read timeout armed at the request's first byte would otherwise close the connection under
    // a handler still working (a service stop, a long Prometheus query), and its answer be lost.
    expireAfter(shared_.options.responseTimeout);

    shared_.inFlight.fetch_add(1);
    auto responder = std::make_shared<SessionResponder>(shared_from_this());
    try {
      shared_.handler(request, responder);
    } catch (const std::exception& exception) {
      const log::ScopedThreadTraceIds ids(request.traceId, "");
      log::error("http handler threw", {{"path", request.path}, {"error", exception.what()}});
      responder->send(serverAnswer(500, internalError("internal error"), request.traceId));
    }
  }

  void rejectAndClose(int httpStatus, Status status) {
    keepAlive_ = false;
    shared_.inFlight.fetch_add(1);
    write(serverAnswer(httpStatus, status));
  }

  // An answer the server makes itself (a refused request, a handler that threw or answered nothing)
  // carries a trace id like a handler's, in its header and body, and a log line names it: no
  // handler saw the request, so that line is the only record an operator can find it by.
  // `requestTraceId`: the request's own, when its handler was reached (the tracing decorator set it),
  // so the id the client reports is the one its span and log lines carry; else a new one.
  HttpResponse serverAnswer(int httpStatus, const Status& status, const std::string& requestTraceId = {}) const {
    const std::string traceId = requestTraceId.size() == 32 ? requestTraceId : randomHex(16);
    HttpResponse response = errorResponse(status, traceId);
    response.status = httpStatus;
    response.headers.set("X-Trace-Id", traceId);
    const log::ScopedThreadTraceIds ids(traceId, "");
    log::info("http request answered by the server", {{"status", httpStatus},
                                                      {"error", status.message()},
                                                      {"client", remoteAddress_}});
    return response;
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    if (deadline_) deadline_->cancel();
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  // After refusing a request (413, 431, 400) the client may still be sending its body: closing at
  // once would reset the connection and the client might never read our answer. Stop sending,
  // read and discard for a bounded time, then close (what nginx calls a lingering close).
  void lingeringClose() {
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    expireAfter(std::chrono::seconds(2));
    discard();
  }
  void discard() {
    socket_.async_read_some(asio::buffer(discardBuffer_), [self = shared_from_this()](beast::error_code error, size_t) {
      if (error) {
        self->close();
        return;
      }
      self->discard();
    });
  }

  class SessionResponder final : public Responder {
   public:
    explicit SessionResponder(std::shared_ptr<Session> session) : session_(std::move(session)) {}
    ~SessionResponder() override {
      if (!sent_.exchange(true)) {
        // The handler dropped the request without answering: a bug, but the client still gets an answer.
        deliver(session_->serverAnswer(500, internalError("the request was dropped without a response")));
      }
    }
    void send(HttpResponse response) override {
      if (sent_.exchange(true)) return;
      deliver(std::move(response));
    }

    std::shared_ptr<StreamWriter> startStream(HttpResponse head, StreamOptions options) override {
      if (sent_.exchange(true)) return nullptr;
      auto state = std::make_shared<StreamState>();
      state->options = std::move(options);
      auto writer = std::make_shared<SessionStreamWriter>(session_, state);
      auto session = session_;
      asio::post(session->executor(), [session, head = std::move(head), state]() mutable {
        session->beginStream(std::move(head), std::move(state));
      });
      return writer;
    }

   private:
    // Queued to the session's loop even from its own thread: a handler that answers at once still
    // returns before the answer is written, so what it does after sending (the instrumentation
    // records the request once the handler returned) is done before the client can read the answer.
    void deliver(HttpResponse response) {
      auto session = session_;
      asio::post(session->executor(),
                 [session, response = std::move(response)]() mutable { session->write(std::move(response)); });
    }
    std::shared_ptr<Session> session_;
    std::atomic<bool> sent_{false};
  };

  class SessionStreamWriter final : public StreamWriter {
   public:
    SessionStreamWriter(std::shared_ptr<Session> session, std::shared_ptr<StreamState> state)
        : session_(std::move(session)), state_(std::move(state)) {}
    bool write(std::string chunk) override {
      if (chunk.empty()) return isOpen();
      auto session = session_.lock();
      if (!session) return false;
      bool tooSlow = false;
      {
        std::lock_guard lock(state_->mutex);
        if (!state_->open) return false;
        if (state_->queuedBytes + chunk.size() > state_->options.maxQueuedBytes) {
          tooSlow = true;
          state_->open = false;
        } else {
          state_->queuedBytes += chunk.size();
          state_->queue.push_back(std::move(chunk));
          if (state_->drainScheduled) return true;
          state_->drainScheduled = true;
        }
      }
      if (tooSlow) {
        asio::post(session->executor(), [session] { session->endStream(); });
        return false;
      }
      asio::post(session->executor(), [session] { session->drainStream(); });
      return true;
    }
    void close() override {
      auto session = session_.lock();
      {
        std::lock_guard lock(state_->mutex);
        if (!state_->open) return;
        state_->open = false;
      }
      if (session) asio::post(session->executor(), [session] { session->drainStream(); });
    }
    bool isOpen() const override {
      std::lock_guard lock(state_->mutex);
      return state_->open;
    }

   private:
    std::weak_ptr<Session> session_;
    std::shared_ptr<StreamState> state_;
  };

  static constexpr size_t kReadChunk = 4096;

  detail::Socket socket_;
  SharedState& shared_;
  std::string remoteAddress_;
  std::optional<detail::CoarseDeadline> deadline_;
  bool closed_ = false;
  bool streaming_ = false;
  bool writingChunk_ = false;
  std::string head_;
  std::string body_;
  std::string chunkHead_;
  std::string currentChunk_;
  std::shared_ptr<StreamState> streamState_;
  std::optional<asio::steady_timer> keepAliveTimer_;
  char hangUpByte_[1];
  char discardBuffer_[8192];
  beast::flat_buffer buffer_;
  std::optional<detail::RequestParser> parser_;
  bool keepAlive_ = true;
  bool http10_ = false;
  bool isHead_ = false;
};

}  // namespace

class HttpServer::Impl {
 public:
  Impl(ServerOptions options, Handler handler)
      : options_(std::move(options)), handler_(std::move(handler)), shared_{options_, handler_} {
    if (options_.threads == 0) options_.threads = std::max(1u, std::thread::hardware_concurrency());
  }

  Status start() {
    beast::error_code error;
    const auto address = asio::ip::make_address(options_.address, error);
    if (error) return invalidArgument("bad listen address '" + options_.address + "'");
    uint16_t port = options_.port;
    for (unsigned i = 0; i < options_.threads; ++i) {
      auto context = std::make_unique<asio::io_context>(1);
      auto acceptor = std::make_unique<tcp::acceptor>(*context);
      const tcp::endpoint endpoint(address, port);
      acceptor->open(endpoint.protocol(), error);
      if (!error) acceptor->set_option(asio::socket_base::reuse_address(true), error);
      if (!error && options_.threads > 1) acceptor->set_option(ReusePort(true), error);
      if (!error) acceptor->bind(endpoint, error);
      if (!error) acceptor->listen(asio::socket_base::max_listen_connections, error);
      if (error) {
        return unavailable("cannot listen on " + options_.address + ":" + std::to_string(port) + ": " +
                           error.message());
      }
      port = acceptor->local_endpoint().port();
      contexts_.push_back(std::move(context));
      acceptors_.push_back(std::move(acceptor));
    }
    port_ = port;
    for (size_t i = 0; i < contexts_.size(); ++i) {
      accept(i);
      threads_.push_back(namedThread("http-" + std::to_string(i), [this, i] {
        detail::setCurrentServerContext(contexts_[i].get());
        contexts_[i]->run();
        detail::setCurrentServerContext(nullptr);
      }));
    }
    return Status::ok();
  }

  ~Impl() {
    stop(std::chrono::milliseconds(0));
    // Completions still queued (reads aborted by the close) release their sessions when run.
    // A handler may also still hold a responder (an upstream call that outlived the drain): its
    // session must not be destroyed after its io_context, so wait a little, then leave the stopped
    // contexts allocated rather than crash when that responder lets go.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (liveSessions() > 0 && std::chrono::steady_clock::now() < deadline) {
      for (auto& context : contexts_) {
        context->restart();
        context->poll();
      }
      if (liveSessions() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (liveSessions() > 0) {
      log::warn("http server stopped while handlers still hold connections; keeping their event loops",
                {{"connections", std::to_string(liveSessions())}});
      for (auto& context : contexts_) (void)context.release();
      for (auto& acceptor : acceptors_) (void)acceptor.release();
    }
  }

  void stop(std::chrono::milliseconds drain) {
    if (stopped_.exchange(true)) return;
    shared_.draining = true;
    for (size_t i = 0; i < acceptors_.size(); ++i) {
      asio::post(*contexts_[i], [acceptor = acceptors_[i].get()] {
        beast::error_code ignored;
        acceptor->close(ignored);
      });
    }
    const auto deadline = std::chrono::steady_clock::now() + drain;
    while (shared_.inFlight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    // Close every connection while the loops still run, so their pending operations complete and
    // release the sessions (idle keep-alive connections would otherwise wait for their timeout).
    std::vector<std::shared_ptr<Session>> open;
    {
      std::lock_guard lock(shared_.sessionsMutex);
      for (auto& [raw, weak] : shared_.sessions) {
        if (auto session = weak.lock()) open.push_back(std::move(session));
      }
    }
    for (auto& session : open) {
      asio::post(session->executor(), [session] { session->shutdownNow(); });
    }
    open.clear();
    waitForNoSessions(std::chrono::milliseconds(200));
    for (auto& context : contexts_) context->stop();
    for (auto& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
    threads_.clear();
  }

  uint16_t port() const { return port_; }

 private:
  size_t liveSessions() {
    std::lock_guard lock(shared_.sessionsMutex);
    return shared_.sessions.size();
  }
  bool waitForNoSessions(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (liveSessions() > 0) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
  }

  void accept(size_t index) {
    acceptors_[index]->async_accept(
        contexts_[index]->get_executor(), [this, index](beast::error_code error, detail::Socket socket) {
          if (error == asio::error::operation_aborted || !acceptors_[index]->is_open()) return;
          if (error) {
            // Out of file descriptors (EMFILE) leaves the connection queued, so accepting again at
            // once fails again at once: a busy loop on this thread. Wait a little instead.
            if (shared_.acceptFailures.fetch_add(1) % 100 == 0) {
              log::warn("http accept failed; retrying in 50 ms", {{"error", error.message()}, {"port", port_}});
            }
            auto timer = std::make_shared<asio::steady_timer>(*contexts_[index], std::chrono::milliseconds(50));
            timer->async_wait([this, index, timer](beast::error_code waitError) {
              if (!waitError && acceptors_[index]->is_open()) accept(index);
            });
            return;
          }
          if (liveSessions() >= options_.maxConnections) {
            if (shared_.connectionsRefused.fetch_add(1) % 100 == 0) {
              log::warn("http connection refused: too many open connections",
                        {{"max_connections", static_cast<uint64_t>(options_.maxConnections)}, {"port", port_}});
            }
            beast::error_code ignored;
            socket.close(ignored);
          } else {
            socket.set_option(tcp::no_delay(true), error);
            std::make_shared<Session>(std::move(socket), shared_)->start();
          }
          accept(index);
        });
  }

 public:
  uint64_t acceptFailures() const { return shared_.acceptFailures.load(); }
  uint64_t connectionsRefused() const { return shared_.connectionsRefused.load(); }

 private:

  ServerOptions options_;
  Handler handler_;
  SharedState shared_;
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
};

HttpServer::HttpServer(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() = default;

Status HttpServer::start() { return impl_->start(); }
uint16_t HttpServer::port() const { return impl_->port(); }
uint64_t HttpServer::acceptFailures() const { return impl_->acceptFailures(); }
uint64_t HttpServer::connectionsRefused() const { return impl_->connectionsRefused(); }
void HttpServer::stop(std::chrono::milliseconds drain) { impl_->stop(drain); }

}  // namespace fleetdeck::http
