#include "client/api_types.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QRegularExpression>
#include <cmath>

namespace fleetdeck::console {
namespace {

QString str(const QJsonObject& object, const char* key) { return object.value(QLatin1String(key)).toString(); }

QMap<QString, QString> stringMap(const QJsonValue& value) {
  QMap<QString, QString> out;
  const QJsonObject object = value.toObject();
  for (auto it = object.begin(); it != object.end(); ++it) {
    out.insert(it.key(), it.value().isString() ? it.value().toString() : it.value().toVariant().toString());
  }
  return out;
}

int currencyExponent(const QString& code) {
  static const QStringList zero = {QStringLiteral("JPY"), QStringLiteral("KRW"), QStringLiteral("VND"),
                                   QStringLiteral("CLP"), QStringLiteral("ISK")};
  static const QStringList three = {QStringLiteral("BHD"), QStringLiteral("KWD"), QStringLiteral("OMR"),
                                    QStringLiteral("JOD"), QStringLiteral("TND")};
  if (zero.contains(code)) return 0;
  if (three.contains(code)) return 3;
  return 2;
}

// Prometheus sample values are strings: "1.5", "NaN", "+Inf".
bool sampleValue(const QJsonValue& value, double& out) {
  bool ok = false;
  out = value.isString() ? value.toString().toDouble(&ok) : value.toDouble();
  if (!value.isString()) ok = value.isDouble();
  return ok && std::isfinite(out);
}

void appendSample(const QJsonArray& pair, QList<QPointF>& points) {
  if (pair.size() != 2) return;
  double y = 0;
  if (!sampleValue(pair.at(1), y)) return;
  points.append(QPointF(pair.at(0).toDouble() * 1000.0, y));
}

}  // namespace

qint64 jsonInt64(const QJsonValue& value, qint64 fallback) {
  if (value.isString()) {
    bool ok = false;
    const qint64 parsed = value.toString().toLongLong(&ok);
    return ok ? parsed : fallback;
  }
  if (value.isDouble()) return static_cast<qint64>(value.toDouble());
  return fallback;
}

double jsonDouble(const QJsonValue& value, double fallback) {
  if (value.isDouble()) return value.toDouble();
  if (value.isString()) {
    bool ok = false;
    const double parsed = value.toString().toDouble(&ok);
    return ok ? parsed : fallback;
  }
  return fallback;
}

QDateTime jsonTime(const QJsonValue& value) {
  if (!value.isString()) return {};
  QString text = value.toString();
  if (text.isEmpty()) return {};
  // Qt reads at most milliseconds; proto3 JSON and Prometheus send up to nanoseconds.
  static const QRegularExpression fraction(QStringLiteral("\\.(\\d{3})\\d+"));
  text.replace(fraction, QStringLiteral(".\\1"));
  QDateTime time = QDateTime::fromString(text, Qt::ISODateWithMs);
  if (!time.isValid()) time = QDateTime::fromString(text, Qt::ISODate);
  return time;
}

QString jsonText(const QJsonValue& value) {
  switch (value.type()) {
    case QJsonValue::String: return value.toString();
    case QJsonValue::Object: return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    case QJsonValue::Array: return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
    case QJsonValue::Bool: return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Null: return QStringLiteral("null");
    case QJsonValue::Double: return QString::number(value.toDouble(), 'g', 15);
    default: return {};
  }
}

QString rfc3339(const QDateTime& time) { return time.toUTC().toString(Qt::ISODateWithMs); }

User User::fromJson(const QJsonObject& o) {
  User user;
  user.id = str(o, "id");
  user.username = str(o, "username");
  user.email = str(o, "email");
  user.displayName = str(o, "displayName");
  user.role = str(o, "role");
  user.status = str(o, "status");
  user.version = jsonInt64(o.value(QLatin1String("version")));
  user.createTime = jsonTime(o.value(QLatin1String("createTime")));
  user.updateTime = jsonTime(o.value(QLatin1String("updateTime")));
  return user;
}

Money Money::fromJson(const QJsonObject& o) {
  return Money{str(o, "currencyCode"), jsonInt64(o.value(QLatin1String("units")))};
}

QString Money::format() const {
  const int exponent = currencyExponent(currencyCode);
  qint64 scale = 1;
  for (int i = 0; i < exponent; ++i) scale *= 10;
  const bool negative = units < 0;
  const qint64 magnitude = negative ? -units : units;
  QString text = QLocale().toString(magnitude / scale);
  if (exponent > 0) {
    text += QLocale().decimalPoint() +
            QStringLiteral("%1").arg(magnitude % scale, exponent, 10, QLatin1Char('0'));
  }
  if (negative) text.prepend(QLatin1Char('-'));
  return currencyCode.isEmpty() ? text : text + QLatin1Char(' ') + currencyCode;
}

OrderItem OrderItem::fromJson(const QJsonObject& o) {
  return OrderItem{str(o, "productId"), str(o, "sku"), str(o, "name"), jsonInt64(o.value(QLatin1String("quantity"))),
                   Money::fromJson(o.value(QLatin1String("unitPrice")).toObject())};
}

Order Order::fromJson(const QJsonObject& o) {
  Order order;
  order.id = str(o, "id");
  order.userId = str(o, "userId");
  order.status = str(o, "status");
  const QJsonArray items = o.value(QLatin1String("items")).toArray();
  order.items.reserve(items.size());
  for (const QJsonValue& item : items) order.items.append(OrderItem::fromJson(item.toObject()));
  order.total = Money::fromJson(o.value(QLatin1String("total")).toObject());
  order.sagaId = str(o, "sagaId");
  order.cancelReason = str(o, "cancelReason");
  order.trackingNumber = str(o, "trackingNumber");
  order.version = jsonInt64(o.value(QLatin1String("version")));
  order.createTime = jsonTime(o.value(QLatin1String("createTime")));
  order.updateTime = jsonTime(o.value(QLatin1String("updateTime")));
  return order;
}

bool Order::isTerminal(const QString& status) {
  return status == QLatin1String("DELIVERED") || status == QLatin1String("CANCELLED");
}

OrderDetails OrderDetails::fromJson(const QJsonObject& o) {
  OrderDetails details;
  details.order = Order::fromJson(o.value(QLatin1String("order")).toObject());
  const QJsonObject user = o.value(QLatin1String("user")).toObject();
  if (!user.isEmpty()) details.user = User::fromJson(user);
  for (const QJsonValue& product : o.value(QLatin1String("products")).toArray()) details.products.append(product.toObject());
  for (const QJsonValue& part : o.value(QLatin1String("missing")).toArray()) details.missing.append(part.toString());
  return details;
}

Payment Payment::fromJson(const QJsonObject& o) {
  Payment payment;
  payment.id = str(o, "id");
  payment.orderId = str(o, "orderId");
  payment.userId = str(o, "userId");
  payment.amount = Money::fromJson(o.value(QLatin1String("amount")).toObject());
  payment.status = str(o, "status");
  payment.declineReason = str(o, "declineReason");
  payment.createTime = jsonTime(o.value(QLatin1String("createTime")));
  payment.updateTime = jsonTime(o.value(QLatin1String("updateTime")));
  return payment;
}

OrderEvent OrderEvent::fromJson(const QJsonObject& o) {
  OrderEvent event;
  event.version = jsonInt64(o.value(QLatin1String("version")));
  event.type = str(o, "type");
  event.time = jsonTime(o.value(QLatin1String("time")));
  event.actor = str(o, "actor");
  event.traceId = str(o, "traceId");
  event.causationId = str(o, "causationId");
  event.payload = o.value(QLatin1String("payload")).toObject();
  return event;
}

SagaStep SagaStep::fromJson(const QJsonObject& o) {
  SagaStep step;
  step.name = str(o, "name");
  step.state = str(o, "state");
  step.attempts = static_cast<int>(jsonInt64(o.value(QLatin1String("attempts"))));
  step.startTime = jsonTime(o.value(QLatin1String("startTime")));
  step.endTime = jsonTime(o.value(QLatin1String("endTime")));
  step.error = str(o, "error");
  step.compensation = o.value(QLatin1String("compensation")).toBool();
  for (const QJsonValue& version : o.value(QLatin1String("eventVersions")).toArray()) {
    step.eventVersions.append(jsonInt64(version));
  }
  return step;
}

SagaStepEvent SagaStepEvent::fromJson(const QJsonObject& o) {
  SagaStepEvent event;
  event.sagaId = str(o, "sagaId");
  event.orderId = str(o, "orderId");
  event.step = str(o, "step");
  event.state = str(o, "state");
  event.attempt = static_cast<int>(jsonInt64(o.value(QLatin1String("attempt"))));
  event.error = str(o, "error");
  event.time = jsonTime(o.value(QLatin1String("time")));
  event.traceId = str(o, "traceId");
  event.sagaState = str(o, "sagaState");
  return event;
}

Saga Saga::fromJson(const QJsonObject& input) {
  // GET /admin/sagas/{id} wraps the saga in {"saga":{…}}; list entries are bare.
  const QJsonObject o = input.contains(QLatin1String("saga")) ? input.value(QLatin1String("saga")).toObject() : input;
  Saga saga;
  saga.id = str(o, "id");
  saga.orderId = str(o, "orderId");
  saga.state = str(o, "state");
  saga.currentStep = str(o, "currentStep");
  saga.startTime = jsonTime(o.value(QLatin1String("startTime")));
  if (!saga.startTime.isValid()) saga.startTime = jsonTime(o.value(QLatin1String("createTime")));
  saga.outcomeReason = str(o, "outcomeReason");
  saga.lastError = str(o, "lastError");
  saga.finishTime = jsonTime(o.value(QLatin1String("finishTime")));
  saga.updateTime = jsonTime(o.value(QLatin1String("updateTime")));
  saga.traceId = str(o, "traceId");
  for (const QJsonValue& step : o.value(QLatin1String("steps")).toArray()) saga.steps.append(SagaStep::fromJson(step.toObject()));
  return saga;
}

bool Saga::isTerminal(const QString& state) {
  return state == QLatin1String("COMPLETED") || state == QLatin1String("COMPENSATED") || state == QLatin1String("FAILED");
}

bool Saga::apply(const SagaStepEvent& event) {
  if (event.sagaId != id) return false;
  const bool compensating = event.state == QLatin1String("compensating") || event.state == QLatin1String("compensated");
  SagaStep* target = nullptr;
  for (SagaStep& step : steps) {
    if (step.name == event.step && step.compensation == compensating) target = &step;
  }
  if (target == nullptr && !compensating) {
    for (SagaStep& step : steps) {
      if (step.name == event.step) target = &step;
    }
  }
  if (target == nullptr) {
    SagaStep step;
    step.name = event.step;
    step.compensation = compensating;
    step.startTime = event.time;
    steps.append(step);
    target = &steps.last();
  }
  target->state = event.state;
  target->attempts = qMax(target->attempts, event.attempt);
  if (!target->startTime.isValid() || event.state == QLatin1String("started") ||
      event.state == QLatin1String("compensating")) {
    if (!target->startTime.isValid()) target->startTime = event.time;
  }
  const bool finished = event.state == QLatin1String("succeeded") || event.state == QLatin1String("failed") ||
                        event.state == QLatin1String("compensated");
  if (finished) target->endTime = event.time;
  if (!event.error.isEmpty()) target->error = event.error;

  currentStep = event.step;
  if (event.time.isValid()) updateTime = event.time;
  if (!event.sagaState.isEmpty()) {
    state = event.sagaState;
  } else if (compensating && !isTerminal(state)) {
    state = QStringLiteral("COMPENSATING");
  }
  if (traceId.isEmpty()) traceId = event.traceId;
  if (orderId.isEmpty()) orderId = event.orderId;
  return true;
}

FleetInstance FleetInstance::fromJson(const QJsonObject& o) {
  FleetInstance instance;
  instance.instanceId = str(o, "instanceId");
  instance.version = str(o, "version");
  instance.grpcAddress = str(o, "grpcAddress");
  instance.adminAddress = str(o, "adminAddress");
  instance.startTime = jsonTime(o.value(QLatin1String("startTime")));
  if (!instance.startTime.isValid() && o.contains(QLatin1String("uptimeSeconds"))) {
    instance.startTime = QDateTime::currentDateTimeUtc().addSecs(-jsonInt64(o.value(QLatin1String("uptimeSeconds"))));
  }
  instance.lastHeartbeat = jsonTime(o.value(QLatin1String("lastHeartbeat")));
  instance.status = str(o, "status");
  const QJsonObject readiness = o.value(QLatin1String("readiness")).toObject();
  instance.readinessStatus = str(readiness, "status");
  instance.readinessError = str(readiness, "error");
  const QJsonObject checks = readiness.value(QLatin1String("checks")).toObject();
  for (auto it = checks.begin(); it != checks.end(); ++it) {
    const QJsonObject check = it.value().toObject();
    instance.checks.append(ReadinessCheck{it.key(), str(check, "status"), jsonDouble(check.value(QLatin1String("latencyMs"))),
                                          str(check, "error"), check.value(QLatin1String("critical")).toBool(true)});
  }
  if (const QJsonValue up = o.value(QLatin1String("prometheusUp")); up.isBool()) instance.prometheusUp = up.toBool();
  for (const QJsonValue& breaker : o.value(QLatin1String("breakers")).toArray()) {
    const QJsonObject b = breaker.toObject();
    instance.breakers.append(Breaker{str(b, "upstream"), str(b, "state")});
  }
  return instance;
}

FleetService FleetService::fromJson(const QJsonObject& o) {
  FleetService service;
  service.name = str(o, "name");
  service.status = str(o, "status");
  for (const QJsonValue& instance : o.value(QLatin1String("instances")).toArray()) {
    service.instances.append(FleetInstance::fromJson(instance.toObject()));
  }
  return service;
}

FleetChange FleetChange::fromJson(const QJsonObject& o) {
  FleetChange change{str(o, "service"), str(o, "instance"), str(o, "status")};
  change.removed = o.value(QLatin1String("removed")).toBool();
  change.kind = str(o, "kind");
  return change;
}

Span Span::fromJson(const QJsonObject& o) {
  Span span;
  span.spanId = str(o, "spanId");
  span.parentSpanId = str(o, "parentSpanId");
  span.service = str(o, "service");
  span.name = str(o, "name");
  span.startTimeUnixNano = jsonInt64(o.value(QLatin1String("startTimeUnixNano")));
  span.endTimeUnixNano = jsonInt64(o.value(QLatin1String("endTimeUnixNano")));
  span.attributes = o.value(QLatin1String("attributes")).toObject();
  const QJsonValue status = o.value(QLatin1String("status"));
  span.status = status.isObject() ? status.toObject().value(QLatin1String("code")).toVariant().toString() : status.toString();
  return span;
}

Trace Trace::fromJson(const QJsonObject& o) {
  Trace trace;
  trace.traceId = str(o, "traceId");
  for (const QJsonValue& span : o.value(QLatin1String("spans")).toArray()) trace.spans.append(Span::fromJson(span.toObject()));
  trace.unreachableReplicas = o.value(QLatin1String("unreachableReplicas")).toInt();
  return trace;
}

TraceSummary TraceSummary::fromJson(const QJsonObject& o) {
  TraceSummary summary;
  summary.traceId = str(o, "traceId");
  summary.rootService = str(o, "rootService");
  summary.rootName = str(o, "rootName");
  // Nanoseconds as a string (a double would lose them); milliseconds are all a list row shows.
  const qint64 startNanos = jsonInt64(o.value(QLatin1String("startTimeUnixNano")));
  if (startNanos > 0) summary.startTime = QDateTime::fromMSecsSinceEpoch(startNanos / 1'000'000, Qt::UTC);
  summary.durationMs = jsonDouble(o.value(QLatin1String("durationMs")));
  summary.spanCount = jsonInt64(o.value(QLatin1String("spanCount")));
  for (const QJsonValue& service : o.value(QLatin1String("services")).toArray()) summary.services << service.toString();
  summary.error = o.value(QLatin1String("error")).toBool();
  return summary;
}

TraceList TraceList::fromJson(const QJsonObject& o) {
  TraceList list;
  for (const QJsonValue& value : o.value(QLatin1String("traces")).toArray()) {
    if (value.isObject()) list.traces.append(TraceSummary::fromJson(value.toObject()));
  }
  list.unreachableReplicas = o.value(QLatin1String("unreachableReplicas")).toInt();
  return list;
}

QString PromSeries::label() const {
  if (metric.size() == 1) return metric.first();
  QStringList parts;
  for (auto it = metric.cbegin(); it != metric.cend(); ++it) {
    if (it.key() == QLatin1String("__name__")) continue;
    parts << QStringLiteral("%1=\"%2\"").arg(it.key(), it.value());
  }
  const QString name = metric.value(QStringLiteral("__name__"));
  return name + QLatin1Char('{') + parts.join(QLatin1Char(',')) + QLatin1Char('}');
}

PromQueryResult PromQueryResult::fromJson(const QJsonObject& o) {
  PromQueryResult result;
  if (o.value(QLatin1String("status")).toString() != QLatin1String("success")) {
    result.errorMessage = str(o, "error");
    if (result.errorMessage.isEmpty()) result.errorMessage = QStringLiteral("status is not \"success\"");
    return result;
  }
  const QJsonObject data = o.value(QLatin1String("data")).toObject();
  result.resultType = str(data, "resultType");
  const QJsonValue rawResult = data.value(QLatin1String("result"));
  if (result.resultType == QLatin1String("scalar")) {
    PromSeries series;
    appendSample(rawResult.toArray(), series.points);
    result.series.append(series);
    return result;
  }
  const QJsonArray entries = rawResult.toArray();
  result.series.reserve(entries.size());
  for (const QJsonValue& entry : entries) {
    const QJsonObject item = entry.toObject();
    PromSeries series;
    series.metric = stringMap(item.value(QLatin1String("metric")));
    if (item.contains(QLatin1String("values"))) {
      const QJsonArray values = item.value(QLatin1String("values")).toArray();
      series.points.reserve(values.size());
      for (const QJsonValue& pair : values) appendSample(pair.toArray(), series.points);
    } else {
      appendSample(item.value(QLatin1String("value")).toArray(), series.points);
    }
    result.series.append(std::move(series));
  }
  return result;
}

PromQueryResult PromQueryResult::fromBody(const QByteArray& body) {
  QJsonParseError parseError{};
  const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
  if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
    PromQueryResult result;
    result.errorMessage = QStringLiteral("malformed answer: %1")
                              .arg(parseError.error != QJsonParseError::NoError ? parseError.errorString()
                                                                                : QStringLiteral("not a JSON object"));
    return result;
  }
  return fromJson(document.object());
}

