// SeriesPreparer: runs one chart's data preparation (series_preparation.h) on a worker thread and
// delivers the result on the thread that owns it — only the newest request's result, never a stale one.
#pragma once

#include <QObject>
#include <atomic>
#include <functional>
#include <memory>

#include "models/series_preparation.h"

namespace fleetdeck::console {

class SeriesPreparer : public QObject {
  Q_OBJECT

 public:
  explicit SeriesPreparer(QObject* parent = nullptr);
  // Requests still on the worker are abandoned: their results are dropped, never delivered.
  ~SeriesPreparer() override;

  // Each call supersedes the requests before it: their results are dropped when they come back, and
  // one that has not started yet skips its work.
  void prepareAnswers(const QList<QueryAnswer>& answers, int maxPoints, const QDateTime& start, const QDateTime& end);
  void fit(const PreparedChart& chart, int maxPoints);

  // The newest request has not been delivered yet.
  bool isBusy() const { return busy_; }
  // Results dropped because a newer request had been made meanwhile (tests and diagnostics).
  int droppedCount() const { return dropped_; }

 signals:
  void prepared(const fleetdeck::console::PreparedChart& chart);

 private:
  void run(std::function<PreparedChart()> job);

  // Shared with the jobs so that a job still waiting for the worker can tell it has been superseded.
  std::shared_ptr<std::atomic<quint64>> newest_;
  bool busy_ = false;
  int dropped_ = 0;
};

}  // namespace fleetdeck::console
