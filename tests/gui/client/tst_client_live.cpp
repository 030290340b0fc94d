// The console's real client against the real gateway: the users service and the gateway (with a
// private NATS for its admin stream) run as processes on free loopback ports, on the fixture's
// PostgreSQL, and GatewayClient / EventStream talk to them as the console does — sign-in (right and
// wrong password), refresh of an expired access token with rotation, and the live stream surviving a
// gateway restart by reconnecting with Last-Event-ID.
//
// FleetDeck's test support comes first: Qt's keyword macros (emit, signals, slots) are not defined yet.
#include "fleetdeck/testing/auth_helper.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>
#include <memory>

#include "client/event_stream.h"
#include "client/gateway_client.h"

using namespace fleetdeck::console;
namespace ft = fleetdeck::testing;
using namespace std::chrono_literals;

namespace {

// The gateway's access tokens live this long here (no clock leeway), so a test can outwait one
// before the client's own proactive refresh (at 80 % of the lifetime, but never before 5 s) fires.
constexpr int kAccessTtlSeconds = 2;
// Consecutive failures that open an upstream's breaker. More than one: a slow first call to users on a
// loaded machine (the sign-in hashes with argon2id) must not shut users out for the 60 s the breaker
// stays open here.
constexpr int kBreakerFailures = 3;

struct Outcome {
  bool done = false;
  std::optional<Result<ApiResponse>> result;
};

}  // namespace

class ClientLiveTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void cleanupTestCase();

  void signIn_RightPassword_IsAnAdmin_WrongPassword_IsAClearError();
  void expiredAccessToken_IsRefreshedAndTheCallSucceeds_RefreshTokenRotates();
  void stream_SurvivesAGatewayRestart_ReconnectingWithLastEventId();

 private:
  void startGateway();
  std::unique_ptr<GatewayClient> newClient();
  // Signs `client` in as the test's admin; fails the test when it cannot.
  bool signIn(GatewayClient& client);
  // Sends one call and waits for its answer (bounded).
  Result<ApiResponse> call(GatewayClient& client, const ApiRequest& request, int timeoutMs = 20000);
  // Calls through the dead products upstream until the gateway's breaker for it opens
  // (kBreakerFailures), which the gateway sends at once on the admin stream as a fleet.change.
  void tripTheProductsBreaker(GatewayClient& client);

  std::filesystem::path logs_;
  std::unique_ptr<ft::NatsServer> nats_;
  std::unique_ptr<ft::UsersServiceUnderTest> users_;
  std::unique_ptr<ft::ServiceProcess> gateway_;
  std::map<std::string, std::string> gatewayEnvironment_;
  uint16_t gatewayPort_ = 0;
  QString username_;
  QString password_;
};

