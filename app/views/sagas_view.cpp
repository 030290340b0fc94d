#include "views/sagas_view.h"

#include <QAction>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QScrollArea>
#include <QSplitter>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

#include "client/gateway_api.h"
#include "models/display_text.h"
#include "models/sagas_model.h"
#include "models/trace_layout.h"
#include "views/list_table.h"
#include "views/saga_timeline_widget.h"
#include "views/trace_pane.h"
#include "views/trace_waterfall_widget.h"

namespace fleetdeck::console {
namespace {

// One span in a line of rich text: where, what, how long, how it ended, and its attributes.
QString spanHtml(const Span& span) {
  QString html = QStringLiteral("<b>%1: %2</b> · %3").arg(span.service.toHtmlEscaped(), span.name.toHtmlEscaped(),
                                                           display::durationNanos(span.durationNanos()));
  if (!span.status.isEmpty()) html += QStringLiteral(" · ") + span.status.toHtmlEscaped();
  QStringList attributes;
  for (auto it = span.attributes.begin(); it != span.attributes.end(); ++it) {
    attributes << QStringLiteral("%1=%2").arg(it.key().toHtmlEscaped(), jsonText(it.value()).toHtmlEscaped());
  }
  if (!attributes.isEmpty()) html += QStringLiteral(" · <code>%1</code>").arg(attributes.join(QStringLiteral(", ")));
  return html;
}

}  // namespace

SagasView::SagasView(GatewayClient* client, QWidget* parent)
    : ViewPage(parent),
      client_(client),
      model_(new SagasModel(client, this)),
      windowLabel_(new QLabel(this)),
      stateFilter_(new QComboBox(this)),
      table_(new QTableView(this)),
      timeline_(new SagaTimelineWidget(this)),
      stepDetail_(new QLabel(this)),
      statusLine_(new QLabel(this)) {
  setObjectName(QStringLiteral("sagasView"));
  stateFilter_->setObjectName(QStringLiteral("sagaStateFilter"));
  stateFilter_->addItem(tr("All states", "saga state filter"), QString());
  // The engine's states (a saga never ends "failed": a compensation is retried until it succeeds).
  for (const char* state : {"RUNNING", "COMPENSATING", "COMPLETED", "COMPENSATED"}) {
    stateFilter_->addItem(display::sagaState(QLatin1String(state)), QLatin1String(state));
  }
  refreshAction_ = new QAction(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("Refresh"), this);
  refreshAction_->setObjectName(QStringLiteral("sagas.refresh"));
  tracePane_ = new TracePane(client_, refreshAction_, this);
  auto* refreshButton = new QToolButton(this);
  refreshButton->setDefaultAction(refreshAction_);
  refreshButton->setAutoRaise(true);

  table_->setObjectName(QStringLiteral("sagasTable"));
  table_->setModel(model_);
  setUpListTable(table_, {{SagasModel::Id, 105}, {SagasModel::OrderId, 95}, {SagasModel::State, 105}, {SagasModel::CurrentStep, 100}});
  table_->setColumnHidden(SagasModel::Started, true);

  auto* left = new QWidget(this);
  auto* leftLayout = new QVBoxLayout(left);
  leftLayout->setContentsMargins(0, 0, 0, 0);
  auto* filterRow = new QHBoxLayout;
  filterRow->addWidget(new QLabel(tr("State:", "saga state filter label"), left));
  filterRow->addWidget(stateFilter_, 1);
  filterRow->addWidget(refreshButton);
  leftLayout->addLayout(filterRow);
  windowLabel_->setObjectName(QStringLiteral("sagaWindow"));
  windowLabel_->setTextFormat(Qt::RichText);
  windowLabel_->setTextInteractionFlags(Qt::TextBrowserInteraction);
  windowLabel_->setWordWrap(true);
  windowLabel_->hide();
  leftLayout->addWidget(windowLabel_);
  leftLayout->addWidget(table_, 1);
  leftLayout->addWidget(statusLine_);

  stepDetail_->setObjectName(QStringLiteral("sagaStepDetail"));
  stepDetail_->setWordWrap(true);
  stepDetail_->setTextFormat(Qt::RichText);
  stepDetail_->setTextInteractionFlags(Qt::TextBrowserInteraction);
  stepDetail_->setText(tr("Click a step to see its details and the order events it produced."));

  auto* timelineScroll = new QScrollArea(this);
  timelineScroll->setWidget(timeline_);
  timelineScroll->setWidgetResizable(true);

  auto* right = new QSplitter(Qt::Vertical, this);
  auto* top = new QWidget(right);
  auto* topLayout = new QVBoxLayout(top);
  topLayout->setContentsMargins(0, 0, 0, 0);
  topLayout->addWidget(timelineScroll, 1);
  topLayout->addWidget(stepDetail_);
  right->addWidget(top);
  right->addWidget(tracePane_);
  right->setStretchFactor(0, 1);
  right->setStretchFactor(1, 1);

  auto* splitter = new QSplitter(Qt::Horizontal, this);
  splitter->addWidget(left);
  splitter->addWidget(right);
  splitter->setStretchFactor(0, 2);
  splitter->setStretchFactor(1, 3);
  splitter->setSizes({500, 860});
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(splitter);

  connect(stateFilter_, &QComboBox::currentIndexChanged, this, &SagasView::applyFilter);
  connect(refreshAction_, &QAction::triggered, this, &SagasView::refresh);
  connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& current) {
    if (current.isValid()) showSaga(current.data(SagasModel::IdRole).toString());
  });
  connect(model_, &PagedTableModel::pageLoaded, this, [this] {
    answered_ = true;
    statusLine_->setText(model_->hasMore() ? tr("%n saga(s) loaded; scroll for more.", "", model_->rowCount())
                                           : tr("%n saga(s).", "", model_->rowCount()));
    const QString shown = pendingId_.isEmpty() ? currentId_ : pendingId_;
    if (!shown.isEmpty()) {
      // Opened by id before the list arrived: mark it in the list once it is there.
      const int row = model_->rowOf(shown);
      if (row >= 0 && table_->currentIndex().row() != row) {
        const QSignalBlocker block(table_->selectionModel());
        table_->selectRow(row);
      }
      return;
    }
    if (model_->rowCount() > 0) table_->selectRow(0);
  });
  connect(model_, &PagedTableModel::loadFailed, this, [this](const ApiError& error) {
    answered_ = true;
    statusLine_->setText(model_->isStale()
                             ? tr("Showing older data: the last refresh failed (%1).").arg(error.summary())
                             : tr("Could not load sagas: %1").arg(error.summary()));
  });
  connect(windowLabel_, &QLabel::linkActivated, this, [this] {
    windowLabel_->hide();
    windowStart_ = {};
    windowEnd_ = {};
    applyFilter();
  });
  connect(timeline_, &SagaTimelineWidget::stepSelected, this, &SagasView::showStepDetail);
  // A step chosen before its trace arrived: its spans are marked once the trace is there.
  connect(tracePane_, &TracePane::traceShown, this, [this] {
    if (timeline_->selectedStep() >= 0) showStepDetail(timeline_->selectedStep());
  });
  connect(waterfall(), &TraceWaterfallWidget::spanClicked, this, [this](int spanIndex) {
    const Trace& trace = waterfall()->trace();
    if (spanIndex < 0 || spanIndex >= trace.spans.size()) return;
    waterfall()->setHighlightedSpans({spanIndex});
    stepDetail_->setText(tr("Span %1").arg(spanHtml(trace.spans[spanIndex])));
  });
  connect(stepDetail_, &QLabel::linkActivated, this, [this](const QString& link) {
    const QUrl url(link);
    if (url.scheme() == QLatin1String("event")) {
      emit openHistoryRequested(timeline_->saga().orderId, url.path().toLongLong());
    } else if (url.scheme() == QLatin1String("order")) {
      emit openOrderRequested(url.path());
    } else if (url.scheme() == QLatin1String("trace")) {
      tracePane_->load(url.path());
    }
  });
}

