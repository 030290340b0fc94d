// GatewayClient against a fake gateway: sign-in, bearer tokens, 401 -> refresh -> retry once, error
// bodies as values, connection state, ETag/If-Match, query encoding, cancellation, alert acknowledgements.
#include <QJsonDocument>
#include <QLocale>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTest>
#include <QTimeZone>
#include <QTranslator>

#include "client/connection_monitor.h"
#include "client/gateway_api.h"
#include "client/gateway_client.h"
#include "fakes/fake_gateway.h"

using namespace fleetdeck::console;
using namespace fleetdeck::console::testing;

namespace {

template <class T>
struct Captured {
  std::optional<Result<T>> result;
  std::function<void(const Result<T>&)> callback() {
    return [this](const Result<T>& r) { result.emplace(r); };
  }
  bool wait(int ms = 5000) {
    return QTest::qWaitFor([this] { return result.has_value(); }, ms);
  }
};

template <class T>
QByteArray describe(const Result<T>& result) {
  return result.ok() ? QByteArray("ok") : result.error().summary().toUtf8();
}

QJsonObject userJson(const QString& role = QStringLiteral("admin")) {
  return {{"id", "u-1"}, {"username", "ada"}, {"email", "ada@example.com"}, {"displayName", "Ada"},
          {"role", role}, {"status", "active"}, {"version", "7"}, {"createTime", "2024-03-01T10:00:00.123456789Z"},
          {"updateTime", "2024-03-02T11:30:00Z"}};
}

}  // namespace

class GatewayClientTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void init();
  void cleanup();

  void signIn_StoresBothTokensAndTheUser();
  void signIn_WrongPassword_IsUnauthenticatedWithTheGatewayMessage();
  void signIn_Throttled_ReportsRetryAfter();
  void signIn_ThrottledUntilAnHttpDate_ReportsTheSecondsUntilThen();
  void parseRetryAfter_ReadsSecondsAndHttpDates_FromNow();
  void authenticatedCall_SendsBearerToken_AnonymousCallDoesNot();
  void expiredAccessToken_RefreshesOnceAndRetriesTheCall();
  void concurrent401s_ShareOneRefresh();
  void refusedRefresh_EndsSessionAndReturns401();
  void retryStill401_GivesUpAfterOneRefresh();
  void signOut_WithAnExpiredAccessToken_StillRevokesTheRefreshToken();
  void signOut_WhileARefreshIsInFlight_StaysSignedOut();
  void rateLimitedRefresh_KeepsTheSession();
  void failedRefresh_IsTriedAgainAfterRetryAfter();
  void refreshEndedWithTheSession_TellsWhyInTheUsersLanguage();
  void errorBody_FieldErrorsKeyedInCamelCase_TraceIdFromBody();
  void errorBody_ReasonIsRead_EmptyWhenTheBodyHasNone();
  void errorWithoutGatewayBody_StillUsable();
  void successWithNonJsonBody_IsAnError();
  void gatewayDown_GoesOfflineAndCountsDown_BackOnline_AfterProbe();
  void silentGateway_CallTimesOut_AndGoesOffline();
  void answerCutOffAfterA2xxHead_IsALostAnswer_NotARefusal();
  void updateUser_SendsIfMatchAndOnlyChangedFields_ReadsVersionFromEtag();
  void orderActions_SendIfMatchAndIdempotencyKey_OnlyWhenGiven();
  void createUser_SendsTheIdempotencyKey_OnlyWhenGiven();
  void listOrders_SendsTheDateRangeInUtcAsRfc3339_OnlyWhenSet();
  void listSagas_SendsTheDateRangeInUtcAsRfc3339_OnlyWhenSet();
  void promQuery_RoundTripsEveryCharacterOfTheQuery();
  void cancelledCall_NeverCallsBack();
  void destroyedContext_DropsTheCallback();
  void int64AndTimestamps_ParsedFromProto3Json();
  void rebuild_ReadsTheRebuildMessage_Int64AsStringsOrNumbers();
  void acknowledgeAlert_SendsNameFullLabelsAndComment_ParsesTheAnswer();
  void acknowledgeAlert_FieldErrorAndNotFound_AreErrors();
  void unacknowledgeAlert_SendsTheIdentityOnly_AcceptsNoContent();
  void alertAcknowledgements_ParsesTheList_JoinKeyMatchesTheAlerts();
  void alertEvent_AcknowledgementIsNullOrTheObject();
  void fleetInstance_ReadsReadinessStatusErrorPrometheusUpAndCheckStatus();
  void deadLetters_ListReadsEveryField_ReplaySendsTheConsumerOrTheSequenceAsANumber();

 private:
  FakeGateway* gateway_ = nullptr;
  GatewayClient* client_ = nullptr;

  void signInAs(const QString& role = QStringLiteral("admin"));
};

void GatewayClientTest::initTestCase() { QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates)); }

void GatewayClientTest::init() {
  gateway_ = new FakeGateway(this);
  QVERIFY(gateway_->start());
  client_ = new GatewayClient(this);
  client_->setBaseUrl(gateway_->url());
  gateway_->route("POST", "/api/v1/auth/login", [](const FakeRequest& request) {
    if (request.json().value("password").toString() != QLatin1String("right")) {
      return FakeResponse::error(401, "UNAUTHENTICATED", "wrong user name or password");
    }
    return FakeResponse::json(200, {{"accessToken", "access-1"}, {"refreshToken", "refresh-1"}, {"expiresIn", "900"},
                                    {"tokenType", "Bearer"}, {"user", userJson()}});
  });
}

void GatewayClientTest::cleanup() {
  delete client_;
  delete gateway_;
}

void GatewayClientTest::signInAs(const QString& role) {
  Session session;
  session.accessToken = QStringLiteral("access-1");
  session.refreshToken = QStringLiteral("refresh-1");
  session.user = User::fromJson(userJson(role));
  client_->setSession(session);
}

void GatewayClientTest::signIn_StoresBothTokensAndTheUser() {
  QSignalSpy rotated(client_, &GatewayClient::refreshTokenRotated);
  Captured<User> captured;
  client_->signIn("ada", "right", this, captured.callback());
  QVERIFY(captured.wait());
  QVERIFY(captured.result->ok());
  QCOMPARE(captured.result->value().role, QStringLiteral("admin"));
  QCOMPARE(client_->session().accessToken, QStringLiteral("access-1"));
  QCOMPARE(client_->session().refreshToken, QStringLiteral("refresh-1"));
  QVERIFY(client_->session().accessTokenExpiry > QDateTime::currentDateTimeUtc().addSecs(800));
  QCOMPARE(rotated.count(), 1);
  const FakeRequest login = gateway_->requests().constLast();
  QCOMPARE(login.json().value("username").toString(), QStringLiteral("ada"));
  QVERIFY(login.header("authorization").isEmpty());
  QCOMPARE(login.header("content-type"), QByteArray("application/json"));
}

void GatewayClientTest::signIn_WrongPassword_IsUnauthenticatedWithTheGatewayMessage() {
  Captured<User> captured;
  client_->signIn("ada", "wrong", this, captured.callback());
  QVERIFY(captured.wait());
  QVERIFY(!captured.result->ok());
  QCOMPARE(captured.result->error().httpStatus, 401);
  QCOMPARE(captured.result->error().code, QStringLiteral("UNAUTHENTICATED"));
  QCOMPARE(captured.result->error().message, QStringLiteral("wrong user name or password"));
  QVERIFY(!client_->isSignedIn());
  // A failed sign-in never triggers a refresh attempt.
  QCOMPARE(gateway_->count("POST", "/api/v1/auth/refresh"), 0);
}

void GatewayClientTest::signIn_Throttled_ReportsRetryAfter() {
  gateway_->route("POST", "/api/v1/auth/login", [](const FakeRequest&) {
    return FakeResponse::error(429, "RESOURCE_EXHAUSTED", "too many attempts").withHeader("Retry-After", "30");
  });
  Captured<User> captured;
  client_->signIn("ada", "right", this, captured.callback());
  QVERIFY(captured.wait());
  QVERIFY(captured.result->error().isThrottled());
  QCOMPARE(captured.result->error().retryAfterSeconds, 30);
}

