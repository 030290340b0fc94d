#include "views/theme.h"

#include <QApplication>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>

namespace fleetdeck::console {
namespace {
bool darkActive = false;

QPalette darkPalette() {
  QPalette p;
  const QColor window(0x23, 0x26, 0x2b);
  const QColor base(0x1b, 0x1e, 0x22);
  const QColor text(0xe6, 0xe8, 0xeb);
  const QColor disabledText(0x7d, 0x84, 0x8c);
  p.setColor(QPalette::Window, window);
  p.setColor(QPalette::WindowText, text);
  p.setColor(QPalette::Base, base);
  p.setColor(QPalette::AlternateBase, QColor(0x26, 0x2a, 0x30));
  p.setColor(QPalette::ToolTipBase, QColor(0x30, 0x34, 0x3a));
  p.setColor(QPalette::ToolTipText, text);
  p.setColor(QPalette::PlaceholderText, disabledText);
  p.setColor(QPalette::Text, text);
  p.setColor(QPalette::Button, QColor(0x2d, 0x31, 0x37));
  p.setColor(QPalette::ButtonText, text);
  p.setColor(QPalette::BrightText, QColor(0xff, 0x6b, 0x6b));
  p.setColor(QPalette::Link, QColor(0x6c, 0xa6, 0xff));
  p.setColor(QPalette::Highlight, QColor(0x2f, 0x6f, 0xd6));
  p.setColor(QPalette::HighlightedText, Qt::white);
  p.setColor(QPalette::Mid, QColor(0x3a, 0x3f, 0x46));
  p.setColor(QPalette::Dark, QColor(0x15, 0x17, 0x1a));
  p.setColor(QPalette::Disabled, QPalette::Text, disabledText);
  p.setColor(QPalette::Disabled, QPalette::WindowText, disabledText);
  p.setColor(QPalette::Disabled, QPalette::ButtonText, disabledText);
  return p;
}

}  // namespace

void applyTheme(const QString& theme) {
  if (QStyle* fusion = QStyleFactory::create(QStringLiteral("Fusion"))) QApplication::setStyle(fusion);
  darkActive = theme == QLatin1String("dark");
  QApplication::setPalette(darkActive ? darkPalette() : QApplication::style()->standardPalette());
}

bool isDarkTheme() { return darkActive; }

}  // namespace fleetdeck::console
