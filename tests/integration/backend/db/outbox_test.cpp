// The transactional outbox and its relay against a real PostgreSQL, with a recording publisher and
// with the real bus on a real nats-server (including a broker outage and a relay restart).
#include "fleetdeck/db/outbox.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>

#include "fleetdeck/bus/connection.h"
#include "fleetdeck/bus/outbox_publisher.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/db/connection_pool.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"

namespace fleetdeck::db {
namespace {

using namespace std::chrono_literals;
using fleetdeck::testing::waitUntil;

std::unique_ptr<ConnectionPool> outboxDatabase() {
  auto pool = std::make_unique<ConnectionPool>(
      PoolOptions{testing::createTestDatabase("outbox"), 8, std::chrono::milliseconds(5000), "outbox-test"});
  EXPECT_TRUE(inTransaction(*pool, [](pqxx::work& transaction) {
                transaction.exec(kOutboxTableSql);
                return Status::ok();
              }).isOk());
  return pool;
}

OutboxMessage row(const std::string& key, const std::string& subject, const std::string& payload) {
  OutboxMessage message;
  message.id = newUuid();
  message.subject = subject;
  message.aggregateKey = key;
  message.headers = {{"traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}};
  message.payload = payload;
  return message;
}

Status appendAll(ConnectionPool& pool, const std::vector<OutboxMessage>& messages) {
  return inTransaction(pool, [&](pqxx::work& transaction) -> Status {
    for (const auto& message : messages) FLEETDECK_RETURN_IF_ERROR(appendToOutbox(transaction, message));
    return Status::ok();
  });
}

int64_t scalar(ConnectionPool& pool, const std::string& sql) {
  auto lease = pool.acquire();
  EXPECT_TRUE(lease.isOk());
  pqxx::nontransaction query(**lease);
  return query.exec(sql)[0][0].as<int64_t>();
}

// Records every publish in call order; can be told to fail, and to take its time.
class RecordingPublisher final : public OutboxPublisher {
 public:
  Status publish(const OutboxMessage& message) override {
    if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
    std::lock_guard lock(mutex_);
    if (!failure_.isOk() && (failKey_.empty() || failKey_ == message.aggregateKey)) return failure_;
    published_.push_back(message);
    return Status::ok();
  }
  void failWith(Status status, std::string onlyKey = {}) {
    std::lock_guard lock(mutex_);
    failure_ = std::move(status);
    failKey_ = std::move(onlyKey);
  }
  void setDelay(std::chrono::milliseconds delay) { delay_ = delay; }
  std::vector<OutboxMessage> published() {
    std::lock_guard lock(mutex_);
    return published_;
  }

 private:
  std::mutex mutex_;
  Status failure_;
  std::string failKey_;
  std::chrono::milliseconds delay_{0};
  std::vector<OutboxMessage> published_;
};

OutboxRelayOptions quickRelay() {
  OutboxRelayOptions options;
  options.name = "test";
  options.batchSize = 10;
  options.pollInterval = 20ms;
  options.backoff = BackoffPolicy{20ms, 200ms, 2.0};
  return options;
}

TEST(Outbox, Append_RefusesRowsWithoutIdSubjectOrKey_NamingTheFields) {
  auto pool = outboxDatabase();
  OutboxMessage bad;
  bad.id = "not-a-uuid";
  Status status = inTransaction(*pool, [&](pqxx::work& transaction) { return appendToOutbox(transaction, bad); });
  ASSERT_EQ(status.code(), StatusCode::kInvalidArgument);
  std::set<std::string> fields;
  for (const auto& violation : status.violations()) fields.insert(violation.field);
  EXPECT_EQ(fields, (std::set<std::string>{"id", "subject", "aggregateKey"}));
  EXPECT_EQ(scalar(*pool, "SELECT count(*) FROM outbox"), 0);
}

TEST(Outbox, RelayPublishesInAppendOrderPerKey_WithHeadersAndPayload_AndMarksSent) {
  auto pool = outboxDatabase();
  std::vector<OutboxMessage> appended;
  for (int i = 0; i < 25; ++i) appended.push_back(row("key-" + std::to_string(i % 3), "fleetdeck.t.v1.E", std::to_string(i)));
  ASSERT_TRUE(appendAll(*pool, appended).isOk());
  RecordingPublisher publisher;
  OutboxRelay relay(*pool, publisher, quickRelay());
  int total = 0;
  for (int pass = 0; pass < 10 && total < 25; ++pass) {
    auto published = relay.relayOnce();
    ASSERT_TRUE(published.isOk()) << published.status().toString();
    total += *published;
  }
  EXPECT_EQ(total, 25);
  const auto published = publisher.published();
  ASSERT_EQ(published.size(), 25u);
  std::map<std::string, std::vector<int>> perKey;
  for (const auto& message : published) perKey[message.aggregateKey].push_back(std::stoi(message.payload));
  for (const auto& [key, payloads] : perKey) EXPECT_TRUE(std::is_sorted(payloads.begin(), payloads.end())) << key;
  EXPECT_EQ(published[0].id, appended[0].id);
  EXPECT_EQ(published[0].headers, appended[0].headers);
  EXPECT_GT(published[0].sequence, 0);
  EXPECT_EQ(scalar(*pool, "SELECT count(*) FROM outbox WHERE sent_at IS NULL"), 0);
  auto again = relay.relayOnce();
  ASSERT_TRUE(again.isOk());
  EXPECT_EQ(*again, 0);
}

// A pass waits for the broker's acks inside its transaction without sending SQL: many waves of slow
// acks outlived PostgreSQL's idle-in-transaction timeout, committed nothing, and went out again on
// every pass. A pass starts no wave after its time is up; the next pass takes the rest, in order.
TEST(Outbox, APassStartsNoWaveAfterItsTimeIsUp_TheNextPassSendsTheRestInOrder) {
  auto pool = outboxDatabase();
  std::vector<OutboxMessage> appended;
  for (int i = 0; i < 6; ++i) appended.push_back(row("one-key", "fleetdeck.t.v1.E", std::to_string(i)));
  ASSERT_TRUE(appendAll(*pool, appended).isOk());
  RecordingPublisher publisher;
  publisher.setDelay(40ms);  // one row per wave: each wave takes 40 ms
  OutboxRelayOptions options = quickRelay();
  options.maxPassTime = 100ms;
  OutboxRelay relay(*pool, publisher, options);
  auto first = relay.relayOnce();
  ASSERT_TRUE(first.isOk()) << first.status().toString();
  EXPECT_GE(*first, 1);
  EXPECT_LE(*first, 4) << "waves started after the pass's 100 ms";
  EXPECT_EQ(scalar(*pool, "SELECT count(*) FROM outbox WHERE sent_at IS NULL"), 6 - *first) << "the sent were marked";
  int total = *first;
  for (int pass = 0; pass < 10 && total < 6; ++pass) {
    auto published = relay.relayOnce();
    ASSERT_TRUE(published.isOk()) << published.status().toString();
    total += *published;
  }
  EXPECT_EQ(total, 6);
  std::vector<int> order;
  for (const auto& message : publisher.published()) order.push_back(std::stoi(message.payload));
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5}));
}

// What the last moments before a shutdown committed goes out with it: stop() runs one more pass,
// instead of leaving the rows for this service's next start or another replica.
TEST(Outbox, StoppingTheRelay_PublishesWhatWasCommittedJustBefore) {
  auto pool = outboxDatabase();
  RecordingPublisher publisher;
  OutboxRelayOptions options = quickRelay();
  options.pollInterval = std::chrono::hours(1);  // asleep after its first pass; nobody wakes it
  OutboxRelay relay(*pool, publisher, options);
  relay.start();
  std::this_thread::sleep_for(300ms);
  const OutboxMessage last = row("order-1", "fleetdeck.t.v1.E", "cancelled just before the shutdown");
  ASSERT_TRUE(appendAll(*pool, {last}).isOk());
  relay.stop();
  const auto published = publisher.published();
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published[0].id, last.id);
  EXPECT_EQ(scalar(*pool, "SELECT count(*) FROM outbox WHERE sent_at IS NULL"), 0);
}

