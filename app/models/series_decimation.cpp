#include "models/series_decimation.h"

#include <cmath>
#include <limits>

namespace fleetdeck::console {

QList<QPointF> decimateMinMax(const QList<QPointF>& points, int maxPoints) {
  maxPoints = qMax(4, maxPoints - maxPoints % 2);
  if (points.size() <= maxPoints) return points;

  const int buckets = maxPoints / 2;
  const double x0 = points.first().x();
  const double span = points.last().x() - x0;
  QList<QPointF> out;
  out.reserve(maxPoints);
  if (span <= 0) {
    out << points.first() << points.last();
    return out;
  }
  int i = 0;
  const int n = static_cast<int>(points.size());
  for (int bucket = 0; bucket < buckets && i < n; ++bucket) {
    const double end = x0 + span * (bucket + 1) / buckets;
    int minIndex = i;
    int maxIndex = i;
    for (; i < n && (points[i].x() < end || bucket == buckets - 1); ++i) {
      if (points[i].y() < points[minIndex].y()) minIndex = i;
      if (points[i].y() > points[maxIndex].y()) maxIndex = i;
    }
    if (minIndex == maxIndex) {
      out << points[minIndex];
    } else if (minIndex < maxIndex) {
      out << points[minIndex] << points[maxIndex];
    } else {
      out << points[maxIndex] << points[minIndex];
    }
  }
  // The exact ends matter for the axis range; a bucket may have chosen inner points instead.
  if (out.first() != points.first()) {
    if (out.size() >= maxPoints) out.removeFirst();
    out.prepend(points.first());
  }
  if (out.last() != points.last()) {
    if (out.size() >= maxPoints) out.removeLast();
    out.append(points.last());
  }
  return out;
}

SeriesSegments splitAtGaps(const QList<QPointF>& points, double step) {
  if (points.size() < 2) return points.isEmpty() ? SeriesSegments{} : SeriesSegments{points};
  if (step <= 0) {
    step = std::numeric_limits<double>::max();
    for (qsizetype i = 1; i < points.size(); ++i) {
      const double spacing = points[i].x() - points[i - 1].x();
      if (spacing > 0) step = qMin(step, spacing);
    }
  }
  const double gap = kGapSteps * step;
  SeriesSegments segments;
  qsizetype begin = 0;
  for (qsizetype i = 1; i <= points.size(); ++i) {
    if (i < points.size() && points[i].x() - points[i - 1].x() <= gap) continue;
    segments.append(points.mid(begin, i - begin));
    begin = i;
  }
  return segments;
}

SeriesSegments decimateSegments(const QList<QPointF>& points, double step, int maxPoints) {
  SeriesSegments segments = splitAtGaps(points, step);
  if (points.size() <= maxPoints) return segments;
  for (QList<QPointF>& segment : segments) {
    const int share = static_cast<int>(static_cast<qint64>(maxPoints) * segment.size() / points.size());
    segment = decimateMinMax(segment, share);
  }
  return segments;
}

int stepForRange(qint64 rangeSeconds, int targetPoints) {
  if (targetPoints <= 0) targetPoints = 1;
  const double raw = static_cast<double>(rangeSeconds) / targetPoints;
  return qMax(1, static_cast<int>(std::ceil(raw)));
}

}  // namespace fleetdeck::console
