#include "views/console_app.h"

#include <QApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QSettings>
#include <QStandardPaths>
#include <QTimer>
#include <cstdio>

#include "client/credential_store.h"
#include "client/event_stream.h"
#include "client/gateway_client.h"
#include "views/main_window.h"
#include "views/sign_in_dialog.h"
#include "views/view_page.h"

namespace fleetdeck::console {

namespace {

Q_LOGGING_CATEGORY(lcStartup, "fleetdeck.console.startup", QtWarningMsg)

// Logs, once, when the main window first paints while its page holds data from the gateway: the
// cold-start figure tests/bench/console_bench reads. Watches paint events only until then.
class FirstPaintProbe : public QObject {
 public:
  FirstPaintProbe(MainWindow* window, QElapsedTimer sinceLaunch) : QObject(window), window_(window), sinceLaunch_(sinceLaunch) {
    qApp->installEventFilter(this);
  }

  bool eventFilter(QObject* watched, QEvent* event) override {
    if (done_ || event->type() != QEvent::Paint || !watched->isWidgetType()) return false;
    if (static_cast<QWidget*>(watched)->window() != window_) return false;
    ViewPage* page = window_->currentPage();
    if (page == nullptr || !page->isReady()) return false;
    done_ = true;
    qApp->removeEventFilter(this);
    const QString key = page->key();
    // Reported when this paint pass has finished, not as it begins.
    QTimer::singleShot(0, this, [this, key] {
      qCInfo(lcStartup, "first dashboard paint %lld ms after launch (page %s)", static_cast<long long>(sinceLaunch_.elapsed()),
             qPrintable(key));
      deleteLater();
    });
    return false;
  }

