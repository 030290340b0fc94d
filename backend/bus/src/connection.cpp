#include "fleetdeck/bus/connection.h"

#include <chrono>

#include "fleetdeck/core/config.h"
#include "fleetdeck/core/log.h"
#include "fleetdeck/telemetry/metrics.h"
#include "nats_internal.h"

namespace fleetdeck::bus {
namespace {

int64_t toNanos(std::chrono::milliseconds duration) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(duration).count();
}

telemetry::CounterFamily& publishedTotal() {
  static auto& family =
      telemetry::defaultRegistry().counter("bus_published_total", "Messages a stream acknowledged.", {"stream"});
  return family;
}

telemetry::CounterFamily& reconnectsTotal() {
  static auto& family = telemetry::defaultRegistry().counter(
      "bus_reconnects_total", "Times the NATS connection came back after losing the server.", {"connection"});
  return family;
}

void onConnected(natsConnection*, void* closure) {
  auto* impl = static_cast<Bus::Impl*>(closure);
  impl->topologyDirty = true;
  log::info("connected to NATS", {{"connection", impl->options.name}});
}

void onDisconnected(natsConnection*, void* closure) {
  auto* impl = static_cast<Bus::Impl*>(closure);
  std::lock_guard lock(impl->closedMutex);
  if (!impl->closed && !impl->closing) log::warn("lost the NATS connection; reconnecting", {{"connection", impl->options.name}});
}

void onReconnected(natsConnection*, void* closure) {
  auto* impl = static_cast<Bus::Impl*>(closure);
  impl->topologyDirty = true;
  ++impl->reconnects;
  reconnectsTotal().labels({impl->options.name}).inc();
  log::info("reconnected to NATS", {{"connection", impl->options.name}});
}

void onClosed(natsConnection*, void* closure) {
  auto* impl = static_cast<Bus::Impl*>(closure);
  {
    std::lock_guard lock(impl->closedMutex);
    impl->closed = true;
  }
  impl->closedSignal.notify_all();
}

}  // namespace

Status statusFromNats(natsStatus status, const std::string& during, jsErrCode errorCode) {
  if (status == NATS_OK) return Status::ok();
  std::string message = during + ": " + natsStatus_GetText(status);
  if (errorCode != 0) message += " (JetStream error " + std::to_string(static_cast<int>(errorCode)) + ")";
  switch (status) {
    case NATS_TIMEOUT:
      return deadlineExceeded(message);
    case NATS_CONNECTION_CLOSED:
    case NATS_NO_SERVER:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_NOT_YET_CONNECTED:
    case NATS_STALE_CONNECTION:
    case NATS_IO_ERROR:
    case NATS_NO_RESPONDERS:
    case NATS_DRAINING:
    case NATS_MISSED_HEARTBEAT:
      return unavailable(message);
    case NATS_NOT_FOUND:
      return notFound(message);
    case NATS_INVALID_ARG:
    case NATS_INVALID_SUBJECT:
    case NATS_MAX_PAYLOAD:
      return invalidArgument(message);
    default:
      if (errorCode == JSStreamNotFoundErr || errorCode == JSConsumerNotFoundErr) return notFound(message);
      return internalError(message);
  }
}

Bus::Impl::~Impl() {
  if (connection != nullptr) {
    {
      std::lock_guard lock(closedMutex);
      closing = true;
    }
    natsConnection_Close(connection);
    // libnats runs the disconnected/closed callbacks on its own thread after Close returns: wait for
    // the closed one (queued last) so no callback can touch this object once it is gone.
    std::unique_lock lock(closedMutex);
    closedSignal.wait_for(lock, std::chrono::seconds(2), [this] { return closed; });
  }
  if (js != nullptr) jsCtx_Destroy(js);
  if (asyncJs != nullptr) jsCtx_Destroy(asyncJs);
  if (connection != nullptr) natsConnection_Destroy(connection);
  if (natsOpts != nullptr) natsOptions_Destroy(natsOpts);
}

