#include "views/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QElapsedTimer>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QPainter>
#include <QScreen>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>
#include <memory>
#include <utility>

#include "client/connection_monitor.h"
#include "client/event_stream.h"
#include "client/gateway_client.h"
#include "models/alerts_model.h"
#include "models/display_text.h"
#include "views/alerts_view.h"
#include "views/command_palette.h"
#include "views/dead_letters_view.h"
#include "views/fleet_view.h"
#include "views/history_view.h"
#include "views/metrics_view.h"
#include "views/offline_banner.h"
#include "views/orders_view.h"
#include "views/sagas_view.h"
#include "views/settings_dialog.h"
#include "views/theme.h"
#include "views/traces_view.h"
#include "views/users_view.h"

namespace fleetdeck::console {

MainWindow::MainWindow(GatewayClient* client, EventStream* stream, const ConsoleSettings& settings, QWidget* parent)
    : QMainWindow(parent),
      client_(client),
      stream_(stream),
      settings_(settings),
      sidebar_(new QListWidget(this)),
      stack_(new QStackedWidget(this)),
      banner_(new OfflineBanner(client->connection(), this)),
      connectionLabel_(new QLabel(this)),
      streamLabel_(new QLabel(this)),
      userLabel_(new QLabel(this)),
      signInButton_(new QToolButton(this)),
      palette_(new CommandPalette(this)),
      fleet_(new FleetView(client, this)),
      metrics_(new MetricsView(client, this)),
      alerts_(new AlertsView(client, this)),
      sagas_(new SagasView(client, this)),
      orders_(new OrdersView(client, this)),
      users_(new UsersView(client, this)),
      history_(new HistoryView(client, this)),
      deadLetters_(new DeadLettersView(client, this)),
      traces_(new TracesView(client, this)),
      liveBatch_(new QTimer(this)) {
  setObjectName(QStringLiteral("mainWindow"));
  setWindowTitle(tr("FleetDeck console"));
  setWindowIcon(QIcon(QStringLiteral(":/icons/fleetdeck-console.svg")));

  sidebar_->setObjectName(QStringLiteral("sidebar"));
  sidebar_->setFixedWidth(180);
  sidebar_->setIconSize(QSize(20, 20));
  sidebar_->setSpacing(2);
  sidebar_->setFrameShape(QFrame::NoFrame);
  for (ViewPage* page : {static_cast<ViewPage*>(fleet_), static_cast<ViewPage*>(metrics_), static_cast<ViewPage*>(alerts_),
                         static_cast<ViewPage*>(sagas_), static_cast<ViewPage*>(orders_), static_cast<ViewPage*>(users_),
                         static_cast<ViewPage*>(history_), static_cast<ViewPage*>(deadLetters_),
                         static_cast<ViewPage*>(traces_)}) {
    addPage(page);
  }

  auto* central = new QWidget(this);
  auto* outer = new QVBoxLayout(central);
  outer->setContentsMargins(0, 0, 0, 0);
  outer->setSpacing(0);
  outer->addWidget(banner_);
  auto* body = new QWidget(central);
  auto* bodyLayout = new QHBoxLayout(body);
  bodyLayout->setContentsMargins(0, 0, 0, 0);
  bodyLayout->setSpacing(0);
  bodyLayout->addWidget(sidebar_);
  bodyLayout->addWidget(stack_, 1);
  outer->addWidget(body, 1);
  setCentralWidget(central);

  connectionLabel_->setObjectName(QStringLiteral("connectionState"));
  streamLabel_->setObjectName(QStringLiteral("streamState"));
  userLabel_->setObjectName(QStringLiteral("signedInUser"));
  statusBar()->addPermanentWidget(streamLabel_);
  statusBar()->addPermanentWidget(connectionLabel_);
  statusBar()->addPermanentWidget(userLabel_);
  signInButton_->setObjectName(QStringLiteral("signInButton"));
  signInButton_->setText(tr("Sign in…"));
  signInButton_->setAutoRaise(true);
  signInButton_->hide();
  statusBar()->addPermanentWidget(signInButton_);
  connect(signInButton_, &QToolButton::clicked, this, &MainWindow::signInRequested);

  buildMenus();
  wireStream();

  connect(sidebar_, &QListWidget::currentRowChanged, this, [this](int row) {
    if (row < 0 || row >= pages_.size()) return;
    stack_->setCurrentIndex(row);
    ViewPage* page = pages_[row];
    page->activate();
    if (stalePages_.remove(page)) page->refresh();
  });
  connect(client_->connection(), &ConnectionMonitor::stateChanged, this, [this](ConnectionState state) {
    updateConnectionLabel();
    // Back online: bring the page on screen up to date (its data may be stale), and the others
    // when they are next shown.
    if (state == ConnectionState::Online) reloadAfterMissedEvents();
  });
  for (ViewPage* page : std::as_const(pages_)) {
    connect(page, &ViewPage::statusMessage, this, [this](const QString& message) { statusBar()->showMessage(message, 8000); });
    connect(page, &ViewPage::openOrderRequested, this, [this](const QString& orderId) {
      showPage(QStringLiteral("orders"));
      if (!orderId.isEmpty()) orders_->showOrder(orderId);
    });
    connect(page, &ViewPage::openSagaRequested, this, [this](const QString& sagaId) {
      showPage(QStringLiteral("sagas"));
      if (!sagaId.isEmpty()) sagas_->showSaga(sagaId);
    });
    connect(page, &ViewPage::openTraceRequested, this, [this](const QString& traceId) {
      showPage(QStringLiteral("traces"));
      traces_->showTrace(traceId);
    });
    connect(page, &ViewPage::openHistoryRequested, this, [this](const QString& orderId, qint64 version) {
      showPage(QStringLiteral("history"));
      history_->showOrder(orderId, version);
    });
    connect(page, &ViewPage::openWindowRequested, this, [this](const QString& key, const QDateTime& from, const QDateTime& to) {
      // The window first: its list is the page's first load, so showing the page starts no unfiltered
      // one for it to replace.
      if (key == QLatin1String("sagas")) sagas_->showWindow(from, to);
      if (key == QLatin1String("orders")) orders_->showWindow(from, to);
      showPage(key);
    });
    connect(page, &ViewPage::openMetricsRequested, this, [this](const QString& query, qint64 start, qint64 end) {
      showPage(QStringLiteral("metrics"));
      metrics_->runQuery(query, start, end);
    });
  }
  connect(alerts_->model(), &AlertsModel::alertFired, this, &MainWindow::notifyAlert);

  QSettings stored;
  restoreGeometry(stored.value(QStringLiteral("window/geometry")).toByteArray());
  restoreState(stored.value(QStringLiteral("window/state")).toByteArray());
  if (!stored.contains(QStringLiteral("window/geometry"))) resize(defaultSize(screen()));
  applySettings(settings_);
  updateConnectionLabel();
  updatePaletteEntries();
  const QString lastPage = stored.value(QStringLiteral("window/page"), QStringLiteral("fleet")).toString();
  sidebar_->setCurrentRow(qMax(0, pageKeys().indexOf(lastPage)));
}

MainWindow::~MainWindow() = default;

QSize MainWindow::defaultSize(const QScreen* screen) {
  // 1280 x 800 where it fits; on a smaller screen (a 1024 x 768 laptop, a remote desktop) the
  // screen's free area, so the status bar and the right-hand buttons are not off screen.
  const QSize preferred(1280, 800);
  return screen != nullptr ? preferred.boundedTo(screen->availableGeometry().size()) : preferred;
}

void MainWindow::addPage(ViewPage* page) {
  pages_.append(page);
  stack_->addWidget(page);
  // A white copy for the selected row: the blue icon would vanish on the blue highlight. Built from
  // pixmaps only, since the SVG icon engine ignores pixmaps added for other modes.
  const QIcon source = page->icon();
  QIcon icon;
  for (const int size : {20, 40}) {
    const QPixmap normal = source.pixmap(size, size);
    QPixmap white(normal.size());
    white.fill(Qt::transparent);
    QPainter painter(&white);
    painter.drawPixmap(0, 0, normal);
    painter.setCompositionMode(QPainter::CompositionMode_SourceIn);
    painter.fillRect(white.rect(), Qt::white);
    painter.end();
    icon.addPixmap(normal, QIcon::Normal);
    icon.addPixmap(white, QIcon::Selected);
  }
  auto* item = new QListWidgetItem(icon, page->title(), sidebar_);
  const int number = static_cast<int>(pages_.size());
  item->setToolTip(tr("%1 (Ctrl+%2)").arg(page->title()).arg(number));
  item->setSizeHint(QSize(160, 34));
}

void MainWindow::buildMenus() {
  QMenu* console = menuBar()->addMenu(tr("&Console"));
  auto* paletteAction = console->addAction(tr("Command palette…"), this, &MainWindow::openCommandPalette);
  paletteAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
  paletteAction->setObjectName(QStringLiteral("app.palette"));
  auto* settingsAction = console->addAction(tr("Settings…"), this, &MainWindow::openSettings);
  settingsAction->setShortcut(QKeySequence::Preferences);
  if (settingsAction->shortcut().isEmpty()) settingsAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
  auto* themeAction = console->addAction(tr("Toggle light/dark theme"), this, [this] {
    ConsoleSettings changed = settings_;
    changed.theme = settings_.theme == QLatin1String("dark") ? QStringLiteral("light") : QStringLiteral("dark");
    applySettings(changed);
  });
  console->addSeparator();
  auto* signOut = console->addAction(tr("Sign out"), this, &MainWindow::signOutRequested);
  auto* quit = console->addAction(tr("Quit"), qApp, &QApplication::closeAllWindows);
  quit->setShortcut(QKeySequence::Quit);
  globalActions_ << settingsAction << themeAction << signOut << quit;

  QMenu* view = menuBar()->addMenu(tr("&View"));
  for (int i = 0; i < pages_.size(); ++i) {
    ViewPage* page = pages_[i];
    auto* go = view->addAction(page->icon(), page->title(), this, [this, i] { sidebar_->setCurrentRow(i); });
    go->setShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + i)));
    go->setObjectName(QStringLiteral("go.") + page->key());
  }
  view->addSeparator();
  auto* refresh = view->addAction(tr("Refresh"), this, &MainWindow::refreshCurrent);
  refresh->setShortcut(QKeySequence::Refresh);
  globalActions_ << refresh;

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("About FleetDeck console"), this, [this] {
    QMessageBox::about(this, tr("About FleetDeck console"),
                       tr("<b>FleetDeck console %1</b><br>Operations console for the FleetDeck fleet.<br>Gateway: %2")
                           .arg(QApplication::applicationVersion(), client_->baseUrl().toString().toHtmlEscaped()));
  });
}