void GatewayClientTest::signIn_ThrottledUntilAnHttpDate_ReportsTheSecondsUntilThen() {
  // RFC 9110's other form of Retry-After: an IMF-fixdate, whole seconds, here 30 s ahead.
  const QByteArray until =
      QLocale::c().toString(QDateTime::currentDateTimeUtc().addSecs(30), "ddd, dd MMM yyyy HH:mm:ss 'GMT'").toLatin1();
  gateway_->route("POST", "/api/v1/auth/login", [until](const FakeRequest&) {
    return FakeResponse::error(429, "RESOURCE_EXHAUSTED", "too many attempts").withHeader("Retry-After", until);
  });
  Captured<User> captured;
  client_->signIn("ada", "right", this, captured.callback());
  QVERIFY(captured.wait());
  QVERIFY(captured.result->error().isThrottled());
  const int seconds = captured.result->error().retryAfterSeconds;
  QVERIFY2(seconds >= 25 && seconds <= 30, qPrintable(QString::number(seconds) + " for " + QString::fromLatin1(until)));
}

void GatewayClientTest::parseRetryAfter_ReadsSecondsAndHttpDates_FromNow() {
  const QDateTime now(QDate(2026, 10, 21), QTime(7, 27, 30, 250), QTimeZone::utc());
  QCOMPARE(parseRetryAfter("120", now), 120);
  QCOMPARE(parseRetryAfter(" 0 ", now), 0);
  QCOMPARE(parseRetryAfter("", now), -1);
  QCOMPARE(parseRetryAfter("-5", now), -1);
  QCOMPARE(parseRetryAfter("soon", now), -1);
  // IMF-fixdate (29.75 s ahead: rounded up, not before the time named), asctime, a numeric offset.
  QCOMPARE(parseRetryAfter("Wed, 21 Oct 2026 07:28:00 GMT", now), 30);
  QCOMPARE(parseRetryAfter("Wed Oct 21 07:28:00 2026", now), 30);
  QCOMPARE(parseRetryAfter("Wed, 21 Oct 2026 09:28:00 +0200", now), 30);
  // Days ahead are that many seconds (the console cuts a wait where it waits); a past date is now.
  QCOMPARE(parseRetryAfter("Fri, 23 Oct 2026 07:27:31 GMT", now), 2 * 86400 + 1);
  QCOMPARE(parseRetryAfter("Wed, 21 Oct 2026 07:27:00 GMT", now), 0);
  QCOMPARE(parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now), 0);
  // Not a date: a wrong day name, a month that is none.
  QCOMPARE(parseRetryAfter("Thu, 21 Oct 2026 07:28:00 GMT", now), -1);
  QCOMPARE(parseRetryAfter("Wed, 21 Okt 2026 07:28:00 GMT", now), -1);
}

void GatewayClientTest::authenticatedCall_SendsBearerToken_AnonymousCallDoesNot() {
  signInAs();
  gateway_->route("GET", "/api/v1/users", [](const FakeRequest&) { return FakeResponse::json(200, {{"users", QJsonArray{}}}); });
  Captured<Page<User>> list;
  api::listUsers(client_, {}, {}, 10, this, list.callback());
  QVERIFY(list.wait());
  QVERIFY(list.result->ok());
  QCOMPARE(gateway_->requests().constLast().header("authorization"), QByteArray("Bearer access-1"));

  ApiRequest anonymous;
  anonymous.path = QStringLiteral("/api/v1/users");
  anonymous.authenticated = false;
  bool done = false;
  client_->send(anonymous, this, [&done](const Result<ApiResponse>&) { done = true; });
  QVERIFY(QTest::qWaitFor([&] { return done; }, 5000));
  QVERIFY(gateway_->requests().constLast().header("authorization").isEmpty());
}

void GatewayClientTest::expiredAccessToken_RefreshesOnceAndRetriesTheCall() {
  signInAs();
  QString validToken = QStringLiteral("access-2");
  gateway_->route("GET", "/api/v1/users", [&validToken](const FakeRequest& request) {
    if (request.header("authorization") != "Bearer " + validToken.toUtf8()) {
      return FakeResponse::error(401, "UNAUTHENTICATED", "token expired");
    }
    return FakeResponse::json(200, {{"users", QJsonArray{userJson()}}, {"nextPageToken", "o1"}});
  });
  gateway_->route("POST", "/api/v1/auth/refresh", [](const FakeRequest& request) {
    if (request.json().value("refreshToken").toString() != QLatin1String("refresh-1")) {
      return FakeResponse::error(401, "UNAUTHENTICATED", "unknown refresh token");
    }
    return FakeResponse::json(200, {{"accessToken", "access-2"}, {"refreshToken", "refresh-2"}, {"expiresIn", "900"}});
  });
  QSignalSpy rotated(client_, &GatewayClient::refreshTokenRotated);

  Captured<Page<User>> list;
  api::listUsers(client_, {}, {}, 10, this, list.callback());
  QVERIFY(list.wait());
  QVERIFY2(list.result->ok(), describe(*list.result).constData());
  QCOMPARE(list.result->value().items.size(), 1);
  QCOMPARE(list.result->value().nextPageToken, QStringLiteral("o1"));
  QCOMPARE(gateway_->count("POST", "/api/v1/auth/refresh"), 1);
  QCOMPARE(gateway_->count("GET", "/api/v1/users"), 2);
  QCOMPARE(gateway_->requests().constLast().header("authorization"), QByteArray("Bearer access-2"));
  QCOMPARE(client_->session().refreshToken, QStringLiteral("refresh-2"));
  QCOMPARE(rotated.count(), 1);
  QCOMPARE(rotated.first().first().toString(), QStringLiteral("refresh-2"));
}

void GatewayClientTest::concurrent401s_ShareOneRefresh() {
  signInAs();
  gateway_->route("GET", "/api/v1/admin/fleet", [](const FakeRequest& request) {
    if (request.header("authorization") != "Bearer access-2") return FakeResponse::error(401, "UNAUTHENTICATED", "expired");
    return FakeResponse::json(200, {{"services", QJsonArray{}}});
  });
  gateway_->route("POST", "/api/v1/auth/refresh", [](const FakeRequest&) {
    return FakeResponse::json(200, {{"accessToken", "access-2"}, {"refreshToken", "refresh-2"}, {"expiresIn", "900"}});
  });
  int ok = 0;
  int failed = 0;
  for (int i = 0; i < 5; ++i) {
    api::fleet(client_, this, [&](const Result<QVector<FleetService>>& result) { result ? ++ok : ++failed; });
  }
  QVERIFY(QTest::qWaitFor([&] { return ok + failed == 5; }, 5000));
  QCOMPARE(ok, 5);
  QCOMPARE(gateway_->count("POST", "/api/v1/auth/refresh"), 1);
}

void GatewayClientTest::refusedRefresh_EndsSessionAndReturns401() {
  signInAs();
  gateway_->route("GET", "/api/v1/admin/fleet", [](const FakeRequest&) {
    return FakeResponse::error(401, "UNAUTHENTICATED", "expired");
  });
  gateway_->route("POST", "/api/v1/auth/refresh", [](const FakeRequest&) {
    return FakeResponse::error(401, "UNAUTHENTICATED", "refresh token reused: family revoked");
  });
  QSignalSpy expired(client_, &GatewayClient::sessionExpired);
  Captured<QVector<FleetService>> fleet;
  api::fleet(client_, this, fleet.callback());
  QVERIFY(fleet.wait());
  QVERIFY(!fleet.result->ok());
  QCOMPARE(fleet.result->error().httpStatus, 401);
  QCOMPARE(expired.count(), 1);
  QVERIFY(!client_->isSignedIn());
  QVERIFY(client_->session().refreshToken.isEmpty());
}