TEST(Outbox, SeveralRowsInOneStatement_KeepTheirOrderBytesAndQuotedText) {
  auto pool = outboxDatabase();
  std::string binary;
  for (int byte = 0; byte < 256; ++byte) binary += static_cast<char>(byte);
  std::vector<OutboxMessage> appended = {row("key \"a\" \\ {b}", "fleetdeck.t.v1.E", binary),
                                         row("key-2", "fleetdeck.t.v1.\"Quoted\"", "second"),
                                         row("key \"a\" \\ {b}", "fleetdeck.t.v1.E", std::string("\0,{}\"", 5))};
  appended[1].headers.emplace_back("note", "a \"quoted\" value, with {braces} and a \\ backslash");
  ASSERT_TRUE(inTransaction(*pool, [&](pqxx::work& transaction) { return appendToOutbox(transaction, appended); }).isOk());
  RecordingPublisher publisher;
  OutboxRelay relay(*pool, publisher, quickRelay());
  auto published = relay.relayOnce();
  ASSERT_TRUE(published.isOk()) << published.status().toString();
  ASSERT_EQ(*published, 3);
  const auto received = publisher.published();
  ASSERT_EQ(received.size(), 3u);
  for (size_t i = 0; i < received.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(received[i].id, appended[i].id);
    EXPECT_EQ(received[i].aggregateKey, appended[i].aggregateKey);
    EXPECT_EQ(received[i].subject, appended[i].subject);
    // Headers are stored as a JSON object: their order is not kept (as for a single row).
    auto sentHeaders = appended[i].headers, receivedHeaders = received[i].headers;
    std::sort(sentHeaders.begin(), sentHeaders.end());
    std::sort(receivedHeaders.begin(), receivedHeaders.end());
    EXPECT_EQ(receivedHeaders, sentHeaders);
    EXPECT_EQ(received[i].payload, appended[i].payload);
  }

  std::vector<OutboxMessage> invalid = {row("k", "s", "p"), row("", "s", "p")};
  const Status refused =
      inTransaction(*pool, [&](pqxx::work& transaction) { return appendToOutbox(transaction, invalid); });
  ASSERT_EQ(refused.code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(refused.violations().size(), 1u);
  EXPECT_EQ(refused.violations()[0].field, "messages[1].aggregateKey");
}

TEST(Outbox, RowsOfARolledBackTransaction_AreNeverPublished) {
  auto pool = outboxDatabase();
  Status failed = inTransaction(*pool, [&](pqxx::work& transaction) -> Status {
    FLEETDECK_RETURN_IF_ERROR(appendToOutbox(transaction, row("k", "fleetdeck.t.v1.E", "rolled back")));
    return aborted("the business change failed after the event was written");
  });
  ASSERT_EQ(failed.code(), StatusCode::kAborted);
  ASSERT_TRUE(appendAll(*pool, {row("k", "fleetdeck.t.v1.E", "committed")}).isOk());
  RecordingPublisher publisher;
  OutboxRelay relay(*pool, publisher, quickRelay());
  ASSERT_TRUE(relay.relayOnce().isOk());
  const auto published = publisher.published();
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published[0].payload, "committed");
}

