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

}  // namespace
}  // namespace cc::common
