#include "views/traces_view.h"

#include <QAction>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QSignalBlocker>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include "models/traces_model.h"
#include "views/action_button.h"
#include "views/list_table.h"
#include "views/trace_pane.h"

namespace fleetdeck::console {
namespace {

constexpr const char* kErrorStyle = "color: #d13d3d;";
// An hour: a slower request than that is not a request any more (the gateway accepts more).
constexpr int kMaxMinDurationMs = 3'600'000;

}  // namespace

TracesView::TracesView(GatewayClient* client, QWidget* parent)
    : ViewPage(parent),
      client_(client),
      model_(new TracesModel(this)),
      sorted_(new QSortFilterProxyModel(this)),
      serviceFilter_(new QComboBox(this)),
      operationFilter_(new QComboBox(this)),
      minDuration_(new QSpinBox(this)),
      limit_(new QSpinBox(this)),
      table_(new QTableView(this)),
      listNote_(new QLabel(this)),
      statusLine_(new QLabel(this)) {
  setObjectName(QStringLiteral("tracesView"));

  // Free text (any service name the traces carry) with the services seen so far to choose from.
  serviceFilter_->setObjectName(QStringLiteral("traceServiceFilter"));
  serviceFilter_->setEditable(true);
  serviceFilter_->setInsertPolicy(QComboBox::NoInsert);
  serviceFilter_->addItem(QString());
  serviceFilter_->lineEdit()->setPlaceholderText(tr("All services", "trace service filter"));
  serviceFilter_->setMinimumContentsLength(14);
  serviceFilter_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);

