// The live stream: SseParser on hand-made byte sequences (split lines, CRLF across chunks, comments,
// ids, retry), and EventStream against a fake gateway (typed events, heartbeats, reconnect with
// Last-Event-ID and growing backoff, refresh on 401).
#include <QSignalSpy>
#include <QTest>
#include <QTimer>

#include "client/connection_monitor.h"
#include "client/event_stream.h"
#include "client/gateway_client.h"
#include "client/sse_parser.h"
#include "fakes/fake_gateway.h"

using namespace fleetdeck::console;
using namespace fleetdeck::console::testing;

class EventStreamTest : public QObject {
  Q_OBJECT

 private slots:
  void parser_AssemblesEventsFromArbitraryChunks();
  void parser_HandlesCrLfSplitAcrossChunks();
  void parser_MultiLineDataCommentsAndDefaults();
  void parser_IdPersistsAcrossEvents_RetryNeedsDigits();
  void parser_IgnoresEventWithoutData_AndLeadingBom();
  void parser_IdOfAnEventCutOffIsNotTakenOver();
  void parser_ALineOrEventOverTheLimit_IsDroppedAndFlagged();

  void stream_DeliversTypedEventsAndHeartbeats();
  void stream_Reconnects_WithLastEventId_AfterTheServerDropsIt();
  void stream_BacksOffWhileTheGatewayIsDown_ThenResumes();
  void stream_On401_RefreshesAndReconnects();
  void stream_RefreshFailingWhileUsersAreDown_IsTriedAgain_TheStreamOpensOnceTheyAreBack();
  void stream_MalformedData_IsReportedNotDelivered();
  void stream_EventCutOffByADrop_IsAskedForAgain();
  void stream_AcceptedThenEndedAtOnce_KeepsBackingOff();
  void stream_SilentForItsIdleTimeout_ReportsTheGatewayUnreachable();
  void stream_AHugeRetryField_IsHeldToTheBackoffCap();

 private:
  struct Fixture {
    FakeGateway gateway;
    GatewayClient client;
    EventStream* stream = nullptr;
    QString access = QStringLiteral("access-1");
    Fixture() {
      gateway.start();
      client.setBaseUrl(gateway.url());
      Session session;
      session.accessToken = access;
      session.refreshToken = QStringLiteral("refresh-1");
      client.setSession(session);
      gateway.route("GET", "/api/v1/admin/stream", [this](const FakeRequest& request) {
        if (request.header("authorization") != "Bearer " + access.toUtf8()) {
          return FakeResponse::error(401, "UNAUTHENTICATED", "expired");
        }
        FakeResponse response;
        response.eventStream = true;
        return response;
      });
      stream = new EventStream(&client, &client);
      stream->setBackoff(50, 400);
    }
  };
};

void EventStreamTest::parser_AssemblesEventsFromArbitraryChunks() {
  const QByteArray wire = "id: 7\nevent: saga.step\ndata: {\"sagaId\":\"s1\"}\n\n"
                          "event: order.event\ndata: {\"orderId\":\"o1\"}\n\n";
  // Every split point must give the same two events.
  for (int split = 0; split <= wire.size(); ++split) {
    SseParser parser;
    QList<SseEvent> events = parser.feed(wire.left(split));
    events += parser.feed(wire.mid(split));
    QCOMPARE(events.size(), 2);
    QCOMPARE(events[0].type, QStringLiteral("saga.step"));
    QCOMPARE(events[0].data, QStringLiteral("{\"sagaId\":\"s1\"}"));
    QCOMPARE(events[0].id, QStringLiteral("7"));
    QCOMPARE(events[1].type, QStringLiteral("order.event"));
    QCOMPARE(events[1].id, QStringLiteral("7"));  // ids persist until replaced
  }
}

void EventStreamTest::parser_HandlesCrLfSplitAcrossChunks() {
  SseParser parser;
  QList<SseEvent> events = parser.feed("data: a\r");
  events += parser.feed("\ndata: b\r");
  events += parser.feed("\n\r");
  events += parser.feed("\n");
  QCOMPARE(events.size(), 1);
  QCOMPARE(events[0].data, QStringLiteral("a\nb"));
  // A lone CR also ends a line.
  events = parser.feed("data: c\r\r");
  QCOMPARE(events.size(), 1);
  QCOMPARE(events[0].data, QStringLiteral("c"));
}

