#include "breaker/circuit_breaker.h"

#include <gtest/gtest.h>

#include <sstream>
#include <thread>

namespace cc::breaker {
namespace {

using std::chrono::milliseconds;

class CircuitBreakerTest : public ::testing::Test {
 protected:
  CircuitBreakerTest() { config_.open_ms = 5000; }

  std::unique_ptr<CircuitBreaker> make() {
    auto b = std::make_unique<CircuitBreaker>("db", config_, clock_);
    b->setTransitionCallback([this](const std::string& name, BreakerState from, BreakerState to) {
      log_.push_back(name + ":" + std::string(stateName(from)) + "->" + std::string(stateName(to)));
    });
    return b;
  }
  static void fail(CircuitBreaker& b, int n) {
    for (int i = 0; i < n; ++i) {
      Permit p = b.allow();
      ASSERT_TRUE(p.allowed);
      b.onFailure(p);
    }
  }
  static void succeed(CircuitBreaker& b, int n) {
    for (int i = 0; i < n; ++i) {
      Permit p = b.allow();
      ASSERT_TRUE(p.allowed);
      b.onSuccess(p);
    }
  }

  common::FakeClock clock_;
  BreakerConfig config_;
  std::vector<std::string> log_;
};

TEST_F(CircuitBreakerTest, OpensAfterThresholdConsecutiveFailures) {
  auto b = make();
  fail(*b, 4);
  EXPECT_EQ(b->state(), BreakerState::kClosed);
  succeed(*b, 1);  // a success breaks the run
  fail(*b, 4);
  EXPECT_EQ(b->state(), BreakerState::kClosed);
  fail(*b, 1);
  EXPECT_EQ(b->state(), BreakerState::kOpen);
  auto c = b->counters();
  EXPECT_EQ(c.failures, 9u);
  EXPECT_EQ(c.successes, 1u);
  EXPECT_EQ(c.opened_total, 1u);
  EXPECT_EQ(log_, std::vector<std::string>{"db:closed->open"});
}

TEST_F(CircuitBreakerTest, OpenBreakerRefusesAtOnceWithRemainingOpenTime) {
  auto b = make();
  fail(*b, 5);
  Permit p = b->allow();
  EXPECT_FALSE(p.allowed);
  EXPECT_EQ(p.retry_after_s, 5);
  clock_.advance(milliseconds(3500));
  EXPECT_EQ(b->allow().retry_after_s, 2);  // 1.5 s left rounds up
  clock_.advance(milliseconds(1499));
  EXPECT_EQ(b->allow().retry_after_s, 1);  // 1 ms left is still a whole second
  EXPECT_EQ(b->counters().rejections, 3u);
  // A refused permit's outcome is meaningless and ignored.
  b->onFailure(p);
  EXPECT_EQ(b->counters().failures, 5u);
}

TEST_F(CircuitBreakerTest, HalfOpenLetsExactlyOneProbeThroughAndItsSuccessCloses) {
  auto b = make();
  fail(*b, 5);
  clock_.advance(milliseconds(5000));
  Permit probe = b->allow();
  EXPECT_TRUE(probe.allowed);
  EXPECT_TRUE(probe.probe);
  EXPECT_EQ(b->state(), BreakerState::kHalfOpen);
  for (int i = 0; i < 3; ++i) {
    Permit other = b->allow();
    EXPECT_FALSE(other.allowed);
    EXPECT_GE(other.retry_after_s, 1);
  }
  b->onSuccess(probe);
  EXPECT_EQ(b->state(), BreakerState::kClosed);
  EXPECT_TRUE(b->allow().allowed);
  auto c = b->counters();
  EXPECT_EQ(c.rejections, 3u);
  EXPECT_EQ(c.half_opened_total, 1u);
  EXPECT_EQ(c.closed_total, 1u);
  EXPECT_EQ(log_, (std::vector<std::string>{"db:closed->open", "db:open->half_open",
                                            "db:half_open->closed"}));
  // Closing starts afresh: four more failures are not enough.
  fail(*b, 4);
  EXPECT_EQ(b->state(), BreakerState::kClosed);
}

TEST_F(CircuitBreakerTest, FailedProbeReopensForAnotherFullPeriod) {
  auto b = make();
  fail(*b, 5);
  clock_.advance(milliseconds(5000));
  Permit probe = b->allow();
  ASSERT_TRUE(probe.probe);
  b->onFailure(probe);
  EXPECT_EQ(b->state(), BreakerState::kOpen);
  Permit refused = b->allow();
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_s, 5);
  EXPECT_EQ(b->counters().opened_total, 2u);
  clock_.advance(milliseconds(5000));
  EXPECT_TRUE(b->allow().probe);
}

TEST_F(CircuitBreakerTest, ProbeThatNeverReportsIsReplacedAfterOpenTime) {
  auto b = make();
  fail(*b, 5);
  clock_.advance(milliseconds(5000));
  ASSERT_TRUE(b->allow().probe);
  clock_.advance(milliseconds(4999));
  EXPECT_FALSE(b->allow().allowed);
  clock_.advance(milliseconds(1));
  EXPECT_TRUE(b->allow().probe);
}

TEST_F(CircuitBreakerTest, LateOutcomesFromBeforeATransitionChangeNothing) {
  auto b = make();
  Permit early = b->allow();
  fail(*b, 5);
  clock_.advance(milliseconds(5000));
  Permit probe = b->allow();
  ASSERT_TRUE(probe.probe);
  b->onSuccess(early);  // admitted while closed, reported while half-open
  EXPECT_EQ(b->state(), BreakerState::kHalfOpen);
  EXPECT_EQ(b->counters().successes, 1u);
  b->onFailure(probe);
  EXPECT_EQ(b->state(), BreakerState::kOpen);
}

TEST_F(CircuitBreakerTest, OpensWhenFailureRatioOverWindowIsReached) {
  config_.failure_threshold = 1000;
  config_.min_requests = 20;
  config_.failure_ratio = 0.5;
  config_.window_s = 10;
  auto b = make();
  // 19 calls, 10 failing (alternating): below min_requests, nothing happens.
  for (int i = 0; i < 19; ++i) {
    Permit p = b->allow();
    if (i % 2 == 0) {
      b->onFailure(p);
    } else {
      b->onSuccess(p);
    }
  }
  EXPECT_EQ(b->state(), BreakerState::kClosed);
  succeed(*b, 1);  // 20 calls, 10 failures: the ratio is checked on failures only
  EXPECT_EQ(b->state(), BreakerState::kClosed);
  fail(*b, 1);  // 21 calls, 11 failures: 0.52 >= 0.5
  EXPECT_EQ(b->state(), BreakerState::kOpen);
}

TEST_F(CircuitBreakerTest, RatioForgetsCallsOlderThanTheWindow) {
  config_.failure_threshold = 1000;
  config_.min_requests = 10;
  config_.failure_ratio = 0.5;
  config_.window_s = 10;
  auto b = make();
  fail(*b, 9);
  clock_.advance(std::chrono::seconds(10));  // those nine leave the window
  succeed(*b, 5);
  fail(*b, 4);
  EXPECT_EQ(b->state(), BreakerState::kClosed);  // 9 calls in the window
  fail(*b, 1);                                   // 10 calls, 5 failures
  EXPECT_EQ(b->state(), BreakerState::kOpen);
}

TEST_F(CircuitBreakerTest, ReconfigureKeepsStateAndAppliesNewSettings) {
  auto b = make();
  fail(*b, 5);
  BreakerConfig shorter = config_;
  shorter.open_ms = 1000;
  shorter.failure_threshold = 2;
  b->reconfigure(shorter);
  EXPECT_EQ(b->state(), BreakerState::kOpen);
  clock_.advance(milliseconds(5000));  // the current open period was set by the old value
  Permit probe = b->allow();
  b->onSuccess(probe);
  fail(*b, 2);
  EXPECT_EQ(b->state(), BreakerState::kOpen);
  EXPECT_EQ(b->allow().retry_after_s, 1);
}

TEST_F(CircuitBreakerTest, ConcurrentCallersSeeOneProbe) {
  auto b = make();
  fail(*b, 5);
  clock_.advance(milliseconds(5000));
  std::atomic<int> probes{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        if (b->allow().allowed) ++probes;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(probes.load(), 1);
  EXPECT_EQ(b->counters().rejections, 799u);
}

TEST_F(CircuitBreakerTest, FromConfigReadsTheTableKeys) {
  auto loaded = config::ConfigLoader::load("", {{"breaker.db.open_ms", "250"}});
  ASSERT_TRUE(loaded.ok());
  auto cfg = BreakerConfig::fromConfig(*loaded.config, "db");
  EXPECT_EQ(cfg.failure_threshold, 5);
  EXPECT_EQ(cfg.window_s, 10);
  EXPECT_EQ(cfg.min_requests, 20);
  EXPECT_DOUBLE_EQ(cfg.failure_ratio, 0.5);
  EXPECT_EQ(cfg.open_ms, 250);
  // The key table checks the values, once.
  auto bad = config::ConfigLoader::load("", {{"breaker.db.failure_ratio", "1.5"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.problems.front().rfind("breaker.db.failure_ratio: ", 0), 0u);
}

TEST_F(CircuitBreakerTest, AdminJson) {
  auto b = make();
  fail(*b, 5);
  b->allow();
  std::ostringstream out;
  b->toJson()->stringify(out);
  EXPECT_EQ(out.str(),
            "{\"name\":\"db\",\"state\":\"open\",\"since\":\"2023-11-14T22:13:20.000Z\","
            "\"retry_after_s\":5,\"successes\":0,\"failures\":5,\"rejections\":1,"
            "\"opened_total\":1,\"half_opened_total\":0,\"closed_total\":0,"
            "\"config\":{\"failure_threshold\":5,\"window_s\":10,\"min_requests\":20,"
            "\"failure_ratio\":0.5,\"open_ms\":5000}}");
}

}  // namespace
}  // namespace cc::breaker