void GatewayClientTest::retryStill401_GivesUpAfterOneRefresh() {
  signInAs();
  gateway_->route("GET", "/api/v1/admin/fleet", [](const FakeRequest&) {
    return FakeResponse::error(401, "UNAUTHENTICATED", "still not allowed");
  });
  gateway_->route("POST", "/api/v1/auth/refresh", [](const FakeRequest&) {
    return FakeResponse::json(200, {{"accessToken", "access-2"}, {"refreshToken", "refresh-2"}, {"expiresIn", "900"}});
  });
  Captured<QVector<FleetService>> fleet;
  api::fleet(client_, this, fleet.callback());
  QVERIFY(fleet.wait());
  QCOMPARE(fleet.result->error().httpStatus, 401);
  QCOMPARE(fleet.result->error().message, QStringLiteral("still not allowed"));
  QCOMPARE(gateway_->count("POST", "/api/v1/auth/refresh"), 1);
  QCOMPARE(gateway_->count("GET", "/api/v1/admin/fleet"), 2);
}

// Like the real gateway: logout is an anonymous route, but a bearer token that does not verify
// (expired after a laptop's sleep) is refused before routing.
void GatewayClientTest::signOut_WithAnExpiredAccessToken_StillRevokesTheRefreshToken() {
  signInAs();
  QStringList revoked;
  gateway_->route("POST", "/api/v1/auth/logout", [&revoked](const FakeRequest& request) {
    if (!request.header("authorization").isEmpty()) return FakeResponse::error(401, "UNAUTHENTICATED", "token expired");
    revoked << request.json().value("refreshToken").toString();
    return FakeResponse::empty(204);
  });
  client_->signOut();
  QVERIFY(!client_->isSignedIn());
  QVERIFY(QTest::qWaitFor([&] { return !revoked.isEmpty(); }, 5000));
  QCOMPARE(revoked, QStringList{QStringLiteral("refresh-1")});
}

void GatewayClientTest::signOut_WhileARefreshIsInFlight_StaysSignedOut() {
  signInAs();
  gateway_->route("POST", "/api/v1/auth/refresh", [](const FakeRequest&) {
    FakeResponse late = FakeResponse::json(200, {{"accessToken", "access-2"}, {"refreshToken", "refresh-2"}, {"expiresIn", "900"}});
    late.delayMs = 300;
    return late;
  });
  gateway_->route("POST", "/api/v1/auth/logout", [](const FakeRequest&) { return FakeResponse::empty(204); });
  QSignalSpy rotated(client_, &GatewayClient::refreshTokenRotated);
  Captured<Done> refreshed;
  client_->refreshSession(this, refreshed.callback());
  QVERIFY(QTest::qWaitFor([&] { return gateway_->count("POST", "/api/v1/auth/refresh") == 1; }, 5000));
  client_->signOut();
  QVERIFY(refreshed.wait(200));  // whoever waited on the refresh is answered at once
  QVERIFY(!refreshed.result->ok());
  QCOMPARE(refreshed.result->error().httpStatus, 401);
  QTest::qWait(600);          // the refresh's answer arrives meanwhile
  QVERIFY(!client_->isSignedIn());
  QVERIFY(client_->session().refreshToken.isEmpty());
  QCOMPARE(rotated.count(), 0);  // nothing would be saved to the keychain for a signed-out user
}

void GatewayClientTest::rateLimitedRefresh_KeepsTheSession() {
  signInAs();
  gateway_->route("POST", "/api/v1/auth/refresh", [](const FakeRequest&) {
    return FakeResponse::error(429, "RESOURCE_EXHAUSTED", "too many requests").withHeader("Retry-After", "1");
  });
  QSignalSpy expired(client_, &GatewayClient::sessionExpired);
  Captured<Done> refreshed;
  client_->refreshSession(this, refreshed.callback());
  QVERIFY(refreshed.wait());
  QVERIFY(!refreshed.result->ok());
  QCOMPARE(refreshed.result->error().httpStatus, 429);
  QCOMPARE(expired.count(), 0);
  QCOMPARE(client_->session().refreshToken, QStringLiteral("refresh-1"));
}

void GatewayClientTest::failedRefresh_IsTriedAgainAfterRetryAfter() {
  signInAs();
  int refreshes = 0;
  gateway_->route("POST", "/api/v1/auth/refresh", [&refreshes](const FakeRequest&) {
    if (++refreshes == 1) return FakeResponse::error(503, "UNAVAILABLE", "users is unavailable").withHeader("Retry-After", "1");
    return FakeResponse::json(200, {{"accessToken", "access-2"}, {"refreshToken", "refresh-2"}, {"expiresIn", "900"}});
  });
  QSignalSpy rotated(client_, &GatewayClient::refreshTokenRotated);
  Captured<Done> refreshed;
  client_->refreshSession(this, refreshed.callback());
  QVERIFY(refreshed.wait());
  QCOMPARE(refreshed.result->error().httpStatus, 503);
  // Nobody asks again (no call meets a 401): the client does, when the gateway said it could.
  QVERIFY(QTest::qWaitFor([&] { return rotated.count() == 1; }, 5000));
  QCOMPARE(refreshes, 2);
  QCOMPARE(client_->session().accessToken, QStringLiteral("access-2"));
}

void GatewayClientTest::refreshEndedWithTheSession_TellsWhyInTheUsersLanguage() {
  const QString directory = qEnvironmentVariable("FLEETDECK_QM_DIR");
  if (directory.isEmpty()) QSKIP("FLEETDECK_QM_DIR not set (run through ctest)");
  QTranslator chinese;
  QVERIFY(chinese.load(QStringLiteral("fleetdeck_zh_CN"), directory));
  QCoreApplication::installTranslator(&chinese);
  const auto uninstall = qScopeGuard([&] { QCoreApplication::removeTranslator(&chinese); });
  gateway_->route("POST", "/api/v1/auth/refresh", [](const FakeRequest&) {
    FakeResponse late = FakeResponse::json(200, {{"accessToken", "access-2"}, {"refreshToken", "refresh-2"}, {"expiresIn", "900"}});
    late.delayMs = 300;
    return late;
  });
  gateway_->route("POST", "/api/v1/auth/logout", [](const FakeRequest&) { return FakeResponse::empty(204); });
  // Whoever waits on a refresh when its session ends is told why.
  auto interruptedBy = [&](const std::function<void()>& endTheSession) {
    signInAs();
    Captured<Done> refreshed;
    client_->refreshSession(this, refreshed.callback());
    endTheSession();
    return refreshed.wait(2000) && !refreshed.result->ok() ? refreshed.result->error().message : QString();
  };
  QCOMPARE(interruptedBy([&] { client_->signOut(); }), QStringLiteral("已退出登录。"));
  QCOMPARE(interruptedBy([&] { client_->setSession(Session{}); }), QStringLiteral("会话已被替换。"));
  QCOMPARE(interruptedBy([&] { client_->signIn("ada", "right", this, [](const Result<User>&) {}); }),
           QStringLiteral("已重新登录。"));
}

void GatewayClientTest::errorBody_FieldErrorsKeyedInCamelCase_TraceIdFromBody() {
  signInAs();
  gateway_->route("POST", "/api/v1/users", [](const FakeRequest&) {
    return FakeResponse::error(400, "INVALID_ARGUMENT", "invalid user",
                               {{"email", "must be a valid email address"},
                                {"display_name", "must not be empty"},
                                {"email", "is already taken"}});
  });
  Captured<User> created;
  api::createUser(client_, {"bob", "nope", "short", "", "customer"}, QString(), this, created.callback());
  QVERIFY(created.wait());
  const ApiError& error = created.result->error();
  QCOMPARE(error.httpStatus, 400);
  QCOMPARE(error.code, QStringLiteral("INVALID_ARGUMENT"));
  QCOMPARE(error.message, QStringLiteral("invalid user"));
  QCOMPARE(error.fieldErrors.value("email"), QStringLiteral("must be a valid email address; is already taken"));
  QCOMPARE(error.fieldErrors.value("displayName"), QStringLiteral("must not be empty"));
  QVERIFY(!error.fieldErrors.contains("display_name"));
  QCOMPARE(error.traceId, QStringLiteral("trace-in-body"));
}

