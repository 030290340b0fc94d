#include "client/api_error.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QTimeZone>
#include <limits>

namespace fleetdeck::console {

QString toLowerCamelCase(const QString& fieldName) {
  QString out;
  out.reserve(fieldName.size());
  bool upperNext = false;
  for (const QChar c : fieldName) {
    if (c == u'_') {
      upperNext = !out.isEmpty();
      continue;
    }
    out.append(upperNext ? c.toUpper() : c);
    upperNext = false;
  }
  return out;
}

int parseRetryAfter(const QByteArray& value, const QDateTime& now) {
  const QByteArray text = value.trimmed();
  if (text.isEmpty()) return -1;
  bool isNumber = false;
  const int seconds = text.toInt(&isNumber);
  if (isNumber) return seconds >= 0 ? seconds : -1;
  // IMF-fixdate, the form senders must use. Qt 6.4's Qt::RFC2822Date refuses its "GMT" (it takes
  // only a numeric offset), so it is read by its fixed format, with English names, as UTC.
  const QString date = QString::fromLatin1(text);
  QDateTime when = QLocale::c().toDateTime(date, QStringLiteral("ddd, dd MMM yyyy HH:mm:ss 'GMT'"));
  if (when.isValid()) {
    when = QDateTime(when.date(), when.time(), QTimeZone::utc());
  } else {
    // asctime ("Wed Oct 21 07:28:00 2026"), which recipients must accept too, or a numeric offset.
    // (RFC 850's "Wednesday, 21-Oct-26 …", obsolete since 1994, is not read.)
    when = QDateTime::fromString(date, Qt::RFC2822Date);
  }
  if (!when.isValid()) return -1;
  const qint64 ms = now.msecsTo(when);
  if (ms <= 0) return 0;
  // Rounded up: not before the time the server named.
  return static_cast<int>(qMin<qint64>((ms + 999) / 1000, std::numeric_limits<int>::max()));
}

QString canonicalCodeForHttpStatus(int httpStatus) {
  switch (httpStatus) {
    case 400: return QStringLiteral("INVALID_ARGUMENT");
    case 401: return QStringLiteral("UNAUTHENTICATED");
    case 403: return QStringLiteral("PERMISSION_DENIED");
    case 404: return QStringLiteral("NOT_FOUND");
    case 409: return QStringLiteral("ABORTED");
    case 412: return QStringLiteral("FAILED_PRECONDITION");
    case 429: return QStringLiteral("RESOURCE_EXHAUSTED");
    case 499: return QStringLiteral("CANCELLED");
    case 501: return QStringLiteral("UNIMPLEMENTED");
    case 503: return QStringLiteral("UNAVAILABLE");
    case 504: return QStringLiteral("DEADLINE_EXCEEDED");
    default: break;
  }
  if (httpStatus >= 500) return QStringLiteral("INTERNAL");
  if (httpStatus >= 400) return QStringLiteral("UNKNOWN");
  return QStringLiteral("OK");
}

ApiError ApiError::fromHttp(int httpStatus, const QByteArray& body, const QByteArray& traceIdHeader,
                            const QByteArray& retryAfterHeader) {
  ApiError error;
  error.httpStatus = httpStatus;
  error.traceId = QString::fromLatin1(traceIdHeader);
  error.retryAfterSeconds = parseRetryAfter(retryAfterHeader, QDateTime::currentDateTimeUtc());

  QJsonParseError parseError{};
  const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
  const QJsonObject object = document.object().value(QLatin1String("error")).toObject();
  if (parseError.error == QJsonParseError::NoError && !object.isEmpty()) {
    error.code = object.value(QLatin1String("code")).toString();
    error.message = object.value(QLatin1String("message")).toString();
    error.reason = object.value(QLatin1String("reason")).toString();
    const QString bodyTraceId = object.value(QLatin1String("trace_id")).toString(
        object.value(QLatin1String("traceId")).toString());
    if (!bodyTraceId.isEmpty()) error.traceId = bodyTraceId;
    const QJsonArray details = object.value(QLatin1String("details")).toArray();
    for (const QJsonValue& detail : details) {
      const QJsonObject violation = detail.toObject();
      const QString field = violation.value(QLatin1String("field")).toString();
      if (field.isEmpty()) continue;
      const QString key = toLowerCamelCase(field);
      const QString reason = violation.value(QLatin1String("reason")).toString();
      // Two reasons for one field are both worth reading.
      if (error.fieldErrors.contains(key)) {
        error.fieldErrors[key] += QStringLiteral("; ") + reason;
      } else {
        error.fieldErrors.insert(key, reason);
      }
    }
  }
  // The proxied Prometheus API answers errors its own way: {"status":"error","errorType":…,"error":"…"}.
  if (error.message.isEmpty() && parseError.error == QJsonParseError::NoError &&
      document.object().value(QLatin1String("status")).toString() == QLatin1String("error")) {
    error.message = document.object().value(QLatin1String("error")).toString();
    error.code = document.object().value(QLatin1String("errorType")).toString();
  }
  if (error.code.isEmpty()) error.code = canonicalCodeForHttpStatus(httpStatus);
  if (error.message.isEmpty()) {
    error.message = QCoreApplication::translate("ApiError", "The gateway answered HTTP %1.").arg(httpStatus);
  }
  return error;
}

ApiError ApiError::networkFailure(const QString& message) {
  ApiError error;
  error.code = QStringLiteral("UNAVAILABLE");
  error.message = message;
  return error;
}

ApiError ApiError::malformedResponse(int httpStatus, const QString& what, const QByteArray& traceIdHeader) {
  ApiError error;
  error.httpStatus = httpStatus;
  error.code = QStringLiteral("INTERNAL");
  error.message = QCoreApplication::translate("ApiError", "The gateway sent a response the console cannot read: %1")
                      .arg(what);
  error.traceId = QString::fromLatin1(traceIdHeader);
  return error;
}

QString ApiError::summary() const {
  QString text = message;
  if (!fieldErrors.isEmpty()) {
    QStringList parts;
    for (auto it = fieldErrors.cbegin(); it != fieldErrors.cend(); ++it) parts << it.key() + QStringLiteral(": ") + it.value();
    text += QStringLiteral(" (") + parts.join(QStringLiteral("; ")) + QStringLiteral(")");
  }
  if (!traceId.isEmpty()) text += QCoreApplication::translate("ApiError", " [trace %1]").arg(traceId);
  return text;
}

}  // namespace fleetdeck::console