QString SagasView::title() const { return tr("Sagas"); }
QIcon SagasView::icon() const { return QIcon(QStringLiteral(":/icons/sagas.svg")); }

void SagasView::activate() {
  if (started_) return;
  started_ = true;
  model_->reload();
}

void SagasView::refresh() {
  started_ = true;
  model_->reload(PagedTableModel::Keep::RowsUntilReplaced);
  if (!currentId_.isEmpty()) showSaga(currentId_);
}

// The selected saga's trace too, once its load started (the pane counts as answered before any load):
// a page waiting for it is only half loaded.
bool SagasView::isReady() const {
  return answered_ && detailAnswered_ && !model_->isLoading() && tracePane_->isAnswered();
}

QList<QAction*> SagasView::paletteActions() const { return {refreshAction_}; }

TraceWaterfallWidget* SagasView::waterfall() const { return tracePane_->waterfall(); }

void SagasView::showSaga(const QString& sagaId) {
  if (sagaId.isEmpty()) return;
  activate();
  pendingId_ = sagaId;
  detailAnswered_ = false;
  const int row = model_->rowOf(sagaId);
  if (row >= 0 && table_->currentIndex().row() != row) {
    table_->selectionModel()->blockSignals(true);
    table_->selectRow(row);
    table_->selectionModel()->blockSignals(false);
  }
  // Only the newest load is shown: the user may have moved on, and a reload of the same saga (a
  // refresh) may be answered after an older read of it.
  const quint64 load = ++sagaLoad_;
  api::getSaga(client_, sagaId, this, [this, sagaId, load](const Result<Saga>& result) {
    if (load != sagaLoad_) return;
    pendingId_.clear();
    detailAnswered_ = true;
    if (!result) {
      // The saga shown before does not stay under the one chosen: the panel says which saga could
      // not be read (Refresh tries it again), with no timeline, links or trace of another.
      currentId_ = sagaId;
      timeline_->clear();
      stepDetail_->setText(QStringLiteral("<span style=\"color:#d13d3d\">%1</span>")
                               .arg(tr("Could not load saga %1: %2").arg(sagaId, result.error().summary()).toHtmlEscaped()));
      tracePane_->showMessage(QString());  // the previous saga's trace, if on its way, is not this one's
      emit statusMessage(tr("Saga %1: %2").arg(sagaId, result.error().summary()));
      return;
    }
    // Another saga than the timeline shows (or none, after a failed load): its step and trace anew.
    const bool changedSaga = timeline_->saga().id != sagaId;
    currentId_ = sagaId;
    timeline_->setSaga(result.value());
    if (changedSaga) {
      showStepDetail(-1);
      // Nothing to load; the previous saga's trace, if still on its way, is dropped.
      if (result->traceId.isEmpty()) tracePane_->showMessage(tr("This saga has no trace id."));
    }
    // The same saga again (Refresh) loads its trace again only when it is not shown: it could not be
    // loaded (some gateway replicas did not answer, say) or is still on its way.
    if (!result->traceId.isEmpty() && (changedSaga || waterfall()->trace().traceId != result->traceId)) {
      tracePane_->load(result->traceId);
    }
  });
}

