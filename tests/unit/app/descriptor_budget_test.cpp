#include "app/descriptor_budget.h"

#include <gtest/gtest.h>

#include "app/daemon_settings.h"

namespace cc::app {
namespace {

DescriptorBudget budgetOf(const config::ConfigLoader::Defines& defines) {
  auto r = DaemonSettings::load("", defines);
  EXPECT_TRUE(r.ok());
  return DescriptorBudget::of(*r.settings->config);
}

TEST(DescriptorBudgetTest, CountsConnectionsWebSocketsAdminWorkersAndTwoPerDatabaseSession) {
  auto budget = budgetOf({{"http.threads", "10"},
                          {"http.queue", "20"},
                          {"ws.max_connections", "30"},
                          {"admin.threads", "4"},
                          {"db.pool.max", "5"}});
  EXPECT_EQ(budget.needed, 10 + 20 + 30 + 4 + 2 * 5 + DescriptorBudget::kMargin);
  for (const char* key : {"http.threads 10", "http.queue 20", "ws.max_connections 30",
                          "admin.threads 4", "2 x db.pool.max 5"}) {
    EXPECT_NE(budget.breakdown.find(key), std::string::npos) << key << " in " << budget.breakdown;
  }
}

TEST(DescriptorBudgetTest, TheDefaultsNeedMoreThanTheUsual1024) {
  // 256 + 1024 + 2000 + 4 + 2 * 50 + 64: why the packaged unit sets LimitNOFILE=65536.
  EXPECT_EQ(budgetOf({}).needed, 3448);
}

TEST(DescriptorBudgetTest, WarnsOnlyWhenTheLimitInForceIsShortNamingTheKeysAndTheFix) {
  auto budget = budgetOf({{"http.threads", "10"}, {"http.queue", "20"}});
  EXPECT_FALSE(descriptorLimitWarning(budget, std::nullopt)) << "no limit to read (Windows)";
  EXPECT_FALSE(descriptorLimitWarning(budget, budget.needed));
  EXPECT_FALSE(descriptorLimitWarning(budget, budget.needed + 1));
  auto warning = descriptorLimitWarning(budget, budget.needed - 1);
  ASSERT_TRUE(warning);
  EXPECT_NE(warning->find("RLIMIT_NOFILE is " + std::to_string(budget.needed - 1)),
            std::string::npos)
      << *warning;
  EXPECT_NE(warning->find("need " + std::to_string(budget.needed)), std::string::npos);
  EXPECT_NE(warning->find("http.queue 20"), std::string::npos);
  EXPECT_NE(warning->find("LimitNOFILE="), std::string::npos);
}

}  // namespace
}  // namespace cc::app
