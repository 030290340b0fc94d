#include "fleetdeck/bus/consumer.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <random>

#include "fleetdeck/core/config.h"
#include "fleetdeck/core/log.h"
#include "fleetdeck/core/thread_name.h"
#include "fleetdeck/telemetry/metrics.h"
#include "fleetdeck/telemetry/tracing.h"
#include "nats_internal.h"

namespace fleetdeck::bus {
namespace {

// A handler's error as a header value: one line (nats.c writes values as given, so a CR/LF from an
// exception's text would end the header block and hide the headers after it) and bounded.
std::string headerValue(std::string_view text, size_t limit = 512) {
  std::string value;
  value.reserve(std::min(text.size(), limit));
  for (const char c : text) {
    if (value.size() == limit) break;
    value += (c == '\r' || c == '\n' || c == '\0') ? ' ' : c;
  }
  return value;
}

struct ConsumerMetrics {
  telemetry::CounterFamily& consumed;
  telemetry::CounterFamily& deadLettered;

  static ConsumerMetrics& get() {
    auto& registry = telemetry::defaultRegistry();
    static ConsumerMetrics metrics{
        registry.counter("bus_consumed_total",
                         "Messages a consumer handled, by outcome (ack, retry, dead_letter, skipped: a dead letter "
                         "replayed for another consumer).",
                         {"consumer", "outcome"}),
        registry.counter("bus_dead_lettered_total", "Messages a consumer moved to the dead-letter stream.",
                         {"consumer"}),
    };
    return metrics;
  }
};

int64_t toNanos(std::chrono::milliseconds duration) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(duration).count();
}

ReceivedMessage toReceived(natsMsg* msg) {
  ReceivedMessage received = messageFromNats(msg);
  jsMsgMetaData* meta = nullptr;
  if (natsMsg_GetMetaData(&meta, msg) == NATS_OK) {
    received.stream = meta->Stream != nullptr ? meta->Stream : "";
    received.streamSequence = meta->Sequence.Stream;
    received.deliveryCount = meta->NumDelivered;
    jsMsgMetaData_Destroy(meta);
  }
  return received;
}

}  // namespace

Disposition dispositionFor(const Status& status, uint64_t deliveryCount, int maxDeliver) {
  if (status.isOk()) return Disposition::kAck;
  if (status.code() == StatusCode::kInvalidArgument || status.code() == StatusCode::kDataLoss) {
    return Disposition::kDeadLetter;
  }
  if (maxDeliver > 0 && deliveryCount >= static_cast<uint64_t>(maxDeliver)) return Disposition::kDeadLetter;
  return Disposition::kRetry;
}

ConsumerOptions consumerDefaultsFromConfig(Config& config) {
  ConsumerOptions options;
  // JetStream delivers a message again once it has gone unacknowledged this long, even while its handler
  // still runs, and a batch is handled one message after another: at 1ms part of every backlog was
  // handled twice, and at 0 the server used its own default (30s) instead.
  options.ackWait = config.getDuration("consumers.ack_wait", options.ackWait, std::chrono::seconds(1));
  options.maxDeliver = static_cast<int>(config.getInt("consumers.max_deliver", options.maxDeliver, 1, 1000));
  options.batchSize = static_cast<int>(config.getInt("consumers.batch_size", options.batchSize, 1, 1000));
  options.fetchWait = config.getDuration("consumers.fetch_wait", options.fetchWait);
  options.retry.initial = config.getDuration("consumers.retry_initial", options.retry.initial);
  options.retry.max = config.getDuration("consumers.retry_max", options.retry.max);
  options.transientHold = config.getDuration("consumers.transient_hold", options.transientHold);
  return options;
}

// What the loop thread owns: the bound subscription and its randomness.
struct ConsumerLoop::State {
  ConsumerLoop& loop;
  natsSubscription* subscription = nullptr;
  std::mt19937_64 random{std::random_device{}()};
  telemetry::Counter& acked;
  telemetry::Counter& retried;
  telemetry::Counter& deadLetteredOutcome;
  telemetry::Counter& skipped;
  telemetry::Counter& deadLettered;

