// DemoFleet: a believable, stateful fleet behind a FakeGateway — users, orders, sagas, fleet health,
// Prometheus series, alerts, traces, event histories — following docs/console-api-contract.md. Views
// tests and the screenshot test run the real console against it.
#pragma once

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QSet>
#include <QString>
#include <QVector>

#include "fakes/fake_gateway.h"

namespace fleetdeck::console::testing {

class DemoFleet {
 public:
  static constexpr const char* kPassword = "demo-password-123";

  // Installs every route on `gateway`. Sizes are kept small enough for fast tests and large enough
  // to need several pages.
  explicit DemoFleet(FakeGateway& gateway, int users = 120, int orders = 240);

  // Each later request with the old access token gets 401 until the client refreshes.
  void expireAccessToken();
  // The service's instances restart: they register again under new instance ids, started now.
  void restartService(const QString& service) { ++restarts_[service]; }
  // The gateway's readiness polls of the service's instances get no answer (`error` says why): they
  // are down; an empty error makes them reachable again.
  void setUnreachable(const QString& service, const QString& error) {
    if (error.isEmpty()) {
      unreachable_.remove(service);
    } else {
      unreachable_.insert(service, error);
    }
  }
  // Someone else edits the user: its version moves on, so an edit based on the old one is stale.
  void touchUser(const QString& id);
  QJsonObject user(int index) const { return users_.at(index); }
  QJsonObject userByName(const QString& username) const;
  QJsonObject order(int index) const { return orders_.at(index); }
  int refreshCount() const { return refreshes_; }
  // Every order event of the fleet: what a projection rebuild replays.
  qint64 eventCount() const;
  // Payments' fault injection as GET /admin/faults answers it (payments' Faults message in JSON).
  QJsonObject faults() const { return faults_; }
  void setFaults(const QJsonObject& faults) { faults_ = faults; }
  QString accessToken() const { return access_; }
  QDateTime now() const { return now_; }
  // Active alerts' acknowledgements, keyed by alertKey(); one (SagaCompensationsHigh, by grace) from the start.
  QHash<QString, QJsonObject> acknowledgements() const { return acknowledgements_; }
  // The dead-letter stream as GET /admin/dead-letters lists it (oldest first); replays remove letters.
  QJsonArray deadLetters() const { return deadLetters_; }
  void setDeadLetters(const QJsonArray& letters) { deadLetters_ = letters; }
  // The traces GET /admin/traces lists (newest first), as the gateway's trace store summarises them.
  QJsonArray traces() const;
  // Gateway replicas that do not give their part of the trace list and of each trace (0: all answer).
  void setUnreachableTraceReplicas(int replicas) { unreachableTraceReplicas_ = replicas; }
  // An alert's identity: its name and full label set (alertname included), canonical.
  static QString alertKey(const QString& alertname, QJsonObject labels);

 private:
  void seed(int users, int orders);
  void install();
  bool authorized(const FakeRequest& request, bool adminOnly, FakeResponse& denial) const;
  QJsonObject orderStateAt(const QJsonObject& order, qint64 version) const;
  // orders.proto's Rebuild as the gateway answers it (GET /admin/projections/rebuilds/{id}).
  QJsonObject rebuild(const QString& id) const;
  QJsonArray orderEvents(const QJsonObject& order) const;
  QJsonObject sagaDetail(const QJsonObject& order) const;
  QJsonObject fleet() const;
  // Prometheus' /api/v1/alerts entries, without acknowledgements.
  QJsonArray alerts() const;
  FakeResponse acknowledge(const FakeRequest& request, bool acknowledge);
  FakeResponse replayDeadLetters(const FakeRequest& request);
  QJsonObject matrix(const QString& query, qint64 start, qint64 end, qint64 step) const;

  FakeGateway& gateway_;
  QDateTime now_;
  QVector<QJsonObject> users_;
  QVector<QJsonObject> orders_;
  QString access_;
  QString refresh_;
  QString signedInUser_;
  int tokenCounter_ = 0;
  int refreshes_ = 0;
  QJsonObject faults_;
  QHash<QString, QJsonObject> acknowledgements_;
  QHash<QString, int> restarts_;  // service -> restarts so far
  QHash<QString, QString> unreachable_;  // service -> why its readiness polls get no answer
  QSet<QString> stopped_;  // services stopped through POST /admin/services/{name}:stop
  QJsonArray deadLetters_;
  int unreachableTraceReplicas_ = 0;
  // Order actions sent with an Idempotency-Key: "<order id> <username> <key>" -> {action, the order
  // as that action left it}, so a repeat gets the first answer (as the orders service does).
  QHash<QString, QPair<QString, QJsonObject>> orderActions_;
  // Users created with an Idempotency-Key: key -> {who asked and what (no password), the account's id}.
  QHash<QString, QPair<QString, QString>> userCreates_;
  // Projection rebuilds started: id -> how often it was read; each read moves it on (rebuild()).
  QHash<QString, int> rebuildReads_;
  int rebuildCounter_ = 0;
};

}  // namespace fleetdeck::console::testing
