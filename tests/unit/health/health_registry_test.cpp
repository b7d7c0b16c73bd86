#include "health/health_registry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace cc::health {
namespace {

class HealthRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_.add(
        "store", [this] { return store_; }, true);
    registry_.add(
        "collector", [this] { return collector_; }, false);
    registry_.setStarted(true);
  }
  // What the answer must be: the report rendered by toJson.
  void expectAnswersMatchReports() {
    EXPECT_EQ(registry_.healthAnswer(1.5).body, HealthRegistry::toJson(registry_.health(), 1.5));
    EXPECT_EQ(registry_.readinessAnswer(1.5).body,
              HealthRegistry::toJson(registry_.readiness(), 1.5));
  }
  HealthRegistry registry_;
  CheckResult store_{HealthStatus::kPass, "pool 0/50 in use"};
  CheckResult collector_{HealthStatus::kPass, "ok"};
};

TEST_F(HealthRegistryTest, TheAnswerHasTheExactBodyOfTheReport) {
  collector_.output = "quote \" backslash \\ newline \n";
  HealthAnswer answer = registry_.healthAnswer(12.3456);
  EXPECT_EQ(answer.status, HealthStatus::kPass);
  EXPECT_EQ(answer.body, "{\"status\":\"pass\",\"version\":\"" CC_VERSION
                         "\",\"uptime_s\":12.346,\"checks\":{"
                         "\"lifecycle\":{\"status\":\"pass\",\"output\":\"serving\"},"
                         "\"store\":{\"status\":\"pass\",\"output\":\"pool 0/50 in use\"},"
                         "\"collector\":{\"status\":\"pass\",\"output\":"
                         "\"quote \\\" backslash \\\\ newline \\n\"}}}");
  EXPECT_EQ(answer.body, HealthRegistry::toJson(registry_.health(), 12.3456));
  EXPECT_EQ(registry_.readinessAnswer(0.0).body,
            "{\"status\":\"pass\",\"version\":\"" CC_VERSION
            "\",\"uptime_s\":0.000,\"checks\":{"
            "\"lifecycle\":{\"status\":\"pass\",\"output\":\"serving\"},"
            "\"store\":{\"status\":\"pass\",\"output\":\"pool 0/50 in use\"}}}");
}

TEST_F(HealthRegistryTest, AFailureShowsInTheVeryNextAnswer) {
  // Answered twice the same first, so that the check's JSON is the one kept from before.
  registry_.healthAnswer(1);
  ASSERT_EQ(registry_.healthAnswer(1).status, HealthStatus::kPass);
  ASSERT_EQ(registry_.readinessAnswer(1).status, HealthStatus::kPass);

  store_ = {HealthStatus::kFail, "circuit breaker open: the store is failing"};
  HealthAnswer health = registry_.healthAnswer(1);
  EXPECT_EQ(health.status, HealthStatus::kFail);
  EXPECT_NE(health.body.find("\"store\":{\"status\":\"fail\",\"output\":\"circuit breaker open"),
            std::string::npos)
      << health.body;
  EXPECT_EQ(registry_.readinessAnswer(1).status, HealthStatus::kFail);
  expectAnswersMatchReports();

  store_ = {HealthStatus::kPass, "pool 0/50 in use"};
  EXPECT_EQ(registry_.healthAnswer(1).status, HealthStatus::kPass);
  EXPECT_EQ(registry_.readinessAnswer(1).status, HealthStatus::kPass);
  expectAnswersMatchReports();
}

TEST_F(HealthRegistryTest, AChangedOutputWithTheSameStatusIsAnsweredAsItIsNow) {
  registry_.healthAnswer(1);
  store_.output = "pool 7/50 in use";
  EXPECT_NE(registry_.healthAnswer(1).body.find("pool 7/50 in use"), std::string::npos);
  store_.output = "pool 0/50 in use";
  EXPECT_NE(registry_.healthAnswer(1).body.find("pool 0/50 in use"), std::string::npos);
  expectAnswersMatchReports();
}