TEST(Outbox, RowsOfOneTransaction_AreWrittenAtCommit_InAppendOrder_OrNotAtAll) {
  auto pool = outboxDatabase();
  // Appends interleaved with the transaction's other writes are held back until the commit.
  std::vector<OutboxMessage> appended = {row("a", "fleetdeck.t.v1.E", "1"), row("b", "fleetdeck.t.v1.E", "2"),
                                         row("a", "fleetdeck.t.v1.E", "3")};
  ASSERT_TRUE(inTransaction(*pool, [&](pqxx::work& transaction) -> Status {
                for (const auto& message : appended) {
                  FLEETDECK_RETURN_IF_ERROR(appendToOutbox(transaction, message));
                  EXPECT_EQ(transaction.exec("SELECT count(*) FROM outbox")[0][0].as<int64_t>(), 0);
                }
                return Status::ok();
              }).isOk());
  auto lease = pool->acquire();
  ASSERT_TRUE(lease.isOk());
  pqxx::nontransaction query(**lease);
  const auto rows = query.exec("SELECT id::text FROM outbox ORDER BY seq");
  ASSERT_EQ(rows.size(), appended.size());
  for (size_t i = 0; i < appended.size(); ++i) EXPECT_EQ(rows[i][0].as<std::string>(), appended[i].id);

  // The same event id twice in one transaction: the insert at commit fails, and takes the
  // transaction's other writes with it.
  const OutboxMessage twice = row("c", "fleetdeck.t.v1.E", "twice");
  const Status failed = inTransaction(*pool, [&](pqxx::work& transaction) -> Status {
    transaction.exec("CREATE TABLE written_beside_the_outbox (id int)");
    FLEETDECK_RETURN_IF_ERROR(appendToOutbox(transaction, twice));
    return appendToOutbox(transaction, twice);
  });
  EXPECT_EQ(failed.code(), StatusCode::kAlreadyExists) << failed.toString();
  // The failed commit's connection went back to the pool out of its aborted transaction: the pool
  // lends the connection returned last first, so the next transaction runs on it.
  EXPECT_TRUE(appendAll(*pool, {row("c", "fleetdeck.t.v1.E", "after the failed commit")}).isOk());
  EXPECT_EQ(scalar(*pool, "SELECT count(*) FROM outbox"), 4);
  EXPECT_EQ(scalar(*pool, "SELECT count(*) FROM pg_class WHERE relname = 'written_beside_the_outbox'"), 0);
}

