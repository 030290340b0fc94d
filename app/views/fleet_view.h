// FleetView: every service and instance with status colour, version, uptime, request rate (sparkline),
// error %, p99, last heartbeat and breakers; readiness detail of the selected instance; live updates
// from the stream; on a local fleet, admins also stop/start services and toggle payment faults.
#pragma once

#include <QDateTime>

#include <QHash>
#include <QSet>

#include "client/api_types.h"
#include "client/result.h"
#include "models/fleet_model.h"
#include "views/view_page.h"

class QAction;
class QDoubleSpinBox;
class QGroupBox;
class QLabel;
class QSpinBox;
class QTimer;
class QTreeView;
class QTreeWidget;

namespace fleetdeck::console {

class GatewayClient;

class FleetView : public ViewPage {
  Q_OBJECT

 public:
  explicit FleetView(GatewayClient* client, QWidget* parent = nullptr);

  QString key() const override { return QStringLiteral("fleet"); }
  QString title() const override;
  QIcon icon() const override;
  void activate() override;
  void refresh() override;
  bool isReady() const override { return answered_; }
  void setEditable(bool editable) override;
  void userChanged() override;
  QList<QAction*> paletteActions() const override;

  void setRefreshInterval(int seconds);
  FleetModel* model() const { return model_; }
  QTreeView* tree() const { return tree_; }
  QTreeWidget* detail() const { return detail_; }
  bool faultsAvailable() const { return faultsAvailable_; }

 public slots:
  void applyChange(const fleetdeck::console::FleetChange& change);

 private:
  void loadFleet();
  void showFleet(const Result<QVector<FleetService>>& result);
  void loadStats();
  // The fleet's line, and why the metric columns are not current when they are not.
  void showSummary();
  void loadFaults();
  void applyFaults();
  void showDetail();
  void serviceAction(const QString& action);
  void updateActions();
  QString selectedService() const;
  // A new set of instances (a restart gives new ids) resets the tree: the row the operator is on
  // and the services they folded are put back by name, so actions keep their target.
  void rememberTreeState();
  void restoreTreeState();

  GatewayClient* client_;
  FleetModel* model_;
  QTreeView* tree_;
  QTreeWidget* detail_;
  QLabel* summary_;
  QLabel* actionStatus_;  // a stop or start on its way, then how it ended (it may take a minute)
  QGroupBox* faultsBox_;
  QLabel* faultsNote_ = nullptr;
  QString faultsProblem_;  // why the faults could not be read (the box shows it, disabled)
  QDoubleSpinBox* declineRate_;
  QDoubleSpinBox* failureRate_;
  QSpinBox* addedLatency_;
  QString failureCode_;  // as payments last reported it
  QTimer* refreshTimer_;
  QTimer* clockTimer_;
  QAction* refreshAction_;
  QAction* stopAction_;
  QAction* startAction_;
  QAction* applyFaultsAction_;
  QHash<QString, ServiceStats> stats_;
  // The last fleet answer's failure ("Could not load…", "Showing older data…"), empty once one loads.
  QString fleetError_;
  QDateTime fleetUpdated_;  // when the fleet last loaded
  QString metricsProblem_;  // the last stats round's failed queries, empty when all answered
  QString keptService_;
  QString keptInstance_;
  QSet<QString> foldedServices_;
  bool answered_ = false;
  bool started_ = false;
  bool faultsAvailable_ = false;
  // 404: not a local fleet, asked again only after the next sign-in. Any other failure (a 503 while
  // the gateway starts, a 403) is asked again at the next refresh.
  bool notLocalFleet_ = false;
  bool faultsInFlight_ = false;
  bool serviceActionInFlight_ = false;  // one stop or start at a time: a second one would get 409
  bool fleetInFlight_ = false;
  bool reloadWhenLoaded_ = false;  // a load was asked for while one was on its way
  int statsPending_ = 0;
};

}  // namespace fleetdeck::console
