// The payments service on the bus: UserRegistered opens a wallet exactly once, and every payment
// outcome leaves through the outbox in the transaction of the change. Real PostgreSQL, real NATS.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "adapters/pg_payment_store.h"
#include "adapters/user_events_consumer.h"
#include "domain/payment.h"
#include "fleetdeck/bus/connection.h"
#include "fleetdeck/bus/consumer.h"
#include "fleetdeck/bus/event.h"
#include "fleetdeck/bus/outbox_publisher.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/db/connection_pool.h"
#include "fleetdeck/db/migration_runner.h"
#include "fleetdeck/payments/v1/events.pb.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"
#include "fleetdeck/users/v1/events.pb.h"
#include "payments_migrations.h"

namespace fleetdeck::payments {
namespace {

using namespace std::chrono_literals;
using fleetdeck::testing::waitUntil;

constexpr int64_t kDemoCredit = 100'000;

class PaymentEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_ = std::make_unique<db::ConnectionPool>(
        db::PoolOptions{testing::createTestDatabase("payments_events"), 8, std::chrono::seconds(5), "payments"});
    auto applied = db::applyMigrations(*pool_, embeddedMigrations());
    ASSERT_TRUE(applied.isOk()) << applied.status().toString();
    // A broker of its own: the test owns FLEETDECK_USERS and the payments-users consumer.
    nats_ = std::make_unique<testing::NatsServer>();
    bus::BusOptions options;
    options.url = nats_->url();
    auto connected = bus::Bus::connect(options);
    ASSERT_TRUE(connected.isOk()) << connected.status().toString();
    bus_ = std::move(*connected);
    ASSERT_TRUE(waitUntil([&] { return bus_->connected(); }, 10s));
    ASSERT_TRUE(bus_->declareStream(bus::domainStream("users")).isOk());
    ASSERT_TRUE(bus_->declareStream(bus::domainStream("payments")).isOk());
  }

  void startConsumer() {
    bus::ConsumerOptions options;
    options.stream = "FLEETDECK_USERS";
    options.durable = UserEventsConsumer::kDurable;
    options.filterSubject = UserEventsConsumer::kSubject;
    options.fetchWait = 200ms;
    options.retry = db::BackoffPolicy{20ms, 200ms, 2.0};
    consumer_ = std::make_unique<UserEventsConsumer>(*pool_, WalletSettings{kDemoCredit, "USD"});
    loop_ = std::make_unique<bus::ConsumerLoop>(*bus_, options, [this](const bus::ReceivedMessage& message) {
      Status status = consumer_->handle(message);
      ++handled_;
      return status;
    });
    loop_->start();
  }

  // Publishes the envelope as a new message each time (a new Nats-Msg-Id), as a replay would.
  void publishCopy(const common::v1::EventEnvelope& envelope) {
    bus::OutgoingMessage message;
    message.subject = envelope.subject();
    message.msgId = newUuid();
    message.data = envelope.SerializeAsString();
    auto ack = bus_->publish(message);
    ASSERT_TRUE(ack.isOk()) << ack.status().toString();
  }

  // Waits for `count` dead letters, stops the consumer and returns their reasons, oldest first; fails
  // the test (and returns what there is) when they do not all come.
  std::vector<std::string> deadLetterReasons(uint64_t count) {
    const bool came = waitUntil([&] {
      auto state = bus_->streamState("FLEETDECK_DLQ");
      return state.isOk() && state->messages == count;
    }, 15s);
    loop_->stop();
    EXPECT_TRUE(came) << "handled " << handled_.load() << " times, expected " << count << " dead letters";
    std::vector<std::string> reasons;
    auto state = bus_->streamState("FLEETDECK_DLQ");
    if (!state.isOk() || state->messages == 0) return reasons;
    for (uint64_t sequence = state->firstSequence; sequence <= state->lastSequence; ++sequence) {
      auto letter = bus_->getMessage("FLEETDECK_DLQ", sequence);
      EXPECT_TRUE(letter.isOk()) << letter.status().toString();
      if (letter.isOk()) reasons.push_back(letter->header(bus::kDlqReasonHeader).value_or(""));
    }
    return reasons;
  }