TEST(Outbox, BrokerDown_RowsStayUnsent_WithAttemptsCounted_ThenGoOutInOrder) {
  auto pool = outboxDatabase();
  ASSERT_TRUE(appendAll(*pool, {row("k", "s.v1.E", "1"), row("k", "s.v1.E", "2")}).isOk());
  RecordingPublisher publisher;
  publisher.failWith(unavailable("broker down"));
  OutboxRelay relay(*pool, publisher, quickRelay());
  auto failed = relay.relayOnce();
  ASSERT_FALSE(failed.isOk());
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(scalar(*pool, "SELECT count(*) FROM outbox WHERE sent_at IS NULL"), 2);
  EXPECT_EQ(scalar(*pool, "SELECT attempts FROM outbox ORDER BY seq LIMIT 1"), 1);
  auto lag = relay.lag();
  ASSERT_TRUE(lag.isOk());
  EXPECT_EQ(lag->unsent, 2);
  EXPECT_GE(lag->oldestUnsentAgeSeconds, 0.0);

  publisher.failWith(Status::ok());
  ASSERT_TRUE(relay.relayOnce().isOk());
  const auto published = publisher.published();
  ASSERT_EQ(published.size(), 2u);
  EXPECT_EQ(published[0].payload, "1");
  EXPECT_EQ(published[1].payload, "2");
  EXPECT_EQ(relay.lag()->unsent, 0);
}

TEST(Outbox, ARowTheBrokerRefuses_HoldsBackOnlyItsOwnKey) {
  auto pool = outboxDatabase();
  ASSERT_TRUE(appendAll(*pool, {row("stuck", "s.v1.E", "s1"), row("fine", "s.v1.E", "f1"),
                                row("stuck", "s.v1.E", "s2"), row("fine", "s.v1.E", "f2")})
                  .isOk());
  RecordingPublisher publisher;
  publisher.failWith(notFound("no stream takes subject"), "stuck");
  OutboxRelay relay(*pool, publisher, quickRelay());
  auto result = relay.relayOnce();
  ASSERT_TRUE(result.isOk()) << result.status().toString();
  EXPECT_EQ(*result, 2);
  std::vector<std::string> payloads;
  for (const auto& message : publisher.published()) payloads.push_back(message.payload);
  EXPECT_EQ(payloads, (std::vector<std::string>{"f1", "f2"}));
  // s2 was never tried before s1: per-key order holds even across failures.
  EXPECT_EQ(scalar(*pool, "SELECT attempts FROM outbox WHERE payload = 's2'::bytea"), 0);
  EXPECT_EQ(scalar(*pool, "SELECT attempts FROM outbox WHERE payload = 's1'::bytea"), 1);
}

