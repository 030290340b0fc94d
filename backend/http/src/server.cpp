#include "fleetdeck/http/server.h"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <mutex>
#include <thread>

#include "fleetdeck/core/log.h"
#include "server_thread.h"

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

struct SharedState {
  const ServerOptions& options;
  const Handler& handler;
  std::atomic<int64_t> inFlight{0};
  std::atomic<bool> draining{false};
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, SharedState& shared) : stream_(std::move(socket)), shared_(shared) {}

  void start() { waitForRequest(); }

  // Called on the session's executor with the handler's answer.
  void write(HttpResponse response) {
    if (streaming_) return;  // a stream already answered this request
    response_ = {};
    response_.version(11);
    response_.result(static_cast<unsigned>(response.status));
    for (const auto& [name, value] : response.headers.fields()) response_.insert(name, value);
    if (response_.find(bhttp::field::server) == response_.end()) response_.set(bhttp::field::server, shared_.options.serverName);
    response_.body() = isHead_ ? std::string() : std::move(response.body);
    const bool keepAlive = keepAlive_ && !shared_.draining.load();
    response_.keep_alive(keepAlive);
    if (isHead_) {
      response_.content_length(response.body.size());
    } else {
      response_.prepare_payload();
    }
    stream_.expires_after(shared_.options.readTimeout);
    bhttp::async_write(stream_, response_,
                       [self = shared_from_this(), keepAlive](beast::error_code error, size_t) {
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
    stream_.expires_never();
    streamHead_.emplace();
    streamHead_->version(11);
    streamHead_->result(static_cast<unsigned>(head.status));
    for (const auto& [name, value] : head.headers.fields()) streamHead_->insert(name, value);
    streamHead_->set(bhttp::field::server, shared_.options.serverName);
    streamHead_->chunked(true);
    streamHead_->keep_alive(false);
    streamState_ = std::move(state);
    streamSerializer_.emplace(*streamHead_);
    bhttp::async_write_header(stream_, *streamSerializer_, [self = shared_from_this()](beast::error_code error, size_t) {
      self->shared_.inFlight.fetch_sub(1);
      if (error) {
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
    if (finished) {
      writingChunk_ = true;
      asio::async_write(stream_, bhttp::make_chunk_last(), [self = shared_from_this()](beast::error_code, size_t) {
        self->writingChunk_ = false;
        self->endStream();
      });
      return;
    }
    writingChunk_ = true;
    currentChunk_ = std::move(chunk);
    asio::async_write(stream_, bhttp::make_chunk(asio::buffer(currentChunk_)),
                      [self = shared_from_this()](beast::error_code error, size_t) {
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
    if (!keepAliveTimer_) keepAliveTimer_.emplace(stream_.get_executor());
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
    stream_.socket().async_read_some(asio::buffer(hangUpByte_), [self = shared_from_this()](beast::error_code error, size_t) {
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

  asio::any_io_executor executor() { return stream_.get_executor(); }

 private:
  // Waits for the first byte of the next request under the idle timeout, then reads the whole
  // request under the (shorter) read timeout, so a slow sender cannot hold a worker.
  void waitForRequest() {
    if (buffer_.size() > 0) {
      readRequest();
      return;
    }
    stream_.expires_after(shared_.options.idleTimeout);
    stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](beast::error_code error, size_t bytes) {
      if (error) {
        self->close();
        return;
      }
      self->buffer_.commit(bytes);
      self->readRequest();
    });
  }

  void readRequest() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(shared_.options.headerLimitBytes));
    parser_->body_limit(shared_.options.bodyLimitBytes);
    stream_.expires_after(shared_.options.readTimeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code error, size_t) { self->onRead(error); });
  }

  void onRead(beast::error_code error) {
    if (error) {
      if (error == bhttp::error::body_limit) {
        rejectAndClose(413, resourceExhausted("request body exceeds " +
                                              std::to_string(shared_.options.bodyLimitBytes) + " bytes"));
      } else if (error == bhttp::error::header_limit) {
        rejectAndClose(431, resourceExhausted("request header exceeds " +
                                              std::to_string(shared_.options.headerLimitBytes) + " bytes"));
      } else if (error == bhttp::error::end_of_stream || error == beast::error::timeout ||
                 error == asio::error::operation_aborted || error == asio::error::connection_reset ||
                 error == asio::error::eof) {
        close();
      } else {
        rejectAndClose(400, invalidArgument("malformed HTTP request: " + error.message()));
      }
      return;
    }
    auto message = parser_->release();
    keepAlive_ = message.keep_alive();
    isHead_ = message.method() == bhttp::verb::head;

    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    const size_t question = request.target.find('?');
    request.path = request.target.substr(0, question);
    if (question != std::string::npos) request.query = request.target.substr(question + 1);
    for (const auto& field : message) request.headers.add(std::string(field.name_string()), std::string(field.value()));
    request.body = std::move(message.body());
    beast::error_code ignored;
    const auto remote = stream_.socket().remote_endpoint(ignored);
    if (!ignored) request.remoteAddress = remote.address().to_string();

    shared_.inFlight.fetch_add(1);
    auto responder = std::make_shared<SessionResponder>(shared_from_this());
    try {
      shared_.handler(request, responder);
    } catch (const std::exception& exception) {
      log::error("http handler threw", {{"path", request.path}, {"error", exception.what()}});
      responder->send(errorResponse(internalError("internal error"), ""));
    }
  }

  void rejectAndClose(int httpStatus, Status status) {
    keepAlive_ = false;
    shared_.inFlight.fetch_add(1);
    HttpResponse response = errorResponse(status, "");
    response.status = httpStatus;
    write(std::move(response));
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  // After refusing a request (413, 431, 400) the client may still be sending its body: closing at
  // once would reset the connection and the client might never read our answer. Stop sending,
  // read and discard for a bounded time, then close (what nginx calls a lingering close).
  void lingeringClose() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(2));
    discard();
  }
  void discard() {
    stream_.async_read_some(asio::buffer(discardBuffer_), [self = shared_from_this()](beast::error_code error, size_t) {
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
        deliver(errorResponse(internalError("the request was dropped without a response"), ""));
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

  beast::tcp_stream stream_;
  SharedState& shared_;
  bool streaming_ = false;
  bool writingChunk_ = false;
  std::string currentChunk_;
  std::shared_ptr<StreamState> streamState_;
  std::optional<bhttp::response<bhttp::empty_body>> streamHead_;
  std::optional<bhttp::response_serializer<bhttp::empty_body>> streamSerializer_;
  std::optional<asio::steady_timer> keepAliveTimer_;
  char hangUpByte_[1];
  char discardBuffer_[8192];
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> response_;
  bool keepAlive_ = true;
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
      threads_.emplace_back([this, i] {
        detail::setCurrentServerContext(contexts_[i].get());
        contexts_[i]->run();
        detail::setCurrentServerContext(nullptr);
      });
    }
    return Status::ok();
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
    for (auto& context : contexts_) context->stop();
    for (auto& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
    threads_.clear();
  }

  uint16_t port() const { return port_; }

 private:
  void accept(size_t index) {
    acceptors_[index]->async_accept(
        contexts_[index]->get_executor(), [this, index](beast::error_code error, tcp::socket socket) {
          if (error == asio::error::operation_aborted || !acceptors_[index]->is_open()) return;
          if (!error) {
            socket.set_option(tcp::no_delay(true), error);
            std::make_shared<Session>(std::move(socket), shared_)->start();
          }
          accept(index);
        });
  }

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

HttpServer::~HttpServer() { impl_->stop(std::chrono::milliseconds(0)); }

Status HttpServer::start() { return impl_->start(); }
uint16_t HttpServer::port() const { return impl_->port(); }
void HttpServer::stop(std::chrono::milliseconds drain) { impl_->stop(drain); }

}  // namespace fleetdeck::http
