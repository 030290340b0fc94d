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

Result<std::vector<DeadLetter>> listDeadLetters(Bus& bus, std::string_view consumer, size_t limit) {
  std::vector<DeadLetter> letters;
  auto state = bus.streamState(kDeadLetterStream);
  if (!state) {
    if (state.status().code() == StatusCode::kNotFound) return letters;  // nothing ever dead-lettered
    return state.status();
  }
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

Result<int> replayDeadLetters(Bus& bus, std::string_view consumer, size_t limit) {
  auto letters = listDeadLetters(bus, consumer, limit);
  if (!letters) return letters.status();
  int replayed = 0;
  for (const auto& letter : *letters) {
    if (letter.originalSubject.empty()) {
      log::warn("dead letter without its original subject; left in place", {{"sequence", letter.sequence}});
      continue;
    }
    OutgoingMessage message;
    message.subject = letter.originalSubject;
    const std::string original = letter.originalMsgId.empty() ? letter.consumer : letter.originalMsgId;
    message.msgId = original + ":replay:" + std::to_string(letter.sequence);
    for (const auto& [name, value] : letter.message.headers) {
      // The dead-letter bookkeeping stays behind; the producer's headers (traceparent, type) go along.
      if (name.starts_with("Fleetdeck-Dlq-") || isNatsControlHeader(name)) continue;
      message.headers.emplace_back(name, value);
    }
    message.data = letter.message.data;
    auto ack = bus.publish(message);
    if (!ack) return ack.status();
    Bus::Impl& impl = bus.impl();
    jsOptions jo = impl.requestOptions();
    jsErrCode errorCode = static_cast<jsErrCode>(0);
    natsStatus status = js_DeleteMsg(impl.js, kDeadLetterStream, letter.sequence, &jo, &errorCode);
    FLEETDECK_RETURN_IF_ERROR(statusFromNats(status, "removing a replayed dead letter", errorCode));
    ++replayed;
  }
  return replayed;
}

}  // namespace fleetdeck::bus
