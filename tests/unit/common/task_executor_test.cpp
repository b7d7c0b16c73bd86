#include "common/task_executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

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

}  // namespace
}  // namespace cc::common
