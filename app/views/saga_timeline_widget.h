// SagaTimelineWidget: one saga as a timeline — a row per step (forward and compensation) with its bar
// from start to end, attempts, outcome colour and error text; repaints as live step events arrive.
#pragma once

#include <QDateTime>
#include <QWidget>

#include "client/api_types.h"

class QTimer;

namespace fleetdeck::console {

class SagaTimelineWidget : public QWidget {
  Q_OBJECT

 public:
  explicit SagaTimelineWidget(QWidget* parent = nullptr);

  void setSaga(const Saga& saga);
  void clear();
  const Saga& saga() const { return saga_; }
  bool hasSaga() const { return !saga_.id.isEmpty(); }
  int selectedStep() const { return selected_; }
  void setSelectedStep(int index);
  // The line above the steps: state, the current step (or, once finished, the outcome) and duration.
  QString headerText() const;
  // Where the header goes at the widget's width: headerText(), elided where it would run into the
  // time range (first step's start → last end) that is right-aligned over the bars.
  struct HeaderLayout {
    QString text;
    QRect textRect;
    QString range;
    QRect rangeRect;
  };
  HeaderLayout headerLayout() const;

  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;

 signals:
  void stepSelected(int index);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  bool event(QEvent* event) override;

 private:
  int stepAt(const QPoint& position) const;
  QRect rowRect(int index) const;
  QDateTime timelineStart() const;
  QDateTime timelineEnd() const;

  Saga saga_;
  int selected_ = -1;
  QTimer* ticker_;  // moves running bars along while the saga is not finished
};

}  // namespace fleetdeck::console
