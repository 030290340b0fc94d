#include "views/dialogs.h"

#include <QCoreApplication>
#include <QInputDialog>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>

namespace fleetdeck::console {

QMessageBox* confirmAction(QWidget* parent, const QString& title, const QString& text, const QString& acceptText,
                           std::function<void()> onAccept) {
  auto* box = new QMessageBox(QMessageBox::Question, title, text, QMessageBox::NoButton, parent);
  box->setObjectName(QStringLiteral("confirmDialog"));
  box->setAttribute(Qt::WA_DeleteOnClose);
  QPushButton* accept = box->addButton(acceptText, QMessageBox::AcceptRole);
  box->addButton(QMessageBox::Cancel);
  box->setDefaultButton(QMessageBox::Cancel);
  QObject::connect(box, &QMessageBox::buttonClicked, box, [box, accept, onAccept = std::move(onAccept)](QAbstractButton* button) {
    Q_UNUSED(box);
    if (button == accept) onAccept();
  });
  box->open();
  return box;
}

void askText(QWidget* parent, const QString& title, const QString& label, const QString& initial,
             std::function<void(const QString&)> onAccept) {
  auto* dialog = new QInputDialog(parent);
  dialog->setObjectName(QStringLiteral("askTextDialog"));
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->setWindowTitle(title);
  dialog->setLabelText(label);
  dialog->setTextValue(initial);
  QObject::connect(dialog, &QInputDialog::textValueSelected, dialog, [onAccept = std::move(onAccept)](const QString& text) {
    const QString trimmed = text.trimmed();
    if (!trimmed.isEmpty()) onAccept(trimmed);
  });
  dialog->open();
}

QInputDialog* askOptionalText(QWidget* parent, const QString& title, const QString& label, int maxLength,
                              std::function<void(const QString&)> onAccept) {
  auto* dialog = new QInputDialog(parent);
  dialog->setObjectName(QStringLiteral("askOptionalTextDialog"));
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->setWindowTitle(title);
  dialog->setLabelText(label);
  dialog->setTextValue(QString());  // creates the line edit
  if (auto* edit = dialog->findChild<QLineEdit*>()) edit->setMaxLength(maxLength);
  QObject::connect(dialog, &QInputDialog::textValueSelected, dialog,
                   [onAccept = std::move(onAccept), maxLength](const QString& text) {
                     onAccept(text.trimmed().left(maxLength));
                   });
  dialog->open();
  return dialog;
}

QMessageBox* showError(QWidget* parent, const QString& title, const QString& text, const QString& traceId) {
  auto* box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::Ok, parent);
  box->setObjectName(QStringLiteral("errorDialog"));
  box->setAttribute(Qt::WA_DeleteOnClose);
  box->setTextInteractionFlags(Qt::TextSelectableByMouse);
  if (!traceId.isEmpty()) box->setInformativeText(QCoreApplication::translate("Dialogs", "Trace id: %1").arg(traceId));
  box->open();
  return box;
}

}  // namespace fleetdeck::console