QString alertKey(const QString& alertname, const QMap<QString, QString>& labels) {
  QStringList parts{alertname};
  for (auto it = labels.cbegin(); it != labels.cend(); ++it) parts << it.key() + QLatin1Char('=') + it.value();
  return parts.join(QLatin1Char('\x1f'));
}

QString AlertAcknowledgement::alertKey() const { return console::alertKey(alertname, labels); }

AlertAcknowledgement AlertAcknowledgement::fromJson(const QJsonObject& o) {
  AlertAcknowledgement acknowledgement;
  acknowledgement.alertname = str(o, "alertname");
  acknowledgement.labels = stringMap(o.value(QLatin1String("labels")));
  // The gateway may leave alertname out of the labels; PromAlert keeps it among them, so keys match.
  if (!acknowledgement.alertname.isEmpty()) {
    acknowledgement.labels.insert(QStringLiteral("alertname"), acknowledgement.alertname);
  }
  const QJsonObject by = o.value(QLatin1String("by")).toObject();
  acknowledgement.byUserId = str(by, "userId");
  acknowledgement.byUsername = str(by, "username");
  acknowledgement.at = jsonTime(o.value(QLatin1String("at")));
  acknowledgement.comment = str(o, "comment");
  return acknowledgement;
}

std::optional<AlertAcknowledgement> AlertAcknowledgement::fromJsonValue(const QJsonValue& value) {
  if (!value.isObject()) return std::nullopt;
  return fromJson(value.toObject());
}