void EventStreamTest::parser_MultiLineDataCommentsAndDefaults() {
  SseParser parser;
  const QList<SseEvent> events = parser.feed(":hb\ndata:no-space\ndata:  two spaces\ndata\n\n:hb\n");
  QCOMPARE(parser.commentCount(), 2);
  QCOMPARE(events.size(), 1);
  QCOMPARE(events[0].type, QStringLiteral("message"));
  QCOMPARE(events[0].data, QStringLiteral("no-space\n two spaces\n"));
}

void EventStreamTest::parser_IdPersistsAcrossEvents_RetryNeedsDigits() {
  SseParser parser;
  parser.feed("retry: 2500\nid: 41\ndata: x\n\n");
  QCOMPARE(parser.retryMs(), 2500);
  QCOMPARE(parser.lastEventId(), QStringLiteral("41"));
  parser.feed("retry: 3s\ndata: y\n\n");
  QCOMPARE(parser.retryMs(), 2500);
  parser.reset();
  QCOMPARE(parser.lastEventId(), QStringLiteral("41"));  // survives a reconnect
  parser.feed("id\ndata: z\n\n");
  QCOMPARE(parser.lastEventId(), QString());
}

void EventStreamTest::parser_IgnoresEventWithoutData_AndLeadingBom() {
  SseParser parser;
  QList<SseEvent> events = parser.feed("\xEF\xBB\xBF" "event: alert\n\nevent: x\nunknown: 1\ndata: 1\n\n");
  QCOMPARE(events.size(), 1);
  QCOMPARE(events[0].type, QStringLiteral("x"));
}

void EventStreamTest::parser_IdOfAnEventCutOffIsNotTakenOver() {
  SseParser parser;
  parser.feed("id: 7\ndata: x\n\n");
  QCOMPARE(parser.lastEventId(), QStringLiteral("7"));
  const QList<SseEvent> partial = parser.feed("id: 8\ndata: y\n");
  QVERIFY(partial.isEmpty());
  QCOMPARE(parser.lastEventId(), QStringLiteral("7"));  // event 8 has not arrived whole yet
  parser.reset();                                       // the connection dropped here
  QCOMPARE(parser.lastEventId(), QStringLiteral("7"));
  const QList<SseEvent> next = parser.feed("data: z\n\n");
  QCOMPARE(next.size(), 1);
  QCOMPARE(next[0].id, QStringLiteral("7"));  // not the cut-off event's 8
  parser.feed("id: 9\n\n");                  // an id alone, without data, still counts (WHATWG)
  QCOMPARE(parser.lastEventId(), QStringLiteral("9"));
}

