#include "views/trace_waterfall_widget.h"

#include <QHelpEvent>
#include <QJsonObject>
#include <QMouseEvent>
#include <QPaintEvent>
#include <QPainter>
#include <QToolTip>

#include "client/api_types.h"
#include "models/display_text.h"

namespace fleetdeck::console {
namespace {
constexpr int kRowHeight = 22;
constexpr int kHeaderHeight = 24;
constexpr int kMinLabelWidth = 280;
constexpr int kMaxLabelWidth = 520;
constexpr int kIndent = 14;

QColor serviceColor(const QString& service) {
  // A stable colour per service name, so the same service looks the same in every trace.
  const uint hash = qHash(service);
  return QColor::fromHsv(static_cast<int>(hash % 360), 150, 200);
}

}  // namespace

TraceWaterfallWidget::TraceWaterfallWidget(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("traceWaterfall"));
  setMouseTracking(true);
}

void TraceWaterfallWidget::setTrace(const Trace& trace) {
  trace_ = trace;
  highlighted_.clear();
  layout_ = layoutTrace(trace_);
  message_.clear();
  updateGeometry();
  update();
}

void TraceWaterfallWidget::setMessage(const QString& message) {
  trace_ = Trace{};
  layout_ = TraceLayout{};
  message_ = message;
  highlighted_.clear();
  updateGeometry();
  update();
}

void TraceWaterfallWidget::setHighlightedSpans(const QVector<int>& spanIndexes) {
  if (highlighted_ == spanIndexes) return;
  highlighted_ = spanIndexes;
  update();
}

void TraceWaterfallWidget::mousePressEvent(QMouseEvent* event) {
  const int row = rowAt(event->position().toPoint());
  if (row >= 0) emit spanClicked(layout_.rows[row].spanIndex);
  QWidget::mousePressEvent(event);
}

QSize TraceWaterfallWidget::sizeHint() const {
  return {640, kHeaderHeight + qMax(3, static_cast<int>(layout_.rows.size())) * kRowHeight + 8};
}

int TraceWaterfallWidget::labelWidth() const { return qBound(kMinLabelWidth, width() * 2 / 5, kMaxLabelWidth); }

int TraceWaterfallWidget::rowAt(const QPoint& position) const {
  const int row = (position.y() - kHeaderHeight) / kRowHeight;
  return position.y() >= kHeaderHeight && row < layout_.rows.size() ? row : -1;
}

void TraceWaterfallWidget::paintEvent(QPaintEvent* event) {
  QPainter painter(this);
  const QPalette& pal = palette();
  const QRect exposed = event->rect();
  painter.fillRect(exposed, pal.color(QPalette::Base));
  rowsPaintedLast_ = 0;
  if (layout_.rows.isEmpty()) {
    painter.setPen(pal.color(QPalette::PlaceholderText));
    // Wrapped: an error (e.g. "some replicas did not answer…") is longer than a narrow window.
    painter.drawText(rect().adjusted(8, 4, -8, -4), Qt::AlignCenter | Qt::TextWordWrap,
                     message_.isEmpty() ? tr("No trace loaded.") : message_);
    return;
  }
  const qint64 total = qMax<qint64>(1, layout_.endNanos - layout_.startNanos);
  const int labels = labelWidth();
  const int barLeft = labels + 8;
  const int barWidth = qMax(40, width() - barLeft - 80);

  painter.setPen(pal.color(QPalette::PlaceholderText));
  painter.drawText(QRect(4, 0, width() - 100, kHeaderHeight), Qt::AlignLeft | Qt::AlignVCenter,
                   tr("Trace %1 · %n span(s)", "", static_cast<int>(trace_.spans.size())).arg(trace_.traceId));
  painter.drawText(QRect(barLeft, 0, barWidth, kHeaderHeight), Qt::AlignRight | Qt::AlignVCenter,
                   display::durationNanos(total));

  // Only the rows the exposed area touches.
  const int first = qMax(0, (exposed.top() - kHeaderHeight) / kRowHeight);
  const int last = qMin(static_cast<int>(layout_.rows.size()) - 1, (exposed.bottom() - kHeaderHeight) / kRowHeight);
  for (int i = first; i <= last; ++i) {
    ++rowsPaintedLast_;
    const SpanRow& row = layout_.rows[i];
    const Span& span = trace_.spans[row.spanIndex];
    const int y = kHeaderHeight + i * kRowHeight;
    if (i % 2 == 1) painter.fillRect(QRect(0, y, width(), kRowHeight), pal.color(QPalette::AlternateBase));
    if (highlighted_.contains(row.spanIndex)) {
      QColor highlight = pal.color(QPalette::Highlight);
      highlight.setAlpha(70);
      painter.fillRect(QRect(0, y, width(), kRowHeight), highlight);
    }
    const QColor color = span.status == QLatin1String("ERROR") || span.status == QLatin1String("2")
                             ? display::stepStateColor(QStringLiteral("failed"))
                             : serviceColor(span.service);
    const int indent = qMin(row.depth * kIndent, labels / 2);
    painter.setPen(pal.color(QPalette::Text));
    const QString label = painter.fontMetrics().elidedText(span.service + QStringLiteral(": ") + span.name, Qt::ElideRight,
                                                           labels - indent - 8);
    painter.drawText(QRect(4 + indent, y, labels - indent, kRowHeight), Qt::AlignLeft | Qt::AlignVCenter, label);
    const double x0 = barLeft + barWidth * double(span.startTimeUnixNano - layout_.startNanos) / total;
    const double x1 = barLeft + barWidth * double(span.endTimeUnixNano - layout_.startNanos) / total;
    painter.fillRect(QRectF(x0, y + 5, qMax(2.0, x1 - x0), kRowHeight - 10), color);
    painter.drawText(QRectF(qMax(x1, x0 + 2) + 4, y, 80, kRowHeight), Qt::AlignLeft | Qt::AlignVCenter,
                     display::durationNanos(span.durationNanos()));
  }
}

bool TraceWaterfallWidget::event(QEvent* event) {
  if (event->type() == QEvent::ToolTip) {
    auto* help = static_cast<QHelpEvent*>(event);
    const int row = rowAt(help->pos());
    if (row < 0) {
      QToolTip::hideText();
      return true;
    }
    const Span& span = trace_.spans[layout_.rows[row].spanIndex];
    QStringList lines{span.service + QStringLiteral(": ") + span.name,
                      tr("Duration: %1").arg(display::durationNanos(span.durationNanos()))};
    if (!span.status.isEmpty()) lines << tr("Status: %1", "span status").arg(span.status);
    for (auto it = span.attributes.begin(); it != span.attributes.end(); ++it) {
      lines << it.key() + QStringLiteral(" = ") + jsonText(it.value());
    }
    QToolTip::showText(help->globalPos(), lines.join(QLatin1Char('\n')), this);
    return true;
  }
  return QWidget::event(event);
}

}  // namespace fleetdeck::console