QString PromAlert::key() const { return alertKey(name, labels); }

QString PromAlert::labelsText() const {
  QStringList parts;
  for (auto it = labels.cbegin(); it != labels.cend(); ++it) {
    if (it.key() == QLatin1String("alertname") || it.key() == QLatin1String("severity")) continue;
    parts << it.key() + QLatin1Char('=') + it.value();
  }
  return parts.join(QStringLiteral(", "));
}

PromAlert PromAlert::fromJson(const QJsonObject& o) {
  PromAlert alert;
  alert.labels = stringMap(o.value(QLatin1String("labels")));
  alert.annotations = stringMap(o.value(QLatin1String("annotations")));
  alert.name = o.contains(QLatin1String("alertname")) ? str(o, "alertname") : alert.labels.value(QStringLiteral("alertname"));
  alert.severity = o.contains(QLatin1String("severity")) ? str(o, "severity") : alert.labels.value(QStringLiteral("severity"));
  if (!alert.name.isEmpty()) alert.labels.insert(QStringLiteral("alertname"), alert.name);
  if (!alert.severity.isEmpty()) alert.labels.insert(QStringLiteral("severity"), alert.severity);
  alert.state = str(o, "state");
  alert.activeAt = jsonTime(o.value(QLatin1String("activeAt")));
  alert.value = o.value(QLatin1String("value")).toVariant().toString();
  alert.acknowledgement = AlertAcknowledgement::fromJsonValue(o.value(QLatin1String("acknowledgement")));
  if (alert.acknowledgement && alert.acknowledgement->alertname.isEmpty()) {
    // A sparse object still belongs to the alert it came with.
    alert.acknowledgement->alertname = alert.name;
    alert.acknowledgement->labels = alert.labels;
  }
  return alert;
}

