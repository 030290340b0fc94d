#include "fleetdeck/http/server.h"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

#include "fleetdeck/core/log.h"

namespace fleetdeck::http {
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
                         if (error || !keepAlive) {
                           self->close();
                           return;
                         }
                         self->waitForRequest();
                       });
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

   private:
    void deliver(HttpResponse response) {
      auto session = session_;
      asio::post(session->executor(),
                 [session, response = std::move(response)]() mutable { session->write(std::move(response)); });
    }
    std::shared_ptr<Session> session_;
    std::atomic<bool> sent_{false};
  };

  beast::tcp_stream stream_;
  SharedState& shared_;
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
      threads_.emplace_back([this, i] { contexts_[i]->run(); });
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
