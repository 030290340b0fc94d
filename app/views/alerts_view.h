// AlertsView: firing and pending alerts with severity, age, labels, annotations and who acknowledged
// them; from an alert, a chart of its rule's expression over the alert's window, the sagas and orders
// of that time, and acknowledging it (or withdrawing the acknowledgement).
#pragma once

#include <QHash>
#include <QPair>

#include "client/api_types.h"
#include "views/view_page.h"

class QComboBox;
class QLabel;
class QSortFilterProxyModel;
class QTableView;
class QTimer;

namespace fleetdeck::console {

class AlertsModel;
class GatewayClient;

class AlertsView : public ViewPage {
  Q_OBJECT

 public:
  explicit AlertsView(GatewayClient* client, QWidget* parent = nullptr);

  QString key() const override { return QStringLiteral("alerts"); }
  QString title() const override;
  QIcon icon() const override;
  void activate() override;
  void refresh() override;
  bool isReady() const override { return answered_; }
  QList<QAction*> paletteActions() const override;
  void userChanged() override;

  void setRefreshInterval(int seconds);
  AlertsModel* model() const { return model_; }
  // The rule expression of an alert, when the rules have been loaded.
  QString expressionOf(const QString& alertName) const { return expressions_.value(alertName); }

 public slots:
  void applyAlert(const fleetdeck::console::PromAlert& alert);
  void chartSelected();
  // The sagas or orders ("sagas", "orders") of the selected alert's window.
  void openWindow(const QString& pageKey);
  // Asks for an optional comment, then acknowledges the selected alert. Operators may do it too, so
  // unlike edit actions these stay visible whatever setEditable() says.
  void acknowledgeSelected();
  void withdrawSelectedAcknowledgement();

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  // Gives the summary (the last column, stretched) most of the table's width: Acknowledged and Labels
  // get a fifth each of what the name and short columns leave, within bounds; the detail below shows
  // them whole.
  void shareColumnWidths();
  void loadRules();
  void showDetail();
  void showCounts();
  void acknowledge(const PromAlert& alert, const QString& comment);
  void selectAlert(const QString& key);
  const PromAlert* selected() const;
  static QPair<QDateTime, QDateTime> alertWindow(const PromAlert& alert);

  GatewayClient* client_;
  AlertsModel* model_;
  QSortFilterProxyModel* proxy_;
  QComboBox* stateFilter_;
  QTableView* table_;
  QLabel* detail_;
  QLabel* statusLine_;
  QTimer* refreshTimer_;
  QAction* refreshAction_;
  QAction* chartAction_;
  QAction* sagasAction_;
  QAction* ordersAction_;
  QAction* acknowledgeAction_;
  QAction* withdrawAction_;
  QHash<QString, QString> expressions_;
  QString acknowledgementsError_;  // why the last refresh has no acknowledgements, if it has none
  bool acknowledgementInFlight_ = false;
  // Bumped whenever an acknowledgement changes here (stream event, own call): a refresh that started
  // before must not put back the acknowledgements it fetched then.
  quint64 acknowledgementChanges_ = 0;
  bool refreshInFlight_ = false;
  bool refreshAgain_ = false;  // refresh() was called while one was on its way
  // Stream alert events that came while the list was on its way: that list may have been read before
  // them, so they are laid over it (else it would take a new alert away or bring a resolved one back).
  QVector<PromAlert> eventsDuringRefresh_;
  bool answered_ = false;
  bool started_ = false;
  // The rules give "Chart the rule's expression" its query; until they load, each refresh asks again.
  bool rulesLoaded_ = false;
  bool rulesInFlight_ = false;
};

}  // namespace fleetdeck::console
