// The payments service's adapters against real PostgreSQL and a real gRPC server on loopback.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>

#include <future>
#include <random>
#include <set>
#include <thread>

#include "adapters/payments_grpc_service.h"
#include "adapters/pg_payment_store.h"
#include "adapters/seeded_random_source.h"
#include "domain/wallets.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/core/json.h"
#include "fleetdeck/db/connection_pool.h"
#include "fleetdeck/db/migration_runner.h"
#include "fleetdeck/rpc/call_context.h"
#include "fleetdeck/rpc/client.h"
#include "fleetdeck/rpc/server.h"
#include "fleetdeck/rpc/status_conversion.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"
#include "payments_migrations.h"

namespace fleetdeck::payments {
namespace {

constexpr int64_t kDemoCredit = 100'000;

class PaymentsServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_ = std::make_unique<db::ConnectionPool>(
        db::PoolOptions{testing::createTestDatabase("payments"), 12, std::chrono::seconds(5), "payments"});
    auto applied = db::applyMigrations(*pool_, embeddedMigrations());
    ASSERT_TRUE(applied.isOk()) << applied.status().toString();
    store_ = std::make_unique<PgPaymentStore>(*pool_);
    random_ = std::make_unique<SeededRandomSource>(7);
    // Runtime changes allowed, so tests can switch faults on and off over gRPC.
    faults_ = std::make_unique<FaultInjector>(FaultSettings{}, true, *random_);
    wallets_ = std::make_unique<Wallets>(*store_, *faults_, WalletSettings{kDemoCredit, "USD"});
    workers_ = std::make_unique<WorkPool>(8, 512, "test");
    service_ = std::make_unique<PaymentsGrpcService>(*wallets_, *workers_);
    server_ = std::make_unique<rpc::RpcServer>(rpc::ServerOptions{});
    service_->bindTo(*server_);
    ASSERT_TRUE(server_->start().isOk());
    stub_ = v1::PaymentsService::NewStub(rpc::makeChannel(server_->address()));
  }
  void TearDown() override {
    server_->shutdown(std::chrono::milliseconds(500));
    workers_->shutdown();
  }

  std::string openWallet() {
    const std::string userId = newUuid();
    v1::OpenWalletRequest request;
    request.set_user_id(userId);
    v1::Wallet wallet;
    auto context = rpc::makeContext(std::chrono::seconds(5));
    const grpc::Status status = stub_->OpenWallet(context.get(), request, &wallet);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return userId;
  }

  static v1::ChargeRequest chargeRequest(const std::string& key, const std::string& userId, int64_t units,
                                         const std::string& orderId = newUuid()) {
    v1::ChargeRequest request;
    request.set_idempotency_key(key);
    request.set_user_id(userId);
    request.set_order_id(orderId);
    request.mutable_amount()->set_currency_code("USD");
    request.mutable_amount()->set_units(units);
    return request;
  }

  grpc::Status charge(const v1::ChargeRequest& request, v1::Payment& payment) {
    auto context = rpc::makeContext(std::chrono::seconds(10));
    return stub_->Charge(context.get(), request, &payment);
  }

  grpc::Status refund(const std::string& key, v1::Payment& payment) {
    v1::RefundRequest request;
    request.set_charge_idempotency_key(key);
    auto context = rpc::makeContext(std::chrono::seconds(10));
    return stub_->Refund(context.get(), request, &payment);
  }

  // A refund that says which charge it undoes, so payments can void a key no charge has yet.
  grpc::Status refundOrVoid(const v1::ChargeRequest& charge, v1::Payment& payment) {
    v1::RefundRequest request;
    request.set_charge_idempotency_key(charge.idempotency_key());
    *request.mutable_void_if_missing() = charge;
    auto context = rpc::makeContext(std::chrono::seconds(10));
    return stub_->Refund(context.get(), request, &payment);
  }

  grpc::Status setFaults(double declineRate, double failureRate, int64_t latencyMs, v1::Faults* out = nullptr) {
    v1::SetFaultsRequest request;
    request.mutable_faults()->set_decline_rate(declineRate);
    request.mutable_faults()->set_failure_rate(failureRate);
    request.mutable_faults()->set_added_latency_ms(latencyMs);
    v1::Faults ignored;
    auto context = rpc::makeContext(std::chrono::seconds(5));
    return stub_->SetFaults(context.get(), request, out != nullptr ? out : &ignored);
  }

  // A call as the gateway forwards an admin's: their user id as actor, and the request's trace.
  static std::unique_ptr<grpc::ClientContext> as(const std::string& actor,
                                                 const std::string& traceId = "4bf92f3577b34da6a3ce929d0e0e4736") {
    auto context = rpc::makeContext(std::chrono::seconds(10));
    rpc::CallContext call;
    call.actor = actor;
    call.actorRole = "admin";
    call.traceparent = "00-" + traceId + "-00f067aa0ba902b7-01";
    rpc::propagate(call, *context);
    return context;
  }

  grpc::Status topUpAs(const std::string& actor, const std::string& userId, int64_t units, const std::string& key,
                       v1::Wallet* out = nullptr) {
    v1::TopUpWalletRequest request;
    request.set_user_id(userId);
    request.mutable_amount()->set_currency_code("USD");
    request.mutable_amount()->set_units(units);
    request.set_idempotency_key(key);
    v1::Wallet ignored;
    return stub_->TopUpWallet(as(actor).get(), request, out != nullptr ? out : &ignored);
  }

  grpc::Status setFaultsAs(const std::string& actor, double declineRate, v1::Faults* out = nullptr) {
    v1::SetFaultsRequest request;
    request.mutable_faults()->set_decline_rate(declineRate);
    v1::Faults ignored;
    return stub_->SetFaults(as(actor).get(), request, out != nullptr ? out : &ignored);
  }