void EventStreamTest::stream_DeliversTypedEventsAndHeartbeats() {
  Fixture f;
  QSignalSpy steps(f.stream, &EventStream::sagaStep);
  QSignalSpy orders(f.stream, &EventStream::orderEvent);
  QSignalSpy fleet(f.stream, &EventStream::fleetChange);
  QSignalSpy alerts(f.stream, &EventStream::alert);
  QSignalSpy progress(f.stream, &EventStream::replayProgress);
  QSignalSpy heartbeats(f.stream, &EventStream::heartbeat);
  f.stream->start();
  QVERIFY(QTest::qWaitFor([&] { return f.stream->state() == EventStream::State::Open && f.gateway.openStreams() == 1; }, 5000));
  QCOMPARE(f.gateway.requests().constLast().header("accept"), QByteArray("text/event-stream"));
  QVERIFY(f.gateway.requests().constLast().header("last-event-id").isEmpty());

  f.gateway.pushEvent("saga.step", {{"sagaId", "s1"}, {"orderId", "o1"}, {"step", "Charge"}, {"state", "failed"},
                                    {"attempt", 3}, {"error", "declined"}, {"time", "2024-01-01T00:00:00Z"}});
  f.gateway.pushEvent("order.event", {{"orderId", "o1"}, {"version", "2"}, {"type", "OrderCancelled"}});
  f.gateway.pushEvent("fleet.change", {{"service", "payments"}, {"instance", "payments-1"}, {"status", "down"}});
  f.gateway.pushEvent("alert", {{"alertname", "X"}, {"state", "firing"}, {"severity", "critical"},
                                {"labels", QJsonObject{{"service", "payments"}}}});
  f.gateway.pushEvent("replay.progress", {{"rebuildId", "rb"}, {"processed", "5"}, {"total", "10"}, {"done", false}});
  f.gateway.pushComment("hb");
  QVERIFY(QTest::qWaitFor([&] { return heartbeats.count() >= 1 && progress.count() == 1; }, 5000));
  QCOMPARE(steps.count(), 1);
  const auto step = steps.first().first().value<SagaStepEvent>();
  QCOMPARE(step.attempt, 3);
  QCOMPARE(step.state, QStringLiteral("failed"));
  QCOMPARE(orders.first().first().value<OrderEventNotice>().version, 2);
  QCOMPARE(fleet.first().first().value<FleetChange>().status, QStringLiteral("down"));
  const auto alert = alerts.first().first().value<PromAlert>();
  QCOMPARE(alert.name, QStringLiteral("X"));
  QCOMPARE(alert.labels.value("service"), QStringLiteral("payments"));
  QCOMPARE(progress.first().first().value<ReplayProgress>().total, 10);
  QCOMPARE(f.stream->lastEventId(), QStringLiteral("5"));
}

// A proxy streaming bytes without line ends grew the parser's buffer for ever.
void EventStreamTest::parser_ALineOrEventOverTheLimit_IsDroppedAndFlagged() {
  SseParser parser;
  QVERIFY(parser.feed(QByteArray(SseParser::kMaxEventBytes + 1, 'x')).isEmpty());
  QVERIFY(parser.overflowed());
  parser.reset();
  QVERIFY(!parser.overflowed());
  QCOMPARE(parser.feed("data: fine\n\n").size(), 1);

  // Many short data lines of one event that never ends count too.
  const QByteArray line = "data: " + QByteArray(1000, 'y') + "\n";
  for (int i = 0; i < 1100 && !parser.overflowed(); ++i) parser.feed(line);
  QVERIFY(parser.overflowed());
}

void EventStreamTest::stream_Reconnects_WithLastEventId_AfterTheServerDropsIt() {
  Fixture f;
  QSignalSpy opened(&f.gateway, &FakeGateway::streamOpened);
  QSignalSpy orders(f.stream, &EventStream::orderEvent);
  f.stream->start();
  QVERIFY(QTest::qWaitFor([&] { return f.gateway.openStreams() == 1; }, 5000));
  f.gateway.pushEvent("order.event", {{"orderId", "o1"}, {"version", "1"}, {"type", "OrderCreated"}}, "evt-41");
  f.gateway.pushEvent("order.event", {{"orderId", "o1"}, {"version", "2"}, {"type", "OrderConfirmed"}}, "evt-42");
  QVERIFY(QTest::qWaitFor([&] { return orders.count() == 2; }, 5000));

  f.gateway.dropStreams();
  QVERIFY(QTest::qWaitFor([&] { return opened.count() == 2; }, 5000));
  QCOMPARE(opened.at(1).first().toByteArray(), QByteArray("evt-42"));
  QVERIFY(QTest::qWaitFor([&] { return f.stream->state() == EventStream::State::Open; }, 5000));
  f.gateway.pushEvent("order.event", {{"orderId", "o1"}, {"version", "3"}, {"type", "OrderShipped"}}, "evt-43");
  QVERIFY(QTest::qWaitFor([&] { return orders.count() == 3; }, 5000));
}