TEST(Outbox, ARefusedKeyFillingABatch_DoesNotStarveTheKeysBehindIt_AndIsRetriedLater) {
  auto pool = outboxDatabase();
  ASSERT_TRUE(appendAll(*pool, {row("stuck", "s.v1.E", "s1"), row("stuck", "s.v1.E", "s2"),
                                row("fine", "s.v1.E", "f1"), row("fine", "s.v1.E", "f2")})
                  .isOk());
  RecordingPublisher publisher;
  publisher.failWith(notFound("no stream takes subject"), "stuck");
  auto options = quickRelay();
  options.batchSize = 2;
  options.backoff = BackoffPolicy{2s, 2s, 1.0};
  OutboxRelay relay(*pool, publisher, options);
  // The first batch is the stuck key's two rows: nothing goes out.
  auto first = relay.relayOnce();
  ASSERT_FALSE(first.isOk());
  EXPECT_EQ(first.status().code(), StatusCode::kFailedPrecondition);
  // Until its retry time the stuck key is left out, so the next batch is the other key's.
  auto second = relay.relayOnce();
  ASSERT_TRUE(second.isOk()) << second.status().toString();
  EXPECT_EQ(*second, 2);
  std::vector<std::string> payloads;
  for (const auto& message : publisher.published()) payloads.push_back(message.payload);
  EXPECT_EQ(payloads, (std::vector<std::string>{"f1", "f2"}));
  EXPECT_EQ(scalar(*pool, "SELECT attempts FROM outbox WHERE payload = 's1'::bytea"), 1);
  // Once the broker takes it, the stuck key goes out in order after its retry time.
  publisher.failWith(Status::ok());
  ASSERT_TRUE(waitUntil(
      [&] {
        auto pass = relay.relayOnce();
        return pass.isOk() && *pass == 2;
      },
      10s));
  payloads.clear();
  for (const auto& message : publisher.published()) payloads.push_back(message.payload);
  EXPECT_EQ(payloads, (std::vector<std::string>{"f1", "f2", "s1", "s2"}));
}

TEST(Outbox, WhileAnotherReplicaRelays_APassPublishesNothing_ThenTakesOver) {
  auto pool = outboxDatabase();
  ASSERT_TRUE(appendAll(*pool, {row("k", "s.v1.E", "1"), row("k", "s.v1.E", "2")}).isOk());
  // Another replica's pass in progress: it holds the relay's advisory lock (kRelayLock in outbox.cpp).
  pqxx::connection otherReplica(pool->options().connectionString);
  pqxx::work otherPass(otherReplica);
  ASSERT_TRUE(otherPass.exec("SELECT pg_try_advisory_xact_lock(7380385375772241762)")[0][0].as<bool>());
  RecordingPublisher publisher;
  OutboxRelay relay(*pool, publisher, quickRelay());
  auto skipped = relay.relayOnce();
  ASSERT_TRUE(skipped.isOk()) << skipped.status().toString();
  EXPECT_EQ(*skipped, 0);
  EXPECT_TRUE(publisher.published().empty());
  otherPass.abort();  // that pass ends: the lock is free
  auto relayed = relay.relayOnce();
  ASSERT_TRUE(relayed.isOk()) << relayed.status().toString();
  EXPECT_EQ(*relayed, 2);
  EXPECT_EQ(scalar(*pool, "SELECT count(*) FROM outbox WHERE sent_at IS NULL"), 0);
}

TEST(Outbox, TwoRelayReplicas_NeverPublishOneKeyOutOfOrder_OrTwice) {
  auto pool = outboxDatabase();
  constexpr int kKeys = 6;
  constexpr int kPerKey = 40;
  std::vector<OutboxMessage> appended;
  for (int i = 0; i < kPerKey; ++i) {
    for (int key = 0; key < kKeys; ++key) appended.push_back(row("key-" + std::to_string(key), "s.v1.E", std::to_string(i)));
  }
  // Committed in several transactions, like independent writers.
  for (size_t start = 0; start < appended.size(); start += 20) {
    ASSERT_TRUE(appendAll(*pool, std::vector<OutboxMessage>(appended.begin() + static_cast<long>(start),
                                                             appended.begin() + static_cast<long>(start + 20)))
                    .isOk());
  }
  // One shared publisher sees the calls of both relays in the order they happen.
  RecordingPublisher publisher;
  publisher.setDelay(1ms);
  auto options = quickRelay();
  options.batchSize = 7;
  OutboxRelay first(*pool, publisher, options);
  OutboxRelay second(*pool, publisher, options);
  first.start();
  second.start();
  ASSERT_TRUE(waitUntil([&] { return publisher.published().size() >= appended.size(); }, 60s));
  first.stop();
  second.stop();
  const auto published = publisher.published();
  EXPECT_EQ(published.size(), appended.size());
  std::set<std::string> ids;
  std::map<std::string, std::vector<int>> perKey;
  for (const auto& message : published) {
    EXPECT_TRUE(ids.insert(message.id).second) << "published twice: " << message.id;
    perKey[message.aggregateKey].push_back(std::stoi(message.payload));
  }
  for (const auto& [key, payloads] : perKey) {
    ASSERT_EQ(payloads.size(), static_cast<size_t>(kPerKey)) << key;
    EXPECT_TRUE(std::is_sorted(payloads.begin(), payloads.end())) << key << " out of order";
  }
}

