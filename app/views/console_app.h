// ConsoleApp: the console's life cycle — sign in (flags, stored refresh token, or the dialog), open the
// main window for the signed-in role, keep the stream running, sign out, and sign in again on expiry.
#pragma once

#include <QElapsedTimer>
#include <QLockFile>
#include <QObject>
#include <QPointer>
#include <QProgressDialog>
#include <QString>
#include <memory>
#include <optional>

#include "client/api_types.h"
#include "views/console_settings.h"

namespace fleetdeck::console {

class CredentialStore;
class EventStream;
class GatewayClient;
class MainWindow;
class SignInDialog;

// One account of a credentials file as `./fleetdeck credentials` prints it and the launcher keeps it
// (0600, $FLEETDECK_DATA/secrets/credentials): "<role> <username> <password>" per line.
struct Account {
  QString role;
  QString username;
  QString password;
};

// The account named `username`, or (username empty) the first one with `role`. Blank lines and lines
// starting with '#' are skipped; the password is the rest of the line after the username, trimmed.
std::optional<Account> findAccount(const QByteArray& credentialsFile, const QString& role, const QString& username = {});

struct LaunchOptions {
  QString user;
  QString password;  // from --password-file or --credentials; never from the command line itself
  QString screenshotDir;
  bool useKeychain = true;
  // Development only: no sign-in, no token, admin UI — for a gateway that has no authentication yet.
  bool unauthenticated = false;
  // Started first thing in main(): the start-up log (category fleetdeck.console.startup, info level,
  // off by default) reports against it. Started by ConsoleApp when main() did not.
  QElapsedTimer sinceLaunch;
};

class ConsoleApp : public QObject {
  Q_OBJECT

 public:
  ConsoleApp(const ConsoleSettings& settings, const LaunchOptions& options, QObject* parent = nullptr);
  // With `store` (taken over) for the refresh token instead of the system keychain (tests).
  ConsoleApp(const ConsoleSettings& settings, const LaunchOptions& options, CredentialStore* store,
             QObject* parent = nullptr);
  ~ConsoleApp() override;

  void start();
  GatewayClient* client() const { return client_; }
  MainWindow* window() const { return window_; }

 signals:
  // The console is done (screenshots written, or a non-interactive sign-in failed): exit with `code`.
  void finished(int code);

 private:
  void showSignIn(const QString& message = {});
  // Signs in with a remembered refresh token, showing that it does (a black-holed gateway takes up
  // to two timeouts) with a Cancel that goes to the sign-in dialog instead.
  void resume(const QString& refreshToken);
  void signedIn(const User& user, bool remember);
  void signOut();
  void saveSettings();
  QString account() const;
  // Whether this console may use the keychain entry of account(): one console at a time per account
  // and gateway (a lock file). A second one resuming from the same refresh token rotated it under
  // the first, whose next refresh then looked like a stolen token's reuse and signed both out.
  bool holdsKeychainEntry();

  ConsoleSettings settings_;
  LaunchOptions options_;
  GatewayClient* client_;
  EventStream* stream_;
  CredentialStore* store_;
  MainWindow* window_ = nullptr;
  QPointer<SignInDialog> dialog_;
  QPointer<QProgressDialog> resuming_;
  bool remember_ = false;
  std::unique_ptr<QLockFile> keychainLock_;
  QString keychainLockAccount_;
  // The session ended under the open window and the user closed the sign-in dialog: later 401s
  // (the pages keep polling) do not pop it up again; the window's "Sign in…" does.
  bool signInDeclined_ = false;
};

}  // namespace fleetdeck::console