  int64_t scalar(const std::string& sql, const std::string& parameter) {
    auto lease = pool_->acquire();
    EXPECT_TRUE(lease.isOk());
    pqxx::nontransaction query(**lease);
    return query.exec_params(sql, parameter)[0][0].as<int64_t>();
  }

  std::vector<common::v1::EventEnvelope> outboxEvents() {
    auto lease = pool_->acquire();
    EXPECT_TRUE(lease.isOk());
    pqxx::nontransaction query(**lease);
    std::vector<common::v1::EventEnvelope> events;
    for (const auto& row : query.exec("SELECT payload FROM outbox ORDER BY seq")) {
      common::v1::EventEnvelope envelope;
      EXPECT_TRUE(envelope.ParseFromString(pqxx::binarystring(row[0]).str()));
      events.push_back(envelope);
    }
    return events;
  }

  std::unique_ptr<db::ConnectionPool> pool_;
  std::unique_ptr<testing::NatsServer> nats_;
  std::unique_ptr<bus::Bus> bus_;
  std::unique_ptr<UserEventsConsumer> consumer_;
  std::unique_ptr<bus::ConsumerLoop> loop_;
  std::atomic<int> handled_{0};
};

TEST_F(PaymentEventsTest, UserRegisteredDeliveredTwice_OpensOneWalletWithTheDemoCredit) {
  startConsumer();
  users::v1::UserRegistered registered;
  registered.set_user_id(newUuid());
  registered.set_username("ada");
  bus::EventContext context;
  context.aggregateId = registered.user_id();
  const auto envelope = bus::makeEnvelope(registered, context);
  publishCopy(envelope);
  publishCopy(envelope);
  ASSERT_TRUE(waitUntil([&] { return handled_.load() == 2; }, 15s));
  loop_->stop();
  EXPECT_EQ(scalar("SELECT count(*) FROM wallets WHERE user_id = $1", registered.user_id()), 1);
  EXPECT_EQ(scalar("SELECT balance FROM wallets WHERE user_id = $1", registered.user_id()), kDemoCredit);
  EXPECT_EQ(scalar("SELECT count(*) FROM ledger_entries WHERE user_id = $1", registered.user_id()), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM processed_events WHERE event_id = $1", envelope.event_id()), 1);
  // The new wallet is an event itself, written with it.
  const auto events = outboxEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type(), "fleetdeck.payments.v1.WalletOpened");
  EXPECT_EQ(events[0].aggregate_id(), registered.user_id());
}

