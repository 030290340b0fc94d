// Display text and colours for the gateway's enum values and times, translated in one place so every
// view shows "Pending" (order status) the same way in every language.
#pragma once

#include <QColor>
#include <QDateTime>
#include <QString>

namespace fleetdeck::console::display {

QString userRole(const QString& role);
QString userStatus(const QString& status);
QString orderStatus(const QString& status);
QString sagaState(const QString& state);
QString stepState(const QString& state);
QString fleetStatus(const QString& status);
QString breakerState(const QString& state);
// An instance's readiness as the gateway last polled it (ready, degraded, not_ready, unreachable,
// unknown, or an HTTP status).
QString readinessStatus(const QString& status);
QString alertState(const QString& state);
QString severity(const QString& severity);
// The fleet's reason codes (an order's cancelReason, a saga's outcome) in words, as the Sagas page
// words them: "out_of_stock" -> "out of stock", "payment_declined: wallet empty" -> "payment
// declined: wallet empty". Anything else (an operator's own words) is returned as it is.
QString reason(const QString& code);

// Colours that read on both the light and the dark theme.
QColor fleetStatusColor(const QString& status);
QColor readinessStatusColor(const QString& status);
QColor orderStatusColor(const QString& status);
QColor sagaStateColor(const QString& state);
QColor stepStateColor(const QString& state);
QColor severityColor(const QString& severity);

// "12:04:31" today, "3 Mar 12:04" otherwise, local time.
QString timestamp(const QDateTime& time);
// "4 s ago", "3 min ago", "2 h ago", "5 d ago".
QString age(const QDateTime& time, const QDateTime& now = QDateTime::currentDateTimeUtc());
// "2 d 3 h", "4 h 12 min", "35 s".
QString duration(qint64 seconds);
// "850 µs", "12.4 ms", "1.25 s".
QString durationNanos(qint64 nanos);

}  // namespace fleetdeck::console::display