void MainWindow::deliverLive(std::function<void()> apply) {
  pendingLive_.append(std::move(apply));
  if (!liveBatch_->isActive()) liveBatch_->start();
}

void MainWindow::wireStream() {
  constexpr int kLiveBatchMs = 100;
  liveBatch_->setSingleShot(true);
  liveBatch_->setInterval(kLiveBatchMs);
  connect(liveBatch_, &QTimer::timeout, this, [this] {
    const QList<std::function<void()>> batch = std::exchange(pendingLive_, {});
    for (const std::function<void()>& apply : batch) apply();
  });
  connect(stream_, &EventStream::sagaStep, this, [this](const SagaStepEvent& event) {
    deliverLive([this, event] { sagas_->applyStep(event); });
  });
  connect(stream_, &EventStream::orderEvent, this, [this](const OrderEventNotice& notice) {
    deliverLive([this, notice] {
      orders_->applyNotice(notice);
      history_->applyNotice(notice);
    });
  });
  connect(stream_, &EventStream::fleetChange, this, [this](const FleetChange& change) {
    deliverLive([this, change] { fleet_->applyChange(change); });
  });
  connect(stream_, &EventStream::alert, this, [this](const PromAlert& alert) {
    deliverLive([this, alert] { alerts_->applyAlert(alert); });
  });
  connect(stream_, &EventStream::replayProgress, this, [this](const ReplayProgress& progress) {
    deliverLive([this, progress] { history_->applyReplayProgress(progress); });
  });
  // The gateway could not resume from our Last-Event-ID (another gateway, or its buffer moved on):
  // events were missed, so what is on screen is reloaded rather than left silently behind.
  connect(stream_, &EventStream::eventReceived, this, [this](const QString& type) {
    if (type != QLatin1String("stream.gap")) return;
    deliverLive([this] {
      reloadAfterMissedEvents();
      statusBar()->showMessage(tr("Live updates missed some events; the view was reloaded."), 8000);
    });
  });
  connect(stream_, &EventStream::stateChanged, this, &MainWindow::updateConnectionLabel);
  connect(stream_, &EventStream::reconnectScheduled, this, [this](int delayMs) {
    streamLabel_->setText(tr("Live updates: reconnecting in %n s", "", qMax(1, delayMs / 1000)));
  });
}

