#include "views/metric_chart.h"

#include <QChart>
#include <QChartView>
#include <QCursor>
#include <QDateTimeAxis>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegendMarker>
#include <QPen>
#include <iterator>
#include <QLineSeries>
#include <QLocale>
#include <QTextStream>
#include <QTimer>
#include <QToolButton>
#include <QToolTip>
#include <QValueAxis>
#include <QVBoxLayout>
#include <cmath>

#include "models/series_preparer.h"
#include "views/frame_pacer.h"

namespace fleetdeck::console {
namespace {

// Ten colours that stay apart on light and dark backgrounds (Qt's themes repeat after five).
const QColor kSeriesColors[] = {QColor(0x3b, 0x82, 0xf6), QColor(0xf5, 0x9e, 0x0b), QColor(0x10, 0xb9, 0x81),
                                QColor(0xef, 0x44, 0x44), QColor(0x8b, 0x5c, 0xf6), QColor(0x06, 0xb6, 0xd4),
                                QColor(0xec, 0x48, 0x99), QColor(0x84, 0xcc, 0x16), QColor(0xf9, 0x73, 0x16),
                                QColor(0x64, 0x74, 0x8b)};

}  // namespace

MetricChart::MetricChart(const QString& title, const QString& unit, QWidget* parent)
    : QWidget(parent),
      title_(title),
      unit_(unit),
      chart_(new QChart),
      view_(new QChartView(chart_, this)),
      xAxis_(new QDateTimeAxis),
      yAxis_(new QValueAxis),
      message_(new QLabel(this)),
      refitDelay_(new QTimer(this)),
      preparer_(new SeriesPreparer(this)) {
  setObjectName(QStringLiteral("metricChart"));
  chart_->setTitle(title);
  chart_->legend()->setAlignment(Qt::AlignBottom);
  chart_->setMargins(QMargins(4, 4, 4, 4));
  chart_->setAnimationOptions(QChart::NoAnimation);  // animations cost frames at 100 updates/s
  xAxis_->setFormat(QStringLiteral("HH:mm"));
  xAxis_->setTickCount(6);
  // Fixed notation in the user's locale ("12,345", never "1.235e+04"): Qt Charts formats the labels
  // with QLocale when numbers are localized; the decimals follow the range (apply()).
  chart_->setLocalizeNumbers(true);
  chart_->setLocale(QLocale());
  yAxis_->setLabelFormat(QStringLiteral("%.2f"));
  yAxis_->setTitleText(unit);
  yAxis_->setMin(0);
  chart_->addAxis(xAxis_, Qt::AlignBottom);
  chart_->addAxis(yAxis_, Qt::AlignLeft);
  // Qt 6.4 never draws a QDateTimeAxis whose first series is attached after the view is shown. An
  // empty series attached now, out of the legend, keeps the time axis alive.
  auto* anchor = new QLineSeries(chart_);
  chart_->addSeries(anchor);
  anchor->attachAxis(xAxis_);
  anchor->attachAxis(yAxis_);
  for (QLegendMarker* marker : chart_->legend()->markers(anchor)) marker->setVisible(false);
  const QDateTime now = QDateTime::currentDateTime();
  xAxis_->setRange(now.addSecs(-3600), now);
  yAxis_->setRange(0, 1);
  view_->setRenderHint(QPainter::Antialiasing);
  view_->setMinimumHeight(200);

  auto* png = new QToolButton(this);
  png->setText(tr("PNG"));
  png->setToolTip(tr("Save the chart as an image"));
  png->setAutoRaise(true);
  auto* csv = new QToolButton(this);
  csv->setText(tr("CSV"));
  csv->setToolTip(tr("Save the chart's data as CSV"));
  csv->setAutoRaise(true);
  message_->setObjectName(QStringLiteral("chartMessage"));
  message_->setWordWrap(true);
  message_->hide();

  auto* bar = new QHBoxLayout;
  bar->addWidget(message_, 1);
  bar->addStretch();
  bar->addWidget(png);
  bar->addWidget(csv);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  layout->addWidget(view_, 1);
  layout->addLayout(bar);

  refitDelay_->setSingleShot(true);
  refitDelay_->setInterval(100);
  connect(refitDelay_, &QTimer::timeout, this, &MetricChart::refit);
  connect(preparer_, &SeriesPreparer::prepared, this, [this](const PreparedChart& chart) {
    // Applying is the part that must stay on the GUI thread (Qt Charts lays out the new lines and
    // axes); paced, several charts ready at once do not add up to one long pause.
    if (pacer_) {
      pacer_->post(this, [this, chart] { apply(chart); });
    } else {
      apply(chart);
    }
  });
  // Legends and axis labels change the plot width after the points went in: fit them again.
  connect(chart_, &QChart::plotAreaChanged, this, [this](const QRectF& area) {
    // Narrower: over budget now, refit. Much wider: detail is being thrown away, refit.
    const int width = qMax(50, static_cast<int>(area.width()));
    if (!shown_.series.isEmpty() && (width < plottedForWidth_ || width - plottedForWidth_ > 16) &&
        decimationDiffersAt(width)) {
      refitDelay_->start();
    }
  });
  connect(png, &QToolButton::clicked, this, &MetricChart::exportPngInteractive);
  connect(csv, &QToolButton::clicked, this, &MetricChart::exportCsvInteractive);
}

void MetricChart::setPacer(FramePacer* pacer) { pacer_ = pacer; }

void MetricChart::setTitle(const QString& title) {
  title_ = title;
  chart_->setTitle(title);
}

void MetricChart::setDark(bool dark) {
  // Colours set one by one: QChart::setTheme() re-styles attached series and, applied before they
  // exist, leaves the time axis unusable (seen with Qt 6.4).
  const QColor background = dark ? QColor(0x1b, 0x1e, 0x22) : QColor(Qt::white);
  const QColor text = dark ? QColor(0xe6, 0xe8, 0xeb) : QColor(0x24, 0x29, 0x2f);
  const QColor grid = dark ? QColor(0x3a, 0x3f, 0x46) : QColor(0xe1, 0xe4, 0xe8);
  chart_->setBackgroundBrush(background);
  chart_->setTitleBrush(text);
  chart_->legend()->setLabelColor(text);
  for (QAbstractAxis* axis : {static_cast<QAbstractAxis*>(xAxis_), static_cast<QAbstractAxis*>(yAxis_)}) {
    axis->setLabelsColor(text);
    axis->setTitleBrush(text);
    axis->setGridLineColor(grid);
    axis->setLinePenColor(grid);
  }
  view_->setBackgroundBrush(dark ? QColor(0x23, 0x26, 0x2b) : palette().color(QPalette::Window));
}

void MetricChart::setMessage(const QString& message) {
  message_->setText(message);
  message_->setVisible(!message.isEmpty());
}

int MetricChart::seriesCount() const { return static_cast<int>(lines_.size()); }

int MetricChart::plottedPointCount(int index) const {
  int points = 0;
  for (const QLineSeries* line : lines_.at(index)) points += static_cast<int>(line->count());
  return points;
}

int MetricChart::rawPointCount(int index) const { return static_cast<int>(shown_.series.at(index).points.size()); }
int MetricChart::plotWidth() const { return qMax(50, static_cast<int>(chart_->plotArea().width())); }

int MetricChart::decimalsForRange(double range) {
  if (!(range > 0) || range >= 100) return 0;
  if (range >= 1) return 2;
  // 0.05 -> 3 ("0.010", "0.020"…): one decimal past the range's first significant digit.
  return qBound(2, static_cast<int>(-std::floor(std::log10(range))) + 1, 9);
}

int MetricChart::decimalsForStep(double step) {
  if (!(step > 0)) return 0;
  // The fewest decimals that write the step exactly (2.5 -> 1, 0.25 -> 2, 5 -> 0).
  for (int decimals = 0; decimals < 9; ++decimals) {
    const double scaled = step * std::pow(10.0, decimals);
    if (std::abs(scaled - std::round(scaled)) < 1e-6 * qMax(1.0, scaled)) return decimals;
  }
  return 9;
}

QString MetricChart::valueText(double value) const {
  return QLocale().toString(value, 'f', decimalsForRange(yAxis_->max() - yAxis_->min()));
}

bool MetricChart::decimationDiffersAt(int width) const {
  // Series that fit both the plotted budget and the new one are drawn whole either way: refitting
  // them would only cost a replot (and its new axis labels can move the plot area again).
  qsizetype longest = 0;
  for (const PromSeries& series : shown_.series) longest = qMax(longest, series.points.size());
  return longest > 2 * qMin(width, plottedForWidth_);
}

int MetricChart::startNewData() {
  preparingData_ = true;
  // Superseded by the new data: a pending refit of the old (the new data is fitted to the current
  // width anyway) and older data still waiting for its frame. The preparer drops its own stale work.
  refitDelay_->stop();
  if (pacer_) pacer_->cancel(this);
  plottedForWidth_ = plotWidth();
  return 2 * plottedForWidth_;
}

void MetricChart::setAnswers(const QList<QueryAnswer>& answers, const QDateTime& start, const QDateTime& end) {
  const int budget = startNewData();
  preparer_->prepareAnswers(answers, budget, start, end);
}

void MetricChart::setSeries(const QVector<PromSeries>& series, const QDateTime& start, const QDateTime& end,
                            int stepSeconds) {
  PreparedChart chart;
  chart.series = series;
  chart.start = start;
  chart.end = end;
  chart.stepSeconds = stepSeconds;
  const int budget = startNewData();
  preparer_->fit(chart, budget);
}

void MetricChart::refit() {
  // New data on its way supersedes a refit of the old; it is checked against the width when it lands.
  if (preparingData_ || shown_.series.isEmpty()) return;
  plottedForWidth_ = plotWidth();
  preparer_->fit(shown_, 2 * plottedForWidth_);
}

QLineSeries* MetricChart::addLine(int seriesIndex, bool inLegend) {
  auto* line = new QLineSeries(chart_);
  line->setPen(QPen(kSeriesColors[seriesIndex % std::size(kSeriesColors)], 2));
  line->setMarkerSize(5);
  chart_->addSeries(line);
  line->attachAxis(xAxis_);
  line->attachAxis(yAxis_);
  // One entry per series: the lines after a gap are the same series again.
  if (!inLegend) {
    for (QLegendMarker* marker : chart_->legend()->markers(line)) marker->setVisible(false);
  }
  connect(line, &QLineSeries::hovered, this, [this, line](const QPointF& point, bool state) {
    if (!state) {
      QToolTip::hideText();
      return;
    }
    const QDateTime time = QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(point.x()));
    QToolTip::showText(QCursor::pos(), QStringLiteral("%1\n%2: %3 %4")
                                           .arg(line->name(), QLocale().toString(time.toLocalTime(), QStringLiteral("HH:mm:ss")),
                                                valueText(point.y()), unit_),
                       view_);
  });
  return line;
}