void GatewayClientTest::errorBody_ReasonIsRead_EmptyWhenTheBodyHasNone() {
  signInAs();
  bool withReason = true;
  gateway_->route("GET", "/api/v1/admin/fleet", [&withReason](const FakeRequest&) {
    FakeResponse response = FakeResponse::error(503, "UNAVAILABLE", "not now");
    if (withReason) response.withErrorReason("TRACE_STORE_DISABLED");
    return response;
  });
  Captured<QVector<FleetService>> given;
  api::fleet(client_, this, given.callback());
  QVERIFY(given.wait());
  QCOMPARE(given.result->error().reason, QStringLiteral("TRACE_STORE_DISABLED"));
  QCOMPARE(given.result->error().code, QStringLiteral("UNAVAILABLE"));
  QCOMPARE(given.result->error().message, QStringLiteral("not now"));

  withReason = false;
  Captured<QVector<FleetService>> absent;
  api::fleet(client_, this, absent.callback());
  QVERIFY(absent.wait());
  QCOMPARE(absent.result->error().httpStatus, 503);
  QVERIFY2(absent.result->error().reason.isEmpty(), qPrintable(absent.result->error().reason));
}

void GatewayClientTest::errorWithoutGatewayBody_StillUsable() {
  signInAs();
  gateway_->route("GET", "/api/v1/admin/fleet", [](const FakeRequest&) {
    FakeResponse response;
    response.status = 503;
    response.body = "<html>upstream down</html>";
    return response;
  });
  Captured<QVector<FleetService>> fleet;
  api::fleet(client_, this, fleet.callback());
  QVERIFY(fleet.wait());
  const ApiError& error = fleet.result->error();
  QCOMPARE(error.httpStatus, 503);
  QCOMPARE(error.code, QStringLiteral("UNAVAILABLE"));
  QVERIFY(!error.message.isEmpty());
  QVERIFY2(error.traceId.startsWith("trace-"), qPrintable(error.traceId));  // from the X-Trace-Id header
  // An HTTP answer, even an error, means the gateway is reachable.
  QCOMPARE(client_->connection()->state(), ConnectionState::Online);
}

void GatewayClientTest::successWithNonJsonBody_IsAnError() {
  signInAs();
  gateway_->route("GET", "/api/v1/admin/fleet", [](const FakeRequest&) {
    FakeResponse response;
    response.body = "{\"services\": [";
    return response;
  });
  Captured<QVector<FleetService>> fleet;
  api::fleet(client_, this, fleet.callback());
  QVERIFY(fleet.wait());
  QVERIFY(!fleet.result->ok());
  QCOMPARE(fleet.result->error().httpStatus, 200);
  QCOMPARE(fleet.result->error().code, QStringLiteral("INTERNAL"));
}

void GatewayClientTest::gatewayDown_GoesOfflineAndCountsDown_BackOnline_AfterProbe() {
  signInAs();
  gateway_->route("GET", "/api/v1/health", [](const FakeRequest&) { return FakeResponse::json(200, {{"status", "ok"}}); });
  ConnectionMonitor* monitor = client_->connection();
  monitor->setRetryDelays(1, 4);
  QSignalSpy states(monitor, &ConnectionMonitor::stateChanged);
  QSignalSpy countdown(monitor, &ConnectionMonitor::retryCountdown);
  const quint16 port = gateway_->port();
  gateway_->stop();

  Captured<QVector<FleetService>> fleet;
  api::fleet(client_, this, fleet.callback());
  QVERIFY(fleet.wait());
  QVERIFY(fleet.result->error().isNetworkFailure());
  QCOMPARE(monitor->state(), ConnectionState::Offline);
  QVERIFY(!monitor->lastFailure().isEmpty());
  QVERIFY(countdown.count() >= 1);
  // Probes keep failing while the gateway is down: the delay grows, the state stays offline.
  QVERIFY(QTest::qWaitFor([&] { return countdown.count() >= 4; }, 8000));
  QCOMPARE(monitor->state(), ConnectionState::Offline);

  QVERIFY(gateway_->start(port));
  monitor->retryNow();
  QVERIFY(QTest::qWaitFor([&] { return monitor->state() == ConnectionState::Online; }, 10000));
  QVERIFY(gateway_->count("GET", "/api/v1/health") >= 1);
  QCOMPARE(states.constLast().first().value<ConnectionState>(), ConnectionState::Online);
}

// Qt 6.4 reports an expired transfer timeout as OperationCanceledError: the console took it for a
// cancel, said "Operation canceled" and never went offline however dead the link.
void GatewayClientTest::silentGateway_CallTimesOut_AndGoesOffline() {
  signInAs();
  gateway_->route("GET", "/api/v1/admin/fleet", [](const FakeRequest&) { return FakeResponse::json(200, {}); });
  gateway_->delayResponses("/api/v1/admin/fleet", 3000);
  ApiRequest request;
  request.path = QStringLiteral("/api/v1/admin/fleet");
  request.timeoutMs = 300;
  Captured<ApiResponse> answer;
  client_->send(request, this, answer.callback());
  QVERIFY(answer.wait());
  QVERIFY(!answer.result->ok());
  QVERIFY(answer.result->error().isNetworkFailure());
  QVERIFY2(answer.result->error().message.contains("did not answer within 0.3 s"),
           describe(*answer.result).constData());
  QCOMPARE(client_->connection()->state(), ConnectionState::Offline);
}

// The head said 200, then the connection dropped mid-body: the change may have been made, so the
// views must offer a retry ("the answer was lost"), not report that nothing changed.
void GatewayClientTest::answerCutOffAfterA2xxHead_IsALostAnswer_NotARefusal() {
  signInAs();
  gateway_->route("POST", "/api/v1/orders/(o-1):ship", [](const FakeRequest&) {
    FakeResponse response = FakeResponse::json(200, {{"id", "o-1"}, {"status", "SHIPPED"}, {"version", "4"}});
    response.cutBodyAfter = 5;
    return response;
  });
  Captured<Order> shipped;
  api::shipOrder(client_, "o-1", 3, "TRACK-1", "ship-1", this, shipped.callback());
  QVERIFY(shipped.wait());
  QVERIFY(!shipped.result->ok());
  QVERIFY2(shipped.result->error().isNetworkFailure(), describe(*shipped.result).constData());
  QVERIFY(shipped.result->error().answerMayBeLost());
}

void GatewayClientTest::updateUser_SendsIfMatchAndOnlyChangedFields_ReadsVersionFromEtag() {
  signInAs();
  gateway_->route("PATCH", "/api/v1/users/(u-1)", [](const FakeRequest& request) {
    if (request.header("if-match") != "\"7\"") return FakeResponse::error(412, "FAILED_PRECONDITION", "stale");
    QJsonObject user = userJson();
    user.insert("displayName", request.json().value("displayName"));
    user.insert("version", "8");
    return FakeResponse::json(200, user).withHeader("ETag", "\"8\"");
  });
  Captured<User> updated;
  api::updateUser(client_, "u-1", 7, {{"displayName", "Ada L."}}, this, updated.callback());
  QVERIFY(updated.wait());
  QVERIFY(updated.result->ok());
  QCOMPARE(updated.result->value().version, 8);
  QCOMPARE(gateway_->requests().constLast().json().keys(), QStringList{"displayName"});

  Captured<User> stale;
  api::updateUser(client_, "u-1", 6, {{"displayName", "Old"}}, this, stale.callback());
  QVERIFY(stale.wait());
  QVERIFY(stale.result->error().isStaleEdit());
  QCOMPARE(api::versionFromEtag("W/\"12\""), 12);
  QCOMPARE(api::versionFromEtag("\"abc\""), 0);
}

