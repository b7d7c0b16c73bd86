#include "common/task_executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "common/thread_priority.h"

namespace cc::common {
namespace {

// A latch the tasks wait on, so the test decides when they finish.
struct Gate {
  std::mutex m;
  std::condition_variable cv;
  bool open = false;
  void wait() {
    std::unique_lock<std::mutex> l(m);
    cv.wait(l, [this] { return open; });
  }
  void release() {
    std::lock_guard<std::mutex> l(m);
    open = true;
    cv.notify_all();
  }
};

TEST(TaskExecutorTest, StartsThreadsOnlyWhenNeededUpToTheMaximum) {
  Gate gate;
  {
    TaskExecutor executor(3, 10);
    EXPECT_EQ(executor.threads(), 0u);
    std::atomic<int> ran{0};
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(executor.submit([&] {
        gate.wait();
        ++ran;
      }));
    }
    EXPECT_EQ(executor.threads(), 3u);
    gate.release();
  }  // the destructor lets every queued task finish
}

TEST(TaskExecutorTest, RefusesAtOnceWhenTheQueueIsFull) {
  Gate gate;
  std::atomic<int> ran{0};
  {
    TaskExecutor executor(1, 2);
    ASSERT_TRUE(executor.submit([&] {
      gate.wait();
      ++ran;
    }));
    // The single worker may not have taken the first task yet: fill the queue until refused.
    int accepted = 1;
    while (executor.submit([&] { ++ran; })) ++accepted;
    EXPECT_LE(accepted, 3);
    EXPECT_GE(accepted, 2);
    gate.release();
  }
  EXPECT_GE(ran.load(), 2);
}

// The daemon's event loops, above the workers, submit most tasks: a worker they start must not
// take their priority (a new thread inherits its creator's). Each priority is set on a thread of
// its own (lowering one needs no privilege; from a process already below them, raising needs it).
TEST(TaskExecutorTest, WorkersRunAtTheBuildersPriorityWhoeverStartsThem) {
  constexpr int kBuilder = 7;
  constexpr int kSubmitter = 9;
  std::unique_ptr<TaskExecutor> executor;
  std::thread([&] {
    if (setThreadNice(kBuilder).ok()) executor = std::make_unique<TaskExecutor>(2, 10);
  }).join();
  if (executor == nullptr) GTEST_SKIP() << "cannot set a thread's priority here";
  std::promise<int> seen;
  bool submitted = false;
  std::thread([&] {
    if (!setThreadNice(kSubmitter).ok()) return;
    submitted = executor->submit([&] { seen.set_value(threadNice()); });
  }).join();
  if (!submitted) GTEST_SKIP() << "cannot set the submitting thread's priority here";
  EXPECT_EQ(seen.get_future().get(), kBuilder);
  executor.reset();
}

#ifndef _WIN32
// The event loops are batch threads (http.event_loop_batch): a worker they start is not.
TEST(TaskExecutorTest, WorkersTakeTheBuildersWakeUpPolicyWhoeverStartsThem) {
  TaskExecutor executor(2, 10);  // built here, not batch
  ASSERT_FALSE(threadBatch());
  std::promise<bool> seen;
  std::thread([&] {
    ASSERT_TRUE(setThreadBatch(true).ok());
    ASSERT_TRUE(executor.submit([&] { seen.set_value(threadBatch()); }));
  }).join();
  EXPECT_FALSE(seen.get_future().get());
}
#endif

}  // namespace
}  // namespace cc::common
