// TracePane: one trace read through the gateway and drawn as a waterfall, with what a page must say
// about it — loading, why it could not be read, and the gateway replicas whose spans are missing — and
// read once more by itself when the gateway says when a silent replica may answer.
#pragma once

#include <QString>
#include <QWidget>

class QAction;
class QLabel;
class QTimer;

namespace fleetdeck::console {

class GatewayClient;
class TraceWaterfallWidget;
struct ApiError;

// The gateway's answer on every trace route when it hosts no trace store ([traces] enabled = false):
// a 503 like that of a trace no answering replica holds (code UNAVAILABLE too), told apart by its
// reason, TRACE_STORE_DISABLED. Waiting does not help; turning tracing on there does.
bool gatewayKeepsNoTraces(const ApiError& error);

class TracePane : public QWidget {
  Q_OBJECT

 public:
  // `retryAction` is how the page tries again (Refresh, Search): the messages that ask the user to try
  // again name it, as its button shows it.
  TracePane(GatewayClient* client, QAction* retryAction, QWidget* parent = nullptr);

  TraceWaterfallWidget* waterfall() const { return waterfall_; }

  // Reads `traceId` and shows it. Only the newest load is shown: the user may have moved on while an
  // older one was on its way. A 503 with Retry-After (some gateway replicas did not answer, and one of
  // them may hold it) is read again once, that many seconds later (30 at most), unless another load
  // came first; a second 503 asks the user to press the page's button. A gateway that hosts no trace
  // store (tracing off there) is said to keep none, and not read again by itself.
  void load(const QString& traceId);
  // `message` (none when empty) instead of a trace; a load on its way, or waiting to be read again, is
  // dropped.
  void showMessage(const QString& message);

  // The trace shown, loading, or whose last load failed; empty after showMessage().
  QString traceId() const { return traceId_; }
  // The last load has its answer (true before any load, and while an automatic read again waits).
  bool isAnswered() const { return answered_; }
  // The last load of traceId() failed: the page loads it again when the user asks (Search, a click),
  // also while an automatic read again waits.
  bool hasFailed() const { return failed_; }

 signals:
  // `traceId`'s spans are in the waterfall now (e.g. to mark a saga step's spans in it).
  void traceShown(const QString& traceId);

 private:
  // `mayRetry`: a 503 with Retry-After is read again automatically (not so the automatic read itself).
  void fetch(const QString& traceId, bool mayRetry);
  // `retryInSeconds` > 0: an automatic read again is due then.
  void showFailure(const QString& traceId, const ApiError& error, int retryInSeconds);

  GatewayClient* client_;
  QAction* retryAction_;
  QLabel* note_;  // spans missing from the trace shown (a gateway replica did not answer)
  TraceWaterfallWidget* waterfall_;
  // Owned by the pane, so it dies with it; stopped by every newer load, so it only ever reads traceId_.
  QTimer* retry_;
  QString traceId_;
  quint64 load_ = 0;  // numbers each load; older answers are dropped
  bool answered_ = true;
  bool failed_ = false;
};

}  // namespace fleetdeck::console
