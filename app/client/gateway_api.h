// Typed calls of the gateway contract (docs/console-api-contract.md), one function per endpoint the
// console uses, each parsing its answer into api_types structs. Thin: all transport is GatewayClient's.
#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QVector>
#include <functional>

#include "client/api_types.h"
#include "client/gateway_client.h"
#include "client/result.h"

namespace fleetdeck::console::api {

template <class T>
using Done = std::function<void(const Result<T>&)>;

struct UserFilter {
  QString role;
  QString status;
  QString query;
};

struct NewUser {
  QString username;
  QString email;
  QString password;
  QString displayName;
  QString role;
};

struct OrderFilter {
  QString status;
  QString userId;
  // Created in [createdAfter, createdBefore): the gateway's range, so every page stays inside it. An
  // invalid end is open; an end not later than the start is refused (400 naming createdBefore).
  QDateTime createdAfter;
  QDateTime createdBefore;

  bool operator==(const OrderFilter&) const = default;
};

struct SagaFilter {
  QString state;  // "" for every state
  // Started in [createdAfter, createdBefore), as OrderFilter's range: the gateway applies it, so every
  // page stays inside it. An invalid end is open.
  QDateTime createdAfter;
  QDateTime createdBefore;

  bool operator==(const SagaFilter&) const = default;
};

struct NewOrderLine {
  QString productId;
  qint64 quantity = 1;
};

// The version an ETag names: "\"7\"" -> 7, W/"7" -> 7; 0 when it is not one of ours.
qint64 versionFromEtag(const QByteArray& etag);
QByteArray ifMatch(qint64 version);

quint64 listUsers(GatewayClient* client, const UserFilter& filter, const QString& pageToken, int pageSize,
                  QObject* context, Done<Page<User>> done);
quint64 getUser(GatewayClient* client, const QString& id, QObject* context, Done<User> done);
// `idempotencyKey` (Idempotency-Key; empty sends none) makes a repeat after a lost answer get the account
// the first request made (201, same id) instead of 409 'username is already taken'; the same key with
// other details is 400 naming idempotencyKey.
quint64 createUser(GatewayClient* client, const NewUser& user, const QString& idempotencyKey, QObject* context,
                   Done<User> done);
// PATCH with If-Match: `changes` holds only the fields that changed (displayName, email, role, status).
quint64 updateUser(GatewayClient* client, const QString& id, qint64 expectedVersion, const QJsonObject& changes,
                   QObject* context, Done<User> done);
quint64 disableUser(GatewayClient* client, const QString& id, QObject* context, Done<User> done);
quint64 resetPassword(GatewayClient* client, const QString& id, QObject* context, Done<QString> done);

quint64 listOrders(GatewayClient* client, const OrderFilter& filter, const QString& pageToken, int pageSize,
                   QObject* context, Done<Page<Order>> done);
quint64 getOrderDetails(GatewayClient* client, const QString& id, QObject* context, Done<OrderDetails> done);
// `expectedVersion` (If-Match) is the version the user decided on: once the order has moved on the
// gateway refuses the action (412). 0 sends no condition. `idempotencyKey` (Idempotency-Key; empty
// sends none) makes a repeat of the same action after a lost answer get the order as the first one
// left it, same version and ETag, instead of 409 or 412.
quint64 cancelOrder(GatewayClient* client, const QString& id, qint64 expectedVersion, const QString& reason,
                    const QString& idempotencyKey, QObject* context, Done<Order> done);
quint64 shipOrder(GatewayClient* client, const QString& id, qint64 expectedVersion, const QString& trackingNumber,
                  const QString& idempotencyKey, QObject* context, Done<Order> done);
quint64 deliverOrder(GatewayClient* client, const QString& id, qint64 expectedVersion, const QString& idempotencyKey,
                     QObject* context, Done<Order> done);
// The idempotency key makes a retry after a lost answer return the first order instead of a second one.
quint64 createOrder(GatewayClient* client, const QString& userId, const QVector<NewOrderLine>& lines,
                    const QString& idempotencyKey, QObject* context, Done<Order> done);
// The payments of one order (API.md's GET /api/v1/payments?orderId, admins and operators), oldest first.
quint64 orderPayments(GatewayClient* client, const QString& orderId, QObject* context, Done<QVector<Payment>> done);
quint64 orderEvents(GatewayClient* client, const QString& orderId, QObject* context, Done<QVector<OrderEvent>> done);
// The order as it was after event `version`, as raw JSON (the history view diffs it field by field).
quint64 orderStateAt(GatewayClient* client, const QString& orderId, qint64 version, QObject* context,
                     Done<QJsonObject> done);

quint64 fleet(GatewayClient* client, QObject* context, Done<QVector<FleetService>> done);
quint64 listSagas(GatewayClient* client, const SagaFilter& filter, const QString& pageToken, int pageSize,
                  QObject* context, Done<Page<Saga>> done);
quint64 getSaga(GatewayClient* client, const QString& id, QObject* context, Done<Saga> done);
quint64 getTrace(GatewayClient* client, const QString& traceId, QObject* context, Done<Trace> done);
// Operators and admins: the traces the gateway replicas hold, newest first, that touched `service`
// (every service when empty) and took at least `minDurationMs` (0: any), at most `limit`
// (1..kTracesMaxLimit). A value out of range is 400 naming the parameter.
constexpr int kTracesMaxLimit = 1000;
struct TraceFilter {
  QString service;
  QString rootName;  // the root span's name, the operation ("POST /api/v1/orders")
  int minDurationMs = 0;
  int limit = 20;

