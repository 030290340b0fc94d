#include "client/gateway_client.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>
#include <limits>
#include <utility>

#include "client/connection_monitor.h"

namespace fleetdeck::console {
namespace {

// The 401 a call gets when there is no session (any more) to make it with.
ApiError signedOutError(const QString& message) {
  ApiError error;
  error.httpStatus = 401;
  error.code = QStringLiteral("UNAUTHENTICATED");
  error.message = message;
  return error;
}

// Failures that mean "nobody answered": these make the console go offline. An HTTP error status never does.
bool isTransportFailure(QNetworkReply::NetworkError error) {
  switch (error) {
    case QNetworkReply::ConnectionRefusedError:
    case QNetworkReply::RemoteHostClosedError:
    case QNetworkReply::HostNotFoundError:
    case QNetworkReply::TimeoutError:
    case QNetworkReply::TemporaryNetworkFailureError:
    case QNetworkReply::NetworkSessionFailedError:
    case QNetworkReply::UnknownNetworkError:
    case QNetworkReply::ProxyConnectionRefusedError:
    case QNetworkReply::ProxyConnectionClosedError:
    case QNetworkReply::ProxyNotFoundError:
    case QNetworkReply::ProxyTimeoutError:
    case QNetworkReply::SslHandshakeFailedError:
      return true;
    default:
      return false;
  }
}

// Qt 6.4 ends a request whose transfer timeout expired with OperationCanceledError, not TimeoutError
// (seen against a server that accepts and never answers). cancel() disconnects a reply before it
// aborts it, so a cancel that reaches a finished handler is that timeout.
bool timedOut(QNetworkReply::NetworkError error) {
  return error == QNetworkReply::TimeoutError || error == QNetworkReply::OperationCanceledError;
}

QByteArray userAgent() {
  return QStringLiteral("FleetDeckConsole/%1").arg(QCoreApplication::applicationVersion()).toUtf8();
}

}  // namespace

GatewayClient::GatewayClient(QObject* parent)
    : QObject(parent),
      network_(new QNetworkAccessManager(this)),
      monitor_(new ConnectionMonitor(this)),
      refreshTimer_(new QTimer(this)) {
  refreshTimer_->setSingleShot(true);
  connect(refreshTimer_, &QTimer::timeout, this, [this] {
    if (!session_.refreshToken.isEmpty()) startRefresh();
  });
}

GatewayClient::~GatewayClient() {
  // Replies are children of the manager; make sure none calls back into a half-destroyed client.
  for (auto& call : calls_) {
    if (call.reply) {
      call.reply->disconnect(this);
      call.reply->abort();
    }
  }
}

void GatewayClient::setBaseUrl(const QUrl& url) {
  QUrl base = url;
  QString path = base.path();
  while (path.endsWith(QLatin1Char('/'))) path.chop(1);
  base.setPath(path);
  baseUrl_ = base;
}

QUrl GatewayClient::urlFor(const QString& path, const QUrlQuery& query) const {
  QUrl url = baseUrl_;
  url.setPath(baseUrl_.path() + path);
  if (!query.isEmpty()) url.setQuery(query);
  return url;
}

void GatewayClient::setSession(const Session& session) {
  abandonRefresh(signedOutError(tr("The session was replaced.")));
  session_ = session;
  if (session_.accessTokenExpiry.isValid()) {
    scheduleProactiveRefresh(QDateTime::currentDateTimeUtc().secsTo(session_.accessTokenExpiry));
  }
  emit sessionChanged();
}

quint64 GatewayClient::send(const ApiRequest& request, QObject* context, Callback done) {
  const quint64 id = nextId_++;
  Call call;
  call.id = id;
  call.request = request;
  call.context = context;
  call.hasContext = context != nullptr;
  call.done = std::move(done);
  calls_.insert(id, std::move(call));
  // Waiting for a refresh already in flight spares the gateway a 401 it would surely answer.
  if (request.authenticated && refreshing_) {
    calls_[id].retried = true;
    waitingForRefresh_.append(id);
  } else {
    dispatch(id);
  }
  return id;
}

void GatewayClient::cancel(quint64 callId) {
  auto it = calls_.find(callId);
  if (it == calls_.end()) return;
  QPointer<QNetworkReply> reply = it->reply;
  calls_.erase(it);
  waitingForRefresh_.removeAll(callId);
  if (reply) {
    reply->disconnect(this);
    reply->abort();
    reply->deleteLater();
  }
}

void GatewayClient::dispatch(quint64 id) {
  auto it = calls_.find(id);
  if (it == calls_.end()) return;
  const ApiRequest& request = it->request;

  QNetworkRequest networkRequest(urlFor(request.path, request.query));
  networkRequest.setRawHeader("Accept", "application/json");
  networkRequest.setRawHeader("User-Agent", userAgent());
  networkRequest.setTransferTimeout(request.timeoutMs);
  if (request.authenticated && !session_.accessToken.isEmpty()) {
    networkRequest.setRawHeader("Authorization", "Bearer " + session_.accessToken.toUtf8());
  }
  for (const auto& [name, value] : request.headers) networkRequest.setRawHeader(name, value);

  QByteArray payload;
  const bool hasBody = request.body.has_value() || request.method == "POST" || request.method == "PUT" ||
                       request.method == "PATCH";
  if (hasBody) {
    payload = QJsonDocument(request.body.value_or(QJsonObject{})).toJson(QJsonDocument::Compact);
    networkRequest.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
  }

  QNetworkReply* reply = nullptr;
  if (request.method == "GET") {
    reply = network_->get(networkRequest);
  } else if (request.method == "DELETE" && !hasBody) {
    reply = network_->deleteResource(networkRequest);
  } else {
    reply = network_->sendCustomRequest(networkRequest, request.method, payload);
  }
  it->reply = reply;
  connect(reply, &QNetworkReply::finished, this, [this, id, reply] { onReplyFinished(id, reply); });
}

void GatewayClient::onReplyFinished(quint64 id, QNetworkReply* reply) {
  reply->deleteLater();
  auto it = calls_.find(id);
  if (it == calls_.end()) return;  // cancelled
  it->reply = nullptr;

  const QVariant statusAttribute = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
  if (!statusAttribute.isValid()) {
    const QString reason = timedOut(reply->error())
                               ? tr("The gateway did not answer within %1 s.").arg(it->request.timeoutMs / 1000.0)
                               : reply->errorString();
    if (isTransportFailure(reply->error()) || timedOut(reply->error())) monitor_->noteUnreachable(reason);
    deliver(id, ApiError::networkFailure(reason));
    return;
  }
  monitor_->noteReachable();

  const int status = statusAttribute.toInt();
  if (status < 400 && reply->error() != QNetworkReply::NoError) {
    // The head said it worked, then the body was cut off (a dropped connection, a timeout): the
    // change may well have been made, so this is a lost answer to retry, not a refusal.
    deliver(id, ApiError::networkFailure(tr("The gateway's answer was cut off (%1).").arg(reply->errorString())));
    return;
  }
  const QByteArray body = reply->readAll();
  const QByteArray traceId = reply->rawHeader("X-Trace-Id");

  if (status == 401 && it->request.authenticated && !it->retried && !session_.refreshToken.isEmpty()) {
    it->retried = true;
    waitingForRefresh_.append(id);
    startRefresh();
    return;
  }
  if (status >= 400) {
    deliver(id, ApiError::fromHttp(status, body, traceId, reply->rawHeader("Retry-After")));
    return;
  }

  ApiResponse response;
  response.httpStatus = status;
  response.etag = reply->rawHeader("ETag");
  response.traceId = traceId;
  if (it->request.keepRawBody) {
    response.rawBody = body;
  } else if (!body.trimmed().isEmpty()) {
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
      deliver(id, ApiError::malformedResponse(status, parseError.error != QJsonParseError::NoError
                                                          ? parseError.errorString()
                                                          : tr("the body is not a JSON object"),
                                              traceId));
      return;
    }
    response.body = document.object();
  }
  deliver(id, response);
}

