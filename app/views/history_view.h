// HistoryView: an order's event history with time travel — a slider over versions shows the order as
// it was after each event, fields changed by that event highlighted; and the orders projection rebuild
// with live progress and its difference report.
#pragma once

#include <QHash>
#include <QJsonObject>

#include "client/api_types.h"
#include "views/view_page.h"

class QCheckBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSlider;
class QSortFilterProxyModel;
class QSpinBox;
class QTableView;
class QTimer;
class QTreeWidget;

namespace fleetdeck::console {

class GatewayClient;
class OrderEventsModel;
class StateDiffModel;

class HistoryView : public ViewPage {
  Q_OBJECT

 public:
  explicit HistoryView(GatewayClient* client, QWidget* parent = nullptr);

  QString key() const override { return QStringLiteral("history"); }
  QString title() const override;
  QIcon icon() const override;
  void activate() override;
  void refresh() override;
  bool isReady() const override;
  void setEditable(bool editable) override;
  QList<QAction*> paletteActions() const override;

  StateDiffModel* diffModel() const { return diff_; }
  OrderEventsModel* eventsModel() const { return events_; }
  qint64 currentVersion() const { return version_; }
  QString orderId() const { return orderId_; }
  // How often a running rebuild is read (3 s); tests make it short.
  void setRebuildPollInterval(int ms);

 public slots:
  // Loads the order's history and moves to `version` (0: the latest).
  void showOrder(const QString& orderId, qint64 version = 0);
  void setVersion(qint64 version);
  void applyNotice(const fleetdeck::console::OrderEventNotice& notice);
  void applyReplayProgress(const fleetdeck::console::ReplayProgress& progress);
  void startRebuild();

 private:
  void loadEvents();
  void loadVersion(qint64 version);
  void fetchState(qint64 version);
  void showDiffIfReady();
  void fetchRebuildReport();
  // Forgets the rebuild: no more reads (one on its way is dropped); the button is back.
  void stopWatchingRebuild();
  void updateRebuildActions();
  void showRebuildReport(const RebuildReport& report);

  GatewayClient* client_;
  OrderEventsModel* events_;
  StateDiffModel* diff_;
  QSortFilterProxyModel* diffFilter_;
  QLineEdit* orderEdit_;
  QSlider* slider_;
  QSpinBox* versionBox_;
  QLabel* versionLabel_;
  QCheckBox* onlyChanged_;
  QTableView* eventsTable_;
  QTableView* diffTable_;
  QPushButton* rebuildButton_;
  // Admins only, as its button: without the button an operator saw an empty progress bar that
  // nothing could move (a console follows only the rebuilds it started).
  QWidget* rebuildBox_ = nullptr;
  QPushButton* stopWatchingButton_;
  QProgressBar* rebuildProgress_;
  QLabel* rebuildStatus_;
  QTreeWidget* rebuildDifferences_;
  QTimer* versionDelay_;
  QTimer* rebuildPoll_;
  QAction* rebuildAction_;
  QString orderId_;       // lower-case, as the gateway writes ids
  QString shownOrderId_;  // the order whose events, slider and version are on screen; empty when none
  qint64 version_ = 0;
  qint64 wantedVersion_ = 0;
  QHash<qint64, QJsonObject> states_;
  QString rebuildId_;
  bool rebuildStarting_ = false;  // the request that starts one is on its way
  quint64 rebuildCall_ = 0;  // the read of the rebuild on its way, 0 when none is
  static constexpr int kRebuildRetryMaxMs = 30000;
  int rebuildPollMs_ = 3000;   // between reads while the rebuild runs
  int rebuildRetryMs_ = 3000;  // after a failed read: doubled each time, up to kRebuildRetryMaxMs
  int statesPending_ = 0;
  bool eventsPending_ = false;
  bool reloadWhenLoaded_ = false;  // an order notice came while the events were loading
};

}  // namespace fleetdeck::console