void MetricChart::removeLine(QLineSeries* line) {
  chart_->removeSeries(line);
  delete line;
}

void MetricChart::apply(const PreparedChart& chart) {
  const bool newData = preparingData_;
  preparingData_ = false;
  shown_ = chart;
  // Qt 6.4 Charts cannot break a line (a NaN point is not a gap): each run of samples between gaps is
  // a QLineSeries of its own, with its series' colour and name. Lines are reused: creating and
  // attaching series is far costlier than replacing points.
  while (lines_.size() > shown_.series.size()) {
    for (QLineSeries* line : lines_.takeLast()) removeLine(line);
  }
  lines_.resize(shown_.series.size());
  for (int i = 0; i < shown_.series.size(); ++i) {
    const SeriesSegments& segments = shown_.plotted[i];
    QList<QLineSeries*>& lines = lines_[i];
    // A series without a sample in range keeps one (empty) line, and so its legend entry.
    const qsizetype needed = qMax<qsizetype>(1, segments.size());
    while (lines.size() > needed) removeLine(lines.takeLast());
    while (lines.size() < needed) lines.append(addLine(i, lines.isEmpty()));
    const QString name = shown_.series[i].label();
    for (qsizetype k = 0; k < lines.size(); ++k) {
      const QList<QPointF> points = k < segments.size() ? segments[k] : QList<QPointF>{};
      lines[k]->setName(name);
      // A lone sample between gaps makes no line: it is drawn as a dot.
      lines[k]->setPointsVisible(points.size() == 1);
      lines[k]->replace(points);  // one call: point-by-point appends repaint per point
    }
  }
  if (shown_.start.isValid() && shown_.end.isValid()) xAxis_->setRange(shown_.start.toLocalTime(), shown_.end.toLocalTime());
  const qint64 rangeSeconds = shown_.start.secsTo(shown_.end);
  xAxis_->setFormat(rangeSeconds > 6 * 3600 ? QStringLiteral("dd HH:mm") : QStringLiteral("HH:mm"));
  // Some room above the highest point and below a negative lowest (a custom deriv() or delta()
  // query); 0..1 when everything is zero so the axis is not empty.
  const double low = shown_.bottom < 0 ? shown_.bottom * 1.15 : 0;
  const double high = shown_.top > 0 ? shown_.top * 1.15 : (low < 0 ? 0 : 1);
  yAxis_->setRange(low, high);
  yAxis_->applyNiceNumbers();
  // The labels have the decimals their step needs: 0, 10, 20 for a 0..50 axis (not "10.00"),
  // 0.25, 0.50 for 0..1.
  const int ticks = qMax(2, yAxis_->tickCount());
  yAxis_->setLabelFormat(QStringLiteral("%.%1f").arg(decimalsForStep((yAxis_->max() - yAxis_->min()) / (ticks - 1))));
  if (!newData) return;
  // Failed queries are the page's to report (it knows where: on the chart or under the query box).
  setMessage(shown_.series.isEmpty() && shown_.errors.isEmpty() ? tr("No data in this range.") : QString());
  // The plot may have changed width while the data was being prepared.
  if (!shown_.series.isEmpty() && decimationDiffersAt(plotWidth())) refitDelay_->start();
  emit seriesShown();
}

