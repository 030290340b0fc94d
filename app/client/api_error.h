// ApiError: a failed gateway call as a value — HTTP status, canonical code, message, field errors, trace id.
#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QMap>
#include <QString>

namespace fleetdeck::console {

struct ApiError {
  // 0 when no HTTP answer arrived (connection refused, timeout, DNS, TLS).
  int httpStatus = 0;
  // gRPC canonical code name from the body ("INVALID_ARGUMENT", "FAILED_PRECONDITION"…); for answers
  // without a gateway error body it is derived from the HTTP status, "UNAVAILABLE" for network failures.
  QString code;
  QString message;
  // The body's "reason" (UPPER_SNAKE_CASE, as google.rpc.ErrorInfo.reason): why, for answers a client
  // must tell apart while code and status are the same ("TRACE_STORE_DISABLED"); empty when absent.
  QString reason;
  // Field (lowerCamelCase, as the console's forms name them) -> reason.
  QMap<QString, QString> fieldErrors;
  QString traceId;
  // From Retry-After on 429/503 (seconds, or an HTTP-date as the seconds until then); -1 when absent
  // or unreadable.
  int retryAfterSeconds = -1;

  bool isNetworkFailure() const { return httpStatus == 0; }
  bool isUnauthenticated() const { return httpStatus == 401; }
  bool isStaleEdit() const { return httpStatus == 412; }
  bool isThrottled() const { return httpStatus == 429; }
  // No answer, or the gateway's (or a proxy's) own failure: a write may have happened all the same,
  // and only a repeat under the same idempotency key is safe.
  bool answerMayBeLost() const { return isNetworkFailure() || httpStatus >= 500; }

  // Parses the gateway error body {"error":{code,message,details:[{field,reason}],trace_id,reason}}. A body
  // that is not one (a proxy's HTML page, empty) still yields a usable error from the status alone.
  static ApiError fromHttp(int httpStatus, const QByteArray& body, const QByteArray& traceIdHeader = {},
                           const QByteArray& retryAfterHeader = {});
  static ApiError networkFailure(const QString& message);
  static ApiError malformedResponse(int httpStatus, const QString& what, const QByteArray& traceIdHeader = {});

  // One line for a status bar or a dialog: the message, and the trace id to quote in a bug report.
  QString summary() const;
};

// A Retry-After value (RFC 9110 10.2.3) as seconds to wait from `now`: delay-seconds as they are, an
// HTTP-date (IMF-fixdate "Wed, 21 Oct 2026 07:28:00 GMT", or asctime) as the seconds until then,
// rounded up, 0 when it is past. -1 when empty or unreadable.
int parseRetryAfter(const QByteArray& value, const QDateTime& now);

// "display_name" -> "displayName"; names already in lowerCamelCase pass through.
QString toLowerCamelCase(const QString& fieldName);

// Canonical code name for an HTTP status when the body carries none (404 -> NOT_FOUND…).
QString canonicalCodeForHttpStatus(int httpStatus);

}  // namespace fleetdeck::console
