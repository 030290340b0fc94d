#include "views/sparkline_delegate.h"

#include <QPainter>
#include <QPainterPath>
#include <algorithm>

#include "models/fleet_model.h"
#include "models/series_decimation.h"

namespace fleetdeck::console {

SparklineDelegate::SparklineDelegate(int sparklineRole, QObject* parent) : QStyledItemDelegate(parent), role_(sparklineRole) {}

void SparklineDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const {
  // The cell first (its selection background, the number), the line over it: drawn before, the
  // selected row's background covered it, so the service an operator had chosen lost its sparkline.
  QStyledItemDelegate::paint(painter, option, index);
  const Sparkline sparkline = index.data(role_).value<Sparkline>();
  const double window = sparkline.endMs - sparkline.startMs;
  if (!sparkline.points.isEmpty() && window > 0) {
    // The left part of the cell: the number stays readable on the right.
    QRectF area = QRectF(option.rect).adjusted(4, 5, -4, -5);
    area.setWidth(area.width() * 0.5);
    auto byValue = [](const QPointF& a, const QPointF& b) { return a.y() < b.y(); };
    const auto [minIt, maxIt] = std::minmax_element(sparkline.points.begin(), sparkline.points.end(), byValue);
    const qreal low = minIt->y();
    const qreal span = qMax<qreal>(maxIt->y() - low, 1e-9);
    auto place = [&](const QPointF& sample) {
      const qreal x = qBound(0.0, (sample.x() - sparkline.startMs) / window, 1.0);
      return QPointF(area.left() + area.width() * x, area.bottom() - area.height() * (sample.y() - low) / span);
    };
    QPainterPath path;
    for (const QList<QPointF>& segment : splitAtGaps(sparkline.points, sparkline.stepMs)) {
      path.moveTo(place(segment.first()));
      for (qsizetype i = 1; i < segment.size(); ++i) path.lineTo(place(segment[i]));
      // A lone sample between gaps is no line: a dot shows it.
      if (segment.size() == 1) path.addEllipse(place(segment.first()), 1.0, 1.0);
    }
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const bool selected = option.state.testFlag(QStyle::State_Selected);
    QColor line = option.palette.color(selected ? QPalette::HighlightedText : QPalette::Highlight);
    line.setAlpha(selected ? 200 : 150);
    painter->setPen(QPen(line, 1.5));
    painter->drawPath(path);
    painter->restore();
  }
}

QSize SparklineDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const {
  QSize size = QStyledItemDelegate::sizeHint(option, index);
  size.setWidth(qMax(size.width(), 110));
  return size;
}

}  // namespace fleetdeck::console
