#include "fakes/demo_fleet.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QStringList>
#include <cmath>
#include <optional>

namespace fleetdeck::console::testing {
namespace {

const QStringList kFirst = {"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret",
                            "Dennis", "Radia", "Tim", "Sophie", "Linus", "Hedy", "Niklaus", "Anita", "John",
                            "Karen", "Leslie", "Shafi", "Vint", "Yukihiro", "Guido"};
const QStringList kLast = {"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson",
                           "Hamilton", "Ritchie", "Perlman", "Berners-Lee", "Wilson", "Torvalds", "Lamarr", "Wirth",
                           "Borg", "McCarthy", "Spärck Jones", "Lamport", "Goldwasser", "Cerf", "Matsumoto", "van Rossum"};

struct Product {
  const char* id;
  const char* sku;
  const char* name;
  qint64 price;
};
const Product kProducts[] = {
    {"p-keyboard", "KB-87", "Mechanical keyboard", 12900}, {"p-mouse", "MS-02", "Wireless mouse", 3900},
    {"p-monitor", "MN-27", "27\" monitor", 32900},          {"p-dock", "DK-10", "USB-C dock", 15900},
    {"p-cable", "CB-2M", "USB-C cable 2 m", 1490},          {"p-headset", "HS-55", "Noise-cancelling headset", 24900},
};

const char* kServices[] = {"gateway", "users", "products", "orders", "payments", "notifications"};

QString rfc(const QDateTime& t) { return t.toUTC().toString(Qt::ISODateWithMs); }

QString num(qint64 v) { return QString::number(v); }

// The createdAfter/createdBefore of the orders and sagas lists: from createdAfter on, up to but not
// including createdBefore; an invalid end is open.
struct CreatedRange {
  QDateTime after;
  QDateTime before;

  bool contains(const QDateTime& time) const {
    return (!after.isValid() || time >= after) && (!before.isValid() || time < before);
  }
};

// Reads the range as the gateway and the orders service do (RFC 3339), or gives their 400: an end that
// is not later than the start is refused, since an empty list would hide the mistake.
std::optional<FakeResponse> readCreatedRange(const FakeRequest& request, CreatedRange& range) {
  for (const auto& [name, bound] : {qMakePair(QStringLiteral("createdAfter"), &range.after),
                                     qMakePair(QStringLiteral("createdBefore"), &range.before)}) {
    const QString text = request.queryValue(name);
    if (text.isEmpty()) continue;
    *bound = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!bound->isValid()) {
      const QString reason = QStringLiteral("must be an RFC 3339 time such as 2026-01-31T12:00:00Z");
      return FakeResponse::error(400, "INVALID_ARGUMENT", name + ": " + reason, {qMakePair(name, reason)});
    }
  }
  if (range.after.isValid() && range.before.isValid() && range.after >= range.before) {
    const QString reason = QStringLiteral("must be later than createdAfter");
    return FakeResponse::error(400, "INVALID_ARGUMENT", "invalid request: createdBefore " + reason,
                               {qMakePair(QStringLiteral("createdBefore"), reason)});
  }
  return std::nullopt;
}

}  // namespace

DemoFleet::DemoFleet(FakeGateway& gateway, int users, int orders)
    : gateway_(gateway), now_(QDateTime::currentDateTimeUtc()) {
  faults_ = QJsonObject{
      {"declineRate", 0.1}, {"failureRate", 0.0}, {"addedLatencyMs", "0"}, {"failureCode", "UNAVAILABLE"}};
  seed(users, orders);
  install();
}

QJsonArray DemoFleet::traces() const {
  // Newest first, a minute apart: slow ones, failed ones, and quick ones of several entry points.
  struct Seed {
    const char* traceId;
    const char* rootService;
    const char* rootName;
    double durationMs;
    int spanCount;
    QStringList services;
    bool error;
  };
  const QList<Seed> seeds{
      {"4bf92f3577b34da6a3ce929d0e0e4736", "gateway", "POST /api/v1/orders", 2150, 9,
       {"gateway", "notifications", "orders", "payments", "products"}, true},
      {"4bf92f3577b34da6a3ce929d0e0e0101", "gateway", "GET /api/v1/products", 12.5, 2, {"gateway", "products"}, false},
      {"4bf92f3577b34da6a3ce929d0e0e0102", "gateway", "POST /api/v1/orders", 480, 7, {"gateway", "orders", "payments", "products"}, false},
      {"4bf92f3577b34da6a3ce929d0e0e0103", "gateway", "GET /api/v1/users/me", 3.2, 2, {"gateway", "users"}, false},
      {"4bf92f3577b34da6a3ce929d0e0e0104", "orders", "OrderCreated consumer", 1500, 3, {"notifications", "orders"}, false},
      {"4bf92f3577b34da6a3ce929d0e0e0105", "gateway", "POST /api/v1/payments/wallets", 1320, 3, {"gateway", "payments"}, true},
  };
  QJsonArray list;
  for (int i = 0; i < seeds.size(); ++i) {
    const Seed& seed = seeds[i];
    const qint64 startNanos = now_.addSecs(-60LL * (i + 1)).toMSecsSinceEpoch() * 1'000'000;
    list.append(QJsonObject{{"traceId", seed.traceId}, {"rootService", seed.rootService}, {"rootName", seed.rootName},
                            {"startTimeUnixNano", num(startNanos)}, {"durationMs", seed.durationMs},
                            {"spanCount", seed.spanCount}, {"services", QJsonArray::fromStringList(seed.services)},
                            {"error", seed.error}});
  }
  return list;
}

QString DemoFleet::alertKey(const QString& alertname, QJsonObject labels) {
  labels.insert("alertname", alertname);  // QJsonObject keeps its keys sorted: the text is canonical
  return alertname + QLatin1Char(' ') + QString::fromUtf8(QJsonDocument(labels).toJson(QJsonDocument::Compact));
}

QJsonArray DemoFleet::alerts() const {
  return QJsonArray{
      QJsonObject{{"labels", QJsonObject{{"alertname", "PaymentsErrorRateHigh"}, {"severity", "critical"}, {"service", "payments"}}},
                  {"annotations", QJsonObject{{"summary", "payments fails 7.2% of charges"}, {"description", "error ratio above 5% for 5 minutes"}}},
                  {"state", "firing"}, {"activeAt", rfc(now_.addSecs(-540))}, {"value", "7.2e-02"}},
      QJsonObject{{"labels", QJsonObject{{"alertname", "SagaCompensationsHigh"}, {"severity", "warning"}, {"service", "orders"}}},
                  {"annotations", QJsonObject{{"summary", "12 sagas compensated in 10 minutes"}}},
                  {"state", "firing"}, {"activeAt", rfc(now_.addSecs(-300))}, {"value", "12"}},
      QJsonObject{{"labels", QJsonObject{{"alertname", "SlowRequests"}, {"severity", "warning"}, {"service", "gateway"}}},
                  {"annotations", QJsonObject{{"summary", "p99 above 250 ms"}}},
                  {"state", "pending"}, {"activeAt", rfc(now_.addSecs(-45))}, {"value", "0.31"}},
  };
}