void MetricChart::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  if (!shown_.series.isEmpty() && decimationDiffersAt(plotWidth())) refitDelay_->start();
}

bool MetricChart::exportPng(const QString& path) const { return view_->grab().save(path, "PNG"); }

bool MetricChart::exportCsv(const QString& path) const {
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) return false;
  QTextStream out(&file);
  out << "series,timestamp,unix_ms,value\n";
  for (const PromSeries& series : shown_.series) {
    QString label = series.label();
    label.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    for (const QPointF& point : series.points) {
      const qint64 ms = static_cast<qint64>(point.x());
      out << '"' << label << "\"," << QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs) << ','
          << ms << ',' << QString::number(point.y(), 'g', 17) << '\n';
    }
  }
  out.flush();
  return file.error() == QFileDevice::NoError;
}

void MetricChart::exportPngInteractive() {
  auto* dialog = new QFileDialog(this, tr("Save chart as image"), QString(), tr("PNG images (*.png)"));
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->setAcceptMode(QFileDialog::AcceptSave);
  dialog->setDefaultSuffix(QStringLiteral("png"));
  dialog->selectFile(title_.simplified().replace(QLatin1Char(' '), QLatin1Char('-')).toLower() + QStringLiteral(".png"));
  connect(dialog, &QFileDialog::fileSelected, this, [this](const QString& path) {
    if (!exportPng(path)) setMessage(tr("Could not write %1.").arg(path));
  });
  dialog->open();
}

void MetricChart::exportCsvInteractive() {
  auto* dialog = new QFileDialog(this, tr("Save chart data as CSV"), QString(), tr("CSV files (*.csv)"));
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->setAcceptMode(QFileDialog::AcceptSave);
  dialog->setDefaultSuffix(QStringLiteral("csv"));
  dialog->selectFile(title_.simplified().replace(QLatin1Char(' '), QLatin1Char('-')).toLower() + QStringLiteral(".csv"));
  connect(dialog, &QFileDialog::fileSelected, this, [this](const QString& path) {
    if (!exportCsv(path)) setMessage(tr("Could not write %1.").arg(path));
  });
  dialog->open();
}

}  // namespace fleetdeck::console
