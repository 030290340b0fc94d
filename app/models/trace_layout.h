// Lays out a trace's spans for a waterfall: parents before children, siblings by start time, with depth.
#pragma once

#include <QVector>

#include "client/api_types.h"

namespace fleetdeck::console {

struct SpanRow {
  int spanIndex = 0;  // into Trace::spans
  int depth = 0;
};

struct TraceLayout {
  QVector<SpanRow> rows;
  qint64 startNanos = 0;
  qint64 endNanos = 0;
};

// Spans whose parent is missing from the trace (not yet exported, or dropped) become roots rather than
// disappearing. A parent cycle in bad data is broken, never followed forever.
TraceLayout layoutTrace(const Trace& trace);

// The spans of one saga step, as indexes into Trace::spans: an attribute "saga.step" naming it, or a
// span named after it ("Charge", "saga Charge", "PaymentsService/Charge"). Trace order.
QVector<int> spansOfStep(const Trace& trace, const QString& stepName);

}  // namespace fleetdeck::console
