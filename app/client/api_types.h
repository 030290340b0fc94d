// Plain structs for what the gateway sends (users, orders, sagas, fleet, traces, Prometheus data, stream
// events), each parsed from its proto3-JSON shape. int64 fields arrive as strings and are read as numbers.
#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QPointF>
#include <QString>
#include <QStringList>
#include <QVector>
#include <optional>

namespace fleetdeck::console {

// Tolerant readers for proto3 JSON: int64 as "123" or 123, timestamps as RFC 3339 with 0-9 fraction digits.
qint64 jsonInt64(const QJsonValue& value, qint64 fallback = 0);
double jsonDouble(const QJsonValue& value, double fallback = 0.0);
QDateTime jsonTime(const QJsonValue& value);
QString rfc3339(const QDateTime& time);
// A JSON value as one line of text: strings bare, numbers plain, objects and arrays compact JSON.
QString jsonText(const QJsonValue& value);

template <class T>
struct Page {
  QVector<T> items;
  QString nextPageToken;  // empty on the last page
};

struct User {
  QString id;
  QString username;
  QString email;
  QString displayName;
  QString role;    // customer | operator | admin
  QString status;  // active | disabled
  qint64 version = 0;
  QDateTime createTime;
  QDateTime updateTime;

  static User fromJson(const QJsonObject& object);
};

// Integer minor units plus ISO 4217 code; never a float.
struct Money {
  QString currencyCode;
  qint64 units = 0;

  static Money fromJson(const QJsonObject& object);
  // "123.45 EUR": minor units shown with the currency's exponent (2 unless known otherwise).
  QString format() const;
};

struct OrderItem {
  QString productId;
  QString sku;
  QString name;
  qint64 quantity = 0;
  Money unitPrice;

  static OrderItem fromJson(const QJsonObject& object);
};

struct Order {
  QString id;
  QString userId;
  QString status;  // PENDING | CONFIRMED | SHIPPED | DELIVERED | CANCELLED
  QVector<OrderItem> items;
  Money total;
  QString sagaId;
  QString cancelReason;
  QString trackingNumber;
  qint64 version = 0;
  QDateTime createTime;
  QDateTime updateTime;

  static Order fromJson(const QJsonObject& object);
  static bool isTerminal(const QString& status);
};

struct OrderDetails {
  Order order;
  std::optional<User> user;
  QVector<QJsonObject> products;
  QStringList missing;  // parts the gateway could not fetch ("user", "products")

  static OrderDetails fromJson(const QJsonObject& object);
};

// GET /api/v1/payments?orderId: one charge attempt of an order and what became of it.
struct Payment {
  QString id;
  QString orderId;
  QString userId;
  Money amount;
  QString status;  // CHARGED | DECLINED | REFUNDED
  QString declineReason;
  QDateTime createTime;
  QDateTime updateTime;

  static Payment fromJson(const QJsonObject& object);
};

struct OrderEvent {
  qint64 version = 0;
  QString type;
  QDateTime time;
  QString actor;
  QString traceId;
  QString causationId;
  QJsonObject payload;

  static OrderEvent fromJson(const QJsonObject& object);
};

struct SagaStep {
  QString name;
  QString state;  // started | succeeded | failed | compensating | compensated
  int attempts = 0;
  QDateTime startTime;
  QDateTime endTime;
  QString error;
  bool compensation = false;
  QVector<qint64> eventVersions;

  static SagaStep fromJson(const QJsonObject& object);
};

// `saga.step` on the stream.
struct SagaStepEvent {
  QString sagaId;
  QString orderId;
  QString step;
  QString state;
  int attempt = 0;
  QString error;
  QDateTime time;
  QString traceId;
  // Optional: the saga's state after this step, when the gateway sends it (the step alone cannot say
  // whether the saga completed).
  QString sagaState;

  static SagaStepEvent fromJson(const QJsonObject& object);
};

struct Saga {
  QString id;
  QString orderId;
  QString state;  // RUNNING | COMPENSATING | COMPLETED | COMPENSATED | FAILED
  QString currentStep;
  QDateTime startTime;
  QDateTime updateTime;
  QString traceId;
  // Optional extras (the orders service's sagas.proto sends them): why it compensated
  // ("payment_declined"), the last error, when it finished.
  QString outcomeReason;
  QString lastError;
  QDateTime finishTime;
  QVector<SagaStep> steps;