// POST /api/v1/admin/alerts:acknowledge and :unacknowledge, as docs/console-api-contract.md describes
// them: the stream sends the alert again with its new acknowledgement.
FakeResponse DemoFleet::acknowledge(const FakeRequest& request, bool acknowledge) {
  FakeResponse denial;
  if (!authorized(request, false, denial)) return denial;
  const QJsonObject body = request.json();
  const QString alertname = body.value("alertname").toString();
  if (alertname.isEmpty()) return FakeResponse::error(400, "INVALID_ARGUMENT", "invalid request", {{"alertname", "is required"}});
  if (!body.value("labels").isObject()) {
    return FakeResponse::error(400, "INVALID_ARGUMENT", "invalid request", {{"labels", "is required: the alert's full label set"}});
  }
  QJsonObject labels = body.value("labels").toObject();
  labels.insert("alertname", alertname);
  const QString comment = body.value("comment").toString();
  if (comment.size() > 500) {
    return FakeResponse::error(400, "INVALID_ARGUMENT", "invalid request", {{"comment", "must be at most 500 characters"}});
  }
  const QString key = alertKey(alertname, labels);
  QJsonObject active;
  for (const QJsonValue& alert : alerts()) {
    const QJsonObject labelsOfAlert = alert.toObject().value("labels").toObject();
    if (alertKey(labelsOfAlert.value("alertname").toString(), labelsOfAlert) == key) active = alert.toObject();
  }
  QJsonValue acknowledgement = QJsonValue::Null;
  if (acknowledge) {
    if (active.isEmpty()) return FakeResponse::error(404, "NOT_FOUND", "no active alert " + alertname + " with these labels");
    const QJsonObject user = userByName(signedInUser_);
    const QJsonObject stored{{"alertname", alertname}, {"labels", labels},
                             {"by", QJsonObject{{"userId", user.value("id")}, {"username", user.value("username")}}},
                             {"at", rfc(QDateTime::currentDateTimeUtc())}, {"comment", comment}};
    acknowledgements_.insert(key, stored);
    acknowledgement = stored;
  } else {
    acknowledgements_.remove(key);
  }
  if (!active.isEmpty()) {
    QJsonObject event{{"alertname", alertname}, {"state", active.value("state")},
                      {"severity", labels.value("severity")}, {"labels", labels},
                      {"annotations", active.value("annotations")}, {"activeAt", active.value("activeAt")},
                      {"value", active.value("value")}, {"acknowledgement", acknowledgement}};
    gateway_.pushEvent("alert", event);
  }
  return acknowledge ? FakeResponse::json(200, acknowledgement.toObject()) : FakeResponse::empty(204);
}

// POST /api/v1/admin/dead-letters:replay as the gateway answers it (admin_routes.cpp): {consumer} or
// {sequence} (a JSON number), not both; a letter kept without its body is 409 alone and left in
// place when a consumer's letters are replayed.
FakeResponse DemoFleet::replayDeadLetters(const FakeRequest& request) {
  FakeResponse denial;
  if (!authorized(request, true, denial)) return denial;
  const QJsonObject body = request.json();
  const bool byConsumer = body.contains("consumer");
  const bool bySequence = body.contains("sequence");
  if (byConsumer == bySequence) {
    return FakeResponse::error(400, "INVALID_ARGUMENT", "invalid request",
                               {{"consumer", "send either consumer (that consumer's letters) or sequence (one letter), not both or neither"}});
  }
  if (bySequence && (!body.value("sequence").isDouble() || body.value("sequence").toDouble() < 1)) {
    return FakeResponse::error(400, "INVALID_ARGUMENT", "invalid request",
                               {{"sequence", "must be a dead letter's sequence, a whole number >= 1"}});
  }
  const qint64 sequence = static_cast<qint64>(body.value("sequence").toDouble());
  const QString consumer = body.value("consumer").toString();
  int replayed = 0;
  QJsonArray kept;
  for (const QJsonValue& value : std::as_const(deadLetters_)) {
    const QJsonObject letter = value.toObject();
    const bool chosen = bySequence ? letter.value("sequence").toInteger() == sequence
                                   : letter.value("consumer").toString() == consumer && replayed < 500;
    if (!chosen) {
      kept.append(letter);
      continue;
    }
    if (letter.value("bodyDropped").toBool()) {
      if (bySequence) {
        return FakeResponse::error(409, "FAILED_PRECONDITION",
                                   QStringLiteral("dead letter %1 was kept without its body (too large); republish the original from its stream").arg(sequence));
      }
      kept.append(letter);
      continue;
    }
    ++replayed;
  }
  if (bySequence && replayed == 0) {
    return FakeResponse::error(404, "NOT_FOUND", QStringLiteral("no dead letter at sequence %1 (replayed already, or aged out)").arg(sequence));
  }
  deadLetters_ = kept;
  return FakeResponse::json(200, {{"replayed", replayed}});
}

void DemoFleet::seed(int userCount, int orderCount) {
  for (int i = 0; i < userCount; ++i) {
    const QString first = kFirst[i % kFirst.size()];
    const QString last = kLast[(i * 7 + i / kFirst.size()) % kLast.size()];
    QString username = (first + QLatin1Char('.') + last).toLower();
    username.remove(QRegularExpression(QStringLiteral("[^a-z.]")));
    if (i >= kFirst.size()) username += QString::number(i);
    QString role = QStringLiteral("customer");
    if (i == 0) {
      username = QStringLiteral("ada");
      role = QStringLiteral("admin");
    } else if (i == 1) {
      username = QStringLiteral("grace");
      role = QStringLiteral("operator");
    } else if (i % 17 == 5) {
      role = QStringLiteral("operator");
    }
    const QDateTime created = now_.addSecs(-86400LL * (400 - i % 400));
    users_.append(QJsonObject{{"id", QStringLiteral("u-%1").arg(i, 4, 10, QLatin1Char('0'))},
                              {"username", username},
                              {"email", username + QStringLiteral("@example.com")},
                              {"displayName", first + QLatin1Char(' ') + last},
                              {"role", role},
                              {"status", i % 11 == 7 ? "disabled" : "active"},
                              {"version", num(1 + i % 4)},
                              {"createTime", rfc(created)},
                              {"updateTime", rfc(created.addSecs(3600LL * (i % 50)))}});
  }
  const QJsonObject sagaAlertLabels{{"alertname", "SagaCompensationsHigh"}, {"severity", "warning"}, {"service", "orders"}};
  acknowledgements_.insert(alertKey("SagaCompensationsHigh", sagaAlertLabels),
                           QJsonObject{{"alertname", "SagaCompensationsHigh"}, {"labels", sagaAlertLabels},
                                       {"by", QJsonObject{{"userId", users_.value(1).value("id")}, {"username", "grace"}}},
                                       {"at", rfc(now_.addSecs(-120))},
                                       {"comment", "payments declines: compensations expected, watching"}});
  const char* statuses[] = {"DELIVERED", "SHIPPED", "CONFIRMED", "DELIVERED", "CANCELLED", "PENDING", "CONFIRMED", "DELIVERED"};
  for (int i = 0; i < orderCount; ++i) {
    const QString status = QLatin1String(statuses[i % 8]);
    QJsonArray items;
    qint64 total = 0;
    for (int k = 0; k < 1 + i % 3; ++k) {
      const Product& p = kProducts[(i + k * 2) % 6];
      const qint64 quantity = 1 + (i + k) % 2;
      items.append(QJsonObject{{"productId", p.id}, {"sku", p.sku}, {"name", QString::fromUtf8(p.name)},
                               {"quantity", num(quantity)},
                               {"unitPrice", QJsonObject{{"currencyCode", "EUR"}, {"units", num(p.price)}}}});
      total += quantity * p.price;
    }
    const QDateTime created = now_.addSecs(-600LL * i - 120);
    const qint64 version = status == "PENDING" ? 1 : status == "CONFIRMED" ? 2 : status == "SHIPPED" ? 3 : status == "DELIVERED" ? 4 : 2;
    const int userIndex = 2 + (i * 13) % qMax(1, static_cast<int>(users_.size()) - 2);
    orders_.append(QJsonObject{{"id", QStringLiteral("ord-%1").arg(10000 + orderCount - i)},
                               {"userId", users_.value(userIndex).value("id").toString()},
                               {"status", status},
                               {"items", items},
                               {"total", QJsonObject{{"currencyCode", "EUR"}, {"units", num(total)}}},
                               {"sagaId", QStringLiteral("saga-%1").arg(10000 + orderCount - i)},
                               {"cancelReason", status == "CANCELLED" ? "payment_declined" : ""},
                               {"trackingNumber", version >= 3 ? QStringLiteral("1Z%1").arg(880000 + i) : QString()},
                               {"version", num(version)},
                               {"createTime", rfc(created)},
                               {"updateTime", rfc(created.addSecs(60 * version))}});
  }
  // Dead letters, oldest first, as the gateway lists them (dead_letter_desk.cpp): a poison UserRegistered
  // both users' consumers gave up on, a shipped order notifications could not render (failed again
  // after a replay), and a letter kept without its body whose envelope is unknown.
  const QString shippedOrder = orders_.isEmpty() ? QStringLiteral("ord-10001") : orders_.value(1).value("id").toString();
  auto letter = [&](qint64 sequence, const char* consumer, const QString& reason, const char* subject, const char* stream,
                    int deliveries, qint64 size) {
    return QJsonObject{{"sequence", sequence}, {"consumer", consumer}, {"reason", reason}, {"subject", subject},
                       {"stream", stream}, {"msgId", QStringLiteral("evt-%1").arg(sequence, 6, 10, QLatin1Char('0'))},
                       {"deliveries", deliveries}, {"sizeBytes", size}, {"bodyDropped", false}, {"replayed", false}};
  };
  QJsonObject registeredPayments = letter(17, "payments-users",
      "handler failed 5 times: INVALID_ARGUMENT: wallet currency \"XTS\" is not supported\n"
      "at payments/adapters/user_events_consumer.cpp: UserRegistered u-0042",
      "fleetdeck.users.UserRegistered", "FLEETDECK_USERS", 5, 412);
  registeredPayments.insert("eventId", "0b5c2f4e-6f1c-4d9a-9a51-7d4bbf6e0a17");
  registeredPayments.insert("eventType", "UserRegistered");
  registeredPayments.insert("aggregateId", "u-0042");
  registeredPayments.insert("occurredAt", rfc(now_.addSecs(-5400)));
  registeredPayments.insert("traceId", "7d2c1e9a0b3f4a5c8e6d2b1a0f9e8d7c");
  QJsonObject registeredNotifications = letter(18, "notifications-users", "handler failed 5 times: template welcome: unknown locale \"xx\"",
                                   "fleetdeck.users.UserRegistered", "FLEETDECK_USERS", 5, 412);
  for (const char* key : {"eventId", "eventType", "aggregateId", "occurredAt", "traceId"}) {
    registeredNotifications.insert(key, registeredPayments.value(key));
  }
  QJsonObject shipped = letter(23, "notifications-orders", "handler failed 5 times: template order_shipped: missing field trackingNumber",
                               "fleetdeck.orders.OrderShipped", "FLEETDECK_ORDERS", 5, 655);
  shipped.insert("eventId", "5e0a9d3c-2b7f-4c61-8f0e-1a2b3c4d5e6f");
  shipped.insert("eventType", "OrderShipped");
  shipped.insert("aggregateId", shippedOrder);
  shipped.insert("occurredAt", rfc(now_.addSecs(-1800)));
  shipped.insert("traceId", "4bf92f3577b34da6a3ce929d0e0e0003");
  shipped.insert("replayed", true);
  QJsonObject dropped = letter(31, "notifications-orders", "envelope does not decode: proto: cannot parse invalid wire-format data",
                               "fleetdeck.orders.OrderCreated", "FLEETDECK_ORDERS", 1, 0);
  dropped.insert("bodyDropped", true);
  deadLetters_ = QJsonArray{registeredPayments, registeredNotifications, shipped, dropped};
}

