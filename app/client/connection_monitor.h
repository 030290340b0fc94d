// ConnectionMonitor: whether the gateway answers at all. Goes offline on a transport failure, then
// probes with growing delays (counting down each second for the banner) until any HTTP answer arrives.
#pragma once

#include <QObject>
#include <QString>

class QTimer;

namespace fleetdeck::console {

class GatewayClient;

enum class ConnectionState { Unknown, Online, Offline };

class ConnectionMonitor : public QObject {
  Q_OBJECT

 public:
  explicit ConnectionMonitor(GatewayClient* client);

  ConnectionState state() const { return state_; }
  bool isOffline() const { return state_ == ConnectionState::Offline; }
  int secondsUntilRetry() const { return secondsLeft_; }
  QString lastFailure() const { return lastFailure_; }
  // Delays between probes while offline: first, doubling, capped at max.
  void setRetryDelays(int firstSeconds, int maxSeconds);

  // Called by the client for every finished call.
  void noteReachable();
  void noteUnreachable(const QString& reason);

 public slots:
  // Probes now instead of waiting for the countdown.
  void retryNow();

 signals:
  void stateChanged(fleetdeck::console::ConnectionState state);
  void retryCountdown(int secondsLeft);
  void probing();

 private:
  void setState(ConnectionState state);
  void scheduleProbe();
  void tick();

  GatewayClient* client_;
  QTimer* ticker_;
  ConnectionState state_ = ConnectionState::Unknown;
  QString lastFailure_;
  int firstDelay_ = 2;
  int maxDelay_ = 30;
  int currentDelay_ = 2;
  int secondsLeft_ = 0;
  bool probeInFlight_ = false;
  bool probeAgain_ = false;
};

}  // namespace fleetdeck::console
