#include "views/frame_pacer.h"

#include <QTimer>

namespace fleetdeck::console {

FramePacer::FramePacer(QObject* parent) : QObject(parent), tick_(new QTimer(this)) {
  // About one 60 Hz frame: the paint of what the last item changed gets its turn in between.
  tick_->setInterval(16);
  connect(tick_, &QTimer::timeout, this, &FramePacer::runNext);
}

void FramePacer::post(QObject* owner, std::function<void()> work) {
  for (Item& item : queue_) {
    if (item.owner == owner) {
      item.work = std::move(work);
      return;
    }
  }
  queue_.append({owner, std::move(work)});
  if (!tick_->isActive()) {
    // Nothing ran lately: this one right away, anything posted meanwhile on the next ticks.
    runNext();
    tick_->start();
  }
}

void FramePacer::cancel(QObject* owner) {
  queue_.removeIf([owner](const Item& item) { return item.owner == owner; });
}

void FramePacer::runNext() {
  while (!queue_.isEmpty()) {
    const Item item = queue_.takeFirst();
    if (item.owner.isNull()) continue;
    item.work();
    return;
  }
  tick_->stop();  // a tick with nothing to do: the next post runs at once
}

}  // namespace fleetdeck::console
