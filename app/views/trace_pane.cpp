#include "views/trace_pane.h"

#include <QAction>
#include <QLabel>
#include <QScrollArea>
#include <QTimer>
#include <QVBoxLayout>

#include "client/gateway_api.h"
#include "views/trace_waterfall_widget.h"

namespace fleetdeck::console {
namespace {

// A longer Retry-After is cut to this: someone is looking at the page, and one early read is cheap.
constexpr int kMaxRetryAfterSeconds = 30;

// The gateway's 503 for a trace no answering replica holds while some did not answer (see
// RestGateway::getTrace; e2e.admin pins the reason). Any other 503 (a proxy's page while the gateway
// restarts) says nothing of the replicas, whatever its words.
bool someReplicasMayHoldIt(const ApiError& error) {
  return error.httpStatus == 503 && error.reason == QLatin1String("TRACE_REPLICAS_SILENT");
}

}  // namespace

// See RestGateway::traceRoutesOpen; e2e.admin pins the reason.
bool gatewayKeepsNoTraces(const ApiError& error) {
  return error.httpStatus == 503 && error.reason == QLatin1String("TRACE_STORE_DISABLED");
}

TracePane::TracePane(GatewayClient* client, QAction* retryAction, QWidget* parent)
    : QWidget(parent),
      client_(client),
      retryAction_(retryAction),
      note_(new QLabel(this)),
      waterfall_(new TraceWaterfallWidget(this)),
      retry_(new QTimer(this)) {
  setObjectName(QStringLiteral("tracePane"));
  note_->setObjectName(QStringLiteral("traceNote"));
  note_->setWordWrap(true);
  note_->hide();
  auto* scroll = new QScrollArea(this);
  scroll->setWidget(waterfall_);
  scroll->setWidgetResizable(true);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(note_);
  layout->addWidget(scroll, 1);
  retry_->setSingleShot(true);
  connect(retry_, &QTimer::timeout, this, [this] { fetch(traceId_, /*mayRetry=*/false); });
}

void TracePane::showMessage(const QString& message) {
  ++load_;
  retry_->stop();
  traceId_.clear();
  answered_ = true;
  failed_ = false;
  waterfall_->setMessage(message);
  note_->hide();
}

void TracePane::load(const QString& traceId) { fetch(traceId, /*mayRetry=*/true); }

void TracePane::fetch(const QString& traceId, bool mayRetry) {
  retry_->stop();
  traceId_ = traceId;
  answered_ = false;
  failed_ = false;
  waterfall_->setMessage(tr("Loading trace %1…").arg(traceId));
  note_->hide();
  const quint64 load = ++load_;
  api::getTrace(client_, traceId, this, [this, traceId, load, mayRetry](const Result<Trace>& result) {
    if (load != load_) return;
    answered_ = true;
    failed_ = !result;
    if (!result) {
      const ApiError& error = result.error();
      // Once only: a replica still silent after the wait it announced may be down for longer, and the
      // user is better asked than kept waiting without end.
      int retryInSeconds = 0;
      // Not so a gateway that keeps no traces: that is its configuration, which no wait changes (the
      // page's button reads it again once tracing is on there).
      if (mayRetry && error.httpStatus == 503 && error.retryAfterSeconds >= 0 && !gatewayKeepsNoTraces(error)) {
        retryInSeconds = qBound(1, error.retryAfterSeconds, kMaxRetryAfterSeconds);
        retry_->start(retryInSeconds * 1000);
      }
      showFailure(traceId, error, retryInSeconds);
      return;
    }
    waterfall_->setTrace(result.value());
    const int missing = result.value().unreachableReplicas;
    note_->setText(tr("%n gateway replica(s) did not answer: the spans they hold are missing from this trace.", "", missing));
    note_->setVisible(missing > 0);
    emit traceShown(traceId);
  });
}

void TracePane::showFailure(const QString& traceId, const ApiError& error, int retryInSeconds) {
  // As its button shows it: the text without its mnemonic.
  const QString button = retryAction_->iconText();
  if (error.httpStatus == 404) {
    // Every gateway replica answered and none holds it.
    waterfall_->setMessage(tr("Trace %1 is not in the trace store (it may have expired).").arg(traceId));
  } else if (gatewayKeepsNoTraces(error)) {
    waterfall_->setMessage(tr("This gateway keeps no traces: tracing is off there, so trace %1 cannot be shown (press %2 "
                              "once it is on). The gateway said: %3")
                               .arg(traceId, button, error.summary()));
  } else if (someReplicasMayHoldIt(error)) {
    // No replica that answered holds it, but one that did not may: not known to be gone.
    const QString said = error.summary();
    waterfall_->setMessage(retryInSeconds > 0
                               ? tr("Trace %1 was not found, but some gateway replicas did not answer; trying again in %n "
                                    "second(s) (or press %2). The gateway said: %3",
                                    "", retryInSeconds)
                                     .arg(traceId, button, said)
                               : tr("Trace %1 was not found, but some gateway replicas did not answer; try again (press "
                                    "%2). The gateway said: %3")
                                     .arg(traceId, button, said));
  } else if (retryInSeconds > 0) {
    // Another 503 with Retry-After (a proxy in front of a restarting gateway): read again as announced.
    waterfall_->setMessage(tr("Could not load trace %1: %2. Trying again in %n second(s) (or press %3).", "", retryInSeconds)
                               .arg(traceId, error.summary(), button));
  } else {
    waterfall_->setMessage(tr("Could not load trace %1: %2. Press %3 to try again.").arg(traceId, error.summary(), button));
  }
}

}  // namespace fleetdeck::console