  explicit State(ConsumerLoop& owner)
      : loop(owner),
        acked(ConsumerMetrics::get().consumed.labels({owner.options_.durable, "ack"})),
        retried(ConsumerMetrics::get().consumed.labels({owner.options_.durable, "retry"})),
        deadLetteredOutcome(ConsumerMetrics::get().consumed.labels({owner.options_.durable, "dead_letter"})),
        skipped(ConsumerMetrics::get().consumed.labels({owner.options_.durable, "skipped"})),
        deadLettered(ConsumerMetrics::get().deadLettered.labels({owner.options_.durable})) {}

  ~State() { unsubscribe(); }

  double random01() { return std::uniform_real_distribution<double>(0.0, 1.0)(random); }

  void unsubscribe() {
    if (subscription != nullptr) {
      // Bound to a consumer we created ourselves: destroying the subscription leaves the durable
      // consumer (and its position) on the server.
      natsSubscription_Destroy(subscription);
      subscription = nullptr;
    }
  }

  // Creates (or updates) the durable consumer, then binds a pull subscription to it.
  Status subscribe() {
    Bus::Impl& bus = loop.bus_.impl();
    if (!loop.bus_.connected()) return unavailable("not connected to NATS");
    bus.declareStreamsIfNeeded();  // the consumer's own stream missing shows in js_AddConsumer below
    const ConsumerOptions& options = loop.options_;
    jsConsumerConfig config;
    jsConsumerConfig_Init(&config);
    config.Durable = options.durable.c_str();
    config.AckPolicy = js_AckExplicit;
    config.AckWait = toNanos(options.ackWait);
    // Unlimited on the server: the loop dead-letters after maxDeliver itself, so a message is never
    // silently parked by the server.
    config.MaxDeliver = -1;
    config.DeliverPolicy = js_DeliverAll;
    config.FilterSubject = options.filterSubject.empty() ? nullptr : options.filterSubject.c_str();
    config.MaxAckPending = std::max(1000, options.batchSize * 4);
    jsOptions jo = bus.requestOptions();
    jsConsumerInfo* info = nullptr;
    jsErrCode errorCode = static_cast<jsErrCode>(0);
    natsStatus status = js_AddConsumer(&info, bus.js, options.stream.c_str(), &config, &jo, &errorCode);
    if (status != NATS_OK && errorCode == JSConsumerNameExistErr) {
      errorCode = static_cast<jsErrCode>(0);
      status = js_UpdateConsumer(&info, bus.js, options.stream.c_str(), &config, &jo, &errorCode);
    }
    if (info != nullptr) jsConsumerInfo_Destroy(info);
    FLEETDECK_RETURN_IF_ERROR(statusFromNats(
        status, "creating consumer " + options.durable + " on stream " + options.stream, errorCode));

    jsSubOptions subscribeOptions;
    jsSubOptions_Init(&subscribeOptions);
    subscribeOptions.Stream = options.stream.c_str();
    subscribeOptions.Consumer = options.durable.c_str();
    subscribeOptions.ManualAck = true;
    const std::string subject = options.filterSubject.empty() ? ">" : options.filterSubject;
    errorCode = static_cast<jsErrCode>(0);
    status = js_PullSubscribe(&subscription, bus.js, subject.c_str(), options.durable.c_str(), &jo,
                              &subscribeOptions, &errorCode);
    if (status != NATS_OK) subscription = nullptr;
    return statusFromNats(status, "binding to consumer " + options.durable, errorCode);
  }

