#include "fleetdeck/http/grpc_client.h"

#include <nghttp2/nghttp2.h>

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <charconv>
#include <cstring>
#include <future>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>

#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/thread_name.h"
#include "fleetdeck/http/client.h"
#include "server_thread.h"
#include "wire.h"

namespace fleetdeck::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

std::atomic<uint64_t> nextClientId{1};

constexpr size_t kReadBufferBytes = 64 * 1024;
// A write gathers at most this much; the rest goes with the next one.
constexpr size_t kWriteBatchBytes = 64 * 1024;
constexpr int32_t kStreamWindowBytes = 1 << 20;
constexpr int32_t kConnectionWindowBytes = 16 << 20;
// Client stream ids are odd and end at 2^31 - 1: a connection this close to the end is retired
// (new calls open a new one) instead of refusing calls once the ids are spent.
constexpr uint32_t kRetireAtStreamId = (1u << 31) - 2'000'000;

bool isMetadataName(std::string_view name) {
  if (name.empty() || name.starts_with("grpc-") || name.ends_with("-bin")) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) return false;
  }
  // The framing and routing headers are the client's to set.
  return name != "content-type" && name != "te" && name != "user-agent" && name != "host";
}

// Fields whose value is new on every call. Added to HPACK's dynamic table (4 KiB), a 55-byte
// traceparent a call would push out the fields that repeat (:path, :authority, the caller's
// metadata) within a few dozen calls, and each would then be sent and indexed again as a literal.
bool changesEveryCall(std::string_view name) { return name == "traceparent" || name == "tracestate"; }