TEST_F(PaymentEventsTest, UserRegisteredWithAnUpperCaseId_OpensTheWalletOfTheLowerCaseId_AndNamesItSo) {
  // UUIDs are case-insensitive; the rest of payments lowers them (Wallets), and everything it writes
  // about a wallet after opening it (charges, refunds, their events and outbox keys) carries the form
  // PostgreSQL prints, lower-case. The opening must name the user the same way.
  startConsumer();
  const std::string userId = newUuid();
  std::string upper = userId;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  users::v1::UserRegistered registered;
  registered.set_user_id(upper);
  bus::EventContext context;
  context.aggregateId = upper;
  publishCopy(bus::makeEnvelope(registered, context));
  // The same user registered again under the lower-case form (another event): no second wallet.
  registered.set_user_id(userId);
  context.aggregateId = userId;
  publishCopy(bus::makeEnvelope(registered, context));
  ASSERT_TRUE(waitUntil([&] { return handled_.load() == 2; }, 15s));
  loop_->stop();

  EXPECT_EQ(scalar("SELECT count(*) FROM wallets WHERE user_id::text <> $1", ""), 1);
  PgPaymentStore store(*pool_);
  auto wallet = store.findWallet(userId);
  ASSERT_TRUE(wallet.isOk()) << wallet.status().toString();
  EXPECT_EQ(wallet->balance.units, kDemoCredit);
  auto charged = store.charge(ChargeCommand{"saga-upper", userId, newUuid(), Money{"USD", 100}}, false);
  ASSERT_TRUE(charged.isOk()) << charged.status().toString();
  EXPECT_EQ(charged->status, kStatusCharged);
  EXPECT_EQ(scalar("SELECT count(*) FROM ledger_entries WHERE kind = 'opening_credit' AND reference = $1", userId), 1);

  const auto events = outboxEvents();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type(), "fleetdeck.payments.v1.WalletOpened");
  v1::WalletOpened opened;
  ASSERT_TRUE(bus::unpackPayload(events[0], opened).isOk());
  EXPECT_EQ(opened.user_id(), userId);
  // One outbox key per user: the opening is ordered with the user's later payment events.
  EXPECT_EQ(events[0].aggregate_id(), userId);
  EXPECT_EQ(events[1].aggregate_id(), userId);
}

TEST_F(PaymentEventsTest, UserRegisteredWithAMissingOrMalformedUserId_IsDeadLetteredSayingWhich_AndOpensNothing) {
  // The letter said "carries no user id" for an id that was there but not a UUID: whoever reads the
  // dead letters looked for a producer dropping the field instead of one writing something else in it.
  startConsumer();
  std::map<std::string, std::string> userIdOf;  // event id -> the user id it carried
  for (const std::string& userId : {std::string(), std::string("wallet-42"), newUuid().substr(0, 35)}) {
    users::v1::UserRegistered registered;
    registered.set_user_id(userId);
    bus::EventContext context;
    context.aggregateId = userId.empty() ? "someone" : userId;
    const auto envelope = bus::makeEnvelope(registered, context);
    userIdOf[envelope.event_id()] = userId;
    publishCopy(envelope);
  }
  int seen = 0;
  for (const std::string& reason : deadLetterReasons(3)) {
    EXPECT_NE(reason.find("INVALID_ARGUMENT"), std::string::npos) << reason;
    EXPECT_NE(reason.find("[user_id:"), std::string::npos) << reason;
    for (const auto& [eventId, userId] : userIdOf) {
      if (reason.find(eventId) == std::string::npos) continue;
      ++seen;
      if (userId.empty()) {
        EXPECT_NE(reason.find("carries no user id"), std::string::npos) << reason;
      } else {
        EXPECT_EQ(reason.find("carries no user id"), std::string::npos) << userId << ": " << reason;
        EXPECT_NE(reason.find("not a UUID"), std::string::npos) << userId << ": " << reason;
      }
    }
  }
  EXPECT_EQ(seen, 3) << "each letter names its event";
  EXPECT_EQ(handled_.load(), 3) << "dead-lettered at the first delivery, not retried";
  EXPECT_EQ(scalar("SELECT count(*) FROM wallets WHERE user_id::text <> $1", ""), 0);
}

