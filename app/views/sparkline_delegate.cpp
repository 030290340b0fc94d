#include "views/sparkline_delegate.h"

#include <QPainter>
#include <QPainterPath>
#include <algorithm>

namespace fleetdeck::console {

SparklineDelegate::SparklineDelegate(int sparklineRole, QObject* parent) : QStyledItemDelegate(parent), role_(sparklineRole) {}

void SparklineDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const {
  const QList<qreal> values = index.data(role_).value<QList<qreal>>();
  if (values.size() >= 2) {
    // The left part of the cell: the number stays readable on the right.
    QRectF area = QRectF(option.rect).adjusted(4, 5, -4, -5);
    area.setWidth(area.width() * 0.5);
    const auto [minIt, maxIt] = std::minmax_element(values.begin(), values.end());
    const qreal low = *minIt;
    const qreal span = qMax<qreal>(*maxIt - low, 1e-9);
    QPainterPath path;
    for (int i = 0; i < values.size(); ++i) {
      const QPointF point(area.left() + area.width() * i / (values.size() - 1),
                          area.bottom() - area.height() * (values[i] - low) / span);
      if (i == 0) {
        path.moveTo(point);
      } else {
        path.lineTo(point);
      }
    }
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    QColor line = option.palette.color(QPalette::Highlight);
    line.setAlpha(150);
    painter->setPen(QPen(line, 1.5));
    painter->drawPath(path);
    painter->restore();
  }
  QStyledItemDelegate::paint(painter, option, index);
}

QSize SparklineDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const {
  QSize size = QStyledItemDelegate::sizeHint(option, index);
  size.setWidth(qMax(size.width(), 110));
  return size;
}

}  // namespace fleetdeck::console