  static Saga fromJson(const QJsonObject& object);
  static bool isTerminal(const QString& state);
  // Folds a live step event into this saga: updates the matching step (by name and direction) or
  // appends it, and moves currentStep/state/updateTime along. Returns false for another saga's event.
  bool apply(const SagaStepEvent& event);
};

struct ReadinessCheck {
  QString name;
  QString status;  // up | down
  double latencyMs = 0;
  QString error;
  bool critical = true;  // down and critical: not ready; down and not critical: degraded
};

struct Breaker {
  QString upstream;
  QString state;  // closed | open | half_open
};

struct FleetInstance {
  QString instanceId;
  QString version;
  QString grpcAddress;
  QString adminAddress;
  QDateTime startTime;
  QDateTime lastHeartbeat;
  QString status;  // up | degraded | down
  // The gateway's last /readyz poll: ready | degraded | not_ready | unreachable | unknown (not polled
  // yet), or the HTTP status of an answer without one; the error says why there is no usable answer.
  QString readinessStatus;
  QString readinessError;
  QVector<ReadinessCheck> checks;
  // Whether Prometheus scrapes it; empty without Prometheus (or a target for it).
  std::optional<bool> prometheusUp;
  QVector<Breaker> breakers;

  static FleetInstance fromJson(const QJsonObject& object);
};

struct FleetService {
  QString name;
  QString status;
  QVector<FleetInstance> instances;

  static FleetService fromJson(const QJsonObject& object);
};

// `fleet.change` on the stream.
struct FleetChange {
  QString service;
  QString instance;
  QString status;
  bool removed = false;  // the instance left the registry
  QString kind;          // "circuit_breaker" for a breaker transition (instance = the upstream's address)

  static FleetChange fromJson(const QJsonObject& object);
};

struct Span {
  QString spanId;
  QString parentSpanId;
  QString service;
  QString name;
  qint64 startTimeUnixNano = 0;
  qint64 endTimeUnixNano = 0;
  QJsonObject attributes;
  QString status;

  qint64 durationNanos() const { return endTimeUnixNano - startTimeUnixNano; }
  static Span fromJson(const QJsonObject& object);
};

struct Trace {
  QString traceId;
  QVector<Span> spans;
  // Gateway replicas that did not give their part of the trace: spans they hold are missing.
  int unreachableReplicas = 0;

  static Trace fromJson(const QJsonObject& object);
};

// One trace of GET /api/v1/admin/traces: what the list says of it without its spans (the waterfall
// reads those with GET /admin/traces/{traceId}).
struct TraceSummary {
  QString traceId;
  QString rootService;  // the root span's (or, when the root is missing, the earliest orphan's)
  QString rootName;
  QDateTime startTime;  // UTC; the earliest span's start
  double durationMs = 0;
  qint64 spanCount = 0;
  QStringList services;
  bool error = false;  // a span ended with an error

  static TraceSummary fromJson(const QJsonObject& object);
};

struct TraceList {
  QVector<TraceSummary> traces;  // newest first
  // Gateway replicas that did not give their part: traces they hold may be missing from the list.
  int unreachableReplicas = 0;

  static TraceList fromJson(const QJsonObject& object);
};

// One series of a Prometheus matrix or vector; x is milliseconds since the epoch.
struct PromSeries {
  QMap<QString, QString> metric;
  QList<QPointF> points;

  // "orders" for {service="orders"}, "{code="500",service="orders"}" for several labels.
  QString label() const;
};

// Parses {"status":"success","data":{"resultType":"matrix"|"vector"|"scalar",...}}. NaN and ±Inf
// samples are skipped (a chart cannot place them); a "status":"error" body becomes an error message.
struct PromQueryResult {
  QString resultType;
  QVector<PromSeries> series;
  QString errorMessage;  // empty on success

  static PromQueryResult fromJson(const QJsonObject& object);
  // The same from the body as received; a body that is not a JSON object becomes an error message.
  // Touches no shared state, so the Metrics page runs it on a worker thread.
  static PromQueryResult fromBody(const QByteArray& body);
};

// An operator's "seen, someone is on it" on an active alert (POST /admin/alerts:acknowledge, GET
// /admin/alerts/acknowledgements, and the `acknowledgement` of the stream's `alert` events).
struct AlertAcknowledgement {
  QString alertname;
  QMap<QString, QString> labels;  // the alert's full label set, alertname included
  QString byUserId;
  QString byUsername;
  QDateTime at;
  QString comment;  // may be empty