void EventStreamTest::stream_BacksOffWhileTheGatewayIsDown_ThenResumes() {
  Fixture f;
  QSignalSpy scheduled(f.stream, &EventStream::reconnectScheduled);
  QSignalSpy opened(&f.gateway, &FakeGateway::streamOpened);
  f.stream->start();
  QVERIFY(QTest::qWaitFor([&] { return f.gateway.openStreams() == 1; }, 5000));
  f.gateway.pushEvent("order.event", {{"orderId", "o1"}, {"version", "1"}, {"type", "OrderCreated"}}, "evt-9");
  QTest::qWait(100);
  const quint16 port = f.gateway.port();
  f.gateway.stop();
  QVERIFY(QTest::qWaitFor([&] { return scheduled.count() >= 4; }, 8000));
  // Delays grow (50, 100, 200, 400 ms plus up to 20% jitter) and stop at the cap.
  QList<int> delays;
  for (const QList<QVariant>& args : scheduled) delays << args.first().toInt();
  QVERIFY2(delays[1] >= 100 && delays[2] >= 200 && delays[3] >= 400, qPrintable(QString::number(delays[3])));
  for (int delay : delays) QVERIFY(delay <= 400 * 6 / 5);

  QVERIFY(f.gateway.start(port));
  QVERIFY(QTest::qWaitFor([&] { return f.stream->state() == EventStream::State::Open; }, 5000));
  QCOMPARE(opened.constLast().first().toByteArray(), QByteArray("evt-9"));
  // A delivered event resets the backoff for the next failure.
  f.gateway.pushEvent("order.event", {{"orderId", "o1"}, {"version", "2"}, {"type", "OrderConfirmed"}});
  QVERIFY(QTest::qWaitFor([&] { return f.stream->nextDelayMs() == 50; }, 5000));
}

void EventStreamTest::stream_On401_RefreshesAndReconnects() {
  Fixture f;
  f.access = QStringLiteral("access-2");  // the session's token is now stale
  f.gateway.route("POST", "/api/v1/auth/refresh", [](const FakeRequest&) {
    return FakeResponse::json(200, {{"accessToken", "access-2"}, {"refreshToken", "refresh-2"}, {"expiresIn", "900"}});
  });
  f.stream->start();
  QVERIFY(QTest::qWaitFor([&] { return f.stream->state() == EventStream::State::Open; }, 5000));
  QCOMPARE(f.gateway.count("POST", "/api/v1/auth/refresh"), 1);
  QCOMPARE(f.gateway.requests().constLast().header("authorization"), QByteArray("Bearer access-2"));
}

void EventStreamTest::stream_RefreshFailingWhileUsersAreDown_IsTriedAgain_TheStreamOpensOnceTheyAreBack() {
  Fixture f;
  f.access = QStringLiteral("access-2");  // the session's token has expired
  int refreshes = 0;
  f.gateway.route("POST", "/api/v1/auth/refresh", [&refreshes](const FakeRequest&) {
    if (++refreshes <= 2) return FakeResponse::error(503, "UNAVAILABLE", "users is unavailable");
    return FakeResponse::json(200, {{"accessToken", "access-2"}, {"refreshToken", "refresh-2"}, {"expiresIn", "900"}});
  });
  f.stream->start();
  QVERIFY(QTest::qWaitFor([&] { return f.stream->state() == EventStream::State::Open; }, 5000));
  QCOMPARE(refreshes, 3);
  QCOMPARE(f.gateway.requests().constLast().header("authorization"), QByteArray("Bearer access-2"));
}

void EventStreamTest::stream_MalformedData_IsReportedNotDelivered() {
  Fixture f;
  QSignalSpy malformed(f.stream, &EventStream::malformedEvent);
  QSignalSpy steps(f.stream, &EventStream::sagaStep);
  f.stream->start();
  QVERIFY(QTest::qWaitFor([&] { return f.gateway.openStreams() == 1; }, 5000));
  f.gateway.pushRaw("event: saga.step\ndata: {not json\n\n");
  f.gateway.pushEvent("saga.step", {{"sagaId", "s2"}, {"step", "Charge"}, {"state", "started"}});
  QVERIFY(QTest::qWaitFor([&] { return steps.count() == 1; }, 5000));
  QCOMPARE(malformed.count(), 1);
  QCOMPARE(malformed.first().first().toString(), QStringLiteral("saga.step"));
}

