// SparklineDelegate: draws a small line of a row's recent values (a Sparkline in FleetModel::SparklineRole)
// behind the cell's text, so a table column shows the trend as well as the current number. Values sit
// at their times across the window, and the line breaks where samples are missing.
#pragma once

#include <QStyledItemDelegate>

namespace fleetdeck::console {

class SparklineDelegate : public QStyledItemDelegate {
  Q_OBJECT

 public:
  SparklineDelegate(int sparklineRole, QObject* parent = nullptr);
  void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
  QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

 private:
  int role_;
};

}  // namespace fleetdeck::console
