#include "views/offline_banner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

#include "client/connection_monitor.h"

namespace fleetdeck::console {

OfflineBanner::OfflineBanner(ConnectionMonitor* monitor, QWidget* parent)
    : QFrame(parent), monitor_(monitor), label_(new QLabel(this)), retryButton_(new QPushButton(tr("Retry now"), this)) {
  setObjectName(QStringLiteral("offlineBanner"));
  setAutoFillBackground(true);
  QPalette p = palette();
  p.setColor(QPalette::Window, QColor(0xb9, 0x3a, 0x32));
  p.setColor(QPalette::WindowText, Qt::white);
  setPalette(p);
  label_->setObjectName(QStringLiteral("offlineBannerText"));
  label_->setWordWrap(true);
  retryButton_->setObjectName(QStringLiteral("offlineRetryButton"));
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(12, 6, 12, 6);
  layout->addWidget(label_, 1);
  layout->addWidget(retryButton_);
  connect(retryButton_, &QPushButton::clicked, monitor_, &ConnectionMonitor::retryNow);
  connect(monitor_, &ConnectionMonitor::stateChanged, this, [this](ConnectionState state) {
    probing_ = false;
    setVisible(state == ConnectionState::Offline);
    refreshText();
  });
  connect(monitor_, &ConnectionMonitor::retryCountdown, this, [this] {
    probing_ = false;
    refreshText();
  });
  connect(monitor_, &ConnectionMonitor::probing, this, [this] {
    probing_ = true;
    refreshText();
  });
  setVisible(monitor_->isOffline());
  refreshText();
}

QString OfflineBanner::text() const { return label_->text(); }

void OfflineBanner::refreshText() {
  const QString reason = monitor_->lastFailure();
  QString text = tr("The gateway is unreachable. Data on screen may be stale.");
  if (!reason.isEmpty()) text += QLatin1Char(' ') + tr("(%1)", "reason of a connection failure").arg(reason);
  if (probing_) {
    text += QLatin1Char(' ') + tr("Connecting…");
  } else if (monitor_->secondsUntilRetry() > 0) {
    text += QLatin1Char(' ') + tr("Retrying in %n s.", "countdown", monitor_->secondsUntilRetry());
  }
  label_->setText(text);
  retryButton_->setEnabled(!probing_);
}

}  // namespace fleetdeck::console
