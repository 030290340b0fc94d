#include "views/user_edit_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QUuid>
#include <QVBoxLayout>

#include "client/gateway_api.h"
#include "models/display_text.h"
#include "views/dialogs.h"

namespace fleetdeck::console {
namespace {

QWidget* withError(QWidget* field, QLabel* error, QWidget* parent) {
  auto* box = new QWidget(parent);
  auto* layout = new QVBoxLayout(box);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(2);
  layout->addWidget(field);
  layout->addWidget(error);
  return box;
}

}  // namespace

UserEditDialog::UserEditDialog(GatewayClient* client, QWidget* parent)
    : QDialog(parent), client_(client), createKey_(QUuid::createUuid().toString(QUuid::WithoutBraces)) {
  build();
  setWindowTitle(tr("New user"));
}

UserEditDialog::UserEditDialog(GatewayClient* client, const User& user, QWidget* parent)
    : QDialog(parent), client_(client), original_(user) {
  build();
  setWindowTitle(tr("Edit %1").arg(user.username));
  fill(user);
}

QLabel* UserEditDialog::addErrorLabel(const QString& field) {
  auto* label = new QLabel(this);
  label->setObjectName(QStringLiteral("error_") + field);
  label->setStyleSheet(QStringLiteral("color: #d13d3d;"));
  label->setWordWrap(true);
  label->hide();
  errorLabels_.insert(field, label);
  return label;
}

QMessageBox* UserEditDialog::staleEditDialog() const { return staleDialog_; }

QMessageBox* UserEditDialog::lostAnswerDialog() const { return lostAnswerDialog_; }

void UserEditDialog::build() {
  setObjectName(QStringLiteral("userEditDialog"));
  auto* form = new QFormLayout;
  form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);

  if (isCreate()) {
    usernameEdit_ = new QLineEdit(this);
    usernameEdit_->setObjectName(QStringLiteral("usernameEdit"));
    usernameEdit_->setPlaceholderText(tr("3-32 characters: a-z, 0-9, '.', '_', '-'"));
    form->addRow(tr("&Username:"), withError(usernameEdit_, addErrorLabel(QStringLiteral("username")), this));
  }
  displayNameEdit_ = new QLineEdit(this);
  displayNameEdit_->setObjectName(QStringLiteral("displayNameEdit"));
  form->addRow(tr("&Display name:"), withError(displayNameEdit_, addErrorLabel(QStringLiteral("displayName")), this));
  emailEdit_ = new QLineEdit(this);
  emailEdit_->setObjectName(QStringLiteral("emailEdit"));
  form->addRow(tr("&Email:"), withError(emailEdit_, addErrorLabel(QStringLiteral("email")), this));
  roleCombo_ = new QComboBox(this);
  roleCombo_->setObjectName(QStringLiteral("roleCombo"));
  for (const char* role : {"customer", "operator", "admin"}) {
    roleCombo_->addItem(display::userRole(QLatin1String(role)), QLatin1String(role));
  }
  form->addRow(tr("&Role:"), withError(roleCombo_, addErrorLabel(QStringLiteral("role")), this));
  if (isCreate()) {
    passwordEdit_ = new QLineEdit(this);
    passwordEdit_->setObjectName(QStringLiteral("passwordEdit"));
    passwordEdit_->setEchoMode(QLineEdit::Password);
    passwordEdit_->setPlaceholderText(tr("12-128 characters"));
    form->addRow(tr("&Password:"), withError(passwordEdit_, addErrorLabel(QStringLiteral("password")), this));
  } else {
    statusCombo_ = new QComboBox(this);
    statusCombo_->setObjectName(QStringLiteral("statusCombo"));
    for (const char* status : {"active", "disabled"}) {
      statusCombo_->addItem(display::userStatus(QLatin1String(status)), QLatin1String(status));
    }
    form->addRow(tr("&Status:"), withError(statusCombo_, addErrorLabel(QStringLiteral("status")), this));
  }

  generalError_ = new QLabel(this);
  generalError_->setObjectName(QStringLiteral("generalError"));
  generalError_->setStyleSheet(QStringLiteral("color: #d13d3d;"));
  generalError_->setWordWrap(true);
  generalError_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  generalError_->hide();

  // Create mode, after a lost answer: why the details cannot be changed any more.
  sentNote_ = new QLabel(this);
  sentNote_->setObjectName(QStringLiteral("sentDetailsNote"));
  sentNote_->setWordWrap(true);
  sentNote_->hide();

  buttons_ = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
  buttons_->button(QDialogButtonBox::Save)->setText(isCreate() ? tr("Create") : tr("Save"));
  connect(buttons_, &QDialogButtonBox::accepted, this, &UserEditDialog::save);
  connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(sentNote_);
  layout->addWidget(generalError_);
  layout->addWidget(buttons_);
  setMinimumWidth(460);
}

void UserEditDialog::fill(const User& user) {
  displayNameEdit_->setText(user.displayName);
  emailEdit_->setText(user.email);
  roleCombo_->setCurrentIndex(qMax(0, roleCombo_->findData(user.role)));
  if (statusCombo_ != nullptr) statusCombo_->setCurrentIndex(qMax(0, statusCombo_->findData(user.status)));
}