void GatewayClientTest::createUser_SendsTheIdempotencyKey_OnlyWhenGiven() {
  signInAs();
  gateway_->route("POST", "/api/v1/users", [](const FakeRequest& request) {
    return FakeResponse::json(201, {{"id", "u-9"}, {"username", request.json().value("username")}, {"version", "1"}})
        .withHeader("ETag", "\"1\"");
  });
  Captured<User> created;
  api::createUser(client_, {"bob", "bob@example.com", "a-long-password", "Bob", "customer"}, "key-user-1", this,
                  created.callback());
  QVERIFY(created.wait());
  QVERIFY2(created.result->ok(), describe(*created.result).constData());
  QCOMPARE(created.result->value().id, QStringLiteral("u-9"));
  FakeRequest sent = gateway_->requests().constLast();
  QCOMPARE(sent.path, QStringLiteral("/api/v1/users"));
  QCOMPARE(sent.header("idempotency-key"), QByteArray("key-user-1"));
  QCOMPARE(sent.json().value("username").toString(), QStringLiteral("bob"));

  Captured<User> keyless;
  api::createUser(client_, {"eve", "eve@example.com", "a-long-password", "Eve", "customer"}, QString(), this,
                  keyless.callback());
  QVERIFY(keyless.wait());
  QVERIFY(!gateway_->requests().constLast().headers.contains("idempotency-key"));
}

void GatewayClientTest::orderActions_SendIfMatchAndIdempotencyKey_OnlyWhenGiven() {
  signInAs();
  gateway_->route("POST", "/api/v1/orders/(ord-\\d+):(cancel|ship|deliver)", [](const FakeRequest& request) {
    return FakeResponse::json(200, {{"id", request.match.captured(1)}, {"status", "SHIPPED"}, {"version", "4"}});
  });
  Captured<Order> shipped;
  api::shipOrder(client_, "ord-1", 3, "1Z-1", "key-ship-1", this, shipped.callback());
  QVERIFY(shipped.wait());
  QVERIFY2(shipped.result->ok(), describe(*shipped.result).constData());
  FakeRequest sent = gateway_->requests().constLast();
  QCOMPARE(sent.path, QStringLiteral("/api/v1/orders/ord-1:ship"));
  QCOMPARE(sent.header("if-match"), QByteArray("\"3\""));
  QCOMPARE(sent.header("idempotency-key"), QByteArray("key-ship-1"));
  QCOMPARE(sent.json().value("trackingNumber").toString(), QStringLiteral("1Z-1"));

  Captured<Order> cancelled;
  api::cancelOrder(client_, "ord-2", 5, "duplicate", "key-cancel-2", this, cancelled.callback());
  QVERIFY(cancelled.wait());
  sent = gateway_->requests().constLast();
  QCOMPARE(sent.path, QStringLiteral("/api/v1/orders/ord-2:cancel"));
  QCOMPARE(sent.header("idempotency-key"), QByteArray("key-cancel-2"));
  QCOMPARE(sent.json().value("reason").toString(), QStringLiteral("duplicate"));

  // Neither condition nor key when none is given.
  Captured<Order> delivered;
  api::deliverOrder(client_, "ord-3", 0, QString(), this, delivered.callback());
  QVERIFY(delivered.wait());
  sent = gateway_->requests().constLast();
  QCOMPARE(sent.path, QStringLiteral("/api/v1/orders/ord-3:deliver"));
  QVERIFY(!sent.headers.contains("if-match"));
  QVERIFY(!sent.headers.contains("idempotency-key"));
}

void GatewayClientTest::listOrders_SendsTheDateRangeInUtcAsRfc3339_OnlyWhenSet() {
  signInAs();
  gateway_->route("GET", "/api/v1/orders", [](const FakeRequest&) {
    return FakeResponse::json(200, {{"orders", QJsonArray{}}, {"nextPageToken", ""}});
  });
  // Times from the editors are local: the gateway gets them in UTC.
  const QTimeZone utcPlusOne(3600);
  api::OrderFilter filter{"SHIPPED", "", QDateTime(QDate(2026, 1, 31), QTime(12, 0), utcPlusOne),
                          QDateTime(QDate(2026, 2, 1), QTime(0, 30, 15, 250), utcPlusOne)};
  Captured<Page<Order>> listed;
  api::listOrders(client_, filter, "o50", 50, this, listed.callback());
  QVERIFY(listed.wait());
  QVERIFY2(listed.result->ok(), describe(*listed.result).constData());
  FakeRequest sent = gateway_->requests().constLast();
  QCOMPARE(sent.queryValue("createdAfter"), QStringLiteral("2026-01-31T11:00:00.000Z"));
  QCOMPARE(sent.queryValue("createdBefore"), QStringLiteral("2026-01-31T23:30:15.250Z"));
  QCOMPARE(sent.queryValue("status"), QStringLiteral("SHIPPED"));
  QCOMPARE(sent.queryValue("pageToken"), QStringLiteral("o50"));

  // An open end is not sent.
  filter.createdBefore = {};
  Captured<Page<Order>> open;
  api::listOrders(client_, filter, "", 50, this, open.callback());
  QVERIFY(open.wait());
  sent = gateway_->requests().constLast();
  QCOMPARE(sent.queryValue("createdAfter"), QStringLiteral("2026-01-31T11:00:00.000Z"));
  QVERIFY(!sent.query.hasQueryItem("createdBefore"));
}

void GatewayClientTest::listSagas_SendsTheDateRangeInUtcAsRfc3339_OnlyWhenSet() {
  signInAs();
  gateway_->route("GET", "/api/v1/admin/sagas", [](const FakeRequest&) {
    return FakeResponse::json(200, {{"sagas", QJsonArray{}}, {"nextPageToken", ""}});
  });
  // An alert's window comes in local time: the gateway gets it in UTC.
  const QTimeZone utcPlusOne(3600);
  api::SagaFilter filter{"COMPENSATING", QDateTime(QDate(2026, 1, 31), QTime(12, 0), utcPlusOne),
                         QDateTime(QDate(2026, 2, 1), QTime(0, 30, 15, 250), utcPlusOne)};
  Captured<Page<Saga>> listed;
  api::listSagas(client_, filter, "o50", 50, this, listed.callback());
  QVERIFY(listed.wait());
  QVERIFY2(listed.result->ok(), describe(*listed.result).constData());
  FakeRequest sent = gateway_->requests().constLast();
  QCOMPARE(sent.queryValue("createdAfter"), QStringLiteral("2026-01-31T11:00:00.000Z"));
  QCOMPARE(sent.queryValue("createdBefore"), QStringLiteral("2026-01-31T23:30:15.250Z"));
  QCOMPARE(sent.queryValue("state"), QStringLiteral("COMPENSATING"));
  QCOMPARE(sent.queryValue("pageToken"), QStringLiteral("o50"));

  // No range: neither is sent.
  Captured<Page<Saga>> all;
  api::listSagas(client_, api::SagaFilter{}, "", 50, this, all.callback());
  QVERIFY(all.wait());
  sent = gateway_->requests().constLast();
  QVERIFY(!sent.query.hasQueryItem("createdAfter"));
  QVERIFY(!sent.query.hasQueryItem("createdBefore"));
  QVERIFY(!sent.query.hasQueryItem("state"));
}

void GatewayClientTest::promQuery_RoundTripsEveryCharacterOfTheQuery() {
  signInAs();
  QString seen;
  gateway_->route("GET", "/api/v1/admin/metrics/query_range", [&seen](const FakeRequest& request) {
    seen = request.queryValue("query");
    return FakeResponse::json(200, {{"status", "success"}, {"data", QJsonObject{{"resultType", "matrix"}, {"result", QJsonArray{}}}}});
  });
  const QString query = QStringLiteral("sum by (service) (rate(x_total{code=~\"5..\",a!=\"b&c\"}[1m])) + 1 / 2 % 3 # é");
  Captured<PromQueryResult> result;
  api::promQueryRange(client_, query, QDateTime::currentDateTimeUtc().addSecs(-60), QDateTime::currentDateTimeUtc(), 15, this,
                      result.callback());
  QVERIFY(result.wait());
  QVERIFY(result.result->ok());
  QCOMPARE(seen, query);
}

