#include "fleetdeck/bus/dead_letters.h"

#include <charconv>

#include "fleetdeck/bus/streams.h"
#include "fleetdeck/core/log.h"
#include "nats_internal.h"

namespace fleetdeck::bus {
namespace {

uint64_t parseCount(const std::optional<std::string>& text) {
  uint64_t value = 0;
  if (text) std::from_chars(text->data(), text->data() + text->size(), value);
  return value;
}

DeadLetter toDeadLetter(ReceivedMessage message) {
  DeadLetter letter;
  letter.sequence = message.streamSequence;
  letter.consumer = message.header(kDlqConsumerHeader).value_or("");
  letter.reason = message.header(kDlqReasonHeader).value_or("");
  letter.originalSubject = message.header(kDlqSubjectHeader).value_or("");
  letter.originalMsgId = message.header(kDlqMsgIdHeader).value_or("");
  letter.deliveries = parseCount(message.header(kDlqDeliveriesHeader));
  letter.message = std::move(message);
  return letter;
}

}  // namespace

Result<std::vector<DeadLetter>> listDeadLetters(Bus& bus, std::string_view consumer, size_t limit, uint64_t* total) {
  std::vector<DeadLetter> letters;
  if (total != nullptr) *total = 0;
  auto state = bus.streamState(kDeadLetterStream);
  if (!state) {
    if (state.status().code() == StatusCode::kNotFound) return letters;  // nothing ever dead-lettered
    return state.status();
  }
  if (total != nullptr) *total = state->messages;
  if (state->messages == 0) return letters;
  for (uint64_t sequence = state->firstSequence; sequence <= state->lastSequence && letters.size() < limit;
       ++sequence) {
    auto message = bus.getMessage(kDeadLetterStream, sequence);
    if (!message) {
      if (message.status().code() == StatusCode::kNotFound) continue;  // replayed (deleted) earlier
      return message.status();
    }
    if (!consumer.empty() && message->subject != deadLetterSubject(consumer)) continue;
    letters.push_back(toDeadLetter(std::move(*message)));
  }
  return letters;
}

namespace {

Status replay(Bus& bus, const DeadLetter& letter) {
  if (letter.originalSubject.empty() || letter.consumer.empty()) {
    return failedPrecondition("dead letter " + std::to_string(letter.sequence) +
                              " does not name its original subject and consumer; it cannot be replayed");
  }
  if (letter.message.header(kDlqBodyDroppedHeader)) {
    return failedPrecondition("dead letter " + std::to_string(letter.sequence) +
                              " was kept without its body (too large); republish the original from its stream");
  }
  OutgoingMessage message;
  message.subject = letter.originalSubject;
  const std::string original = letter.originalMsgId.empty() ? letter.consumer : letter.originalMsgId;
  message.msgId = original + ":replay:" + std::to_string(letter.sequence);
  for (const auto& [name, value] : letter.message.headers) {
    // The dead-letter bookkeeping stays behind (an earlier replay's target too); the producer's
    // headers (traceparent, type) go along.
    if (name.starts_with("Fleetdeck-Dlq-") || name == kReplayForHeader || isNatsControlHeader(name)) continue;
    message.headers.emplace_back(name, value);
  }
  message.headers.emplace_back(kReplayForHeader, letter.consumer);
  message.data = letter.message.data;
  auto ack = bus.publish(message);
  if (!ack) return ack.status();
  Bus::Impl& impl = bus.impl();
  jsOptions jo = impl.requestOptions();
  jsErrCode errorCode = static_cast<jsErrCode>(0);
  natsStatus status = js_DeleteMsg(impl.js, kDeadLetterStream, letter.sequence, &jo, &errorCode);
  FLEETDECK_RETURN_IF_ERROR(statusFromNats(status, "removing a replayed dead letter", errorCode));
  log::info("dead letter replayed", {{"sequence", letter.sequence}, {"consumer", letter.consumer},
                                     {"subject", letter.originalSubject}});
  return Status::ok();
}

}  // namespace

Result<int> replayDeadLetters(Bus& bus, std::string_view consumer, size_t limit) {
  auto letters = listDeadLetters(bus, consumer, limit);
  if (!letters) return letters.status();
  int replayed = 0;
  for (const auto& letter : *letters) {
    if (Status status = replay(bus, letter); !status.isOk()) {
      if (status.code() != StatusCode::kFailedPrecondition) return status;
      log::warn("dead letter left in place", {{"sequence", letter.sequence}, {"why", status.message()}});
      continue;
    }
    ++replayed;
  }
  return replayed;
}

Status replayDeadLetter(Bus& bus, uint64_t sequence) {
  auto message = bus.getMessage(kDeadLetterStream, sequence);
  if (!message) {
    if (message.status().code() == StatusCode::kNotFound) {
      return notFound("no dead letter at sequence " + std::to_string(sequence) + " (replayed already, or aged out)");
    }
    return message.status();
  }
  if (!message->subject.starts_with(std::string(kDeadLetterSubjectPrefix) + ".")) {
    return notFound("no dead letter at sequence " + std::to_string(sequence));
  }
  return replay(bus, toDeadLetter(std::move(*message)));
}

}  // namespace fleetdeck::bus