QString UserEditDialog::fieldError(const QString& field) const {
  QLabel* label = errorLabels_.value(field);
  return label != nullptr && !label->isHidden() ? label->text() : QString();
}

QString UserEditDialog::generalError() const { return generalError_->isHidden() ? QString() : generalError_->text(); }

QJsonObject UserEditDialog::changes() const {
  QJsonObject changed;
  const User& before = *original_;
  if (displayNameEdit_->text() != before.displayName) changed.insert(QStringLiteral("displayName"), displayNameEdit_->text());
  if (emailEdit_->text().trimmed() != before.email) changed.insert(QStringLiteral("email"), emailEdit_->text().trimmed());
  if (roleCombo_->currentData().toString() != before.role) changed.insert(QStringLiteral("role"), roleCombo_->currentData().toString());
  if (statusCombo_->currentData().toString() != before.status) {
    changed.insert(QStringLiteral("status"), statusCombo_->currentData().toString());
  }
  return changed;
}

void UserEditDialog::save() {
  clearErrors();
  // Create mode: after a lost answer, the details then sent, exactly (the fields are read-only too).
  api::NewUser newUser;
  if (sent_) {
    newUser = *sent_;
  } else if (isCreate()) {
    newUser = {usernameEdit_->text().trimmed(), emailEdit_->text().trimmed(), passwordEdit_->text(),
               displayNameEdit_->text(), roleCombo_->currentData().toString()};
  }
  auto done = [this, newUser](const Result<User>& result) {
    setBusy(false);
    if (!result) {
      const ApiError& error = result.error();
      if (error.isStaleEdit()) {
        showStaleEdit(error);
      } else if (isCreate() && error.answerMayBeLost()) {
        // The account may exist with these details, the password among them: a retry under the key
        // must send them unchanged, as the gateway answers a repeat without comparing the password.
        lockSentDetails(newUser);
        showGeneralError(tr("No answer arrived (%1). The user may have been created already: press \"%2\" again to "
                            "retry. The gateway recognises the retry and does not create a second user.")
                             .arg(error.summary(), buttons_->button(QDialogButtonBox::Save)->text()),
                         QString());
      } else if (!isCreate() && error.answerMayBeLost()) {
        showLostEdit(error);
      } else if (isCreate() && error.fieldErrors.contains(QStringLiteral("idempotencyKey"))) {
        // The key's account was made by an earlier try whose answer was lost, with the details sent then.
        showGeneralError(tr("This dialog already created a user with the details it sent before (that answer was "
                            "lost), so the changed details were not used. Close it and refresh the list to find "
                            "that user."),
                         error.traceId);
      } else {
        showErrors(error);
      }
      return;
    }
    emit saved(result.value());
    accept();
  };
  if (isCreate()) {
    setBusy(true);
    api::createUser(client_, newUser, createKey_, this, done);
    return;
  }
  const QJsonObject changed = changes();
  if (changed.isEmpty()) {
    reject();
    return;
  }
  auto send = [this, changed, done] {
    setBusy(true);
    api::updateUser(client_, original_->id, original_->version, changed, this, done);
  };
  // A role or status change takes or gives rights (a disabled user cannot sign in): asked like the
  // list's own "Disable…", naming both values, since a slip in a combo box is easy to miss.
  const QString role = changed.value(QStringLiteral("role")).toString();
  const QString status = changed.value(QStringLiteral("status")).toString();
  if (role.isEmpty() && status.isEmpty()) {
    send();
    return;
  }
  QStringList lines{tr("Save these changes to %1?").arg(original_->username)};
  if (!role.isEmpty()) {
    lines << tr("Role: %1 → %2").arg(display::userRole(original_->role), display::userRole(role));
  }
  if (!status.isEmpty()) {
    lines << tr("Status: %1 → %2").arg(display::userStatus(original_->status), display::userStatus(status));
    if (status == QLatin1String("disabled")) lines << tr("They can no longer sign in; their history stays.");
  }
  confirmAction(this, tr("Change %1").arg(original_->username), lines.join(QLatin1Char('\n')), tr("Save"), send);
}

void UserEditDialog::reloadFromGateway() {
  if (isCreate()) return;
  setBusy(true);
  api::getUser(client_, original_->id, this, [this](const Result<User>& result) {
    setBusy(false);
    if (!result) {
      showErrors(result.error());
      return;
    }
    original_ = result.value();
    answerLost_ = false;
    fill(*original_);
    clearErrors();
    generalError_->setText(tr("Reloaded: this is the user as saved now (version %1).").arg(original_->version));
    generalError_->setStyleSheet(QString());
    generalError_->show();
  });
}

void UserEditDialog::lockSentDetails(const api::NewUser& sent) {
  if (sent_) return;
  sent_ = sent;
  for (QLineEdit* edit : {usernameEdit_, emailEdit_, displayNameEdit_, passwordEdit_}) edit->setReadOnly(true);
  roleCombo_->setEnabled(false);
  sentNote_->setText(tr("These details were sent already; the retry must send the same details (the password "
                        "too). Open a new dialog for another user."));
  sentNote_->show();
  buttons_->button(QDialogButtonBox::Save)->setFocus();
}

