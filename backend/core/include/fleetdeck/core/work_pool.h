// A bounded pool of worker threads for blocking work (database calls) handed off by async handlers.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace fleetdeck {

class WorkPool {
 public:
  WorkPool(size_t threads, size_t queueCapacity, std::string name);
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Queues the task; false when the queue is full or the pool is stopping (the caller answers
  // RESOURCE_EXHAUSTED / UNAVAILABLE instead of piling up unbounded work).
  [[nodiscard]] bool trySubmit(std::function<void()> task);

  // Stops taking work, runs what is queued, joins the threads. Idempotent.
  void shutdown();

  size_t queued() const;
  // True once shutdown() has begun: trySubmit refuses everything from then on.
  bool stopping() const;
  size_t threadCount() const { return threads_.size(); }

 private:
  void run();

  const size_t capacity_;
  const std::string name_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace fleetdeck
