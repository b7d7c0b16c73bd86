#include "middleware/breaker_stage.h"

#include <gtest/gtest.h>

#include <chrono>

#include "common/clock.h"

namespace cc::middleware {
namespace {

using breaker::BreakerState;

class BreakerStageTest : public ::testing::Test {
 protected:
  BreakerStageTest() : breaker_("db", config(), clock_) { route_.options.uses_store = true; }

  static breaker::BreakerConfig config() {
    breaker::BreakerConfig c;
    c.failure_threshold = 2;
    c.open_ms = 1000;
    return c;
  }

  // One request through the stage: the stage's own reply, or the handler's with `error_code`.
  http::Reply pass(BreakerStage& stage, std::optional<common::ErrorCode> error_code) {
    http::RequestContext ctx;
    ctx.deadline = clock_.now() + std::chrono::seconds(5);
    if (auto refused = stage.onRequest(ctx, &route_)) return *refused;
    http::Reply reply = http::Reply::json(error_code ? 503 : 200, "{}");
    reply.error_code = error_code;
    stage.onReply(ctx, reply);
    return reply;
  }

  void openBreaker(BreakerStage& stage) {
    pass(stage, common::ErrorCode::kDependencyUnavailable);
    pass(stage, common::ErrorCode::kDependencyUnavailable);
    ASSERT_EQ(breaker_.state(), BreakerState::kOpen);
  }

  common::FakeClock clock_;
  breaker::CircuitBreaker breaker_;
  http::Route route_;
};

TEST_F(BreakerStageTest, FullDiskAndPoolExhaustionNeverOpenTheBreaker) {
  BreakerStage stage(breaker_);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(pass(stage, common::ErrorCode::kInsufficientStorage).error_code,
              common::ErrorCode::kInsufficientStorage);
    EXPECT_EQ(pass(stage, common::ErrorCode::kDbPoolExhausted).error_code,
              common::ErrorCode::kDbPoolExhausted);
  }
  EXPECT_EQ(breaker_.state(), BreakerState::kClosed);
  EXPECT_EQ(breaker_.counters().failures, 0u);
  EXPECT_EQ(breaker_.counters().successes, 10u);
}

TEST_F(BreakerStageTest, StoreFailuresAndTimeoutsOpenIt) {
  BreakerStage stage(breaker_);
  pass(stage, common::ErrorCode::kTimeout);
  pass(stage, common::ErrorCode::kDependencyUnavailable);
  EXPECT_EQ(breaker_.state(), BreakerState::kOpen);
  http::Reply refused = pass(stage, std::nullopt);
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.error_code, common::ErrorCode::kDependencyUnavailable);
  EXPECT_EQ(breaker_.counters().rejections, 1u);
}

TEST_F(BreakerStageTest, AFailingWriteProbeKeepsItOpenEvenForAReadThatWouldSucceed) {
  int probes = 0;
  common::Status verdict =
      common::Error::unavailable(common::ErrorCode::kDependencyUnavailable, "readonly database");
  BreakerStage stage(breaker_, [&](common::SteadyTime) {
    ++probes;
    return verdict;
  });
  openBreaker(stage);
  EXPECT_EQ(probes, 0) << "no probe while the breaker is closed";

  clock_.advance(std::chrono::milliseconds(1000));
  http::Reply probe = pass(stage, std::nullopt);  // a read that would have succeeded
  EXPECT_EQ(probes, 1);
  EXPECT_EQ(probe.status, 503);
  EXPECT_EQ(probe.error_code, common::ErrorCode::kDependencyUnavailable);
  EXPECT_NE(probe.body.find("readonly database"), std::string::npos) << probe.body;
  EXPECT_EQ(breaker_.state(), BreakerState::kOpen);

  verdict = common::Ok{};
  clock_.advance(std::chrono::milliseconds(1000));
  EXPECT_EQ(pass(stage, std::nullopt).status, 200);
  EXPECT_EQ(probes, 2);
  EXPECT_EQ(breaker_.state(), BreakerState::kClosed);
  EXPECT_EQ(pass(stage, std::nullopt).status, 200);
  EXPECT_EQ(probes, 2) << "only the half-open probe pays for a write";
}

// A request that may be the half-open probe writes to the store before its handler: while the
// breaker is not closed, a store route's request is one that may wait (an event loop then hands
// it to a worker); closed, and for routes without the store, it is not.
TEST_F(BreakerStageTest, AStoreRequestMayWaitOnlyWhileTheBreakerIsNotClosed) {
  BreakerStage stage(breaker_, [](common::SteadyTime) -> common::Status { return common::Ok{}; });
  http::RequestContext ctx;
  http::Route memory;
  EXPECT_FALSE(stage.mayWait(ctx, &route_));
  openBreaker(stage);
  EXPECT_TRUE(stage.mayWait(ctx, &route_));
  EXPECT_FALSE(stage.mayWait(ctx, &memory));
  EXPECT_FALSE(stage.mayWait(ctx, nullptr));
  clock_.advance(std::chrono::milliseconds(1000));
  EXPECT_TRUE(stage.mayWait(ctx, &route_)) << "open past open_ms: the next one is the probe";
  EXPECT_EQ(pass(stage, std::nullopt).status, 200);
  EXPECT_FALSE(stage.mayWait(ctx, &route_)) << "closed again";
  BreakerStage without_probe(breaker_);
  openBreaker(without_probe);
  EXPECT_FALSE(without_probe.mayWait(ctx, &route_)) << "no probe to write: nothing waits";
}

TEST_F(BreakerStageTest, AProbeThatFindsTheDiskFullLetsTheRequestDecide) {
  BreakerStage stage(breaker_, [](common::SteadyTime) -> common::Status {
    return common::Error::unavailable(common::ErrorCode::kInsufficientStorage, "disk full");
  });
  openBreaker(stage);
  clock_.advance(std::chrono::milliseconds(1000));
  EXPECT_EQ(pass(stage, std::nullopt).status, 200);
  EXPECT_EQ(breaker_.state(), BreakerState::kClosed);
}

}  // namespace
}  // namespace cc::middleware
