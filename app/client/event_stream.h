// EventStream: the live feed GET /api/v1/admin/stream as typed signals, reconnecting with exponential
// backoff (+ jitter) and Last-Event-ID so no event is lost across a gateway restart.
#pragma once

#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QString>

#include "client/api_types.h"
#include "client/sse_parser.h"

class QNetworkReply;
class QTimer;

namespace fleetdeck::console {

class GatewayClient;

class EventStream : public QObject {
  Q_OBJECT

 public:
  enum class State { Stopped, Connecting, Open, Waiting };
  Q_ENUM(State)

  explicit EventStream(GatewayClient* client, QObject* parent = nullptr);
  ~EventStream() override;

  State state() const { return state_; }
  QString lastEventId() const { return parser_.lastEventId(); }
  // The Last-Event-ID to send on the first connection (resuming from an earlier window).
  void setLastEventId(const QString& id);
  // Backoff between reconnects: initial, doubling to max; a server `retry:` replaces the initial delay.
  void setBackoff(int initialMs, int maxMs);
  // Without a byte (heartbeats included) for this long the connection counts as dead.
  void setIdleTimeout(int ms) { idleTimeoutMs_ = ms; }
  int reconnectCount() const { return reconnects_; }
  int nextDelayMs() const { return delayMs_; }

 public slots:
  void start();
  void stop();

 signals:
  void stateChanged(fleetdeck::console::EventStream::State state);
  void reconnectScheduled(int delayMs);
  void heartbeat();
  // Every event as received, for consumers of types the console does not know yet.
  void eventReceived(const QString& type, const QJsonObject& data, const QString& id);
  void sagaStep(const fleetdeck::console::SagaStepEvent& event);
  void orderEvent(const fleetdeck::console::OrderEventNotice& event);
  void fleetChange(const fleetdeck::console::FleetChange& change);
  void alert(const fleetdeck::console::PromAlert& alert);
  void replayProgress(const fleetdeck::console::ReplayProgress& progress);
  // A data line that is not a JSON object: dropped, but counted so it shows in the status tooltip.
  void malformedEvent(const QString& type, const QString& reason);

 private:
  void connectNow();
  void onReadyRead();
  void onFinished();
  void scheduleReconnect();
  void setState(State state);
  void dispatch(const SseEvent& event);
  void closeReply();

  GatewayClient* client_;
  QPointer<QNetworkReply> reply_;
  QTimer* reconnectTimer_;
  SseParser parser_;
  State state_ = State::Stopped;
  int initialDelayMs_ = 1000;
  int maxDelayMs_ = 30000;
  int delayMs_ = 1000;
  int idleTimeoutMs_ = 45000;
  int reconnects_ = 0;
  // A refresh for a 401 was made: until the stream opens, a 401 after it is not refreshed again.
  bool refreshTried_ = false;
  QElapsedTimer openedAt_;  // since the current connection answered 200
};

}  // namespace fleetdeck::console
