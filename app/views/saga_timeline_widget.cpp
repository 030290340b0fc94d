#include "views/saga_timeline_widget.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QTimer>
#include <QToolTip>

#include "models/display_text.h"

namespace fleetdeck::console {
namespace {
constexpr int kHeaderHeight = 28;
constexpr int kRowHeight = 44;
constexpr int kLabelWidth = 210;
constexpr int kMargin = 10;
}  // namespace

SagaTimelineWidget::SagaTimelineWidget(QWidget* parent) : QWidget(parent), ticker_(new QTimer(this)) {
  setObjectName(QStringLiteral("sagaTimeline"));
  setMouseTracking(true);
  setFocusPolicy(Qt::StrongFocus);
  ticker_->setInterval(500);
  connect(ticker_, &QTimer::timeout, this, qOverload<>(&QWidget::update));
}

void SagaTimelineWidget::setSaga(const Saga& saga) {
  const bool same = saga.id == saga_.id;
  saga_ = saga;
  if (!same) selected_ = -1;
  if (selected_ >= saga_.steps.size()) selected_ = -1;
  if (Saga::isTerminal(saga_.state)) {
    ticker_->stop();
  } else {
    ticker_->start();
  }
  updateGeometry();
  update();
}

void SagaTimelineWidget::clear() {
  saga_ = Saga{};
  selected_ = -1;
  ticker_->stop();
  updateGeometry();
  update();
}

void SagaTimelineWidget::setSelectedStep(int index) {
  if (index < -1 || index >= saga_.steps.size() || index == selected_) return;
  selected_ = index;
  update();
  emit stepSelected(index);
}

QSize SagaTimelineWidget::sizeHint() const {
  return {640, kHeaderHeight + kMargin * 2 + qMax(3, static_cast<int>(saga_.steps.size())) * kRowHeight};
}

QSize SagaTimelineWidget::minimumSizeHint() const { return {360, kHeaderHeight + kRowHeight * 2}; }

QDateTime SagaTimelineWidget::timelineStart() const {
  if (saga_.startTime.isValid()) return saga_.startTime;
  return saga_.steps.isEmpty() ? QDateTime::currentDateTimeUtc() : saga_.steps.first().startTime;
}

QString SagaTimelineWidget::headerText() const {
  if (!hasSaga()) return {};
  QStringList parts{display::sagaState(saga_.state)};
  // A finished saga has no current step; what it ended with says more.
  const QString detail = Saga::isTerminal(saga_.state) ? display::reason(saga_.outcomeReason) : saga_.currentStep;
  if (!detail.isEmpty()) parts << detail;
  const qint64 spanMs = qMax<qint64>(1, timelineStart().msecsTo(timelineEnd()));
  parts << display::durationNanos(spanMs * 1'000'000);
  return parts.join(QStringLiteral(" · "));
}

SagaTimelineWidget::HeaderLayout SagaTimelineWidget::headerLayout() const {
  HeaderLayout layout;
  if (!hasSaga()) return layout;
  const int barLeft = kMargin + kLabelWidth;
  const int barWidth = qMax(40, width() - barLeft - kMargin - 70);
  const int right = barLeft + barWidth;
  const int height = kHeaderHeight - 6;
  layout.range = display::timestamp(timelineStart()) + QStringLiteral(" → ") + display::timestamp(timelineEnd());
  const int rangeWidth = fontMetrics().horizontalAdvance(layout.range);
  layout.rangeRect = QRect(right - rangeWidth, kMargin, rangeWidth, height);
  // The state and outcome come first, in bold, and give way to the range: a long outcome ("out of
  // stock: …") is elided (the whole of it is in the tooltip and under the timeline).
  QFont bold = font();
  bold.setBold(true);
  constexpr int kGap = 12;
  const int textWidth = qMax(0, layout.rangeRect.left() - kGap - kMargin);
  layout.textRect = QRect(kMargin, kMargin, textWidth, height);
  const QFontMetrics metrics(bold);
  layout.text = headerText();
  if (metrics.horizontalAdvance(layout.text) <= textWidth) return layout;
  // The outcome or step gives way first: the state and the duration are what the header is for.
  const QString detail = Saga::isTerminal(saga_.state) ? display::reason(saga_.outcomeReason) : saga_.currentStep;
  const QString separator = QStringLiteral(" · ");
  if (!detail.isEmpty()) {
    const QString state = display::sagaState(saga_.state);
    const QString duration = layout.text.mid(layout.text.lastIndexOf(separator) + separator.size());
    const int rest = metrics.horizontalAdvance(state + separator + separator + duration);
    const QString shortened = metrics.elidedText(detail, Qt::ElideRight, textWidth - rest);
    if (!shortened.isEmpty() && shortened != QStringLiteral("…")) {
      layout.text = state + separator + shortened + separator + duration;
      return layout;
    }
  }
  layout.text = metrics.elidedText(layout.text, Qt::ElideRight, textWidth);
  return layout;
}

QDateTime SagaTimelineWidget::timelineEnd() const {
  QDateTime end = saga_.updateTime;
  for (const SagaStep& step : saga_.steps) {
    end = qMax(end, step.endTime.isValid() ? step.endTime : step.startTime);
  }
  if (!Saga::isTerminal(saga_.state)) end = qMax(end, QDateTime::currentDateTimeUtc());
  return end;
}

QRect SagaTimelineWidget::rowRect(int index) const {
  return {kMargin, kMargin + kHeaderHeight + index * kRowHeight, width() - 2 * kMargin, kRowHeight};
}

int SagaTimelineWidget::stepAt(const QPoint& position) const {
  for (int i = 0; i < saga_.steps.size(); ++i) {
    if (rowRect(i).contains(position)) return i;
  }
  return -1;
}

void SagaTimelineWidget::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.setRenderHint(QPainter::Antialiasing);
  const QPalette& pal = palette();
  painter.fillRect(rect(), pal.color(QPalette::Base));
  if (!hasSaga()) {
    painter.setPen(pal.color(QPalette::PlaceholderText));
    painter.drawText(rect(), Qt::AlignCenter, tr("Select a saga to see its steps."));
    return;
  }