TEST_F(PaymentEventsTest, AnotherPayloadOnTheUserRegisteredSubject_IsDeadLetteredNamingItsType_AndOpensNothing) {
  // A payload of a version payments cannot read, on the subject it consumes: acknowledging it as
  // "not ours" would drop the registration for good, and the user's charges would wait for a wallet
  // that never opens.
  startConsumer();
  users::v1::UserRegistered registered;
  registered.set_user_id(newUuid());
  bus::EventContext context;
  context.aggregateId = registered.user_id();
  auto envelope = bus::makeEnvelope(registered, context);
  envelope.mutable_payload()->set_type_url("type.googleapis.com/fleetdeck.users.v2.UserRegistered");
  publishCopy(envelope);
  const auto reasons = deadLetterReasons(1);
  ASSERT_EQ(reasons.size(), 1u);
  const std::string& reason = reasons[0];
  EXPECT_NE(reason.find("DATA_LOSS"), std::string::npos) << reason;
  EXPECT_NE(reason.find("fleetdeck.users.v2.UserRegistered"), std::string::npos) << reason;
  EXPECT_EQ(scalar("SELECT count(*) FROM wallets WHERE user_id::text <> $1", ""), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM processed_events WHERE event_id = $1", envelope.event_id()), 0);
}

TEST_F(PaymentEventsTest, ChargeDeclineAndRefund_AreEventsInTheOutbox_PublishedByTheRelay) {
  PgPaymentStore store(*pool_);
  const std::string rich = newUuid();
  const std::string poor = newUuid();
  ASSERT_TRUE(store.openWallet(rich, Money{"USD", 10'000}).isOk());
  ASSERT_TRUE(store.openWallet(poor, Money{"USD", 100}).isOk());
  const std::string orderId = newUuid();
  auto charged = store.charge(ChargeCommand{"saga-1", rich, orderId, Money{"USD", 2'500}}, false);
  ASSERT_TRUE(charged.isOk());
  auto repeated = store.charge(ChargeCommand{"saga-1", rich, orderId, Money{"USD", 2'500}}, false);
  ASSERT_TRUE(repeated.isOk());  // same key: no second event
  auto declined = store.charge(ChargeCommand{"saga-2", poor, newUuid(), Money{"USD", 2'500}}, false);
  ASSERT_TRUE(declined.isOk());
  EXPECT_EQ(declined->status, kStatusDeclined);
  ASSERT_TRUE(store.refund("saga-1", std::nullopt).isOk());
  ASSERT_TRUE(store.refund("saga-1", std::nullopt).isOk());  // already refunded: no second event

  std::vector<std::string> types;
  for (const auto& envelope : outboxEvents()) types.push_back(envelope.type());
  EXPECT_EQ(types, (std::vector<std::string>{"fleetdeck.payments.v1.WalletOpened", "fleetdeck.payments.v1.WalletOpened",
                                             "fleetdeck.payments.v1.PaymentCharged",
                                             "fleetdeck.payments.v1.PaymentDeclined",
                                             "fleetdeck.payments.v1.PaymentRefunded"}));

  bus::BusOutboxPublisher publisher(*bus_);
  db::OutboxRelayOptions relayOptions;
  relayOptions.pollInterval = 20ms;
  db::OutboxRelay relay(*pool_, publisher, relayOptions);
  relay.start();
  ASSERT_TRUE(waitUntil([&] { auto lag = relay.lag(); return lag.isOk() && lag->unsent == 0; }, 15s));
  relay.stop();
  auto state = bus_->streamState("FLEETDECK_PAYMENTS");
  ASSERT_TRUE(state.isOk());
  ASSERT_EQ(state->messages, 5u);
  bool sawDecline = false;
  for (uint64_t sequence = state->firstSequence; sequence <= state->lastSequence; ++sequence) {
    auto message = bus_->getMessage("FLEETDECK_PAYMENTS", sequence);
    ASSERT_TRUE(message.isOk());
    auto envelope = bus::decodeEnvelope(*message);
    ASSERT_TRUE(envelope.isOk());
    if (!bus::holds<v1::PaymentDeclined>(*envelope)) continue;
    v1::PaymentDeclined event;
    ASSERT_TRUE(bus::unpackPayload(*envelope, event).isOk());
    EXPECT_EQ(event.user_id(), poor);
    EXPECT_EQ(event.reason(), std::string(kDeclineInsufficientFunds));
    EXPECT_EQ(event.amount().units(), 2'500);
    EXPECT_EQ(envelope->causation_id(), "saga-2");
    sawDecline = true;
  }
  EXPECT_TRUE(sawDecline);
}

}  // namespace
}  // namespace fleetdeck::payments