void MainWindow::setSignedInUser(const User& user) {
  role_ = user.role;
  const bool admin = user.role == QLatin1String("admin");
  for (ViewPage* page : std::as_const(pages_)) {
    page->setEditable(admin);
    page->userChanged();
  }
  signInButton_->hide();
  userLabel_->setText(tr("%1 (%2)").arg(user.displayName.isEmpty() ? user.username : user.displayName,
                                        display::userRole(user.role)));
  updatePaletteEntries();
}

void MainWindow::setSignedOut() {
  userLabel_->setText(tr("Not signed in"));
  signInButton_->show();
  statusBar()->showMessage(tr("Your session has ended: what is shown is no longer updated. Sign in to continue."));
}

QStringList MainWindow::pageKeys() const {
  QStringList keys;
  for (ViewPage* page : pages_) keys << page->key();
  return keys;
}

ViewPage* MainWindow::page(const QString& key) const {
  for (ViewPage* page : pages_) {
    if (page->key() == key) return page;
  }
  return nullptr;
}

void MainWindow::reloadAfterMissedEvents() {
  ViewPage* current = currentPage();
  for (ViewPage* page : std::as_const(pages_)) {
    // A page never shown loads afresh when it is; one shown before keeps what it had until then.
    if (page != current && page->isReady()) stalePages_.insert(page);
  }
  if (current != nullptr) {
    stalePages_.remove(current);
    current->refresh();
  }
}

