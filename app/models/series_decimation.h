// Decimation of chart series: keeps a series to about twice the chart's pixel width (min and max of
// each bucket, so spikes survive) before it goes to QXYSeries::replace in one call; and the gaps a
// series has where samples are missing, which no line may bridge.
#pragma once

#include <QList>
#include <QPointF>

namespace fleetdeck::console {

// The runs of a series with no sample missing, oldest first: each is drawn as a line of its own.
using SeriesSegments = QList<QList<QPointF>>;

// A sample more than this many steps after the one before starts a new segment: the samples between
// are missing (Prometheus leaves absent samples out, and NaN and ±Inf are skipped), and a line drawn
// across would show values nobody measured. 1.5 leaves room for a sample's timestamp jitter.
constexpr double kGapSteps = 1.5;

// Splits points sorted by x where consecutive ones are more than kGapSteps × `step` apart. With no
// step (<= 0) the closest two consecutive points stand for it.
SeriesSegments splitAtGaps(const QList<QPointF>& points, double step);

// splitAtGaps, then decimateMinMax on each segment with its share of `maxPoints` (by its share of the
// points), so that no min/max bucket spans a gap. Segments of up to 4 points are kept whole.
SeriesSegments decimateSegments(const QList<QPointF>& points, double step, int maxPoints);

// Points sorted by x in, at most `maxPoints` out (rounded down to even), first and last kept.
// Each bucket of equal x width contributes its minimum and its maximum, in x order.
QList<QPointF> decimateMinMax(const QList<QPointF>& points, int maxPoints);

// Step (seconds) for a query_range over `rangeSeconds` that yields about `targetPoints` samples.
int stepForRange(qint64 rangeSeconds, int targetPoints);

}  // namespace fleetdeck::console
