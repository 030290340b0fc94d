// fleetdeck-console: the operator and admin console. Composition only: application identity,
// command line, settings, translations, theme, then the console's life cycle (views/console_app).
#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QLibraryInfo>
#include <QLocale>
#include <QSettings>
#include <QTranslator>
#include <cstdio>

#include "views/console_app.h"
#include "views/console_settings.h"
#include "views/theme.h"

#ifndef FLEETDECK_VERSION
#define FLEETDECK_VERSION "0.0.0"
#endif

using namespace fleetdeck::console;

int main(int argc, char** argv) {
  QElapsedTimer sinceLaunch;
  sinceLaunch.start();
  // Identity first: QSettings and the keychain key off these names.
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("FleetDeck"));
  QApplication::setApplicationName(QStringLiteral("fleetdeck-console"));
  QApplication::setApplicationDisplayName(QStringLiteral("FleetDeck"));
  QApplication::setApplicationVersion(QStringLiteral(FLEETDECK_VERSION));
  QApplication::setDesktopFileName(QStringLiteral("fleetdeck-console"));

  // Settings before the parser, so --help already speaks the chosen language.
  QSettings stored;
  ConsoleSettings settings = ConsoleSettings::load(stored);

  // Translations: ours (compiled into the binary by qt_add_translations) and Qt's own dialogs.
  QTranslator consoleTranslator;
  QTranslator qtTranslator;
  // English is loaded too: it carries the plural forms ("1 user", "2 users").
  if (consoleTranslator.load(QStringLiteral(":/i18n/fleetdeck_%1.qm").arg(settings.language))) {
    QApplication::installTranslator(&consoleTranslator);
  }
  if (settings.language != QLatin1String("en")) {
    if (qtTranslator.load(QStringLiteral("qtbase_%1").arg(settings.language),
                          QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
      QApplication::installTranslator(&qtTranslator);
    }
    QLocale::setDefault(QLocale(settings.language));
  }

  QCommandLineParser parser;
  parser.setApplicationDescription(QApplication::translate("main", "FleetDeck console: fleet health, metrics, alerts, sagas, orders, users, event history, dead letters and traces."));
  parser.addHelpOption();
  parser.addVersionOption();
  const QCommandLineOption gatewayOption(QStringLiteral("gateway"),
                                         QApplication::translate("main", "Gateway base URL (default: the one in the settings, else http://127.0.0.1:8080)."),
                                         QStringLiteral("URL"));
  const QCommandLineOption userOption(QStringLiteral("user"), QApplication::translate("main", "User to sign in as."),
                                      QStringLiteral("NAME"));
  const QCommandLineOption passwordFileOption(
      QStringLiteral("password-file"),
      QApplication::translate("main", "Read the password from FILE (first line); with --user, signs in without asking."),
      QStringLiteral("FILE"));
  const QCommandLineOption credentialsOption(
      QStringLiteral("credentials"),
      QApplication::translate("main", "Sign in with an account from FILE, lines \"<role> <username> <password>\" as ./fleetdeck credentials prints them: the --user line, else the first admin."),
      QStringLiteral("FILE"));
  const QCommandLineOption screenshotOption(
      QStringLiteral("screenshot-dir"),
      QApplication::translate("main", "After signing in, save console-<view>.png of each main view into DIR, then exit."),
      QStringLiteral("DIR"));
  const QCommandLineOption noKeychainOption(QStringLiteral("no-keychain"),
                                            QApplication::translate("main", "Neither read nor store a refresh token in the system keychain."));
  const QCommandLineOption unauthenticatedOption(
      QStringLiteral("unauthenticated"),
      QApplication::translate("main", "Development only: skip sign-in, for a gateway without authentication."));
  parser.addOptions({gatewayOption, userOption, passwordFileOption, credentialsOption, screenshotOption, noKeychainOption, unauthenticatedOption});
  parser.process(app);

  LaunchOptions options;
  options.sinceLaunch = sinceLaunch;
  options.user = parser.value(userOption);
  options.screenshotDir = parser.value(screenshotOption);
  options.useKeychain = !parser.isSet(noKeychainOption);
  options.unauthenticated = parser.isSet(unauthenticatedOption);
  if (parser.isSet(gatewayOption)) {
    const QUrl url = QUrl::fromUserInput(parser.value(gatewayOption));
    if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))) {
      std::fprintf(stderr, "fleetdeck-console: --gateway needs an http:// or https:// URL, got \"%s\"\n",
                   qPrintable(parser.value(gatewayOption)));
      return 2;
    }
    settings.gatewayUrl = url;
  }
  if (parser.isSet(passwordFileOption)) {
    QFile file(parser.value(passwordFileOption));
    if (!file.open(QIODevice::ReadOnly)) {
      std::fprintf(stderr, "fleetdeck-console: cannot read --password-file %s: %s\n", qPrintable(file.fileName()),
                   qPrintable(file.errorString()));
      return 2;
    }
    options.password = QString::fromUtf8(file.readLine()).trimmed();
  }
  if (parser.isSet(credentialsOption)) {
    // The demo's way in (./fleetdeck demo): the password stays in its 0600 file, off every command line.
    QFile file(parser.value(credentialsOption));
    if (!file.open(QIODevice::ReadOnly)) {
      std::fprintf(stderr, "fleetdeck-console: cannot read --credentials %s: %s\n", qPrintable(file.fileName()),
                   qPrintable(file.errorString()));
      return 2;
    }
    const std::optional<Account> account = findAccount(file.readAll(), QStringLiteral("admin"), options.user);
    if (!account) {
      std::fprintf(stderr, "fleetdeck-console: no %s line in --credentials %s\n",
                   options.user.isEmpty() ? "admin" : qPrintable(QStringLiteral("\"%1\"").arg(options.user)),
                   qPrintable(file.fileName()));
      return 2;
    }
    options.user = account->username;
    options.password = account->password;
  }
  if (!options.screenshotDir.isEmpty() && !options.unauthenticated && (options.user.isEmpty() || options.password.isEmpty())) {
    std::fprintf(stderr, "fleetdeck-console: --screenshot-dir needs --credentials, or --user and --password-file (or --unauthenticated)\n");
    return 2;
  }

  applyTheme(settings.theme);

  ConsoleApp console(settings, options);
  QObject::connect(&console, &ConsoleApp::finished, &app, [](int code) { QApplication::exit(code); });
  console.start();
  return QApplication::exec();
}
