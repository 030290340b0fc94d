// FramePacer: runs queued GUI-thread work one item per frame tick, so that several charts whose data
// is ready together cost the event loop several short pauses instead of one long one.
#pragma once

#include <QList>
#include <QObject>
#include <QPointer>
#include <functional>

class QTimer;

namespace fleetdeck::console {

class FramePacer : public QObject {
  Q_OBJECT

 public:
  explicit FramePacer(QObject* parent = nullptr);

  // Runs `work` now when nothing is queued, else on a later tick. One item per owner: posting again
  // replaces the owner's queued item (its data is older). Items of destroyed owners are skipped.
  void post(QObject* owner, std::function<void()> work);
  // Forgets the owner's queued item, if any.
  void cancel(QObject* owner);
  bool isIdle() const { return queue_.isEmpty(); }

 private:
  struct Item {
    QPointer<QObject> owner;
    std::function<void()> work;
  };
  void runNext();

  QTimer* tick_;
  QList<Item> queue_;
};

}  // namespace fleetdeck::console