ViewPage* MainWindow::currentPage() const { return pages_.value(stack_->currentIndex()); }

void MainWindow::showPage(const QString& key) {
  const int index = static_cast<int>(pageKeys().indexOf(key));
  if (index < 0) return;
  if (sidebar_->currentRow() == index) {
    pages_[index]->activate();
  } else {
    sidebar_->setCurrentRow(index);
  }
}

QString MainWindow::connectionText() const { return connectionLabel_->text(); }
QString MainWindow::streamText() const { return streamLabel_->text(); }

void MainWindow::updateConnectionLabel() {
  const ConnectionState state = client_->connection()->state();
  const QString host = client_->baseUrl().authority();
  QString dot;
  switch (state) {
    case ConnectionState::Online:
      connectionLabel_->setText(tr("● Connected to %1").arg(host));
      dot = QStringLiteral("#2ea043");
      break;
    case ConnectionState::Offline:
      connectionLabel_->setText(tr("● Offline (%1)").arg(host));
      dot = QStringLiteral("#d13d3d");
      break;
    case ConnectionState::Unknown:
      connectionLabel_->setText(tr("● Connecting to %1").arg(host));
      dot = QStringLiteral("#8b949e");
      break;
  }
  connectionLabel_->setStyleSheet(QStringLiteral("color: %1;").arg(dot));
  switch (stream_->state()) {
    case EventStream::State::Open: streamLabel_->setText(tr("Live updates: on")); break;
    case EventStream::State::Connecting: streamLabel_->setText(tr("Live updates: connecting…")); break;
    case EventStream::State::Waiting: break;  // reconnectScheduled sets the countdown text
    case EventStream::State::Stopped: streamLabel_->setText(tr("Live updates: off")); break;
  }
}

void MainWindow::updatePaletteEntries() {
  QList<CommandPalette::Entry> entries;
  for (int i = 0; i < pages_.size(); ++i) {
    ViewPage* page = pages_[i];
    entries.append({tr("Go to %1").arg(page->title()), QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + i)).toString(QKeySequence::NativeText),
                    [this, i] { sidebar_->setCurrentRow(i); }, page->title()});
  }
  for (ViewPage* page : std::as_const(pages_)) {
    for (QAction* action : page->paletteActions()) {
      entries.append(CommandPalette::fromAction(action, page->title()));
      // Page actions run on their page: show it first.
      const QString key = page->key();
      auto run = entries.last().run;
      entries.last().run = [this, key, run] {
        showPage(key);
        run();
      };
    }
  }
  for (QAction* action : std::as_const(globalActions_)) entries.append(CommandPalette::fromAction(action));
  palette_->setEntries(entries);
}

