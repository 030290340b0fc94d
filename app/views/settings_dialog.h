// SettingsDialog: gateway URL, language, theme and refresh interval.
#pragma once

#include <QDialog>

#include "views/console_settings.h"

class QComboBox;
class QLineEdit;
class QSpinBox;
class QCheckBox;

namespace fleetdeck::console {

class SettingsDialog : public QDialog {
  Q_OBJECT

 public:
  // `keychainAvailable` false (--no-keychain): "Remember my sign-in" is disabled, its tooltip says why.
  SettingsDialog(const ConsoleSettings& settings, bool keychainAvailable, QWidget* parent = nullptr);
  ConsoleSettings settings() const;

 private:
  ConsoleSettings original_;
  QLineEdit* urlEdit_;
  QComboBox* languageCombo_;
  QComboBox* themeCombo_;
  QSpinBox* refreshSpin_;
  QCheckBox* rememberBox_;
};

}  // namespace fleetdeck::console