  const QDateTime start = timelineStart();
  const QDateTime end = timelineEnd();
  const double spanMs = qMax<qint64>(1, start.msecsTo(end));
  const int barLeft = kMargin + kLabelWidth;
  const int barWidth = qMax(40, width() - barLeft - kMargin - 70);

  // Header: state, outcome or current step, total duration; the scale's ends on the right.
  const HeaderLayout header = headerLayout();
  QFont bold = font();
  bold.setBold(true);
  painter.setFont(bold);
  painter.setPen(display::sagaStateColor(saga_.state));
  painter.drawText(header.textRect, Qt::AlignLeft | Qt::AlignVCenter, header.text);
  painter.setFont(font());
  painter.setPen(pal.color(QPalette::PlaceholderText));
  painter.drawText(header.rangeRect, Qt::AlignRight | Qt::AlignVCenter, header.range);

  for (int i = 0; i < saga_.steps.size(); ++i) {
    const SagaStep& step = saga_.steps[i];
    const QRect row = rowRect(i);
    if (i == selected_) painter.fillRect(row, pal.color(QPalette::Highlight).lighter(isEnabled() ? 175 : 190));
    else if (i % 2 == 1) painter.fillRect(row, pal.color(QPalette::AlternateBase));

    const QColor color = display::stepStateColor(step.state);
    // Label: name (compensation marked with ↩), attempts.
    painter.setPen(pal.color(QPalette::Text));
    const QString name = step.compensation ? QStringLiteral("↩ ") + step.name : step.name;
    painter.drawText(QRect(row.left() + 4, row.top() + 2, kLabelWidth - 8, 20), Qt::AlignLeft | Qt::AlignVCenter, name);
    painter.setPen(pal.color(QPalette::PlaceholderText));
    QString sub = display::stepState(step.state);
    if (step.attempts > 1) sub += QStringLiteral(" · ") + tr("%n attempt(s)", "saga step retries", step.attempts);
    painter.drawText(QRect(row.left() + 4, row.top() + 22, kLabelWidth - 8, 18), Qt::AlignLeft | Qt::AlignVCenter, sub);

    // Bar from start to end (or to now while running).
    const QDateTime stepStart = step.startTime.isValid() ? step.startTime : start;
    const QDateTime stepEnd = step.endTime.isValid() ? step.endTime : end;
    const double x0 = barLeft + barWidth * (start.msecsTo(stepStart) / spanMs);
    const double x1 = barLeft + barWidth * (start.msecsTo(stepEnd) / spanMs);
    const QRectF bar(x0, row.top() + 8, qMax(3.0, x1 - x0), 14);
    painter.setPen(Qt::NoPen);
    painter.setBrush(color);
    painter.drawRoundedRect(bar, 3, 3);
    if (!step.endTime.isValid()) {
      // Running: a hatched tail says "not finished yet".
      painter.setBrush(QBrush(color.lighter(140), Qt::BDiagPattern));
      painter.drawRoundedRect(bar, 3, 3);
    }
    painter.setPen(pal.color(QPalette::Text));
    const qint64 durationMs = stepStart.msecsTo(stepEnd);
    painter.drawText(QRectF(bar.right() + 6, row.top() + 4, 70, 20), Qt::AlignLeft | Qt::AlignVCenter,
                     display::durationNanos(durationMs * 1'000'000));
    if (!step.error.isEmpty()) {
      painter.setPen(display::stepStateColor(QStringLiteral("failed")));
      const QString error = painter.fontMetrics().elidedText(step.error, Qt::ElideRight, barWidth + 60);
      painter.drawText(QRect(barLeft, row.top() + 24, barWidth + 60, 18), Qt::AlignLeft | Qt::AlignVCenter, error);
    }
  }
  if (saga_.steps.isEmpty()) {
    painter.setPen(pal.color(QPalette::PlaceholderText));
    painter.drawText(rowRect(0), Qt::AlignCenter, tr("No steps recorded yet."));
  }
}

