// ConsoleSettings: what the console remembers between runs (QSettings): gateway URL, language, theme,
// refresh interval, last user. Never a password or a token — those go to the keychain or nowhere.
#pragma once

#include <QString>
#include <QUrl>

class QSettings;

namespace fleetdeck::console {

struct ConsoleSettings {
  QUrl gatewayUrl = QUrl(QStringLiteral("http://127.0.0.1:8080"));
  QString language = QStringLiteral("en");  // "en" or "zh_CN"
  QString theme = QStringLiteral("light");  // "light" or "dark"
  int refreshSeconds = 15;
  QString lastUser;
  bool rememberSignIn = true;

  static ConsoleSettings load(QSettings& settings);
  void save(QSettings& settings) const;
};

}  // namespace fleetdeck::console
