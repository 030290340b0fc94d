#include "client/event_stream.h"

#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRandomGenerator>
#include <QTimer>

#include "client/connection_monitor.h"
#include "client/gateway_client.h"

namespace fleetdeck::console {

EventStream::EventStream(GatewayClient* client, QObject* parent)
    : QObject(parent), client_(client), reconnectTimer_(new QTimer(this)) {
  reconnectTimer_->setSingleShot(true);
  connect(reconnectTimer_, &QTimer::timeout, this, &EventStream::connectNow);
}

EventStream::~EventStream() { closeReply(); }

void EventStream::setLastEventId(const QString& id) {
  parser_.setLastEventId(id);
}

void EventStream::setBackoff(int initialMs, int maxMs) {
  initialDelayMs_ = qMax(10, initialMs);
  maxDelayMs_ = qMax(initialDelayMs_, maxMs);
  delayMs_ = initialDelayMs_;
}

void EventStream::start() {
  if (state_ != State::Stopped) return;
  delayMs_ = initialDelayMs_;
  connectNow();
}

void EventStream::stop() {
  reconnectTimer_->stop();
  closeReply();
  setState(State::Stopped);
}

void EventStream::closeReply() {
  if (!reply_) return;
  QNetworkReply* reply = reply_;
  reply_ = nullptr;
  reply->disconnect(this);
  reply->abort();
  reply->deleteLater();
}

void EventStream::connectNow() {
  closeReply();
  parser_.reset();
  setState(State::Connecting);

  QNetworkRequest request(client_->urlFor(QStringLiteral("/api/v1/admin/stream")));
  request.setRawHeader("Accept", "text/event-stream");
  request.setRawHeader("Cache-Control", "no-cache");
  if (!client_->session().accessToken.isEmpty()) {
    request.setRawHeader("Authorization", "Bearer " + client_->session().accessToken.toUtf8());
  }
  if (!parser_.lastEventId().isEmpty()) request.setRawHeader("Last-Event-ID", parser_.lastEventId().toUtf8());
  // The transfer timeout restarts with every byte, so with 15 s heartbeats it only fires on a dead link.
  request.setTransferTimeout(idleTimeoutMs_);
  request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);

  QNetworkReply* reply = client_->network()->get(request);
  reply_ = reply;
  connect(reply, &QNetworkReply::readyRead, this, &EventStream::onReadyRead);
  connect(reply, &QNetworkReply::finished, this, &EventStream::onFinished);
  connect(reply, &QNetworkReply::metaDataChanged, this, [this, reply] {
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 200) {
      client_->connection()->noteReachable();
      refreshTried_ = false;
      openedAt_.start();
      setState(State::Open);
    }
  });
}

void EventStream::onReadyRead() {
  if (!reply_) return;
  const int status = reply_->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
  if (status != 200) return;  // an error body is read in onFinished
  const int commentsBefore = parser_.commentCount();
  const QList<SseEvent> events = parser_.feed(reply_->readAll());
  if (parser_.commentCount() != commentsBefore) emit heartbeat();
  // A connection that delivered an event, or a heartbeat after a while, is healthy again: the next
  // failure starts the backoff over. Not the comment the gateway writes as it accepts a stream: a
  // gateway that accepts and then ends every stream (draining, behind a proxy that cuts it) would
  // otherwise be retried at the first delay for ever.
  constexpr qint64 kHealthyAfterMs = 5000;
  const bool heartbeatAfterAWhile =
      parser_.commentCount() != commentsBefore && openedAt_.isValid() && openedAt_.elapsed() >= kHealthyAfterMs;
  if (!events.isEmpty() || heartbeatAfterAWhile) {
    // A server's `retry:` is taken within the backoff's own bounds: 2e9 ms would overflow the
    // jittered delay (and a stream that never reconnects is worse than one that reconnects early).
    delayMs_ = parser_.retryMs() > 0 ? qBound(initialDelayMs_, parser_.retryMs(), maxDelayMs_) : initialDelayMs_;
  }
  for (const SseEvent& event : events) dispatch(event);
  if (parser_.overflowed() && reply_ != nullptr) {
    qWarning("admin stream: a line or event over %lld bytes; reconnecting",
             static_cast<long long>(SseParser::kMaxEventBytes));
    closeReply();
    scheduleReconnect();
  }
}

void EventStream::dispatch(const SseEvent& event) {
  QJsonParseError error{};
  const QJsonDocument document = QJsonDocument::fromJson(event.data.toUtf8(), &error);
  if (error.error != QJsonParseError::NoError || !document.isObject()) {
    emit malformedEvent(event.type, error.error != QJsonParseError::NoError ? error.errorString()
                                                                             : QStringLiteral("not a JSON object"));
    return;
  }
  const QJsonObject data = document.object();
  emit eventReceived(event.type, data, event.id);
  if (event.type == QLatin1String("saga.step")) {
    emit sagaStep(SagaStepEvent::fromJson(data));
  } else if (event.type == QLatin1String("order.event")) {
    emit orderEvent(OrderEventNotice::fromJson(data));
  } else if (event.type == QLatin1String("fleet.change")) {
    emit fleetChange(FleetChange::fromJson(data));
  } else if (event.type == QLatin1String("alert")) {
    emit alert(PromAlert::fromJson(data));
  } else if (event.type == QLatin1String("replay.progress")) {
    emit replayProgress(ReplayProgress::fromJson(data));
  }
}

void EventStream::onFinished() {
  QNetworkReply* reply = reply_;
  if (!reply) return;
  reply_ = nullptr;
  reply->deleteLater();
  if (state_ == State::Stopped) return;

  const QVariant statusAttribute = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
  if (reply->error() == QNetworkReply::OperationCanceledError) {
    // closeReply() disconnects before it aborts, so a cancel seen here is Qt 6.4 reporting the idle
    // (transfer) timeout, mostly on a stream that was open: a dead link, which is what it is for.
    client_->connection()->noteUnreachable(
        tr("No event or heartbeat from the gateway for %1 s.").arg(idleTimeoutMs_ / 1000.0));
  } else if (!statusAttribute.isValid()) {
    client_->connection()->noteUnreachable(reply->errorString());
  } else if (statusAttribute.toInt() == 401 && !refreshTried_) {
    // The access token expired while we were away: refresh once, then reconnect at once.
    refreshTried_ = true;
    setState(State::Waiting);
    client_->refreshSession(this, [this](const Result<Done>& result) {
      if (state_ == State::Stopped) return;
      if (result) {
        connectNow();
      } else {
        // Not made (the gateway or users down, rate limited) but the session stands: the next 401,
        // after the backoff, refreshes again, or the stream would stay shut once they are back.
        if (!client_->session().refreshToken.isEmpty()) refreshTried_ = false;
        scheduleReconnect();
      }
    });
    return;
  }
  scheduleReconnect();
}

void EventStream::scheduleReconnect() {
  ++reconnects_;
  // Up to 20% jitter so a fleet of consoles does not reconnect in lockstep after a gateway restart.
  const int jitter = static_cast<int>(QRandomGenerator::global()->bounded(delayMs_ / 5 + 1));
  const int delay = delayMs_ + jitter;
  delayMs_ = qMin(maxDelayMs_, delayMs_ * 2);
  setState(State::Waiting);
  emit reconnectScheduled(delay);
  reconnectTimer_->start(delay);
}

void EventStream::setState(State state) {
  if (state_ == state) return;
  state_ = state;
  emit stateChanged(state);
}

}  // namespace fleetdeck::console