void EventStreamTest::stream_EventCutOffByADrop_IsAskedForAgain() {
  Fixture f;
  QSignalSpy opened(&f.gateway, &FakeGateway::streamOpened);
  QSignalSpy orders(f.stream, &EventStream::orderEvent);
  f.stream->start();
  QVERIFY(QTest::qWaitFor([&] { return f.gateway.openStreams() == 1; }, 5000));
  f.gateway.pushEvent("order.event", {{"orderId", "o1"}, {"version", "1"}, {"type", "OrderCreated"}}, "evt-41");
  QVERIFY(QTest::qWaitFor([&] { return orders.count() == 1; }, 5000));
  f.gateway.pushRaw("id: evt-42\nevent: order.event\ndata: {\"orderId\":\"o1\",");  // cut off mid-event
  QTest::qWait(100);
  f.gateway.dropStreams();
  QVERIFY(QTest::qWaitFor([&] { return opened.count() == 2; }, 5000));
  QCOMPARE(opened.at(1).first().toByteArray(), QByteArray("evt-41"));  // so the gateway sends 42 again
  QCOMPARE(orders.count(), 1);
}

void EventStreamTest::stream_AcceptedThenEndedAtOnce_KeepsBackingOff() {
  Fixture f;
  QSignalSpy scheduled(f.stream, &EventStream::reconnectScheduled);
  QSignalSpy opened(&f.gateway, &FakeGateway::streamOpened);
  // Like a draining gateway: every stream is accepted with its greeting comment, then ended.
  QObject::connect(&f.gateway, &FakeGateway::streamOpened, &f.gateway, [&f] {
    QTimer::singleShot(20, &f.gateway, [&f] {
      f.gateway.pushRaw("retry: 50\n: connected\n\n");
      QTimer::singleShot(20, &f.gateway, [&f] { f.gateway.dropStreams(); });
    });
  });
  f.stream->start();
  QVERIFY(QTest::qWaitFor([&] { return scheduled.count() >= 4; }, 8000));
  QList<int> delays;
  for (const QList<QVariant>& args : scheduled) delays << args.first().toInt();
  // 50, 100, 200, 400 ms (plus jitter): the greeting does not start the backoff over.
  QVERIFY2(delays[3] >= 400, qPrintable(QString::number(delays[3])));
}

// Qt 6.4 reports the idle (transfer) timeout as OperationCanceledError; the stream took it for its
// own cancel and never said the link was dead.
void EventStreamTest::stream_SilentForItsIdleTimeout_ReportsTheGatewayUnreachable() {
  Fixture f;
  f.stream->setIdleTimeout(300);
  f.stream->start();
  ConnectionMonitor* monitor = f.client.connection();
  QVERIFY2(QTest::qWaitFor([&] { return monitor->lastFailure().contains("No event or heartbeat"); }, 5000),
           qPrintable(monitor->lastFailure()));
}

// retry: 2000000000 overflowed the jittered delay (an int): the stream could never reconnect.
void EventStreamTest::stream_AHugeRetryField_IsHeldToTheBackoffCap() {
  Fixture f;
  QSignalSpy scheduled(f.stream, &EventStream::reconnectScheduled);
  f.stream->start();
  QVERIFY(QTest::qWaitFor([&] { return f.gateway.openStreams() == 1; }, 5000));
  f.gateway.pushRaw("retry: 2000000000\n");
  f.gateway.pushEvent("order.event", {{"orderId", "o1"}, {"version", "1"}, {"type", "OrderCreated"}}, "evt-1");
  QTest::qWait(100);
  f.gateway.dropStreams();
  QVERIFY(QTest::qWaitFor([&] { return scheduled.count() >= 1; }, 5000));
  const int delay = scheduled.first().first().toInt();
  QVERIFY2(delay > 0 && delay <= 400 * 6 / 5, qPrintable(QString::number(delay)));
}

QTEST_GUILESS_MAIN(EventStreamTest)
#include "tst_event_stream.moc"