TEST(Outbox, RelayRestart_ResumesWhereTheLastOneStopped) {
  auto pool = outboxDatabase();
  std::vector<OutboxMessage> appended;
  for (int i = 0; i < 30; ++i) appended.push_back(row("k" + std::to_string(i % 2), "s.v1.E", std::to_string(i)));
  ASSERT_TRUE(appendAll(*pool, appended).isOk());
  RecordingPublisher publisher;
  {
    OutboxRelay relay(*pool, publisher, quickRelay());
    ASSERT_TRUE(relay.relayOnce().isOk());  // one batch of 10, then the "process" goes away
  }
  EXPECT_EQ(publisher.published().size(), 10u);
  OutboxRelay restarted(*pool, publisher, quickRelay());
  restarted.start();
  ASSERT_TRUE(waitUntil([&] { return publisher.published().size() == 30; }, 10s));
  restarted.stop();
  std::set<std::string> ids;
  for (const auto& message : publisher.published()) ids.insert(message.id);
  EXPECT_EQ(ids.size(), 30u);
}

TEST(Outbox, SentRowsAreKeptForTheRetentionWindow_ThenDeleted) {
  auto pool = outboxDatabase();
  ASSERT_TRUE(appendAll(*pool, {row("k", "s.v1.E", "old"), row("k", "s.v1.E", "recent"), row("j", "s.v1.E", "unsent")})
                  .isOk());
  auto lease = pool->acquire();
  ASSERT_TRUE(lease.isOk());
  {
    pqxx::work transaction(**lease);
    transaction.exec("UPDATE outbox SET sent_at = now() - interval '2 hours' WHERE payload = 'old'::bytea");
    transaction.exec("UPDATE outbox SET sent_at = now() - interval '10 minutes' WHERE payload = 'recent'::bytea");
    transaction.commit();
  }
  RecordingPublisher publisher;
  auto options = quickRelay();
  options.retention = 1h;
  OutboxRelay relay(*pool, publisher, options);
  auto deleted = relay.deleteExpired();
  ASSERT_TRUE(deleted.isOk());
  EXPECT_EQ(*deleted, 1);
  pqxx::nontransaction query(**lease);
  EXPECT_EQ(query.exec("SELECT count(*) FROM outbox WHERE payload = 'old'::bytea")[0][0].as<int>(), 0);
  EXPECT_EQ(query.exec("SELECT count(*) FROM outbox")[0][0].as<int>(), 2);  // recent and the unsent one
}

// ----- with the real bus -----

std::unique_ptr<bus::Bus> connectTo(const std::string& url) {
  bus::BusOptions options;
  options.url = url;
  options.requestTimeout = 2s;
  options.reconnectWait = 100ms;
  auto connected = bus::Bus::connect(options);
  EXPECT_TRUE(connected.isOk()) << connected.status().toString();
  return std::move(*connected);
}

std::string letters(std::string hex) {
  for (char& c : hex) {
    if (c >= '0' && c <= '9') c = static_cast<char>('a' + (c - '0'));
  }
  return hex;
}

// Every message of a stream, in stream order.
std::vector<bus::ReceivedMessage> streamContent(bus::Bus& bus, const std::string& stream) {
  std::vector<bus::ReceivedMessage> messages;
  auto state = bus.streamState(stream);
  EXPECT_TRUE(state.isOk()) << state.status().toString();
  if (!state || state->messages == 0) return messages;
  for (uint64_t sequence = state->firstSequence; sequence <= state->lastSequence; ++sequence) {
    auto message = bus.getMessage(stream, sequence);
    if (message) messages.push_back(*message);
  }
  return messages;
}

