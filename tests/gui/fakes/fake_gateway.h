// FakeGateway: a small HTTP/1.1 server on 127.0.0.1 (QTcpServer) that plays the gateway for console
// tests — routes answered by lambdas, every request recorded, and a Server-Sent Events endpoint the
// test pushes events into, drops, or takes down with the whole server.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QRegularExpression>
#include <QUrl>
#include <QUrlQuery>
#include <functional>

class QTcpServer;
class QTcpSocket;

namespace fleetdeck::console::testing {

struct FakeRequest {
  QByteArray method;
  QString path;  // decoded, without the query
  QUrlQuery query;
  QHash<QByteArray, QByteArray> headers;  // lower-case names
  QByteArray body;
  QRegularExpressionMatch match;  // of the route's path pattern

  QByteArray header(const QByteArray& name) const { return headers.value(name.toLower()); }
  QJsonObject json() const;
  // Query value fully decoded (%2B -> '+').
  QString queryValue(const QString& key) const;
};

struct FakeResponse {
  int status = 200;
  QByteArray body;
  QList<QPair<QByteArray, QByteArray>> headers;
  // Keep the connection open as a text/event-stream; events come from FakeGateway::pushEvent.
  bool eventStream = false;
  // Close the connection without answering (a crash mid-request).
  bool hangUp = false;
  // Answer this much later (the event loop keeps running): a slow upstream.
  int delayMs = 0;
  // Send the head (Content-Length of the whole body) and this many bytes of the body, then close the
  // connection: an answer cut off on its way back. -1 sends it whole.
  int cutBodyAfter = -1;

  static FakeResponse json(int status, const QJsonObject& body);
  static FakeResponse error(int status, const QString& code, const QString& message,
                            const QList<QPair<QString, QString>>& fieldErrors = {});
  static FakeResponse empty(int status);
  FakeResponse& withHeader(const QByteArray& name, const QByteArray& value);
  // An error() answer with "reason" in its error object, as the gateway gives on some 503s.
  FakeResponse& withErrorReason(const QString& reason);
};

class FakeGateway : public QObject {
  Q_OBJECT

 public:
  using Handler = std::function<FakeResponse(const FakeRequest&)>;

  explicit FakeGateway(QObject* parent = nullptr);
  ~FakeGateway() override;

  // Listens on 127.0.0.1:`port` (0: any free port). A stopped gateway can start again on its old port.
  bool start(quint16 port = 0);
  // Closes the listener and every open connection: the gateway is "down".
  void stop();
  bool isListening() const;
  quint16 port() const { return port_; }
  QUrl url() const;

  // Later routes win over earlier ones, so a test can override a default. `pathPattern` is a regular
  // expression matched against the whole path.
  void route(const QByteArray& method, const QString& pathPattern, Handler handler);

  // Answers to paths matching `pathPattern` (a regular expression over the whole path) come `ms`
  // later, as from a slow upstream; 0 takes it back.
  void delayResponses(const QString& pathPattern, int ms);

  // Requests to paths matching `pathPattern` are handled as usual (whatever they change is changed),
  // but the client gets `instead`: answers lost on their way back (a 503 from a proxy in front, a
  // dropped connection), until keepAnswers() with the same pattern.
  void loseAnswers(const QString& pathPattern, const FakeResponse& instead);
  void keepAnswers(const QString& pathPattern);

  QList<FakeRequest> requests() const { return requests_; }
  int count(const QByteArray& method, const QString& pathPattern) const;
  void clearRequests() { requests_.clear(); }

  // SSE: every open stream gets the event. `id` empty: the next number.
  void pushEvent(const QString& type, const QJsonObject& data, const QString& id = {});
  void pushComment(const QByteArray& comment);
  void pushRaw(const QByteArray& bytes);
  // Closes every open stream (the client should reconnect).
  void dropStreams();
  int openStreams() const;
  qint64 lastEventNumber() const { return eventNumber_; }

 signals:
  void requestReceived(const QString& path);
  void streamOpened(const QByteArray& lastEventId);

 private:
  struct Route {
    QByteArray method;
    QRegularExpression pattern;
    Handler handler;
  };
  QList<QPair<QRegularExpression, int>> delays_;
  QList<QPair<QRegularExpression, FakeResponse>> lostAnswers_;
  void onNewConnection();
  void onReadyRead(QTcpSocket* socket);
  void handle(QTcpSocket* socket, FakeRequest request);
  void writeChunk(QTcpSocket* socket, const QByteArray& data);

  QTcpServer* server_;
  quint16 port_ = 0;
  QList<Route> routes_;
  QList<FakeRequest> requests_;
  QHash<QTcpSocket*, QByteArray> buffers_;
  QList<QPointer<QTcpSocket>> streams_;
  QList<QPointer<QTcpSocket>> sockets_;
  qint64 eventNumber_ = 0;
  quint64 traceCounter_ = 0;
};

}  // namespace fleetdeck::console::testing