 private:
  MainWindow* window_;
  QElapsedTimer sinceLaunch_;
  bool done_ = false;
};

}  // namespace

std::optional<Account> findAccount(const QByteArray& credentialsFile, const QString& role, const QString& username) {
  for (const QByteArray& rawLine : credentialsFile.split('\n')) {
    const QString line = QString::fromUtf8(rawLine).trimmed();
    if (line.isEmpty() || line.startsWith(QLatin1Char('#'))) continue;
    static const QRegularExpression kFields(QStringLiteral("^(\\S+)\\s+(\\S+)\\s+(.+)$"));
    const QRegularExpressionMatch match = kFields.match(line);
    if (!match.hasMatch()) continue;
    Account account{match.captured(1), match.captured(2), match.captured(3).trimmed()};
    if (username.isEmpty() ? account.role == role : account.username == username) return account;
  }
  return std::nullopt;
}

ConsoleApp::ConsoleApp(const ConsoleSettings& settings, const LaunchOptions& options, QObject* parent)
    : ConsoleApp(settings, options, new CredentialStore(options.useKeychain), parent) {}

ConsoleApp::ConsoleApp(const ConsoleSettings& settings, const LaunchOptions& options, CredentialStore* store,
                       QObject* parent)
    : QObject(parent),
      settings_(settings),
      options_(options),
      client_(new GatewayClient(this)),
      stream_(new EventStream(client_, this)),
      store_(store) {
  store_->setParent(this);
  if (!options_.sinceLaunch.isValid()) options_.sinceLaunch.start();
  client_->setBaseUrl(settings_.gatewayUrl);
  connect(client_, &GatewayClient::refreshTokenRotated, this, [this](const QString& token) {
    if (remember_ && store_->isAvailable()) store_->save(account(), token);
  });
  connect(client_, &GatewayClient::sessionExpired, this, [this] {
    stream_->stop();
    if (!signInDeclined_) showSignIn(tr("Your session has ended. Sign in again to continue."));
  });
}

ConsoleApp::~ConsoleApp() {
  delete resuming_;
  delete window_;
}

bool ConsoleApp::holdsKeychainEntry() {
  const QString name = account();
  if (keychainLock_ && keychainLockAccount_ == name) return true;
  keychainLock_.reset();
  // The session's runtime folder when there is one (QStandardPaths warns and makes one in /tmp when not).
  QString directory = qEnvironmentVariableIsEmpty("XDG_RUNTIME_DIR")
                          ? QDir::tempPath()
                          : QStandardPaths::writableLocation(QStandardPaths::RuntimeLocation);
  if (directory.isEmpty()) directory = QDir::tempPath();
  const QByteArray digest = QCryptographicHash::hash(name.toUtf8(), QCryptographicHash::Sha256).toHex().left(16);
  auto lock = std::make_unique<QLockFile>(directory + QStringLiteral("/fleetdeck-console-") +
                                          QString::fromLatin1(digest) + QStringLiteral(".lock"));
  lock->setStaleLockTime(0);  // held for the console's whole run; a crashed holder's pid is gone
  if (!lock->tryLock(0)) return false;
  keychainLock_ = std::move(lock);
  keychainLockAccount_ = name;
  return true;
}

QString ConsoleApp::account() const {
  return CredentialStore::accountFor(client_->baseUrl().toString(), client_->session().user.username.isEmpty()
                                                                        ? settings_.lastUser
                                                                        : client_->session().user.username);
}

void ConsoleApp::start() {
  // 0. --unauthenticated: today's gateway serves the users API without auth; the UI acts as an admin.
  if (options_.unauthenticated) {
    User developer;
    developer.username = options_.user.isEmpty() ? QStringLiteral("developer") : options_.user;
    developer.displayName = tr("No sign-in (development)");
    developer.role = QStringLiteral("admin");
    signedIn(developer, false);
    return;
  }
  // 1. Flags: --user with --password-file signs in without a dialog (demo, screenshots).
  if (!options_.user.isEmpty() && !options_.password.isEmpty()) {
    client_->signIn(options_.user, options_.password, this, [this](const Result<User>& result) {
      if (result && (result->role == QLatin1String("admin") || result->role == QLatin1String("operator"))) {
        signedIn(result.value(), false);
        return;
      }
      const QString reason = result ? tr("%1 is not an operator or admin account.").arg(result->username)
                                    : SignInDialog::failureText(result.error());
      if (!options_.screenshotDir.isEmpty()) {
        std::fprintf(stderr, "fleetdeck-console: sign-in failed: %s\n", qPrintable(reason));
        emit finished(1);
        return;
      }
      showSignIn(reason);
    });
    return;
  }
  // 2. A refresh token kept in the keychain from an earlier run, unless another console uses it now.
  if (settings_.rememberSignIn && store_->isAvailable() && !settings_.lastUser.isEmpty()) {
    if (!holdsKeychainEntry()) {
      showSignIn(tr("Another FleetDeck console on this computer is signed in as %1. Sign in here for a session "
                    "of this window's own.")
                     .arg(settings_.lastUser));
      return;
    }
    store_->load(account(), this, [this](const QString& token) {
      if (token.isEmpty()) {
        showSignIn();
        return;
      }
      resume(token);
    });
    return;
  }
  // 3. Ask.
  showSignIn();
}

void ConsoleApp::resume(const QString& refreshToken) {
  // The answers of an attempt the user cancelled are dropped with it.
  auto* attempt = new QObject(this);
  resuming_ = new QProgressDialog(tr("Resuming the session of %1 at %2…")
                                      .arg(settings_.lastUser, client_->baseUrl().toString(QUrl::RemoveUserInfo)),
                                  tr("Cancel"), 0, 0);
  resuming_->setObjectName(QStringLiteral("resumingDialog"));
  resuming_->setWindowTitle(tr("FleetDeck console"));
  resuming_->setMinimumDuration(0);
  resuming_->setAutoClose(false);
  resuming_->setAutoReset(false);
  QProgressDialog* busy = resuming_;
  auto done = [attempt, busy] {
    delete attempt;
    busy->hide();
    busy->deleteLater();
  };
  connect(resuming_, &QProgressDialog::canceled, this, [this, done] {
    done();
    // The refresh may still be answered: that session is dropped, the token stays remembered.
    client_->setSession(Session{});
    showSignIn(tr("Resuming the session was cancelled."));
  });
  resuming_->show();
  client_->resumeSession(refreshToken, attempt, [this, done](const Result<User>& result) {
    done();
    if (!result) {
      // Only a refused token is forgotten: a gateway that is down or failing (network error,
      // 5xx, 429) says nothing about it, and the next start may resume with it.
      const ApiError& error = result.error();
      const bool refused = !error.isNetworkFailure() && error.httpStatus >= 400 && error.httpStatus < 500 &&
                           error.httpStatus != 408 && error.httpStatus != 429;
      if (refused) store_->remove(account());
      showSignIn(error.isNetworkFailure() ? SignInDialog::failureText(error)
                 : refused               ? QString()
                                         : error.summary());
      return;
    }
    signedIn(result.value(), true);
  });
}

void ConsoleApp::showSignIn(const QString& message) {
  if (dialog_) {
    dialog_->raise();
    return;
  }
  dialog_ = new SignInDialog(client_, store_->isAvailable(), window_);
  dialog_->setAttribute(Qt::WA_DeleteOnClose);
  dialog_->setGatewayUrl(client_->baseUrl().isEmpty() ? settings_.gatewayUrl : client_->baseUrl());
  dialog_->setUsername(options_.user.isEmpty() ? settings_.lastUser : options_.user);
  dialog_->setRemember(settings_.rememberSignIn);
  if (!message.isEmpty()) dialog_->showMessage(message);
  connect(dialog_, &QDialog::accepted, this, [this, dialog = dialog_] {
    settings_.gatewayUrl = dialog->gatewayUrl();
    settings_.lastUser = dialog->username();
    settings_.rememberSignIn = dialog->remember();
    signedIn(client_->session().user, dialog->remember());
  });
  connect(dialog_, &QDialog::rejected, this, [this] {
    // Esc on "your session has ended" must not close a window full of work: it stays, signed out.
    if (window_ != nullptr && window_->isVisible()) {
      if (!client_->isSignedIn()) {
        signInDeclined_ = true;
        window_->setSignedOut();
      }
      return;
    }
    if (window_ == nullptr || !client_->isSignedIn()) {
      if (window_ != nullptr) window_->saveLayout();
      emit finished(0);
    }
  });
  if (window_ != nullptr && window_->isVisible()) {
    dialog_->open();
  } else {
    dialog_->show();
  }
}

void ConsoleApp::signedIn(const User& user, bool remember) {
  remember_ = remember;
  signInDeclined_ = false;
  settings_.lastUser = user.username;
  // A scripted run (--screenshot-dir) leaves the user's settings as they were.
  if (options_.screenshotDir.isEmpty()) saveSettings();
  // Another console keeps this account's entry: this one leaves it alone and remembers nothing.
  if (store_->isAvailable() && holdsKeychainEntry()) {
    remember_ ? store_->save(account(), client_->session().refreshToken) : store_->remove(account());
  } else {
    remember_ = false;
  }
  if (window_ == nullptr) {
    qCInfo(lcStartup, "signed in %lld ms after launch", static_cast<long long>(options_.sinceLaunch.elapsed()));
    window_ = new MainWindow(client_, stream_, settings_);
    window_->setKeychainAvailable(store_->isAvailable());
    if (lcStartup().isInfoEnabled()) new FirstPaintProbe(window_, options_.sinceLaunch);
    connect(window_, &MainWindow::signOutRequested, this, &ConsoleApp::signOut);
    connect(window_, &MainWindow::signInRequested, this, [this] { showSignIn(); });
    connect(window_, &MainWindow::settingsChanged, this, [this](const ConsoleSettings& changed) {
      settings_ = changed;
      saveSettings();
    });
  }
  window_->setSignedInUser(user);
  window_->show();
  stream_->stop();
  stream_->start();
  if (!options_.screenshotDir.isEmpty()) {
    window_->captureScreenshots(options_.screenshotDir, 8000, [this](const QStringList& files) {
      for (const QString& file : files) std::printf("%s\n", qPrintable(file));
      std::fflush(stdout);
      emit finished(files.isEmpty() ? 1 : 0);
    });
  }
}

void ConsoleApp::signOut() {
  stream_->stop();
  remember_ = false;  // a token rotated from now on belongs to no remembered sign-in
  if (holdsKeychainEntry()) store_->remove(account());
  client_->signOut();
  window_->saveLayout();  // cancelling the sign-in that follows quits
  window_->hide();
  showSignIn();
}

void ConsoleApp::saveSettings() {
  QSettings stored;
  settings_.save(stored);
}

}  // namespace fleetdeck::console