void GatewayClientTest::cancelledCall_NeverCallsBack() {
  signInAs();
  gateway_->route("GET", "/api/v1/admin/fleet", [](const FakeRequest&) { return FakeResponse::json(200, {{"services", QJsonArray{}}}); });
  bool called = false;
  const quint64 id = api::fleet(client_, this, [&called](const Result<QVector<FleetService>>&) { called = true; });
  client_->cancel(id);
  QTest::qWait(300);
  QVERIFY(!called);
  QCOMPARE(client_->callsInFlight(), 0);
}

void GatewayClientTest::destroyedContext_DropsTheCallback() {
  signInAs();
  gateway_->route("GET", "/api/v1/admin/fleet", [](const FakeRequest&) { return FakeResponse::json(200, {{"services", QJsonArray{}}}); });
  bool called = false;
  auto* context = new QObject;
  api::fleet(client_, context, [&called](const Result<QVector<FleetService>>&) { called = true; });
  delete context;
  QVERIFY(QTest::qWaitFor([&] { return client_->callsInFlight() == 0; }, 5000));
  QVERIFY(!called);
}

void GatewayClientTest::int64AndTimestamps_ParsedFromProto3Json() {
  const User user = User::fromJson(userJson());
  QCOMPARE(user.version, 7);
  QVERIFY(user.createTime.isValid());
  QCOMPARE(user.createTime.time().msec(), 123);
  QCOMPARE(jsonInt64(QJsonValue(QStringLiteral("9007199254740993"))), Q_INT64_C(9007199254740993));
  QCOMPARE(jsonInt64(QJsonValue(QStringLiteral("x")), -1), -1);
  QCOMPARE((Money{"EUR", 123456}.format()), QStringLiteral("1,234.56 EUR"));
  QCOMPARE((Money{"JPY", 1500}.format()), QStringLiteral("1,500 JPY"));
  QCOMPARE((Money{"EUR", -5}.format()), QStringLiteral("-0.05 EUR"));
  QCOMPARE(toLowerCamelCase("next_page_token"), QStringLiteral("nextPageToken"));
}

void GatewayClientTest::rebuild_ReadsTheRebuildMessage_Int64AsStringsOrNumbers() {
  signInAs("admin");
  // What the orders service's Rebuild looks like through the gateway (proto3 JSON, lowerCamelCase).
  const QString id = QStringLiteral("0b7f6f2e-3c1a-4e55-9d7e-2f4c8a1b9e10");
  gateway_->route("POST", "/api/v1/admin/projections/orders:rebuild", [id](const FakeRequest&) {
    return FakeResponse::json(202, {{"id", id}, {"projection", "orders"}, {"state", "RUNNING"}, {"processedEvents", "0"},
                                    {"totalEvents", "9007199254740993"}, {"differences", QJsonArray{}},
                                    {"differenceCount", "0"}, {"error", ""}});
  });
  Captured<RebuildReport> started;
  api::startOrdersRebuild(client_, this, started.callback());
  QVERIFY(started.wait());
  QVERIFY2(started.result->ok(), describe(*started.result).constData());
  QCOMPARE(started.result->value().rebuildId, id);
  QVERIFY(!started.result->value().done);
  QCOMPARE(started.result->value().total, Q_INT64_C(9007199254740993));

  // Numbers are read as well as strings; only the first differences are listed, all are counted.
  gateway_->route("GET", "/api/v1/admin/projections/rebuilds/(.+)", [](const FakeRequest&) {
    return FakeResponse::json(200, {{"id", "other"}, {"state", "DONE"}, {"processedEvents", 1200}, {"totalEvents", 1200},
                                    {"differences", QJsonArray{QJsonObject{{"orderId", "o-1"}, {"field", "status"},
                                                                           {"live", "CONFIRMED"}, {"rebuilt", "CANCELLED"}}}},
                                    {"differenceCount", 1500}, {"error", ""}});
  });
  Captured<RebuildReport> done;
  api::getRebuild(client_, id, this, done.callback());
  QVERIFY(done.wait());
  QVERIFY2(done.result->ok(), describe(*done.result).constData());
  const RebuildReport report = done.result->value();
  QVERIFY(report.done);
  QVERIFY(!report.failed());
  QCOMPARE(report.processed, 1200);
  QCOMPARE(report.total, 1200);
  QCOMPARE(report.differenceCount, 1500);
  QCOMPARE(report.differences.size(), 1);
  QCOMPARE(report.differences.first().rebuilt, QStringLiteral("CANCELLED"));

  gateway_->route("GET", "/api/v1/admin/projections/rebuilds/(.+)", [id](const FakeRequest&) {
    return FakeResponse::json(200, {{"id", id}, {"state", "FAILED"}, {"processedEvents", "7"}, {"totalEvents", "40"},
                                    {"differenceCount", "0"}, {"error", "event 8 of order o-3 does not decode"}});
  });
  Captured<RebuildReport> failed;
  api::getRebuild(client_, id, this, failed.callback());
  QVERIFY(failed.wait());
  QVERIFY(failed.result->ok());
  QVERIFY(failed.result->value().done);
  QVERIFY(failed.result->value().failed());
  QCOMPARE(failed.result->value().error, QStringLiteral("event 8 of order o-3 does not decode"));

  // Without a state it cannot be told whether it still runs: an error, not a finished rebuild.
  gateway_->route("GET", "/api/v1/admin/projections/rebuilds/(.+)", [id](const FakeRequest&) {
    return FakeResponse::json(200, {{"id", id}, {"processedEvents", "0"}, {"totalEvents", "40"}});
  });
  Captured<RebuildReport> stateless;
  api::getRebuild(client_, id, this, stateless.callback());
  QVERIFY(stateless.wait());
  QVERIFY(!stateless.result->ok());

  // The stream's replay.progress, in the Rebuild's names or the older ones.
  const ReplayProgress progress = ReplayProgress::fromJson(
      {{"id", id}, {"state", "RUNNING"}, {"processedEvents", "5"}, {"totalEvents", "10"}});
  QCOMPARE(progress.rebuildId, id);
  QCOMPARE(progress.processed, 5);
  QCOMPARE(progress.total, 10);
  QVERIFY(!progress.done);
  QVERIFY(ReplayProgress::fromJson({{"id", id}, {"state", "FAILED"}}).done);
  QVERIFY(ReplayProgress::fromJson({{"rebuildId", id}, {"done", true}}).done);
}

namespace {

PromAlert paymentsAlert() {
  return PromAlert::fromJson({{"labels", QJsonObject{{"alertname", "PaymentsErrorRateHigh"}, {"severity", "critical"},
                                                      {"service", "payments"}}},
                              {"state", "firing"}, {"activeAt", "2024-05-01T10:00:00Z"}});
}

QJsonObject acknowledgementJson(const QString& comment) {
  return {{"alertname", "PaymentsErrorRateHigh"},
          {"labels", QJsonObject{{"alertname", "PaymentsErrorRateHigh"}, {"severity", "critical"}, {"service", "payments"}}},
          {"by", QJsonObject{{"userId", "u-2"}, {"username", "grace"}}},
          {"at", "2024-05-01T10:04:31.123456789Z"},
          {"comment", comment}};
}

}  // namespace