bool isMetadataValue(std::string_view value) {
  for (unsigned char c : value) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// What an HTTP status without a grpc-status means (gRPC's http-grpc-status-mapping.md).
StatusCode codeForHttpStatus(int status) {
  switch (status) {
    case 400: return StatusCode::kInternal;
    case 401: return StatusCode::kUnauthenticated;
    case 403: return StatusCode::kPermissionDenied;
    case 404: return StatusCode::kUnimplemented;
    case 429:
    case 502:
    case 503:
    case 504: return StatusCode::kUnavailable;
    default: return StatusCode::kUnknown;
  }
}

// What a stream reset without a grpc-status means (gRPC's PROTOCOL-HTTP2.md).
StatusCode codeForReset(uint32_t error) {
  switch (error) {
    case NGHTTP2_REFUSED_STREAM: return StatusCode::kUnavailable;
    case NGHTTP2_CANCEL: return StatusCode::kCancelled;
    case NGHTTP2_ENHANCE_YOUR_CALM: return StatusCode::kResourceExhausted;
    case NGHTTP2_INADEQUATE_SECURITY: return StatusCode::kPermissionDenied;
    default: return StatusCode::kInternal;
  }
}

std::string grpcTimeout(std::chrono::milliseconds timeout) {
  const long long millis = std::max<long long>(1, timeout.count());
  if (millis <= 99'999'999) return std::to_string(millis) + "m";
  return std::to_string(std::min<long long>(millis / 1000, 99'999'999)) + "S";
}

struct Stream {
  int32_t id = 0;
  GrpcClient::Callback callback;
  std::string request;  // the length-prefixed message
  size_t sent = 0;
  std::string body;
  GrpcReply reply;
  int httpStatus = 0;
  std::optional<int> grpcStatus;
  std::string grpcMessage;
  std::optional<Status> failure;  // set when the client itself ended the stream
  Clock::time_point deadline;
  uint64_t readsAtStart = 0;
  bool headersSent = false;  // handed to the socket; before that the server cannot have seen the call
  bool answered = false;  // the callback has its reply (or is queued to get it)
  // The request's own header values. nghttp2 reads them where they are (NGHTTP2_NV_FLAG_NO_COPY_*)
  // when it writes the HEADERS frame, which may be after submit() returned; a stream outlives that.
  std::string path;
  std::string timeout;
  std::vector<std::pair<std::string, std::string>> metadata;
};

class Connection;

// The HTTP/2 connections of one event loop, per client and address. A service of the io_context,
// so connections are destroyed with their event loop, never after it.
class GrpcConnections final : public asio::execution_context::service {
 public:
  using key_type = GrpcConnections;
  static inline asio::execution_context::id id;
  explicit GrpcConnections(asio::execution_context& context) : service(context) {}
  void shutdown() override { connections.clear(); }
  std::unordered_map<std::string, std::shared_ptr<Connection>> connections;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::io_context& context, std::string key, std::string address, const GrpcClientOptions& options)
      : context_(context),
        key_(std::move(key)),
        address_(std::move(address)),
        options_(options),
        socket_(context.get_executor()),
        timer_(context) {}

  ~Connection() {
    if (session_ != nullptr) nghttp2_session_del(session_);
  }

  bool usable() const {
    return !closing_ && !goingAway_ && nghttp2_session_get_next_stream_id(session_) < kRetireAtStreamId;
  }

  // No new calls: leaves the registry and closes once its calls have ended.
  void retire() {
    goingAway_ = true;
    leaveRegistry();
    closeIfFinished();
    deliver();
  }

  // The probe's wait ended without a connection: a connect nobody else waits for is given up, so
  // the next probe tries afresh (a dropped SYN would otherwise hold it for the kernel's timeout).
  void abandonConnectIfIdle() {
    if (closing_ || connected_ || hasLiveCalls()) return;
    fail(unavailable("cannot connect to " + address_ + " within the readiness probe's time"));
    deliver();
  }
  bool ready() const { return settingsReceived_ && !closing_; }

  void start() {
    nghttp2_session_callbacks* callbacks = nullptr;
    nghttp2_session_callbacks_new(&callbacks);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, &Connection::onHeader);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, &Connection::onData);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &Connection::onStreamClose);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &Connection::onFrame);
    nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, &Connection::onFrameSent);
    const int created = nghttp2_session_client_new(&session_, callbacks, this);
    nghttp2_session_callbacks_del(callbacks);
    if (created != 0) {
      session_ = nullptr;
      fail(internalError(std::string("cannot start an HTTP/2 session: ") + nghttp2_strerror(created)));
      return;
    }
    const nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
                                               {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, kStreamWindowBytes}};
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
    nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, kConnectionWindowBytes);

    auto hostPort = parseHostPort(address_);
    if (!hostPort) {
      fail(hostPort.status());
      return;
    }
    // Numeric addresses (every test and the laptop fleet) connect without a resolver thread.
    boost::system::error_code parseError;
    const auto ip = asio::ip::make_address(hostPort->host, parseError);
    if (!parseError) {
      connect({tcp::endpoint(ip, hostPort->port)});
      return;
    }
    auto resolver = std::make_shared<tcp::resolver>(context_);
    resolver->async_resolve(hostPort->host, std::to_string(hostPort->port), [self = shared_from_this(), resolver](boost::system::error_code error,
                                                                              tcp::resolver::results_type results) {
      if (self->closing_) return;
      if (error) {
        self->fail(unavailable("cannot resolve " + self->address_ + ": " + error.message()));
        self->deliver();
        return;
      }
      std::vector<tcp::endpoint> endpoints;
      for (const auto& entry : results) endpoints.push_back(entry.endpoint());
      self->connect(std::move(endpoints));
      self->deliver();
    });
  }

  void submit(GrpcRequest request, GrpcClient::Callback callback) {
    if (closing_) {
      GrpcReply reply;
      reply.status = closeReason_;
      reply.neverSent = true;
      callback(std::move(reply));
      return;
    }
    auto stream = std::make_unique<Stream>();
    stream->callback = std::move(callback);
    const uint32_t length = static_cast<uint32_t>(request.message.size());
    stream->request.reserve(5 + request.message.size());
    stream->request.push_back(0);  // not compressed
    for (int shift = 24; shift >= 0; shift -= 8) stream->request.push_back(static_cast<char>((length >> shift) & 0xff));
    stream->request.append(request.message);
    stream->deadline = Clock::now() + request.timeout;
    stream->readsAtStart = reads_;

    stream->path = std::move(request.path);
    stream->timeout = grpcTimeout(request.timeout);
    stream->metadata = std::move(request.metadata);
    std::vector<nghttp2_nv> headers;
    headers.reserve(8 + stream->metadata.size());
    // Not copied (nor lower-cased: every name here already is; isMetadataName refuses upper case):
    // the literals are static, the values live in the stream or the connection (address_).
    const auto add = [&headers](std::string_view name, std::string_view value) {
      const uint8_t flags = NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE |
                            (changesEveryCall(name) ? NGHTTP2_NV_FLAG_NO_INDEX : NGHTTP2_NV_FLAG_NONE);
      headers.push_back({reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                         reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(), flags});
    };
    add(":method", "POST");
    add(":scheme", "http");
    add(":path", stream->path);
    add(":authority", address_);
    add("content-type", "application/grpc");
    add("te", "trailers");
    add("grpc-timeout", stream->timeout);
    add("user-agent", "fleetdeck-grpc-h2");
    for (const auto& [name, value] : stream->metadata) {
      if (isMetadataName(name) && isMetadataValue(value)) add(name, value);
    }
    nghttp2_data_provider provider;
    provider.source.ptr = stream.get();
    provider.read_callback = &Connection::readRequest;
    const int32_t id = nghttp2_submit_request(session_, nullptr, headers.data(), headers.size(), &provider, stream.get());
    if (id < 0) {
      GrpcReply reply;
      reply.status = unavailable(std::string("cannot start a call to ") + address_ + ": " + nghttp2_strerror(id));
      reply.neverSent = true;
      auto failed = std::move(stream->callback);
      failed(std::move(reply));
      return;
    }
    stream->id = id;
    deadlines_.emplace(stream->deadline, id);
    streams_.emplace(id, std::move(stream));
    lastActive_ = Clock::now();
    armTimer();
    flush();  // at once: calls started while a write is out share the next one anyway
    deliver();  // a failed write has answered every call
  }

  // `done` runs once: when the server's settings arrive, or with the failure that closed the connection.
  void whenReady(std::function<void(Status)> done) {
    if (ready()) {
      done(Status::ok());
      return;
    }
    if (closing_) {
      done(closeReason_);
      return;
    }
    readyWaiters_.push_back(std::move(done));
  }

 private:
  void connect(std::vector<tcp::endpoint> endpoints) {
    if (endpoints.empty()) {
      fail(unavailable("cannot resolve " + address_ + ": no address"));
      return;
    }
    asio::async_connect(socket_, endpoints,
                        [self = shared_from_this()](boost::system::error_code error, const tcp::endpoint&) {
                          if (self->closing_) return;
                          if (error) {
                            self->fail(unavailable("cannot connect to " + self->address_ + ": " + error.message()));
                            self->deliver();
                            return;
                          }
                          boost::system::error_code ignored;
                          self->socket_.set_option(tcp::no_delay(true), ignored);
                          self->connected_ = true;
                          self->readMore();
                          self->flush();
                          self->deliver();
                        });
  }

  void readMore() {
    socket_.async_read_some(asio::buffer(readBuffer_), [self = shared_from_this()](boost::system::error_code error,
                                                                                   size_t bytes) {
      if (self->closing_) return;
      if (error) {
        self->fail(unavailable("connection to " + self->address_ + " " +
                               (error == asio::error::eof ? std::string("closed by the server") : error.message())));
        self->deliver();
        return;
      }
      ++self->reads_;
      self->pingDeadline_.reset();
      const ssize_t used = nghttp2_session_mem_recv(self->session_, self->readBuffer_.data(), bytes);
      if (used < 0) {
        self->fail(unavailable("HTTP/2 error from " + self->address_ + ": " + nghttp2_strerror(static_cast<int>(used))));
        self->deliver();
        return;
      }
      self->settle();
      if (self->closing_) return;
      self->armTimer();
      self->readMore();
    });
  }

  void flush() {
    if (writing_ || closing_ || !connected_) return;
    out_.clear();
    for (;;) {
      const uint8_t* data = nullptr;
      const ssize_t bytes = nghttp2_session_mem_send(session_, &data);
      if (bytes < 0) {
        fail(internalError(std::string("HTTP/2 error towards ") + address_ + ": " +
                           nghttp2_strerror(static_cast<int>(bytes))));
        return;
      }
      if (bytes == 0) break;
      out_.append(reinterpret_cast<const char*>(data), static_cast<size_t>(bytes));
      if (out_.size() >= kWriteBatchBytes) break;
    }
    if (out_.empty()) return;
    writing_ = true;
    asio::async_write(socket_, asio::buffer(out_), [self = shared_from_this()](boost::system::error_code error, size_t) {
      self->writing_ = false;
      if (self->closing_) return;
      if (error) {
        self->fail(unavailable("cannot write to " + self->address_ + ": " + error.message()));
        self->deliver();
        return;
      }
      self->settle();
    });
  }

  // After I/O: writes what nghttp2 has queued (acks, window updates, new calls), closes the
  // connection if it is done, then runs the callbacks that became due.
  void settle() {
    flush();
    closeIfFinished();
    deliver();
  }

  // Closes the connection once nghttp2 is done with it (a GOAWAY either way, all streams over) or
  // once a retired connection's last call has ended.
  void closeIfFinished() {
    if (closing_ || session_ == nullptr) return;
    const bool sessionOver = connected_ && !writing_ && nghttp2_session_want_read(session_) == 0 &&
                             nghttp2_session_want_write(session_) == 0;
    if (sessionOver || (goingAway_ && streams_.empty())) {
      fail(unavailable("connection to " + address_ + " went away"));
    }
  }

  bool hasLiveCalls() const {
    for (const auto& [id, stream] : streams_) {
      if (!stream->answered) return true;
    }
    return false;
  }

  // One timer per connection, armed for the earliest call deadline (or PING answer due).
  void armTimer() {
    Clock::time_point due = Clock::time_point::max();
    if (!deadlines_.empty()) due = deadlines_.begin()->first;
    if (pingDeadline_) due = std::min(due, *pingDeadline_);
    if (streams_.empty() && !closing_) due = std::min(due, lastActive_ + options_.idleTimeout);
    if (due == Clock::time_point::max() || (timerArmed_ && armedFor_ <= due)) return;
    timerArmed_ = true;
    armedFor_ = due;
    timer_.expires_at(due);
    timer_.async_wait([self = shared_from_this(), due](boost::system::error_code error) {
      if (error || self->closing_ || self->armedFor_ != due) return;
      self->timerArmed_ = false;
      self->onTimer();
    });
  }

  void onTimer() {
    const auto now = Clock::now();
    if (pingDeadline_ && *pingDeadline_ <= now) {
      fail(unavailable("connection to " + address_ + " stopped answering (no PING answer within " +
                       std::to_string(options_.pingTimeout.count()) + " ms)"));
      deliver();
      return;
    }
    if (streams_.empty() && now - lastActive_ >= options_.idleTimeout) {
      fail(unavailable("connection to " + address_ + " closed after " +
                       std::to_string(options_.idleTimeout.count()) + " ms without calls"));
      return;
    }
    while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
      const int32_t id = deadlines_.begin()->second;
      deadlines_.erase(deadlines_.begin());
      auto found = streams_.find(id);
      if (found == streams_.end() || found->second->answered) continue;
      Stream& stream = *found->second;
      answer(stream, deadlineExceeded("no answer from " + address_ + " before the deadline"));
      nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
      // Nothing read since the call started: is the connection still there?
      if (reads_ == stream.readsAtStart && !pingDeadline_ && connected_ &&
          (!lastPingAt_ || now - *lastPingAt_ >= options_.minPingInterval)) {
        nghttp2_submit_ping(session_, NGHTTP2_FLAG_NONE, nullptr);
        pingDeadline_ = now + options_.pingTimeout;
        lastPingAt_ = now;
      }
    }
    // A connect that outlasts the deadline of every call waiting for it (a silently dropped SYN) is
    // given up, so the next call tries afresh instead of queueing behind it until the kernel's own
    // timeout. Not while a call still waits: one caller's short deadline must not fail the others.
    if (!connected_ && !hasLiveCalls()) fail(unavailable("cannot connect to " + address_ + " within the calls' deadlines"));
    armTimer();
    flush();
    deliver();
  }

  // Queues the stream's callback; deliver() runs it outside nghttp2's callbacks.
  void answer(Stream& stream, Status status, bool neverSent = false) {
    if (stream.answered) return;
    stream.answered = true;
    stream.reply.status = std::move(status);
    stream.reply.neverSent = neverSent;
    if (stream.reply.status.isOk()) stream.reply.message = std::move(stream.body);
    pending_.emplace_back(std::move(stream.callback), std::move(stream.reply));
  }

  void deliver() {
    while (!pending_.empty()) {
      auto ready = std::move(pending_);
      pending_.clear();
      for (auto& [callback, reply] : ready) callback(std::move(reply));
    }
  }

  void fail(Status reason) {
    if (closing_) return;
    closing_ = true;
    closeReason_ = reason;
    leaveRegistry();
    boost::system::error_code ignored;
    socket_.close(ignored);
    timer_.cancel();
    for (auto& [id, stream] : streams_) answer(*stream, reason, /*neverSent=*/!stream->headersSent);
    deadlines_.clear();
    for (auto& waiter : std::exchange(readyWaiters_, {})) {
      pending_.emplace_back([waiter = std::move(waiter), reason](GrpcReply) { waiter(reason); }, GrpcReply{});
    }
    // Callers run deliver() next. The streams stay until the session is deleted: nghttp2 still points at them.
  }

  void leaveRegistry() {
    auto& registry = asio::use_service<GrpcConnections>(context_);
    if (auto found = registry.connections.find(key_); found != registry.connections.end() && found->second.get() == this) {
      registry.connections.erase(found);
    }
  }

  // ---- nghttp2 callbacks (within mem_recv / mem_send) ----

  static ssize_t readRequest(nghttp2_session*, int32_t, uint8_t* buffer, size_t length, uint32_t* flags,
                             nghttp2_data_source* source, void*) {
    auto* stream = static_cast<Stream*>(source->ptr);
    const size_t count = std::min(length, stream->request.size() - stream->sent);
    std::memcpy(buffer, stream->request.data() + stream->sent, count);
    stream->sent += count;
    if (stream->sent == stream->request.size()) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
      std::string().swap(stream->request);
      stream->sent = 0;
    }
    return static_cast<ssize_t>(count);
  }

  static int onHeader(nghttp2_session* session, const nghttp2_frame* frame, const uint8_t* name, size_t nameLength,
                      const uint8_t* value, size_t valueLength, uint8_t, void*) {
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    auto* stream = static_cast<Stream*>(nghttp2_session_get_stream_user_data(session, frame->hd.stream_id));
    if (stream == nullptr) return 0;
    const std::string_view key(reinterpret_cast<const char*>(name), nameLength);
    const std::string_view text(reinterpret_cast<const char*>(value), valueLength);
    if (key == ":status") {
      stream->httpStatus = std::atoi(std::string(text).c_str());
    } else if (key == "grpc-status") {
      int code = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), code);
      // Not a number: left unset, so the answer counts as one without a status.
      if (error == std::errc() && end == text.data() + text.size() && !text.empty()) stream->grpcStatus = code;
    } else if (key == "grpc-message") {
      // Percent-encoded; gRPC says a bad escape must not lose the message, so it is kept as sent.
      stream->grpcMessage = percentDecode(text).value_or(std::string(text));
    } else if (key == "grpc-status-details-bin") {
      // Standard base64, padded or not; undecodable details are dropped, the status still counts.
      std::string urlSafe(text);
      for (char& c : urlSafe) c = c == '+' ? '-' : c == '/' ? '_' : c;
      while (!urlSafe.empty() && urlSafe.back() == '=') urlSafe.pop_back();
      if (auto decoded = base64UrlDecode(urlSafe)) stream->reply.statusDetails = std::move(*decoded);
    } else if (!key.starts_with(':') && !key.starts_with("grpc-") && key != "content-type") {
      stream->reply.metadata.emplace_back(std::string(key), std::string(text));
    }
    return 0;
  }

  static int onData(nghttp2_session* session, uint8_t, int32_t id, const uint8_t* data, size_t length, void* user) {
    auto* self = static_cast<Connection*>(user);
    auto* stream = static_cast<Stream*>(nghttp2_session_get_stream_user_data(session, id));
    if (stream == nullptr || stream->answered || stream->failure) return 0;
    if (stream->body.size() + length > self->options_.maxMessageBytes + 5) {
      stream->failure = resourceExhausted("the answer from " + self->address_ + " is larger than " +
                                          std::to_string(self->options_.maxMessageBytes) + " bytes");
      nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
      return 0;
    }
    stream->body.append(reinterpret_cast<const char*>(data), length);
    return 0;
  }

  static int onFrame(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    auto* self = static_cast<Connection*>(user);
    if (frame->hd.type == NGHTTP2_SETTINGS && (frame->hd.flags & NGHTTP2_FLAG_ACK) == 0 && !self->settingsReceived_) {
      self->settingsReceived_ = true;
      // Run after nghttp2 returns, like the calls' callbacks.
      for (auto& waiter : std::exchange(self->readyWaiters_, {})) {
        self->pending_.emplace_back([waiter = std::move(waiter)](GrpcReply) { waiter(Status::ok()); }, GrpcReply{});
      }
    } else if (frame->hd.type == NGHTTP2_GOAWAY) {
      // Calls in flight finish (or are refused, which nghttp2 reports per stream); new calls open
      // a new connection.
      self->goingAway_ = true;
      self->leaveRegistry();
    }
    return 0;
  }

  static int onFrameSent(nghttp2_session* session, const nghttp2_frame* frame, void*) {
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    if (auto* stream = static_cast<Stream*>(nghttp2_session_get_stream_user_data(session, frame->hd.stream_id))) {
      stream->headersSent = true;
    }
    return 0;
  }

  static int onStreamClose(nghttp2_session*, int32_t id, uint32_t error, void* user) {
    auto* self = static_cast<Connection*>(user);
    auto found = self->streams_.find(id);
    if (found == self->streams_.end()) return 0;
    std::unique_ptr<Stream> stream = std::move(found->second);
    self->streams_.erase(found);
    self->deadlines_.erase({stream->deadline, id});
    self->lastActive_ = Clock::now();
    if (stream->answered) return 0;
    if (stream->failure) {
      self->answer(*stream, *stream->failure);
    } else if (stream->grpcStatus) {
      const int code = *stream->grpcStatus;
      if (code < 0 || code > 16) {
        self->answer(*stream, Status(StatusCode::kUnknown, "grpc-status " + std::to_string(code) + " from " +
                                                               self->address_ + ": " + stream->grpcMessage));
      } else if (code != 0) {
        self->answer(*stream, Status(static_cast<StatusCode>(code), stream->grpcMessage));
      } else if (stream->body.size() < 5) {
        self->answer(*stream, internalError("no response message from " + self->address_));
      } else if (stream->body[0] != 0) {
        self->answer(*stream, internalError("compressed response from " + self->address_ + " (none was asked for)"));
      } else {
        const auto byte = [&](size_t index) { return static_cast<uint32_t>(static_cast<uint8_t>(stream->body[index])); };
        const uint32_t length = byte(1) << 24 | byte(2) << 16 | byte(3) << 8 | byte(4);
        if (length != stream->body.size() - 5) {
          self->answer(*stream, internalError("malformed response framing from " + self->address_));
        } else {
          stream->body.erase(0, 5);
          self->answer(*stream, Status::ok());
        }
      }
    } else if (error != NGHTTP2_NO_ERROR) {
      // REFUSED_STREAM (also what a GOAWAY means for calls past its last stream id): not processed.
      const bool refused = error == NGHTTP2_REFUSED_STREAM;
      self->answer(*stream,
                   Status(codeForReset(error), std::string(refused ? "call refused by " : "call reset on the way to ") +
                                                   self->address_ + " (" + nghttp2_http2_strerror(error) + ")"),
                   refused || !stream->headersSent);
    } else {
      const StatusCode code = stream->httpStatus != 200 ? codeForHttpStatus(stream->httpStatus) : StatusCode::kInternal;
      self->answer(*stream, Status(code, "answer from " + self->address_ + " without grpc-status (HTTP " +
                                             std::to_string(stream->httpStatus) + ")"));
    }
    // nghttp2 forgets the stream after this callback, so the Stream can go now.
    return 0;
  }

  asio::io_context& context_;
  std::string key_;
  std::string address_;
  GrpcClientOptions options_;
  detail::Socket socket_;
  asio::steady_timer timer_;
  nghttp2_session* session_ = nullptr;
  std::unordered_map<int32_t, std::unique_ptr<Stream>> streams_;
  std::set<std::pair<Clock::time_point, int32_t>> deadlines_;
  std::vector<std::pair<GrpcClient::Callback, GrpcReply>> pending_;
  std::vector<std::function<void(Status)>> readyWaiters_;
  std::array<uint8_t, kReadBufferBytes> readBuffer_{};
  std::string out_;
  uint64_t reads_ = 0;
  std::optional<Clock::time_point> pingDeadline_;
  std::optional<Clock::time_point> lastPingAt_;
  Clock::time_point lastActive_ = Clock::now();
  Clock::time_point armedFor_ = Clock::time_point::max();
  bool timerArmed_ = false;
  bool connected_ = false;
  bool settingsReceived_ = false;
  bool writing_ = false;
  bool goingAway_ = false;
  bool closing_ = false;
  Status closeReason_;
};

