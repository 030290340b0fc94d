// UserEditDialog: create a user, or edit one's display name, email, role and status. Sends only the
// fields that changed, with If-Match; shows the gateway's field errors beside the fields, and a stale
// edit (412) as a dialog that offers to reload the user as it is now. A create sends one idempotency
// key per dialog, so pressing Create again after a lost answer cannot make a second account; after a
// lost answer the details sent are read-only and a retry sends them again, exactly.
#pragma once

#include <QDialog>
#include <QHash>
#include <QPointer>

#include "client/api_error.h"
#include "client/api_types.h"
#include "client/gateway_api.h"

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QMessageBox;

namespace fleetdeck::console {

class GatewayClient;

class UserEditDialog : public QDialog {
  Q_OBJECT

 public:
  // Create mode.
  explicit UserEditDialog(GatewayClient* client, QWidget* parent = nullptr);
  // Edit mode, starting from `user` as the list showed it.
  UserEditDialog(GatewayClient* client, const User& user, QWidget* parent = nullptr);

  bool isCreate() const { return !original_.has_value(); }
  // The error shown beside a field ("email", "displayName"…), empty when none.
  QString fieldError(const QString& field) const;
  QString generalError() const;
  QMessageBox* staleEditDialog() const;
  // Edit mode, after a save whose answer was lost: says the change may have been saved, offers Reload.
  QMessageBox* lostAnswerDialog() const;

 public slots:
  void save();
  // Refused while a save is on its way: the gateway may apply it, and the list must learn the new
  // version (else the next edit is refused as stale, blaming "someone else").
  void reject() override;
  // Fetches the user as the gateway has it now and puts it in the form (local edits are dropped).
  void reloadFromGateway();

 signals:
  // After a successful create or update, with the user as the gateway returned it.
  void saved(const fleetdeck::console::User& user);

 private:
  void build();
  void fill(const User& user);
  QJsonObject changes() const;
  void showErrors(const ApiError& error);
  void clearErrors();
  void setBusy(bool busy);
  bool busy_ = false;
  void showStaleEdit(const ApiError& error);
  void showLostEdit(const ApiError& error);
  // A box whose default button reloads the user; closed and forgotten with the dialog.
  QMessageBox* askToReload(const QString& title, const QString& text, const QString& informative,
                           const QString& traceId, const QString& objectName, const QString& keepText);
  void showGeneralError(const QString& text, const QString& traceId);
  QLabel* addErrorLabel(const QString& field);
  void lockSentDetails(const api::NewUser& sent);

  GatewayClient* client_;
  std::optional<User> original_;
  // Create mode: the Idempotency-Key of every create this dialog sends. A repeat after a lost answer
  // gets the account the first one made instead of "username is already taken".
  QString createKey_;
  // Create mode: the details of the create whose answer was lost. The fields are read-only from then
  // on and every retry sends these (the gateway does not compare the password on a repeat: a password
  // retyped differently would be reported created but not be the account's).
  std::optional<api::NewUser> sent_;
  QLineEdit* usernameEdit_ = nullptr;
  QLineEdit* passwordEdit_ = nullptr;
  QLineEdit* displayNameEdit_ = nullptr;
  QLineEdit* emailEdit_ = nullptr;
  QComboBox* roleCombo_ = nullptr;
  QComboBox* statusCombo_ = nullptr;
  QLabel* generalError_ = nullptr;
  QLabel* sentNote_ = nullptr;
  QDialogButtonBox* buttons_ = nullptr;
  QHash<QString, QLabel*> errorLabels_;
  // Nulled by Qt when they go (see UsersView::editDialog_).
  QPointer<QMessageBox> staleDialog_;
  QPointer<QMessageBox> lostAnswerDialog_;
  // A save's answer was lost since the user was last loaded: the gateway may have applied it, so a
  // 412 now is likely that save, not someone else's.
  bool answerLost_ = false;
};

}  // namespace fleetdeck::console