void GatewayClient::deliver(quint64 id, const Result<ApiResponse>& result) {
  auto it = calls_.find(id);
  if (it == calls_.end()) return;
  Call call = std::move(*it);
  calls_.erase(it);
  if (call.hasContext && call.context.isNull()) return;
  if (call.done) call.done(result);
}

quint64 GatewayClient::signIn(const QString& username, const QString& password, QObject* context,
                           std::function<void(const Result<User>&)> done) {
  ApiRequest request;
  request.method = "POST";
  request.path = QStringLiteral("/api/v1/auth/login");
  request.authenticated = false;
  request.body = QJsonObject{{QStringLiteral("username"), username}, {QStringLiteral("password"), password}};
  return send(request, context, [this, done = std::move(done)](const Result<ApiResponse>& result) {
    if (!result) {
      done(result.error());
      return;
    }
    const QJsonObject& body = result->body;
    if (body.value(QLatin1String("accessToken")).toString().isEmpty()) {
      done(ApiError::malformedResponse(result->httpStatus, tr("the sign-in answer carries no access token"),
                                       result->traceId));
      return;
    }
    abandonRefresh(signedOutError(tr("Signed in again.")));
    session_ = Session{};
    applyTokens(body);
    session_.user = User::fromJson(body.value(QLatin1String("user")).toObject());
    emit sessionChanged();
    done(session_.user);
  });
}

