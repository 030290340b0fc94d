// TraceWaterfallWidget: a trace's spans as a waterfall — one row per span, indented under its parent,
// a bar placed by start and length; hovering a row shows its attributes.
#pragma once

#include <QWidget>

#include "client/api_types.h"
#include "models/trace_layout.h"

namespace fleetdeck::console {

class TraceWaterfallWidget : public QWidget {
  Q_OBJECT

 public:
  explicit TraceWaterfallWidget(QWidget* parent = nullptr);

  void setTrace(const Trace& trace);
  void setMessage(const QString& message);
  const Trace& trace() const { return trace_; }
  // What is shown instead of a trace (loading, an error); empty while a trace is shown.
  QString message() const { return message_; }
  // Spans (indexes into trace().spans) drawn highlighted, e.g. those of the selected saga step.
  void setHighlightedSpans(const QVector<int>& spanIndexes);
  QVector<int> highlightedSpans() const { return highlighted_; }
  // Rows the last paint drew: only those in the exposed area (a trace can have thousands of spans,
  // in a scroll area that shows a few dozen).
  int rowsPaintedLast() const { return rowsPaintedLast_; }
  // Width of the span names' column: 280 px, and two fifths of a wider widget (up to 520), so the
  // gRPC names ("orders: fleetdeck.products.v1.ProductsService/ReserveStock") are not cut on a wide
  // window that has room for them.
  int labelWidth() const;

 signals:
  // A span's row was clicked (index into trace().spans).
  void spanClicked(int spanIndex);

 public:

  QSize sizeHint() const override;

 protected:
  void paintEvent(QPaintEvent* event) override;
  bool event(QEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;

 private:
  int rowAt(const QPoint& position) const;

  Trace trace_;
  TraceLayout layout_;
  QString message_;
  QVector<int> highlighted_;
  int rowsPaintedLast_ = 0;
};

}  // namespace fleetdeck::console