void SagaTimelineWidget::mousePressEvent(QMouseEvent* event) {
  const int step = stepAt(event->position().toPoint());
  if (step >= 0) setSelectedStep(step);
  QWidget::mousePressEvent(event);
}

bool SagaTimelineWidget::event(QEvent* event) {
  if (event->type() == QEvent::ToolTip) {
    auto* help = static_cast<QHelpEvent*>(event);
    const int index = stepAt(help->pos());
    if (index < 0 && hasSaga() && help->pos().y() < kMargin + kHeaderHeight) {
      // The header, which may be elided: all of it.
      QToolTip::showText(help->globalPos(), headerText(), this);
      return true;
    }
    if (index < 0) {
      QToolTip::hideText();
      return true;
    }
    const SagaStep& step = saga_.steps[index];
    QStringList lines{step.name + (step.compensation ? tr(" (compensation)") : QString()),
                      tr("State: %1").arg(display::stepState(step.state)),
                      tr("Attempts: %1").arg(step.attempts),
                      tr("Started: %1").arg(step.startTime.toLocalTime().toString(Qt::ISODateWithMs))};
    if (step.endTime.isValid()) lines << tr("Ended: %1").arg(step.endTime.toLocalTime().toString(Qt::ISODateWithMs));
    if (!step.error.isEmpty()) lines << tr("Error: %1").arg(step.error);
    QToolTip::showText(help->globalPos(), lines.join(QLatin1Char('\n')), this);
    return true;
  }
  return QWidget::event(event);
}

}  // namespace fleetdeck::console
