// A flat tool button for an action that also follows the action's visibility: hiding an edit action
// from an operator hides its button too (QToolButton alone keeps showing it).
#pragma once

#include <QAction>
#include <QToolButton>

namespace fleetdeck::console {

inline QToolButton* actionButton(QAction* action, QWidget* parent, bool textBesideIcon = true) {
  auto* button = new QToolButton(parent);
  button->setDefaultAction(action);
  button->setToolButtonStyle(textBesideIcon ? Qt::ToolButtonTextBesideIcon : Qt::ToolButtonIconOnly);
  button->setAutoRaise(true);
  button->setVisible(action->isVisible());
  QObject::connect(action, &QAction::visibleChanged, button, [button, action] { button->setVisible(action->isVisible()); });
  return button;
}

}  // namespace fleetdeck::console