std::shared_ptr<Connection> connectionFor(asio::io_context& context, uint64_t clientId, const std::string& address,
                                          const GrpcClientOptions& options) {
  auto& registry = asio::use_service<GrpcConnections>(context);
  std::string key = std::to_string(clientId) + "/" + address;
  if (auto found = registry.connections.find(key); found != registry.connections.end()) {
    if (found->second->usable()) return found->second;
    auto retired = found->second;  // keeps it alive while it leaves the registry
    retired->retire();
  }
  auto connection = std::make_shared<Connection>(context, key, address, options);
  registry.connections[key] = connection;
  connection->start();  // may fail at once and leave the registry again
  return connection;
}

}  // namespace

const std::string* GrpcReply::find(std::string_view name) const {
  for (const auto& [key, value] : metadata) {
    if (key == name) return &value;
  }
  return nullptr;
}

class GrpcClient::Impl {
 public:
  explicit Impl(GrpcClientOptions options)
      : options_(options), id_(nextClientId.fetch_add(1)), guard_(asio::make_work_guard(context_)) {
    thread_ = namedThread("grpc-client", [this] { context_.run(); });
  }
  ~Impl() { stop(); }

  void stop() {
    std::lock_guard lock(stopMutex_);
    guard_.reset();
    context_.stop();
    if (thread_.joinable()) thread_.join();
  }