  common::v1::ListAuditResponse audit(const std::string& resourceId, const std::string& actor = {}, int pageSize = 0,
                                      const std::string& pageToken = {}) {
    common::v1::ListAuditRequest request;
    request.set_resource_id(resourceId);
    request.set_actor(actor);
    request.set_page_size(pageSize);
    request.set_page_token(pageToken);
    common::v1::ListAuditResponse response;
    const grpc::Status status = stub_->ListPaymentAudit(as("operator-1").get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  // Straight from the tables, bypassing the service.
  int64_t queryInt(const std::string& sql, const std::string& parameter = {}) {
    auto lease = pool_->acquire();
    EXPECT_TRUE(lease.isOk());
    pqxx::nontransaction query(**lease);
    const auto rows = parameter.empty() ? query.exec(sql) : query.exec_params(sql, parameter);
    return rows[0][0].is_null() ? 0 : rows[0][0].as<int64_t>();
  }
  int64_t balance(const std::string& userId) {
    return queryInt("SELECT balance FROM wallets WHERE user_id = $1", userId);
  }
  int64_t ledgerSum(const std::string& userId) {
    return queryInt("SELECT COALESCE(SUM(amount), 0) FROM ledger_entries WHERE user_id = $1", userId);
  }
  int64_t ledgerCount(const std::string& userId) {
    return queryInt("SELECT count(*) FROM ledger_entries WHERE user_id = $1", userId);
  }

  std::unique_ptr<db::ConnectionPool> pool_;
  std::unique_ptr<PgPaymentStore> store_;
  std::unique_ptr<SeededRandomSource> random_;
  std::unique_ptr<FaultInjector> faults_;
  std::unique_ptr<Wallets> wallets_;
  std::unique_ptr<WorkPool> workers_;
  std::unique_ptr<PaymentsGrpcService> service_;
  std::unique_ptr<rpc::RpcServer> server_;
  std::unique_ptr<v1::PaymentsService::Stub> stub_;
};

TEST_F(PaymentsServiceTest, OpenWalletConcurrentlyCreatesOneWalletWithOneOpeningCredit) {
  const std::string userId = newUuid();
  std::vector<std::future<Result<Wallet>>> opens;
  for (int i = 0; i < 8; ++i) {
    opens.push_back(std::async(std::launch::async, [this, &userId] { return wallets_->open(userId); }));
  }
  for (auto& open : opens) {
    auto wallet = open.get();
    ASSERT_TRUE(wallet.isOk()) << wallet.status().toString();
    EXPECT_EQ(wallet->balance, (Money{"USD", kDemoCredit}));
  }
  EXPECT_EQ(balance(userId), kDemoCredit);
  EXPECT_EQ(ledgerCount(userId), 1);
  EXPECT_EQ(queryInt("SELECT count(*) FROM ledger_entries WHERE user_id = $1 AND kind = 'opening_credit'", userId), 1);
}

TEST_F(PaymentsServiceTest, SameChargeKeyTenTimesConcurrentlyDebitsOnceWithOnePaymentId) {
  const std::string userId = openWallet();
  const v1::ChargeRequest request = chargeRequest("saga-" + newUuid(), userId, 12'345);
  std::vector<std::future<std::pair<grpc::Status, v1::Payment>>> calls;
  for (int i = 0; i < 10; ++i) {
    calls.push_back(std::async(std::launch::async, [this, &request] {
      v1::Payment payment;
      grpc::Status status = charge(request, payment);
      return std::make_pair(status, payment);
    }));
  }
  std::set<std::string> paymentIds;
  for (auto& call : calls) {
    auto [status, payment] = call.get();
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(payment.status(), "CHARGED");
    paymentIds.insert(payment.id());
  }
  EXPECT_EQ(paymentIds.size(), 1u);
  EXPECT_EQ(balance(userId), kDemoCredit - 12'345);
  EXPECT_EQ(queryInt("SELECT count(*) FROM payments"), 1);
  EXPECT_EQ(queryInt("SELECT count(*) FROM ledger_entries WHERE user_id = $1 AND kind = 'charge'", userId), 1);
  EXPECT_EQ(ledgerSum(userId), balance(userId));
}

TEST_F(PaymentsServiceTest, RefundIsIdempotentAlsoUnderConcurrency) {
  const std::string userId = openWallet();
  v1::Payment charged;
  const std::string refundedOrder = newUuid();
  ASSERT_TRUE(charge(chargeRequest("saga-refund", userId, 40'000, refundedOrder), charged).ok());
  ASSERT_EQ(balance(userId), kDemoCredit - 40'000);

  std::vector<std::future<std::pair<grpc::Status, v1::Payment>>> calls;
  for (int i = 0; i < 6; ++i) {
    calls.push_back(std::async(std::launch::async, [this] {
      v1::Payment payment;
      grpc::Status status = refund("saga-refund", payment);
      return std::make_pair(status, payment);
    }));
  }
  for (auto& call : calls) {
    auto [status, payment] = call.get();
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(payment.status(), "REFUNDED");
    EXPECT_EQ(payment.id(), charged.id());
  }
  EXPECT_EQ(balance(userId), kDemoCredit);
  EXPECT_EQ(queryInt("SELECT count(*) FROM ledger_entries WHERE user_id = $1 AND kind = 'refund'", userId), 1);
  EXPECT_EQ(ledgerSum(userId), kDemoCredit);

  // Charging again with the refunded key returns the refunded payment: money moved once each way.
  v1::Payment repeated;
  ASSERT_TRUE(charge(chargeRequest("saga-refund", userId, 40'000, refundedOrder), repeated).ok());
  EXPECT_EQ(repeated.status(), "REFUNDED");
  EXPECT_EQ(balance(userId), kDemoCredit);
}

TEST_F(PaymentsServiceTest, ChargeBeyondTheBalanceIsDeclinedStoredAndMovesNothing) {
  const std::string userId = openWallet();
  v1::Payment declined;
  ASSERT_TRUE(charge(chargeRequest("saga-short", userId, kDemoCredit + 1), declined).ok());
  EXPECT_EQ(declined.status(), "DECLINED");
  EXPECT_EQ(declined.decline_reason(), "insufficient_funds");
  EXPECT_EQ(balance(userId), kDemoCredit);
  EXPECT_EQ(ledgerCount(userId), 1) << "only the opening credit";
  EXPECT_EQ(queryInt("SELECT count(*) FROM payments WHERE status = 'DECLINED'"), 1);

  v1::Payment refunded;
  ASSERT_TRUE(refund("saga-short", refunded).ok());
  EXPECT_EQ(refunded.status(), "DECLINED") << "refunding a declined charge changes nothing";
  EXPECT_EQ(balance(userId), kDemoCredit);
}

// The wallet opens from UserRegistered, which may arrive after the user's first charge: until then
// a charge is UNAVAILABLE (retryable) and records nothing, so its retry charges once the wallet opens.
TEST_F(PaymentsServiceTest, ChargeWithoutWalletIsUnavailableAndRecordsNothingAlsoConcurrently) {
  const std::string userId = newUuid();
  const v1::ChargeRequest request = chargeRequest("saga-nowallet", userId, 100);
  std::vector<std::future<std::pair<grpc::Status, v1::Payment>>> calls;
  for (int i = 0; i < 5; ++i) {
    calls.push_back(std::async(std::launch::async, [this, &request] {
      v1::Payment payment;
      grpc::Status status = charge(request, payment);
      return std::make_pair(status, payment);
    }));
  }
  for (auto& call : calls) {
    auto [status, payment] = call.get();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
    EXPECT_NE(status.error_message().find("no wallet"), std::string::npos) << status.error_message();
  }
  EXPECT_EQ(queryInt("SELECT count(*) FROM payments"), 0);
}

std::string upperCase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

// UUIDs are valid in either case, and PostgreSQL hands them back lower-case: a charge sent with
// upper-case ids charges once and answers with its payment (it was debited, then answered
// "idempotencyKey was already used for another charge" on its very first call); a repeat in either
// case is the same charge.
TEST_F(PaymentsServiceTest, AChargeWithUpperCaseIds_ChargesOnce_AndAnswersWithItsPayment) {
  const std::string userId = openWallet();
  const std::string orderId = newUuid();
  const v1::ChargeRequest upper = chargeRequest("saga-" + newUuid(), upperCase(userId), 12'000, upperCase(orderId));
  ASSERT_NE(upper.user_id(), userId);
  v1::Payment first;
  const grpc::Status status = charge(upper, first);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(first.status(), "CHARGED");
  EXPECT_EQ(first.user_id(), userId);
  EXPECT_EQ(first.order_id(), orderId);
  v1::Payment repeated;
  ASSERT_TRUE(charge(upper, repeated).ok());
  EXPECT_EQ(repeated.id(), first.id());
  v1::ChargeRequest lower = upper;
  lower.set_user_id(userId);
  lower.set_order_id(orderId);
  ASSERT_TRUE(charge(lower, repeated).ok());
  EXPECT_EQ(repeated.id(), first.id());
  EXPECT_EQ(balance(userId), kDemoCredit - 12'000);
  EXPECT_EQ(queryInt("SELECT count(*) FROM ledger_entries WHERE user_id = $1 AND kind = 'charge'", userId), 1);

  // A key voided with upper-case details: the late charge with the same details answers with the void.
  const v1::ChargeRequest late = chargeRequest("saga-" + newUuid(), upperCase(userId), 3'000, upperCase(newUuid()));
  v1::Payment voided;
  ASSERT_TRUE(refundOrVoid(late, voided).ok());
  EXPECT_EQ(voided.decline_reason(), "voided");
  v1::Payment answered;
  const grpc::Status lateStatus = charge(late, answered);
  ASSERT_TRUE(lateStatus.ok()) << lateStatus.error_message();
  EXPECT_EQ(answered.id(), voided.id());
  EXPECT_EQ(balance(userId), kDemoCredit - 12'000);
  EXPECT_EQ(ledgerSum(userId), balance(userId));
}

TEST_F(PaymentsServiceTest, RefundOfAnUnknownChargeIsNotFound) {
  v1::Payment payment;
  EXPECT_EQ(refund("never-charged", payment).error_code(), grpc::StatusCode::NOT_FOUND);
}

// A saga that gave up on a charge (its calls timed out) refunds it with the charge's details: when
// the charge never arrived, the key is voided, and the charge arriving late moves no money.
TEST_F(PaymentsServiceTest, RefundOfAnUnknownCharge_WithItsDetails_VoidsTheKey_SoALateChargeMovesNothing) {
  const std::string userId = openWallet();
  const v1::ChargeRequest request = chargeRequest("saga-late", userId, 25'000);
  v1::Payment voided;
  ASSERT_TRUE(refundOrVoid(request, voided).ok());
  EXPECT_EQ(voided.status(), "DECLINED");
  EXPECT_EQ(voided.decline_reason(), "voided");
  EXPECT_EQ(voided.amount().units(), 25'000);
  v1::Payment again;
  ASSERT_TRUE(refundOrVoid(request, again).ok());
  EXPECT_EQ(again.id(), voided.id()) << "a repeated refund answers with the same void";

  v1::Payment late;
  ASSERT_TRUE(charge(request, late).ok());
  EXPECT_EQ(late.id(), voided.id());
  EXPECT_EQ(late.status(), "DECLINED");
  EXPECT_EQ(balance(userId), kDemoCredit);
  EXPECT_EQ(ledgerSum(userId), kDemoCredit);
  EXPECT_EQ(queryInt("SELECT count(*) FROM payments"), 1);

  // Details that do not make a charge are refused, naming the field; nothing is recorded.
  v1::ChargeRequest broken = chargeRequest("saga-broken", "not-a-uuid", 10);
  v1::Payment ignored;
  const grpc::Status refused = refundOrVoid(broken, ignored);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(refused.error_message().find("voidIfMissing.userId"), std::string::npos) << refused.error_message();
  EXPECT_EQ(queryInt("SELECT count(*) FROM payments"), 1);
}

// A refund that names the charge it undoes (voidIfMissing) refunds the payment under the key only
// when it is that charge: another user, order or amount is a caller's mistake, answered
// INVALID_ARGUMENT naming the key (as a charge's reused key is), and no money moves.
TEST_F(PaymentsServiceTest, ARefundWhoseDetailsDescribeAnotherCharge_IsRefusedNamingTheKey_AndMovesNothing) {
  const std::string userId = openWallet();
  const std::string otherUser = openWallet();
  const v1::ChargeRequest charged = chargeRequest("saga-" + newUuid(), userId, 5'000);
  v1::Payment payment;
  ASSERT_TRUE(charge(charged, payment).ok());
  ASSERT_EQ(balance(userId), kDemoCredit - 5'000);

  v1::ChargeRequest otherOrder = charged;
  otherOrder.set_order_id(newUuid());
  v1::ChargeRequest otherAmount = charged;
  otherAmount.mutable_amount()->set_units(4'000);
  v1::ChargeRequest otherUserDetails = charged;
  otherUserDetails.set_user_id(otherUser);
  for (const v1::ChargeRequest& other : {otherOrder, otherAmount, otherUserDetails}) {
    v1::Payment ignored;
    const Status refused = rpc::fromGrpcStatus(refundOrVoid(other, ignored));
    EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument) << refused.toString();
    ASSERT_FALSE(refused.violations().empty()) << refused.toString();
    EXPECT_EQ(refused.violations().at(0).field, "chargeIdempotencyKey");
  }
  EXPECT_EQ(balance(userId), kDemoCredit - 5'000);
  EXPECT_EQ(balance(otherUser), kDemoCredit);
  EXPECT_EQ(queryInt("SELECT count(*) FROM ledger_entries WHERE kind = 'refund'"), 0);
  EXPECT_EQ(queryInt("SELECT count(*) FROM payments WHERE status = 'CHARGED'"), 1);

  // The right details (ids in either case) refund it; without details the key alone does.
  v1::ChargeRequest sameUpperCase = charged;
  sameUpperCase.set_user_id(upperCase(userId));
  sameUpperCase.set_order_id(upperCase(charged.order_id()));
  v1::Payment refunded;
  const grpc::Status status = refundOrVoid(sameUpperCase, refunded);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(refunded.id(), payment.id());
  EXPECT_EQ(refunded.status(), "REFUNDED");
  EXPECT_EQ(balance(userId), kDemoCredit);
  EXPECT_EQ(ledgerSum(userId), kDemoCredit);

  // A voided key is held by the void's details: a refund describing another charge is refused too.
  const v1::ChargeRequest voidedCharge = chargeRequest("saga-" + newUuid(), userId, 700);
  v1::Payment voided;
  ASSERT_TRUE(refundOrVoid(voidedCharge, voided).ok());
  v1::ChargeRequest otherVoid = voidedCharge;
  otherVoid.mutable_amount()->set_units(800);
  v1::Payment ignored;
  EXPECT_EQ(refundOrVoid(otherVoid, ignored).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(queryInt("SELECT count(*) FROM payments"), 2);
}

// The race the void closes: a charge already on its way (here held at the wallet's lock) when the
// saga's refund finds no charge. Whichever order the two commit in, money moves once or not at all.
TEST_F(PaymentsServiceTest, AChargeInFlightWhileItsKeyIsVoided_AnswersWithTheVoid_AndMovesNothing) {
  const std::string userId = openWallet();
  const v1::ChargeRequest request = chargeRequest("saga-inflight", userId, 30'000);
  auto holderLease = pool_->acquire();
  ASSERT_TRUE(holderLease.isOk());
  pqxx::work holder(**holderLease);
  holder.exec_params("SELECT 1 FROM wallets WHERE user_id = $1 FOR UPDATE", userId);
  auto inFlight = std::async(std::launch::async, [&] {
    v1::Payment payment;
    grpc::Status status = charge(request, payment);
    return std::make_pair(status, payment);
  });
  // The charge is waiting for the wallet's lock once its backend shows the lock wait.
  ASSERT_TRUE(fleetdeck::testing::waitUntil(
      [&] {
        return queryInt("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND wait_event_type = 'Lock' AND query LIKE '%FROM wallets WHERE user_id = $1 FOR UPDATE%'") > 0;
      },
      std::chrono::seconds(10)))
      << "the charge never reached the wallet's lock";
  v1::Payment voided;
  ASSERT_TRUE(refundOrVoid(request, voided).ok());
  EXPECT_EQ(voided.decline_reason(), "voided");
  holder.abort();  // the charge goes on: its lookup's snapshot predates the void, its INSERT does not

  auto [status, late] = inFlight.get();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(late.id(), voided.id());
  EXPECT_EQ(late.status(), "DECLINED");
  EXPECT_EQ(balance(userId), kDemoCredit);
  EXPECT_EQ(ledgerSum(userId), kDemoCredit);
  EXPECT_EQ(queryInt("SELECT count(*) FROM payments"), 1);
}

TEST_F(PaymentsServiceTest, TopUpWithARepeatedKeyCreditsOnce) {
  const std::string userId = openWallet();
  v1::TopUpWalletRequest request;
  request.set_user_id(userId);
  request.mutable_amount()->set_currency_code("USD");
  request.mutable_amount()->set_units(2'500);
  request.set_idempotency_key("topup-once");
  std::vector<std::future<grpc::Status>> calls;
  for (int i = 0; i < 5; ++i) {
    calls.push_back(std::async(std::launch::async, [this, &request] {
      v1::Wallet wallet;
      auto context = rpc::makeContext(std::chrono::seconds(5));
      return stub_->TopUpWallet(context.get(), request, &wallet);
    }));
  }
  for (auto& call : calls) EXPECT_TRUE(call.get().ok());
  EXPECT_EQ(balance(userId), kDemoCredit + 2'500);
  EXPECT_EQ(ledgerSum(userId), kDemoCredit + 2'500);
}

// ARCHITECTURE.md: repeating an idempotency key "returns the first result". A top-up whose answer
// was lost is retried after another top-up and a charge changed the wallet: the retry answers the
// wallet as the first top-up left it, and credits nothing.
TEST_F(PaymentsServiceTest, ATopUpRepeatedAfterLaterChanges_AnswersTheFirstAnswer) {
  const std::string userId = openWallet();
  const auto topUp = [&](const std::string& key, int64_t units, v1::Wallet& wallet) {
    v1::TopUpWalletRequest request;
    request.set_user_id(userId);
    request.mutable_amount()->set_currency_code("USD");
    request.mutable_amount()->set_units(units);
    request.set_idempotency_key(key);
    auto context = rpc::makeContext(std::chrono::seconds(5));
    return stub_->TopUpWallet(context.get(), request, &wallet);
  };
  v1::Wallet first;
  ASSERT_TRUE(topUp("topup-first", 2'500, first).ok());
  ASSERT_EQ(first.balance().units(), kDemoCredit + 2'500);
  v1::Wallet other;
  ASSERT_TRUE(topUp("topup-other", 700, other).ok());
  v1::Payment payment;
  ASSERT_TRUE(charge(chargeRequest("saga-after-top-up", userId, 1'000), payment).ok());
  ASSERT_EQ(payment.status(), "CHARGED");

  v1::Wallet repeat;
  ASSERT_TRUE(topUp("topup-first", 2'500, repeat).ok());
  EXPECT_EQ(repeat.balance().units(), first.balance().units());
  EXPECT_EQ(repeat.version(), first.version());
  EXPECT_EQ(repeat.SerializeAsString(), first.SerializeAsString())
      << "first: " << first.ShortDebugString() << "\nrepeat: " << repeat.ShortDebugString();
  EXPECT_EQ(balance(userId), kDemoCredit + 2'500 + 700 - 1'000) << "the repeat credits nothing";
  EXPECT_EQ(ledgerSum(userId), balance(userId));
}

// A top-up stored before migration 004 has no result kept with it: its repeat answers the wallet as
// it is now (what every repeat answered before), still crediting nothing.
TEST_F(PaymentsServiceTest, ATopUpStoredWithoutItsResult_RepeatedAnswersTheWalletAsItIsNow) {
  const std::string userId = openWallet();
  ASSERT_TRUE(store_->topUp(TopUp{userId, Money{"USD", 2'500}, "topup-old"}).isOk());
  ASSERT_TRUE(store_->topUp(TopUp{userId, Money{"USD", 700}, "topup-later"}).isOk());
  {
    auto lease = pool_->acquire();
    ASSERT_TRUE(lease.isOk());
    pqxx::nontransaction statement(**lease);
    statement.exec_params("UPDATE ledger_entries SET balance_after = NULL, wallet_version_after = NULL"
                          " WHERE user_id = $1 AND reference = 'topup-old'",
                          userId);
  }
  const auto repeat = store_->topUp(TopUp{userId, Money{"USD", 2'500}, "topup-old"});
  ASSERT_TRUE(repeat.isOk()) << repeat.status().toString();
  EXPECT_EQ(repeat->balance.units, kDemoCredit + 2'500 + 700);
  EXPECT_EQ(repeat->version, 3);
  EXPECT_EQ(balance(userId), kDemoCredit + 2'500 + 700);
}

// Payments opens wallets only for registered users (users.v1 UserRegistered): a top-up naming a user
// with no wallet, whoever's id it is, is NOT_FOUND naming that user, and stores nothing.
TEST_F(PaymentsServiceTest, ATopUpForAUserWithoutAWallet_IsNotFound_AndStoresNothing) {
  const std::string nobody = newUuid();
  v1::TopUpWalletRequest request;
  request.set_user_id(nobody);
  request.mutable_amount()->set_currency_code("USD");
  request.mutable_amount()->set_units(2'500);
  request.set_idempotency_key("topup-nobody");
  v1::Wallet wallet;
  auto context = rpc::makeContext(std::chrono::seconds(5));
  const Status refused = rpc::fromGrpcStatus(stub_->TopUpWallet(context.get(), request, &wallet));
  EXPECT_EQ(refused.code(), StatusCode::kNotFound) << refused.toString();
  EXPECT_NE(refused.message().find(nobody), std::string::npos) << refused.toString();
  EXPECT_EQ(queryInt("SELECT count(*) FROM wallets"), 0);
  EXPECT_EQ(queryInt("SELECT count(*) FROM ledger_entries"), 0);
}

// A top-up is a write a client may retry (its answer lost): without a key the retry would credit a
// second time, so the key is required and a top-up without one moves nothing.
TEST_F(PaymentsServiceTest, TopUpWithoutAKeyIsRefusedNamingIdempotencyKeyAndCreditsNothing) {
  const std::string userId = openWallet();
  v1::TopUpWalletRequest request;
  request.set_user_id(userId);
  request.mutable_amount()->set_currency_code("USD");
  request.mutable_amount()->set_units(2'500);
  for (int i = 0; i < 2; ++i) {  // the call and its retry
    v1::Wallet wallet;
    auto context = rpc::makeContext(std::chrono::seconds(5));
    const Status refused = rpc::fromGrpcStatus(stub_->TopUpWallet(context.get(), request, &wallet));
    EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument) << refused.toString();
    ASSERT_FALSE(refused.violations().empty()) << refused.toString();
    EXPECT_EQ(refused.violations().at(0).field, "idempotencyKey");
  }
  EXPECT_EQ(balance(userId), kDemoCredit);
  EXPECT_EQ(ledgerCount(userId), 1) << "only the opening credit";
  EXPECT_EQ(queryInt("SELECT count(*) FROM ledger_entries WHERE kind = 'top_up'"), 0);
  // The store refuses a keyless top-up too, whoever calls it.
  const auto direct = store_->topUp(TopUp{userId, Money{"USD", 2'500}, ""});
  EXPECT_EQ(direct.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(balance(userId), kDemoCredit);
}

TEST_F(PaymentsServiceTest, ValidationErrorsTravelOverGrpcWithFields) {
  v1::GetWalletRequest get;
  get.set_user_id("42");
  v1::Wallet wallet;
  auto context = rpc::makeContext(std::chrono::seconds(5));
  const Status badId = rpc::fromGrpcStatus(stub_->GetWallet(context.get(), get, &wallet));
  EXPECT_EQ(badId.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(badId.violations().at(0).field, "userId");

  v1::TopUpWalletRequest topUp;
  topUp.set_user_id(openWallet());
  topUp.mutable_amount()->set_currency_code("EUR");
  topUp.mutable_amount()->set_units(100);
  topUp.set_idempotency_key(newUuid());
  context = rpc::makeContext(std::chrono::seconds(5));
  const Status otherCurrency = rpc::fromGrpcStatus(stub_->TopUpWallet(context.get(), topUp, &wallet));
  EXPECT_EQ(otherCurrency.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(otherCurrency.violations().at(0).field, "amount.currencyCode");

  v1::Payment payment;
  const Status noKey = rpc::fromGrpcStatus(charge(chargeRequest("", topUp.user_id(), 100), payment));
  EXPECT_EQ(noKey.violations().at(0).field, "idempotencyKey");

  get.set_user_id(newUuid());
  context = rpc::makeContext(std::chrono::seconds(5));
  EXPECT_EQ(stub_->GetWallet(context.get(), get, &wallet).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(PaymentsServiceTest, TheTableRefusesANegativeBalance) {
  const std::string userId = openWallet();
  auto lease = pool_->acquire();
  ASSERT_TRUE(lease.isOk());
  pqxx::work transaction(**lease);
  EXPECT_THROW(transaction.exec_params("UPDATE wallets SET balance = -1 WHERE user_id = $1", userId),
               pqxx::check_violation);
}

TEST_F(PaymentsServiceTest, FailureRateOneAnswersUnavailableAndStoresNothing) {
  const std::string userId = openWallet();
  v1::Payment charged;
  ASSERT_TRUE(charge(chargeRequest("saga-before", userId, 1'000), charged).ok());
  ASSERT_TRUE(setFaults(0.0, 1.0, 0).ok());

  v1::Payment payment;
  EXPECT_EQ(charge(chargeRequest("saga-failing", userId, 1'000), payment).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(refund("saga-before", payment).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(queryInt("SELECT count(*) FROM payments"), 1);
  EXPECT_EQ(queryInt("SELECT count(*) FROM payments WHERE status = 'CHARGED'"), 1);
  EXPECT_EQ(balance(userId), kDemoCredit - 1'000);
  EXPECT_EQ(ledgerCount(userId), 2);

  ASSERT_TRUE(setFaults(0.0, 0.0, 0).ok());
  ASSERT_TRUE(charge(chargeRequest("saga-failing", userId, 1'000), payment).ok());
  EXPECT_EQ(payment.status(), "CHARGED") << "a call that failed by injection can be retried";
}

TEST_F(PaymentsServiceTest, InjectedDeclineIsStoredSoARetryAnswersTheSame) {
  const std::string userId = openWallet();
  ASSERT_TRUE(setFaults(1.0, 0.0, 0).ok());
  v1::Payment declined;
  const std::string orderId = newUuid();
  ASSERT_TRUE(charge(chargeRequest("saga-injected", userId, 500, orderId), declined).ok());
  EXPECT_EQ(declined.status(), "DECLINED");
  EXPECT_EQ(declined.decline_reason(), "injected_decline");
  ASSERT_TRUE(setFaults(0.0, 0.0, 0).ok());
  v1::Payment repeated;
  ASSERT_TRUE(charge(chargeRequest("saga-injected", userId, 500, orderId), repeated).ok());
  EXPECT_EQ(repeated.id(), declined.id());
  EXPECT_EQ(repeated.decline_reason(), "injected_decline");
  EXPECT_EQ(balance(userId), kDemoCredit);
}

TEST_F(PaymentsServiceTest, AddedLatencyDelaysChargesButNotReads) {
  const std::string userId = openWallet();
  ASSERT_TRUE(setFaults(0.0, 0.0, 300).ok());
  const auto started = std::chrono::steady_clock::now();
  v1::Payment payment;
  ASSERT_TRUE(charge(chargeRequest("saga-slow", userId, 1), payment).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(300));

  v1::Faults current;
  auto context = rpc::makeContext(std::chrono::seconds(5));
  ASSERT_TRUE(stub_->GetFaults(context.get(), v1::GetFaultsRequest(), &current).ok());
  EXPECT_EQ(current.added_latency_ms(), 300);
}

// Added latency models a slow payments service: a caller whose deadline passes first gets
// DEADLINE_EXCEEDED, and the charge is still made afterwards. That ambiguous outcome is what the
// fault is for (the saga retries with the same key and must charge once; e2e.saga shows it).
TEST_F(PaymentsServiceTest, AddedLatencyPastTheCallsDeadline_StillCharges_TheAmbiguousOutcome) {
  const std::string userId = openWallet();
  ASSERT_TRUE(setFaults(0.0, 0.0, 1500).ok());
  v1::Payment payment;
  auto context = rpc::makeContext(std::chrono::milliseconds(200));
  const grpc::Status status = stub_->Charge(context.get(), chargeRequest("saga-late", userId, 1), &payment);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_TRUE(testing::waitUntil(
      [&] { return queryInt("SELECT count(*) FROM payments WHERE idempotency_key = 'saga-late'") == 1; },
      std::chrono::seconds(10)))
      << "the slow charge was not made after its caller's deadline";
  EXPECT_EQ(balance(userId), kDemoCredit - 1);
  ASSERT_TRUE(setFaults(0.0, 0.0, 0).ok());
}

TEST_F(PaymentsServiceTest, SetFaultsRejectsOutOfRangeValuesNamingTheField) {
  const Status status = rpc::fromGrpcStatus(setFaults(1.5, 0.0, 0));
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.violations().at(0).field, "faults.declineRate");
  v1::Faults current;
  auto context = rpc::makeContext(std::chrono::seconds(5));
  ASSERT_TRUE(stub_->GetFaults(context.get(), v1::GetFaultsRequest(), &current).ok());
  EXPECT_EQ(current.decline_rate(), 0.0);
}

// An admin's top-up is audited in its transaction: who, which trace, the wallet before and after.
// Its repeat credits nothing and so records nothing.
TEST_F(PaymentsServiceTest, AnAdminsTopUp_IsAuditedOnceWithActorTraceAndBalances_ItsRepeatIsNot) {
  const std::string userId = openWallet();
  openWallet();  // another wallet, untouched: nothing of it in the trail
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(topUpAs("admin-7", userId, 2'500, "audited-topup").ok());
  EXPECT_EQ(balance(userId), kDemoCredit + 2'500);

  const auto response = audit(userId);
  ASSERT_EQ(response.entries_size(), 1);
  const auto& entry = response.entries(0);
  EXPECT_EQ(entry.resource(), "wallets");
  EXPECT_EQ(entry.resource_id(), userId);
  EXPECT_EQ(entry.action(), "top_up");
  EXPECT_EQ(entry.actor(), "admin-7");
  EXPECT_EQ(entry.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
  auto before = json::parse(entry.before_json());
  auto after = json::parse(entry.after_json());
  ASSERT_TRUE(before && after) << entry.before_json() << " / " << entry.after_json();
  EXPECT_EQ(before->as_object().at("balance").as_object().at("units").as_string(), std::to_string(kDemoCredit));
  EXPECT_EQ(after->as_object().at("balance").as_object().at("units").as_string(), std::to_string(kDemoCredit + 2'500));
  EXPECT_EQ(queryInt("SELECT count(*) FROM audit_log"), 1) << "a repeated key writes no second row";

  // A refused top-up (another amount under the key) changes nothing and records nothing.
  EXPECT_FALSE(topUpAs("admin-7", userId, 900, "audited-topup").ok());
  EXPECT_EQ(queryInt("SELECT count(*) FROM audit_log"), 1);
}

// Fault settings live in memory; who changed them and from what to what is kept in the trail.
TEST_F(PaymentsServiceTest, SetFaultsIsAudited_WithTheSettingsBeforeAndAfter_ARefusedChangeIsNot) {
  ASSERT_TRUE(setFaultsAs("admin-3", 0.25).ok());
  EXPECT_FALSE(setFaultsAs("admin-3", 1.5).ok());  // out of range: refused, not recorded

  const auto response = audit("faults");
  ASSERT_EQ(response.entries_size(), 1);
  const auto& entry = response.entries(0);
  EXPECT_EQ(entry.resource(), "faults");
  EXPECT_EQ(entry.action(), "set_faults");
  EXPECT_EQ(entry.actor(), "admin-3");
  EXPECT_EQ(entry.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
  auto before = json::parse(entry.before_json());
  auto after = json::parse(entry.after_json());
  ASSERT_TRUE(before && after) << entry.before_json() << " / " << entry.after_json();
  EXPECT_EQ(before->as_object().at("declineRate").to_number<double>(), 0.0);
  EXPECT_EQ(after->as_object().at("declineRate").to_number<double>(), 0.25);
  EXPECT_EQ(after->as_object().at("failureCode").as_string(), "UNAVAILABLE");
}

// No unaudited admin change: when the trail cannot be written, the settings stay as they were.
TEST_F(PaymentsServiceTest, AFaultChangeThatCannotBeAudited_FailsAndChangesNothing) {
  queryInt("ALTER TABLE audit_log RENAME TO audit_log_away; SELECT 0");
  EXPECT_FALSE(setFaultsAs("admin-3", 0.5).ok());
  queryInt("ALTER TABLE audit_log_away RENAME TO audit_log; SELECT 0");
  v1::Faults current;
  auto context = rpc::makeContext(std::chrono::seconds(5));
  ASSERT_TRUE(stub_->GetFaults(context.get(), v1::GetFaultsRequest(), &current).ok());
  EXPECT_EQ(current.decline_rate(), 0.0);
  EXPECT_EQ(audit("faults").entries_size(), 0);
}

TEST_F(PaymentsServiceTest, ListPaymentAuditPagesNewestFirstAndFiltersByActor) {
  std::vector<std::string> byAlice;  // wallets alice topped up, oldest first
  for (int i = 0; i < 3; ++i) {
    byAlice.push_back(openWallet());
    ASSERT_TRUE(topUpAs("admin-alice", byAlice.back(), 100 + i, newUuid()).ok());
    ASSERT_TRUE(topUpAs("admin-bob", openWallet(), 100, newUuid()).ok());
  }
  ASSERT_TRUE(setFaultsAs("admin-bob", 0.1).ok());

  std::vector<std::string> listed;
  std::string token;
  int pages = 0;
  do {
    const auto page = audit("", "admin-alice", 2, token);
    EXPECT_LE(page.entries_size(), 2);
    for (const auto& entry : page.entries()) {
      EXPECT_EQ(entry.actor(), "admin-alice");
      listed.push_back(entry.resource_id());
    }
    token = page.next_page_token();
    ASSERT_LT(++pages, 5) << "the token must move on";
  } while (!token.empty());
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(listed, std::vector<std::string>(byAlice.rbegin(), byAlice.rend())) << "newest first";
  EXPECT_EQ(audit("", "admin-bob").entries_size(), 4);
  EXPECT_EQ(audit("").entries_size(), 7);

  // Upper-case ids find the wallet's entries, as the wallet itself is found.
  std::string upper = byAlice[0];
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  EXPECT_EQ(audit(upper).entries_size(), 1);

  common::v1::ListAuditRequest negative;
  negative.set_page_size(-1);
  common::v1::ListAuditResponse ignored;
  const Status refused = rpc::fromGrpcStatus(stub_->ListPaymentAudit(as("operator-1").get(), negative, &ignored));
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument);
  ASSERT_FALSE(refused.violations().empty());
  EXPECT_EQ(refused.violations().at(0).field, "pageSize");
}

TEST_F(PaymentsServiceTest, ListPaymentAudit_RefusesEachMalformedFilterNamingIt_AsUsersAndProductsDo) {
  const std::string userId = openWallet();
  ASSERT_TRUE(topUpAs("admin-alice", userId, 100, newUuid()).ok());
  const auto refusal = [&](const common::v1::ListAuditRequest& request) {
    common::v1::ListAuditResponse response;
    const Status status = rpc::fromGrpcStatus(stub_->ListPaymentAudit(as("operator-1").get(), request, &response));
    EXPECT_EQ(response.entries_size(), 0);
    return status;
  };
  const auto fieldsOf = [](const Status& status) {
    std::vector<std::string> fields;
    for (const auto& violation : status.violations()) fields.push_back(violation.field);
    std::sort(fields.begin(), fields.end());
    return fields;
  };

  // A resource id is a wallet's (its user's UUID) or "faults"; anything else matched nothing and
  // answered an empty page, as if the trail had no such entries.
  for (const std::string& resourceId : {std::string("wallet-42"), std::string("{") + userId + "}",
                                       userId.substr(0, 35), std::string("faults "), std::string("users")}) {
    common::v1::ListAuditRequest request;
    request.set_resource_id(resourceId);
    const Status status = refusal(request);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << resourceId;
    EXPECT_EQ(fieldsOf(status), std::vector<std::string>{"resourceId"}) << resourceId << ": " << status.toString();
  }

  common::v1::ListAuditRequest longActor;
  longActor.set_actor(std::string(129, 'a'));
  EXPECT_EQ(fieldsOf(refusal(longActor)), std::vector<std::string>{"actor"});

  common::v1::ListAuditRequest negative;
  negative.set_page_size(-1);
  EXPECT_EQ(fieldsOf(refusal(negative)), std::vector<std::string>{"pageSize"});

  common::v1::ListAuditRequest badToken;
  badToken.set_page_token("not-a-token");
  const Status token = refusal(badToken);
  EXPECT_EQ(token.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(fieldsOf(token), std::vector<std::string>{"pageToken"});

  // Every refused filter at once, as products names them.
  common::v1::ListAuditRequest all;
  all.set_resource_id("wallet-42");
  all.set_actor(std::string(129, 'a'));
  all.set_page_size(-1);
  EXPECT_EQ(fieldsOf(refusal(all)), (std::vector<std::string>{"actor", "pageSize", "resourceId"}));

  // The filters it takes still find what they name.
  EXPECT_EQ(audit(userId).entries_size(), 1);
  EXPECT_EQ(audit("faults").entries_size(), 0);
  EXPECT_EQ(audit(newUuid()).entries_size(), 0);
  EXPECT_EQ(audit("", std::string(128, 'a')).entries_size(), 0);
}

TEST_F(PaymentsServiceTest, ListPaymentsFiltersByOrderAndPagesNewestFirst) {
  const std::string userId = openWallet();
  const std::string orderId = newUuid();
  v1::Payment payment;
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(charge(chargeRequest("saga-list-" + std::to_string(i), userId, 10), payment).ok());
    ids.push_back(payment.id());
  }
  ASSERT_TRUE(charge(chargeRequest("saga-of-order", userId, 10, orderId), payment).ok());

  v1::ListPaymentsRequest byOrder;
  byOrder.set_order_id(orderId);
  v1::ListPaymentsResponse response;
  auto context = rpc::makeContext(std::chrono::seconds(5));
  ASSERT_TRUE(stub_->ListPayments(context.get(), byOrder, &response).ok());
  ASSERT_EQ(response.payments_size(), 1);
  EXPECT_EQ(response.payments(0).idempotency_key(), "saga-of-order");

  v1::ListPaymentsRequest request;
  request.set_user_id(userId);
  request.set_page_size(4);
  std::vector<std::string> seen;
  for (int page = 0; page < 3; ++page) {
    v1::ListPaymentsResponse pageResponse;
    context = rpc::makeContext(std::chrono::seconds(5));
    ASSERT_TRUE(stub_->ListPayments(context.get(), request, &pageResponse).ok());
    for (const auto& listed : pageResponse.payments()) seen.push_back(listed.id());
    if (pageResponse.next_page_token().empty()) break;
    request.set_page_token(pageResponse.next_page_token());
  }
  ASSERT_EQ(seen.size(), 6u);
  EXPECT_EQ(seen[1], ids[4]);
  EXPECT_EQ(seen[5], ids[0]);
}

TEST_F(PaymentsServiceTest, LedgerListsEveryMovementNewestFirst) {
  const std::string userId = openWallet();
  v1::Payment payment;
  ASSERT_TRUE(charge(chargeRequest("saga-ledger", userId, 300), payment).ok());
  ASSERT_TRUE(refund("saga-ledger", payment).ok());
  v1::ListLedgerRequest request;
  request.set_user_id(userId);
  v1::ListLedgerResponse response;
  auto context = rpc::makeContext(std::chrono::seconds(5));
  ASSERT_TRUE(stub_->ListLedger(context.get(), request, &response).ok());
  ASSERT_EQ(response.entries_size(), 3);
  EXPECT_EQ(response.entries(0).kind(), "refund");
  EXPECT_EQ(response.entries(0).amount().units(), 300);
  EXPECT_EQ(response.entries(1).kind(), "charge");
  EXPECT_EQ(response.entries(1).amount().units(), -300);
  EXPECT_EQ(response.entries(1).reference(), payment.id());
  EXPECT_EQ(response.entries(2).kind(), "opening_credit");
  EXPECT_EQ(response.entries(2).amount().currency_code(), "USD");
}

// ~300 opens, top-ups, charges and refunds across a few wallets, in concurrent batches, from a
// fixed seed; afterwards every wallet's balance equals the sum of its ledger and is not negative,
// and every payment's ledger entries match its status.
TEST_F(PaymentsServiceTest, LedgerInvariantHoldsAfterARandomSequenceOfOperations) {
  std::mt19937_64 generator(20'240'917);
  auto pick = [&generator](int64_t low, int64_t high) {
    return std::uniform_int_distribution<int64_t>(low, high)(generator);
  };
  std::vector<std::string> users;
  for (int i = 0; i < 5; ++i) users.push_back(newUuid());
  std::vector<std::string> chargeKeys;  // keys used so far, reused for repeats and refunds
  std::vector<std::string> topUpKeys;

  struct Operation {
    int kind;  // 0 open, 1 top-up, 2 charge, 3 refund
    std::string userId;
    std::string key;
    int64_t units;
    std::string orderId;  // charges
  };
  std::map<std::string, Operation> chargesByKey;  // a repeat sends its charge's request again
  int operations = 0;
  int declined = 0;
  while (operations < 300) {
    // Plan a batch on this thread (the generator is not shared), then run it concurrently.
    std::vector<Operation> batch;
    const int64_t batchSize = pick(1, 8);
    for (int64_t i = 0; i < batchSize; ++i) {
      Operation operation;
      const int64_t roll = pick(0, 99);
      operation.userId = users[static_cast<size_t>(pick(0, static_cast<int64_t>(users.size()) - 1))];
      if (roll < 8) {
        operation.kind = 0;
      } else if (roll < 30) {
        operation.kind = 1;
        operation.units = pick(1, 60'000);
        const bool repeat = !topUpKeys.empty() && pick(0, 3) == 0;
        operation.key = repeat ? topUpKeys[static_cast<size_t>(pick(0, static_cast<int64_t>(topUpKeys.size()) - 1))]
                               : "topup-" + std::to_string(operations + i);
        if (!repeat) topUpKeys.push_back(operation.key);
      } else if (roll < 75) {
        operation.kind = 2;
        operation.units = pick(1, 90'000);
        operation.orderId = newUuid();
        const bool repeat = !chargeKeys.empty() && pick(0, 4) == 0;
        operation.key = repeat ? chargeKeys[static_cast<size_t>(pick(0, static_cast<int64_t>(chargeKeys.size()) - 1))]
                               : "saga-" + std::to_string(operations + i);
        if (repeat) {
          operation = chargesByKey.at(operation.key);
        } else {
          chargeKeys.push_back(operation.key);
          chargesByKey.emplace(operation.key, operation);
        }
      } else {
        operation.kind = 3;
        operation.key = chargeKeys.empty() || pick(0, 9) == 0
                            ? "unknown-" + std::to_string(operations + i)
                            : chargeKeys[static_cast<size_t>(pick(0, static_cast<int64_t>(chargeKeys.size()) - 1))];
      }
      batch.push_back(operation);
    }
    std::vector<std::future<Status>> running;
    for (const Operation& operation : batch) {
      running.push_back(std::async(std::launch::async, [this, operation]() -> Status {
        switch (operation.kind) {
          case 0: return wallets_->open(operation.userId).status();
          case 1: {
            auto result = wallets_->topUp({operation.userId, Money{"USD", operation.units}, operation.key});
            // No wallet yet, or a key repeated with another amount: expected refusals.
            if (!result && (result.status().code() == StatusCode::kNotFound ||
                            result.status().code() == StatusCode::kInvalidArgument)) {
              return Status::ok();
            }
            return result.status();
          }
          case 2: {
            auto result = wallets_->charge(
                {operation.key, operation.userId, operation.orderId, Money{"USD", operation.units}});
            // No wallet yet: retryable, nothing recorded.
            if (!result && result.status().code() == StatusCode::kUnavailable) return Status::ok();
            return result.status();
          }
          default: {
            auto result = wallets_->refund(operation.key);
            if (!result && result.status().code() == StatusCode::kNotFound) return Status::ok();
            return result.status();
          }
        }
      }));
    }
    for (auto& result : running) {
      const Status status = result.get();
      // A deadlock victim would come back as ABORTED; there must be none.
      EXPECT_TRUE(status.isOk()) << status.toString();
    }
    operations += static_cast<int>(batch.size());
  }
  declined = static_cast<int>(queryInt("SELECT count(*) FROM payments WHERE status = 'DECLINED'"));

  auto lease = pool_->acquire();
  ASSERT_TRUE(lease.isOk());
  pqxx::nontransaction query(**lease);
  const auto wallets = query.exec(
      "SELECT w.user_id::text, w.balance, COALESCE(SUM(l.amount), 0)::bigint, count(l.seq)"
      " FROM wallets w LEFT JOIN ledger_entries l ON l.user_id = w.user_id GROUP BY w.user_id, w.balance");
  ASSERT_GE(wallets.size(), 3u) << "the sequence should have opened most wallets";
  for (const auto& row : wallets) {
    EXPECT_EQ(row[1].as<int64_t>(), row[2].as<int64_t>()) << "wallet " << row[0].as<std::string>();
    EXPECT_GE(row[1].as<int64_t>(), 0);
    EXPECT_GE(row[3].as<int64_t>(), 1) << "every wallet has its opening credit";
  }
  // CHARGED: one debit; REFUNDED: one debit and one credit of the same amount; DECLINED: nothing.
  const auto mismatches = query.exec(
      "SELECT p.idempotency_key, p.status,"
      "  count(*) FILTER (WHERE l.kind = 'charge' AND l.amount = -p.amount),"
      "  count(*) FILTER (WHERE l.kind = 'refund' AND l.amount = p.amount),"
      "  count(l.seq)"
      " FROM payments p LEFT JOIN ledger_entries l ON l.reference = p.id::text"
      " GROUP BY p.idempotency_key, p.status"
      " HAVING NOT ((p.status = 'CHARGED' AND count(l.seq) = 1"
      "              AND count(*) FILTER (WHERE l.kind = 'charge' AND l.amount = -p.amount) = 1)"
      "          OR (p.status = 'REFUNDED' AND count(l.seq) = 2"
      "              AND count(*) FILTER (WHERE l.kind = 'charge' AND l.amount = -p.amount) = 1"
      "              AND count(*) FILTER (WHERE l.kind = 'refund' AND l.amount = p.amount) = 1)"
      "          OR (p.status = 'DECLINED' AND count(l.seq) = 0))");
  for (const auto& row : mismatches) {
    ADD_FAILURE() << "payment " << row[0].as<std::string>() << " is " << row[1].as<std::string>() << " with "
                  << row[4].as<int64_t>() << " ledger entries";
  }
  // The sequence must have exercised every path, or the test proves little.
  EXPECT_GT(queryInt("SELECT count(*) FROM payments WHERE status = 'CHARGED'"), 10);
  EXPECT_GT(queryInt("SELECT count(*) FROM payments WHERE status = 'REFUNDED'"), 5);
  EXPECT_GT(declined, 5);
  EXPECT_GT(queryInt("SELECT count(*) FROM ledger_entries WHERE kind = 'top_up'"), 5);
}

}  // namespace
}  // namespace fleetdeck::payments