void GatewayClientTest::acknowledgeAlert_SendsNameFullLabelsAndComment_ParsesTheAnswer() {
  signInAs("operator");
  gateway_->route("POST", "/api/v1/admin/alerts:acknowledge", [](const FakeRequest& request) {
    return FakeResponse::json(200, acknowledgementJson(request.json().value("comment").toString()));
  });
  Captured<AlertAcknowledgement> captured;
  api::acknowledgeAlert(client_, paymentsAlert(), "provider incident, on it", this, captured.callback());
  QVERIFY(captured.wait());
  QVERIFY2(captured.result->ok(), describe(*captured.result).constData());

  const FakeRequest sent = gateway_->requests().constLast();
  QCOMPARE(sent.method, QByteArray("POST"));
  QCOMPARE(sent.path, QStringLiteral("/api/v1/admin/alerts:acknowledge"));
  QCOMPARE(sent.header("authorization"), QByteArray("Bearer access-1"));
  QCOMPARE(sent.json().value("alertname").toString(), QStringLiteral("PaymentsErrorRateHigh"));
  // The full label set, as /admin/alerts listed it: the gateway keys acknowledgements by it.
  QCOMPARE(sent.json().value("labels").toObject(),
           (QJsonObject{{"alertname", "PaymentsErrorRateHigh"}, {"severity", "critical"}, {"service", "payments"}}));
  QCOMPARE(sent.json().value("comment").toString(), QStringLiteral("provider incident, on it"));

  const AlertAcknowledgement& acknowledgement = captured.result->value();
  QCOMPARE(acknowledgement.alertname, QStringLiteral("PaymentsErrorRateHigh"));
  QCOMPARE(acknowledgement.byUserId, QStringLiteral("u-2"));
  QCOMPARE(acknowledgement.byUsername, QStringLiteral("grace"));
  QCOMPARE(acknowledgement.at, QDateTime(QDate(2024, 5, 1), QTime(10, 4, 31, 123), Qt::UTC));
  QCOMPARE(acknowledgement.comment, QStringLiteral("provider incident, on it"));
  QCOMPARE(acknowledgement.alertKey(), paymentsAlert().key());
}

void GatewayClientTest::acknowledgeAlert_FieldErrorAndNotFound_AreErrors() {
  signInAs("operator");
  gateway_->route("POST", "/api/v1/admin/alerts:acknowledge", [](const FakeRequest& request) {
    if (request.json().value("comment").toString().size() > 500) {
      return FakeResponse::error(400, "INVALID_ARGUMENT", "invalid request", {{"comment", "must be at most 500 characters"}});
    }
    return FakeResponse::error(404, "NOT_FOUND", "no active alert PaymentsErrorRateHigh with these labels");
  });
  Captured<AlertAcknowledgement> tooLong;
  api::acknowledgeAlert(client_, paymentsAlert(), QString(501, QLatin1Char('x')), this, tooLong.callback());
  QVERIFY(tooLong.wait());
  QVERIFY(!tooLong.result->ok());
  QCOMPARE(tooLong.result->error().httpStatus, 400);
  QCOMPARE(tooLong.result->error().fieldErrors.value("comment"), QStringLiteral("must be at most 500 characters"));

  Captured<AlertAcknowledgement> resolved;
  api::acknowledgeAlert(client_, paymentsAlert(), QString(), this, resolved.callback());
  QVERIFY(resolved.wait());
  QCOMPARE(resolved.result->error().httpStatus, 404);
  QCOMPARE(resolved.result->error().code, QStringLiteral("NOT_FOUND"));

  // A 200 that is not an acknowledgement is not taken for one.
  gateway_->route("POST", "/api/v1/admin/alerts:acknowledge", [](const FakeRequest&) { return FakeResponse::json(200, {}); });
  Captured<AlertAcknowledgement> empty;
  api::acknowledgeAlert(client_, paymentsAlert(), QString(), this, empty.callback());
  QVERIFY(empty.wait());
  QVERIFY(!empty.result->ok());
}

void GatewayClientTest::unacknowledgeAlert_SendsTheIdentityOnly_AcceptsNoContent() {
  signInAs("operator");
  gateway_->route("POST", "/api/v1/admin/alerts:unacknowledge", [](const FakeRequest&) { return FakeResponse::empty(204); });
  Captured<Done> captured;
  api::unacknowledgeAlert(client_, paymentsAlert(), this, captured.callback());
  QVERIFY(captured.wait());
  QVERIFY2(captured.result->ok(), describe(*captured.result).constData());
  const FakeRequest sent = gateway_->requests().constLast();
  QCOMPARE(sent.path, QStringLiteral("/api/v1/admin/alerts:unacknowledge"));
  QCOMPARE(sent.json().keys(), (QStringList{"alertname", "labels"}));
  QCOMPARE(sent.json().value("labels").toObject().value("service").toString(), QStringLiteral("payments"));
}

void GatewayClientTest::alertAcknowledgements_ParsesTheList_JoinKeyMatchesTheAlerts() {
  signInAs("operator");
  gateway_->route("GET", "/api/v1/admin/alerts/acknowledgements", [](const FakeRequest&) {
    QJsonObject withoutAlertname = acknowledgementJson("");
    // The contract lets the labels leave alertname out; the key must still match the alert's.
    withoutAlertname.insert("labels", QJsonObject{{"severity", "critical"}, {"service", "payments"}});
    QJsonObject other = acknowledgementJson("other");
    other.insert("labels", QJsonObject{{"alertname", "PaymentsErrorRateHigh"}, {"severity", "critical"}, {"service", "orders"}});
    return FakeResponse::json(200, {{"acknowledgements", QJsonArray{withoutAlertname, other, "not an object"}}});
  });
  Captured<QVector<AlertAcknowledgement>> captured;
  api::alertAcknowledgements(client_, this, captured.callback());
  QVERIFY(captured.wait());
  QVERIFY2(captured.result->ok(), describe(*captured.result).constData());
  const QVector<AlertAcknowledgement>& list = captured.result->value();
  QCOMPARE(list.size(), 2);
  QCOMPARE(list[0].alertKey(), paymentsAlert().key());
  QVERIFY(list[0].comment.isEmpty());
  QVERIFY(list[1].alertKey() != paymentsAlert().key());
  QCOMPARE(gateway_->requests().constLast().method, QByteArray("GET"));
}

void GatewayClientTest::fleetInstance_ReadsReadinessStatusErrorPrometheusUpAndCheckStatus() {
  // As services/gateway/domain/fleet_health.cpp (fleetJson) writes them: one instance whose admin
  // port does not answer, one ready with a non-critical check down, one never polled, no Prometheus.
  const QByteArray body = R"({"services":[{"name":"payments","status":"degraded","instances":[
    {"instanceId":"payments-a","version":"0.1.0","grpcAddress":"127.0.0.1:9101","adminAddress":"127.0.0.1:9201",
     "startTime":"2026-01-31T12:00:00Z","lastHeartbeat":"2026-01-31T12:10:00Z","status":"down",
     "readiness":{"checks":{},"status":"unreachable","error":"connect: connection refused"},
     "breakers":[],"uptimeSeconds":600.5,"prometheusUp":false},
    {"instanceId":"payments-b","version":"0.1.0","grpcAddress":"127.0.0.1:9102","adminAddress":"127.0.0.1:9202",
     "startTime":"2026-01-31T12:00:00Z","lastHeartbeat":"2026-01-31T12:10:00Z","status":"degraded",
     "readiness":{"checks":{"postgres":{"status":"up","latencyMs":1.5,"critical":true},
                            "wallet-cache":{"status":"down","latencyMs":0.2,"critical":false,"error":"redis: refused"}},
                  "status":"degraded"},
     "breakers":[],"uptimeSeconds":600.5,"prometheusUp":true},
    {"instanceId":"payments-c","version":"0.1.0","grpcAddress":"","adminAddress":"","startTime":"","lastHeartbeat":"",
     "status":"up","readiness":{"status":"unknown","checks":{}},"breakers":[],"prometheusUp":null}]}]})";
  const QVector<FleetService> services = [&] {
    QVector<FleetService> parsed;
    for (const QJsonValue& service : QJsonDocument::fromJson(body).object().value("services").toArray()) {
      parsed.append(FleetService::fromJson(service.toObject()));
    }
    return parsed;
  }();
  QCOMPARE(services.size(), 1);
  const QVector<FleetInstance>& instances = services.first().instances;
  QCOMPARE(instances.size(), 3);
  QCOMPARE(instances[0].readinessStatus, QStringLiteral("unreachable"));
  QCOMPARE(instances[0].readinessError, QStringLiteral("connect: connection refused"));
  QCOMPARE(instances[0].prometheusUp, std::optional<bool>(false));
  QVERIFY(instances[0].checks.isEmpty());
  QCOMPARE(instances[1].readinessStatus, QStringLiteral("degraded"));
  QVERIFY(instances[1].readinessError.isEmpty());
  QCOMPARE(instances[1].prometheusUp, std::optional<bool>(true));
  QCOMPARE(instances[1].checks.size(), 2);
  const ReadinessCheck& cache = instances[1].checks[0].name == "wallet-cache" ? instances[1].checks[0] : instances[1].checks[1];
  QCOMPARE(cache.status, QStringLiteral("down"));
  QCOMPARE(cache.error, QStringLiteral("redis: refused"));
  QVERIFY(!cache.critical);
  QCOMPARE(instances[2].readinessStatus, QStringLiteral("unknown"));
  QVERIFY(!instances[2].prometheusUp.has_value());  // null: no Prometheus
}

