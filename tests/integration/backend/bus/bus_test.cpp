// The bus against a real nats-server (JetStream): publish/consume, dedupe, redelivery, dead letters,
// idempotent consumers on a real PostgreSQL, and reconnects across a broker restart.
#include <gtest/gtest.h>
#include <nats/nats.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>

#include "fleetdeck/bus/connection.h"
#include "fleetdeck/bus/consumer.h"
#include "fleetdeck/bus/dead_letters.h"
#include "fleetdeck/bus/event.h"
#include "fleetdeck/bus/stream_tail.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/core/log.h"
#include "fleetdeck/db/connection_pool.h"
#include "fleetdeck/db/processed_events.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"
#include "fleetdeck/users/v1/events.pb.h"

namespace fleetdeck::bus {
namespace {

using namespace std::chrono_literals;
using fleetdeck::testing::waitUntil;

// A domain of its own per test ("t" + hex), so tests never see each other's streams and consumers.
std::string uniqueDomain() {
  std::string domain = "t" + randomHex(4);
  for (char& c : domain) {
    if (c >= '0' && c <= '9') c = static_cast<char>('a' + (c - '0'));
  }
  return domain;
}

std::unique_ptr<Bus> connectTo(const std::string& url, int streamReplicas = 1) {
  BusOptions options;
  options.url = url;
  options.name = "bus-test";
  options.streamReplicas = streamReplicas;
  options.requestTimeout = 3s;
  options.reconnectWait = 100ms;
  auto bus = Bus::connect(options);
  EXPECT_TRUE(bus.isOk()) << bus.status().toString();
  EXPECT_TRUE(waitUntil([&] { return (*bus)->connected(); }, 10s));
  return std::move(*bus);
}

ConsumerOptions fastConsumer(const StreamSpec& stream, const std::string& durable) {
  ConsumerOptions options;
  options.stream = stream.name;
  options.durable = durable;
  options.ackWait = 5s;
  options.maxDeliver = 3;
  options.batchSize = 8;
  options.fetchWait = 200ms;
  options.retry = db::BackoffPolicy{20ms, 100ms, 2.0};
  options.transientHold = 0ms;  // a failure goes back to the server at once (the tests below count deliveries)
  return options;
}

OutgoingMessage message(const std::string& subject, const std::string& id, const std::string& data) {
  OutgoingMessage outgoing;
  outgoing.subject = subject;
  outgoing.msgId = id;
  outgoing.data = data;
  return outgoing;
}

// Collects what a consumer's handler saw, thread-safely.
struct Inbox {
  std::mutex mutex;
  std::vector<ReceivedMessage> messages;
  void add(const ReceivedMessage& received) {
    std::lock_guard lock(mutex);
    messages.push_back(received);
  }
  size_t size() {
    std::lock_guard lock(mutex);
    return messages.size();
  }
  std::vector<ReceivedMessage> all() {
    std::lock_guard lock(mutex);
    return messages;
  }
};

TEST(Bus, PublishAndConsume_RoundTripsDataAndHeaders) {
  auto bus = connectTo(testing::natsUrl());
  const std::string domain = uniqueDomain();
  const auto stream = domainStream(domain);
  ASSERT_TRUE(bus->declareStream(stream).isOk());
  const std::string subject = "fleetdeck." + domain + ".v1.ThingHappened";
  OutgoingMessage outgoing = message(subject, newUuid(), std::string("bin\0ary", 7));
  outgoing.headers = {{kTraceparentHeader, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
                      {"X-Custom", "value"}};
  auto ack = bus->publish(outgoing);
  ASSERT_TRUE(ack.isOk()) << ack.status().toString();
  EXPECT_EQ(ack->stream, stream.name);
  EXPECT_FALSE(ack->duplicate);

  Inbox inbox;
  ConsumerLoop loop(*bus, fastConsumer(stream, "roundtrip"), [&](const ReceivedMessage& received) {
    inbox.add(received);
    return Status::ok();
  });
  loop.start();
  ASSERT_TRUE(waitUntil([&] { return inbox.size() == 1; }, 10s));
  const auto received = inbox.all()[0];
  EXPECT_EQ(received.subject, subject);
  EXPECT_EQ(received.data, std::string("bin\0ary", 7));
  EXPECT_EQ(received.header(kTraceparentHeader), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  EXPECT_EQ(received.header("X-Custom"), "value");
  EXPECT_EQ(received.header(kMsgIdHeader), outgoing.msgId);
  EXPECT_EQ(received.deliveryCount, 1u);
  EXPECT_EQ(received.stream, stream.name);
  loop.stop();
}

TEST(Bus, SameMsgIdPublishedTwice_IsStoredOnce) {
  auto bus = connectTo(testing::natsUrl());
  const std::string domain = uniqueDomain();
  const auto stream = domainStream(domain);
  ASSERT_TRUE(bus->declareStream(stream).isOk());
  const std::string id = newUuid();
  auto first = bus->publish(message("fleetdeck." + domain + ".v1.A", id, "one"));
  auto second = bus->publish(message("fleetdeck." + domain + ".v1.A", id, "one again"));
  auto other = bus->publish(message("fleetdeck." + domain + ".v1.A", newUuid(), "two"));
  ASSERT_TRUE(first.isOk() && second.isOk() && other.isOk());
  EXPECT_FALSE(first->duplicate);
  EXPECT_TRUE(second->duplicate);
  EXPECT_EQ(second->sequence, first->sequence);
  auto state = bus->streamState(stream.name);
  ASSERT_TRUE(state.isOk()) << state.status().toString();
  EXPECT_EQ(state->messages, 2u);
}

TEST(Bus, PublishAll_StoresTheBatchInOrder_WithOneStatusPerMessage) {
  auto bus = connectTo(testing::natsUrl());
  const std::string domain = uniqueDomain();
  const auto stream = domainStream(domain);
  ASSERT_TRUE(bus->declareStream(stream).isOk());
  const std::string subject = "fleetdeck." + domain + ".v1.ThingHappened";
  std::vector<OutgoingMessage> batch;
  for (int i = 0; i < 20; ++i) batch.push_back(message(subject, newUuid(), std::to_string(i)));
  batch[3].headers = {{kTraceparentHeader, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}};
  batch.push_back(message("fleetdeck." + uniqueDomain() + ".v1.Nobody", newUuid(), "no stream"));
  batch.push_back(message(subject, "", "no id"));
  const auto statuses = bus->publishAll(batch);
  ASSERT_EQ(statuses.size(), batch.size());
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(statuses[i].isOk()) << i << ": " << statuses[i].toString();
  EXPECT_EQ(statuses[20].code(), StatusCode::kNotFound) << statuses[20].toString();
  EXPECT_EQ(statuses[21].code(), StatusCode::kInvalidArgument) << statuses[21].toString();

  auto state = bus->streamState(stream.name);
  ASSERT_TRUE(state.isOk()) << state.status().toString();
  EXPECT_EQ(state->messages, 20u);
  for (uint64_t sequence = state->firstSequence; sequence <= state->lastSequence; ++sequence) {
    auto stored = bus->getMessage(stream.name, sequence);
    ASSERT_TRUE(stored.isOk()) << stored.status().toString();
    const size_t index = static_cast<size_t>(sequence - state->firstSequence);
    EXPECT_EQ(stored->data, std::to_string(index)) << "stored in the order sent";
    EXPECT_EQ(stored->header(kMsgIdHeader), batch[index].msgId);
    if (index == 3) {
      EXPECT_EQ(stored->header(kTraceparentHeader), batch[3].headers[0].second);
    }
  }
  // The same ids again: acknowledged as duplicates, stored once.
  const auto again = bus->publishAll(std::vector<OutgoingMessage>(batch.begin(), batch.begin() + 20));
  for (const auto& status : again) EXPECT_TRUE(status.isOk()) << status.toString();
  EXPECT_EQ(bus->streamState(stream.name)->messages, 20u);
}

TEST(Bus, PublishWithoutStream_IsNotFound_AndBadMessagesAreRefused) {
  auto bus = connectTo(testing::natsUrl());
  auto missing = bus->publish(message("fleetdeck." + uniqueDomain() + ".v1.Nobody", newUuid(), "x"));
  ASSERT_FALSE(missing.isOk());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().toString();
  auto noId = bus->publish(message("fleetdeck.x.v1.Y", "", "x"));
  ASSERT_FALSE(noId.isOk());
  EXPECT_EQ(noId.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(noId.status().violations()[0].field, "msgId");
}

TEST(Bus, FailingHandler_IsRedeliveredNotDropped_AndSucceedsLater) {
  auto bus = connectTo(testing::natsUrl());
  const std::string domain = uniqueDomain();
  const auto stream = domainStream(domain);
  ASSERT_TRUE(bus->declareStream(stream).isOk());
  ASSERT_TRUE(bus->publish(message("fleetdeck." + domain + ".v1.A", newUuid(), "payload")).isOk());

  std::atomic<int> calls{0};
  std::atomic<bool> succeeded{false};
  std::vector<uint64_t> deliveries;
  std::mutex mutex;
  ConsumerLoop loop(*bus, fastConsumer(stream, "flaky"), [&](const ReceivedMessage& received) {
    {
      std::lock_guard lock(mutex);
      deliveries.push_back(received.deliveryCount);
    }
    if (++calls < 3) return unavailable("downstream not ready");
    succeeded = true;
    return Status::ok();
  });
  loop.start();
  ASSERT_TRUE(waitUntil([&] { return succeeded.load(); }, 15s));
  loop.stop();
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ(deliveries, (std::vector<uint64_t>{1, 2, 3}));
  // Acked on the third delivery: a new loop on the same durable gets nothing more, and no dead letter exists.
  std::atomic<int> later{0};
  ConsumerLoop again(*bus, fastConsumer(stream, "flaky"), [&](const ReceivedMessage&) {
    ++later;
    return Status::ok();
  });
  again.start();
  std::this_thread::sleep_for(500ms);  // a window in which a wrongly unacked message would come back
  again.stop();
  EXPECT_EQ(later.load(), 0);
}

// Reads every dead letter of `durable` from the DLQ stream.
std::vector<ReceivedMessage> deadLettersOf(Bus& bus, const std::string& durable) {
  std::vector<ReceivedMessage> letters;
  auto state = bus.streamState(kDeadLetterStream);
  if (!state) return letters;
  for (uint64_t sequence = state->firstSequence; sequence != 0 && sequence <= state->lastSequence; ++sequence) {
    auto letter = bus.getMessage(kDeadLetterStream, sequence);
    if (letter && letter->subject == deadLetterSubject(durable)) letters.push_back(*letter);
  }
  return letters;
}

TEST(Bus, MessageFailingEveryTime_LandsInDeadLetterStreamAfterMaxDeliveries_WithReason) {
  auto bus = connectTo(testing::natsUrl());
  const std::string domain = uniqueDomain();
  const auto stream = domainStream(domain);
  ASSERT_TRUE(bus->declareStream(stream).isOk());
  const std::string id = newUuid();
  OutgoingMessage poison = message("fleetdeck." + domain + ".v1.A", id, "payload");
  poison.headers = {{kTraceparentHeader, "00-11111111111111111111111111111111-2222222222222222-01"}};
  ASSERT_TRUE(bus->publish(poison).isOk());

  const std::string durable = "always-fails-" + domain;
  std::atomic<int> calls{0};
  ConsumerLoop loop(*bus, fastConsumer(stream, durable), [&](const ReceivedMessage&) {
    ++calls;
    return unavailable("ledger is on fire");
  });
  loop.start();
  ASSERT_TRUE(waitUntil([&] { return !deadLettersOf(*bus, durable).empty(); }, 15s));
  std::this_thread::sleep_for(300ms);  // terminated: no further delivery may follow
  loop.stop();
  EXPECT_EQ(calls.load(), 3);
  const auto letters = deadLettersOf(*bus, durable);
  ASSERT_EQ(letters.size(), 1u);
  const auto& letter = letters[0];
  EXPECT_EQ(letter.data, "payload");
  EXPECT_NE(letter.header(kDlqReasonHeader).value_or("").find("ledger is on fire"), std::string::npos);
  EXPECT_EQ(letter.header(kDlqDeliveriesHeader), "3");
  EXPECT_EQ(letter.header(kDlqSubjectHeader), "fleetdeck." + domain + ".v1.A");
  EXPECT_EQ(letter.header(kDlqStreamHeader), stream.name);
  EXPECT_EQ(letter.header(kDlqMsgIdHeader), id);
  EXPECT_EQ(letter.header(kDlqConsumerHeader), durable);
  EXPECT_EQ(letter.header(kTraceparentHeader), "00-11111111111111111111111111111111-2222222222222222-01");
}

// A database that is down longer than the deliveries' backoff lasts: the handler's UNAVAILABLE
// holds the message (and keeps its batch from redelivery) instead of using up deliveries, so
// nothing is dead-lettered and nothing is delivered twice once the database is back.
TEST(Bus, DependencyDownLongerThanTheDeliveriesLast_HoldsTheBatch_NothingIsDeadLettered) {
  auto bus = connectTo(testing::natsUrl());
  const std::string domain = uniqueDomain();
  const auto stream = domainStream(domain);
  ASSERT_TRUE(bus->declareStream(stream).isOk());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(bus->publish(message("fleetdeck." + domain + ".v1.A", newUuid(), std::to_string(i))).isOk());
  }
  ConsumerOptions options = fastConsumer(stream, "held-" + domain);
  options.ackWait = 2s;         // without in-progress acks, the batch would come back after 2 s
  options.transientHold = 30s;  // longer than the outage below
  std::atomic<bool> databaseUp{false};
  std::atomic<int> failedCalls{0};
  Inbox handled;
  ConsumerLoop loop(*bus, options, [&](const ReceivedMessage& received) {
    if (!databaseUp) {
      ++failedCalls;
      return unavailable("database connection lost");
    }
    handled.add(received);
    return Status::ok();
  });
  loop.start();
  // Three deliveries' worth of backoff (20, 40, 80 ms) and more than an ack wait pass while it is down.
  std::this_thread::sleep_for(3500ms);
  EXPECT_GT(failedCalls.load(), 3) << "retried in place while the database was down";
  databaseUp = true;
  ASSERT_TRUE(waitUntil([&] { return handled.size() >= 5; }, 10s));
  std::this_thread::sleep_for(2500ms);  // longer than the ack wait: a redelivery would show now
  loop.stop();
  const auto messages = handled.all();
  ASSERT_EQ(messages.size(), 5u) << "each handled exactly once";
  for (size_t i = 0; i < messages.size(); ++i) {
    EXPECT_EQ(messages[i].data, std::to_string(i)) << "in order";
    EXPECT_EQ(messages[i].deliveryCount, 1u) << "held, not redelivered: message " << i;
  }
  EXPECT_TRUE(deadLettersOf(*bus, options.durable).empty());
}

// A saturated connection pool or a lost serialization race is no fault of the message either: held
// and tried again in place, never counted against its deliveries.
TEST(Bus, ABusyDatabase_PoolExhaustedOrSerializationLost_DeadLettersNothing) {
  auto bus = connectTo(testing::natsUrl());
  const std::string domain = uniqueDomain();
  const auto stream = domainStream(domain);
  ASSERT_TRUE(bus->declareStream(stream).isOk());
  ASSERT_TRUE(bus->publish(message("fleetdeck." + domain + ".v1.A", newUuid(), "wallet")).isOk());
  ConsumerOptions options = fastConsumer(stream, "busy-" + domain);
  options.transientHold = 30s;
  std::atomic<int> calls{0};
  Inbox handled;
  ConsumerLoop loop(*bus, options, [&](const ReceivedMessage& received) {
    const int call = ++calls;
    if (call <= 4) return resourceExhausted("no database connection free within 2000 ms");
    if (call <= 8) return Status(StatusCode::kAborted, "could not serialize access");
    handled.add(received);
    return Status::ok();
  });
  loop.start();
  ASSERT_TRUE(waitUntil([&] { return handled.size() == 1; }, 15s));
  loop.stop();
  EXPECT_EQ(handled.all()[0].deliveryCount, 1u) << "held, not redelivered";
  EXPECT_TRUE(deadLettersOf(*bus, options.durable).empty());
}

TEST(Bus, UndecodableMessage_IsDeadLetteredAtOnce) {
  auto bus = connectTo(testing::natsUrl());
  const std::string domain = uniqueDomain();
  const auto stream = domainStream(domain);
  ASSERT_TRUE(bus->declareStream(stream).isOk());
  ASSERT_TRUE(bus->publish(message("fleetdeck." + domain + ".v1.A", newUuid(), "\xff\xff not protobuf")).isOk());
  const std::string durable = "decoder-" + domain;
  std::atomic<int> calls{0};
  ConsumerLoop loop(*bus, fastConsumer(stream, durable), [&](const ReceivedMessage& received) {
    ++calls;
    auto envelope = decodeEnvelope(received);
    return envelope.status();
  });
  loop.start();
  ASSERT_TRUE(waitUntil([&] { return !deadLettersOf(*bus, durable).empty(); }, 15s));
  loop.stop();
  EXPECT_EQ(calls.load(), 1);
  EXPECT_NE(deadLettersOf(*bus, durable)[0].header(kDlqReasonHeader).value_or("").find("DATA_LOSS"),
            std::string::npos);
}

// Publishes what `poison` builds (given its subject and its stream's name, on a fresh domain) and
// lets a consumer that decodes envelopes meet it: the letter it dead-lettered, or nullopt after 15 s.
std::optional<ReceivedMessage> deadLetterOf(
    const std::function<OutgoingMessage(const std::string& subject, const std::string& stream)>& poison) {
  auto bus = connectTo(testing::natsUrl());
  const std::string domain = uniqueDomain();
  const auto stream = domainStream(domain);
  if (!bus->declareStream(stream).isOk()) return std::nullopt;
  if (!bus->publish(poison("fleetdeck." + domain + ".v1.A", stream.name)).isOk()) return std::nullopt;
  const std::string durable = "poison-" + domain;
  ConsumerLoop loop(*bus, fastConsumer(stream, durable),
                    [&](const ReceivedMessage& received) { return decodeEnvelope(received).status(); });
  loop.start();
  const bool lettered = waitUntil([&] { return !deadLettersOf(*bus, durable).empty(); }, 15s);
  loop.stop();
  if (!lettered) return std::nullopt;
  return deadLettersOf(*bus, durable)[0];
}

// Deletes a stream straight through libnats (the bus never deletes one): what a lost store leaves.
void deleteStream(const std::string& name) {
  natsConnection* connection = nullptr;
  ASSERT_EQ(natsConnection_ConnectTo(&connection, testing::natsUrl().c_str()), NATS_OK);
  jsCtx* js = nullptr;
  ASSERT_EQ(natsConnection_JetStream(&js, connection, nullptr), NATS_OK);
  jsErrCode code{};
  EXPECT_EQ(js_DeleteStream(js, name.c_str(), nullptr, &code), NATS_OK) << "jetstream error " << code;
  jsCtx_Destroy(js);
  natsConnection_Destroy(connection);
}

// A stream recreated within the dead-letter stream's duplicate window starts its sequence over: a
// second poison event at the same position had the same letter id, the DLQ answered "duplicate" and
// kept nothing, and the original was terminated all the same (the event gone, the log saying kept).
TEST(Bus, TwoEventsDeadLetteredAtOneStreamPosition_AreBothKept) {
  auto bus = connectTo(testing::natsUrl());
  const std::string domain = uniqueDomain();
  const auto stream = domainStream(domain);
  const std::string durable = "recreated-" + domain;
  std::set<std::string> published;
  for (size_t round = 1; round <= 2; ++round) {
    ASSERT_TRUE(bus->declareStream(stream).isOk());
    const std::string id = newUuid();
    published.insert(id);
    ASSERT_TRUE(bus->publish(message("fleetdeck." + domain + ".v1.A", id, "\xff\xff not protobuf")).isOk());
    ConsumerLoop loop(*bus, fastConsumer(stream, durable),
                      [](const ReceivedMessage& received) { return decodeEnvelope(received).status(); });
    loop.start();
    const bool lettered = waitUntil([&] { return deadLettersOf(*bus, durable).size() == round; }, 15s);
    loop.stop();
    ASSERT_TRUE(lettered) << "round " << round << ": letters " << deadLettersOf(*bus, durable).size();
    if (round == 1) deleteStream(stream.name);
  }
  std::set<std::string> kept;
  for (const auto& letter : deadLettersOf(*bus, durable)) {
    EXPECT_EQ(letter.header(kDlqStreamSequenceHeader).value_or(""), "1");
    kept.insert(letter.header(kDlqMsgIdHeader).value_or(""));
  }
  EXPECT_EQ(kept, published);
}

// JetStream's per-publish instructions on the original (here Nats-Expected-Stream, which it met) are
// not copied onto the letter, where the DLQ stream would refuse them for ever: the message would come
// back every ack wait instead of being put aside.
TEST(Bus, APoisonMessageWithJetStreamControlHeaders_StillLandsInTheDeadLetterStream) {
  const auto letter = deadLetterOf([](const std::string& subject, const std::string& stream) {
    OutgoingMessage poison = message(subject, newUuid(), "\xff\xff not protobuf");
    poison.headers.emplace_back("Nats-Expected-Stream", stream);
    poison.headers.emplace_back("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    return poison;
  });
  ASSERT_TRUE(letter.has_value());
  EXPECT_FALSE(letter->header("Nats-Expected-Stream").has_value());
  EXPECT_TRUE(letter->header("traceparent").has_value()) << "the producer's own headers go along";
}

// A poison message just under the server's max payload no longer fits once the dead-letter headers
// are added: the letter is kept without its body (its size noted) instead of being retried for ever.
TEST(Bus, APoisonMessageTooLargeForItsLetter_IsDeadLetteredWithoutItsBody) {
  std::string big = "\xff\xff not protobuf ";
  big.resize((1u << 20) - 400, 'x');  // the server's default max payload is 1 MiB
  const auto letter =
      deadLetterOf([&](const std::string& subject, const std::string&) { return message(subject, newUuid(), big); });
  ASSERT_TRUE(letter.has_value());
  EXPECT_TRUE(letter->data.empty());
  EXPECT_EQ(letter->header(kDlqBodyDroppedHeader).value_or(""), std::to_string(big.size()));
  EXPECT_TRUE(letter->header(kDlqStreamSequenceHeader).has_value()) << "where the original still is";
}

// A handler's error text goes into a header: line breaks in it (an exception's message) must not end
// the header block, and a huge one is cut, so the letter keeps every header and can be replayed.
TEST(Bus, ADeadLettersReason_IsOneBoundedLine_AndTheLetterKeepsItsOtherHeaders) {
  auto bus = connectTo(testing::natsUrl());
  const std::string domain = uniqueDomain();
  const auto stream = domainStream(domain);
  ASSERT_TRUE(bus->declareStream(stream).isOk());
  ASSERT_TRUE(bus->publish(message("fleetdeck." + domain + ".v1.A", newUuid(), "payload")).isOk());
  const std::string durable = "crlf-" + domain;
  ConsumerLoop loop(*bus, fastConsumer(stream, durable), [](const ReceivedMessage&) {
    return Status(StatusCode::kDataLoss, "first line\r\nX-Injected: yes\n\n" + std::string(5000, 'x'));
  });
  loop.start();
  ASSERT_TRUE(waitUntil([&] { return !deadLettersOf(*bus, durable).empty(); }, 15s));
  loop.stop();
  const auto letter = deadLettersOf(*bus, durable)[0];
  const std::string reason(letter.header(kDlqReasonHeader).value_or(""));
  EXPECT_NE(reason.find("first line"), std::string::npos) << reason;
  EXPECT_EQ(reason.find_first_of("\r\n"), std::string::npos) << reason;
  EXPECT_LE(reason.size(), 512u);
  EXPECT_FALSE(letter.header("X-Injected").has_value());
  EXPECT_EQ(letter.header(kDlqSubjectHeader).value_or(""), "fleetdeck." + domain + ".v1.A");
  EXPECT_EQ(letter.header(kDlqConsumerHeader).value_or(""), durable);
}

TEST(Bus, DeadLettersAreListed_AndReplayedToTheirConsumerOnlyOnceTheCauseIsFixed) {
  auto bus = connectTo(testing::natsUrl());
  const std::string domain = uniqueDomain();
  const auto stream = domainStream(domain);
  ASSERT_TRUE(bus->declareStream(stream).isOk());
  const std::string id = newUuid();
  ASSERT_TRUE(bus->publish(message("fleetdeck." + domain + ".v1.A", id, "needs a fix")).isOk());
  const std::string durable = "replayed-" + domain;
  std::atomic<bool> fixed{false};
  std::atomic<int> applied{0};
  ConsumerLoop loop(*bus, fastConsumer(stream, durable), [&](const ReceivedMessage& received) {
    if (received.data == "marker") return Status::ok();
    if (!fixed) return internalError("bug in the handler");
    EXPECT_EQ(received.data, "needs a fix");
    ++applied;
    return Status::ok();
  });
  // Another consumer of the stream, which handled the message the first time: the replay is not
  // for it (its processed-events rows may be gone by the time an operator replays).
  std::mutex seenMutex;
  std::vector<std::string> otherSaw;
  ConsumerLoop other(*bus, fastConsumer(stream, "bystander-" + domain), [&](const ReceivedMessage& received) {
    std::lock_guard lock(seenMutex);
    otherSaw.push_back(received.data);
    return Status::ok();
  });
  loop.start();
  other.start();
  ASSERT_TRUE(waitUntil([&] {
    auto letters = listDeadLetters(*bus, durable);
    return letters.isOk() && letters->size() == 1;
  }, 15s));
  auto letters = listDeadLetters(*bus, durable);
  EXPECT_EQ((*letters)[0].consumer, durable);
  EXPECT_EQ((*letters)[0].originalMsgId, id);
  EXPECT_EQ((*letters)[0].deliveries, 3u);
  EXPECT_NE((*letters)[0].reason.find("bug in the handler"), std::string::npos);

  fixed = true;  // the operator deployed the fix
  auto replayed = replayDeadLetters(*bus, durable);
  ASSERT_TRUE(replayed.isOk()) << replayed.status().toString();
  EXPECT_EQ(*replayed, 1);
  ASSERT_TRUE(waitUntil([&] { return applied.load() == 1; }, 15s));
  // Behind the replay in the stream: once the bystander has it, it has passed the replay.
  ASSERT_TRUE(bus->publish(message("fleetdeck." + domain + ".v1.A", newUuid(), "marker")).isOk());
  ASSERT_TRUE(waitUntil([&] {
    std::lock_guard lock(seenMutex);
    return !otherSaw.empty() && otherSaw.back() == "marker";
  }, 15s));
  other.stop();
  loop.stop();
  EXPECT_EQ(applied.load(), 1);
  EXPECT_EQ(otherSaw, (std::vector<std::string>{"needs a fix", "marker"}));
  EXPECT_TRUE(listDeadLetters(*bus, durable)->empty());
}

TEST(Bus, OneDeadLetterIsReplayedBySequence_AndAnUnknownSequenceIsNotFound) {
  auto bus = connectTo(testing::natsUrl());
  const std::string domain = uniqueDomain();
  const auto stream = domainStream(domain);
  ASSERT_TRUE(bus->declareStream(stream).isOk());
  const std::string durable = "one-by-one-" + domain;
  std::atomic<bool> fixed{false};
  std::mutex appliedMutex;
  std::vector<std::string> applied;
  ConsumerLoop loop(*bus, fastConsumer(stream, durable), [&](const ReceivedMessage& received) {
    if (!fixed) return invalidArgument("cannot decode " + received.data);
    std::lock_guard lock(appliedMutex);
    applied.push_back(received.data);
    return Status::ok();
  });
  loop.start();
  ASSERT_TRUE(bus->publish(message("fleetdeck." + domain + ".v1.A", newUuid(), "first")).isOk());
  ASSERT_TRUE(bus->publish(message("fleetdeck." + domain + ".v1.A", newUuid(), "second")).isOk());
  ASSERT_TRUE(waitUntil([&] {
    auto letters = listDeadLetters(*bus, durable);
    return letters.isOk() && letters->size() == 2;
  }, 15s));
  const auto letters = *listDeadLetters(*bus, durable);
  fixed = true;
  ASSERT_TRUE(replayDeadLetter(*bus, letters[1].sequence).isOk());
  ASSERT_TRUE(waitUntil([&] {
    std::lock_guard lock(appliedMutex);
    return applied.size() == 1;
  }, 15s));
  loop.stop();
  EXPECT_EQ(applied, (std::vector<std::string>{"second"}));
  const auto left = *listDeadLetters(*bus, durable);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].sequence, letters[0].sequence);
  EXPECT_EQ(replayDeadLetter(*bus, letters[1].sequence).code(), StatusCode::kNotFound);
  EXPECT_EQ(replayDeadLetter(*bus, 1'000'000'000).code(), StatusCode::kNotFound);
}

TEST(Bus, EachEventDeliveredTwice_HasOneEffect) {
  db::ConnectionPool pool({testing::createTestDatabase("bus_consume"), 4, std::chrono::milliseconds(5000), "test"});
  ASSERT_TRUE(db::inTransaction(pool, [](pqxx::work& transaction) {
                transaction.exec(db::kProcessedEventsTableSql);
                transaction.exec("CREATE TABLE effects (user_id text NOT NULL)");
                return Status::ok();
              }).isOk());
  auto bus = connectTo(testing::natsUrl());
  const std::string domain = uniqueDomain();
  const auto stream = domainStream(domain);
  ASSERT_TRUE(bus->declareStream(stream).isOk());
  // The same events published again under new message ids: what a replay or a re-sent outbox row
  // after the dedupe window looks like. Only the envelope's event id identifies the event.
  std::vector<std::string> eventIds;
  for (int i = 0; i < 5; ++i) {
    users::v1::UserRegistered registered;
    registered.set_user_id(newUuid());
    EventContext context;
    context.aggregateId = registered.user_id();
    auto envelope = makeEnvelope(registered, context);
    eventIds.push_back(envelope.event_id());
    const std::string bytes = envelope.SerializeAsString();
    for (int copy = 0; copy < 2; ++copy) {
      ASSERT_TRUE(bus->publish(message("fleetdeck." + domain + ".v1.UserRegistered", newUuid(), bytes)).isOk());
    }
  }
  std::atomic<int> handled{0};
  std::atomic<int> duplicates{0};
  ConsumerLoop loop(*bus, fastConsumer(stream, "once"), [&](const ReceivedMessage& received) -> Status {
    auto envelope = decodeEnvelope(received);
    if (!envelope) return envelope.status();
    users::v1::UserRegistered registered;
    FLEETDECK_RETURN_IF_ERROR(unpackPayload(*envelope, registered));
    bool duplicate = false;
    Status status = db::consumeOnce(
        pool, "once", envelope->event_id(),
        [&](pqxx::work& transaction) {
          transaction.exec_params("INSERT INTO effects (user_id) VALUES ($1)", registered.user_id());
          return Status::ok();
        },
        &duplicate);
    if (duplicate) ++duplicates;
    ++handled;
    return status;
  });
  loop.start();
  ASSERT_TRUE(waitUntil([&] { return handled.load() == 10; }, 15s));
  loop.stop();
  EXPECT_EQ(duplicates.load(), 5);
  auto lease = pool.acquire();
  ASSERT_TRUE(lease.isOk());
  pqxx::nontransaction query(**lease);
  EXPECT_EQ(query.exec("SELECT count(*) FROM effects")[0][0].as<int>(), 5);
  EXPECT_EQ(query.exec("SELECT count(DISTINCT user_id) FROM effects")[0][0].as<int>(), 5);
  EXPECT_EQ(query.exec("SELECT count(*) FROM processed_events WHERE consumer = 'once'")[0][0].as<int>(), 5);
}

// Streams are declared again on every (re)connect. One the server refuses (here its subjects
// overlap another's; in life, a setting that cannot be updated in place) must not stop publishing
// to the others.
TEST(Bus, AStreamTheServerRefuses_HoldsUpNoOtherStream) {
  auto bus = connectTo(testing::natsUrl());  // a fresh connection: every stream is declared again first
  const std::string domain = uniqueDomain();
  const auto stream = domainStream(domain);
  ASSERT_TRUE(bus->declareStream(stream).isOk());
  StreamSpec refused = stream;
  refused.name = stream.name + "_SHADOW";
  const Status shadow = bus->declareStream(refused);
  ASSERT_FALSE(shadow.isOk()) << "the server takes overlapping subjects; pick another way to be refused";
  const auto published = bus->publish(message("fleetdeck." + domain + ".v1.A", newUuid(), "payload"));
  ASSERT_TRUE(published.isOk()) << published.status().toString();
  EXPECT_EQ(published->stream, stream.name);
  const auto batch = bus->publishAll({message("fleetdeck." + domain + ".v1.A", newUuid(), "payload")});
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_TRUE(batch[0].isOk()) << batch[0].toString();
}

// stop() returns only after the handler ran for the last time: the gateway destroys what its
// handler uses right after stopping the tail.
TEST(Bus, StreamTailStop_WaitsForAHandlerStillRunning) {
  auto bus = connectTo(testing::natsUrl());
  const std::string domain = uniqueDomain();
  StreamTailOptions options;
  options.stream = domainStream(domain);
  options.resubscribeInterval = 50ms;
  std::atomic<bool> inHandler{false};
  std::atomic<int> handled{0};
  StreamTail tail(*bus, options, [&](const ReceivedMessage&) {
    inHandler = true;
    std::this_thread::sleep_for(400ms);
    ++handled;
    inHandler = false;
  });
  tail.start();
  ASSERT_TRUE(waitUntil([&] { return tail.subscribed(); }, 10s));
  ASSERT_TRUE(bus->publish(message("fleetdeck." + domain + ".v1.A", newUuid(), "payload")).isOk());
  ASSERT_TRUE(waitUntil([&] { return inHandler.load(); }, 10s));
  tail.stop();
  EXPECT_FALSE(inHandler.load()) << "stop() returned while the handler was still running";
  EXPECT_EQ(handled.load(), 1);
}

// A handler stuck past closeTimeout: stop() returns after the bound instead of waiting for good,
// and the tail can be destroyed while the handler still runs; the handler's last return and
// libnats' completion call then reach the subscription left to libnats, not the destroyed tail
// (under AddressSanitizer the old closure, the tail itself, was a use after free here).
TEST(Bus, StreamTailStop_WithAHandlerStuckPastTheBound_ReturnsAndTheTailMayGo) {
  auto bus = connectTo(testing::natsUrl());
  const std::string domain = uniqueDomain();
  StreamTailOptions options;
  options.stream = domainStream(domain);
  options.resubscribeInterval = 50ms;
  options.closeTimeout = 200ms;
  std::mutex gate;
  std::unique_lock held(gate);
  std::atomic<bool> inHandler{false};
  std::atomic<bool> returned{false};
  auto tail = std::make_unique<StreamTail>(*bus, options, [&](const ReceivedMessage&) {
    inHandler = true;
    std::lock_guard wait(gate);  // stuck until the test lets go
    returned = true;
  });
  tail->start();
  ASSERT_TRUE(waitUntil([&] { return tail->subscribed(); }, 10s));
  ASSERT_TRUE(bus->publish(message("fleetdeck." + domain + ".v1.A", newUuid(), "payload")).isOk());
  ASSERT_TRUE(waitUntil([&] { return inHandler.load(); }, 10s));
  tail->stop();
  EXPECT_FALSE(returned.load()) << "stop() waited for the stuck handler";
  EXPECT_EQ(tail->delivered(), 1u);
  tail.reset();
  held.unlock();
  EXPECT_TRUE(waitUntil([&] { return returned.load(); }, 10s));
  // The connection still works for others afterwards.
  ASSERT_TRUE(bus->publish(message("fleetdeck." + domain + ".v1.A", newUuid(), "payload")).isOk());
}

// A tail whose state must cover the moments before it started (the gateway's account changes)
// replays a window; a plain one sees only what is published after it subscribed.
TEST(Bus, StreamTailWithAReplayWindow_SeesWhatWasPublishedBeforeItStarted) {
  auto bus = connectTo(testing::natsUrl());
  const std::string domain = uniqueDomain();
  const auto stream = domainStream(domain);
  ASSERT_TRUE(bus->declareStream(stream).isOk());
  ASSERT_TRUE(bus->publish(message("fleetdeck." + domain + ".v1.A", newUuid(), "before")).isOk());
  Inbox replayed;
  Inbox fresh;
  StreamTail withReplay(*bus, StreamTailOptions{.stream = stream, .replayFor = 60s},
                        [&](const ReceivedMessage& received) { replayed.add(received); });
  StreamTail plain(*bus, StreamTailOptions{.stream = stream}, [&](const ReceivedMessage& received) { fresh.add(received); });
  withReplay.start();
  plain.start();
  ASSERT_TRUE(waitUntil([&] { return withReplay.subscribed() && plain.subscribed(); }, 10s));
  ASSERT_TRUE(waitUntil([&] { return replayed.size() == 1; }, 10s));
  EXPECT_EQ(replayed.all()[0].data, "before");
  ASSERT_TRUE(bus->publish(message("fleetdeck." + domain + ".v1.A", newUuid(), "after")).isOk());
  ASSERT_TRUE(waitUntil([&] { return fresh.size() == 1 && replayed.size() == 2; }, 10s));
  EXPECT_EQ(fresh.all()[0].data, "after") << "the plain tail starts at new messages";
  withReplay.stop();
  plain.stop();
}

// A dead letter replayed for one durable consumer is old news to a tail (the gateway's display feed
// would show it as new): tails pass over it.
TEST(Bus, StreamTailsPassOverADeadLetterReplayedForAConsumer) {
  auto bus = connectTo(testing::natsUrl());
  const std::string domain = uniqueDomain();
  const auto stream = domainStream(domain);
  ASSERT_TRUE(bus->declareStream(stream).isOk());
  Inbox seen;
  StreamTail tail(*bus, StreamTailOptions{.stream = stream}, [&](const ReceivedMessage& received) { seen.add(received); });
  tail.start();
  ASSERT_TRUE(waitUntil([&] { return tail.subscribed(); }, 10s));
  OutgoingMessage replay = message("fleetdeck." + domain + ".v1.A", newUuid(), "replayed");
  replay.headers.emplace_back(kReplayForHeader, "some-consumer");
  ASSERT_TRUE(bus->publish(replay).isOk());
  ASSERT_TRUE(bus->publish(message("fleetdeck." + domain + ".v1.A", newUuid(), "new")).isOk());
  ASSERT_TRUE(waitUntil([&] { return seen.size() >= 1; }, 10s));
  tail.stop();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen.all()[0].data, "new");
}

TEST(Bus, BrokerRestart_ClientReconnects_ConsumerAndPublisherCarryOn) {
  testing::NatsServer server;
  auto bus = connectTo(server.url());
  const std::string domain = uniqueDomain();
  const auto stream = domainStream(domain);
  ASSERT_TRUE(bus->declareStream(stream).isOk());
  Inbox inbox;
  ConsumerLoop loop(*bus, fastConsumer(stream, "survivor"), [&](const ReceivedMessage& received) {
    inbox.add(received);
    return Status::ok();
  });
  loop.start();
  ASSERT_TRUE(bus->publish(message("fleetdeck." + domain + ".v1.A", "before", "1")).isOk());
  ASSERT_TRUE(waitUntil([&] { return inbox.size() == 1; }, 10s));

  server.stop();
  ASSERT_TRUE(waitUntil([&] { return !bus->connected(); }, 10s));
  auto whileDown = bus->publish(message("fleetdeck." + domain + ".v1.A", "during", "2"));
  ASSERT_FALSE(whileDown.isOk());
  EXPECT_EQ(whileDown.status().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(bus->ping().isOk());

  server.start();
  ASSERT_TRUE(waitUntil([&] { return bus->connected(); }, 15s));
  // libnats reports the connection as up before it runs the reconnected callback on its own thread.
  EXPECT_TRUE(waitUntil([&] { return bus->reconnects() >= 1u; }, 5s));
  // JetStream needs a moment after the port opens; the publish is retried like the relay would.
  ASSERT_TRUE(waitUntil([&] { return bus->publish(message("fleetdeck." + domain + ".v1.A", "after", "3")).isOk(); },
                        15s));
  ASSERT_TRUE(waitUntil([&] { return inbox.size() >= 2; }, 15s));
  loop.stop();
  std::set<std::string> data;
  for (const auto& received : inbox.all()) data.insert(received.data);
  EXPECT_EQ(data, (std::set<std::string>{"1", "3"}));
  EXPECT_TRUE(bus->ping().isOk());
}

// Points this process's log at a temporary file while it lives; text() flushes and reads it.
class CapturedLog {
 public:
  CapturedLog() : file_(std::filesystem::temp_directory_path() / ("fleetdeck-bus-log-" + randomHex(6) + ".jsonl")) {
    log::Options capture;
    capture.file = file_.string();
    EXPECT_TRUE(log::configure(capture).isOk());
  }
  ~CapturedLog() {
    EXPECT_TRUE(log::configure(log::Options{}).isOk());
    std::filesystem::remove(file_);
  }
  std::string text() const {
    log::flush();
    std::ifstream in(file_);
    std::stringstream content;
    content << in.rdbuf();
    return content.str();
  }

 private:
  std::filesystem::path file_;
};

TEST(Bus, ClosingTheConnection_IsNotLoggedAsALostServer_ButLosingTheServerIs) {
  testing::NatsServer server;
  {
    CapturedLog log;
    // The destructor waits for libnats' closed callback, which comes after its disconnected one.
    connectTo(server.url()).reset();
    EXPECT_EQ(log.text().find("lost the NATS connection"), std::string::npos) << log.text();
  }
  auto bus = connectTo(server.url());
  CapturedLog log;
  server.stop();
  EXPECT_TRUE(waitUntil([&] { return log.text().find("lost the NATS connection") != std::string::npos; }, 10s))
      << log.text();
}

TEST(Bus, StartsWhileBrokerIsDown_AndConnectsWhenItComesUp) {
  testing::NatsServer server;
  server.stop();
  BusOptions options;
  options.url = server.url();
  options.reconnectWait = 100ms;
  auto bus = Bus::connect(options);
  ASSERT_TRUE(bus.isOk()) << bus.status().toString();
  EXPECT_FALSE((*bus)->connected());
  const std::string domain = uniqueDomain();
  const auto stream = domainStream(domain);
  EXPECT_EQ((*bus)->declareStream(stream).code(), StatusCode::kUnavailable);
  server.start();
  ASSERT_TRUE(waitUntil([&] { return (*bus)->connected(); }, 15s));
  // The declaration was remembered: the first publish creates the stream.
  const std::string subject = "fleetdeck." + domain + ".v1.A";
  ASSERT_TRUE(waitUntil([&] { return (*bus)->publish(message(subject, newUuid(), "x")).isOk(); }, 15s));
  auto state = (*bus)->streamState(stream.name);
  ASSERT_TRUE(state.isOk());
  EXPECT_EQ(state->messages, 1u);
}

TEST(Bus, DeclaredStream_HasTheConfiguredReplicaCount) {
  auto bus = connectTo(testing::natsUrl(), 1);
  const auto stream = domainStream(uniqueDomain());
  ASSERT_TRUE(bus->declareStream(stream).isOk());
  auto state = bus->streamState(stream.name);
  ASSERT_TRUE(state.isOk()) << state.status().toString();
  EXPECT_EQ(state->replicas, 1);

  // A single server cannot hold three copies: the count reaches the server, which refuses it.
  auto tripled = connectTo(testing::natsUrl(), 3);
  const Status refused = tripled->declareStream(domainStream(uniqueDomain()));
  EXPECT_FALSE(refused.isOk());
  EXPECT_NE(refused.message().find("declaring stream"), std::string::npos) << refused.toString();
}

TEST(Bus, EmptyOrMalformedUrl_IsRefusedNamingTheKey) {
  for (const std::string url : {"", "http://127.0.0.1:4222", "nats://", "nats://a:1,", "nats://a:1/path"}) {
    BusOptions options;
    options.url = url;
    auto bus = Bus::connect(options);
    ASSERT_FALSE(bus.isOk()) << url;
    EXPECT_EQ(bus.status().code(), StatusCode::kInvalidArgument) << url;
    EXPECT_EQ(bus.status().violations()[0].field, "nats.url") << url;
  }
  BusOptions twoServers;
  twoServers.url = "nats://127.0.0.1:1, 127.0.0.1:2";  // nobody listens: accepted, connects in the background
  auto bus = Bus::connect(twoServers);
  ASSERT_TRUE(bus.isOk()) << bus.status().toString();
  EXPECT_FALSE((*bus)->connected());
}

TEST(Bus, ErrorsNameTheServerButNotItsPassword) {
  BusOptions options;
  options.url = "nats://fleet:s3cret-password@127.0.0.1:1";  // nobody listens: connects in the background
  options.reconnectWait = 100ms;
  auto bus = Bus::connect(options);
  ASSERT_TRUE(bus.isOk()) << bus.status().toString();
  const Status down = (*bus)->ping();
  ASSERT_FALSE(down.isOk());
  EXPECT_NE(down.message().find("127.0.0.1:1"), std::string::npos) << down.message();
  EXPECT_EQ(down.message().find("s3cret"), std::string::npos) << down.message();
}

}  // namespace
}  // namespace fleetdeck::bus