  // Republishes the message with its headers and the reason to the dead-letter stream. Only after
  // the DLQ acknowledged it is the original terminated; otherwise it is retried like a failure.
  Status deadLetter(natsMsg* msg, const ReceivedMessage& received, const std::string& reason) {
    const ConsumerOptions& options = loop.options_;
    OutgoingMessage letter;
    letter.subject = deadLetterSubject(options.durable);
    // Unique per consumer, stream position and event: a repeated attempt is deduplicated, and two
    // consumers dead-lettering one event both keep theirs. The event's own id is part of it because a
    // position alone repeats: a stream recreated within the DLQ's duplicate window (a lost store) starts
    // its sequence over, and without its metadata every letter was at position 0; the DLQ then answered
    // "duplicate", kept nothing, and the original was terminated all the same.
    letter.msgId = options.durable + ":" + received.stream + ":" + std::to_string(received.streamSequence);
    for (const auto& [name, value] : received.headers) {
      if (name == kMsgIdHeader) {
        letter.msgId += ":" + value;
        letter.headers.emplace_back(kDlqMsgIdHeader, value);
      } else if (!isNatsControlHeader(name)) {  // e.g. Nats-Expected-Stream: the DLQ would refuse it for ever
        letter.headers.emplace_back(name, value);
      }
    }
    letter.headers.emplace_back(kDlqReasonHeader, headerValue(reason));
    letter.headers.emplace_back(kDlqConsumerHeader, options.durable);
    letter.headers.emplace_back(kDlqSubjectHeader, received.subject);
    letter.headers.emplace_back(kDlqStreamHeader, received.stream);
    letter.headers.emplace_back(kDlqStreamSequenceHeader, std::to_string(received.streamSequence));
    letter.headers.emplace_back(kDlqDeliveriesHeader, std::to_string(received.deliveryCount));
    letter.data = received.data;
    auto ack = loop.bus_.publish(letter);
    if (!ack && ack.status().code() == StatusCode::kInvalidArgument && !letter.data.empty()) {
      // Over the server's max payload with the dead-letter headers added: keep the letter without
      // the body rather than retry what can never fit.
      letter.headers.emplace_back(kDlqBodyDroppedHeader, std::to_string(letter.data.size()));
      letter.data.clear();
      ack = loop.bus_.publish(letter);
    }
    if (!ack) return ack.status();
    deadLettered.inc();
    deadLetteredOutcome.inc();
    log::error("message dead-lettered",
               {{"consumer", options.durable}, {"subject", received.subject}, {"stream", received.stream},
                {"stream_sequence", received.streamSequence}, {"deliveries", received.deliveryCount},
                {"reason", reason}});
    return statusFromNats(natsMsg_Term(msg, nullptr), "terminating a dead-lettered message");
  }

  void retry(natsMsg* msg, const ReceivedMessage& received) {
    const auto delay = loop.options_.retry.delayFor(static_cast<int>(std::min<uint64_t>(received.deliveryCount, 64)),
                                                     random01());
    retried.inc();
    if (natsStatus status = natsMsg_NakWithDelay(msg, delay.count(), nullptr); status != NATS_OK) {
      // The nak was lost: the server redelivers after AckWait instead; nothing is dropped.
      log::warn("nak failed; message comes back after the ack wait",
                {{"consumer", loop.options_.durable}, {"error", natsStatus_GetText(status)}});
    }
  }

  // The messages of the current batch not handled yet (the one being handled among them): kept
  // from redelivery while a handler waits for a dependency to come back.
  natsMsg** unhandled = nullptr;
  int unhandledCount = 0;

  // Tells the server the batch is still being worked on, so its ack wait starts over.
  void keepBatchInProgress() {
    for (int i = 0; i < unhandledCount; ++i) {
      if (natsStatus status = natsMsg_InProgress(unhandled[i], nullptr); status != NATS_OK) {
        // The server redelivers after the ack wait instead: a repeat, never a loss.
        log::debug("in-progress ack failed", {{"consumer", loop.options_.durable}, {"error", natsStatus_GetText(status)}});
        return;
      }
    }
  }

  // Also a saturated connection pool (RESOURCE_EXHAUSTED) and a lost serialization or deadlock race
  // (ABORTED): nothing wrong with the message, so they must not use up its deliveries and send a
  // good event to the dead letters while the database is merely busy.
  static bool dependencyDown(const Status& status) { return isTransientFailure(status); }

