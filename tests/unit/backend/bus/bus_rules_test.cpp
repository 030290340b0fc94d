// Pure rules of the bus and the outbox: backoff math, handler outcomes, stream naming, envelopes,
// the [nats] settings.
#include <gtest/gtest.h>

#include "fleetdeck/bus/connection.h"
#include "fleetdeck/bus/consumer.h"
#include "fleetdeck/bus/event.h"
#include "fleetdeck/bus/live.h"
#include "fleetdeck/bus/streams.h"
#include "fleetdeck/core/config.h"
#include "fleetdeck/db/outbox.h"
#include "fleetdeck/orders/v1/orders.pb.h"
#include "fleetdeck/payments/v1/events.pb.h"
#include "fleetdeck/users/v1/events.pb.h"

namespace fleetdeck::bus {
namespace {

using namespace std::chrono_literals;

TEST(Backoff, GrowsExponentially_WithJitterInUpperHalf_AndIsCapped) {
  const db::BackoffPolicy policy{100ms, 2000ms, 2.0};
  EXPECT_EQ(policy.delayFor(1, 0.0), 50ms);
  EXPECT_EQ(policy.delayFor(1, 1.0), 100ms);
  EXPECT_EQ(policy.delayFor(2, 0.0), 100ms);
  EXPECT_EQ(policy.delayFor(3, 0.5), 300ms);  // 400 ms: between 200 and 400
  EXPECT_EQ(policy.delayFor(5, 1.0), 1600ms);
  EXPECT_EQ(policy.delayFor(6, 1.0), 2000ms);  // 3200 capped
  EXPECT_EQ(policy.delayFor(1000, 1.0), 2000ms);  // no overflow far beyond the cap
  EXPECT_EQ(policy.delayFor(1000, 0.0), 1000ms);
  EXPECT_EQ(policy.delayFor(0, 1.0), 100ms);  // attempts below 1 count as the first
  EXPECT_EQ(policy.delayFor(1, 7.0), 100ms);  // random out of range is clamped
}

TEST(Dispositions, OkAcks_DecodeErrorsDeadLetterAtOnce_TransientRetriesUntilMaxDeliver) {
  EXPECT_EQ(dispositionFor(Status::ok(), 1, 5), Disposition::kAck);
  EXPECT_EQ(dispositionFor(Status::ok(), 9, 5), Disposition::kAck);
  EXPECT_EQ(dispositionFor(Status(StatusCode::kDataLoss, "bad bytes"), 1, 5), Disposition::kDeadLetter);
  EXPECT_EQ(dispositionFor(invalidArgument("bad field"), 1, 5), Disposition::kDeadLetter);
  EXPECT_EQ(dispositionFor(unavailable("db down"), 1, 5), Disposition::kRetry);
  EXPECT_EQ(dispositionFor(aborted("conflict"), 4, 5), Disposition::kRetry);
  EXPECT_EQ(dispositionFor(internalError("bug"), 5, 5), Disposition::kDeadLetter);
  EXPECT_EQ(dispositionFor(unavailable("db down"), 6, 5), Disposition::kDeadLetter);
}

TEST(Streams, OnePerDomain_AndSubjectsMapBack) {
  const auto users = domainStream("users");
  EXPECT_EQ(users.name, "FLEETDECK_USERS");
  EXPECT_EQ(users.subjects, (std::vector<std::string>{"fleetdeck.users.v1.>"}));
  EXPECT_TRUE(users.fileStorage);
  EXPECT_GT(users.duplicateWindow.count(), 0);
  EXPECT_EQ(deadLetterStream().name, "FLEETDECK_DLQ");
  EXPECT_EQ(deadLetterStream().subjects, (std::vector<std::string>{"fleetdeck.dlq.>"}));
  EXPECT_EQ(domainOfSubject("fleetdeck.orders.v1.OrderCreated"), "orders");
  EXPECT_EQ(streamForSubject("fleetdeck.orders.v1.OrderCreated"), "FLEETDECK_ORDERS");
  EXPECT_EQ(domainOfSubject("fleetdeck.orders.v2.OrderCreated"), "");
  EXPECT_EQ(domainOfSubject("other.orders.v1.X"), "");
  EXPECT_EQ(deadLetterSubject("payments-users"), "fleetdeck.dlq.payments-users");
}

Config parseConfig(std::string_view toml, EnvironmentMap environment = {}) {
  auto config = Config::parse(toml, "service.toml", std::move(environment));
  EXPECT_TRUE(config.isOk()) << config.status().toString();
  return std::move(config).value();
}

TEST(StreamReplicas, DefaultOne_ReadFromFile_AndEnvironmentWins) {
  Config unset = parseConfig("[nats]\nurl = \"nats://127.0.0.1:4222\"\n");
  EXPECT_EQ(busOptionsFromConfig(unset, "test").streamReplicas, 1);
  EXPECT_TRUE(unset.finish().isOk()) << unset.finish().toString();

  Config fromFile = parseConfig("[nats]\nstream_replicas = 3\n");
  EXPECT_EQ(busOptionsFromConfig(fromFile, "test").streamReplicas, 3);
  EXPECT_TRUE(fromFile.finish().isOk()) << fromFile.finish().toString();

  Config fromEnvironment = parseConfig("[nats]\nstream_replicas = 1\n", {{"FLEETDECK_NATS__STREAM_REPLICAS", "5"}});
  EXPECT_EQ(busOptionsFromConfig(fromEnvironment, "test").streamReplicas, 5);
  EXPECT_TRUE(fromEnvironment.finish().isOk()) << fromEnvironment.finish().toString();
}

TEST(StreamReplicas, OutsideOneToFive_StopsStartUp_NamingTheKey) {
  for (const char* value : {"0", "6", "-1"}) {
    Config config = parseConfig(std::string("[nats]\nstream_replicas = ") + value + "\n");
    EXPECT_EQ(busOptionsFromConfig(config, "test").streamReplicas, 1) << value;  // the default, never the bad value
    const Status status = config.finish();
    ASSERT_EQ(status.code(), StatusCode::kInvalidArgument) << value;
    EXPECT_NE(status.message().find("service.toml"), std::string::npos) << status.message();
    EXPECT_NE(status.message().find("nats.stream_replicas"), std::string::npos) << status.message();
    EXPECT_NE(status.message().find("[1, 5]"), std::string::npos) << status.message();
  }
  Config fromEnvironment = parseConfig("", {{"FLEETDECK_NATS__STREAM_REPLICAS", "7"}});
  busOptionsFromConfig(fromEnvironment, "test");
  const Status status = fromEnvironment.finish();
  ASSERT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("FLEETDECK_NATS__STREAM_REPLICAS"), std::string::npos) << status.message();

