#include "fakes/fake_gateway.h"

#include <QJsonDocument>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

namespace fleetdeck::console::testing {
namespace {

QByteArray reasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 409: return "Conflict";
    case 412: return "Precondition Failed";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

}  // namespace

QJsonObject FakeRequest::json() const { return QJsonDocument::fromJson(body).object(); }

QString FakeRequest::queryValue(const QString& key) const { return query.queryItemValue(key, QUrl::FullyDecoded); }

FakeResponse FakeResponse::json(int status, const QJsonObject& body) {
  FakeResponse response;
  response.status = status;
  response.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
  response.headers.append(qMakePair(QByteArray("Content-Type"), QByteArray("application/json")));
  return response;
}

FakeResponse FakeResponse::error(int status, const QString& code, const QString& message,
                                 const QList<QPair<QString, QString>>& fieldErrors) {
  QJsonArray details;
  for (const auto& [field, reason] : fieldErrors) details.append(QJsonObject{{"field", field}, {"reason", reason}});
  return json(status, QJsonObject{{"error", QJsonObject{{"code", code},
                                                        {"message", message},
                                                        {"details", details},
                                                        {"trace_id", QStringLiteral("trace-in-body")}}}});
}

FakeResponse FakeResponse::empty(int status) {
  FakeResponse response;
  response.status = status;
  return response;
}

FakeResponse& FakeResponse::withHeader(const QByteArray& name, const QByteArray& value) {
  headers.append(qMakePair(name, value));
  return *this;
}

FakeResponse& FakeResponse::withErrorReason(const QString& reason) {
  QJsonObject document = QJsonDocument::fromJson(body).object();
  QJsonObject error = document.value(QLatin1String("error")).toObject();
  error.insert(QLatin1String("reason"), reason);
  document.insert(QLatin1String("error"), error);
  body = QJsonDocument(document).toJson(QJsonDocument::Compact);
  return *this;
}

FakeGateway::FakeGateway(QObject* parent) : QObject(parent), server_(new QTcpServer(this)) {
  connect(server_, &QTcpServer::newConnection, this, &FakeGateway::onNewConnection);
}

FakeGateway::~FakeGateway() { stop(); }

bool FakeGateway::start(quint16 port) {
  if (server_->isListening()) return true;
  if (!server_->listen(QHostAddress::LocalHost, port == 0 ? port_ : port)) return false;
  port_ = server_->serverPort();
  return true;
}

void FakeGateway::stop() {
  server_->close();
  for (const QPointer<QTcpSocket>& socket : std::as_const(sockets_)) {
    if (socket) socket->abort();
  }
  sockets_.clear();
  streams_.clear();
  buffers_.clear();
}

bool FakeGateway::isListening() const { return server_->isListening(); }

QUrl FakeGateway::url() const { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port_)); }

void FakeGateway::route(const QByteArray& method, const QString& pathPattern, Handler handler) {
  routes_.prepend(Route{method, QRegularExpression(QRegularExpression::anchoredPattern(pathPattern)), std::move(handler)});
}

int FakeGateway::count(const QByteArray& method, const QString& pathPattern) const {
  const QRegularExpression pattern(QRegularExpression::anchoredPattern(pathPattern));
  int n = 0;
  for (const FakeRequest& request : requests_) {
    if (request.method == method && pattern.match(request.path).hasMatch()) ++n;
  }
  return n;
}

void FakeGateway::onNewConnection() {
  while (QTcpSocket* socket = server_->nextPendingConnection()) {
    sockets_.append(socket);
    connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    connect(socket, &QObject::destroyed, this, [this, socket] { buffers_.remove(socket); });
  }
}

void FakeGateway::onReadyRead(QTcpSocket* socket) {
  QByteArray& buffer = buffers_[socket];
  buffer.append(socket->readAll());
  while (true) {
    const qsizetype headerEnd = buffer.indexOf("\r\n\r\n");
    if (headerEnd < 0) return;
    const QList<QByteArray> lines = buffer.left(headerEnd).split('\n');
    FakeRequest request;
    const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
    request.method = requestLine.value(0);
    const QUrl target(QString::fromLatin1(requestLine.value(1)));
    request.path = target.path(QUrl::FullyDecoded);
    request.query = QUrlQuery(target.query(QUrl::FullyEncoded));
    for (int i = 1; i < lines.size(); ++i) {
      const QByteArray line = lines[i].trimmed();
      const qsizetype colon = line.indexOf(':');
      if (colon <= 0) continue;
      request.headers.insert(line.left(colon).trimmed().toLower(), line.mid(colon + 1).trimmed());
    }
    const int length = request.header("content-length").toInt();
    if (buffer.size() < headerEnd + 4 + length) return;
    request.body = buffer.mid(headerEnd + 4, length);
    buffer.remove(0, headerEnd + 4 + length);
    handle(socket, request);
    if (!buffers_.contains(socket)) return;  // the handler closed it
  }
}