QMessageBox* UserEditDialog::askToReload(const QString& title, const QString& text, const QString& informative,
                                         const QString& traceId, const QString& objectName, const QString& keepText) {
  auto* box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::NoButton, this);
  box->setObjectName(objectName);
  box->setAttribute(Qt::WA_DeleteOnClose);
  box->setInformativeText(informative);
  if (!traceId.isEmpty()) box->setDetailedText(tr("Trace id: %1").arg(traceId));
  QPushButton* reload = box->addButton(tr("Reload"), QMessageBox::AcceptRole);
  reload->setObjectName(QStringLiteral("staleReloadButton"));
  box->addButton(keepText, QMessageBox::RejectRole);
  box->setDefaultButton(reload);
  connect(box, &QMessageBox::buttonClicked, this, [this, reload](QAbstractButton* button) {
    if (button == reload) reloadFromGateway();
  });
  box->open();
  return box;
}

void UserEditDialog::showStaleEdit(const ApiError& error) {
  if (staleDialog_ != nullptr) staleDialog_->close();
  // After a lost answer the version most likely moved on with that very save.
  const QString text = answerLost_ ? tr("%1 changed after you opened it, perhaps by your own earlier save whose answer was "
                                        "lost, so this edit was not saved again (nothing was overwritten).")
                                         .arg(original_->username)
                                   : tr("%1 was changed by someone else after you opened it, so your edit was not saved "
                                        "(nothing was overwritten).")
                                         .arg(original_->username);
  staleDialog_ = askToReload(answerLost_ ? tr("This user changed") : tr("Someone else changed this user"), text,
                             tr("Reload to see the current values, then make your change again."), error.traceId,
                             QStringLiteral("staleEditDialog"), tr("Keep my edits"));
}

void UserEditDialog::showLostEdit(const ApiError& error) {
  answerLost_ = true;
  if (lostAnswerDialog_ != nullptr) lostAnswerDialog_->close();
  lostAnswerDialog_ = askToReload(tr("The change may have been saved"),
                                  tr("No answer arrived (%1), so the console cannot tell whether your change to %2 was "
                                     "saved. It may well have been.")
                                      .arg(error.message, original_->username),
                                  tr("Reload to see %1 as saved now: if your change is there, nothing more is needed.")
                                      .arg(original_->username),
                                  error.traceId, QStringLiteral("lostAnswerDialog"), tr("Close"));
}

void UserEditDialog::showErrors(const ApiError& error) {
  QStringList unplaced;
  for (auto it = error.fieldErrors.cbegin(); it != error.fieldErrors.cend(); ++it) {
    if (QLabel* label = errorLabels_.value(it.key())) {
      label->setText(it.value());
      label->show();
    } else {
      unplaced << it.key() + QStringLiteral(": ") + it.value();
    }
  }
  QString text;
  if (error.fieldErrors.isEmpty() || !unplaced.isEmpty()) {
    text = error.message;
    if (!unplaced.isEmpty()) text += QLatin1Char('\n') + unplaced.join(QLatin1Char('\n'));
  } else {
    text = tr("Please correct the fields marked above.");
  }
  if (error.httpStatus == 409) text = tr("That username or email is already taken.") + QLatin1Char(' ') + error.message;
  showGeneralError(text, error.traceId);
  // Focus the first field with an error so it can be fixed at once.
  for (QLineEdit* edit : {usernameEdit_, displayNameEdit_, emailEdit_, passwordEdit_}) {
    if (edit == nullptr) continue;
    const QString field = edit == usernameEdit_ ? QStringLiteral("username")
                          : edit == displayNameEdit_ ? QStringLiteral("displayName")
                          : edit == emailEdit_ ? QStringLiteral("email")
                                               : QStringLiteral("password");
    if (error.fieldErrors.contains(field)) {
      edit->setFocus();
      break;
    }
  }
}

void UserEditDialog::showGeneralError(const QString& text, const QString& traceId) {
  generalError_->setStyleSheet(QStringLiteral("color: #d13d3d;"));
  generalError_->setText(traceId.isEmpty() ? text : text + QLatin1Char('\n') + tr("Trace id: %1").arg(traceId));
  generalError_->show();
}

void UserEditDialog::clearErrors() {
  for (QLabel* label : std::as_const(errorLabels_)) label->hide();
  generalError_->hide();
}

void UserEditDialog::reject() {
  if (busy_) return;
  QDialog::reject();
}

void UserEditDialog::setBusy(bool busy) {
  busy_ = busy;
  buttons_->button(QDialogButtonBox::Save)->setEnabled(!busy);
  if (QPushButton* cancel = buttons_->button(QDialogButtonBox::Cancel)) cancel->setEnabled(!busy);
  setCursor(busy ? Qt::BusyCursor : Qt::ArrowCursor);
}

}  // namespace fleetdeck::console
