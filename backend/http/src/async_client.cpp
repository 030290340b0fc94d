#include "fleetdeck/http/async_client.h"

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <deque>
#include <optional>
#include <thread>
#include <unordered_map>

#include "fleetdeck/core/thread_name.h"
#include "message_parser.h"
#include "server_thread.h"
#include "wire.h"

namespace fleetdeck::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// A keep-alive connection to one upstream; it lives in the idle pool between exchanges.
struct Connection : std::enable_shared_from_this<Connection> {
  explicit Connection(asio::io_context& context) : socket(context.get_executor()) {}
  void start() { deadline.emplace(socket.get_executor(), weak_from_this()); }
  detail::Socket socket;
  std::optional<detail::CoarseDeadline> deadline;
  beast::flat_buffer buffer;
  bool timedOut = false;
  std::chrono::steady_clock::time_point idleSince;  // when it last went back to the pool
};

// A pooled connection idle this long is peeked at before reuse. Servers close keep-alive
// connections that sit idle (ours after http.idle_timeout, nginx after 75 s): a request written to
// one fails with "end of file", and a POST cannot be sent again safely. A connection back within a
// second — every one under load — is reused without the extra system call.
constexpr std::chrono::seconds kCheckIdleConnectionsAfter{1};

class Exchange;

// The connections of one event loop, per upstream: idle ones kept for reuse, how many are open,
// and the exchanges waiting for one when the cap is reached. A service of the io_context, so it is
// destroyed with that event loop (never after it), whichever client created the connections.
class UpstreamConnections final : public asio::execution_context::service {
 public:
  using key_type = UpstreamConnections;
  static inline asio::execution_context::id id;
  explicit UpstreamConnections(asio::execution_context& context) : service(context) {}
  void shutdown() override { upstreams_.clear(); }

  struct Upstream {
    std::vector<std::shared_ptr<Connection>> idle;
    size_t open = 0;  // idle ones and ones in use
    std::deque<std::shared_ptr<Exchange>> waiting;
  };
  Upstream& at(const std::string& key) { return upstreams_[key]; }

 private:
  std::unordered_map<std::string, Upstream> upstreams_;
};

std::atomic<uint64_t> nextClientId{1};

