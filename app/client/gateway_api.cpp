#include "client/gateway_api.h"

#include <QJsonArray>
#include <QUrl>
#include <algorithm>
#include <utility>

namespace fleetdeck::console::api {
namespace {

// Sends `request` and turns the raw answer into T with `parse`; the error passes through untouched.
template <class T, class Parse>
quint64 call(GatewayClient* client, const ApiRequest& request, QObject* context, Done<T> done, Parse parse) {
  return client->send(request, context, [done = std::move(done), parse](const Result<ApiResponse>& result) {
    if (!result) {
      done(result.error());
      return;
    }
    done(parse(result.value()));
  });
}

ApiRequest get(const QString& path, const QUrlQuery& query = {}) {
  ApiRequest request;
  request.path = path;
  request.query = query;
  return request;
}

ApiRequest post(const QString& path, const QJsonObject& body = {}) {
  ApiRequest request;
  request.method = "POST";
  request.path = path;
  request.body = body;
  return request;
}

// Path segments come from data (ids); percent-encode them so an odd id cannot change the route.
QString segment(const QString& value) { return QString::fromLatin1(QUrl::toPercentEncoding(value)); }

void addIfSet(QUrlQuery& query, const QString& key, const QString& value) {
  if (!value.isEmpty()) query.addQueryItem(key, QString::fromLatin1(QUrl::toPercentEncoding(value)));
}

User userWithEtag(const ApiResponse& response) {
  User user = User::fromJson(response.body);
  if (const qint64 version = versionFromEtag(response.etag); version > 0) user.version = version;
  return user;
}

}  // namespace

qint64 versionFromEtag(const QByteArray& etag) {
  QByteArray text = etag.trimmed();
  if (text.startsWith("W/")) text.remove(0, 2);
  if (text.size() >= 2 && text.startsWith('"') && text.endsWith('"')) text = text.mid(1, text.size() - 2);
  bool ok = false;
  const qint64 version = text.toLongLong(&ok);
  return ok && version > 0 ? version : 0;
}

QByteArray ifMatch(qint64 version) { return '"' + QByteArray::number(version) + '"'; }

quint64 listUsers(GatewayClient* client, const UserFilter& filter, const QString& pageToken, int pageSize,
                  QObject* context, Done<Page<User>> done) {
  QUrlQuery query;
  query.addQueryItem(QStringLiteral("pageSize"), QString::number(pageSize));
  addIfSet(query, QStringLiteral("pageToken"), pageToken);
  addIfSet(query, QStringLiteral("role"), filter.role);
  addIfSet(query, QStringLiteral("status"), filter.status);
  addIfSet(query, QStringLiteral("query"), filter.query);
  return call<Page<User>>(client, get(QStringLiteral("/api/v1/users"), query), context, std::move(done),
                          [](const ApiResponse& response) {
                            Page<User> page;
                            const QJsonArray users = response.body.value(QLatin1String("users")).toArray();
                            page.items.reserve(users.size());
                            for (const QJsonValue& user : users) page.items.append(User::fromJson(user.toObject()));
                            page.nextPageToken = response.body.value(QLatin1String("nextPageToken")).toString();
                            return page;
                          });
}

quint64 getUser(GatewayClient* client, const QString& id, QObject* context, Done<User> done) {
  return call<User>(client, get(QStringLiteral("/api/v1/users/") + segment(id)), context, std::move(done), userWithEtag);
}

quint64 createUser(GatewayClient* client, const NewUser& user, const QString& idempotencyKey, QObject* context,
                   Done<User> done) {
  QJsonObject body{{QStringLiteral("username"), user.username},
                   {QStringLiteral("email"), user.email},
                   {QStringLiteral("password"), user.password},
                   {QStringLiteral("displayName"), user.displayName}};
  if (!user.role.isEmpty()) body.insert(QStringLiteral("role"), user.role);
  ApiRequest request = post(QStringLiteral("/api/v1/users"), body);
  if (!idempotencyKey.isEmpty()) request.headers.append({"Idempotency-Key", idempotencyKey.toUtf8()});
  return call<User>(client, request, context, std::move(done), userWithEtag);
}

quint64 updateUser(GatewayClient* client, const QString& id, qint64 expectedVersion, const QJsonObject& changes,
                   QObject* context, Done<User> done) {
  ApiRequest request;
  request.method = "PATCH";
  request.path = QStringLiteral("/api/v1/users/") + segment(id);
  request.body = changes;
  request.headers.append({"If-Match", ifMatch(expectedVersion)});
  return call<User>(client, request, context, std::move(done), userWithEtag);
}

quint64 disableUser(GatewayClient* client, const QString& id, QObject* context, Done<User> done) {
  ApiRequest request;
  request.method = "DELETE";
  request.path = QStringLiteral("/api/v1/users/") + segment(id);
  return call<User>(client, request, context, std::move(done), userWithEtag);
}

quint64 resetPassword(GatewayClient* client, const QString& id, QObject* context, Done<QString> done) {
  return call<QString>(client, post(QStringLiteral("/api/v1/users/%1:resetPassword").arg(segment(id))), context,
                       std::move(done), [](const ApiResponse& response) -> Result<QString> {
                         const QString password = response.body.value(QLatin1String("temporaryPassword")).toString();
                         if (password.isEmpty()) {
                           return ApiError::malformedResponse(response.httpStatus, QStringLiteral("no temporaryPassword"),
                                                              response.traceId);
                         }
                         return password;
                       });
}

quint64 listOrders(GatewayClient* client, const OrderFilter& filter, const QString& pageToken, int pageSize,
                   QObject* context, Done<Page<Order>> done) {
  QUrlQuery query;
  query.addQueryItem(QStringLiteral("pageSize"), QString::number(pageSize));
  addIfSet(query, QStringLiteral("pageToken"), pageToken);
  addIfSet(query, QStringLiteral("status"), filter.status);
  addIfSet(query, QStringLiteral("userId"), filter.userId);
  if (filter.createdAfter.isValid()) addIfSet(query, QStringLiteral("createdAfter"), rfc3339(filter.createdAfter));
  if (filter.createdBefore.isValid()) addIfSet(query, QStringLiteral("createdBefore"), rfc3339(filter.createdBefore));
  return call<Page<Order>>(client, get(QStringLiteral("/api/v1/orders"), query), context, std::move(done),
                           [](const ApiResponse& response) {
                             Page<Order> page;
                             const QJsonArray orders = response.body.value(QLatin1String("orders")).toArray();
                             page.items.reserve(orders.size());
                             for (const QJsonValue& order : orders) page.items.append(Order::fromJson(order.toObject()));
                             page.nextPageToken = response.body.value(QLatin1String("nextPageToken")).toString();
                             return page;
                           });
}

quint64 getOrderDetails(GatewayClient* client, const QString& id, QObject* context, Done<OrderDetails> done) {
  return call<OrderDetails>(client, get(QStringLiteral("/api/v1/orders/%1/details").arg(segment(id))), context,
                            std::move(done), [](const ApiResponse& r) { return OrderDetails::fromJson(r.body); });
}

namespace {
quint64 orderAction(GatewayClient* client, const QString& id, qint64 expectedVersion, const QString& action,
                    const QJsonObject& body, const QString& idempotencyKey, QObject* context, Done<Order> done) {
  ApiRequest request = post(QStringLiteral("/api/v1/orders/%1:%2").arg(segment(id), action), body);
  if (expectedVersion > 0) request.headers.append({"If-Match", ifMatch(expectedVersion)});
  if (!idempotencyKey.isEmpty()) request.headers.append({"Idempotency-Key", idempotencyKey.toUtf8()});
  return call<Order>(client, request, context, std::move(done), [](const ApiResponse& r) { return Order::fromJson(r.body); });
}
}  // namespace

quint64 cancelOrder(GatewayClient* client, const QString& id, qint64 expectedVersion, const QString& reason,
                    const QString& idempotencyKey, QObject* context, Done<Order> done) {
  return orderAction(client, id, expectedVersion, QStringLiteral("cancel"), {{QStringLiteral("reason"), reason}},
                     idempotencyKey, context, std::move(done));
}

quint64 shipOrder(GatewayClient* client, const QString& id, qint64 expectedVersion, const QString& trackingNumber,
                  const QString& idempotencyKey, QObject* context, Done<Order> done) {
  return orderAction(client, id, expectedVersion, QStringLiteral("ship"),
                     {{QStringLiteral("trackingNumber"), trackingNumber}}, idempotencyKey, context, std::move(done));
}

quint64 deliverOrder(GatewayClient* client, const QString& id, qint64 expectedVersion, const QString& idempotencyKey,
                     QObject* context, Done<Order> done) {
  return orderAction(client, id, expectedVersion, QStringLiteral("deliver"), {}, idempotencyKey, context, std::move(done));
}

quint64 createOrder(GatewayClient* client, const QString& userId, const QVector<NewOrderLine>& lines,
                    const QString& idempotencyKey, QObject* context, Done<Order> done) {
  QJsonArray items;
  for (const NewOrderLine& line : lines) {
    // int64 goes out as a string, as the proto3 JSON mapping writes it.
    items.append(QJsonObject{{QStringLiteral("productId"), line.productId},
                             {QStringLiteral("quantity"), QString::number(line.quantity)}});
  }
  ApiRequest request = post(QStringLiteral("/api/v1/orders"),
                            {{QStringLiteral("userId"), userId}, {QStringLiteral("items"), items}});
  request.headers.append({"Idempotency-Key", idempotencyKey.toUtf8()});
  return call<Order>(client, request, context, std::move(done), [](const ApiResponse& r) { return Order::fromJson(r.body); });
}

quint64 orderEvents(GatewayClient* client, const QString& orderId, QObject* context, Done<QVector<OrderEvent>> done) {
  return call<QVector<OrderEvent>>(client, get(QStringLiteral("/api/v1/orders/%1/events").arg(segment(orderId))),
                                   context, std::move(done), [](const ApiResponse& response) {
                                     QVector<OrderEvent> events;
                                     for (const QJsonValue& e : response.body.value(QLatin1String("events")).toArray()) {
                                       events.append(OrderEvent::fromJson(e.toObject()));
                                     }
                                     return events;
                                   });
}

quint64 orderStateAt(GatewayClient* client, const QString& orderId, qint64 version, QObject* context,
                     Done<QJsonObject> done) {
  QUrlQuery query;
  query.addQueryItem(QStringLiteral("version"), QString::number(version));
  return call<QJsonObject>(client, get(QStringLiteral("/api/v1/admin/orders/%1/state").arg(segment(orderId)), query),
                           context, std::move(done),
                           [](const ApiResponse& r) { return r.body.value(QLatin1String("order")).toObject(); });
}

quint64 fleet(GatewayClient* client, QObject* context, Done<QVector<FleetService>> done) {
  return call<QVector<FleetService>>(client, get(QStringLiteral("/api/v1/admin/fleet")), context, std::move(done),
                                     [](const ApiResponse& response) {
                                       QVector<FleetService> services;
                                       for (const QJsonValue& s : response.body.value(QLatin1String("services")).toArray()) {
                                         services.append(FleetService::fromJson(s.toObject()));
                                       }
                                       return services;
                                     });
}

quint64 listSagas(GatewayClient* client, const SagaFilter& filter, const QString& pageToken, int pageSize,
                  QObject* context, Done<Page<Saga>> done) {
  QUrlQuery query;
  query.addQueryItem(QStringLiteral("pageSize"), QString::number(pageSize));
  addIfSet(query, QStringLiteral("pageToken"), pageToken);
  addIfSet(query, QStringLiteral("state"), filter.state);
  if (filter.createdAfter.isValid()) addIfSet(query, QStringLiteral("createdAfter"), rfc3339(filter.createdAfter));
  if (filter.createdBefore.isValid()) addIfSet(query, QStringLiteral("createdBefore"), rfc3339(filter.createdBefore));
  return call<Page<Saga>>(client, get(QStringLiteral("/api/v1/admin/sagas"), query), context, std::move(done),
                          [](const ApiResponse& response) {
                            Page<Saga> page;
                            for (const QJsonValue& s : response.body.value(QLatin1String("sagas")).toArray()) {
                              page.items.append(Saga::fromJson(s.toObject()));
                            }
                            page.nextPageToken = response.body.value(QLatin1String("nextPageToken")).toString();
                            return page;
                          });
}

quint64 getSaga(GatewayClient* client, const QString& id, QObject* context, Done<Saga> done) {
  return call<Saga>(client, get(QStringLiteral("/api/v1/admin/sagas/") + segment(id)), context, std::move(done),
                    [](const ApiResponse& r) { return Saga::fromJson(r.body); });
}

quint64 orderPayments(GatewayClient* client, const QString& orderId, QObject* context, Done<QVector<Payment>> done) {
  QUrlQuery query;
  query.addQueryItem(QStringLiteral("orderId"), orderId);
  query.addQueryItem(QStringLiteral("pageSize"), QStringLiteral("20"));
  return call<QVector<Payment>>(client, get(QStringLiteral("/api/v1/payments"), query), context, std::move(done),
                                [](const ApiResponse& response) {
                                  QVector<Payment> payments;
                                  for (const QJsonValue& payment : response.body.value(QLatin1String("payments")).toArray()) {
                                    payments.append(Payment::fromJson(payment.toObject()));
                                  }
                                  std::sort(payments.begin(), payments.end(), [](const Payment& a, const Payment& b) {
                                    return a.createTime < b.createTime;
                                  });
                                  return payments;
                                });
}

quint64 getTrace(GatewayClient* client, const QString& traceId, QObject* context, Done<Trace> done) {
  return call<Trace>(client, get(QStringLiteral("/api/v1/admin/traces/") + segment(traceId)), context, std::move(done),
                     [](const ApiResponse& r) { return Trace::fromJson(r.body); });
}

quint64 listTraces(GatewayClient* client, const TraceFilter& filter, QObject* context, Done<TraceList> done) {
  QUrlQuery query;
  addIfSet(query, QStringLiteral("service"), filter.service.trimmed());
  addIfSet(query, QStringLiteral("rootName"), filter.rootName.trimmed());
  // Left out at 0: the gateway's default is "any duration", and an unfiltered request stays plain.
  if (filter.minDurationMs > 0) query.addQueryItem(QStringLiteral("minDurationMs"), QString::number(filter.minDurationMs));
  query.addQueryItem(QStringLiteral("limit"), QString::number(qBound(1, filter.limit, kTracesMaxLimit)));
  return call<TraceList>(client, get(QStringLiteral("/api/v1/admin/traces"), query), context, std::move(done),
                         [](const ApiResponse& response) -> Result<TraceList> {
                           if (!response.body.value(QLatin1String("traces")).isArray()) {
                             return ApiError::malformedResponse(response.httpStatus, QStringLiteral("no traces"),
                                                                response.traceId);
                           }
                           return TraceList::fromJson(response.body);
                         });
}

namespace {
// The Rebuild both rebuild calls answer; without an id or a state it cannot be followed.
Result<RebuildReport> rebuildFrom(const ApiResponse& response, const QString& askedId) {
  RebuildReport report = RebuildReport::fromJson(response.body);
  if (report.rebuildId.isEmpty()) report.rebuildId = askedId;
  if (report.rebuildId.isEmpty()) return ApiError::malformedResponse(response.httpStatus, QStringLiteral("no id"), response.traceId);
  if (report.state.isEmpty()) return ApiError::malformedResponse(response.httpStatus, QStringLiteral("no state"), response.traceId);
  return report;
}
}  // namespace

quint64 startOrdersRebuild(GatewayClient* client, QObject* context, Done<RebuildReport> done) {
  return call<RebuildReport>(client, post(QStringLiteral("/api/v1/admin/projections/orders:rebuild")), context,
                             std::move(done), [](const ApiResponse& response) { return rebuildFrom(response, QString()); });
}

quint64 getRebuild(GatewayClient* client, const QString& rebuildId, QObject* context, Done<RebuildReport> done) {
  return call<RebuildReport>(client, get(QStringLiteral("/api/v1/admin/projections/rebuilds/") + segment(rebuildId)),
                             context, std::move(done),
                             [rebuildId](const ApiResponse& response) { return rebuildFrom(response, rebuildId); });
}

namespace {
Result<PromQueryResult> promResult(const ApiResponse& response) {
  PromQueryResult result = PromQueryResult::fromJson(response.body);
  if (!result.errorMessage.isEmpty()) {
    ApiError error;
    error.httpStatus = response.httpStatus;
    error.code = QStringLiteral("INVALID_ARGUMENT");
    error.message = result.errorMessage;
    error.traceId = QString::fromLatin1(response.traceId);
    return error;
  }
  return result;
}
}  // namespace

quint64 promQuery(GatewayClient* client, const QString& query, const QDateTime& time, QObject* context,
                  Done<PromQueryResult> done) {
  QUrlQuery params;
  addIfSet(params, QStringLiteral("query"), query);
  if (time.isValid()) params.addQueryItem(QStringLiteral("time"), QString::number(time.toSecsSinceEpoch()));
  return call<PromQueryResult>(client, get(QStringLiteral("/api/v1/admin/metrics/query"), params), context,
                               std::move(done), promResult);
}

namespace {
ApiRequest queryRangeRequest(const QString& query, const QDateTime& start, const QDateTime& end, int stepSeconds) {
  QUrlQuery params;
  addIfSet(params, QStringLiteral("query"), query);
  params.addQueryItem(QStringLiteral("start"), QString::number(start.toSecsSinceEpoch()));
  params.addQueryItem(QStringLiteral("end"), QString::number(end.toSecsSinceEpoch()));
  params.addQueryItem(QStringLiteral("step"), QString::number(qMax(1, stepSeconds)));
  ApiRequest request = get(QStringLiteral("/api/v1/admin/metrics/query_range"), params);
  request.timeoutMs = 30000;
  return request;
}
}  // namespace

quint64 promQueryRange(GatewayClient* client, const QString& query, const QDateTime& start, const QDateTime& end,
                       int stepSeconds, QObject* context, Done<PromQueryResult> done) {
  return call<PromQueryResult>(client, queryRangeRequest(query, start, end, stepSeconds), context, std::move(done),
                               promResult);
}

quint64 promQueryRangeBody(GatewayClient* client, const QString& query, const QDateTime& start, const QDateTime& end,
                           int stepSeconds, QObject* context, Done<QByteArray> done) {
  ApiRequest request = queryRangeRequest(query, start, end, stepSeconds);
  request.keepRawBody = true;
  return call<QByteArray>(client, request, context, std::move(done),
                          [](const ApiResponse& response) { return response.rawBody; });
}

quint64 alerts(GatewayClient* client, QObject* context, Done<QVector<PromAlert>> done) {
  return call<QVector<PromAlert>>(client, get(QStringLiteral("/api/v1/admin/alerts")), context, std::move(done),
                                  [](const ApiResponse& r) { return PromAlert::listFromJson(r.body); });
}

quint64 rules(GatewayClient* client, QObject* context, Done<QVector<PromRule>> done) {
  return call<QVector<PromRule>>(client, get(QStringLiteral("/api/v1/admin/rules")), context, std::move(done),
                                 [](const ApiResponse& r) { return PromRule::listFromJson(r.body); });
}

namespace {
// {alertname, labels}: an alert's identity as the acknowledgement calls take it.
QJsonObject alertIdentity(const PromAlert& alert) {
  QJsonObject labels;
  for (auto it = alert.labels.cbegin(); it != alert.labels.cend(); ++it) labels.insert(it.key(), it.value());
  return {{QStringLiteral("alertname"), alert.name}, {QStringLiteral("labels"), labels}};
}
}  // namespace

quint64 acknowledgeAlert(GatewayClient* client, const PromAlert& alert, const QString& comment, QObject* context,
                         Done<AlertAcknowledgement> done) {
  QJsonObject body = alertIdentity(alert);
  body.insert(QStringLiteral("comment"), comment);
  return call<AlertAcknowledgement>(
      client, post(QStringLiteral("/api/v1/admin/alerts:acknowledge"), body), context, std::move(done),
      [](const ApiResponse& response) -> Result<AlertAcknowledgement> {
        AlertAcknowledgement acknowledgement = AlertAcknowledgement::fromJson(response.body);
        if (acknowledgement.alertname.isEmpty()) {
          return ApiError::malformedResponse(response.httpStatus, QStringLiteral("no alertname"), response.traceId);
        }
        return acknowledgement;
      });
}

quint64 unacknowledgeAlert(GatewayClient* client, const PromAlert& alert, QObject* context,
                           Done<fleetdeck::console::Done> done) {
  const ApiRequest request = post(QStringLiteral("/api/v1/admin/alerts:unacknowledge"), alertIdentity(alert));
  return call<fleetdeck::console::Done>(client, request, context, std::move(done),
                                        [](const ApiResponse&) { return fleetdeck::console::Done{}; });
}

quint64 alertAcknowledgements(GatewayClient* client, QObject* context, Done<QVector<AlertAcknowledgement>> done) {
  return call<QVector<AlertAcknowledgement>>(
      client, get(QStringLiteral("/api/v1/admin/alerts/acknowledgements")), context, std::move(done),
      [](const ApiResponse& response) {
        QVector<AlertAcknowledgement> acknowledgements;
        for (const QJsonValue& value : response.body.value(QLatin1String("acknowledgements")).toArray()) {
          if (value.isObject()) acknowledgements.append(AlertAcknowledgement::fromJson(value.toObject()));
        }
        return acknowledgements;
      });
}

quint64 listDeadLetters(GatewayClient* client, const QString& consumer, int limit, QObject* context,
                        Done<DeadLetterList> done) {
  QUrlQuery query;
  addIfSet(query, QStringLiteral("consumer"), consumer);
  query.addQueryItem(QStringLiteral("limit"), QString::number(qBound(1, limit, kDeadLettersMaxLimit)));
  return call<DeadLetterList>(client, get(QStringLiteral("/api/v1/admin/dead-letters"), query), context,
                              std::move(done), [](const ApiResponse& response) -> Result<DeadLetterList> {
                                if (!response.body.value(QLatin1String("deadLetters")).isArray()) {
                                  return ApiError::malformedResponse(response.httpStatus, QStringLiteral("no deadLetters"),
                                                                     response.traceId);
                                }
                                return DeadLetterList::fromJson(response.body);
                              });
}

namespace {
quint64 replay(GatewayClient* client, const QJsonObject& body, QObject* context, Done<int> done) {
  ApiRequest request = post(QStringLiteral("/api/v1/admin/dead-letters:replay"), body);
  // The gateway republishes up to 500 letters one by one before it answers.
  request.timeoutMs = 60000;
  return call<int>(client, request, context, std::move(done), [](const ApiResponse& response) -> Result<int> {
    const QJsonValue replayed = response.body.value(QLatin1String("replayed"));
    if (!replayed.isDouble() && !replayed.isString()) {
      return ApiError::malformedResponse(response.httpStatus, QStringLiteral("no replayed"), response.traceId);
    }
    return static_cast<int>(jsonInt64(replayed));
  });
}
}  // namespace

quint64 replayDeadLetter(GatewayClient* client, qint64 sequence, QObject* context, Done<int> done) {
  // A JSON number, unlike the int64 fields of proto messages: the gateway reads this body itself and
  // refuses a string.
  return replay(client, {{QStringLiteral("sequence"), static_cast<double>(sequence)}}, context, std::move(done));
}

quint64 replayDeadLetters(GatewayClient* client, const QString& consumer, QObject* context, Done<int> done) {
  return replay(client, {{QStringLiteral("consumer"), consumer}}, context, std::move(done));
}

quint64 getFaults(GatewayClient* client, QObject* context, Done<PaymentFaults> done) {
  return call<PaymentFaults>(client, get(QStringLiteral("/api/v1/admin/faults")), context, std::move(done),
                             [](const ApiResponse& r) { return PaymentFaults::fromJson(r.body); });
}

quint64 putFaults(GatewayClient* client, const PaymentFaults& faults, QObject* context, Done<PaymentFaults> done) {
  ApiRequest request;
  request.method = "PUT";
  request.path = QStringLiteral("/api/v1/admin/faults");
  request.body = faults.toJson();
  return call<PaymentFaults>(client, request, context, std::move(done),
                             [](const ApiResponse& r) { return PaymentFaults::fromJson(r.body); });
}

quint64 serviceAction(GatewayClient* client, const QString& service, const QString& action, QObject* context,
                      Done<fleetdeck::console::Done> done) {
  ApiRequest request = post(QStringLiteral("/api/v1/admin/services/%1:%2").arg(segment(service), action));
  // The launcher answers a stop after the service's graceful shutdown and a start once it is ready.
  request.timeoutMs = 60000;
  return call<fleetdeck::console::Done>(client, request, context, std::move(done),
                                        [](const ApiResponse&) { return fleetdeck::console::Done{}; });
}

}  // namespace fleetdeck::console::api
