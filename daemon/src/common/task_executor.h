#pragma once
// A fixed set of threads running submitted tasks from a bounded queue.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/thread_priority.h"

namespace cc::common {

/// Runs tasks on up to `max_threads` threads, started only when every running one is busy.
/// submit() never blocks: it refuses (returns false) when `max_queued` tasks already wait, so
/// overload is answered at once by the caller. Every thread runs at the priority (nice value and
/// wake-up policy, ThreadPriority) of the thread that built the executor, whichever thread's
/// submit() started it: a new thread
/// inherits its creator's priority, and the daemon's event loops, which submit most tasks, run
/// above the workers (http.event_loop_nice), so without this every worker would run at the
/// loops' priority, and level with the database writer (db.writer_nice). Thread-safe. The
/// destructor lets queued tasks finish, then joins.
class TaskExecutor {
 public:
  TaskExecutor(std::size_t max_threads, std::size_t max_queued);
  ~TaskExecutor();
  TaskExecutor(const TaskExecutor&) = delete;
  TaskExecutor& operator=(const TaskExecutor&) = delete;

  bool submit(std::function<void()> task);
  std::size_t queued() const;
  std::size_t busy() const;
  std::size_t threads() const;

 private:
  void work();
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> workers_;
  std::size_t max_threads_;
  std::size_t max_queued_;
  ThreadPriority priority_;  // the builder's, every worker's
  std::size_t busy_ = 0;
  bool stopping_ = false;
};

}  // namespace cc::common