  Config wrongType = parseConfig("[nats]\nstream_replicas = \"three\"\n");
  busOptionsFromConfig(wrongType, "test");
  EXPECT_NE(wrongType.finish().message().find("nats.stream_replicas"), std::string::npos);
}

TEST(StreamReplicas, BusRefusesACountOutsideOneToFive_BeforeConnecting) {
  for (int replicas : {0, 6}) {
    BusOptions options;
    options.url = "nats://127.0.0.1:1";  // never reached: the options are refused first
    options.streamReplicas = replicas;
    auto bus = Bus::connect(options);
    ASSERT_FALSE(bus.isOk()) << replicas;
    EXPECT_EQ(bus.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(bus.status().message().find("nats.stream_replicas"), std::string::npos) << bus.status().toString();
  }
}

TEST(Envelope, CarriesContextAndPayload_AndBecomesAnOutboxRow) {
  users::v1::UserRegistered registered;
  registered.set_user_id("0190a0b0-0000-7000-8000-000000000001");
  registered.set_username("ada");
  EventContext context;
  context.aggregateId = registered.user_id();
  context.aggregateVersion = 1;
  context.actor = "admin-1";
  context.traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  context.causationId = "cmd-1";
  context.source = "users";
  context.occurredAtMicros = 1'700'000'000'123'456;
  const auto envelope = makeEnvelope(registered, context);
  EXPECT_EQ(envelope.type(), "fleetdeck.users.v1.UserRegistered");
  EXPECT_EQ(envelope.subject(), "fleetdeck.users.v1.UserRegistered");
  EXPECT_EQ(envelope.event_id().size(), 36u);
  EXPECT_EQ(envelope.occurred_at().seconds(), 1'700'000'000);
  EXPECT_EQ(envelope.occurred_at().nanos(), 123'456'000);

  const auto row = toOutboxMessage(envelope);
  EXPECT_EQ(row.id, envelope.event_id());
  EXPECT_EQ(row.subject, "fleetdeck.users.v1.UserRegistered");
  EXPECT_EQ(row.aggregateKey, registered.user_id());
  EXPECT_EQ(findHeader(row.headers, kTraceparentHeader), context.traceparent);
  EXPECT_EQ(findHeader(row.headers, kEventTypeHeader), "fleetdeck.users.v1.UserRegistered");

  ReceivedMessage received;
  received.subject = row.subject;
  received.data = row.payload;
  auto decoded = decodeEnvelope(received);
  ASSERT_TRUE(decoded.isOk());
  EXPECT_EQ(decoded->actor(), "admin-1");
  EXPECT_EQ(decoded->aggregate_version(), 1);
  EXPECT_TRUE(holds<users::v1::UserRegistered>(*decoded));
  users::v1::UserRegistered back;
  ASSERT_TRUE(unpackPayload(*decoded, back).isOk());
  EXPECT_EQ(back.username(), "ada");
  payments::v1::PaymentDeclined wrong;
  EXPECT_EQ(unpackPayload(*decoded, wrong).code(), StatusCode::kDataLoss);
}

TEST(Envelope, GarbageOrAnonymousEvents_AreDataLoss) {
  ReceivedMessage garbage;
  garbage.subject = "fleetdeck.users.v1.UserRegistered";
  garbage.data = "\xff\xff\xff";
  EXPECT_EQ(decodeEnvelope(garbage).status().code(), StatusCode::kDataLoss);
  ReceivedMessage empty;
  empty.subject = garbage.subject;
  EXPECT_EQ(decodeEnvelope(empty).status().code(), StatusCode::kDataLoss);  // no event id
}


TEST(BusRules, UrlsAreShownWithoutTheirCredentials) {
  EXPECT_EQ(urlWithoutCredentials("nats://user:s3cret@nats-1:4222,nats://token@nats-2:4222"),
            "nats://***@nats-1:4222,nats://***@nats-2:4222");
  EXPECT_EQ(urlWithoutCredentials("nats://127.0.0.1:4222, 127.0.0.1:4223"), "nats://127.0.0.1:4222, 127.0.0.1:4223");
  EXPECT_EQ(urlWithoutCredentials("user:pw@host:4222"), "***@host:4222");
}

// Live subjects are named after their payload like domain events, and lie outside every stream's
// subjects: one that a stream takes would be stored, which is what live messages must never be.
TEST(LiveSubjects, NamedAfterThePayload_OutsideEveryStream) {
  const std::string subject = liveSubjectFor(*orders::v1::Rebuild::descriptor());
  EXPECT_EQ(subject, "fleetdeck.live.orders.v1.Rebuild");
  EXPECT_EQ(liveSubjectProblem(subject), "");
  EXPECT_EQ(domainOfSubject(subject), "");
  for (const char* domain : {"orders", "users", "payments", "products", "live"}) {
    std::string taken = domainStream(domain).subjects.front();  // fleetdeck.<domain>.v1.>
    taken.pop_back();
    EXPECT_FALSE(subject.starts_with(taken)) << domain;
  }
  EXPECT_FALSE(subject.starts_with(std::string(kDeadLetterSubjectPrefix) + "."));
  for (const char* refused : {"fleetdeck.orders.v1.Rebuild", "fleetdeck.live.", "fleetdeck.live", "fleetdeck.live.orders.>",
                              "fleetdeck.live.*", "fleetdeck.live.orders..x", "fleetdeck.live.orders.", "fleetdeck.live.a b",
                              ""}) {
    EXPECT_NE(liveSubjectProblem(refused), "") << refused;
  }
}

}  // namespace
}  // namespace fleetdeck::bus
