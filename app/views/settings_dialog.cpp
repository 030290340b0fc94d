#include "views/settings_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QVBoxLayout>

namespace fleetdeck::console {

SettingsDialog::SettingsDialog(const ConsoleSettings& settings, bool keychainAvailable, QWidget* parent)
    : QDialog(parent),
      original_(settings),
      urlEdit_(new QLineEdit(settings.gatewayUrl.toString(), this)),
      languageCombo_(new QComboBox(this)),
      themeCombo_(new QComboBox(this)),
      refreshSpin_(new QSpinBox(this)),
      rememberBox_(new QCheckBox(tr("Remember my sign-in"), this)) {
  setObjectName(QStringLiteral("settingsDialog"));
  setWindowTitle(tr("Settings"));
  // Language names are shown in their own language, so anyone can find theirs.
  languageCombo_->addItem(QStringLiteral("English"), QStringLiteral("en"));
  languageCombo_->addItem(QStringLiteral("简体中文"), QStringLiteral("zh_CN"));
  languageCombo_->setCurrentIndex(qMax(0, languageCombo_->findData(settings.language)));
  themeCombo_->addItem(tr("Light", "theme"), QStringLiteral("light"));
  themeCombo_->addItem(tr("Dark", "theme"), QStringLiteral("dark"));
  themeCombo_->setCurrentIndex(qMax(0, themeCombo_->findData(settings.theme)));
  refreshSpin_->setRange(2, 3600);
  refreshSpin_->setSuffix(tr(" s", "seconds suffix"));
  refreshSpin_->setValue(settings.refreshSeconds);
  rememberBox_->setObjectName(QStringLiteral("rememberSignIn"));
  // The same words as the sign-in dialog's box; without a keychain (--no-keychain) nothing can be
  // remembered, and the box says so rather than offering it.
  rememberBox_->setEnabled(keychainAvailable);
  rememberBox_->setToolTip(keychainAvailable
                               ? tr("Keeps a refresh token in the system keychain; never your password.")
                               : tr("No system keychain is available, so nothing is remembered."));
  rememberBox_->setChecked(settings.rememberSignIn && keychainAvailable);

  auto* form = new QFormLayout;
  form->addRow(tr("&Gateway URL:"), urlEdit_);
  form->addRow(tr("&Language:"), languageCombo_);
  form->addRow(tr("&Theme:"), themeCombo_);
  form->addRow(tr("&Refresh every:"), refreshSpin_);
  form->addRow(QString(), rememberBox_);
  auto* note = new QLabel(tr("A new language or gateway URL applies the next time the console starts."), this);
  note->setWordWrap(true);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(note);
  layout->addWidget(buttons);
}

ConsoleSettings SettingsDialog::settings() const {
  ConsoleSettings changed = original_;
  const QUrl url = QUrl::fromUserInput(urlEdit_->text().trimmed());
  if (url.isValid()) changed.gatewayUrl = url;
  changed.language = languageCombo_->currentData().toString();
  changed.theme = themeCombo_->currentData().toString();
  changed.refreshSeconds = refreshSpin_->value();
  // Without a keychain the box cannot change the setting: a later run with one keeps what it had.
  if (rememberBox_->isEnabled()) changed.rememberSignIn = rememberBox_->isChecked();
  return changed;
}

}  // namespace fleetdeck::console