  // Calls the handler; while it answers that a dependency is down, calls it again with backoff for
  // up to transientHold (or until stop()), keeping the batch in progress.
  Status callHandlerHoldingThroughOutages(const ReceivedMessage& received, telemetry::Span& span) {
    const ConsumerOptions& options = loop.options_;
    const auto holdUntil = std::chrono::steady_clock::now() + options.transientHold;
    const auto keepAliveEvery = std::max<std::chrono::milliseconds>(options.ackWait / 3, std::chrono::milliseconds(10));
    auto lastKeepAlive = std::chrono::steady_clock::now();
    for (int attempt = 1;; ++attempt) {
      Status status;
      try {
        status = loop.handler_(received);
      } catch (const std::exception& exception) {
        status = internalError(std::string("handler threw: ") + exception.what());
      }
      if (!dependencyDown(status) || loop.stopping_ || std::chrono::steady_clock::now() >= holdUntil) return status;
      if (attempt == 1 || attempt % 20 == 0) {
        log::warn("handler's dependency is down; holding the message and trying again",
                  {{"consumer", options.durable}, {"subject", received.subject}, {"attempts", attempt},
                   {"error", status.toString()}});
      }
      span.setAttribute("fleetdeck.consumer.held_attempts", attempt);
      retried.inc();
      const auto wakeAt = std::min(std::chrono::steady_clock::now() + options.retry.delayFor(std::min(attempt, 16), random01()),
                                   holdUntil);
      while (!loop.stopping_ && std::chrono::steady_clock::now() < wakeAt) {
        if (std::chrono::steady_clock::now() - lastKeepAlive >= keepAliveEvery) {
          keepBatchInProgress();
          lastKeepAlive = std::chrono::steady_clock::now();
        }
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
            std::chrono::milliseconds(50), wakeAt - std::chrono::steady_clock::now()));
      }
      if (loop.stopping_) return status;
      keepBatchInProgress();
      lastKeepAlive = std::chrono::steady_clock::now();
    }
  }

  void handle(natsMsg* msg) {
    const ConsumerOptions& options = loop.options_;
    const ReceivedMessage received = toReceived(msg);
    if (auto replayedFor = received.header(kReplayForHeader); replayedFor && *replayedFor != options.durable) {
      if (natsStatus ackStatus = natsMsg_Ack(msg, nullptr); ackStatus != NATS_OK) {
        log::debug("ack of another consumer's replay failed; it comes back and is skipped again",
                   {{"consumer", options.durable}, {"error", natsStatus_GetText(ackStatus)}});
      }
      skipped.inc();
      return;
    }
    Status status;
    if (options.maxDeliver > 0 && received.deliveryCount > static_cast<uint64_t>(options.maxDeliver)) {
      // Delivered more often than allowed without an outcome: the handler crashed or hung each time.
      status = aborted("delivered " + std::to_string(received.deliveryCount) +
                       " times without an outcome (handler crashed or exceeded the ack wait)");
    } else {
      // The handler runs in a consumer span, child of the producer's trace when the message carries
      // one, so its logs, calls and the events it emits continue that trace.
      std::optional<telemetry::TraceContext> parent;
      if (auto traceparent = received.header(kTraceparentHeader)) parent = telemetry::TraceContext::parse(*traceparent);
      telemetry::Span span("consume " + received.subject, telemetry::SpanKind::kConsumer, parent ? &*parent : nullptr);
      span.setAttribute("messaging.system", "nats");
      span.setAttribute("messaging.destination.name", received.subject);
      span.setAttribute("messaging.consumer.group.name", options.durable);
      telemetry::ScopedContext scope(span.context());
      status = callHandlerHoldingThroughOutages(received, span);
      if (!status.isOk()) span.setStatus(telemetry::SpanStatusCode::kError, status.toString());
    }
    switch (dispositionFor(status, received.deliveryCount, options.maxDeliver)) {
      case Disposition::kAck:
        if (natsStatus ackStatus = natsMsg_Ack(msg, nullptr); ackStatus != NATS_OK) {
          // Redelivered later; the handler is idempotent by contract.
          log::warn("ack failed; message will be redelivered",
                    {{"consumer", options.durable}, {"error", natsStatus_GetText(ackStatus)}});
        }
        acked.inc();
        return;
      case Disposition::kRetry:
        log::warn("handler failed; message will be redelivered",
                  {{"consumer", options.durable}, {"subject", received.subject},
                   {"deliveries", received.deliveryCount}, {"error", status.toString()}});
        retry(msg, received);
        return;
      case Disposition::kDeadLetter:
        if (Status moved = deadLetter(msg, received, status.toString()); !moved.isOk()) {
          log::warn("cannot dead-letter yet; message will be redelivered",
                    {{"consumer", options.durable}, {"error", moved.toString()}});
          retry(msg, received);
        }
        return;
    }
  }
};

