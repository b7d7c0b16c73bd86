#include "common/thread_priority.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

namespace cc::common {
namespace {

// Each on a thread of its own: a priority, once lowered, stays with the thread.
TEST(ThreadPriorityTest, AThreadMayLowerItsOwnPriorityAndOnlyItsOwn) {
  const int before = threadNice();
  std::thread([] {
    ASSERT_TRUE(setThreadNice(7).ok());
    EXPECT_EQ(threadNice(), 7);
  }).join();
  EXPECT_EQ(threadNice(), before) << "the other threads keep theirs";
}

TEST(ThreadPriorityTest, RaisingItNeedsThePrivilegeAndSaysSoWhenRefused) {
  std::thread([] {
    auto raised = setThreadNice(-5);
    if (::geteuid() == 0) {
      ASSERT_TRUE(raised.ok()) << raised.error().message;
      EXPECT_EQ(threadNice(), -5);
    } else if (!raised.ok()) {
      EXPECT_NE(raised.error().message.find("CAP_SYS_NICE"), std::string::npos)
          << raised.error().message;
      EXPECT_EQ(threadNice(), 0);
    }
  }).join();
}

#ifndef _WIN32
TEST(ThreadPriorityTest, ABatchThreadKeepsItsNiceValueAndOnlyItIsBatch) {
  const bool before = threadBatch();
  std::thread([] {
    ASSERT_TRUE(setThreadNice(6).ok());
    ASSERT_TRUE(setThreadBatch(true).ok());
    EXPECT_TRUE(threadBatch());
    EXPECT_EQ(threadNice(), 6) << "SCHED_BATCH keeps the nice value, and so the CPU share";
    ASSERT_TRUE(setThreadBatch(false).ok());
    EXPECT_FALSE(threadBatch());
    EXPECT_EQ(threadNice(), 6);
  }).join();
  EXPECT_EQ(threadBatch(), before) << "the other threads keep theirs";
}
#endif

// A thread started by a batch thread at nice 8 inherits both; taking another thread's priority
// gives it that one's instead.
TEST(ThreadPriorityTest, APriorityTakenHereReplacesTheOneInheritedFromTheCreator) {
  const ThreadPriority mine = ThreadPriority::ofThisThread();
  ThreadPriority seen{};
  std::thread([&] {
    ASSERT_TRUE(setThreadNice(8).ok());
    ASSERT_TRUE(setThreadBatch(true).ok());
    std::thread([&] {
      ThreadPriority{9, false}.takeHere();
      seen = ThreadPriority::ofThisThread();
    }).join();
  }).join();
  EXPECT_EQ(seen.nice, 9);
  EXPECT_FALSE(seen.batch);
  EXPECT_EQ(ThreadPriority::ofThisThread().nice, mine.nice);
}

}  // namespace
}  // namespace cc::common
