#include "models/display_text.h"

#include <QCoreApplication>
#include <QLocale>

namespace fleetdeck::console::display {
QString userRole(const QString& role) {
  if (role == QLatin1String("admin")) return QCoreApplication::translate("DisplayText", "Admin", "user role");
  if (role == QLatin1String("operator")) return QCoreApplication::translate("DisplayText", "Operator", "user role");
  if (role == QLatin1String("customer")) return QCoreApplication::translate("DisplayText", "Customer", "user role");
  return role;
}

QString userStatus(const QString& status) {
  if (status == QLatin1String("active")) return QCoreApplication::translate("DisplayText", "Active", "user status");
  if (status == QLatin1String("disabled")) return QCoreApplication::translate("DisplayText", "Disabled", "user status");
  return status;
}

QString orderStatus(const QString& status) {
  if (status == QLatin1String("PENDING")) return QCoreApplication::translate("DisplayText", "Pending", "order status");
  if (status == QLatin1String("CONFIRMED")) return QCoreApplication::translate("DisplayText", "Confirmed", "order status");
  if (status == QLatin1String("SHIPPED")) return QCoreApplication::translate("DisplayText", "Shipped", "order status");
  if (status == QLatin1String("DELIVERED")) return QCoreApplication::translate("DisplayText", "Delivered", "order status");
  if (status == QLatin1String("CANCELLED")) return QCoreApplication::translate("DisplayText", "Cancelled", "order status");
  return status;
}

QString sagaState(const QString& state) {
  if (state == QLatin1String("RUNNING")) return QCoreApplication::translate("DisplayText", "Running", "saga state");
  if (state == QLatin1String("COMPENSATING")) return QCoreApplication::translate("DisplayText", "Compensating", "saga state");
  if (state == QLatin1String("COMPLETED")) return QCoreApplication::translate("DisplayText", "Completed", "saga state");
  if (state == QLatin1String("COMPENSATED")) return QCoreApplication::translate("DisplayText", "Compensated", "saga state");
  if (state == QLatin1String("FAILED")) return QCoreApplication::translate("DisplayText", "Failed", "saga state");
  return state;
}

QString stepState(const QString& state) {
  if (state == QLatin1String("started")) return QCoreApplication::translate("DisplayText", "Started", "saga step state");
  if (state == QLatin1String("succeeded")) return QCoreApplication::translate("DisplayText", "Succeeded", "saga step state");
  if (state == QLatin1String("failed")) return QCoreApplication::translate("DisplayText", "Failed", "saga step state");
  if (state == QLatin1String("compensating")) return QCoreApplication::translate("DisplayText", "Compensating", "saga step state");
  if (state == QLatin1String("compensated")) return QCoreApplication::translate("DisplayText", "Compensated", "saga step state");
  return state;
}

QString fleetStatus(const QString& status) {
  if (status == QLatin1String("up")) return QCoreApplication::translate("DisplayText", "Up", "service status");
  if (status == QLatin1String("degraded")) return QCoreApplication::translate("DisplayText", "Degraded", "service status");
  if (status == QLatin1String("down")) return QCoreApplication::translate("DisplayText", "Down", "service status");
  return status;
}

QString readinessStatus(const QString& status) {
  if (status == QLatin1String("ready")) return QCoreApplication::translate("DisplayText", "Ready", "readiness status");
  if (status == QLatin1String("degraded")) return QCoreApplication::translate("DisplayText", "Degraded", "readiness status");
  if (status == QLatin1String("not_ready")) return QCoreApplication::translate("DisplayText", "Not ready", "readiness status");
  if (status == QLatin1String("unreachable")) return QCoreApplication::translate("DisplayText", "Unreachable", "readiness status");
  if (status == QLatin1String("unknown") || status.isEmpty()) {
    return QCoreApplication::translate("DisplayText", "Not polled yet", "readiness status");
  }
  // An answer without a status of its own: the gateway gives its HTTP status.
  bool number = false;
  status.toInt(&number);
  return number ? QCoreApplication::translate("DisplayText", "HTTP %1", "readiness status").arg(status) : status;
}

QString breakerState(const QString& state) {
  if (state == QLatin1String("closed")) return QCoreApplication::translate("DisplayText", "Closed", "circuit breaker state");
  if (state == QLatin1String("open")) return QCoreApplication::translate("DisplayText", "Open", "circuit breaker state");
  if (state == QLatin1String("half_open")) return QCoreApplication::translate("DisplayText", "Half open", "circuit breaker state");
  return state;
}

QString alertState(const QString& state) {
  if (state == QLatin1String("firing")) return QCoreApplication::translate("DisplayText", "Firing", "alert state");
  if (state == QLatin1String("pending")) return QCoreApplication::translate("DisplayText", "Pending", "alert state");
  if (state == QLatin1String("inactive")) return QCoreApplication::translate("DisplayText", "Inactive", "alert state");
  return state;
}

QString reason(const QString& code) {
  // A saga's outcome may be "code: detail"; the detail stays as the fleet wrote it.
  const qsizetype colon = code.indexOf(QLatin1Char(':'));
  const QString head = colon < 0 ? code : code.left(colon);
  const QString tail = colon < 0 ? QString() : code.mid(colon);
  QString words;
  if (head == QLatin1String("out_of_stock")) words = QCoreApplication::translate("DisplayText", "out of stock", "reason");
  else if (head == QLatin1String("payment_declined")) words = QCoreApplication::translate("DisplayText", "payment declined", "reason");
  else if (head == QLatin1String("price_changed")) words = QCoreApplication::translate("DisplayText", "a price changed", "reason");
  else if (head == QLatin1String("insufficient_funds")) words = QCoreApplication::translate("DisplayText", "not enough money in the wallet", "reason");
  else if (head == QLatin1String("wallet_not_found")) words = QCoreApplication::translate("DisplayText", "no wallet for this account", "reason");
  else if (head == QLatin1String("injected_decline")) words = QCoreApplication::translate("DisplayText", "payment declined (test fault)", "reason");
  else if (head == QLatin1String("customer_request")) words = QCoreApplication::translate("DisplayText", "customer request", "reason");
  else if (head == QLatin1String("saga_failed")) words = QCoreApplication::translate("DisplayText", "the order could not be placed", "reason");
  else if (head == QLatin1String("cancelled")) words = QCoreApplication::translate("DisplayText", "cancelled while it was being placed", "reason");
  else return code;
  return words + tail;
}

QString severity(const QString& severity) {
  if (severity == QLatin1String("critical")) return QCoreApplication::translate("DisplayText", "Critical", "alert severity");
  if (severity == QLatin1String("warning")) return QCoreApplication::translate("DisplayText", "Warning", "alert severity");
  if (severity == QLatin1String("info")) return QCoreApplication::translate("DisplayText", "Info", "alert severity");
  return severity;
}

QColor fleetStatusColor(const QString& status) {
  if (status == QLatin1String("up")) return QColor(0x2e, 0xa0, 0x43);
  if (status == QLatin1String("degraded")) return QColor(0xd2, 0x99, 0x22);
  if (status == QLatin1String("down")) return QColor(0xd1, 0x3d, 0x3d);
  return QColor(0x8b, 0x94, 0x9e);
}

QColor readinessStatusColor(const QString& status) {
  if (status == QLatin1String("ready")) return fleetStatusColor(QStringLiteral("up"));
  if (status == QLatin1String("degraded")) return fleetStatusColor(QStringLiteral("degraded"));
  if (status == QLatin1String("unknown") || status.isEmpty()) return fleetStatusColor(QString());
  return fleetStatusColor(QStringLiteral("down"));  // not_ready, unreachable, an HTTP status
}

QColor orderStatusColor(const QString& status) {
  if (status == QLatin1String("PENDING")) return QColor(0xd2, 0x99, 0x22);
  if (status == QLatin1String("CONFIRMED")) return QColor(0x3b, 0x82, 0xf6);
  if (status == QLatin1String("SHIPPED")) return QColor(0x8b, 0x5c, 0xf6);
  if (status == QLatin1String("DELIVERED")) return QColor(0x2e, 0xa0, 0x43);
  if (status == QLatin1String("CANCELLED")) return QColor(0xd1, 0x3d, 0x3d);
  return QColor(0x8b, 0x94, 0x9e);
}

QColor sagaStateColor(const QString& state) {
  if (state == QLatin1String("RUNNING")) return QColor(0x3b, 0x82, 0xf6);
  if (state == QLatin1String("COMPENSATING")) return QColor(0xd2, 0x99, 0x22);
  if (state == QLatin1String("COMPLETED")) return QColor(0x2e, 0xa0, 0x43);
  if (state == QLatin1String("COMPENSATED")) return QColor(0xc0, 0x6c, 0x1e);
  if (state == QLatin1String("FAILED")) return QColor(0xd1, 0x3d, 0x3d);
  return QColor(0x8b, 0x94, 0x9e);
}

QColor stepStateColor(const QString& state) {
  if (state == QLatin1String("started")) return QColor(0x3b, 0x82, 0xf6);
  if (state == QLatin1String("succeeded")) return QColor(0x2e, 0xa0, 0x43);
  if (state == QLatin1String("failed")) return QColor(0xd1, 0x3d, 0x3d);
  if (state == QLatin1String("compensating")) return QColor(0xd2, 0x99, 0x22);
  if (state == QLatin1String("compensated")) return QColor(0xc0, 0x6c, 0x1e);
  return QColor(0x8b, 0x94, 0x9e);
}

QColor severityColor(const QString& severity) {
  if (severity == QLatin1String("critical")) return QColor(0xd1, 0x3d, 0x3d);
  if (severity == QLatin1String("warning")) return QColor(0xd2, 0x99, 0x22);
  return QColor(0x3b, 0x82, 0xf6);
}

QString timestamp(const QDateTime& time) {
  if (!time.isValid()) return QString();
  const QDateTime local = time.toLocalTime();
  if (local.date() == QDate::currentDate()) return QLocale().toString(local.time(), QStringLiteral("HH:mm:ss"));
  return QLocale().toString(local, QStringLiteral("yyyy-MM-dd HH:mm"));
}

QString age(const QDateTime& time, const QDateTime& now) {
  if (!time.isValid()) return QString();
  const qint64 seconds = qMax<qint64>(0, time.secsTo(now));
  if (seconds < 60) return QCoreApplication::translate("DisplayText", "%1 s ago", "time since").arg(seconds);
  if (seconds < 3600) return QCoreApplication::translate("DisplayText", "%1 min ago", "time since").arg(seconds / 60);
  if (seconds < 86400) return QCoreApplication::translate("DisplayText", "%1 h ago", "time since").arg(seconds / 3600);
  return QCoreApplication::translate("DisplayText", "%1 d ago", "time since").arg(seconds / 86400);
}

QString duration(qint64 seconds) {
  if (seconds < 0) return QString();
  if (seconds < 60) return QCoreApplication::translate("DisplayText", "%1 s", "duration").arg(seconds);
  if (seconds < 3600) return QCoreApplication::translate("DisplayText", "%1 min %2 s", "duration").arg(seconds / 60).arg(seconds % 60);
  if (seconds < 86400) return QCoreApplication::translate("DisplayText", "%1 h %2 min", "duration").arg(seconds / 3600).arg((seconds % 3600) / 60);
  return QCoreApplication::translate("DisplayText", "%1 d %2 h", "duration").arg(seconds / 86400).arg((seconds % 86400) / 3600);
}

QString durationNanos(qint64 nanos) {
  if (nanos < 1'000'000) return QCoreApplication::translate("DisplayText", "%1 µs", "duration").arg(nanos / 1000);
  if (nanos < 1'000'000'000) return QCoreApplication::translate("DisplayText", "%1 ms", "duration").arg(QLocale().toString(nanos / 1e6, 'f', 1));
  return QCoreApplication::translate("DisplayText", "%1 s", "duration").arg(QLocale().toString(nanos / 1e9, 'f', 2));
}

}  // namespace fleetdeck::console::display