QVector<PromAlert> PromAlert::listFromJson(const QJsonObject& body) {
  QVector<PromAlert> alerts;
  for (const QJsonValue& alert : body.value(QLatin1String("data")).toObject().value(QLatin1String("alerts")).toArray()) {
    alerts.append(fromJson(alert.toObject()));
  }
  return alerts;
}

QVector<PromRule> PromRule::listFromJson(const QJsonObject& body) {
  QVector<PromRule> rules;
  const QJsonArray groups = body.value(QLatin1String("data")).toObject().value(QLatin1String("groups")).toArray();
  for (const QJsonValue& group : groups) {
    for (const QJsonValue& value : group.toObject().value(QLatin1String("rules")).toArray()) {
      const QJsonObject rule = value.toObject();
      rules.append(PromRule{str(rule, "name"), str(rule, "query"), str(rule, "type"),
                            jsonDouble(rule.value(QLatin1String("duration")))});
    }
  }
  return rules;
}

PaymentFaults PaymentFaults::fromJson(const QJsonObject& o) {
  PaymentFaults faults;
  faults.declineRate = jsonDouble(o.value(QLatin1String("declineRate")));
  faults.failureRate = jsonDouble(o.value(QLatin1String("failureRate")));
  faults.addedLatencyMs = static_cast<int>(jsonInt64(o.value(QLatin1String("addedLatencyMs"))));
  faults.failureCode = str(o, "failureCode");
  return faults;
}