  bool operator==(const TraceFilter&) const = default;
};
quint64 listTraces(GatewayClient* client, const TraceFilter& filter, QObject* context, Done<TraceList> done);
// The orders projection rebuild (orders.proto's Rebuild): started, then read until it is no longer RUNNING.
quint64 startOrdersRebuild(GatewayClient* client, QObject* context, Done<RebuildReport> done);
quint64 getRebuild(GatewayClient* client, const QString& rebuildId, QObject* context, Done<RebuildReport> done);

quint64 promQuery(GatewayClient* client, const QString& query, const QDateTime& time, QObject* context,
                  Done<PromQueryResult> done);
quint64 promQueryRange(GatewayClient* client, const QString& query, const QDateTime& start, const QDateTime& end,
                       int stepSeconds, QObject* context, Done<PromQueryResult> done);
// The same call with the 2xx body left unparsed, for callers that parse it off the GUI thread
// (PromQueryResult::fromBody); HTTP and transport failures still arrive as errors.
quint64 promQueryRangeBody(GatewayClient* client, const QString& query, const QDateTime& start, const QDateTime& end,
                           int stepSeconds, QObject* context, Done<QByteArray> done);
quint64 alerts(GatewayClient* client, QObject* context, Done<QVector<PromAlert>> done);
quint64 rules(GatewayClient* client, QObject* context, Done<QVector<PromRule>> done);
// Operators and admins. The alert is named by its name and full label set (as /admin/alerts lists it);
// `comment` may be empty, at most kAlertCommentMaxLength characters. 404: the alert is no longer active.
constexpr int kAlertCommentMaxLength = 500;
quint64 acknowledgeAlert(GatewayClient* client, const PromAlert& alert, const QString& comment, QObject* context,
                         Done<AlertAcknowledgement> done);
// Succeeds also when the alert had no acknowledgement.
quint64 unacknowledgeAlert(GatewayClient* client, const PromAlert& alert, QObject* context,
                           Done<fleetdeck::console::Done> done);
quint64 alertAcknowledgements(GatewayClient* client, QObject* context, Done<QVector<AlertAcknowledgement>> done);

// Operators and admins: the letters of `consumer` (every consumer's when empty), oldest first, at most
// `limit` (1..kDeadLettersMaxLimit).
constexpr int kDeadLettersMaxLimit = 500;
quint64 listDeadLetters(GatewayClient* client, const QString& consumer, int limit, QObject* context,
                        Done<DeadLetterList> done);
// Admins. Back to the consumer that gave up only (the stream's other consumers skip it); how many were
// replayed. One letter: 404 when it is gone (replayed already, aged out), 409 when it was kept
// without its body. A consumer's: its oldest kDeadLettersMaxLimit letters.
quint64 replayDeadLetter(GatewayClient* client, qint64 sequence, QObject* context, Done<int> done);
quint64 replayDeadLetters(GatewayClient* client, const QString& consumer, QObject* context, Done<int> done);

quint64 getFaults(GatewayClient* client, QObject* context, Done<PaymentFaults> done);
quint64 putFaults(GatewayClient* client, const PaymentFaults& faults, QObject* context, Done<PaymentFaults> done);
// action: "stop" or "start".
quint64 serviceAction(GatewayClient* client, const QString& service, const QString& action, QObject* context,
                      Done<fleetdeck::console::Done> done);

}  // namespace fleetdeck::console::api
