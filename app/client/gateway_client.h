// GatewayClient: the console's one connection to the gateway — JSON over QNetworkAccessManager, the
// session's bearer token, refresh-and-retry-once on 401, and every outcome as a Result (never a throw).
#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QUrl>
#include <QUrlQuery>
#include <functional>
#include <optional>

#include "client/api_types.h"
#include "client/result.h"

class QNetworkAccessManager;
class QNetworkReply;
class QTimer;

namespace fleetdeck::console {

class ConnectionMonitor;

struct ApiRequest {
  QByteArray method = "GET";
  QString path;  // "/api/v1/users"; query parameters go in `query`
  QUrlQuery query;
  std::optional<QJsonObject> body;
  QList<QPair<QByteArray, QByteArray>> headers;  // If-Match, Idempotency-Key…
  // Sends the access token and, on 401, refreshes the session once and repeats the call.
  bool authenticated = true;
  int timeoutMs = 15000;
  // A 2xx answer's body is handed over unparsed in ApiResponse::rawBody: large answers (query_range
  // matrices) are then parsed on a worker thread instead of the GUI thread that delivers replies.
  bool keepRawBody = false;
};

struct ApiResponse {
  int httpStatus = 0;
  QJsonObject body;     // empty for 204 and empty bodies, and when the request asked for keepRawBody
  QByteArray rawBody;   // the body as received, only when the request asked for keepRawBody
  QByteArray etag;   // verbatim, quotes included: "\"3\""
  QByteArray traceId;
};

struct Session {
  QString accessToken;
  QString refreshToken;
  QDateTime accessTokenExpiry;
  User user;

  bool isValid() const { return !accessToken.isEmpty(); }
};

class GatewayClient : public QObject {
  Q_OBJECT

 public:
  using Callback = std::function<void(const Result<ApiResponse>&)>;

  explicit GatewayClient(QObject* parent = nullptr);
  ~GatewayClient() override;

  void setBaseUrl(const QUrl& url);
  QUrl baseUrl() const { return baseUrl_; }
  QUrl urlFor(const QString& path, const QUrlQuery& query = {}) const;
  QNetworkAccessManager* network() const { return network_; }
  ConnectionMonitor* connection() const { return monitor_; }

  const Session& session() const { return session_; }
  bool isSignedIn() const { return session_.isValid(); }
  // Installs a session obtained elsewhere (tests, a restored one).
  void setSession(const Session& session);

  // POST /api/v1/auth/login. On success the session holds both tokens and the signed-in user.
  // Returns the call id (cancel() abandons the attempt).
  quint64 signIn(const QString& username, const QString& password, QObject* context,
              std::function<void(const Result<User>&)> done);
  // Signs in with a refresh token kept from an earlier run: refresh, then GET /api/v1/users/me.
  void resumeSession(const QString& refreshToken, QObject* context, std::function<void(const Result<User>&)> done);
  // Refreshes now (the stream calls this on a 401); concurrent callers share one refresh.
  void refreshSession(QObject* context, std::function<void(const Result<Done>&)> done);
  // POST /api/v1/auth/logout (best effort) and forgets the tokens.
  void signOut();

  // Sends one call. `done` runs on this thread, unless `context` was given and has been destroyed.
  // Returns an id for cancel(); a cancelled call never calls back.
  quint64 send(const ApiRequest& request, QObject* context, Callback done);
  void cancel(quint64 callId);
  int callsInFlight() const { return static_cast<int>(calls_.size()); }

 signals:
  void sessionChanged();
  // Tokens rotate on every refresh; the keychain keeps the latest.
  void refreshTokenRotated(const QString& refreshToken);
  // The refresh token was refused: the user has to sign in again.
  void sessionExpired(const fleetdeck::console::ApiError& error);

 private:
  struct Call {
    quint64 id = 0;
    ApiRequest request;
    QPointer<QObject> context;
    bool hasContext = false;
    Callback done;
    bool retried = false;
    QPointer<QNetworkReply> reply;
  };

  void dispatch(quint64 id);
  void onReplyFinished(quint64 id, QNetworkReply* reply);
  void deliver(quint64 id, const Result<ApiResponse>& result);
  void startRefresh();
  // Starts a new session generation: a refresh in flight is forgotten and whoever waits on it gets
  // `error` (requests of the session that ends must not go out with the next one's token).
  void abandonRefresh(const ApiError& error);
  void finishRefresh(const Result<ApiResponse>& result);
  void applyTokens(const QJsonObject& body);
  void scheduleProactiveRefresh(qint64 expiresInSeconds);
  // After a refresh that failed but left the session (gateway down, rate limited): tries again after
  // `retryAfterSeconds`, or a while when the gateway did not say.
  void scheduleRefreshRetry(int retryAfterSeconds);

  QNetworkAccessManager* network_;
  ConnectionMonitor* monitor_;
  QTimer* refreshTimer_;
  QUrl baseUrl_;
  Session session_;
  quint64 nextId_ = 1;
  QHash<quint64, Call> calls_;
  QList<quint64> waitingForRefresh_;
  bool refreshing_ = false;
  // Moves on whenever the session is replaced or ended: a refresh answer of an older session is
  // dropped, so a sign-out cannot be undone (nor a newer sign-in overwritten) by a late answer.
  quint64 sessionGeneration_ = 0;
  QList<std::function<void(const Result<Done>&)>> refreshListeners_;
};

}  // namespace fleetdeck::console