TEST_F(HealthRegistryTest, AWarningOrANonGatingFailureKeepsTheDaemonReady) {
  store_ = {HealthStatus::kWarn, "disk full"};
  collector_ = {HealthStatus::kFail, "stale"};
  EXPECT_EQ(registry_.healthAnswer(1).status, HealthStatus::kFail);
  HealthAnswer ready = registry_.readinessAnswer(1);
  EXPECT_EQ(ready.status, HealthStatus::kPass);
  EXPECT_EQ(ready.body.find("collector"), std::string::npos) << ready.body;
  expectAnswersMatchReports();
}

TEST_F(HealthRegistryTest, TheLifecycleIsAnsweredAsItIsNow) {
  registry_.setStarted(false);
  EXPECT_EQ(registry_.healthAnswer(1).status, HealthStatus::kFail);
  EXPECT_EQ(registry_.readinessAnswer(1).status, HealthStatus::kFail);
  expectAnswersMatchReports();
  registry_.setStarted(true);
  registry_.setDraining(true);
  HealthAnswer health = registry_.healthAnswer(1);
  EXPECT_EQ(health.status, HealthStatus::kWarn) << "the process is still healthy while it drains";
  EXPECT_NE(health.body.find("\"lifecycle\":{\"status\":\"warn\",\"output\":\"draining"),
            std::string::npos)
      << health.body;
  EXPECT_EQ(registry_.readinessAnswer(1).status, HealthStatus::kFail);
  expectAnswersMatchReports();
}

TEST_F(HealthRegistryTest, ACheckAddedLaterIsInTheNextAnswer) {
  registry_.healthAnswer(1);
  registry_.add(
      "overload",
      [] {
        return CheckResult{HealthStatus::kWarn, "shedding"};
      },
      false);
  HealthAnswer health = registry_.healthAnswer(1);
  EXPECT_EQ(health.status, HealthStatus::kWarn);
  EXPECT_NE(health.body.find("\"overload\":{\"status\":\"warn\",\"output\":\"shedding\"}}}"),
            std::string::npos)
      << health.body;
  expectAnswersMatchReports();
}

// The JSON a thread keeps of each check is its own check's: a readiness answer leaves the
// non-gating checks out, so the same place holds another check there, whose output may read the
// same; and a thread answering for two registries keeps neither's for the other.
TEST_F(HealthRegistryTest, AKeptCheckIsReusedOnlyForTheSameCheck) {
  HealthRegistry other;
  other.add(
      "ungated",
      [] {
        return CheckResult{HealthStatus::kPass, "ok"};
      },
      false);
  other.add(
      "gated",
      [] {
        return CheckResult{HealthStatus::kPass, "ok"};
      },
      true);
  other.setStarted(true);
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(other.healthAnswer(1).body, HealthRegistry::toJson(other.health(), 1));
    EXPECT_EQ(other.readinessAnswer(1).body, HealthRegistry::toJson(other.readiness(), 1));
    expectAnswersMatchReports();
  }
}

TEST_F(HealthRegistryTest, ThreadsAnsweringAtOnceEachGetTheResultTheirChecksGave) {
  std::atomic<int> calls{0};
  registry_.add(
      "flapping",
      [&calls] {
        return calls++ % 2 == 0 ? CheckResult{HealthStatus::kPass, "even"}
                                : CheckResult{HealthStatus::kWarn, "odd"};
      },
      false);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        HealthAnswer a = registry_.healthAnswer(1);
        bool even = a.body.find("\"flapping\":{\"status\":\"pass\",\"output\":\"even\"}") !=
                    std::string::npos;
        bool odd = a.body.find("\"flapping\":{\"status\":\"warn\",\"output\":\"odd\"}") !=
                   std::string::npos;
        if (even == odd || (a.status == HealthStatus::kWarn) != odd) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace cc::health