QJsonObject DemoFleet::userByName(const QString& username) const {
  for (const QJsonObject& user : users_) {
    if (user.value("username").toString() == username) return user;
  }
  return {};
}

void DemoFleet::expireAccessToken() { access_ = QStringLiteral("expired-") + access_; }

void DemoFleet::touchUser(const QString& id) {
  for (QJsonObject& user : users_) {
    if (user.value("id").toString() != id) continue;
    user.insert("version", num(user.value("version").toString().toLongLong() + 1));
    user.insert("displayName", user.value("displayName").toString() + QStringLiteral(" (changed)"));
  }
}

bool DemoFleet::authorized(const FakeRequest& request, bool adminOnly, FakeResponse& denial) const {
  if (access_.isEmpty() || request.header("authorization") != "Bearer " + access_.toUtf8()) {
    denial = FakeResponse::error(401, "UNAUTHENTICATED", "missing or expired access token");
    return false;
  }
  if (adminOnly && userByName(signedInUser_).value("role").toString() != QLatin1String("admin")) {
    denial = FakeResponse::error(403, "PERMISSION_DENIED", "admins only");
    return false;
  }
  return true;
}

QJsonArray DemoFleet::orderEvents(const QJsonObject& order) const {
  const QDateTime created = QDateTime::fromString(order.value("createTime").toString(), Qt::ISODateWithMs);
  const QString status = order.value("status").toString();
  const qint64 version = order.value("version").toString().toLongLong();
  QJsonArray events;
  auto add = [&](qint64 v, const char* type, const QJsonObject& payload, const char* actor) {
    events.append(QJsonObject{{"version", num(v)}, {"type", type}, {"time", rfc(created.addSecs(60 * (v - 1)))},
                              {"actor", actor}, {"traceId", QStringLiteral("4bf92f3577b34da6a3ce929d0e0e%1").arg(v, 4, 10, QLatin1Char('0'))},
                              {"causationId", QStringLiteral("cmd-%1").arg(v)}, {"payload", payload}});
  };
  add(1, "OrderCreated", QJsonObject{{"items", order.value("items")}, {"total", order.value("total")}}, "customer");
  if (version >= 2 && status == "CANCELLED") {
    add(2, "OrderCancelled", QJsonObject{{"reason", "payment_declined"}}, "saga");
    return events;
  }
  if (version >= 2) add(2, "OrderConfirmed", QJsonObject{{"paymentId", "pay-" + order.value("id").toString()}}, "saga");
  if (version >= 3) add(3, "OrderShipped", QJsonObject{{"trackingNumber", order.value("trackingNumber")}}, "ada");
  if (version >= 4) add(4, "OrderDelivered", QJsonObject{}, "ada");
  return events;
}

qint64 DemoFleet::eventCount() const {
  qint64 total = 0;
  for (const QJsonObject& order : orders_) total += orderEvents(order).size();
  return total;
}

QJsonObject DemoFleet::rebuild(const QString& id) const {
  const qint64 total = eventCount();
  // Started RUNNING at 0; halfway at the first read, DONE at the second.
  const qint64 processed = qMin<qint64>(total, total * rebuildReads_.value(id) / 2);
  const bool done = processed >= total;
  const QJsonArray differences = done ? QJsonArray{QJsonObject{{"orderId", "ord-10007"}, {"field", "status"},
                                                               {"live", "CONFIRMED"}, {"rebuilt", "CANCELLED"}}}
                                      : QJsonArray{};
  // proto3 JSON as the gateway writes it: int64 as strings, every scalar field present, no endTime
  // while it runs.
  QJsonObject answer{{"id", id},
                     {"projection", "orders"},
                     {"state", done ? "DONE" : "RUNNING"},
                     {"processedEvents", num(processed)},
                     {"totalEvents", num(total)},
                     {"differences", differences},
                     {"differenceCount", num(differences.size())},
                     {"error", ""},
                     {"startTime", rfc(now_)}};
  if (done) answer.insert("endTime", rfc(now_.addSecs(2)));
  return answer;
}

QJsonObject DemoFleet::orderStateAt(const QJsonObject& order, qint64 version) const {
  QJsonObject state = order;
  const QDateTime created = QDateTime::fromString(order.value("createTime").toString(), Qt::ISODateWithMs);
  const QString final = order.value("status").toString();
  state.insert("version", num(version));
  state.insert("updateTime", rfc(created.addSecs(60 * (version - 1))));
  if (version == 1) {
    state.insert("status", "PENDING");
    state.insert("trackingNumber", "");
    state.insert("cancelReason", "");
  } else if (final == "CANCELLED") {
    state.insert("status", "CANCELLED");
  } else if (version == 2) {
    state.insert("status", "CONFIRMED");
    state.insert("trackingNumber", "");
    state.insert("paymentId", "pay-" + order.value("id").toString());
  } else {
    state.insert("status", version == 3 ? "SHIPPED" : "DELIVERED");
    state.insert("paymentId", "pay-" + order.value("id").toString());
  }
  return state;
}