class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(asio::io_context& context, std::string poolKey, std::string host, uint16_t port, ClientRequest request,
           std::chrono::milliseconds timeout, const AsyncClientOptions& options, AsyncHttpClient::Callback callback)
      : context_(context),
        pool_(asio::use_service<UpstreamConnections>(context)),
        poolKey_(std::move(poolKey)),
        host_(std::move(host)),
        port_(port),
        timeout_(timeout),
        options_(options),
        callback_(std::move(callback)) {
    const bool sendLength =
        !request.body.empty() || request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
    head_.reserve(256 + request.target.size());
    // The pool key ends with the "host:port" the Host field names (AsyncHttpClient::Impl::request).
    const std::string_view authority = std::string_view(poolKey_).substr(poolKey_.find('/') + 1);
    detail::appendRequestHead(head_, request.method, request.target, authority, request.headers,
                              request.body.size(), sendLength);
    body_ = std::move(request.body);
    answerFields_ = std::move(request.answerFields);
    idempotent_ = request.method == "GET" || request.method == "HEAD" || request.method == "OPTIONS";
    isHead_ = request.method == "HEAD";
  }

  // Reuses an idle connection, opens one while under the cap, or waits for one to be released.
  void start() {
    started_ = std::chrono::steady_clock::now();
    auto& upstream = pool_.at(poolKey_);
    while (!upstream.idle.empty()) {
      auto connection = std::move(upstream.idle.back());
      upstream.idle.pop_back();
      if (started_ - connection->idleSince >= kCheckIdleConnectionsAfter &&
          detail::closedByPeer(connection->socket.native_handle())) {
        --upstream.open;  // dropping it closes it; the next idle one, or a new one, carries the request
        continue;
      }
      connection_ = std::move(connection);
      reused_ = true;
      send();
      return;
    }
    if (upstream.open < options_.maxConnectionsPerUpstream) {
      ++upstream.open;
      connect();
      return;
    }
    if (upstream.waiting.size() >= options_.maxWaitingPerUpstream) {
      finish(unavailable("too many requests waiting for a connection to " + host_ + ":" + std::to_string(port_)));
      return;
    }
    upstream.waiting.push_back(shared_from_this());
    waiting_ = true;
    waitTimer_.emplace(context_);
    waitTimer_->expires_after(timeout_);
    waitTimer_->async_wait([self = shared_from_this()](beast::error_code error) {
      if (error || !self->waiting_) return;
      self->waiting_ = false;  // release() skips it from now on
      self->finish(deadlineExceeded("no connection to " + self->host_ + ":" + std::to_string(self->port_) +
                                    " became free within " + std::to_string(self->timeout_.count()) + " ms"));
    });
  }

 private:
  // Hands a released connection (or, when it closed, the right to open one) to the next waiting
  // exchange still within its time; otherwise keeps it idle (or forgets it).
  void release(std::shared_ptr<Connection> connection) {
    auto& upstream = pool_.at(poolKey_);
    while (!upstream.waiting.empty()) {
      auto next = std::move(upstream.waiting.front());
      upstream.waiting.pop_front();
      if (!next->waiting_) continue;  // its time ran out while it waited
      next->stopWaiting();
      if (connection) {
        next->connection_ = std::move(connection);
        next->reused_ = true;
        next->send();
      } else {
        next->connect();
      }
      return;
    }
    if (!connection) {
      --upstream.open;
      return;
    }
    if (upstream.idle.size() >= options_.maxIdlePerUpstream) {
      --upstream.open;  // dropping it closes it
      return;
    }
    connection->idleSince = detail::coarseNow();
    upstream.idle.push_back(std::move(connection));
  }

  // A waiting exchange's time runs from its start: what is left of it is the exchange's own.
  void stopWaiting() {
    waiting_ = false;
    waitTimer_->cancel();
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_);
    timeout_ = std::max(std::chrono::milliseconds(1), timeout_ - waited);
  }

  // The connection's deadline closes it; the pending operation then fails and reports the timeout.
  void armDeadline() {
    connection_->timedOut = false;
    connection_->deadline->expireAfter(timeout_, [connection = connection_.get()] {
      connection->timedOut = true;
      beast::error_code ignored;
      connection->socket.close(ignored);
    });
  }

  void connect() {
    reused_ = false;
    connection_ = std::make_shared<Connection>(context_);
    connection_->start();
    armDeadline();
    beast::error_code error;
    const auto address = asio::ip::make_address(host_, error);
    if (!error) {
      connection_->socket.async_connect(tcp::endpoint(address, port_),
                                        [self = shared_from_this()](beast::error_code connectError) {
                                          self->onConnect(connectError);
                                        });
      return;
    }
    resolver_.emplace(context_);
    resolver_->async_resolve(host_, std::to_string(port_),
                             [self = shared_from_this()](beast::error_code resolveError, tcp::resolver::results_type results) {
                               if (resolveError) {
                                 self->connection_->deadline->cancel();
                                 self->connection_.reset();
                                 self->release(nullptr);
                                 self->finish(unavailable("cannot resolve " + self->host_ + ": " + resolveError.message()));
                                 return;
                               }
                               asio::async_connect(self->connection_->socket, results,
                                                   [self](beast::error_code connectError, const tcp::endpoint&) {
                                                     self->onConnect(connectError);
                                                   });
                             });
  }

  void onConnect(beast::error_code error) {
    if (error) {
      const bool timedOut = connection_->timedOut;
      connection_->deadline->cancel();
      connection_.reset();
      release(nullptr);
      finish(timedOut ? deadlineExceeded("connecting to " + host_ + ":" + std::to_string(port_) + " timed out")
                      : unavailable("cannot connect to " + host_ + ":" + std::to_string(port_) + ": " + error.message()));
      return;
    }
    beast::error_code ignored;
    connection_->socket.set_option(tcp::no_delay(true), ignored);
    send();
  }

  void send() {
    armDeadline();
    parser_.emplace();
    parser_->setBodyLimit(options_.maxResponseBytes);
    if (isHead_) parser_->expectNoBody();
    if (!answerFields_.empty()) parser_->keepOnlyFields(&answerFields_);
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_), asio::buffer(body_)};
    asio::async_write(connection_->socket, buffers, [self = shared_from_this()](beast::error_code error, size_t) {
      if (error) {
        self->onBroken(error, /*requestSent=*/false);
        return;
      }
      self->parse();
    });
  }

  void readMore() {
    connection_->socket.async_read_some(connection_->buffer.prepare(kReadChunk),
                                        [self = shared_from_this()](beast::error_code error, size_t bytes) {
                                          if (error == asio::error::eof && self->parser_->receivedAny()) {
                                            // An answer without a length ends where the connection does.
                                            beast::error_code eofError;
                                            self->parser_->putEof(eofError);
                                            if (!eofError && self->parser_->done()) {
                                              self->onResponse();
                                              return;
                                            }
                                          }
                                          if (error) {
                                            self->onBroken(error, true);
                                            return;
                                          }
                                          self->connection_->buffer.commit(bytes);
                                          self->parse();
                                        });
  }

  // Feeds what was read to the parser; reads more until the whole response is there.
  void parse() {
    if (const auto error = detail::feedParser(*parser_, connection_->buffer)) {
      connection_->deadline->cancel();
      connection_.reset();
      release(nullptr);
      if (error == bhttp::error::body_limit) {
        finish(resourceExhausted("the answer from " + host_ + ":" + std::to_string(port_) + " exceeds " +
                                 std::to_string(options_.maxResponseBytes) + " bytes"));
        return;
      }
      finish(unavailable("malformed answer from " + host_ + ":" + std::to_string(port_) + ": " + error.message()));
      return;
    }
    if (!parser_->done()) {
      readMore();
      return;
    }
    onResponse();
  }

  // A pooled connection the upstream closed while idle fails before any answer arrives: try once
  // more on a fresh connection when that cannot repeat a side effect.
  void onBroken(beast::error_code error, bool requestSent) {
    const bool timedOut = connection_->timedOut;
    const bool nothingReceived = !parser_ || !parser_->receivedAny();
    connection_->deadline->cancel();
    connection_.reset();
    if (reused_ && nothingReceived && !timedOut && (!requestSent || idempotent_)) {
      connect();  // in place of the broken one: the open count stays
      return;
    }
    release(nullptr);
    if (timedOut) {
      finish(deadlineExceeded("no answer from " + host_ + ":" + std::to_string(port_) + " within " +
                              std::to_string(timeout_.count()) + " ms"));
      return;
    }
    finish(unavailable("request to " + host_ + ":" + std::to_string(port_) + " failed: " + error.message()));
  }

  void onResponse() {
    // Bytes after the answer were not asked for (we never pipeline): pooled, they would be the next
    // request's answer. Such a connection is closed instead.
    const bool keepAlive = parser_->keepAlive() && connection_->buffer.size() == 0;
    HttpResponse response = std::move(parser_->message());
    connection_->deadline->never();
    auto connection = std::move(connection_);
    if (!keepAlive) {
      connection->deadline->cancel();
      connection.reset();
    }
    release(std::move(connection));
    finish(std::move(response));
  }

  void finish(Result<HttpResponse> result) {
    auto callback = std::move(callback_);
    if (callback) callback(std::move(result));
  }

  static constexpr size_t kReadChunk = 4096;

  asio::io_context& context_;
  UpstreamConnections& pool_;
  std::string poolKey_;
  std::string host_;
  uint16_t port_;
  std::chrono::milliseconds timeout_;
  AsyncClientOptions options_;
  AsyncHttpClient::Callback callback_;
  std::string head_;
  std::string body_;
  std::optional<detail::ResponseParser> parser_;
  std::vector<std::string> answerFields_;
  std::optional<tcp::resolver> resolver_;
  std::shared_ptr<Connection> connection_;
  bool reused_ = false;
  bool idempotent_ = false;
  bool isHead_ = false;
  std::chrono::steady_clock::time_point started_;
  bool waiting_ = false;
  std::optional<asio::steady_timer> waitTimer_;
};

}  // namespace