void GatewayClientTest::alertEvent_AcknowledgementIsNullOrTheObject() {
  QJsonObject event{{"alertname", "PaymentsErrorRateHigh"}, {"state", "firing"}, {"severity", "critical"},
                    {"labels", QJsonObject{{"alertname", "PaymentsErrorRateHigh"}, {"severity", "critical"}, {"service", "payments"}}},
                    {"annotations", QJsonObject{}}, {"activeAt", "2024-05-01T10:00:00Z"}, {"acknowledgement", QJsonValue::Null}};
  const PromAlert unacknowledged = PromAlert::fromJson(event);
  QVERIFY(!unacknowledged.acknowledgement.has_value());
  QCOMPARE(unacknowledged.key(), paymentsAlert().key());

  event.insert("acknowledgement", acknowledgementJson("looking"));
  const PromAlert acknowledged = PromAlert::fromJson(event);
  QVERIFY(acknowledged.acknowledgement.has_value());
  QCOMPARE(acknowledged.acknowledgement->byUsername, QStringLiteral("grace"));
  QCOMPARE(acknowledged.acknowledgement->comment, QStringLiteral("looking"));
  QCOMPARE(acknowledged.acknowledgement->alertKey(), acknowledged.key());

  // Prometheus' own list has no such field.
  QVERIFY(!paymentsAlert().acknowledgement.has_value());
}

void GatewayClientTest::deadLetters_ListReadsEveryField_ReplaySendsTheConsumerOrTheSequenceAsANumber() {
  signInAs("operator");
  // As the gateway writes it (boost::json): numbers as numbers; the event fields only when the
  // envelope decoded.
  const QByteArray listed = R"({"deadLetters":[
      {"sequence":17,"consumer":"payments-users","reason":"handler failed 5 times:\nINVALID_ARGUMENT","subject":"fleetdeck.users.UserRegistered",
       "stream":"FLEETDECK_USERS","msgId":"evt-17","deliveries":5,"sizeBytes":412,"bodyDropped":false,"replayed":true,
       "eventId":"0b5c2f4e","eventType":"UserRegistered","aggregateId":"u-0042","occurredAt":"2024-05-01T10:00:00.123456Z",
       "traceId":"7d2c1e9a0b3f4a5c8e6d2b1a0f9e8d7c"},
      {"sequence":31,"consumer":"payments-users","reason":"poison","subject":"fleetdeck.users.UserRegistered","stream":"FLEETDECK_USERS",
       "msgId":"","deliveries":1,"sizeBytes":0,"bodyDropped":true,"replayed":false}],"total":9})";
  gateway_->route("GET", "/api/v1/admin/dead-letters", [listed](const FakeRequest&) {
    FakeResponse response = FakeResponse::json(200, {});
    response.body = listed;
    return response;
  });
  Captured<DeadLetterList> list;
  api::listDeadLetters(client_, "payments-users", 9999, this, list.callback());
  QVERIFY(list.wait());
  QVERIFY2(list.result->ok(), describe(*list.result).constData());
  const FakeRequest asked = gateway_->requests().constLast();
  QCOMPARE(asked.queryValue("consumer"), QStringLiteral("payments-users"));
  QCOMPARE(asked.queryValue("limit"), QStringLiteral("500"));  // capped at what the gateway takes
  const DeadLetterList& letters = list.result->value();
  QCOMPARE(letters.total, qint64(9));
  QCOMPARE(letters.letters.size(), 2);
  const DeadLetter& first = letters.letters[0];
  QCOMPARE(first.sequence, qint64(17));
  QCOMPARE(first.consumer, QStringLiteral("payments-users"));
  QCOMPARE(first.reason, QStringLiteral("handler failed 5 times:\nINVALID_ARGUMENT"));
  QCOMPARE(first.subject, QStringLiteral("fleetdeck.users.UserRegistered"));
  QCOMPARE(first.stream, QStringLiteral("FLEETDECK_USERS"));
  QCOMPARE(first.msgId, QStringLiteral("evt-17"));
  QCOMPARE(first.deliveries, qint64(5));
  QCOMPARE(first.sizeBytes, qint64(412));
  QVERIFY(first.replayed);
  QVERIFY(!first.bodyDropped);
  QCOMPARE(first.eventId, QStringLiteral("0b5c2f4e"));
  QCOMPARE(first.eventType, QStringLiteral("UserRegistered"));
  QCOMPARE(first.aggregateId, QStringLiteral("u-0042"));
  QCOMPARE(first.occurredAt, QDateTime(QDate(2024, 5, 1), QTime(10, 0, 0, 123), Qt::UTC));
  QCOMPARE(first.traceId, QStringLiteral("7d2c1e9a0b3f4a5c8e6d2b1a0f9e8d7c"));
  QVERIFY(letters.letters[1].bodyDropped);
  QVERIFY(letters.letters[1].eventType.isEmpty());

  signInAs("admin");
  gateway_->route("POST", "/api/v1/admin/dead-letters:replay", [](const FakeRequest& request) {
    return FakeResponse::json(200, {{"replayed", request.json().contains("sequence") ? 1 : 3}});
  });
  Captured<int> one;
  api::replayDeadLetter(client_, 17, this, one.callback());
  QVERIFY(one.wait());
  QCOMPARE(one.result->value(), 1);
  // The gateway refuses a string here: the sequence goes as a JSON number.
  QCOMPARE(gateway_->requests().constLast().body, QByteArray(R"({"sequence":17})"));
  Captured<int> all;
  api::replayDeadLetters(client_, "payments-users", this, all.callback());
  QVERIFY(all.wait());
  QCOMPARE(all.result->value(), 3);
  QCOMPARE(gateway_->requests().constLast().json(), (QJsonObject{{"consumer", "payments-users"}}));

  // Refusals stay errors; a 200 that does not say how many is not taken for a replay.
  gateway_->route("POST", "/api/v1/admin/dead-letters:replay", [](const FakeRequest& request) {
    if (request.json().contains("sequence")) return FakeResponse::error(409, "FAILED_PRECONDITION", "kept without its body");
    return FakeResponse::json(200, {});
  });
  Captured<int> refused;
  api::replayDeadLetter(client_, 31, this, refused.callback());
  QVERIFY(refused.wait());
  QCOMPARE(refused.result->error().httpStatus, 409);
  Captured<int> unclear;
  api::replayDeadLetters(client_, "payments-users", this, unclear.callback());
  QVERIFY(unclear.wait());
  QVERIFY(!unclear.result->ok());
}

QTEST_GUILESS_MAIN(GatewayClientTest)
#include "tst_gateway_client.moc"