QJsonObject PaymentFaults::toJson() const {
  // The gateway maps this body onto payments' Faults message as it is, and rejects unknown fields.
  QJsonObject body{{QStringLiteral("declineRate"), declineRate},
                   {QStringLiteral("failureRate"), failureRate},
                   {QStringLiteral("addedLatencyMs"), QString::number(addedLatencyMs)}};
  if (!failureCode.isEmpty()) body.insert(QStringLiteral("failureCode"), failureCode);
  return body;
}

RebuildReport RebuildReport::fromJson(const QJsonObject& o) {
  RebuildReport report;
  report.rebuildId = str(o, "id");
  report.state = str(o, "state");
  report.processed = jsonInt64(o.value(QLatin1String("processedEvents")));
  report.total = jsonInt64(o.value(QLatin1String("totalEvents")));
  // Only a state other than RUNNING ends it; an answer without one is refused by getRebuild.
  report.done = !report.state.isEmpty() && report.state != QLatin1String("RUNNING");
  report.error = str(o, "error");
  for (const QJsonValue& value : o.value(QLatin1String("differences")).toArray()) {
    const QJsonObject d = value.toObject();
    auto text = [&d](const char* key) { return jsonText(d.value(QLatin1String(key))); };
    report.differences.append(RebuildDifference{str(d, "orderId"), str(d, "field"), text("live"), text("rebuilt")});
  }
  report.differenceCount = qMax<qint64>(jsonInt64(o.value(QLatin1String("differenceCount"))), report.differences.size());
  return report;
}