void SagasView::showWindow(const QDateTime& from, const QDateTime& to) {
  started_ = true;  // the window's list below is the first load
  // `to` is included; the gateway's end is exclusive.
  windowStart_ = from;
  windowEnd_ = to.addMSecs(1);
  windowLabel_->setText(tr("Sagas started between %1 and %2 · <a href=\"all\">Show all</a>")
                            .arg(display::timestamp(from).toHtmlEscaped(), display::timestamp(to).toHtmlEscaped()));
  windowLabel_->show();
  applyFilter();
}

void SagasView::applyFilter() {
  // Sent to the gateway, so paging stays inside the window.
  const api::SagaFilter filter{stateFilter_->currentData().toString(), windowStart_, windowEnd_};
  if (filter == model_->filter() && model_->pagesLoaded() > 0) return;
  model_->setFilter(filter);
}

void SagasView::applyStep(const SagaStepEvent& event) {
  model_->applyStep(event);
  if (event.sagaId != currentId_ || !timeline_->hasSaga()) return;
  Saga saga = timeline_->saga();
  saga.apply(event);
  timeline_->setSaga(saga);
  if (timeline_->selectedStep() >= 0) showStepDetail(timeline_->selectedStep());
}

void SagasView::showStepDetail(int index) {
  const Saga& saga = timeline_->saga();
  QString html = tr("Saga <b>%1</b> for order <a href=\"order:%2\">%2</a>").arg(saga.id.toHtmlEscaped(), saga.orderId.toHtmlEscaped());
  if (!saga.traceId.isEmpty()) html += QStringLiteral(" · <a href=\"trace:%1\">%2</a>").arg(saga.traceId.toHtmlEscaped(), tr("trace"));
  if (!saga.outcomeReason.isEmpty()) html += QStringLiteral("<br>") + tr("Outcome: %1").arg(display::reason(saga.outcomeReason).toHtmlEscaped());
  if (index >= 0 && index < saga.steps.size()) {
    const SagaStep& step = saga.steps[index];
    html += QStringLiteral("<br><b>%1</b>%2 — %3").arg(step.name.toHtmlEscaped(),
                                                      step.compensation ? tr(" (compensation)") : QString(),
                                                      display::stepState(step.state));
    if (!step.error.isEmpty()) html += QStringLiteral("<br><span style=\"color:#d13d3d\">%1</span>").arg(step.error.toHtmlEscaped());
    if (!step.eventVersions.isEmpty()) {
      QStringList links;
      for (qint64 version : step.eventVersions) links << QStringLiteral("<a href=\"event:%1\">v%1</a>").arg(version);
      html += QStringLiteral("<br>") + tr("Order events produced: %1").arg(links.join(QStringLiteral(", ")));
    }
    // The step in the trace: its spans highlighted in the waterfall and listed with their attributes.
    const Trace& trace = waterfall()->trace();
    const QVector<int> spans = trace.traceId == saga.traceId ? spansOfStep(trace, step.name) : QVector<int>{};
    waterfall()->setHighlightedSpans(spans);
    for (int spanIndex : spans) html += QStringLiteral("<br>") + tr("In the trace: %1").arg(spanHtml(trace.spans[spanIndex]));
  } else {
    waterfall()->setHighlightedSpans({});
  }
  stepDetail_->setText(html);
}

}  // namespace fleetdeck::console
