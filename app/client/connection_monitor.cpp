#include "client/connection_monitor.h"

#include <QTimer>
#include <utility>

#include "client/gateway_client.h"

namespace fleetdeck::console {

ConnectionMonitor::ConnectionMonitor(GatewayClient* client) : QObject(client), client_(client), ticker_(new QTimer(this)) {
  ticker_->setInterval(1000);
  connect(ticker_, &QTimer::timeout, this, &ConnectionMonitor::tick);
}

void ConnectionMonitor::setRetryDelays(int firstSeconds, int maxSeconds) {
  firstDelay_ = qMax(1, firstSeconds);
  maxDelay_ = qMax(firstDelay_, maxSeconds);
  currentDelay_ = firstDelay_;
}

void ConnectionMonitor::noteReachable() {
  lastFailure_.clear();
  ticker_->stop();
  secondsLeft_ = 0;
  currentDelay_ = firstDelay_;
  setState(ConnectionState::Online);
}

void ConnectionMonitor::noteUnreachable(const QString& reason) {
  lastFailure_ = reason;
  if (state_ == ConnectionState::Offline) return;  // the countdown already runs; one failure is enough
  currentDelay_ = firstDelay_;
  setState(ConnectionState::Offline);
  scheduleProbe();
}

void ConnectionMonitor::retryNow() {
  if (probeInFlight_) {
    // The probe on its way may have left before the gateway came back: ask again when it returns.
    probeAgain_ = true;
    return;
  }
  ticker_->stop();
  secondsLeft_ = 0;
  probeInFlight_ = true;
  emit probing();
  // The gateway's anonymous health route. Any HTTP answer proves the gateway is there: its 503 (no
  // service behind it reachable) too, and a 404 from an older gateway without the route.
  ApiRequest probe;
  probe.path = QStringLiteral("/api/v1/health");
  probe.authenticated = false;
  probe.timeoutMs = 5000;
  client_->send(probe, this, [this](const Result<ApiResponse>& result) {
    probeInFlight_ = false;
    const bool reachable = result.ok() || !result.error().isNetworkFailure();
    if (reachable) {  // noteReachable() already ran for the answer
      probeAgain_ = false;
      return;
    }
    if (state_ != ConnectionState::Offline) return;
    if (std::exchange(probeAgain_, false)) {
      retryNow();
      return;
    }
    currentDelay_ = qMin(currentDelay_ * 2, maxDelay_);
    scheduleProbe();
  });
}

void ConnectionMonitor::setState(ConnectionState state) {
  if (state_ == state) return;
  state_ = state;
  emit stateChanged(state);
}

void ConnectionMonitor::scheduleProbe() {
  secondsLeft_ = currentDelay_;
  emit retryCountdown(secondsLeft_);
  ticker_->start();
}

void ConnectionMonitor::tick() {
  secondsLeft_ = qMax(0, secondsLeft_ - 1);
  emit retryCountdown(secondsLeft_);
  if (secondsLeft_ == 0) retryNow();
}

}  // namespace fleetdeck::console
