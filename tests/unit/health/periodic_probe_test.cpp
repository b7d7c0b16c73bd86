#include "health/periodic_probe.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "unit/eventually.h"

namespace cc::health {
namespace {

using common::Error;
using std::chrono::milliseconds;

class PeriodicProbeTest : public ::testing::Test {
 protected:
  // A probe that answers what `next_` says and records the deadline it was given.
  PeriodicProbe::Probe scripted() {
    return [this](common::SteadyTime deadline) -> common::Status {
      deadlines_.push_back(deadline);
      return next_;
    };
  }
  common::FakeClock clock_;
  common::Status next_ = common::Ok{};
  std::vector<common::SteadyTime> deadlines_;
};

TEST_F(PeriodicProbeTest, TheCheckReportsTheLatestOutcomeAndSinceWhenItFails) {
  PeriodicProbe probe("SELECT 1 on db", scripted(), clock_,
                      {milliseconds(1000), milliseconds(300)});
  std::vector<bool> transitions;
  probe.setTransitionCallback([&](const common::Status& st) { transitions.push_back(st.ok()); });
  CheckResult before = probe.check(clock_.now());
  EXPECT_EQ(before.status, HealthStatus::kPass);
  EXPECT_EQ(before.output, "SELECT 1 on db: first probe running");

  probe.probeOnce();
  ASSERT_EQ(deadlines_.size(), 1U);
  EXPECT_EQ(deadlines_[0], clock_.now() + milliseconds(300)) << "the timeout is its deadline";
  clock_.advance(milliseconds(400));
  CheckResult up = probe.check(clock_.now());
  EXPECT_EQ(up.status, HealthStatus::kPass);
  EXPECT_EQ(up.output, "SELECT 1 on db answered 0.4 s ago (asked every 1000 ms)");

  next_ = Error::dependencyUnavailable("cannot connect: refused");
  const std::string since = common::formatIsoTime(clock_.wallMillis());
  probe.probeOnce();
  clock_.advance(milliseconds(1000));
  probe.probeOnce();
  CheckResult down = probe.check(clock_.now());
  EXPECT_EQ(down.status, HealthStatus::kFail);
  EXPECT_EQ(down.output, "SELECT 1 on db: cannot connect: refused; failing since " + since +
                             " (2 failed probes)");
  ProbeStats stats = probe.stats();
  EXPECT_FALSE(stats.up);
  EXPECT_EQ(stats.probes_total, 3U);
  EXPECT_EQ(stats.failures_total, 2U);

  next_ = common::Ok{};
  probe.probeOnce();
  EXPECT_EQ(probe.check(clock_.now()).status, HealthStatus::kPass);
  EXPECT_TRUE(probe.stats().up);
  EXPECT_EQ(transitions, (std::vector<bool>{false, true})) << "once each way, not per failure";
}

TEST_F(PeriodicProbeTest, AProbeRunningPastItsTimeoutFailsTheCheckWithoutBeingWaitedFor) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<bool> entered{false};
  PeriodicProbe probe("SELECT 1 on db",
                      [&](common::SteadyTime) -> common::Status {
                        entered = true;
                        std::unique_lock<std::mutex> lock(mu);
                        cv.wait(lock, [&] { return release; });
                        return common::Ok{};
                      },
                      clock_, {milliseconds(1000), milliseconds(500)});
  std::thread prober([&] { probe.probeOnce(); });
  ASSERT_TRUE(testing::eventually([&] { return entered.load(); }));
  EXPECT_EQ(probe.check(clock_.now()).status, HealthStatus::kPass) << "within its time";
  clock_.advance(milliseconds(1500));
  CheckResult stuck = probe.check(clock_.now());
  EXPECT_EQ(stuck.status, HealthStatus::kFail);
  EXPECT_EQ(stuck.output, "SELECT 1 on db: no answer for 1.5 s (the probe's limit is 500 ms)");
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  prober.join();
  EXPECT_EQ(probe.check(clock_.now()).status, HealthStatus::kPass);
}

TEST_F(PeriodicProbeTest, AnExceptionOutOfTheProbeIsAFailedProbe) {
  PeriodicProbe probe(
      "SELECT 1 on db",
      [](common::SteadyTime) -> common::Status { throw std::runtime_error("boom"); }, clock_, {});
  probe.probeOnce();
  CheckResult down = probe.check(clock_.now());
  EXPECT_EQ(down.status, HealthStatus::kFail);
  EXPECT_NE(down.output.find("probe failed: boom"), std::string::npos) << down.output;
}

TEST_F(PeriodicProbeTest, TheThreadProbesAtOnceThenEachIntervalAndStopsPromptly) {
  std::atomic<int> probes{0};
  PeriodicProbe probe("SELECT 1 on db",
                      [&](common::SteadyTime) -> common::Status {
                        ++probes;
                        return common::Ok{};
                      },
                      clock_, {milliseconds(10), milliseconds(10)});
  probe.start();
  ASSERT_TRUE(testing::eventually([&] { return probes.load() >= 3; }));
  probe.stop();
  const int after_stop = probes.load();
  EXPECT_EQ(probe.stats().probes_total, static_cast<uint64_t>(after_stop));
  probe.start();  // a stopped probe stays stopped
  probe.stop();
  EXPECT_EQ(probes.load(), after_stop);
}

TEST_F(PeriodicProbeTest, ChecksNeverRunTheProbe) {
  PeriodicProbe probe("SELECT 1 on db", scripted(), clock_, {});
  for (int i = 0; i < 1000; ++i) probe.check(clock_.now());
  EXPECT_TRUE(deadlines_.empty());
  EXPECT_EQ(probe.stats().probes_total, 0U);
}

}  // namespace
}  // namespace cc::health