  // The operation a trace began with (its root span: a route, "POST /api/v1/orders"), as Jaeger's
  // Operation filter: picks one kind of request out of the console's own page loads.
  operationFilter_->setObjectName(QStringLiteral("traceOperationFilter"));
  operationFilter_->setEditable(true);
  operationFilter_->setInsertPolicy(QComboBox::NoInsert);
  operationFilter_->addItem(QString());
  operationFilter_->lineEdit()->setPlaceholderText(tr("All operations", "trace operation filter"));
  operationFilter_->setToolTip(tr("Only traces whose root span has this name, e.g. POST /api/v1/orders"));
  // Narrow enough for a 1024-pixel screen; it takes the row's spare width on a wider one.
  operationFilter_->setMinimumContentsLength(16);
  operationFilter_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);

  minDuration_->setObjectName(QStringLiteral("traceMinDuration"));
  minDuration_->setRange(0, kMaxMinDurationMs);
  minDuration_->setSingleStep(100);
  minDuration_->setSuffix(tr(" ms", "minimum trace duration"));
  minDuration_->setSpecialValueText(tr("Any", "minimum trace duration of 0"));
  minDuration_->setAccelerated(true);

  limit_->setObjectName(QStringLiteral("traceLimit"));
  limit_->setRange(1, api::kTracesMaxLimit);
  limit_->setValue(api::TraceFilter{}.limit);  // the gateway's default

  searchAction_ = new QAction(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("Search", "traces"), this);
  searchAction_->setObjectName(QStringLiteral("traces.search"));
  searchAction_->setToolTip(tr("List the newest traces that match the filters"));
  tracePane_ = new TracePane(client_, searchAction_, this);

  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel(tr("Service:", "trace filter label"), this));
  top->addWidget(serviceFilter_);
  top->addWidget(new QLabel(tr("Operation:", "trace filter label: the root span's name"), this));
  top->addWidget(operationFilter_, 1);
  top->addWidget(new QLabel(tr("At least:", "trace minimum duration label"), this));
  top->addWidget(minDuration_);
  top->addWidget(new QLabel(tr("Show:", "how many traces to list"), this));
  top->addWidget(limit_);
  top->addWidget(actionButton(searchAction_, this));

  listNote_->setObjectName(QStringLiteral("tracesListNote"));
  listNote_->setWordWrap(true);
  listNote_->hide();

  sorted_->setSourceModel(model_);
  // Durations and times sort by value, not by their text.
  sorted_->setSortRole(TracesModel::RawValueRole);
  table_->setObjectName(QStringLiteral("tracesTable"));
  table_->setModel(sorted_);
  setUpListTable(table_, {{TracesModel::Started, 130}, {TracesModel::RootService, 110}, {TracesModel::RootName, 230},
                          {TracesModel::Duration, 80}, {TracesModel::Spans, 55}, {TracesModel::Error, 60}});
  table_->setSortingEnabled(true);
  table_->sortByColumn(TracesModel::Started, Qt::DescendingOrder);  // newest first, as the gateway lists them

  statusLine_->setObjectName(QStringLiteral("tracesStatus"));
  statusLine_->setWordWrap(true);

  tracePane_->showMessage(tr("Select a trace to see its spans."));

  auto* upper = new QWidget(this);
  auto* upperLayout = new QVBoxLayout(upper);
  upperLayout->setContentsMargins(0, 0, 0, 0);
  upperLayout->addWidget(listNote_);
  upperLayout->addWidget(table_, 1);
  upperLayout->addWidget(statusLine_);

  auto* splitter = new QSplitter(Qt::Vertical, this);
  splitter->addWidget(upper);
  splitter->addWidget(tracePane_);
  splitter->setStretchFactor(0, 2);
  splitter->setStretchFactor(1, 3);
  splitter->setSizes({320, 420});
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(splitter, 1);

  connect(searchAction_, &QAction::triggered, this, &TracesView::refresh);
  // A filter edited and left (Return, or focus elsewhere) searches, unless nothing changed.
  const auto searchIfChanged = [this] {
    if (started_ && filter() != searched_) refresh();
  };
  // The service typed and left: the combo box itself reacts only to a name it offers (activated).
  // Return searches even with nothing changed, as Search does, unless that very search is on its way
  // already: Return on a name the combo box offers activates it first.
  for (QComboBox* names : {serviceFilter_, operationFilter_}) {
    connect(names->lineEdit(), &QLineEdit::editingFinished, this, searchIfChanged);
    connect(names, &QComboBox::activated, this, searchIfChanged);
    connect(names->lineEdit(), &QLineEdit::returnPressed, this, [this] {
      if (!loading_ || filter() != searched_) refresh();
    });
  }
  connect(minDuration_, &QSpinBox::editingFinished, this, searchIfChanged);
  connect(limit_, &QSpinBox::editingFinished, this, searchIfChanged);
  connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] {
    const QString traceId = selectedTraceId();
    if (!traceId.isEmpty() && (traceId != tracePane_->traceId() || tracePane_->hasFailed())) showTrace(traceId);
  });
  // A click on the row already selected does not change the current row: it loads a trace that could
  // not be loaded again (a row newly chosen is loading already when this comes).
  connect(table_, &QTableView::pressed, this, [this](const QModelIndex& index) {
    const QString traceId = index.data(TracesModel::TraceIdRole).toString();
    if (tracePane_->hasFailed() && traceId == tracePane_->traceId()) showTrace(traceId);
  });
}

QString TracesView::title() const { return tr("Traces"); }
QIcon TracesView::icon() const { return QIcon(QStringLiteral(":/icons/traces.svg")); }

QList<QAction*> TracesView::paletteActions() const { return {searchAction_}; }

bool TracesView::isReady() const { return answered_ && !loading_ && tracePane_->isAnswered(); }

TraceWaterfallWidget* TracesView::waterfall() const { return tracePane_->waterfall(); }

api::TraceFilter TracesView::filter() const {
  return api::TraceFilter{serviceFilter_->currentText().trimmed(), operationFilter_->currentText().trimmed(),
                          minDuration_->value(), limit_->value()};
}

void TracesView::activate() {
  if (!started_) refresh();
}

