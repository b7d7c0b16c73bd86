#include "common/task_executor.h"

#include <algorithm>

namespace cc::common {

TaskExecutor::TaskExecutor(std::size_t max_threads, std::size_t max_queued)
    : max_threads_(std::max<std::size_t>(1, max_threads)),
      max_queued_(max_queued),
      priority_(ThreadPriority::ofThisThread()) {
  workers_.reserve(max_threads_);
}

TaskExecutor::~TaskExecutor() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  // No submit() can add a worker now (stopping_), so the vector is stable.
  for (auto& t : workers_) t.join();
}

bool TaskExecutor::submit(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || queue_.size() >= max_queued_) return false;
    queue_.push_back(std::move(task));
    if (busy_ + queue_.size() > workers_.size() && workers_.size() < max_threads_) {
      workers_.emplace_back([this] { work(); });
    }
  }
  ready_.notify_one();
  return true;
}

std::size_t TaskExecutor::queued() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size();
}

std::size_t TaskExecutor::threads() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return workers_.size();
}

std::size_t TaskExecutor::busy() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return busy_;
}

void TaskExecutor::work() {
  priority_.takeHere();
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing left to run
    auto task = std::move(queue_.front());
    queue_.pop_front();
    ++busy_;
    lock.unlock();
    task();
    lock.lock();
    --busy_;
  }
}

}  // namespace cc::common