void ClientLiveTest::initTestCase() {
  logs_ = ft::sharedInfra().root / "e2e-logs" / ("gui-client-live-" + std::to_string(getpid()));
  nats_ = std::make_unique<ft::NatsServer>();

  auto users = ft::startUsersService(FLEETDECK_USERS_BINARY, FLEETDECK_SOURCE_DIR "/services/users/config/users.toml",
                                          logs_);
  QVERIFY2(users.isOk(), users.status().toString().c_str());
  users_ = std::make_unique<ft::UsersServiceUnderTest>(std::move(*users));

  gatewayPort_ = ft::freePort();
  const auto dead = [] { return "127.0.0.1:" + std::to_string(ft::freePort()); };
  gatewayEnvironment_ = {
      {"FLEETDECK_CONFIG", FLEETDECK_SOURCE_DIR "/services/gateway/config/gateway.toml"},
      {"FLEETDECK_SERVICE__INSTANCE", "gateway-gui-live"},
      {"FLEETDECK_HTTP__PORT", std::to_string(gatewayPort_)},
      {"FLEETDECK_HTTP__THREADS", "2"},
      {"FLEETDECK_ADMIN__PORT", std::to_string(ft::freePort())},
      // One key file for both gateway processes: tokens stay valid across the restart.
      {"FLEETDECK_AUTH__KEY_FILE", ft::testKeyFile("gui-client-live")},
      {"FLEETDECK_AUTH__ACCESS_TOKEN_TTL", std::to_string(kAccessTtlSeconds) + "s"},
      {"FLEETDECK_AUTH__CLOCK_LEEWAY", "0s"},
      {"FLEETDECK_NATS__URL", nats_->url()},
      {"FLEETDECK_NATS__RECONNECT_WAIT", "100ms"},
      {"FLEETDECK_REGISTRY__HEARTBEAT_INTERVAL", "1s"},
      {"FLEETDECK_STREAM__HEARTBEAT_INTERVAL", "500ms"},
      {"FLEETDECK_RESILIENCE__BREAKER_FAILURES", std::to_string(kBreakerFailures)},
      {"FLEETDECK_RESILIENCE__BREAKER_OPEN_FOR", "60s"},
      {"FLEETDECK_SHUTDOWN__DRAIN", "500ms"},
      {"FLEETDECK_UPSTREAMS__USERS", users_->grpcAddress()},
      // Nothing listens on these: products is where the stream test trips a breaker.
      {"FLEETDECK_UPSTREAMS__PRODUCTS", dead()},
      {"FLEETDECK_UPSTREAMS__ORDERS", dead()},
      {"FLEETDECK_UPSTREAMS__PAYMENTS", dead()},
      {"FLEETDECK_UPSTREAMS__NOTIFICATIONS", dead()}};
  startGateway();
  if (QTest::currentTestFailed()) return;

  username_ = QStringLiteral("gui.live.admin.%1").arg(QString::fromStdString(std::to_string(getpid())));
  password_ = QStringLiteral("correct horse battery staple");
  auto created = ft::createUserViaGrpc(users_->grpcAddress(), username_.toStdString(), password_.toStdString(), "admin");
  QVERIFY2(created.isOk(), created.status().toString().c_str());
  // The gateway's first connection to the users service may still be coming up: the helper waits
  // out its 503s, so the client's first sign-in meets a ready gateway.
  auto warm = ft::loginThroughGateway(gatewayPort_, username_.toStdString(), password_.toStdString());
  QVERIFY2(warm.isOk(), warm.status().toString().c_str());
}

void ClientLiveTest::cleanupTestCase() {
  gateway_.reset();
  users_.reset();
  nats_.reset();
}

void ClientLiveTest::startGateway() {
  gateway_ = std::make_unique<ft::ServiceProcess>("gateway", FLEETDECK_GATEWAY_BINARY, gatewayEnvironment_, logs_);
  const auto started = gateway_->start();
  QVERIFY2(started.isOk(), (started.toString() + "\n" + gateway_->logTail()).c_str());
}

std::unique_ptr<GatewayClient> ClientLiveTest::newClient() {
  auto client = std::make_unique<GatewayClient>();
  client->setBaseUrl(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(gatewayPort_)));
  return client;
}

bool ClientLiveTest::signIn(GatewayClient& client) {
  bool done = false;
  std::optional<Result<User>> outcome;
  client.signIn(username_, password_, &client, [&](const Result<User>& result) {
    outcome = result;
    done = true;
  });
  if (!QTest::qWaitFor([&] { return done; }, 20000)) {
    qWarning("sign-in did not answer within 20 s");
    return false;
  }
  if (!outcome->ok()) {
    qWarning("sign-in failed: %s", qPrintable(outcome->error().message));
    return false;
  }
  return client.isSignedIn();
}

Result<ApiResponse> ClientLiveTest::call(GatewayClient& client, const ApiRequest& request, int timeoutMs) {
  auto outcome = std::make_shared<Outcome>();
  client.send(request, &client, [outcome](const Result<ApiResponse>& result) {
    outcome->result = result;
    outcome->done = true;
  });
  if (!QTest::qWaitFor([&] { return outcome->done; }, timeoutMs)) {
    return ApiError::networkFailure(QStringLiteral("no answer within %1 ms").arg(timeoutMs));
  }
  return *outcome->result;
}