QJsonObject DemoFleet::sagaDetail(const QJsonObject& order) const {
  const QDateTime start = QDateTime::fromString(order.value("createTime").toString(), Qt::ISODateWithMs);
  const QString status = order.value("status").toString();
  const bool cancelled = status == "CANCELLED";
  const bool running = status == "PENDING";
  QJsonArray steps;
  auto step = [&](const char* name, const char* state, int attempts, int startMs, int endMs, const QString& error,
                  bool compensation, QJsonArray versions) {
    QJsonObject s{{"name", name}, {"state", state}, {"attempts", attempts}, {"startTime", rfc(start.addMSecs(startMs))},
                  {"endTime", endMs < 0 ? QString() : rfc(start.addMSecs(endMs))}, {"error", error},
                  {"compensation", compensation}, {"eventVersions", versions}};
    steps.append(s);
  };
  step("ReserveStock", cancelled ? "compensated" : "succeeded", 1, 10, 160, QString(), false, {});
  if (running) {
    step("Charge", "started", 2, 170, -1, QStringLiteral("payments: deadline exceeded (attempt 1)"), false, {});
  } else if (cancelled) {
    step("Charge", "failed", 3, 170, 1900, QStringLiteral("payment_declined: wallet balance 12.00 EUR < 459.00 EUR"), false, {});
    step("ReleaseStock", "compensated", 1, 1910, 2050, QString(), true, {});
    step("CancelOrder", "succeeded", 1, 2060, 2120, QString(), false, QJsonArray{"2"});
  } else {
    step("Charge", "succeeded", 1, 170, 620, QString(), false, {});
    step("ConfirmOrder", "succeeded", 1, 630, 700, QString(), false, QJsonArray{"2"});
  }
  const QString state = running ? "RUNNING" : cancelled ? "COMPENSATED" : "COMPLETED";
  return QJsonObject{{"id", order.value("sagaId")}, {"orderId", order.value("id")}, {"state", state},
                     {"currentStep", running ? "Charge" : cancelled ? "CancelOrder" : "ConfirmOrder"},
                     {"startTime", rfc(start)}, {"updateTime", rfc(start.addMSecs(running ? 170 : 2120))},
                     {"traceId", QStringLiteral("4bf92f3577b34da6a3ce929d0e0e4736")}, {"steps", steps}};
}

// GET /api/v1/admin/fleet in the gateway's shape (services/gateway/domain/fleet_health.cpp, fleetJson):
// readiness {status, checks {name: {status "up"/"down", latencyMs, critical, error only when down}},
// error only when there is no usable answer}, prometheusUp (null without Prometheus), uptimeSeconds,
// and statuses decided by its rules (instanceHealth, serviceHealth).
QJsonObject DemoFleet::fleet() const {
  const QDateTime now = QDateTime::currentDateTimeUtc();
  QJsonArray services;
  for (const char* name : kServices) {
    const QString service = QLatin1String(name);
    const int instances = stopped_.contains(service) ? 0 : service == "gateway" || service == "orders" ? 2 : 1;
    const auto outage = unreachable_.constFind(service);
    QJsonArray list;
    bool allUp = true;
    bool anyServing = false;
    for (int i = 0; i < instances; ++i) {
      auto check = [](const char* status, double latencyMs, bool critical, const QString& error = {}) {
        QJsonObject detail{{"status", status}, {"latencyMs", latencyMs}, {"critical", critical}};
        if (!error.isEmpty()) detail.insert("error", error);
        return detail;
      };
      QJsonObject checks{{"postgres", check("up", 1.2 + i, true)}, {"nats", check("up", 0.4, true)}};
      // Payments: a non-critical check is down, so it is ready but degraded (service_host.cpp).
      if (service == "payments") checks.insert("wallet-cache", check("down", 0.2, false, "redis: connection refused"));
      QJsonArray breakers;
      if (service == "orders") {
        breakers.append(QJsonObject{{"upstream", "payments"}, {"state", i == 0 ? "half_open" : "closed"}});
        breakers.append(QJsonObject{{"upstream", "products"}, {"state", "closed"}});
      }
      QJsonObject readiness;
      bool down = false;
      bool degraded = false;
      if (outage != unreachable_.cend()) {
        // No answer from its admin port: the gateway keeps no checks, only why.
        readiness = QJsonObject{{"status", "unreachable"}, {"error", *outage}, {"checks", QJsonObject{}}};
        down = true;
      } else {
        bool checkDown = false;
        for (const QJsonValue& detail : std::as_const(checks)) checkDown = checkDown || detail.toObject().value("status") != "up";
        readiness = QJsonObject{{"status", checkDown ? "degraded" : "ready"}, {"checks", checks}};
        degraded = checkDown;
      }
      for (const QJsonValue& breaker : std::as_const(breakers)) degraded = degraded || breaker.toObject().value("state") != "closed";
      const bool scraped = outage == unreachable_.cend();
      degraded = degraded || !scraped;
      const QString status = down ? "down" : degraded ? "degraded" : "up";
      allUp = allUp && status == "up";
      anyServing = anyServing || status != "down";
      const int restarts = restarts_.value(service);
      const QString generation = restarts == 0 ? QString() : QStringLiteral("r%1-").arg(restarts);
      const QDateTime started = restarts > 0 ? now : now_.addSecs(-3600 * 5 - 600 * i);
      list.append(QJsonObject{{"instanceId", service + QLatin1Char('-') + generation + QStringLiteral("7f9c%1").arg(i)},
                              {"version", "0.1.0"},
                              {"grpcAddress", QStringLiteral("127.0.0.1:%1").arg(9100 + i)},
                              {"adminAddress", QStringLiteral("127.0.0.1:%1").arg(9200 + i)},
                              {"startTime", rfc(started)},
                              {"lastHeartbeat", rfc(now_.addSecs(-2))},
                              {"uptimeSeconds", started.msecsTo(now) / 1000.0},
                              {"status", status},
                              {"readiness", readiness},
                              {"prometheusUp", scraped},
                              {"breakers", breakers}});
    }
    // No instance at all is down, as serviceHealth says (not "up" because none of none is down).
    const char* serviceStatus = instances == 0 ? "down" : allUp ? "up" : anyServing ? "degraded" : "down";
    services.append(QJsonObject{{"name", service}, {"status", serviceStatus}, {"instances", list}});
  }
  return QJsonObject{{"services", services}};
}

QJsonObject DemoFleet::matrix(const QString& query, qint64 start, qint64 end, qint64 step) const {
  QJsonArray result;
  auto series = [&](const QJsonObject& metric, double base, double amplitude, double phase) {
    QJsonArray values;
    for (qint64 t = start; t <= end; t += qMax<qint64>(1, step)) {
      const double x = double(t % 86400) / 3600.0;
      const double v = base + amplitude * std::sin(x * 1.3 + phase) + amplitude * 0.3 * std::sin(x * 7.1 + phase * 2);
      values.append(QJsonArray{double(t), QString::number(qMax(0.0, v), 'f', 4)});
    }
    result.append(QJsonObject{{"metric", metric}, {"values", values}});
  };
  const bool perService = query.contains(QLatin1String("by (service"));
  double base = 40;
  double amplitude = 12;
  if (query.contains(QLatin1String("outcome=\"error\""))) {
    base = 0.8;
    amplitude = 0.6;
  } else if (query.contains(QLatin1String("histogram_quantile(0.5"))) {
    base = 9;
    amplitude = 2;
  } else if (query.contains(QLatin1String("histogram_quantile(0.95"))) {
    base = 35;
    amplitude = 8;
  } else if (query.contains(QLatin1String("histogram_quantile(0.99"))) {
    base = 80;
    amplitude = 25;
  }
  if (perService) {
    int i = 0;
    for (const char* name : kServices) {
      const double scale = QLatin1String(name) == QLatin1String("gateway") ? 2.0 : 1.0 / (1 + i * 0.35);
      series(QJsonObject{{"service", name}}, base * scale, amplitude * scale, i * 0.9);
      ++i;
    }
  } else {
    series(QJsonObject{}, base, amplitude, 0.3);
  }
  return QJsonObject{{"status", "success"}, {"data", QJsonObject{{"resultType", "matrix"}, {"result", result}}}};
}