void TracesView::refresh() {
  started_ = true;
  loading_ = true;
  searched_ = filter();
  const api::TraceFilter asked = searched_;
  // Only the newest search is shown: the filters may have changed while an older one was on its way.
  const quint64 load = ++listLoad_;
  statusLine_->setStyleSheet(QString());
  statusLine_->setText(tr("Loading traces…"));
  api::listTraces(client_, asked, this, [this, load, asked](const Result<TraceList>& result) {
    if (load != listLoad_) return;
    loading_ = false;
    answered_ = true;
    if (!result) {
      showLoadError(result.error());
      return;
    }
    const TraceList& list = result.value();
    model_->setTraces(list.traces);
    QStringList services;
    QStringList operations;
    for (const TraceSummary& trace : list.traces) {
      services << trace.services;
      operations << trace.rootName;
    }
    offer(serviceFilter_, services);
    offer(operationFilter_, operations);
    const int missing = list.unreachableReplicas;
    listNote_->setText(tr("%n gateway replica(s) did not answer: the traces they hold are missing from this list.", "",
                          missing));
    listNote_->setVisible(missing > 0);
    const int rows = model_->rowCount();
    if (rows == 0) {
      statusLine_->setText(tr("No traces match these filters."));
    } else if (rows >= asked.limit) {
      // As many as asked for: older traces may match too.
      statusLine_->setText(tr("The newest %n trace(s); older ones may match too: raise the limit to see them.", "", rows));
    } else {
      statusLine_->setText(tr("%n trace(s), newest first.", "", rows));
    }
    // The trace shown stays shown, marked in the list when it is still listed; else the newest one. One
    // that could not be loaded is loaded again: a search is how the page tries again.
    if (tracePane_->hasFailed()) {
      showTrace(tracePane_->traceId());
      return;
    }
    const int row = model_->rowOf(tracePane_->traceId());
    if (row >= 0) {
      const QSignalBlocker block(table_->selectionModel());
      table_->selectRow(sorted_->mapFromSource(model_->index(row, 0)).row());
    } else if (rows > 0 && tracePane_->traceId().isEmpty()) {
      table_->selectRow(0);
    }
  });
}

void TracesView::showLoadError(const ApiError& error) {
  QString text;
  if (error.isNetworkFailure()) {
    text = tr("The gateway did not answer (%1). Check the connection to the gateway, then press Search.").arg(error.message);
  } else if (error.httpStatus == 403) {
    text = tr("Your account may not see traces: sign in as an operator or an admin.");
  } else if (error.httpStatus == 400) {
    // The gateway names the parameter it refused.
    text = tr("The gateway refused the filters: %1").arg(error.summary());
  } else if (gatewayKeepsNoTraces(error)) {
    text = tr("This gateway keeps no traces: tracing is off there ([traces] enabled in its configuration). Press "
              "Search once it is on. The gateway said: %1")
               .arg(error.summary());
  } else {
    text = tr("Could not load the traces: %1. Press Search to try again.").arg(error.summary());
  }
  if (model_->rowCount() > 0) text = tr("Showing older data. %1").arg(text);
  statusLine_->setStyleSheet(QLatin1String(kErrorStyle));
  statusLine_->setText(text);
  emit statusMessage(text);
}

void TracesView::offer(QComboBox* filter, const QStringList& names) {
  const QSignalBlocker block(filter);
  const QString typed = filter->currentText();
  for (const QString& name : names) {
    if (name.isEmpty() || filter->findText(name) >= 0) continue;
    // Sorted after the empty entry (any).
    int position = 1;
    while (position < filter->count() && filter->itemText(position) < name) ++position;
    filter->insertItem(position, name);
  }
  filter->setEditText(typed);  // inserting may not change what the user typed
}

QString TracesView::selectedTraceId() const {
  const QModelIndex current = table_->currentIndex();
  return current.isValid() ? current.data(TracesModel::TraceIdRole).toString() : QString();
}

void TracesView::showTrace(const QString& traceId) {
  if (traceId.isEmpty()) return;
  started_ = true;
  const int row = model_->rowOf(traceId);
  if (row >= 0) {
    const QSignalBlocker block(table_->selectionModel());
    table_->selectRow(sorted_->mapFromSource(model_->index(row, 0)).row());
  }
  tracePane_->load(traceId);
}

}  // namespace fleetdeck::console
