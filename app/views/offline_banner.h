// OfflineBanner: the strip on top of the window while the gateway is unreachable — what failed, a
// countdown to the next attempt and a "Retry now" button. One banner, never a storm of dialogs.
#pragma once

#include <QFrame>

class QLabel;
class QPushButton;

namespace fleetdeck::console {

class ConnectionMonitor;

class OfflineBanner : public QFrame {
  Q_OBJECT

 public:
  explicit OfflineBanner(ConnectionMonitor* monitor, QWidget* parent = nullptr);

  QString text() const;

 private:
  void refreshText();

  ConnectionMonitor* monitor_;
  QLabel* label_;
  QPushButton* retryButton_;
  bool probing_ = false;
};

}  // namespace fleetdeck::console
