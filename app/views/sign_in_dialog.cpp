#include "views/sign_in_dialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

#include "client/gateway_client.h"
#include "models/display_text.h"

namespace fleetdeck::console {

SignInDialog::SignInDialog(GatewayClient* client, bool keychainAvailable, QWidget* parent)
    : QDialog(parent),
      client_(client),
      urlEdit_(new QLineEdit(this)),
      userEdit_(new QLineEdit(this)),
      passwordEdit_(new QLineEdit(this)),
      rememberBox_(new QCheckBox(tr("&Remember my sign-in"), this)),
      errorLabel_(new QLabel(this)),
      progress_(new QProgressBar(this)),
      buttons_(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this)) {
  setObjectName(QStringLiteral("signInDialog"));
  setWindowTitle(tr("Sign in to FleetDeck"));
  urlEdit_->setObjectName(QStringLiteral("gatewayUrlEdit"));
  userEdit_->setObjectName(QStringLiteral("usernameEdit"));
  passwordEdit_->setObjectName(QStringLiteral("passwordEdit"));
  passwordEdit_->setEchoMode(QLineEdit::Password);
  urlEdit_->setPlaceholderText(QStringLiteral("http://127.0.0.1:8080"));
  rememberBox_->setEnabled(keychainAvailable);
  rememberBox_->setToolTip(keychainAvailable
                               ? tr("Keeps a refresh token in the system keychain; never your password.")
                               : tr("No system keychain is available, so nothing is remembered."));
  if (!keychainAvailable) rememberBox_->setChecked(false);
  errorLabel_->setObjectName(QStringLiteral("signInError"));
  errorLabel_->setWordWrap(true);
  errorLabel_->setStyleSheet(QStringLiteral("color: #d13d3d;"));
  errorLabel_->hide();
  progress_->setRange(0, 0);
  progress_->setTextVisible(false);
  progress_->setMaximumHeight(6);
  progress_->hide();
  buttons_->button(QDialogButtonBox::Ok)->setText(tr("Sign in"));

  auto* form = new QFormLayout;
  form->addRow(tr("&Gateway URL:"), urlEdit_);
  form->addRow(tr("&User:"), userEdit_);
  form->addRow(tr("&Password:"), passwordEdit_);
  form->addRow(QString(), rememberBox_);
  auto* layout = new QVBoxLayout(this);
  auto* heading = new QLabel(tr("<b>FleetDeck console</b><br>Sign in with an operator or admin account."), this);
  layout->addWidget(heading);
  layout->addLayout(form);
  layout->addWidget(errorLabel_);
  layout->addWidget(progress_);
  layout->addWidget(buttons_);
  setMinimumWidth(420);

  connect(buttons_, &QDialogButtonBox::accepted, this, &SignInDialog::submit);
  connect(buttons_, &QDialogButtonBox::rejected, this, [this] {
    if (busy_) {
      client_->cancel(callId_);
      setBusy(false);
      showError(tr("Sign-in cancelled."));
      return;
    }
    reject();
  });
}

void SignInDialog::setGatewayUrl(const QUrl& url) { urlEdit_->setText(url.toString()); }
void SignInDialog::setUsername(const QString& username) {
  userEdit_->setText(username);
  if (!username.isEmpty()) passwordEdit_->setFocus();
}
void SignInDialog::setRemember(bool remember) { rememberBox_->setChecked(remember && rememberBox_->isEnabled()); }
QUrl SignInDialog::gatewayUrl() const { return QUrl::fromUserInput(urlEdit_->text().trimmed()); }
QString SignInDialog::username() const { return userEdit_->text().trimmed(); }
bool SignInDialog::remember() const { return rememberBox_->isChecked(); }
QString SignInDialog::errorText() const { return errorLabel_->isHidden() ? QString() : errorLabel_->text(); }

void SignInDialog::submit() {
  if (busy_) return;
  const QUrl url = gatewayUrl();
  if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))) {
    showError(tr("Enter the gateway address, for example http://127.0.0.1:8080."));
    urlEdit_->setFocus();
    return;
  }
  if (username().isEmpty() || passwordEdit_->text().isEmpty()) {
    showError(tr("Enter your user name and password."));
    return;
  }
  client_->setBaseUrl(url);
  setBusy(true);
  errorLabel_->hide();
  callId_ = client_->signIn(username(), passwordEdit_->text(), this, [this](const Result<User>& result) {
    setBusy(false);
    if (!result) {
      showError(failureText(result.error()));
      if (result.error().isUnauthenticated()) {
        passwordEdit_->selectAll();
        passwordEdit_->setFocus();
      }
      return;
    }
    if (result->role != QLatin1String("admin") && result->role != QLatin1String("operator")) {
      client_->signOut();
      showError(tr("This console is for operators and admins; %1 is a %2 account.")
                    .arg(result->username, display::userRole(result->role)));
      return;
    }
    passwordEdit_->clear();
    accept();
  });
}

QString SignInDialog::failureText(const ApiError& error) {
  if (error.isUnauthenticated()) return tr("Wrong user name or password.");
  if (error.isThrottled()) {
    return error.retryAfterSeconds > 0 ? tr("Too many attempts. Try again in %n second(s).", "", error.retryAfterSeconds)
                                       : tr("Too many attempts. Wait a little and try again.");
  }
  if (error.isNetworkFailure()) {
    return tr("Cannot reach the gateway: %1. Check the gateway address, and that the gateway is running.").arg(error.message);
  }
  return error.summary();
}

void SignInDialog::setBusy(bool busy) {
  busy_ = busy;
  progress_->setVisible(busy);
  urlEdit_->setEnabled(!busy);
  userEdit_->setEnabled(!busy);
  passwordEdit_->setEnabled(!busy);
  buttons_->button(QDialogButtonBox::Ok)->setEnabled(!busy);
}

void SignInDialog::showError(const QString& message) {
  errorLabel_->setText(message);
  errorLabel_->show();
}

}  // namespace fleetdeck::console
