#include "models/series_decimation.h"

#include <cmath>

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

int stepForRange(qint64 rangeSeconds, int targetPoints) {
  if (targetPoints <= 0) targetPoints = 1;
  const double raw = static_cast<double>(rangeSeconds) / targetPoints;
  return qMax(1, static_cast<int>(std::ceil(raw)));
}

}  // namespace fleetdeck::console