TEST(OutboxWithBus, RowsArePublishedToJetStreamInOrderPerKey_WithEventIdAsMsgId) {
  auto pool = outboxDatabase();
  auto bus = connectTo(testing::natsUrl());
  ASSERT_TRUE(testing::waitUntil([&] { return bus->connected(); }, 10s));
  const std::string domain = "o" + letters(randomHex(4));
  const auto stream = bus::domainStream(domain);
  ASSERT_TRUE(bus->declareStream(stream).isOk());
  std::vector<OutboxMessage> appended;
  for (int i = 0; i < 12; ++i) {
    appended.push_back(row("agg-" + std::to_string(i % 3), "fleetdeck." + domain + ".v1.Changed", std::to_string(i)));
  }
  ASSERT_TRUE(appendAll(*pool, appended).isOk());
  bus::BusOutboxPublisher publisher(*bus);
  OutboxRelay relay(*pool, publisher, quickRelay());
  relay.start();
  ASSERT_TRUE(waitUntil([&] { return relay.lag().isOk() && relay.lag()->unsent == 0; }, 15s));
  relay.stop();
  const auto content = streamContent(*bus, stream.name);
  ASSERT_EQ(content.size(), 12u);
  std::map<std::string, std::vector<int>> perKey;
  for (size_t i = 0; i < content.size(); ++i) {
    const auto& message = content[i];
    const int index = std::stoi(message.data);
    EXPECT_EQ(message.header(bus::kMsgIdHeader), appended[static_cast<size_t>(index)].id);
    EXPECT_EQ(message.header(bus::kTraceparentHeader), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    perKey[appended[static_cast<size_t>(index)].aggregateKey].push_back(index);
  }
  for (const auto& [key, indexes] : perKey) EXPECT_TRUE(std::is_sorted(indexes.begin(), indexes.end())) << key;
}

TEST(OutboxWithBus, NatsStoppedWhileRowsAreWritten_AllArePublishedAfterRestart_NoneLostNoneTwice) {
  testing::NatsServer server;
  auto pool = outboxDatabase();
  auto bus = connectTo(server.url());
  ASSERT_TRUE(waitUntil([&] { return bus->connected(); }, 10s));
  const std::string domain = "n" + letters(randomHex(4));
  const auto stream = bus::domainStream(domain);
  ASSERT_TRUE(bus->declareStream(stream).isOk());
  bus::BusOutboxPublisher publisher(*bus);
  OutboxRelay relay(*pool, publisher, quickRelay());
  relay.start();

  std::set<std::string> written;
  auto write = [&](int count) {
    for (int i = 0; i < count; ++i) {
      auto message = row("order-" + std::to_string(i % 4), "fleetdeck." + domain + ".v1.Placed", std::to_string(i));
      ASSERT_TRUE(appendAll(*pool, {message}).isOk());
      written.insert(message.id);
      relay.wake();
    }
  };
  write(20);
  ASSERT_TRUE(waitUntil([&] { return relay.lag()->unsent == 0; }, 15s));

  server.stop();
  // Written during a few seconds of outage: the relay retries with backoff, rows wait in the table.
  const auto outageEnds = std::chrono::steady_clock::now() + 3s;
  int rounds = 0;
  while (std::chrono::steady_clock::now() < outageEnds && rounds < 30) {
    write(5);
    ++rounds;
    std::this_thread::sleep_for(100ms);
  }
  auto during = relay.lag();
  ASSERT_TRUE(during.isOk());
  EXPECT_GT(during->unsent, 0);
  EXPECT_GT(relay.consecutiveFailures(), 0);

  server.start();
  ASSERT_TRUE(waitUntil([&] { auto lag = relay.lag(); return lag.isOk() && lag->unsent == 0; }, 30s));
  relay.stop();

  const auto content = streamContent(*bus, stream.name);
  std::multiset<std::string> inStream;
  for (const auto& message : content) inStream.insert(message.header(bus::kMsgIdHeader).value_or(""));
  EXPECT_EQ(content.size(), written.size()) << "lost or duplicated messages";
  EXPECT_EQ(std::set<std::string>(inStream.begin(), inStream.end()), written);
  for (const auto& id : written) EXPECT_EQ(inStream.count(id), 1u) << id;
}

}  // namespace
}  // namespace fleetdeck::db
