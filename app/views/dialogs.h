// Small non-blocking dialogs (open(), never exec()): the event loop and the live stream keep running
// while a question is on screen, and tests can find and answer them.
#pragma once

#include <QString>
#include <functional>

class QInputDialog;
class QWidget;
class QMessageBox;

namespace fleetdeck::console {

// Asks before an action; `onAccept` runs only if the user confirms. Returns the open box.
QMessageBox* confirmAction(QWidget* parent, const QString& title, const QString& text, const QString& acceptText,
                           std::function<void()> onAccept);
// Asks for one line of text (a reason, a tracking number); `onAccept` gets the trimmed text, never empty.
void askText(QWidget* parent, const QString& title, const QString& label, const QString& initial,
             std::function<void(const QString&)> onAccept);
// Asks for an optional line of text (a comment) of at most `maxLength` characters; `onAccept` gets the
// trimmed text, possibly empty. Returns the open dialog.
QInputDialog* askOptionalText(QWidget* parent, const QString& title, const QString& label, int maxLength,
                              std::function<void(const QString&)> onAccept);
// An error that needs acknowledging: the message, and the trace id selectable for a bug report.
QMessageBox* showError(QWidget* parent, const QString& title, const QString& text, const QString& traceId = {});

}  // namespace fleetdeck::console
