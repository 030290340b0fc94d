#include "views/console_settings.h"

#include <QSettings>

namespace fleetdeck::console {

ConsoleSettings ConsoleSettings::load(QSettings& settings) {
  ConsoleSettings loaded;
  const QUrl url(settings.value(QStringLiteral("gateway/url"), loaded.gatewayUrl.toString()).toString());
  if (url.isValid() && !url.scheme().isEmpty()) loaded.gatewayUrl = url;
  const QString language = settings.value(QStringLiteral("ui/language"), loaded.language).toString();
  if (language == QLatin1String("en") || language == QLatin1String("zh_CN")) loaded.language = language;
  const QString theme = settings.value(QStringLiteral("ui/theme"), loaded.theme).toString();
  if (theme == QLatin1String("light") || theme == QLatin1String("dark")) loaded.theme = theme;
  loaded.refreshSeconds = qBound(2, settings.value(QStringLiteral("ui/refreshSeconds"), loaded.refreshSeconds).toInt(), 3600);
  loaded.lastUser = settings.value(QStringLiteral("gateway/lastUser")).toString();
  loaded.rememberSignIn = settings.value(QStringLiteral("gateway/rememberSignIn"), true).toBool();
  return loaded;
}

void ConsoleSettings::save(QSettings& settings) const {
  settings.setValue(QStringLiteral("gateway/url"), gatewayUrl.toString());
  settings.setValue(QStringLiteral("ui/language"), language);
  settings.setValue(QStringLiteral("ui/theme"), theme);
  settings.setValue(QStringLiteral("ui/refreshSeconds"), refreshSeconds);
  settings.setValue(QStringLiteral("gateway/lastUser"), lastUser);
  settings.setValue(QStringLiteral("gateway/rememberSignIn"), rememberSignIn);
}

}  // namespace fleetdeck::console