void FakeGateway::handle(QTcpSocket* socket, FakeRequest request) {
  FakeResponse response = FakeResponse::error(404, QStringLiteral("NOT_FOUND"), QStringLiteral("no route for ") + request.path);
  for (const Route& route : std::as_const(routes_)) {
    if (route.method != request.method) continue;
    const QRegularExpressionMatch match = route.pattern.match(request.path);
    if (!match.hasMatch()) continue;
    request.match = match;
    requests_.append(request);
    response = route.handler(request);
    break;
  }
  if (!request.match.hasMatch()) requests_.append(request);
  for (const auto& [pattern, instead] : std::as_const(lostAnswers_)) {
    if (pattern.match(request.path).hasMatch()) response = instead;
  }
  emit requestReceived(request.path);
  for (const auto& [pattern, ms] : std::as_const(delays_)) {
    if (pattern.match(request.path).hasMatch()) response.delayMs = qMax(response.delayMs, ms);
  }

  if (response.hangUp) {
    buffers_.remove(socket);
    socket->abort();
    return;
  }
  QByteArray head = "HTTP/1.1 " + QByteArray::number(response.status) + ' ' + reasonPhrase(response.status) + "\r\n";
  head += "X-Trace-Id: trace-" + QByteArray::number(++traceCounter_) + "\r\n";
  for (const auto& [name, value] : std::as_const(response.headers)) head += name + ": " + value + "\r\n";
  if (response.eventStream) {
    head += "Content-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n";
    socket->write(head);
    socket->flush();
    streams_.append(socket);
    emit streamOpened(request.header("last-event-id"));
    return;
  }
  head += "Content-Length: " + QByteArray::number(response.body.size()) + "\r\n\r\n";
  if (response.delayMs > 0) {
    QTimer::singleShot(response.delayMs, socket, [socket, bytes = head + response.body] {
      socket->write(bytes);
      socket->flush();
    });
    return;
  }
  if (response.cutBodyAfter >= 0) {
    socket->write(head + response.body.left(response.cutBodyAfter));
    socket->flush();
    buffers_.remove(socket);
    socket->disconnectFromHost();  // after what was written, unlike abort()
    return;
  }
  socket->write(head + response.body);
  socket->flush();
}

void FakeGateway::loseAnswers(const QString& pathPattern, const FakeResponse& instead) {
  keepAnswers(pathPattern);
  lostAnswers_.append({QRegularExpression(QRegularExpression::anchoredPattern(pathPattern)), instead});
}

void FakeGateway::keepAnswers(const QString& pathPattern) {
  const QString pattern = QRegularExpression::anchoredPattern(pathPattern);
  lostAnswers_.removeIf([&](const auto& lost) { return lost.first.pattern() == pattern; });
}

void FakeGateway::delayResponses(const QString& pathPattern, int ms) {
  const QRegularExpression pattern(QRegularExpression::anchoredPattern(pathPattern));
  delays_.removeIf([&](const auto& delay) { return delay.first.pattern() == pattern.pattern(); });
  if (ms > 0) delays_.append({pattern, ms});
}

void FakeGateway::writeChunk(QTcpSocket* socket, const QByteArray& data) {
  socket->write(QByteArray::number(data.size(), 16) + "\r\n" + data + "\r\n");
  socket->flush();
}

void FakeGateway::pushEvent(const QString& type, const QJsonObject& data, const QString& id) {
  const QString eventId = id.isEmpty() ? QString::number(++eventNumber_) : id;
  const QByteArray frame = "id: " + eventId.toUtf8() + "\nevent: " + type.toUtf8() + "\ndata: " +
                           QJsonDocument(data).toJson(QJsonDocument::Compact) + "\n\n";
  pushRaw(frame);
}

void FakeGateway::pushComment(const QByteArray& comment) { pushRaw(":" + comment + "\n"); }

void FakeGateway::pushRaw(const QByteArray& bytes) {
  for (const QPointer<QTcpSocket>& socket : std::as_const(streams_)) {
    if (socket && socket->state() == QAbstractSocket::ConnectedState) writeChunk(socket, bytes);
  }
}

void FakeGateway::dropStreams() {
  const auto streams = std::exchange(streams_, {});
  for (const QPointer<QTcpSocket>& socket : streams) {
    if (socket) socket->abort();
  }
}

int FakeGateway::openStreams() const {
  int n = 0;
  for (const QPointer<QTcpSocket>& socket : streams_) {
    if (socket && socket->state() == QAbstractSocket::ConnectedState) ++n;
  }
  return n;
}

}  // namespace fleetdeck::console::testing