void ClientLiveTest::tripTheProductsBreaker(GatewayClient& client) {
  ApiRequest request;
  request.path = QStringLiteral("/api/v1/products");
  request.query.addQueryItem(QStringLiteral("pageSize"), QStringLiteral("1"));
  for (int i = 0; i < kBreakerFailures; ++i) {
    const auto answer = call(client, request);
    QVERIFY2(!answer.ok(), "products has no instance here: the call must fail");
    QVERIFY2(answer.error().httpStatus >= 500,
             qPrintable(QStringLiteral("products answered %1: %2").arg(answer.error().httpStatus).arg(answer.error().message)));
  }
}

void ClientLiveTest::signIn_RightPassword_IsAnAdmin_WrongPassword_IsAClearError() {
  // Wrong password: a 401 with the gateway's code and a message, and no session.
  {
    auto client = newClient();
    QSignalSpy sessionChanges(client.get(), &GatewayClient::sessionChanged);
    bool done = false;
    std::optional<Result<User>> outcome;
    client->signIn(username_, QStringLiteral("not the password"), client.get(), [&](const Result<User>& result) {
      outcome = result;
      done = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(done, 20000);
    QVERIFY(!outcome->ok());
    QCOMPARE(outcome->error().httpStatus, 401);
    QVERIFY(outcome->error().isUnauthenticated());
    QCOMPARE(outcome->error().code, QStringLiteral("UNAUTHENTICATED"));
    QVERIFY2(!outcome->error().message.isEmpty(), "the user is told why");
    QVERIFY2(!outcome->error().traceId.isEmpty(), "with a trace id to quote");
    QVERIFY(!client->isSignedIn());
    QVERIFY(client->session().accessToken.isEmpty());
    QVERIFY(client->session().refreshToken.isEmpty());
  }
  // Right password: signed in, both tokens, the user is an admin; an authenticated call works.
  auto client = newClient();
  bool done = false;
  std::optional<Result<User>> outcome;
  client->signIn(username_, password_, client.get(), [&](const Result<User>& result) {
    outcome = result;
    done = true;
  });
  QTRY_VERIFY_WITH_TIMEOUT(done, 20000);
  QVERIFY2(outcome->ok(), outcome->ok() ? "" : qPrintable(outcome->error().message));
  QCOMPARE(outcome->value().username, username_);
  QCOMPARE(outcome->value().role, QStringLiteral("admin"));
  QVERIFY(client->isSignedIn());
  QCOMPARE(client->session().user.role, QStringLiteral("admin"));
  QVERIFY(!client->session().accessToken.isEmpty());
  QVERIFY(!client->session().refreshToken.isEmpty());
  QVERIFY(client->session().accessTokenExpiry.isValid());

  ApiRequest me;
  me.path = QStringLiteral("/api/v1/users/me");
  const auto answer = call(*client, me);
  QVERIFY2(answer.ok(), answer.ok() ? "" : qPrintable(answer.error().message));
  QCOMPARE(answer->httpStatus, 200);
  QCOMPARE(answer->body.value(QStringLiteral("username")).toString(), username_);
  QCOMPARE(answer->traceId.size(), 32);
}

void ClientLiveTest::expiredAccessToken_IsRefreshedAndTheCallSucceeds_RefreshTokenRotates() {
  auto client = newClient();
  QVERIFY(signIn(*client));
  QSignalSpy rotations(client.get(), &GatewayClient::refreshTokenRotated);
  QSignalSpy expiries(client.get(), &GatewayClient::sessionExpired);
  const QString firstAccess = client->session().accessToken;
  const QString firstRefresh = client->session().refreshToken;

  // Outwait the access token (TTL 2 s, no leeway), staying under the client's 5 s proactive refresh.
  QElapsedTimer sinceSignIn;
  sinceSignIn.start();
  QTest::qWait((kAccessTtlSeconds + 1) * 1000 + 200);
  QCOMPARE(rotations.count(), 0);

  // The gateway really refuses the old token now (sent as is, without the client's retry).
  ApiRequest stale;
  stale.path = QStringLiteral("/api/v1/users/me");
  stale.authenticated = false;
  stale.headers.append({"Authorization", "Bearer " + firstAccess.toUtf8()});
  const auto refused = call(*client, stale);
  QVERIFY(!refused.ok());
  QCOMPARE(refused.error().httpStatus, 401);

  // The client's call meets the same 401, refreshes once and repeats the call: it succeeds.
  ApiRequest me;
  me.path = QStringLiteral("/api/v1/users/me");
  const auto answer = call(*client, me);
  QVERIFY2(answer.ok(), answer.ok() ? "" : qPrintable(answer.error().message));
  QCOMPARE(answer->httpStatus, 200);
  QCOMPARE(answer->body.value(QStringLiteral("username")).toString(), username_);
  QVERIFY2(sinceSignIn.elapsed() < 5000, "the refresh was the 401's, not the proactive timer's");

  // Both tokens rotated; the signal carries the new refresh token (what the keychain would keep).
  QCOMPARE(rotations.count(), 1);
  QCOMPARE(expiries.count(), 0);
  QVERIFY(client->isSignedIn());
  QVERIFY(client->session().accessToken != firstAccess);
  QVERIFY(!client->session().refreshToken.isEmpty());
  QVERIFY(client->session().refreshToken != firstRefresh);
  QCOMPARE(rotations.first().first().toString(), client->session().refreshToken);
  QCOMPARE(client->session().user.role, QStringLiteral("admin"));

  // The superseded refresh token is spent: the gateway refuses it.
  ApiRequest reuse;
  reuse.method = "POST";
  reuse.path = QStringLiteral("/api/v1/auth/refresh");
  reuse.authenticated = false;
  reuse.body = QJsonObject{{QStringLiteral("refreshToken"), firstRefresh}};
  const auto reused = call(*client, reuse);
  QVERIFY(!reused.ok());
  QVERIFY2(reused.error().httpStatus == 401 || reused.error().httpStatus == 400,
           qPrintable(QStringLiteral("reused refresh token answered %1").arg(reused.error().httpStatus)));
}

void ClientLiveTest::stream_SurvivesAGatewayRestart_ReconnectingWithLastEventId() {
  // Tokens that outlive the test: the gateway ends a stream whose token expired before its next event
  // (and the client refreshes no sooner than 5 s), so with the 2 s tokens above the breaker's event
  // could close the stream instead of arriving on it, on a loaded machine.
  gatewayEnvironment_["FLEETDECK_AUTH__ACCESS_TOKEN_TTL"] = "120s";
  (void)gateway_->stop(5s);
  startGateway();
  if (QTest::currentTestFailed()) return;
  auto warm = ft::loginThroughGateway(gatewayPort_, username_.toStdString(), password_.toStdString());
  QVERIFY2(warm.isOk(), warm.status().toString().c_str());

  auto client = newClient();
  QVERIFY(signIn(*client));
  auto* stream = new EventStream(client.get(), client.get());
  stream->setBackoff(200, 1000);
  stream->setIdleTimeout(5000);

  QList<EventStream::State> states;
  connect(stream, &EventStream::stateChanged, this, [&states](EventStream::State state) { states.append(state); });
  QSignalSpy heartbeats(stream, &EventStream::heartbeat);
  QSignalSpy scheduled(stream, &EventStream::reconnectScheduled);
  struct Received {
    QString type;
    QJsonObject data;
    QString id;
  };
  QList<Received> events;
  connect(stream, &EventStream::eventReceived, this,
          [&events](const QString& type, const QJsonObject& data, const QString& id) { events.append({type, data, id}); });
  QList<FleetChange> breakerChanges;
  connect(stream, &EventStream::fleetChange, this, [&breakerChanges](const FleetChange& change) {
    if (change.kind == QLatin1String("circuit_breaker")) breakerChanges.append(change);
  });
  // The Last-Event-ID the stream holds when its connection ends: what it must send on reconnect.
  QString idAtDisconnect;
  connect(stream, &EventStream::reconnectScheduled, this, [&idAtDisconnect, stream](int) {
    if (idAtDisconnect.isEmpty()) idAtDisconnect = stream->lastEventId();
  });

  stream->start();
  QTRY_COMPARE_WITH_TIMEOUT(stream->state(), EventStream::State::Open, 10000);
  QTRY_VERIFY_WITH_TIMEOUT(heartbeats.count() > 0, 5000);  // ":hb" every 500 ms here

  // (1) A live event: the products breaker opens and the stream says so, with an id.
  tripTheProductsBreaker(*client);
  if (QTest::currentTestFailed()) return;
  QTRY_VERIFY_WITH_TIMEOUT(!breakerChanges.isEmpty(), 10000);
  QCOMPARE(breakerChanges.first().service, QStringLiteral("products"));
  QCOMPARE(breakerChanges.first().status, QStringLiteral("degraded"));
  QVERIFY(!stream->lastEventId().isEmpty());
  const qsizetype eventsBeforeRestart = events.size();
  QCOMPARE(scheduled.count(), 0);

  // (2) The gateway restarts on the same port (same signing keys, a fresh event buffer).
  states.clear();
  (void)gateway_->stop(5s);
  QTRY_VERIFY_WITH_TIMEOUT(scheduled.count() > 0, 10000);
  QVERIFY2(!idAtDisconnect.isEmpty(), "an event id was held when the connection ended");
  startGateway();
  if (QTest::currentTestFailed()) return;

  // The stream comes back by itself: Waiting, Connecting, … Open.
  QTRY_COMPARE_WITH_TIMEOUT(stream->state(), EventStream::State::Open, 20000);
  QVERIFY(stream->reconnectCount() >= 1);
  QVERIFY2(states.contains(EventStream::State::Waiting), "the stream waited before reconnecting");
  QVERIFY2(states.contains(EventStream::State::Connecting), "and connected again");
  QCOMPARE(states.last(), EventStream::State::Open);

  // It sent Last-Event-ID: a new process cannot resume the old one's ids, and says so with a
  // stream.gap naming the id the client sent.
  QTRY_VERIFY_WITH_TIMEOUT(
      std::any_of(events.begin() + eventsBeforeRestart, events.end(),
                  [](const Received& event) { return event.type == QLatin1String("stream.gap"); }),
      10000);
  const auto gap = std::find_if(events.begin() + eventsBeforeRestart, events.end(),
                                [](const Received& event) { return event.type == QLatin1String("stream.gap"); });
  QCOMPARE(gap->data.value(QStringLiteral("lastEventId")).toString(), idAtDisconnect);
  const qsizetype gapIndex = gap - events.begin();

  // (3) Events after the reconnect arrive: the new process's breaker opens too, with an id of the
  // new process's own. Each process numbers in a random block of its own (so a resume elsewhere is a
  // gap), hence the new ids need not exceed the old process's; they only grow among themselves.
  const qsizetype breakersBefore = breakerChanges.size();
  tripTheProductsBreaker(*client);
  if (QTest::currentTestFailed()) return;
  QTRY_VERIFY_WITH_TIMEOUT(breakerChanges.size() > breakersBefore, 10000);
  QCOMPARE(breakerChanges.last().service, QStringLiteral("products"));
  const QString newId = stream->lastEventId();
  QVERIFY(!newId.isEmpty());
  QVERIFY2(newId != idAtDisconnect, qPrintable(QStringLiteral("the new process reused id %1").arg(newId)));
  quint64 previous = 0;
  // By index: `gap` points into a list that has grown since.
  for (auto event = events.cbegin() + gapIndex + 1; event != events.cend(); ++event) {
    if (event->id.isEmpty() || event->id == idAtDisconnect) continue;
    bool numeric = false;
    const quint64 id = event->id.toULongLong(&numeric);
    QVERIFY2(numeric, qPrintable(QStringLiteral("event id %1 is a number").arg(event->id)));
    QVERIFY2(id > previous, qPrintable(QStringLiteral("%1 after %2 (%3)").arg(id).arg(previous).arg(event->type)));
    previous = id;
  }
  QVERIFY2(previous > 0, "the events after the gap carried ids");

  stream->stop();
  QCOMPARE(stream->state(), EventStream::State::Stopped);
}

QTEST_GUILESS_MAIN(ClientLiveTest)
#include "tst_client_live.moc"
