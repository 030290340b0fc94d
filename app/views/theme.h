// Light and dark themes: the Fusion style with a matching palette, applied to the whole application.
#pragma once

#include <QString>

namespace fleetdeck::console {

// "light" or "dark"; anything else means light.
void applyTheme(const QString& theme);
bool isDarkTheme();

}  // namespace fleetdeck::console