void GatewayClient::resumeSession(const QString& refreshToken, QObject* context,
                                  std::function<void(const Result<User>&)> done) {
  abandonRefresh(signedOutError(tr("The session was replaced.")));
  session_ = Session{};
  session_.refreshToken = refreshToken;
  QPointer<QObject> guard(context);
  const bool hasContext = context != nullptr;
  refreshSession(this, [this, guard, hasContext, done = std::move(done)](const Result<Done>& refreshed) {
    if (hasContext && guard.isNull()) return;
    if (!refreshed) {
      done(refreshed.error());
      return;
    }
    ApiRequest me;
    me.path = QStringLiteral("/api/v1/users/me");
    send(me, this, [this, guard, hasContext, done](const Result<ApiResponse>& result) {
      if (hasContext && guard.isNull()) return;
      if (!result) {
        done(result.error());
        return;
      }
      session_.user = User::fromJson(result->body);
      emit sessionChanged();
      done(session_.user);
    });
  });
}

void GatewayClient::refreshSession(QObject* context, std::function<void(const Result<Done>&)> done) {
  QPointer<QObject> guard(context);
  const bool hasContext = context != nullptr;
  refreshListeners_.append([guard, hasContext, done = std::move(done)](const Result<Done>& result) {
    if (hasContext && guard.isNull()) return;
    done(result);
  });
  startRefresh();
}

void GatewayClient::startRefresh() {
  if (refreshing_) return;
  if (session_.refreshToken.isEmpty()) {
    finishRefresh(signedOutError(tr("Not signed in.")));
    return;
  }
  refreshing_ = true;
  ApiRequest request;
  request.method = "POST";
  request.path = QStringLiteral("/api/v1/auth/refresh");
  request.authenticated = false;
  request.body = QJsonObject{{QStringLiteral("refreshToken"), session_.refreshToken}};
  const quint64 generation = sessionGeneration_;
  send(request, this, [this, generation](const Result<ApiResponse>& result) {
    if (generation != sessionGeneration_) return;  // that session has ended; its waiters were answered then
    finishRefresh(result);
  });
}

void GatewayClient::abandonRefresh(const ApiError& error) {
  ++sessionGeneration_;
  refreshing_ = false;
  const QList<quint64> waiting = std::exchange(waitingForRefresh_, {});
  const auto listeners = std::exchange(refreshListeners_, {});
  for (quint64 id : waiting) deliver(id, error);
  for (const auto& listener : listeners) listener(error);
}