  void call(const std::string& address, GrpcRequest request, Callback callback) {
    asio::io_context* serverContext = options_.runOnCallersServerLoop ? detail::currentServerContext() : nullptr;
    if (serverContext != nullptr) {
      connectionFor(*serverContext, id_, address, options_)->submit(std::move(request), std::move(callback));
      return;
    }
    asio::post(context_, [this, address, request = std::move(request), callback = std::move(callback)]() mutable {
      connectionFor(context_, id_, address, options_)->submit(std::move(request), std::move(callback));
    });
  }

  Status probe(const std::string& address, std::chrono::milliseconds timeout) {
    struct Outcome {
      std::promise<Status> promise;
      std::atomic<bool> set{false};
      std::weak_ptr<Connection> connection;  // touched on the client's own thread only
    };
    auto outcome = std::make_shared<Outcome>();
    auto future = outcome->promise.get_future();
    asio::post(context_, [this, address, outcome] {
      auto connection = connectionFor(context_, id_, address, options_);
      outcome->connection = connection;
      connection->whenReady([outcome](Status status) {
        if (!outcome->set.exchange(true)) outcome->promise.set_value(std::move(status));
      });
    });
    if (future.wait_for(timeout) != std::future_status::ready) {
      asio::post(context_, [outcome] {
        if (auto connection = outcome->connection.lock()) connection->abandonConnectIfIdle();
      });
      return unavailable("no HTTP/2 connection to " + address + " within " + std::to_string(timeout.count()) + " ms");
    }
    return future.get();
  }

 private:
  GrpcClientOptions options_;
  uint64_t id_;
  asio::io_context context_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::mutex stopMutex_;
  std::thread thread_;
};

GrpcClient::GrpcClient(GrpcClientOptions options) : impl_(std::make_shared<Impl>(options)) {}
GrpcClient::~GrpcClient() = default;

void GrpcClient::stop() { impl_->stop(); }

void GrpcClient::call(const std::string& address, GrpcRequest request, Callback callback) {
  impl_->call(address, std::move(request), std::move(callback));
}

Status GrpcClient::probe(const std::string& address, std::chrono::milliseconds timeout) {
  return impl_->probe(address, timeout);
}

}  // namespace fleetdeck::http