jsOptions Bus::Impl::requestOptions() const {
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = options.requestTimeout.count();
  return jo;
}

Status Bus::Impl::addOrUpdateStream(const StreamSpec& spec) {
  std::vector<const char*> subjects;
  for (const auto& subject : spec.subjects) subjects.push_back(subject.c_str());
  jsStreamConfig config;
  jsStreamConfig_Init(&config);
  config.Name = spec.name.c_str();
  config.Description = spec.description.empty() ? nullptr : spec.description.c_str();
  config.Subjects = subjects.data();
  config.SubjectsLen = static_cast<int>(subjects.size());
  config.Storage = spec.fileStorage ? js_FileStorage : js_MemoryStorage;
  config.Retention = js_LimitsPolicy;
  config.Duplicates = toNanos(spec.duplicateWindow);
  config.MaxAge = toNanos(spec.maxAge);
  // Also an update's: a stream edited to another count by hand goes back to the configured one.
  config.Replicas = options.streamReplicas;
  jsOptions jo = requestOptions();
  jsStreamInfo* info = nullptr;
  jsErrCode errorCode = static_cast<jsErrCode>(0);
  natsStatus status = js_AddStream(&info, js, &config, &jo, &errorCode);
  if (status != NATS_OK && errorCode == JSStreamNameExistErr) {
    // It exists with another configuration (e.g. a changed max age or replica count): bring it to this spec.
    errorCode = static_cast<jsErrCode>(0);
    status = js_UpdateStream(&info, js, &config, &jo, &errorCode);
  }
  if (info != nullptr) jsStreamInfo_Destroy(info);
  return statusFromNats(status, "declaring stream " + spec.name, errorCode);
}

void Bus::Impl::declareStreamsIfNeeded(bool force) {
  if (!topologyDirty.load()) return;
  std::lock_guard lock(streamsMutex);
  const auto now = std::chrono::steady_clock::now();
  if (!force && now < nextDeclareAttempt) return;
  if (!topologyDirty.exchange(false)) return;
  for (const auto& spec : streams) {
    const Status status = addOrUpdateStream(spec);
    if (status.isOk()) {
      if (declareErrors.erase(spec.name) > 0) log::info("stream declared", {{"stream", spec.name}});
      continue;
    }
    topologyDirty = true;
    if (auto& logged = declareErrors[spec.name]; logged != status.toString()) {
      logged = status.toString();
      log::warn("cannot declare stream; its publishers and consumers wait, the other streams carry on",
                {{"stream", spec.name}, {"error", logged}});
    }
  }
  nextDeclareAttempt = now + std::chrono::seconds(1);
}

BusOptions busOptionsFromConfig(Config& config, std::string name) {
  BusOptions options;
  options.url = config.getString("nats.url", "");
  options.name = std::move(name);
  // At 0 every connection attempt and request would fail at once.
  options.connectTimeout = config.getDuration("nats.connect_timeout", options.connectTimeout, std::chrono::milliseconds(10));
  options.requestTimeout = config.getDuration("nats.request_timeout", options.requestTimeout, std::chrono::milliseconds(10));
  options.reconnectWait = config.getDuration("nats.reconnect_wait", options.reconnectWait);
  options.streamReplicas =
      static_cast<int>(config.getInt("nats.stream_replicas", options.streamReplicas, 1, kMaxStreamReplicas));
  return options;
}

