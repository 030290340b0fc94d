// MainWindow: the console shell — sidebar of views, offline banner, status bar (connection, live
// stream, user), command palette, settings, role-aware pages, live stream routed to the pages.
#pragma once

#include <QHash>
#include <QMainWindow>
#include <QSet>
#include <functional>

#include "client/api_types.h"
#include "views/console_settings.h"

class QLabel;
class QListWidget;
class QScreen;
class QStackedWidget;
class QSystemTrayIcon;
class QTimer;
class QToolButton;

namespace fleetdeck::console {

class AlertsView;
class CommandPalette;
class DeadLettersView;
class EventStream;
class FleetView;
class GatewayClient;
class HistoryView;
class MetricsView;
class OfflineBanner;
class OrdersView;
class SagasView;
class TracesView;
class UsersView;
class ViewPage;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  MainWindow(GatewayClient* client, EventStream* stream, const ConsoleSettings& settings, QWidget* parent = nullptr);
  ~MainWindow() override;

  // After sign-in: shows who is signed in and hides edit actions from anyone but admins.
  void setSignedInUser(const User& user);
  // The session ended and the user chose not to sign in again now: the window stays, says so, and
  // offers "Sign in…" in its status bar (signInRequested) until setSignedInUser().
  void setSignedOut();
  // Geometry, dock state and current page into the settings (closing does it too).
  void saveLayout();
  void showPage(const QString& key);
  ViewPage* page(const QString& key) const;
  ViewPage* currentPage() const;
  QStringList pageKeys() const;
  OfflineBanner* offlineBanner() const { return banner_; }
  CommandPalette* commandPalette() const { return palette_; }
  QString connectionText() const;
  QString streamText() const;
  const ConsoleSettings& settings() const { return settings_; }
  // Whether sign-ins can be remembered (false with --no-keychain): Settings offers it only then.
  void setKeychainAvailable(bool available) { keychainAvailable_ = available; }

  FleetView* fleetView() const { return fleet_; }
  MetricsView* metricsView() const { return metrics_; }
  AlertsView* alertsView() const { return alerts_; }
  SagasView* sagasView() const { return sagas_; }
  OrdersView* ordersView() const { return orders_; }
  UsersView* usersView() const { return users_; }
  HistoryView* historyView() const { return history_; }
  DeadLettersView* deadLettersView() const { return deadLetters_; }
  TracesView* tracesView() const { return traces_; }

  // The size a window without a stored geometry opens at: 1280 x 800, or the screen's free area
  // where that is smaller.
  static QSize defaultSize(const QScreen* screen);

  // Shows each main view in turn, waits until it holds data (or `perPageTimeoutMs`), and saves
  // console-<key>.png into `directory`. `done` gets the files written.
  void captureScreenshots(const QString& directory, int perPageTimeoutMs, std::function<void(QStringList)> done);

 public slots:
  void openCommandPalette();
  void openSettings();
  void refreshCurrent();
  void applySettings(const ConsoleSettings& settings);

 signals:
  void signOutRequested();
  void signInRequested();
  void settingsChanged(const fleetdeck::console::ConsoleSettings& settings);

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void addPage(ViewPage* page);
  void buildMenus();
  void wireStream();
  void updateConnectionLabel();
  void updatePaletteEntries();
  void notifyAlert(const PromAlert& alert);
  // Queues a live update; queued updates are applied together (see liveBatch_).
  void deliverLive(std::function<void()> apply);

  GatewayClient* client_;
  EventStream* stream_;
  ConsoleSettings settings_;
  bool keychainAvailable_ = true;
  QListWidget* sidebar_;
  QStackedWidget* stack_;
  OfflineBanner* banner_;
  QLabel* connectionLabel_;
  QLabel* streamLabel_;
  QLabel* userLabel_;
  QToolButton* signInButton_;
  CommandPalette* palette_;
  QSystemTrayIcon* tray_ = nullptr;
  QList<ViewPage*> pages_;
  // Pages shown before that may have missed changes (the stream had a gap, the gateway was away):
  // each reloads when it is next shown. The page on screen reloads at once.
  QSet<ViewPage*> stalePages_;
  void reloadAfterMissedEvents();
  QList<QAction*> globalActions_;
  FleetView* fleet_;
  MetricsView* metrics_;
  AlertsView* alerts_;
  SagasView* sagas_;
  OrdersView* orders_;
  UsersView* users_;
  HistoryView* history_;
  DeadLettersView* deadLetters_;
  TracesView* traces_;
  QString role_;
  // Stream events are applied in batches, at most every kLiveBatchMs: a burst of events then costs
  // one repaint instead of one per event, so a busy fleet cannot keep the event loop painting.
  QTimer* liveBatch_;
  QList<std::function<void()>> pendingLive_;
};

}  // namespace fleetdeck::console
