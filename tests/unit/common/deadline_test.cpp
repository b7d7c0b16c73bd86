#include "common/deadline.h"

#include <gtest/gtest.h>

namespace cc::common {
namespace {

using std::chrono::milliseconds;

class DeadlineTest : public ::testing::Test {
 protected:
  FakeClock clock_;
};

TEST_F(DeadlineTest, RemainingCountsDownToZeroAndExpires) {
  auto d = Deadline::after(clock_, milliseconds(100));
  EXPECT_EQ(d.remaining(), milliseconds(100));
  EXPECT_FALSE(d.expired());
  clock_.advance(milliseconds(60));
  EXPECT_EQ(d.remaining(), milliseconds(40));
  clock_.advance(milliseconds(40));
  EXPECT_TRUE(d.expired());
  EXPECT_TRUE(d.done());
  clock_.advance(milliseconds(40));
  EXPECT_EQ(d.remaining(), milliseconds(0));
}

TEST_F(DeadlineTest, CopiesShareTheCancellationFlag) {
  auto request = Deadline::after(clock_, milliseconds(100));
  Deadline worker = request;
  EXPECT_FALSE(worker.done());
  request.cancel();
  EXPECT_TRUE(worker.cancelled());
  EXPECT_TRUE(worker.done());
  EXPECT_FALSE(worker.expired());
  auto unrelated = Deadline::after(clock_, milliseconds(100));
  EXPECT_FALSE(unrelated.cancelled());
}

TEST_F(DeadlineTest, NeverExpires) {
  auto d = Deadline::never(clock_);
  clock_.advance(std::chrono::hours(24 * 365));
  EXPECT_FALSE(d.expired());
  EXPECT_EQ(d.remaining(), Millis::max());
}

}  // namespace
}  // namespace cc::common