void DemoFleet::install() {
  FakeGateway& g = gateway_;
  g.route("GET", "/api/v1/health", [](const FakeRequest&) {
    return FakeResponse::json(200, {{"status", "ok"}, {"services", QJsonObject{{"orders", "up"}, {"users", "up"}}}});
  });

  g.route("POST", "/api/v1/auth/login", [this](const FakeRequest& request) {
    const QJsonObject body = request.json();
    const QJsonObject user = userByName(body.value("username").toString());
    if (user.isEmpty() || body.value("password").toString() != QLatin1String(kPassword) ||
        user.value("status").toString() == QLatin1String("disabled")) {
      return FakeResponse::error(401, "UNAUTHENTICATED", "wrong user name or password");
    }
    signedInUser_ = user.value("username").toString();
    access_ = QStringLiteral("access-%1").arg(++tokenCounter_);
    refresh_ = QStringLiteral("refresh-%1").arg(tokenCounter_);
    return FakeResponse::json(200, {{"accessToken", access_}, {"refreshToken", refresh_}, {"expiresIn", "900"},
                                    {"tokenType", "Bearer"}, {"user", user}});
  });
  g.route("POST", "/api/v1/auth/refresh", [this](const FakeRequest& request) {
    if (refresh_.isEmpty() || request.json().value("refreshToken").toString() != refresh_) {
      return FakeResponse::error(401, "UNAUTHENTICATED", "refresh token revoked");
    }
    ++refreshes_;
    access_ = QStringLiteral("access-%1").arg(++tokenCounter_);
    refresh_ = QStringLiteral("refresh-%1").arg(tokenCounter_);
    return FakeResponse::json(200, {{"accessToken", access_}, {"refreshToken", refresh_}, {"expiresIn", "900"},
                                    {"tokenType", "Bearer"}});
  });
  g.route("POST", "/api/v1/auth/logout", [this](const FakeRequest&) {
    refresh_.clear();
    access_.clear();
    return FakeResponse::empty(204);
  });
  g.route("GET", "/api/v1/users/me", [this](const FakeRequest& request) {
    FakeResponse denial;
    if (!authorized(request, false, denial)) return denial;
    return FakeResponse::json(200, userByName(signedInUser_));
  });

  g.route("GET", "/api/v1/users", [this](const FakeRequest& request) {
    FakeResponse denial;
    if (!authorized(request, false, denial)) return denial;
    const QString role = request.queryValue("role");
    const QString status = request.queryValue("status");
    const QString query = request.queryValue("query").toLower();
    QVector<QJsonObject> matching;
    for (const QJsonObject& user : users_) {
      if (!role.isEmpty() && user.value("role").toString() != role) continue;
      if (!status.isEmpty() && user.value("status").toString() != status) continue;
      if (!query.isEmpty() && !user.value("username").toString().contains(query) &&
          !user.value("email").toString().contains(query) && !user.value("displayName").toString().toLower().contains(query)) {
        continue;
      }
      matching.append(user);
    }
    const int pageSize = qBound(1, request.queryValue("pageSize").toInt() > 0 ? request.queryValue("pageSize").toInt() : 50, 200);
    const int offset = request.queryValue("pageToken").mid(1).toInt();
    QJsonArray page;
    for (int i = offset; i < qMin(offset + pageSize, static_cast<int>(matching.size())); ++i) page.append(matching[i]);
    const QString next = offset + pageSize < matching.size() ? QStringLiteral("o%1").arg(offset + pageSize) : QString();
    return FakeResponse::json(200, {{"users", page}, {"nextPageToken", next}});
  });
  g.route("GET", "/api/v1/users/(u-\\d+)", [this](const FakeRequest& request) {
    FakeResponse denial;
    if (!authorized(request, false, denial)) return denial;
    for (const QJsonObject& user : users_) {
      if (user.value("id").toString() == request.match.captured(1)) {
        return FakeResponse::json(200, user).withHeader("ETag", '"' + user.value("version").toString().toUtf8() + '"');
      }
    }
    return FakeResponse::error(404, "NOT_FOUND", "no such user");
  });
  g.route("PATCH", "/api/v1/users/(u-\\d+)", [this](const FakeRequest& request) {
    FakeResponse denial;
    if (!authorized(request, true, denial)) return denial;
    for (QJsonObject& user : users_) {
      if (user.value("id").toString() != request.match.captured(1)) continue;
      const QByteArray expected = '"' + user.value("version").toString().toUtf8() + '"';
      if (request.header("if-match") != expected) {
        return FakeResponse::error(412, "FAILED_PRECONDITION", "the user changed since version " + request.header("if-match"));
      }
      const QJsonObject changes = request.json();
      QList<QPair<QString, QString>> problems;
      if (changes.contains("email") && !changes.value("email").toString().contains('@')) {
        problems.append(qMakePair(QStringLiteral("email"), QStringLiteral("must be a valid email address")));
      }
      if (changes.contains("displayName") && changes.value("displayName").toString().trimmed().isEmpty()) {
        problems.append(qMakePair(QStringLiteral("display_name"), QStringLiteral("must not be empty")));
      }
      if (!problems.isEmpty()) return FakeResponse::error(400, "INVALID_ARGUMENT", "invalid user", problems);
      for (auto it = changes.begin(); it != changes.end(); ++it) user.insert(it.key(), it.value());
      user.insert("version", num(user.value("version").toString().toLongLong() + 1));
      user.insert("updateTime", rfc(QDateTime::currentDateTimeUtc()));
      return FakeResponse::json(200, user).withHeader("ETag", '"' + user.value("version").toString().toUtf8() + '"');
    }
    return FakeResponse::error(404, "NOT_FOUND", "no such user");
  });
  g.route("POST", "/api/v1/users", [this](const FakeRequest& request) {
    FakeResponse denial;
    if (!authorized(request, true, denial)) return denial;
    const QJsonObject body = request.json();
    QList<QPair<QString, QString>> problems;
    if (!QRegularExpression(QStringLiteral("^[a-z0-9._-]{3,32}$")).match(body.value("username").toString()).hasMatch()) {
      problems.append(qMakePair(QStringLiteral("username"), QStringLiteral("3-32 characters: lower-case letters, digits, '.', '_' and '-'")));
    }
    if (!body.value("email").toString().contains('@')) problems.append(qMakePair(QStringLiteral("email"), QStringLiteral("must be a valid email address")));
    if (body.value("password").toString().size() < 12) problems.append(qMakePair(QStringLiteral("password"), QStringLiteral("must be at least 12 characters")));
    if (!problems.isEmpty()) return FakeResponse::error(400, "INVALID_ARGUMENT", "invalid user", problems);
    // Like the users service: a repeat under the same key (who asked, and what, the password aside)
    // gets the account the first request made, 201, before the name is looked at; the key with other
    // details is a 400.
    const QString key = QString::fromUtf8(request.header("idempotency-key"));
    const QString asked = QStringList{signedInUser_, body.value("username").toString(), body.value("email").toString(),
                                      body.value("displayName").toString(), body.value("role").toString("customer")}
                              .join(QLatin1Char('\n'));
    if (!key.isEmpty() && userCreates_.contains(key)) {
      const auto& [firstAsked, userId] = userCreates_[key];
      if (firstAsked != asked) {
        return FakeResponse::error(400, "INVALID_ARGUMENT", "invalid user",
                                   {{"idempotencyKey", "was already used for another account"}});
      }
      for (const QJsonObject& user : users_) {
        if (user.value("id").toString() == userId) {
          return FakeResponse::json(201, user).withHeader("ETag", '"' + user.value("version").toString().toUtf8() + '"');
        }
      }
    }
    if (!userByName(body.value("username").toString()).isEmpty()) {
      return FakeResponse::error(409, "ALREADY_EXISTS", "username taken");
    }
    QJsonObject user{{"id", QStringLiteral("u-%1").arg(users_.size(), 4, 10, QLatin1Char('0'))},
                     {"username", body.value("username")}, {"email", body.value("email")},
                     {"displayName", body.value("displayName")}, {"role", body.value("role").toString("customer")},
                     {"status", "active"}, {"version", "1"}, {"createTime", rfc(QDateTime::currentDateTimeUtc())},
                     {"updateTime", rfc(QDateTime::currentDateTimeUtc())}};
    users_.append(user);
    if (!key.isEmpty()) userCreates_.insert(key, {asked, user.value("id").toString()});
    return FakeResponse::json(201, user).withHeader("ETag", "\"1\"");
  });
  g.route("DELETE", "/api/v1/users/(u-\\d+)", [this](const FakeRequest& request) {
    FakeResponse denial;
    if (!authorized(request, true, denial)) return denial;
    for (QJsonObject& user : users_) {
      if (user.value("id").toString() != request.match.captured(1)) continue;
      user.insert("status", "disabled");
      user.insert("version", num(user.value("version").toString().toLongLong() + 1));
      return FakeResponse::json(200, user);
    }
    return FakeResponse::error(404, "NOT_FOUND", "no such user");
  });
  g.route("POST", "/api/v1/users/(u-\\d+):resetPassword", [this](const FakeRequest& request) {
    FakeResponse denial;
    if (!authorized(request, true, denial)) return denial;
    return FakeResponse::json(200, {{"temporaryPassword", "Tmp-7d41-b2c9-e806"}});
  });

  g.route("GET", "/api/v1/orders", [this](const FakeRequest& request) {
    FakeResponse denial;
    if (!authorized(request, false, denial)) return denial;
    const QString status = request.queryValue("status");
    const QString userId = request.queryValue("userId");
    CreatedRange created;
    if (auto refused = readCreatedRange(request, created)) return *refused;
    QVector<QJsonObject> matching;
    for (const QJsonObject& order : orders_) {
      if (!status.isEmpty() && order.value("status").toString() != status) continue;
      if (!userId.isEmpty() && order.value("userId").toString() != userId) continue;
      if (!created.contains(QDateTime::fromString(order.value("createTime").toString(), Qt::ISODateWithMs))) continue;
      matching.append(order);
    }
    const int pageSize = qBound(1, request.queryValue("pageSize").toInt() > 0 ? request.queryValue("pageSize").toInt() : 50, 200);
    const int offset = request.queryValue("pageToken").mid(1).toInt();
    QJsonArray page;
    for (int i = offset; i < qMin(offset + pageSize, static_cast<int>(matching.size())); ++i) page.append(matching[i]);
    const QString next = offset + pageSize < matching.size() ? QStringLiteral("o%1").arg(offset + pageSize) : QString();
    return FakeResponse::json(200, {{"orders", page}, {"nextPageToken", next}});
  });
  // The order's payment as the payments service would list it: charged, or declined for the orders the
  // demo cancelled for payment_declined, refunded for other cancellations.
  g.route("GET", "/api/v1/payments", [this](const FakeRequest& request) {
    FakeResponse denial;
    if (!authorized(request, false, denial)) return denial;
    const QString orderId = request.queryValue("orderId");
    QJsonArray payments;
    for (const QJsonObject& order : orders_) {
      if (order.value("id").toString() != orderId) continue;
      const QString status = order.value("status").toString();
      const bool declined = order.value("cancelReason").toString() == QLatin1String("payment_declined");
      if (status == QLatin1String("PENDING")) break;
      payments.append(QJsonObject{{"id", QStringLiteral("pay-") + orderId.mid(4)},
                                  {"orderId", orderId},
                                  {"userId", order.value("userId")},
                                  {"amount", order.value("total")},
                                  {"status", declined ? "DECLINED" : status == QLatin1String("CANCELLED") ? "REFUNDED" : "CHARGED"},
                                  {"declineReason", declined ? "insufficient_funds" : ""},
                                  {"createTime", order.value("createTime")},
                                  {"updateTime", order.value("updateTime")}});
    }
    return FakeResponse::json(200, {{"payments", payments}, {"nextPageToken", ""}});
  });
  // Like the orders service, which reads an id in any case (its answers carry it lower-case).
  auto findOrder = [this](const QString& id) -> QJsonObject* {
    for (QJsonObject& order : orders_) {
      if (order.value("id").toString().compare(id, Qt::CaseInsensitive) == 0) return &order;
    }
    return nullptr;
  };
  g.route("GET", "/api/v1/orders/([oO][rR][dD]-\\d+)/details", [this, findOrder](const FakeRequest& request) {
    FakeResponse denial;
    if (!authorized(request, false, denial)) return denial;
    const QJsonObject* order = findOrder(request.match.captured(1));
    if (order == nullptr) return FakeResponse::error(404, "NOT_FOUND", "no such order");
    QJsonObject user;
    for (const QJsonObject& u : users_) {
      if (u.value("id") == order->value("userId")) user = u;
    }
    return FakeResponse::json(200, {{"order", *order}, {"user", user}, {"products", QJsonArray{}}, {"missing", QJsonArray{}}});
  });
  g.route("GET", "/api/v1/orders/([oO][rR][dD]-\\d+)/events", [this, findOrder](const FakeRequest& request) {
    FakeResponse denial;
    if (!authorized(request, false, denial)) return denial;
    const QJsonObject* order = findOrder(request.match.captured(1));
    if (order == nullptr) return FakeResponse::error(404, "NOT_FOUND", "no such order");
    return FakeResponse::json(200, {{"events", orderEvents(*order)}});
  });
  g.route("POST", "/api/v1/orders/([oO][rR][dD]-\\d+):(cancel|ship|deliver)", [this, findOrder](const FakeRequest& request) {
    FakeResponse denial;
    if (!authorized(request, true, denial)) return denial;
    QJsonObject* order = findOrder(request.match.captured(1));
    if (order == nullptr) return FakeResponse::error(404, "NOT_FOUND", "no such order");
    const QString action = request.match.captured(2);
    const QString status = order->value("status").toString();
    const qint64 version = order->value("version").toString().toLongLong();
    // Like the orders service: a repeat under the same key, by the same user, gets the order as the
    // first request left it, before If-Match or the state is looked at.
    const QByteArray key = request.header("idempotency-key");
    const QString keyed = order->value("id").toString() + ' ' + signedInUser_ + ' ' + QString::fromUtf8(key);
    if (!key.isEmpty() && orderActions_.contains(keyed)) {
      const auto& [firstAction, answer] = orderActions_[keyed];
      if (firstAction != action) {
        return FakeResponse::error(400, "INVALID_ARGUMENT", "invalid request",
                                   {{"idempotencyKey", "was already used for another change of this order"}});
      }
      return FakeResponse::json(200, answer).withHeader("ETag", '"' + answer.value("version").toString().toUtf8() + '"');
    }
    // Like the gateway: If-Match is optional here, and a stale one is 412 before any state check.
    if (const QByteArray expected = request.header("if-match"); !expected.isEmpty() && expected != '"' + QByteArray::number(version) + '"') {
      return FakeResponse::error(412, "FAILED_PRECONDITION", "the order changed since version " + expected);
    }
    if (action == "ship" && status == "CONFIRMED") {
      order->insert("status", "SHIPPED");
      order->insert("trackingNumber", request.json().value("trackingNumber"));
    } else if (action == "deliver" && status == "SHIPPED") {
      order->insert("status", "DELIVERED");
    } else if (action == "cancel" && (status == "PENDING" || status == "CONFIRMED")) {
      order->insert("status", "CANCELLED");
      order->insert("cancelReason", request.json().value("reason"));
    } else {
      return FakeResponse::error(409, "FAILED_PRECONDITION", QStringLiteral("cannot %1 an order that is %2").arg(action, status));
    }
    order->insert("version", num(version + 1));
    order->insert("updateTime", rfc(QDateTime::currentDateTimeUtc()));
    if (!key.isEmpty()) orderActions_.insert(keyed, {action, *order});
    return FakeResponse::json(200, *order).withHeader("ETag", '"' + num(version + 1).toUtf8() + '"');
  });
  g.route("GET", "/api/v1/admin/orders/([oO][rR][dD]-\\d+)/state", [this, findOrder](const FakeRequest& request) {
    FakeResponse denial;
    if (!authorized(request, false, denial)) return denial;
    const QJsonObject* order = findOrder(request.match.captured(1));
    if (order == nullptr) return FakeResponse::error(404, "NOT_FOUND", "no such order");
    const qint64 version = request.queryValue("version").toLongLong();
    if (version < 1 || version > order->value("version").toString().toLongLong()) {
      return FakeResponse::error(400, "INVALID_ARGUMENT", "no such version", {{"version", "out of range"}});
    }
    return FakeResponse::json(200, {{"order", orderStateAt(*order, version)}, {"version", num(version)}});
  });

  g.route("GET", "/api/v1/admin/fleet", [this](const FakeRequest& request) {
    FakeResponse denial;
    if (!authorized(request, false, denial)) return denial;
    return FakeResponse::json(200, fleet());
  });
  g.route("GET", "/api/v1/admin/sagas", [this](const FakeRequest& request) {
    FakeResponse denial;
    if (!authorized(request, false, denial)) return denial;
    const QString state = request.queryValue("state");
    CreatedRange created;
    if (auto refused = readCreatedRange(request, created)) return *refused;
    QJsonArray all;
    for (const QJsonObject& order : orders_) {
      QJsonObject saga = sagaDetail(order);
      saga.remove("steps");
      if (!state.isEmpty() && saga.value("state").toString() != state) continue;
      // A saga's creation is its start (the orders service's sagas.created_at).
      if (!created.contains(QDateTime::fromString(saga.value("startTime").toString(), Qt::ISODateWithMs))) continue;
      all.append(saga);
    }
    const int pageSize = qBound(1, request.queryValue("pageSize").toInt() > 0 ? request.queryValue("pageSize").toInt() : 50, 200);
    const int offset = request.queryValue("pageToken").mid(1).toInt();
    QJsonArray page;
    for (int i = offset; i < qMin(offset + pageSize, static_cast<int>(all.size())); ++i) page.append(all[i]);
    const QString next = offset + pageSize < all.size() ? QStringLiteral("o%1").arg(offset + pageSize) : QString();
    return FakeResponse::json(200, {{"sagas", page}, {"nextPageToken", next}});
  });
  g.route("GET", "/api/v1/admin/sagas/(saga-\\d+)", [this](const FakeRequest& request) {
    FakeResponse denial;
    if (!authorized(request, false, denial)) return denial;
    for (const QJsonObject& order : orders_) {
      if (order.value("sagaId").toString() == request.match.captured(1)) return FakeResponse::json(200, {{"saga", sagaDetail(order)}});
    }
    return FakeResponse::error(404, "NOT_FOUND", "no such saga");
  });
  g.route("GET", "/api/v1/admin/traces/([0-9a-f]+)", [this](const FakeRequest& request) {
    FakeResponse denial;
    if (!authorized(request, false, denial)) return denial;
    const qint64 t0 = now_.toMSecsSinceEpoch() * 1'000'000;
    auto span = [&](const char* id, const char* parent, const char* service, const char* name, qint64 startMs, qint64 endMs,
                    const QJsonObject& attributes, const char* status = "OK") {
      return QJsonObject{{"spanId", id}, {"parentSpanId", parent}, {"service", service}, {"name", name},
                         {"startTimeUnixNano", num(t0 + startMs * 1'000'000)}, {"endTimeUnixNano", num(t0 + endMs * 1'000'000)},
                         {"attributes", attributes}, {"status", status}};
    };
    QJsonArray spans{
        span("a1", "", "gateway", "POST /api/v1/orders", 0, 2150, {{"http.status_code", 202}}),
        span("b1", "a1", "orders", "OrdersService/CreateOrder", 4, 40, {{"order.id", "ord-10240"}}),
        span("c1", "b1", "orders", "saga ReserveStock", 10, 160, {}),
        span("c2", "c1", "products", "ProductsService/ReserveStock", 14, 150, {{"db.rows", 3}}),
        span("d1", "b1", "orders", "saga Charge", 170, 1900, {{"attempts", 3}}, "ERROR"),
        span("d2", "d1", "payments", "PaymentsService/Charge", 175, 640, {{"decline", true}}, "ERROR"),
        span("e1", "b1", "orders", "saga ReleaseStock", 1910, 2050, {{"compensation", true}}),
        span("e2", "e1", "products", "ProductsService/ReleaseStock", 1915, 2040, {}),
        span("f1", "b1", "notifications", "OrderCancelled consumer", 2070, 2140, {}),
    };
    QJsonObject trace{{"traceId", request.match.captured(1)}, {"spans", spans}};
    if (unreachableTraceReplicas_ > 0) trace.insert("unreachableReplicas", unreachableTraceReplicas_);
    return FakeResponse::json(200, trace);
  });
  // As the gateway reads the list's parameters (admin_routes.cpp traceListQuery): each checked, a bad
  // value or an unknown parameter is 400 naming it; the store keeps traces that touched the service,
  // whose root span is named rootName and that took at least minDurationMs, newest first, at most limit.
  g.route("GET", "/api/v1/admin/traces", [this](const FakeRequest& request) {
    FakeResponse denial;
    if (!authorized(request, false, denial)) return denial;
    QString service;
    QString rootName;
    double minDurationMs = 0;
    int limit = 20;
    for (const auto& [name, value] : request.query.queryItems(QUrl::FullyDecoded)) {
      bool ok = true;
      if (name == "service") {
        service = value;
      } else if (name == "rootName") {
        rootName = value;
      } else if (name == "minDurationMs") {
        minDurationMs = value.toDouble(&ok);
        if (!ok || minDurationMs < 0) {
          return FakeResponse::error(400, "INVALID_ARGUMENT", "invalid request",
                                     {{"minDurationMs", "must be a number of milliseconds >= 0"}});
        }
      } else if (name == "limit") {
        limit = value.toInt(&ok);
        if (!ok || limit < 1 || limit > 1000) {
          return FakeResponse::error(400, "INVALID_ARGUMENT", "invalid request", {{"limit", "must be a whole number from 1 to 1000"}});
        }
      } else {
        return FakeResponse::error(400, "INVALID_ARGUMENT", "invalid request",
                                   {{name, "is not a parameter of this route: service, rootName, minDurationMs, limit"}});
      }
    }
    QJsonArray listed;
    for (const QJsonValue& value : traces()) {
      if (listed.size() >= limit) break;
      const QJsonObject trace = value.toObject();
      if (!service.isEmpty() && !trace.value("services").toArray().contains(service)) continue;
      if (!rootName.isEmpty() && trace.value("rootName").toString() != rootName) continue;
      if (trace.value("durationMs").toDouble() < minDurationMs) continue;
      listed.append(trace);
    }
    QJsonObject body{{"traces", listed}};
    if (unreachableTraceReplicas_ > 0) body.insert("unreachableReplicas", unreachableTraceReplicas_);
    return FakeResponse::json(200, body);
  });
  g.route("GET", "/api/v1/admin/metrics/query_range", [this](const FakeRequest& request) {
    FakeResponse denial;
    if (!authorized(request, false, denial)) return denial;
    const QString query = request.queryValue("query");
    if (query.contains(QLatin1String("bad{"))) {
      return FakeResponse::json(400, {{"status", "error"}, {"errorType", "bad_data"},
                                      {"error", "1:4: parse error: unexpected \"{\""}});
    }
    return FakeResponse::json(200, matrix(query, request.queryValue("start").toLongLong(), request.queryValue("end").toLongLong(),
                                          request.queryValue("step").toLongLong()));
  });
  g.route("GET", "/api/v1/admin/metrics/query", [this](const FakeRequest& request) {
    FakeResponse denial;
    if (!authorized(request, false, denial)) return denial;
    const qint64 time = request.queryValue("time").toLongLong();
    QJsonObject m = matrix(request.queryValue("query"), time, time, 1);
    QJsonArray vector;
    for (const QJsonValue& entry : m.value("data").toObject().value("result").toArray()) {
      vector.append(QJsonObject{{"metric", entry.toObject().value("metric")},
                                {"value", entry.toObject().value("values").toArray().first()}});
    }
    return FakeResponse::json(200, {{"status", "success"}, {"data", QJsonObject{{"resultType", "vector"}, {"result", vector}}}});
  });
  g.route("GET", "/api/v1/admin/alerts", [this](const FakeRequest& request) {
    FakeResponse denial;
    if (!authorized(request, false, denial)) return denial;
    return FakeResponse::json(200, {{"status", "success"}, {"data", QJsonObject{{"alerts", alerts()}}}});
  });
  g.route("POST", "/api/v1/admin/alerts:acknowledge", [this](const FakeRequest& request) { return acknowledge(request, true); });
  g.route("POST", "/api/v1/admin/alerts:unacknowledge", [this](const FakeRequest& request) { return acknowledge(request, false); });
  g.route("GET", "/api/v1/admin/alerts/acknowledgements", [this](const FakeRequest& request) {
    FakeResponse denial;
    if (!authorized(request, false, denial)) return denial;
    QJsonArray list;
    for (const QJsonObject& acknowledgement : std::as_const(acknowledgements_)) list.append(acknowledgement);
    return FakeResponse::json(200, {{"acknowledgements", list}});
  });
  g.route("GET", "/api/v1/admin/rules", [this](const FakeRequest& request) {
    FakeResponse denial;
    if (!authorized(request, false, denial)) return denial;
    QJsonArray rules{
        QJsonObject{{"name", "PaymentsErrorRateHigh"}, {"type", "alerting"}, {"duration", 300},
                    {"query", "sum(rate(fleetdeck_requests_total{service=\"payments\",outcome=\"error\"}[5m])) / sum(rate(fleetdeck_requests_total{service=\"payments\"}[5m])) > 0.05"}},
        QJsonObject{{"name", "SagaCompensationsHigh"}, {"type", "alerting"}, {"duration", 0},
                    {"query", "increase(fleetdeck_saga_compensations_total[10m]) > 10"}},
        QJsonObject{{"name", "SlowRequests"}, {"type", "alerting"}, {"duration", 120},
                    {"query", "histogram_quantile(0.99, sum by (le) (rate(fleetdeck_request_duration_seconds_bucket[5m]))) > 0.25"}},
    };
    return FakeResponse::json(200, {{"status", "success"},
                                    {"data", QJsonObject{{"groups", QJsonArray{QJsonObject{{"name", "fleetdeck"}, {"rules", rules}}}}}}});
  });
  g.route("GET", "/api/v1/admin/dead-letters", [this](const FakeRequest& request) {
    FakeResponse denial;
    if (!authorized(request, false, denial)) return denial;
    const QString consumer = request.queryValue("consumer");
    bool limitOk = true;
    const int limit = request.query.hasQueryItem("limit") ? request.queryValue("limit").toInt(&limitOk) : 100;
    if (!limitOk || limit < 1 || limit > 500) {
      return FakeResponse::error(400, "INVALID_ARGUMENT", "invalid request", {{"limit", "must be a whole number from 1 to 500"}});
    }
    QJsonArray listed;
    for (const QJsonValue& letter : std::as_const(deadLetters_)) {
      if (listed.size() >= limit) break;
      if (consumer.isEmpty() || letter.toObject().value("consumer").toString() == consumer) listed.append(letter);
    }
    return FakeResponse::json(200, {{"deadLetters", listed}, {"total", deadLetters_.size()}});
  });
  g.route("POST", "/api/v1/admin/dead-letters:replay", [this](const FakeRequest& request) { return replayDeadLetters(request); });
  g.route("GET", "/api/v1/admin/faults", [this](const FakeRequest& request) {
    FakeResponse denial;
    if (!authorized(request, false, denial)) return denial;
    return FakeResponse::json(200, faults_);
  });
  g.route("PUT", "/api/v1/admin/faults", [this](const FakeRequest& request) {
    FakeResponse denial;
    if (!authorized(request, true, denial)) return denial;
    // Like the real gateway: the body is payments' Faults message, unknown fields are refused.
    const QJsonObject body = request.json();
    for (auto field = body.begin(); field != body.end(); ++field) {
      static const QStringList known{"declineRate", "failureRate", "addedLatencyMs", "failureCode"};
      if (!known.contains(field.key())) {
        return FakeResponse::error(400, "INVALID_ARGUMENT", "invalid request", {{field.key(), "is not a field of Faults"}});
      }
    }
    faults_ = body;
    if (!faults_.contains("failureCode")) faults_.insert("failureCode", "UNAVAILABLE");
    return FakeResponse::json(200, faults_);
  });
  g.route("POST", "/api/v1/admin/services/([a-z]+):(stop|start)", [this](const FakeRequest& request) {
    FakeResponse denial;
    if (!authorized(request, true, denial)) return denial;
    // The launcher's answer (docs/console-api-contract.md): 409 for a service already so; a stopped
    // service leaves the registry, a started one registers again under new instance ids.
    const QString service = request.match.captured(1);
    const bool stop = request.match.captured(2) == QLatin1String("stop");
    if (stop == stopped_.contains(service)) {
      return FakeResponse::error(409, "FAILED_PRECONDITION", service + (stop ? " is already stopped" : " is already running"));
    }
    if (stop) {
      stopped_.insert(service);
    } else {
      stopped_.remove(service);
      ++restarts_[service];
    }
    return FakeResponse::json(200, {{"name", service}, {"status", stop ? "stopped" : "running"}, {"pid", 0}, {"restarts", 0}});
  });
  g.route("POST", "/api/v1/admin/projections/orders:rebuild", [this](const FakeRequest& request) {
    FakeResponse denial;
    if (!authorized(request, true, denial)) return denial;
    const QString id = QStringLiteral("7f3c0a52-1d2e-4b6f-8a90-%1").arg(++rebuildCounter_, 12, 10, QLatin1Char('0'));
    rebuildReads_.insert(id, 0);
    return FakeResponse::json(202, rebuild(id));
  });
  g.route("GET", "/api/v1/admin/projections/rebuilds/([0-9a-f-]+)", [this](const FakeRequest& request) {
    FakeResponse denial;
    if (!authorized(request, false, denial)) return denial;
    const QString id = request.match.captured(1);
    if (!rebuildReads_.contains(id)) return FakeResponse::error(404, "NOT_FOUND", "rebuild " + id + " not found");
    ++rebuildReads_[id];
    return FakeResponse::json(200, rebuild(id));
  });
  g.route("GET", "/api/v1/admin/stream", [this](const FakeRequest& request) {
    FakeResponse denial;
    if (!authorized(request, false, denial)) return denial;
    FakeResponse response;
    response.eventStream = true;
    return response;
  });
}

}  // namespace fleetdeck::console::testing