void MainWindow::openCommandPalette() {
  updatePaletteEntries();
  palette_->popup();
}

void MainWindow::openSettings() {
  auto* dialog = new SettingsDialog(settings_, keychainAvailable_, this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  connect(dialog, &QDialog::accepted, this, [this, dialog] {
    const ConsoleSettings changed = dialog->settings();
    const bool languageChanged = changed.language != settings_.language;
    applySettings(changed);
    if (languageChanged) statusBar()->showMessage(tr("The new language applies when the console restarts."), 10000);
  });
  dialog->open();
}

void MainWindow::applySettings(const ConsoleSettings& settings) {
  settings_ = settings;
  if ((settings_.theme == QLatin1String("dark")) != isDarkTheme()) applyTheme(settings_.theme);
  metrics_->setDark(settings_.theme == QLatin1String("dark"));
  fleet_->setRefreshInterval(settings_.refreshSeconds);
  metrics_->setRefreshInterval(settings_.refreshSeconds);
  alerts_->setRefreshInterval(settings_.refreshSeconds);
  emit settingsChanged(settings_);
}

void MainWindow::refreshCurrent() {
  if (ViewPage* page = currentPage()) page->refresh();
}

void MainWindow::notifyAlert(const PromAlert& alert) {
  const QString summary = alert.annotations.value(QStringLiteral("summary"));
  const QString text = tr("Alert firing: %1 (%2)%3")
                           .arg(alert.name, display::severity(alert.severity),
                                summary.isEmpty() ? QString() : QStringLiteral(" — ") + summary);
  statusBar()->showMessage(text, 15000);
  if (QSystemTrayIcon::isSystemTrayAvailable()) {
    if (tray_ == nullptr) {
      tray_ = new QSystemTrayIcon(windowIcon(), this);
      connect(tray_, &QSystemTrayIcon::messageClicked, this, [this] {
        showPage(QStringLiteral("alerts"));
        raise();
        activateWindow();
      });
      tray_->show();
    }
    tray_->showMessage(tr("FleetDeck alert"), text,
                       alert.severity == QLatin1String("critical") ? QSystemTrayIcon::Critical : QSystemTrayIcon::Warning);
  }
}

void MainWindow::captureScreenshots(const QString& directory, int perPageTimeoutMs, std::function<void(QStringList)> done) {
  QDir().mkpath(directory);
  auto written = std::make_shared<QStringList>();
  auto index = std::make_shared<int>(0);
  auto clock = std::make_shared<QElapsedTimer>();
  auto timer = new QTimer(this);
  timer->setInterval(50);
  auto begin = [this, index, clock] {
    showPage(pages_[*index]->key());
    clock->start();
  };
  connect(timer, &QTimer::timeout, this, [this, timer, index, clock, written, directory, perPageTimeoutMs, done, begin] {
    ViewPage* page = pages_[*index];
    if (!page->isReady() && clock->elapsed() < perPageTimeoutMs) return;
    // Let layouts and charts settle before grabbing.
    QApplication::processEvents();
    const QString path = QDir(directory).filePath(QStringLiteral("console-%1.png").arg(page->key()));
    if (grab().save(path, "PNG")) written->append(path);
    if (++*index < pages_.size()) {
      begin();
      return;
    }
    timer->stop();
    timer->deleteLater();
    done(*written);
  });
  begin();
  timer->start();
}

void MainWindow::saveLayout() {
  QSettings stored;
  stored.setValue(QStringLiteral("window/geometry"), saveGeometry());
  stored.setValue(QStringLiteral("window/state"), saveState());
  if (ViewPage* page = currentPage()) stored.setValue(QStringLiteral("window/page"), page->key());
}

void MainWindow::closeEvent(QCloseEvent* event) {
  saveLayout();
  QMainWindow::closeEvent(event);
}

}  // namespace fleetdeck::console