DeadLetter DeadLetter::fromJson(const QJsonObject& o) {
  DeadLetter letter;
  letter.sequence = jsonInt64(o.value(QLatin1String("sequence")));
  letter.consumer = str(o, "consumer");
  letter.reason = str(o, "reason");
  letter.subject = str(o, "subject");
  letter.stream = str(o, "stream");
  letter.msgId = str(o, "msgId");
  letter.deliveries = jsonInt64(o.value(QLatin1String("deliveries")));
  letter.sizeBytes = jsonInt64(o.value(QLatin1String("sizeBytes")));
  letter.bodyDropped = o.value(QLatin1String("bodyDropped")).toBool();
  letter.replayed = o.value(QLatin1String("replayed")).toBool();
  letter.eventId = str(o, "eventId");
  letter.eventType = str(o, "eventType");
  letter.aggregateId = str(o, "aggregateId");
  letter.occurredAt = jsonTime(o.value(QLatin1String("occurredAt")));
  letter.traceId = str(o, "traceId");
  return letter;
}

DeadLetterList DeadLetterList::fromJson(const QJsonObject& o) {
  DeadLetterList list;
  for (const QJsonValue& value : o.value(QLatin1String("deadLetters")).toArray()) {
    if (value.isObject()) list.letters.append(DeadLetter::fromJson(value.toObject()));
  }
  list.total = jsonInt64(o.value(QLatin1String("total")), list.letters.size());
  return list;
}

