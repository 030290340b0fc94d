#include "models/series_preparer.h"

#include <QCoreApplication>
#include <QFutureWatcher>
#include <QPointer>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>
#include <limits>

namespace fleetdeck::console {
namespace {

// Never handed out as a request number: a destroyed preparer's jobs see it and skip their work.
constexpr quint64 kAbandoned = std::numeric_limits<quint64>::max();

// One worker thread for all charts. Charts refresh together (four at a time on the Metrics page); on a
// two-core machine, four parallel jobs would take the core the GUI thread needs and stall it anyway.
// Jobs are a few milliseconds each, so queueing them costs nothing the user sees. Parented to the
// application, which waits for a running job when it goes.
QThreadPool* preparationPool() {
  static QPointer<QThreadPool> pool;
  if (!pool) {
    pool = new QThreadPool(QCoreApplication::instance());
    pool->setObjectName(QStringLiteral("chartPreparation"));
    pool->setMaxThreadCount(1);
  }
  return pool;
}

}  // namespace

SeriesPreparer::SeriesPreparer(QObject* parent)
    : QObject(parent), newest_(std::make_shared<std::atomic<quint64>>(0)) {}

SeriesPreparer::~SeriesPreparer() {
  // The watchers go with this object (children), so nothing is delivered; this only spares queued
  // jobs their work.
  newest_->store(kAbandoned);
}

void SeriesPreparer::prepareAnswers(const QList<QueryAnswer>& answers, int maxPoints, const QDateTime& start,
                                    const QDateTime& end) {
  run([answers, maxPoints, start, end] { return fleetdeck::console::prepareAnswers(answers, maxPoints, start, end); });
}

void SeriesPreparer::fit(const PreparedChart& chart, int maxPoints) {
  run([chart, maxPoints] { return fitToBudget(chart, maxPoints); });
}

void SeriesPreparer::run(std::function<PreparedChart()> job) {
  const quint64 request = newest_->fetch_add(1) + 1;
  busy_ = true;
  // The job owns copies of its inputs (implicitly shared, so cheap) and never touches this object:
  // it may outlive it.
  QFuture<PreparedChart> future =
      QtConcurrent::run(preparationPool(), [job = std::move(job), newest = newest_, request] {
        if (newest->load() != request) return PreparedChart{};  // superseded before it started
        return job();
      });
  auto* watcher = new QFutureWatcher<PreparedChart>(this);
  connect(watcher, &QFutureWatcher<PreparedChart>::finished, this, [this, watcher, request] {
    watcher->deleteLater();
    if (newest_->load() != request) {
      ++dropped_;
      return;
    }
    busy_ = false;
    emit prepared(watcher->result());
  });
  watcher->setFuture(future);
}

}  // namespace fleetdeck::console
