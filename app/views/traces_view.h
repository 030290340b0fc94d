// TracesView: the Traces page — the traces the gateway replicas hold, found by service, operation (the
// root span's name), minimum duration and how many, in a sortable table (slow or failed requests stand out); the selected one as a
// waterfall below it. Says when a gateway replica did not answer, so a list or trace may be incomplete.
#pragma once

#include "client/api_types.h"
#include "client/gateway_api.h"
#include "client/result.h"
#include "views/view_page.h"

class QComboBox;
class QLabel;
class QSortFilterProxyModel;
class QSpinBox;
class QTableView;

namespace fleetdeck::console {

class GatewayClient;
class TracePane;
class TraceWaterfallWidget;
class TracesModel;

class TracesView : public ViewPage {
  Q_OBJECT

 public:
  explicit TracesView(GatewayClient* client, QWidget* parent = nullptr);

  QString key() const override { return QStringLiteral("traces"); }
  QString title() const override;
  QIcon icon() const override;
  void activate() override;
  // Searches again with the filters as they are now (the Search action).
  void refresh() override;
  bool isReady() const override;
  QList<QAction*> paletteActions() const override;

  TracesModel* model() const { return model_; }
  QTableView* table() const { return table_; }
  TraceWaterfallWidget* waterfall() const;
  // The filters as the widgets hold them now (what the next search sends).
  api::TraceFilter filter() const;

 public slots:
  // Shows the trace in the waterfall (marked in the list when it is listed), e.g. from another page.
  void showTrace(const QString& traceId);

 private:
  void showLoadError(const ApiError& error);
  // Offers `names` in `filter` (sorted, after its empty "any" entry), keeping what the user typed.
  static void offer(QComboBox* filter, const QStringList& names);
  // The trace of the table's current row, or "" when none is selected.
  QString selectedTraceId() const;

  GatewayClient* client_;
  TracesModel* model_;
  QSortFilterProxyModel* sorted_;
  QComboBox* serviceFilter_;
  QComboBox* operationFilter_;
  QSpinBox* minDuration_;
  QSpinBox* limit_;
  QTableView* table_;
  QLabel* listNote_;   // traces missing from the list (a gateway replica did not answer)
  QLabel* statusLine_;
  QAction* searchAction_;
  TracePane* tracePane_;  // the selected trace
  api::TraceFilter searched_;  // the filters of the last search, so an unchanged edit does not search again
  quint64 listLoad_ = 0;   // numbers each refresh(); older answers are dropped
  bool started_ = false;
  bool loading_ = false;
  bool answered_ = false;
};

}  // namespace fleetdeck::console
