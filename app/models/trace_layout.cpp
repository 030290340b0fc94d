#include "models/trace_layout.h"

#include <QHash>
#include <algorithm>
#include <limits>

namespace fleetdeck::console {

TraceLayout layoutTrace(const Trace& trace) {
  TraceLayout layout;
  const int n = static_cast<int>(trace.spans.size());
  if (n == 0) return layout;

  QHash<QString, int> byId;
  byId.reserve(n);
  for (int i = 0; i < n; ++i) byId.insert(trace.spans[i].spanId, i);

  QHash<int, QVector<int>> children;
  QVector<int> roots;
  for (int i = 0; i < n; ++i) {
    const Span& span = trace.spans[i];
    const auto parent = byId.constFind(span.parentSpanId);
    if (span.parentSpanId.isEmpty() || parent == byId.cend() || *parent == i) {
      roots.append(i);
    } else {
      children[*parent].append(i);
    }
  }
  auto byStart = [&trace](int a, int b) {
    return trace.spans[a].startTimeUnixNano < trace.spans[b].startTimeUnixNano;
  };
  std::sort(roots.begin(), roots.end(), byStart);
  for (auto& list : children) std::sort(list.begin(), list.end(), byStart);

  QVector<bool> placed(n, false);
  // Iterative depth-first walk: a deep trace cannot overflow the stack.
  auto walk = [&](int root) {
    QVector<SpanRow> stack{{root, 0}};
    while (!stack.isEmpty()) {
      const SpanRow row = stack.takeLast();
      if (placed[row.spanIndex]) continue;
      placed[row.spanIndex] = true;
      layout.rows.append(row);
      const QVector<int> kids = children.value(row.spanIndex);
      for (auto it = kids.crbegin(); it != kids.crend(); ++it) stack.append({*it, row.depth + 1});
    }
  };
  for (int root : roots) walk(root);
  // Whatever a cycle kept unreachable still gets shown, at the top level.
  for (int i = 0; i < n; ++i) {
    if (!placed[i]) walk(i);
  }

  layout.startNanos = std::numeric_limits<qint64>::max();
  layout.endNanos = std::numeric_limits<qint64>::min();
  for (const Span& span : trace.spans) {
    layout.startNanos = qMin(layout.startNanos, span.startTimeUnixNano);
    layout.endNanos = qMax(layout.endNanos, span.endTimeUnixNano);
  }
  return layout;
}

QVector<int> spansOfStep(const Trace& trace, const QString& stepName) {
  QVector<int> matches;
  if (stepName.isEmpty()) return matches;
  for (int i = 0; i < trace.spans.size(); ++i) {
    const Span& span = trace.spans[i];
    const QJsonValue tagged = span.attributes.value(QStringLiteral("saga.step"));
    const bool named = span.name == stepName || span.name.endsWith(QLatin1Char('/') + stepName) ||
                       span.name.endsWith(QLatin1Char(' ') + stepName) || span.name.endsWith(QLatin1Char('.') + stepName);
    if ((tagged.isString() && tagged.toString() == stepName) || named) matches.append(i);
  }
  return matches;
}

}  // namespace fleetdeck::console
