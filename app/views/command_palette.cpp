#include "views/command_palette.h"

#include <QAction>
#include <QKeyEvent>
#include <QLineEdit>
#include <QListWidget>
#include <QVBoxLayout>
#include <algorithm>

namespace fleetdeck::console {

CommandPalette::CommandPalette(QWidget* parent) : QDialog(parent), edit_(new QLineEdit(this)), list_(new QListWidget(this)) {
  setObjectName(QStringLiteral("commandPalette"));
  setWindowTitle(tr("Command palette"));
  setWindowFlag(Qt::FramelessWindowHint);
  edit_->setObjectName(QStringLiteral("commandPaletteEdit"));
  edit_->setPlaceholderText(tr("Type a view or an action…"));
  list_->setObjectName(QStringLiteral("commandPaletteList"));
  list_->setUniformItemSizes(true);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(8, 8, 8, 8);
  layout->addWidget(edit_);
  layout->addWidget(list_);
  resize(520, 360);
  edit_->installEventFilter(this);
  connect(edit_, &QLineEdit::textChanged, this, [this](const QString& text) { filter(text); });
  connect(edit_, &QLineEdit::returnPressed, this, &CommandPalette::triggerCurrent);
  connect(list_, &QListWidget::itemActivated, this, &CommandPalette::triggerCurrent);
}

CommandPalette::Entry CommandPalette::fromAction(QAction* action, const QString& prefix) {
  QString text = action->text();
  text.remove(QLatin1Char('&'));
  if (text.endsWith(QStringLiteral("…"))) text.chop(1);
  if (!prefix.isEmpty()) text = prefix + QStringLiteral(": ") + text;
  QPointer<QAction> guard(action);
  return Entry{text, action->shortcut().toString(QKeySequence::NativeText), [guard] {
                 if (guard && guard->isEnabled()) guard->trigger();
               }};
}

void CommandPalette::setEntries(QList<Entry> entries) {
  entries_ = std::move(entries);
  filter(edit_->text());
}

int CommandPalette::matchScore(const QString& candidate, const QString& pattern) {
  if (pattern.isEmpty()) return 0;
  const QString text = candidate.toCaseFolded();
  const QString needle = pattern.toCaseFolded().trimmed();
  if (text.startsWith(needle)) return 1000 - static_cast<int>(text.size());
  const qsizetype at = text.indexOf(needle);
  if (at > 0) {
    const QChar before = text.at(at - 1);
    return (before.isSpace() || before == u':' ? 800 : 600) - static_cast<int>(at);
  }
  // Letters in order ("usr" finds "Users"); tighter spreads score higher.
  qsizetype position = 0;
  qsizetype first = -1;
  for (const QChar c : needle) {
    if (c.isSpace()) continue;
    position = text.indexOf(c, position);
    if (position < 0) return -1;
    if (first < 0) first = position;
    ++position;
  }
  return 300 - static_cast<int>(position - first);
}

QStringList CommandPalette::filter(const QString& text) {
  QList<QPair<int, int>> ranked;  // score, entry index
  for (int i = 0; i < entries_.size(); ++i) {
    int score = matchScore(entries_[i].text, text);
    if (!entries_[i].alias.isEmpty()) {
      if (const int aliasScore = matchScore(entries_[i].alias, text); aliasScore >= 0) score = qMax(score, aliasScore + 1);
    }
    if (score >= 0) ranked.append({score, i});
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  list_->clear();
  for (const auto& [score, index] : ranked) {
    auto* item = new QListWidgetItem(entries_[index].hint.isEmpty() ? entries_[index].text
                                                                    : entries_[index].text + QStringLiteral("    ") + entries_[index].hint,
                                     list_);
    item->setData(Qt::UserRole, index);
  }
  if (list_->count() > 0) list_->setCurrentRow(0);
  return visibleTexts();
}

QStringList CommandPalette::visibleTexts() const {
  QStringList texts;
  for (int row = 0; row < list_->count(); ++row) texts << entries_[list_->item(row)->data(Qt::UserRole).toInt()].text;
  return texts;
}

void CommandPalette::popup() {
  edit_->clear();
  filter(QString());
  if (QWidget* window = parentWidget()) {
    const QRect area = window->geometry();
    move(area.center().x() - width() / 2, area.top() + 80);
  }
  show();
  raise();
  activateWindow();
  edit_->setFocus();
}

void CommandPalette::triggerCurrent() {
  QListWidgetItem* item = list_->currentItem();
  if (item == nullptr) return;
  const Entry entry = entries_.value(item->data(Qt::UserRole).toInt());
  hide();
  if (entry.run) entry.run();
}

bool CommandPalette::eventFilter(QObject* watched, QEvent* event) {
  if (watched == edit_ && event->type() == QEvent::KeyPress) {
    auto* key = static_cast<QKeyEvent*>(event);
    if (key->key() == Qt::Key_Down || key->key() == Qt::Key_Up) {
      const int step = key->key() == Qt::Key_Down ? 1 : -1;
      const int row = qBound(0, list_->currentRow() + step, list_->count() - 1);
      list_->setCurrentRow(row);
      return true;
    }
  }
  return QDialog::eventFilter(watched, event);
}

}  // namespace fleetdeck::console