Bus::Bus(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Bus::~Bus() = default;

// "nats://host:port[,…]" (or tls://, or host:port): anything else is a typo that would otherwise
// only show as a connection that never comes up.
std::string urlProblem(const std::string& url) {
  if (url.empty()) return "is empty: the bus is disabled";
  size_t start = 0;
  while (start <= url.size()) {
    const size_t comma = url.find(',', start);
    std::string server = url.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    while (!server.empty() && server.front() == ' ') server.erase(server.begin());
    while (!server.empty() && server.back() == ' ') server.pop_back();
    if (const size_t scheme = server.find("://"); scheme != std::string::npos) {
      const std::string name = server.substr(0, scheme);
      if (name != "nats" && name != "tls") return "uses scheme " + name + "://; expected nats:// or tls://";
      server = server.substr(scheme + 3);
    }
    if (server.empty() || server.find_first_of(" /") != std::string::npos) {
      return "must list servers as nats://host:port, separated by commas";
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return {};
}

std::string urlWithoutCredentials(const std::string& url) {
  std::string shown;
  size_t start = 0;
  while (start <= url.size()) {
    const size_t comma = url.find(',', start);
    std::string server = url.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const size_t hostStart = server.find("://") == std::string::npos ? 0 : server.find("://") + 3;
    if (const size_t at = server.find('@', hostStart); at != std::string::npos) {
      server = server.substr(0, hostStart) + "***" + server.substr(at);
    }
    shown += server;
    if (comma == std::string::npos) break;
    shown += ',';
    start = comma + 1;
  }
  return shown;
}

Result<std::unique_ptr<Bus>> Bus::connect(BusOptions options) {
  if (auto problem = urlProblem(options.url); !problem.empty()) return invalidField("nats.url", problem);
  if (options.streamReplicas < 1 || options.streamReplicas > kMaxStreamReplicas) {
    return invalidField("nats.stream_replicas", "must be 1 to " + std::to_string(kMaxStreamReplicas) + ", got " +
                                                    std::to_string(options.streamReplicas));
  }
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  Impl* raw = impl.get();
  natsStatus status = natsOptions_Create(&raw->natsOpts);
  if (status == NATS_OK) status = natsOptions_SetURL(raw->natsOpts, raw->options.url.c_str());
  if (status != NATS_OK) {
    return invalidField("nats.url", std::string("is not a NATS server list: ") + natsStatus_GetText(status));
  }
  if (status == NATS_OK) status = natsOptions_SetName(raw->natsOpts, raw->options.name.c_str());
  if (status == NATS_OK) status = natsOptions_SetTimeout(raw->natsOpts, raw->options.connectTimeout.count());
  // Never give up: a broker restart must not need a service restart.
  if (status == NATS_OK) status = natsOptions_SetMaxReconnect(raw->natsOpts, -1);
  if (status == NATS_OK) status = natsOptions_SetReconnectWait(raw->natsOpts, raw->options.reconnectWait.count());
  // A request in flight when the connection drops fails at once instead of waiting out its timeout.
  if (status == NATS_OK) status = natsOptions_SetFailRequestsOnDisconnect(raw->natsOpts, true);
  // Notice a silently dead server within seconds, not the default two minutes.
  if (status == NATS_OK) status = natsOptions_SetPingInterval(raw->natsOpts, 5000);
  if (status == NATS_OK) status = natsOptions_SetMaxPingsOut(raw->natsOpts, 2);
  if (status == NATS_OK) status = natsOptions_SetDisconnectedCB(raw->natsOpts, onDisconnected, raw);
  if (status == NATS_OK) status = natsOptions_SetReconnectedCB(raw->natsOpts, onReconnected, raw);
  if (status == NATS_OK) status = natsOptions_SetClosedCB(raw->natsOpts, onClosed, raw);
  // Start even when NATS is not up yet; the connection comes when it does.
  if (status == NATS_OK) status = natsOptions_SetRetryOnFailedConnect(raw->natsOpts, true, onConnected, raw);
  if (status != NATS_OK) return statusFromNats(status, "configuring the NATS connection");

  status = natsConnection_Connect(&raw->connection, raw->natsOpts);
  if (status == NATS_NOT_YET_CONNECTED) {
    log::warn("NATS not reachable yet; connecting in the background",
              {{"connection", raw->options.name}, {"url", urlWithoutCredentials(raw->options.url)}});
  } else if (status != NATS_OK) {
    raw->connection = nullptr;
    return statusFromNats(status, "connecting to NATS at " + urlWithoutCredentials(raw->options.url));
  }
  jsOptions jo = raw->requestOptions();
  status = natsConnection_JetStream(&raw->js, raw->connection, &jo);
  if (status != NATS_OK) return statusFromNats(status, "opening JetStream");
  return std::unique_ptr<Bus>(new Bus(std::move(impl)));
}

bool Bus::connected() const {
  return impl_->connection != nullptr && natsConnection_Status(impl_->connection) == NATS_CONN_STATUS_CONNECTED;
}

Status Bus::ping(std::chrono::milliseconds timeout) {
  if (!connected()) return unavailable("not connected to NATS at " + urlWithoutCredentials(impl_->options.url));
  return statusFromNats(natsConnection_FlushTimeout(impl_->connection, timeout.count()), "NATS round trip");
}

Status Bus::declareStream(const StreamSpec& spec) {
  {
    std::lock_guard lock(impl_->streamsMutex);
    bool known = false;
    for (auto& existing : impl_->streams) {
      if (existing.name == spec.name) {
        existing = spec;
        known = true;
      }
    }
    if (!known) impl_->streams.push_back(spec);
  }
  if (!connected()) {
    impl_->topologyDirty = true;
    return unavailable("not connected to NATS; stream " + spec.name + " will be declared on connect");
  }
  std::lock_guard lock(impl_->streamsMutex);
  return impl_->addOrUpdateStream(spec);
}

namespace {

// What publish() and publishAll() check of a message before anything is sent.
Status checkOutgoing(const OutgoingMessage& message) {
  ValidationErrors errors;
  if (message.subject.empty()) errors.add("subject", "must not be empty");
  if (message.msgId.empty()) errors.add("msgId", "must not be empty (it is the dedupe key)");
  return errors.toStatus();
}

// The libnats message for `message`: subject, data, headers, and Nats-Msg-Id as a header (the
// broker's dedupe key; the asynchronous ack handler also tells messages apart by it). The caller
// owns it.
Result<natsMsg*> toNatsMessage(const OutgoingMessage& message) {
  natsMsg* msg = nullptr;
  natsStatus status = natsMsg_Create(&msg, message.subject.c_str(), nullptr, message.data.data(),
                                     static_cast<int>(message.data.size()));
  if (status != NATS_OK) return statusFromNats(status, "building a message for " + message.subject);
  for (const auto& [name, value] : message.headers) {
    if (name == kMsgIdHeader) continue;  // set from msgId below, never twice
    if (status == NATS_OK) status = natsMsgHeader_Add(msg, name.c_str(), value.c_str());
  }
  if (status == NATS_OK) status = natsMsgHeader_Set(msg, kMsgIdHeader, message.msgId.c_str());
  if (status != NATS_OK) {
    natsMsg_Destroy(msg);
    return statusFromNats(status, "setting headers of a message for " + message.subject);
  }
  return msg;
}

}  // namespace

Result<PublishAck> Bus::publish(const OutgoingMessage& message) {
  FLEETDECK_RETURN_IF_ERROR(checkOutgoing(message));
  if (!connected()) return unavailable("not connected to NATS at " + urlWithoutCredentials(impl_->options.url));
  impl_->declareStreamsIfNeeded();

  auto built = toNatsMessage(message);
  if (!built) return built.status();
  natsMsg* msg = *built;
  jsPubOptions publishOptions;
  jsPubOptions_Init(&publishOptions);
  publishOptions.MaxWait = impl_->options.requestTimeout.count();
  jsPubAck* ack = nullptr;
  jsErrCode errorCode = static_cast<jsErrCode>(0);
  natsStatus status = js_PublishMsg(&ack, impl_->js, msg, &publishOptions, &errorCode);
  if (status == NATS_NO_RESPONDERS) {
    // No stream took the subject: the broker may have lost its store. Declare again, retry once.
    impl_->topologyDirty = true;
    impl_->declareStreamsIfNeeded(/*force=*/true);
    errorCode = static_cast<jsErrCode>(0);
    status = js_PublishMsg(&ack, impl_->js, msg, &publishOptions, &errorCode);
    if (status == NATS_NO_RESPONDERS) {
      natsMsg_Destroy(msg);
      return notFound("no stream takes subject " + message.subject);
    }
  }
  natsMsg_Destroy(msg);
  if (status != NATS_OK) return statusFromNats(status, "publishing to " + message.subject, errorCode);
  PublishAck result{ack->Stream != nullptr ? ack->Stream : "", ack->Sequence, ack->Duplicate};
  jsPubAck_Destroy(ack);
  if (!result.duplicate) publishedTotal().labels({result.stream}).inc();
  return result;
}

namespace {

// libnats calls this on its delivery thread for every asynchronously published message.
void onAsyncAck(jsCtx* /*js*/, natsMsg* msg, jsPubAck* ack, jsPubAckErr* error, void* closure) {
  auto* outcomes = static_cast<Bus::Impl::AsyncOutcomes*>(closure);
  const char* msgId = nullptr;
  if (natsMsgHeader_Get(msg, kMsgIdHeader, &msgId) == NATS_OK && msgId != nullptr) {
    Bus::Impl::AsyncOutcome outcome;
    if (ack != nullptr) {
      outcome.stream = ack->Stream != nullptr ? ack->Stream : "";
      outcome.duplicate = ack->Duplicate;
    } else if (error != nullptr) {
      const char* subject = natsMsg_GetSubject(msg);
      outcome.status = error->Err == NATS_NO_RESPONDERS
                           ? notFound(std::string("no stream takes subject ") + (subject != nullptr ? subject : ""))
                           : statusFromNats(error->Err, std::string("publishing to ") + (subject != nullptr ? subject : ""),
                                            error->ErrCode);
    }
    std::lock_guard lock(outcomes->mutex);
    outcomes->byMsgId[msgId] = std::move(outcome);
  }
  natsMsg_Destroy(msg);
}

}  // namespace

std::vector<Status> Bus::publishAll(const std::vector<OutgoingMessage>& messages) {
  std::vector<Status> results(messages.size());
  std::vector<size_t> valid;
  for (size_t i = 0; i < messages.size(); ++i) {
    results[i] = checkOutgoing(messages[i]);
    if (results[i].isOk()) valid.push_back(i);
  }
  const auto failValid = [&](const Status& status) {
    for (size_t i : valid) results[i] = status;
    return results;
  };
  if (valid.empty()) return results;
  if (!connected()) return failValid(unavailable("not connected to NATS at " + urlWithoutCredentials(impl_->options.url)));
  impl_->declareStreamsIfNeeded();

  std::lock_guard batch(impl_->batchMutex);
  if (impl_->asyncJs == nullptr) {
    jsOptions options;
    jsOptions_Init(&options);
    options.PublishAsync.AckHandler = onAsyncAck;
    options.PublishAsync.AckHandlerClosure = &impl_->asyncOutcomes;
    natsStatus created = natsConnection_JetStream(&impl_->asyncJs, impl_->connection, &options);
    if (created != NATS_OK) {
      impl_->asyncJs = nullptr;
      return failValid(statusFromNats(created, "creating an asynchronous JetStream context"));
    }
  }
  {
    std::lock_guard lock(impl_->asyncOutcomes.mutex);
    impl_->asyncOutcomes.byMsgId.clear();
  }
  std::vector<size_t> sent;
  for (size_t i : valid) {
    const OutgoingMessage& message = messages[i];
    auto built = toNatsMessage(message);
    if (!built) {
      results[i] = built.status();
      continue;
    }
    natsMsg* msg = *built;
    const natsStatus status = js_PublishMsgAsync(impl_->asyncJs, &msg, nullptr);
    if (msg != nullptr) natsMsg_Destroy(msg);  // not taken by the library (it clears msg when it is)
    if (status != NATS_OK) {
      results[i] = statusFromNats(status, "publishing to " + message.subject);
      continue;
    }
    sent.push_back(i);
  }
  jsPubOptions wait;
  jsPubOptions_Init(&wait);
  wait.MaxWait = impl_->options.requestTimeout.count();
  const natsStatus completed = js_PublishAsyncComplete(impl_->asyncJs, &wait);
  if (completed != NATS_OK) {
    // Acks still missing: forget those messages (the relay sends them again under the same ids).
    natsMsgList pending{};
    if (js_PublishAsyncGetPendingList(&pending, impl_->asyncJs) == NATS_OK) natsMsgList_Destroy(&pending);
  }
  bool noStream = false;
  std::lock_guard lock(impl_->asyncOutcomes.mutex);
  for (size_t i : sent) {
    const auto found = impl_->asyncOutcomes.byMsgId.find(messages[i].msgId);
    if (found == impl_->asyncOutcomes.byMsgId.end()) {
      results[i] = completed == NATS_OK ? internalError("no acknowledgement recorded for " + messages[i].msgId)
                                        : statusFromNats(completed, "waiting for the acknowledgement of " +
                                                                        messages[i].subject);
      continue;
    }
    results[i] = found->second.status;
    if (results[i].code() == StatusCode::kNotFound) noStream = true;
    if (results[i].isOk() && !found->second.duplicate) publishedTotal().labels({found->second.stream}).inc();
  }
  // No stream took a subject: the broker may have lost its store; streams are declared again first
  // thing next time (publish() declares and retries at once; a batch leaves that to the caller's retry).
  if (noStream) impl_->topologyDirty = true;
  return results;
}

Result<StreamState> Bus::streamState(const std::string& stream) {
  if (!connected()) return unavailable("not connected to NATS at " + urlWithoutCredentials(impl_->options.url));
  jsOptions jo = impl_->requestOptions();
  jsStreamInfo* info = nullptr;
  jsErrCode errorCode = static_cast<jsErrCode>(0);
  natsStatus status = js_GetStreamInfo(&info, impl_->js, stream.c_str(), &jo, &errorCode);
  if (status != NATS_OK) return statusFromNats(status, "reading stream " + stream, errorCode);
  StreamState state{info->State.Msgs, info->State.FirstSeq, info->State.LastSeq, info->State.Consumers,
                    info->Config != nullptr ? static_cast<int>(info->Config->Replicas) : 0};
  jsStreamInfo_Destroy(info);
  return state;
}

Result<ReceivedMessage> Bus::getMessage(const std::string& stream, uint64_t sequence) {
  if (!connected()) return unavailable("not connected to NATS at " + urlWithoutCredentials(impl_->options.url));
  jsOptions jo = impl_->requestOptions();
  natsMsg* msg = nullptr;
  jsErrCode errorCode = static_cast<jsErrCode>(0);
  natsStatus status = js_GetMsg(&msg, impl_->js, stream.c_str(), sequence, &jo, &errorCode);
  if (status != NATS_OK) {
    return statusFromNats(status, "reading message " + std::to_string(sequence) + " of " + stream, errorCode);
  }
  ReceivedMessage received = messageFromNats(msg);
  received.stream = stream;
  received.streamSequence = sequence;
  received.deliveryCount = 0;
  natsMsg_Destroy(msg);
  return received;
}

uint64_t Bus::reconnects() const { return impl_->reconnects.load(); }
const BusOptions& Bus::options() const { return impl_->options; }

}  // namespace fleetdeck::bus
