#include "fleetdeck/core/work_pool.h"

#include <exception>

#include "fleetdeck/core/log.h"
#include "fleetdeck/core/thread_name.h"

namespace fleetdeck {

WorkPool::WorkPool(size_t threads, size_t queueCapacity, std::string name)
    : capacity_(queueCapacity), name_(std::move(name)) {
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) threads_.push_back(namedThread("work-" + name_, [this] { run(); }));
}

WorkPool::~WorkPool() { shutdown(); }

bool WorkPool::trySubmit(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= capacity_) return false;
    queue_.push_back(std::move(task));
  }
  wake_.notify_one();
  return true;
}

void WorkPool::shutdown() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

size_t WorkPool::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

bool WorkPool::stopping() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

void WorkPool::run() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    try {
      task();
    } catch (const std::exception& exception) {
      // A task must report its own errors; reaching here is a bug worth seeing, not a reason to die.
      log::error("work pool task threw", {{"pool", name_}, {"error", exception.what()}});
    }
  }
}

}  // namespace fleetdeck