  // The PromAlert::key() of the alert it belongs to.
  QString alertKey() const;
  static AlertAcknowledgement fromJson(const QJsonObject& object);
  // JSON null (or anything but an object): no acknowledgement.
  static std::optional<AlertAcknowledgement> fromJsonValue(const QJsonValue& value);
};

// Identity of an alert across refreshes and sources: its name plus every label, as Prometheus keys alerts.
QString alertKey(const QString& alertname, const QMap<QString, QString>& labels);

struct PromAlert {
  QString name;      // labels.alertname
  QString severity;  // labels.severity
  QString state;     // firing | pending | inactive
  QMap<QString, QString> labels;
  QMap<QString, QString> annotations;
  QDateTime activeAt;
  QString value;
  // Set from the stream's `alert` events; Prometheus' own list never carries it (the console joins
  // GET /admin/alerts/acknowledgements to it).
  std::optional<AlertAcknowledgement> acknowledgement;

  // Identity across refreshes: alertKey(name, labels).
  QString key() const;
  QString labelsText() const;
  // Accepts both the Prometheus /alerts entry and the stream's `alert` event shape.
  static PromAlert fromJson(const QJsonObject& object);
  static QVector<PromAlert> listFromJson(const QJsonObject& prometheusBody);
};

struct PromRule {
  QString name;
  QString query;
  QString type;  // alerting | recording
  double durationSeconds = 0;

  static QVector<PromRule> listFromJson(const QJsonObject& prometheusBody);
};

struct PaymentFaults {
  double declineRate = 0;  // 0..1
  double failureRate = 0;  // 0..1
  int addedLatencyMs = 0;
  QString failureCode;  // what failing calls answer ("UNAVAILABLE", "INTERNAL"); kept as read, sent back

  static PaymentFaults fromJson(const QJsonObject& object);
  QJsonObject toJson() const;
};

struct RebuildDifference {
  QString orderId;
  QString field;
  QString live;
  QString rebuilt;
};

// A projection rebuild as the orders service reports it (orders.proto's Rebuild): what
// POST /admin/projections/orders:rebuild answers and GET /admin/projections/rebuilds/{id} reads.
struct RebuildReport {
  QString rebuildId;          // "id"
  QString state;              // RUNNING, DONE or FAILED
  qint64 processed = 0;       // events replayed so far ("processedEvents")
  qint64 total = 0;           // events to replay ("totalEvents")
  bool done = false;          // no longer RUNNING: DONE or FAILED
  QString error;              // why a FAILED rebuild failed
  qint64 differenceCount = 0;  // every difference found; `differences` lists at most the first 1,000
  QVector<RebuildDifference> differences;

  bool failed() const { return state == QLatin1String("FAILED"); }
  static RebuildReport fromJson(const QJsonObject& object);
};

// One event a consumer gave up on (GET /api/v1/admin/dead-letters), kept in the dead-letter stream
// until it is replayed or ages out. The event fields are empty when its envelope did not decode.
struct DeadLetter {
  qint64 sequence = 0;  // its position in the dead-letter stream: what a replay of one letter names
  QString consumer;     // the durable consumer that gave up ("payments-users")
  QString reason;
  QString subject;  // where it was published, and is replayed to
  QString stream;
  QString msgId;
  qint64 deliveries = 0;
  qint64 sizeBytes = 0;
  bool bodyDropped = false;  // kept without its body: it cannot be replayed
  bool replayed = false;     // it failed again after a replay
  QString eventId;
  QString eventType;
  QString aggregateId;
  QDateTime occurredAt;
  QString traceId;

  static DeadLetter fromJson(const QJsonObject& object);
};

struct DeadLetterList {
  QVector<DeadLetter> letters;  // oldest first
  qint64 total = 0;             // letters of every consumer in the stream, not only those listed

  static DeadLetterList fromJson(const QJsonObject& object);
};

// `order.event` on the stream.
struct OrderEventNotice {
  QString orderId;
  qint64 version = 0;
  QString type;
  QDateTime time;

  static OrderEventNotice fromJson(const QJsonObject& object);
  // "OrderConfirmed" -> "CONFIRMED"; empty when the event does not change the status.
  static QString statusAfter(const QString& eventType);
};

// `replay.progress` on the stream: the Rebuild's id and counts (`{rebuildId, processed, total, done}`
// is read too).
struct ReplayProgress {
  QString rebuildId;
  qint64 processed = 0;
  qint64 total = 0;
  bool done = false;

  static ReplayProgress fromJson(const QJsonObject& object);
};

}  // namespace fleetdeck::console