class AsyncHttpClient::Impl {
 public:
  explicit Impl(AsyncClientOptions options)
      : options_(options),
        idPrefix_(std::to_string(nextClientId.fetch_add(1)) + "/"),
        guard_(asio::make_work_guard(context_)) {
    thread_ = namedThread("http-client", [this] { context_.run(); });
  }
  ~Impl() {
    guard_.reset();
    context_.stop();
    if (thread_.joinable()) thread_.join();
  }

  void request(std::string host, uint16_t port, ClientRequest request, std::chrono::milliseconds timeout,
               Callback callback) {
    // "<client id>/<host>:<port>": connections are pooled per client and upstream.
    std::string key = idPrefix_;
    key.append(host).append(":").append(std::to_string(port));
    asio::io_context* serverContext = options_.runOnCallersServerLoop ? detail::currentServerContext() : nullptr;
    if (serverContext != nullptr) {
      std::make_shared<Exchange>(*serverContext, std::move(key), std::move(host), port, std::move(request), timeout,
                                 options_, std::move(callback))
          ->start();
      return;
    }
    auto exchange = std::make_shared<Exchange>(context_, std::move(key), std::move(host), port, std::move(request),
                                               timeout, options_, std::move(callback));
    asio::post(context_, [exchange] { exchange->start(); });
  }

 private:
  AsyncClientOptions options_;
  std::string idPrefix_;
  asio::io_context context_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
};

AsyncHttpClient::AsyncHttpClient(AsyncClientOptions options) : impl_(std::make_shared<Impl>(options)) {}
AsyncHttpClient::~AsyncHttpClient() = default;

void AsyncHttpClient::request(std::string host, uint16_t port, ClientRequest request, std::chrono::milliseconds timeout,
                              Callback callback) {
  impl_->request(std::move(host), port, std::move(request), timeout, std::move(callback));
}

}  // namespace fleetdeck::http
