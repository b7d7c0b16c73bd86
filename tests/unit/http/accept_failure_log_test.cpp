#include "http/accept_failure_log.h"

#include <gtest/gtest.h>

namespace cc::http {
namespace {

using namespace std::chrono_literals;

class AcceptFailureLogTest : public ::testing::Test {
 protected:
  common::FakeClock clock_;
  AcceptFailureLog log_{10s};
};

TEST_F(AcceptFailureLogTest, TheFirstFailureIsLoggedWithNothingSuppressed) {
  auto line = log_.failed(clock_.now());
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(*line, 0);
}

TEST_F(AcceptFailureLogTest, AFloodWithinAnIntervalIsOneLineThenOneWithTheCount) {
  ASSERT_TRUE(log_.failed(clock_.now()));
  // The measurement: about 500 failures in 10 s.
  int lines = 0;
  for (int i = 0; i < 493; ++i) {
    clock_.advance(20ms);
    if (log_.failed(clock_.now())) ++lines;
  }
  EXPECT_EQ(lines, 0) << "9.86 s of failures after the first line";
  clock_.advance(200ms);
  auto line = log_.failed(clock_.now());
  ASSERT_TRUE(line.has_value()) << "an interval has passed";
  EXPECT_EQ(*line, 493);
  clock_.advance(1s);
  EXPECT_FALSE(log_.failed(clock_.now())) << "the interval starts again at each line";
}

TEST_F(AcceptFailureLogTest, FlushReportsACountLeftWhenFailuresStopOnceTheIntervalHasPassed) {
  ASSERT_TRUE(log_.failed(clock_.now()));
  clock_.advance(1s);
  ASSERT_FALSE(log_.failed(clock_.now()));
  ASSERT_FALSE(log_.failed(clock_.now()));
  EXPECT_EQ(log_.flush(clock_.now()), 0) << "not before the interval is over";
  clock_.advance(9s);
  EXPECT_EQ(log_.flush(clock_.now()), 2);
  EXPECT_EQ(log_.flush(clock_.now()), 0) << "reported once";
  clock_.advance(1s);
  EXPECT_FALSE(log_.failed(clock_.now())) << "the flush was a line: it starts an interval";
  clock_.advance(10s);
  auto line = log_.failed(clock_.now());
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(*line, 1);
}

TEST_F(AcceptFailureLogTest, FlushWithNothingSuppressedSaysNothing) {
  EXPECT_EQ(log_.flush(clock_.now()), 0);
  ASSERT_TRUE(log_.failed(clock_.now()));
  clock_.advance(1h);
  EXPECT_EQ(log_.flush(clock_.now()), 0);
  auto line = log_.failed(clock_.now());
  ASSERT_TRUE(line.has_value()) << "long after the last line, a failure is logged at once";
  EXPECT_EQ(*line, 0);
}

}  // namespace
}  // namespace cc::http
