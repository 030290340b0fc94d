// SignInDialog: gateway URL, user and password; signs in through the client, shows progress, can be
// cancelled, and explains failures in place (bad credentials, throttling, unreachable gateway).
#pragma once

#include <QDialog>
#include <QUrl>

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QProgressBar;

namespace fleetdeck::console {

class GatewayClient;
struct ApiError;

class SignInDialog : public QDialog {
  Q_OBJECT

 public:
  SignInDialog(GatewayClient* client, bool keychainAvailable, QWidget* parent = nullptr);

  void setGatewayUrl(const QUrl& url);
  void setUsername(const QString& username);
  void setRemember(bool remember);
  QUrl gatewayUrl() const;
  QString username() const;
  bool remember() const;
  QString errorText() const;
  // Why a sign-in failed, worded for the person signing in; the same whether the dialog or a
  // sign-in started from the command line (--credentials) or a remembered session failed.
  static QString failureText(const ApiError& error);

 public slots:
  void submit();
  // A line above the buttons: why sign-in is asked again, or what failed.
  void showMessage(const QString& message) { showError(message); }

 private:
  void setBusy(bool busy);
  void showError(const QString& message);

  GatewayClient* client_;
  QLineEdit* urlEdit_;
  QLineEdit* userEdit_;
  QLineEdit* passwordEdit_;
  QCheckBox* rememberBox_;
  QLabel* errorLabel_;
  QProgressBar* progress_;
  QDialogButtonBox* buttons_;
  quint64 callId_ = 0;
  bool busy_ = false;
};

}  // namespace fleetdeck::console