OrderEventNotice OrderEventNotice::fromJson(const QJsonObject& o) {
  return OrderEventNotice{str(o, "orderId"), jsonInt64(o.value(QLatin1String("version"))), str(o, "type"),
                          jsonTime(o.value(QLatin1String("time")))};
}

QString OrderEventNotice::statusAfter(const QString& eventType) {
  static const QMap<QString, QString> statuses = {
      {QStringLiteral("OrderCreated"), QStringLiteral("PENDING")},
      {QStringLiteral("OrderConfirmed"), QStringLiteral("CONFIRMED")},
      {QStringLiteral("OrderShipped"), QStringLiteral("SHIPPED")},
      {QStringLiteral("OrderDelivered"), QStringLiteral("DELIVERED")},
      {QStringLiteral("OrderCancelled"), QStringLiteral("CANCELLED")},
  };
  return statuses.value(eventType);
}

ReplayProgress ReplayProgress::fromJson(const QJsonObject& o) {
  // The Rebuild message's names first, as GET /admin/projections/rebuilds/{id} answers them.
  auto first = [&o](const char* name, const char* other) {
    return o.value(QLatin1String(o.contains(QLatin1String(name)) ? name : other));
  };
  const QString state = str(o, "state");
  return ReplayProgress{first("id", "rebuildId").toString(), jsonInt64(first("processedEvents", "processed")),
                        jsonInt64(first("totalEvents", "total")),
                        o.contains(QLatin1String("state")) ? !state.isEmpty() && state != QLatin1String("RUNNING")
                                                           : o.value(QLatin1String("done")).toBool()};
}

}  // namespace fleetdeck::console
