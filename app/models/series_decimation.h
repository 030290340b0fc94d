// Decimation of chart series: keeps a series to about twice the chart's pixel width (min and max of
// each bucket, so spikes survive) before it goes to QXYSeries::replace in one call.
#pragma once

#include <QList>
#include <QPointF>

namespace fleetdeck::console {

// Points sorted by x in, at most `maxPoints` out (rounded down to even), first and last kept.
// Each bucket of equal x width contributes its minimum and its maximum, in x order.
QList<QPointF> decimateMinMax(const QList<QPointF>& points, int maxPoints);

// Step (seconds) for a query_range over `rangeSeconds` that yields about `targetPoints` samples.
int stepForRange(qint64 rangeSeconds, int targetPoints);

}  // namespace fleetdeck::console