ConsumerLoop::ConsumerLoop(Bus& bus, ConsumerOptions options, MessageHandler handler)
    : bus_(bus), options_(std::move(options)), handler_(std::move(handler)) {
  options_.batchSize = std::max(options_.batchSize, 1);
}

ConsumerLoop::~ConsumerLoop() { stop(); }

void ConsumerLoop::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  // The dead-letter stream must exist before the first message can need it.
  if (Status declared = bus_.declareStream(deadLetterStream()); !declared.isOk() && bus_.connected()) {
    log::warn("cannot declare the dead-letter stream yet", {{"error", declared.toString()}});
  }
  // Named after the stream's domain (FLEETDECK_USERS: consume-users): a process consumes each stream
  // once, while its durable names share a prefix that the 15-byte limit would keep alone.
  std::string domain = options_.stream.substr(options_.stream.rfind('_') + 1);
  for (char& c : domain) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  thread_ = namedThread("consume-" + domain, [this] { run(); });
}

void ConsumerLoop::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void ConsumerLoop::run() {
  State state(*this);
  int failures = 0;
  Status lastLogged;
  auto pause = [&](std::chrono::milliseconds duration) {
    // Sleep in short steps so stop() is never kept waiting for a long backoff.
    const auto until = std::chrono::steady_clock::now() + duration;
    while (!stopping_ && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
          std::chrono::milliseconds(50), std::chrono::duration_cast<std::chrono::milliseconds>(
                                             until - std::chrono::steady_clock::now()) +
                                             std::chrono::milliseconds(1)));
    }
  };
  auto failed = [&](const Status& status) {
    ++failures;
    if (failures == 1 || status.code() != lastLogged.code()) {
      log::warn("consumer cannot fetch; retrying", {{"consumer", options_.durable}, {"error", status.toString()}});
      lastLogged = status;
    }
    pause(options_.retry.delayFor(std::min(failures, 16), state.random01()));
  };

  while (!stopping_) {
    if (state.subscription == nullptr) {
      subscribed_ = false;
      if (Status status = state.subscribe(); !status.isOk()) {
        failed(status);
        continue;
      }
      subscribed_ = true;
      if (failures > 0) log::info("consumer bound again", {{"consumer", options_.durable}});
      failures = 0;
    }
    natsMsgList list{nullptr, 0};
    jsErrCode errorCode = static_cast<jsErrCode>(0);
    natsStatus status = natsSubscription_Fetch(&list, state.subscription, options_.batchSize,
                                               options_.fetchWait.count(), &errorCode);
    if (status == NATS_TIMEOUT) {
      natsMsgList_Destroy(&list);
      continue;  // nothing to do right now
    }
    if (status != NATS_OK) {
      natsMsgList_Destroy(&list);
      Status problem = statusFromNats(status, "fetching from " + options_.durable, errorCode);
      // A consumer the server no longer knows (a broker that lost its store, a deleted consumer) is
      // created again; connection trouble just waits for the reconnect.
      if (problem.code() != StatusCode::kUnavailable || failures >= 3) state.unsubscribe();
      failed(problem);
      continue;
    }
    if (failures > 0) log::info("consumer fetching again", {{"consumer", options_.durable}});
    failures = 0;
    for (int i = 0; i < list.Count; ++i) {
      if (stopping_) {
        // Hand the rest back at once; should the nak be lost, they come back after the ack wait.
        natsMsg_Nak(list.Msgs[i], nullptr);
        continue;
      }
      state.unhandled = list.Msgs + i;
      state.unhandledCount = list.Count - i;
      state.handle(list.Msgs[i]);
    }
    state.unhandled = nullptr;
    state.unhandledCount = 0;
    natsMsgList_Destroy(&list);
  }
  subscribed_ = false;
}

}  // namespace fleetdeck::bus
