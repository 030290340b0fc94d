// SagasView: recent sagas filterable by state and by an alert's window (sagas started in it); the
// selected one as a live timeline; its trace as a waterfall; links from a step to the order event
// versions it produced.
#pragma once

#include <QDateTime>

#include "client/api_types.h"
#include "views/view_page.h"

class QComboBox;
class QLabel;
class QTableView;

namespace fleetdeck::console {

class GatewayClient;
class SagasModel;
class SagaTimelineWidget;
class TracePane;
class TraceWaterfallWidget;

class SagasView : public ViewPage {
  Q_OBJECT

 public:
  explicit SagasView(GatewayClient* client, QWidget* parent = nullptr);

  QString key() const override { return QStringLiteral("sagas"); }
  QString title() const override;
  QIcon icon() const override;
  void activate() override;
  void refresh() override;
  bool isReady() const override;
  QList<QAction*> paletteActions() const override;

  SagasModel* model() const { return model_; }
  SagaTimelineWidget* timeline() const { return timeline_; }
  TraceWaterfallWidget* waterfall() const;

 public slots:
  void showSaga(const QString& sagaId);
  void applyStep(const fleetdeck::console::SagaStepEvent& event);
  // Sagas started in [from, to] (an alert's window): the gateway lists only those, page after page.
  void showWindow(const QDateTime& from, const QDateTime& to);

 private:
  void applyFilter();
  void showStepDetail(int index);

  GatewayClient* client_;
  SagasModel* model_;
  QLabel* windowLabel_;
  QComboBox* stateFilter_;
  QTableView* table_;
  SagaTimelineWidget* timeline_;
  QLabel* stepDetail_;
  QLabel* statusLine_;
  QAction* refreshAction_;
  TracePane* tracePane_;  // the selected saga's trace
  QString currentId_;
  quint64 sagaLoad_ = 0;   // numbers each showSaga(); older answers are dropped
  QString pendingId_;
  // The alert's window while one is shown, [windowStart_, windowEnd_); invalid when none is.
  QDateTime windowStart_;
  QDateTime windowEnd_;
  bool started_ = false;
  bool answered_ = false;
  bool detailAnswered_ = true;
};

}  // namespace fleetdeck::console