void GatewayClient::finishRefresh(const Result<ApiResponse>& result) {
  refreshing_ = false;
  const QList<quint64> waiting = std::exchange(waitingForRefresh_, {});
  const auto listeners = std::exchange(refreshListeners_, {});

  const bool refreshed = result.ok() && !result->body.value(QLatin1String("accessToken")).toString().isEmpty();
  if (refreshed) {
    applyTokens(result->body);
    const QJsonObject user = result->body.value(QLatin1String("user")).toObject();
    if (!user.isEmpty()) session_.user = User::fromJson(user);
    emit sessionChanged();
    for (quint64 id : waiting) dispatch(id);
    for (const auto& listener : listeners) listener(Done{});
    return;
  }

  ApiError error = result.ok() ? ApiError::malformedResponse(result->httpStatus, tr("the refresh answer carries no access token"),
                                                             result->traceId)
                               : result.error();
  // A refused refresh token ends the session; a network failure, a timeout or a rate limit (the
  // gateway's per-address limit covers /auth/refresh too) leaves it for a later try.
  const bool refused = !error.isNetworkFailure() && error.httpStatus >= 400 && error.httpStatus < 500 &&
                       error.httpStatus != 408 && error.httpStatus != 429;
  if (refused) {
    session_.accessToken.clear();
    session_.refreshToken.clear();
    refreshTimer_->stop();
  } else {
    scheduleRefreshRetry(error.retryAfterSeconds);
  }
  // Callers waiting on the refresh get the 401 they would have had without it.
  ApiError callerError = error;
  if (refused) {
    callerError.httpStatus = 401;
    callerError.code = QStringLiteral("UNAUTHENTICATED");
  }
  for (quint64 id : waiting) deliver(id, callerError);
  for (const auto& listener : listeners) listener(callerError);
  if (refused) {
    emit sessionChanged();
    emit sessionExpired(error);
  }
}

void GatewayClient::applyTokens(const QJsonObject& body) {
  session_.accessToken = body.value(QLatin1String("accessToken")).toString();
  const QString refresh = body.value(QLatin1String("refreshToken")).toString();
  if (!refresh.isEmpty()) session_.refreshToken = refresh;
  const qint64 expiresIn = jsonInt64(body.value(QLatin1String("expiresIn")), 0);
  session_.accessTokenExpiry = expiresIn > 0 ? QDateTime::currentDateTimeUtc().addSecs(expiresIn) : QDateTime();
  scheduleProactiveRefresh(expiresIn);
  if (!refresh.isEmpty()) emit refreshTokenRotated(refresh);
}

void GatewayClient::scheduleProactiveRefresh(qint64 expiresInSeconds) {
  refreshTimer_->stop();
  if (expiresInSeconds <= 0 || session_.refreshToken.isEmpty()) return;
  // Refresh at 80% of the lifetime so a long-lived stream rarely meets a 401.
  const qint64 delayMs = qMax<qint64>(5000, expiresInSeconds * 800);
  refreshTimer_->start(static_cast<int>(qMin<qint64>(delayMs, std::numeric_limits<int>::max())));
}

void GatewayClient::scheduleRefreshRetry(int retryAfterSeconds) {
  // The proactive refresh has been spent (or this one came from a 401): without another try the
  // session would wait for some call's 401, and a console showing only the live stream makes none.
  constexpr qint64 kRetryMs = 30000;
  const qint64 wantedMs = retryAfterSeconds > 0 ? retryAfterSeconds * 1000LL : kRetryMs;
  const int delayMs = static_cast<int>(qMin<qint64>(wantedMs, std::numeric_limits<int>::max()));
  if (!refreshTimer_->isActive() || refreshTimer_->remainingTime() > delayMs) refreshTimer_->start(delayMs);
}

void GatewayClient::signOut() {
  if (!session_.refreshToken.isEmpty()) {
    ApiRequest request;
    request.method = "POST";
    request.path = QStringLiteral("/api/v1/auth/logout");
    request.body = QJsonObject{{QStringLiteral("refreshToken"), session_.refreshToken}};
    request.timeoutMs = 3000;
    // The refresh token in the body is the credential (the route is anonymous). No Authorization
    // header: the gateway refuses any request whose bearer token is expired, and an access token is
    // often expired exactly when a user signs out (after a sleep), which left the family valid.
    request.authenticated = false;
    send(request, nullptr, [](const Result<ApiResponse>&) {});
  }
  abandonRefresh(signedOutError(tr("Signed out.")));
  refreshTimer_->stop();
  session_ = Session{};
  emit sessionChanged();
}

}  // namespace fleetdeck::console
