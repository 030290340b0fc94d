// CommandPalette (Ctrl+K): every view and action by name; type a few letters, Enter runs it.
#pragma once

#include <QDialog>
#include <QList>
#include <QPointer>
#include <functional>

class QAction;
class QLineEdit;
class QListWidget;

namespace fleetdeck::console {

class CommandPalette : public QDialog {
  Q_OBJECT

 public:
  struct Entry {
    QString text;
    QString hint;  // shortcut or where it lives
    std::function<void()> run;
    // Also matched: "Sagas" finds "Go to Sagas" before "Sagas: Refresh".
    QString alias = {};
  };

  explicit CommandPalette(QWidget* parent = nullptr);

  void setEntries(QList<Entry> entries);
  static Entry fromAction(QAction* action, const QString& prefix = {});
  // Filters as if typed; returns the texts shown, best match first.
  QStringList filter(const QString& text);
  QStringList visibleTexts() const;

  // Scores a candidate for a typed pattern: higher is better, < 0 is no match. Prefix beats word start
  // beats substring beats letters in order.
  static int matchScore(const QString& candidate, const QString& pattern);

 public slots:
  void popup();
  void triggerCurrent();

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  QLineEdit* edit_;
  QListWidget* list_;
  QList<Entry> entries_;
};

}  // namespace fleetdeck::console
